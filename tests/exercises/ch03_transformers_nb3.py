"""Typical mistakes for notebook 3 of chapter 03 «Трансформеры» (GPT, parameters, generation, MoE, patches)."""

_INIT = ("class MiniGPT(nn.Module):\n"
         "    def __init__(self, config):\n"
         "        super().__init__()\n"
         "        self.config = config\n"
         "        self.transformer = nn.ModuleDict(dict(\n"
         "            wte=nn.Embedding(config.vocab_size, config.n_embd),\n"
         "            wpe=nn.Embedding(config.block_size, config.n_embd),\n"
         "            h=nn.ModuleList(Block(config) for _ in range(config.n_layer)),\n"
         "            ln_f=nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps),\n"
         "        ))\n"
         "        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)\n"
         "        self.lm_head.weight = self.transformer.wte.weight\n\n"
         "    def forward(self, idx):\n"
         "        B, T = idx.shape\n")


def _forward(body: str) -> str:
    return _INIT + body


_COUNT = "def gpt_param_count(vocab_size, block_size, n_layer, n_embd):\n    C = n_embd\n"
_GREEDY = "def greedy_generate(model, idx, max_new_tokens):\n    block_size = model.config.block_size\n"
_GATES = "def top_k_gates(router_logits, k):\n"
_COMBINE = "def combine_experts(x, experts, weights, indices):\n    out = torch.zeros_like(x)\n"
_PATCHES = "def image_to_tokens(image, patch_size, projection):\n    B, H, W = image.shape\n    p = patch_size\n"

