"""Typical mistakes for notebook 3 of chapter 04 «Предобучение» (examples, iterations per epoch, sampling)."""

_EXAMPLES = "def make_examples(ids, block_size):\n    n = (len(ids) - 1) // block_size\n"
_ITERATIONS = "def iterations_per_epoch(n_examples, batch_size):\n"
_SAMPLE = "def sample_next(logits, temperature=1.0, top_k=None):\n"
_GREEDY = "    if temperature == 0:\n        return logits.argmax(dim=-1, keepdim=True)\n"


def _top_k(threshold: str, keep: str = "logits < kth") -> str:
    return ("    if top_k is not None:\n"
            f"        kth = {threshold}\n"
            f"        logits = logits.masked_fill({keep}, float('-inf'))\n")


_RIGHT_TOP_K = _top_k("torch.topk(logits, top_k, dim=-1).values[:, [-1]]")
_DRAW = "    return torch.multinomial(torch.softmax(logits, dim=-1), 1)"

MISTAKES = {
    "04_pretraining_train_make_examples": {
        "targets not shifted": (_EXAMPLES +
                                "    x = ids[:n * block_size].view(n, block_size)\n"
                                "    return x, x.clone()", "цели не сдвинуты"),
        "targets shifted the wrong way": (_EXAMPLES +
                                          "    x = ids[1:n * block_size + 1].view(n, block_size)\n"
                                          "    y = ids[:n * block_size].view(n, block_size)\n"
                                          "    return x, y", "не в ту сторону"),
        "last window overruns the data": ("def make_examples(ids, block_size):\n"
                                          "    n = len(ids) // block_size\n"
                                          "    x = ids[:n * block_size].view(n, block_size)\n"
                                          "    y = ids[1:n * block_size + 1].view(n, block_size)\n"
                                          "    return x, y", "нужна цель за его концом"),
        "last window overruns the data (loop, short target)": (
            "def make_examples(ids, block_size):\n"
            "    starts = range(0, len(ids) - block_size + 1, block_size)\n"
            "    x = torch.stack([ids[s:s + block_size] for s in starts])\n"
            "    y = torch.stack([ids[s + 1:s + 1 + block_size] for s in starts])\n"
            "    return x, y", "нужна цель за его концом"),
        "overlapping windows (stride 1)": ("def make_examples(ids, block_size):\n"
                                           "    x = ids[:-1].unfold(0, block_size, 1)\n"
                                           "    y = ids[1:].unfold(0, block_size, 1)\n"
                                           "    return x, y", "окна перекрываются"),
        "float buffer": (_EXAMPLES +
                         "    x, y = torch.zeros(n, block_size), torch.zeros(n, block_size)\n"
                         "    for i in range(n):\n"
                         "        x[i] = ids[i * block_size:(i + 1) * block_size]\n"
                         "        y[i] = ids[i * block_size + 1:(i + 1) * block_size + 1]\n"
                         "    return x, y", "torch.long"),
        "flat tensors instead of windows": (_EXAMPLES +
                                            "    return ids[:n * block_size], ids[1:n * block_size + 1]",
                                            "ожидалась форма"),
    },
    "04_pretraining_train_iterations": {
        "floor division": (_ITERATIONS + "    return n_examples // batch_size", "неполный батч"),
        "floor division: batch larger than the data gives 0": (_ITERATIONS + "    return n_examples // batch_size",
                                                               "больше числа примеров"),
        "always one extra iteration": (_ITERATIONS + "    return n_examples // batch_size + 1", "Лишняя итерация"),
        "product instead of quotient": (_ITERATIONS + "    return n_examples * batch_size", "не их произведение"),
        "float returned": (_ITERATIONS + "    return n_examples / batch_size", "ожидался тип int"),
    },
    "04_pretraining_train_sample_next": {
        "temperature applied after softmax": (_SAMPLE + _GREEDY + _RIGHT_TOP_K +
                                              "    probs = torch.softmax(logits, dim=-1) / temperature\n"
                                              "    return torch.multinomial(probs, 1)", "до softmax"),
        "temperature multiplied instead of divided": (_SAMPLE + _GREEDY + "    logits = logits * temperature\n" +
                                                      _RIGHT_TOP_K + _DRAW, "а не умножают"),
        "top-k keeps k + 1 tokens": (_SAMPLE + _GREEDY + "    logits = logits / temperature\n" +
                                     _top_k("torch.sort(logits, dim=-1, descending=True).values[:, [top_k]]") +
                                     _DRAW, "ровно k токенов"),
        "top-k keeps the smallest logits": (_SAMPLE + _GREEDY + "    logits = logits / temperature\n" +
                                            _top_k("torch.topk(logits, top_k, dim=-1, largest=False).values[:, [-1]]",
                                                   "logits > kth") + _DRAW, "с наибольшими логитами"),
        "temperature 0 not handled": (_SAMPLE + "    logits = logits / temperature\n" + _RIGHT_TOP_K + _DRAW,
                                      "При temperature = 0"),
        "shape (B,) instead of (B, 1)": (_SAMPLE + _GREEDY.replace("keepdim=True", "") +
                                         "    logits = logits / temperature\n" + _RIGHT_TOP_K +
                                         "    return torch.multinomial(torch.softmax(logits, dim=-1), 1)[:, 0]",
                                         "вместо (B, 1)"),
        "always greedy": (_SAMPLE + "    return logits.argmax(dim=-1, keepdim=True)", "выбирают случайно"),
        "logits divided in place": (_SAMPLE + _GREEDY + "    logits /= temperature\n" + _RIGHT_TOP_K + _DRAW,
                                    "на месте"),
    },
}