MISTAKES = {
    "03_transformers_gpt_forward": {
        "causal mask missing (own attention without the mask)": (_forward(
            "        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))\n"
            "        for block in self.transformer.h:\n"
            "            C = x.shape[-1]\n"
            "            q, k, v = (split_heads(t, block.attn.n_head) for t in block.attn.c_attn(block.ln_1(x)).split(C, dim=2))\n"
            "            x = x + block.attn.c_proj(merge_heads(attention(q, k, v)[0]))\n"
            "            x = x + block.mlp(block.ln_2(x))\n"
            "        return self.lm_head(self.transformer.ln_f(x))"), "подглядывает в будущее"),
        "final norm over the whole sequence": (_forward(
            "        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))\n"
            "        for block in self.transformer.h:\n"
            "            x = block(x)\n"
            "        return self.lm_head(F.layer_norm(x, x.shape[1:]))"), "подглядывает в будущее"),
        "logits shape transposed": (_forward(
            "        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))\n"
            "        for block in self.transformer.h:\n"
            "            x = block(x)\n"
            "        return self.lm_head(self.transformer.ln_f(x)).transpose(1, 2)"), "вместо (B, T, vocab_size)"),
        "position embeddings forgotten": (_forward(
            "        x = self.transformer.wte(idx)\n"
            "        for block in self.transformer.h:\n"
            "            x = block(x)\n"
            "        return self.lm_head(self.transformer.ln_f(x))"), "Забыты эмбеддинги позиций"),
        "final LayerNorm forgotten": (_forward(
            "        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))\n"
            "        for block in self.transformer.h:\n"
            "            x = block(x)\n"
            "        return self.lm_head(x)"), "Забыта последняя нормализация"),
        "hidden states returned instead of logits": (_forward(
            "        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))\n"
            "        for block in self.transformer.h:\n"
            "            x = block(x)\n"
            "        return self.transformer.ln_f(x)"), "ожидалась форма"),
    },
    "03_transformers_gpt_param_count": {
        "tied embedding counted twice": (_COUNT +
                                         "    return 2 * vocab_size * C + block_size * C + n_layer * (12 * C * C + 13 * C) + 2 * C",
                                         "считается один раз"),
        "biases forgotten": (_COUNT + "    return vocab_size * C + block_size * C + n_layer * (12 * C * C + 4 * C) + 2 * C",
                             "сдвиги (bias)"),
        "LayerNorms forgotten": (_COUNT + "    return vocab_size * C + block_size * C + n_layer * (12 * C * C + 9 * C)",
                                 "параметры LayerNorm"),
        "position embeddings forgotten": (_COUNT + "    return vocab_size * C + n_layer * (12 * C * C + 13 * C) + 2 * C",
                                          "эмбеддинги позиций wpe"),
        "float instead of int": (_COUNT + "    return float(vocab_size * C + block_size * C + n_layer * (12 * C * C + 13 * C) + 2 * C)",
                                 "ожидался тип int"),
    },
    "03_transformers_gpt_greedy": {
        "no crop to block_size": (_GREEDY +
                                  "    with torch.no_grad():\n"
                                  "        for _ in range(max_new_tokens):\n"
                                  "            next_token = model(idx)[:, -1, :].argmax(dim=-1, keepdim=True)\n"
                                  "            idx = torch.cat([idx, next_token], dim=1)\n"
                                  "    return idx", "idx[:, -block_size:]"),
        "logits of the first position": (_GREEDY +
                                         "    with torch.no_grad():\n"
                                         "        for _ in range(max_new_tokens):\n"
                                         "            next_token = model(idx[:, -block_size:])[:, 0, :].argmax(dim=-1, keepdim=True)\n"
                                         "            idx = torch.cat([idx, next_token], dim=1)\n"
                                         "    return idx", "логиты последней позиции"),
        "appended along the batch axis": (_GREEDY +
                                          "    with torch.no_grad():\n"
                                          "        for _ in range(max_new_tokens):\n"
                                          "            next_token = model(idx[:, -block_size:])[:, -1, :].argmax(dim=-1, keepdim=True)\n"
                                          "            idx = torch.cat([idx, next_token], dim=0)\n"
                                          "    return idx", "по оси времени"),
        "only the new tokens returned": (_GREEDY +
                                         "    new = []\n"
                                         "    with torch.no_grad():\n"
                                         "        for _ in range(max_new_tokens):\n"
                                         "            next_token = model(idx[:, -block_size:])[:, -1, :].argmax(dim=-1, keepdim=True)\n"
                                         "            idx = torch.cat([idx, next_token], dim=1)\n"
                                         "            new.append(next_token)\n"
                                         "    return torch.cat(new, dim=1)", "исходные токены и 5 новых"),
    },
    "03_transformers_gpt_top_k_gates": {
        "not renormalised over the top-k": (_GATES +
                                            "    indices = torch.topk(router_logits, k, dim=-1).indices\n"
                                            "    return torch.softmax(router_logits, dim=-1).gather(-1, indices), indices",
                                            "пересчитать по выбранным k"),
        "raw logits as weights": (_GATES +
                                  "    top_logits, indices = torch.topk(router_logits, k, dim=-1)\n"
                                  "    return top_logits, indices", "а не сами оценки"),
        "smallest experts chosen": (_GATES +
                                    "    top_logits, indices = torch.topk(router_logits, k, dim=-1, largest=False)\n"
                                    "    return torch.softmax(top_logits, dim=-1), indices", "наибольшими оценками"),
        "pair in the wrong order": (_GATES +
                                    "    top_logits, indices = torch.topk(router_logits, k, dim=-1)\n"
                                    "    return indices, torch.softmax(top_logits, dim=-1)", "порядке (weights, indices)"),
    },
    "03_transformers_gpt_combine": {
        "unweighted sum": (_COMBINE +
                           "    for e, expert in enumerate(experts):\n"
                           "        token, slot = torch.where(indices == e)\n"
                           "        if token.numel():\n"
                           "            out = out.index_add(0, token, expert(x[token]))\n"
                           "    return out", "с весами маршрутизатора"),
        "weight of slot j given to expert j": (_COMBINE +
                                               "    for e, expert in enumerate(experts):\n"
                                               "        token, slot = torch.where(indices == e)\n"
                                               "        if token.numel():\n"
                                               "            out = out.index_add(0, token, weights[token, 1 - slot, None] * expert(x[token]))\n"
                                               "    return out", "относится к эксперту indices[n, j]"),
        "only the first expert": (_COMBINE +
                                  "    for n in range(x.shape[0]):\n"
                                  "        out[n] = weights[n, 0] * experts[int(indices[n, 0])](x[n])\n"
                                  "    return out", "всех k выбранных"),
    },
    "03_transformers_gpt_image_tokens": {
        "plain reshape": (_PATCHES + "    return projection(image.reshape(B, -1, p * p))", "полосами строк"),
        "patches column by column": (_PATCHES +
                                     "    patches = image.reshape(B, H // p, p, W // p, p).permute(0, 3, 1, 2, 4)\n"
                                     "    return projection(patches.reshape(B, -1, p * p))", "Патчи нумеруются построчно"),
        "pixels inside a patch column by column": (_PATCHES +
                                                   "    patches = image.reshape(B, H // p, p, W // p, p).permute(0, 1, 3, 4, 2)\n"
                                                   "    return projection(patches.reshape(B, -1, p * p))",
                                                   "Пиксели внутри патча"),
        "projection forgotten": (_PATCHES +
                                 "    return image.reshape(B, H // p, p, W // p, p).permute(0, 1, 3, 2, 4).reshape(B, -1, p * p)",
                                 "спроецировать патчи"),
    },
}
