"""Ноутбук 03_training: окна и цели (make_examples), итерации за эпоху, выбор следующего токена (sample_next)."""
from __future__ import annotations

import torch

from course_utils import checks
from course_utils.pretraining import ZERO_TEMPERATURE_HINT, sampled_tokens


# --- эталонные ответы ---

def reference_make_examples(ids, block_size):
    """Окна без перекрытия x и цели y (те же окна на один токен дальше), обе формы (N, block_size)."""
    n = (len(ids) - 1) // block_size
    x = ids[:n * block_size].view(n, block_size)
    y = ids[1:n * block_size + 1].view(n, block_size)
    return x, y


def reference_iterations_per_epoch(n_examples, batch_size):
    """Число итераций за эпоху: n_examples / batch_size с округлением вверх (int)."""
    return (n_examples + batch_size - 1) // batch_size


def reference_probs(logits, temperature=1.0, top_k=None):
    """Вероятности следующего токена (B, V): логиты / температура, вне top_k самых больших — нули."""
    logits = logits / temperature
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.size(-1)), dim=-1).values[:, [-1]]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return torch.softmax(logits, dim=-1)


def reference_sample_next(logits, temperature=1.0, top_k=None):
    """Номера следующих токенов (B, 1): логиты / τ → top-k → softmax → случайный выбор; τ = 0 — argmax."""
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)
    return torch.multinomial(reference_probs(logits, temperature, top_k), num_samples=1)


# --- make_examples ---

TAIL_HINT = ("Последнему окну нужна цель за его концом: окно предсказывает и токен, который идёт сразу после него. "
             "Поэтому окон N = (len(ids) - 1) // block_size, а неполный хвост отбрасывается.")
ORDER_HINT = "Окна идут подряд с начала текста: окно i — ids[i * block_size : (i + 1) * block_size]."
PAIR_HINT = "Верните пару тензоров: return x, y."


def checked_examples(make_examples, ids, block_size, name):
    """Тип → число окон → форма → dtype → сдвиг целей; возвращает (x, y) студента."""
    n = (len(ids) - 1) // block_size
    crash_hint = ("Если длина ids делится на block_size нацело, последнему окну не хватает цели. " + TAIL_HINT
                  if len(ids) % block_size == 0 else "")
    result = checks.call(make_examples, ids, block_size, name=name, hint=crash_hint)
    checks.check_type(result, tuple, name, hint=PAIR_HINT)
    checks.check_equal(len(result), 2, f"число элементов в ответе {name}", hint=PAIR_HINT)
    x, y = result
    checks.check_type(x, torch.Tensor, f"x из {name}")
    checks.check_type(y, torch.Tensor, f"y из {name}")
    if x.ndim == 2 and x.shape[0] == len(ids) // block_size != n:
        checks.fail(f"{name}: получено {x.shape[0]} окон, а полных окон с целями только {n}.", TAIL_HINT)
    if x.ndim == 2 and x.shape[0] in (len(ids) - block_size, len(ids) - block_size + 1) and x.shape[0] != n:
        checks.fail(f"{name}: получено {x.shape[0]} окон вместо {n}: окна перекрываются.",
                    "Окна не должны перекрываться: следующее окно начинается через block_size токенов, а не через "
                    "один. Каждый токен входит во входы ровно одного окна.")
    shape_hint = "x и y — (N, block_size), где N = (len(ids) - 1) // block_size: одно окно — одна строка."
    checks.check_shape(x, (n, block_size), f"x из {name}", hint=shape_hint)
    checks.check_shape(y, (n, block_size), f"y из {name}", hint=shape_hint)
    dtype_hint = ("Номера токенов — целые числа torch.long: их ждут nn.Embedding и cross_entropy. Буфер "
                  "torch.zeros(...) по умолчанию float32 — лучше берите срезы самого ids.")
    checks.check_dtype(x, torch.long, f"x из {name}", hint=dtype_hint)
    checks.check_dtype(y, torch.long, f"y из {name}", hint=dtype_hint)
    if block_size > 1 and n > 0:
        if torch.equal(x, y):
            checks.fail(f"{name}: y совпадает с x — цели не сдвинуты.",
                        "Цель позиции t — следующий токен t + 1: y — то же окно, сдвинутое на один токен вперёд. "
                        "Иначе модель учится просто повторять вход.")
        if torch.equal(y[:, 1:], x[:, :-1]):
            checks.fail(f"{name}: y отстаёт от x на один токен — цели сдвинуты не в ту сторону.",
                        "Модель предсказывает следующий токен, а не предыдущий: y[i, t] = x[i, t + 1], то есть y "
                        "берётся из ids на один токен дальше, чем x.")
    return x, y


def check_make_examples(make_examples):
    """Примеры из текста (10 и 9 токенов), длина, кратная окну, длинный случайный текст и окно 1."""
    cases = [(torch.arange(100, 110), 3, "make_examples(10 токенов из примера, 3)"),
             (torch.arange(100, 109), 3, "make_examples(9 токенов из примера, 3)"),
             (torch.arange(12), 4, "make_examples для 12 токенов и окна 4 (длина делится на окно)"),
             (torch.randint(0, 2048, (1000,), generator=torch.Generator().manual_seed(3)), 64,
              "make_examples для 1000 случайных токенов и окна 64"),
             (torch.randint(0, 50, (7,), generator=torch.Generator().manual_seed(4)), 1, "make_examples с окном 1")]
    for ids, block_size, name in cases:
        x, y = checked_examples(make_examples, ids, block_size, name)
        expected_x, expected_y = reference_make_examples(ids, block_size)
        checks.check_close(x, expected_x, name=f"x: {name}", atol=0, hint=ORDER_HINT)
        checks.check_close(y, expected_y, name=f"y: {name}", atol=0, hint=ORDER_HINT)
    checks.passed("Окна и цели верны и для длины, кратной окну, и для длинного текста.")


# --- iterations_per_epoch ---

def iteration_mistakes(n, b):
    """Что дают типичные ошибки подсчёта итераций."""
    return {"Последний неполный батч — тоже итерация: округляйте вверх, а не вниз (// и round отбрасывают остаток).":
            n // b,
            "Лишняя итерация: когда число примеров делится на батч нацело, неполного батча нет. Округлите вверх: "
            "(n + b - 1) // b или math.ceil(n / b).": n // b + 1,
            "Итераций — число примеров, делённое на размер батча, а не их произведение.": n * b}


def check_iterations_per_epoch(iterations_per_epoch):
    """Крайние случаи (батч больше данных, деление нацело, ±1 пример) и пример из текста (1000 примеров)."""
    cases = [(10, 32), (1, 16), (64, 64), (65, 64), (1219, 16), (50_000, 64), (10**6, 7),
             (1000, 1), (1000, 100), (1000, 300), (1000, 1000), (1000, 5000)]
    for n, b in cases:
        name = f"iterations_per_epoch({n}, {b})"
        result = checks.call(iterations_per_epoch, n, b, name=name)
        checks.check_type(result, int, name, hint="Число итераций — целое: n / b даёт float. Округлите вверх и "
                                                  "верните int: (n + b - 1) // b или math.ceil(n / b).")
        if b > n > 0 and result == 0:
            checks.fail(f"{name}: получено 0 итераций.",
                        "Батч больше числа примеров — это одна итерация: в батче просто все примеры (неполный батч "
                        "тоже считается).")
        checks.check_equal(result, reference_iterations_per_epoch(n, b), name, mistakes=iteration_mistakes(n, b))
    checks.passed("Итерации за эпоху верны во всех случаях.")


# --- sample_next ---

DRAWS = 20_000
TOLERANCE = 0.02  # частоты по 20 000 выборкам отличаются от вероятностей не больше чем на ~0.01


def check_frequencies(sample_next, row, temperature, top_k, name, tokens=None):
    """Частоты выпавших токенов (по DRAWS копиям строки ``row``) против softmax(row / τ) с top-k."""
    V = row.numel()
    if tokens is None:
        tokens = sampled_tokens(sample_next, row.repeat(DRAWS, 1), temperature, top_k, name)
    frequency = torch.bincount(tokens, minlength=V).double() / len(tokens)
    expected = reference_probs(row[None], temperature, top_k)[0].double()
    if top_k is not None:
        rank = torch.empty(V, dtype=torch.long)
        rank[row.argsort(descending=True)] = torch.arange(V)  # rank[i] = место токена i по величине логита
        seen = frequency > 0
        outside = seen & (expected == 0)
        if outside.any():
            if not seen[rank == 0].any() and (rank[seen] >= V - top_k).all():
                checks.fail(f"{name}: выпадают только токены с наименьшими логитами.",
                            "top-k оставляет k токенов с наибольшими логитами, а не с наименьшими.")
            if (rank[outside] == top_k).all():
                checks.fail(f"{name}: выпал токен с {top_k + 1}-м по величине логитом при top_k = {top_k}.",
                            "top-k оставляет ровно k токенов: порог — k-й по величине логит, "
                            "torch.topk(logits, k).values[:, [-1]].")
            checks.fail(f"{name}: выпали токены вне top-{top_k}: {outside.nonzero().flatten().tolist()}.",
                        "Вне top-k логиты заменяют на -inf до softmax, тогда их вероятность — ровно 0.")
        kth = rank == top_k - 1  # токен с k-м по величине логитом: он должен выпадать
        if top_k > 1 and expected[kth].item() > TOLERANCE and not seen[kth].any() and seen[rank < top_k - 1].all():
            checks.fail(f"{name}: при top_k = {top_k} ни разу не выпал токен с {top_k}-м по величине логитом — "
                        f"осталось k − 1 = {top_k - 1} токенов.",
                        "top-k оставляет ровно k токенов, и сам k-й по величине логит — тоже: отбрасывайте логиты "
                        "строго меньше порога (logits < kth), а не меньше или равные ему.")
    gap = (frequency - expected).abs().max().item()
    if gap <= TOLERANCE:
        return
    mistakes = {"Температура не повлияла на частоты: делите на неё логиты до softmax, а не вероятности после "
                "(multinomial всё равно нормирует вероятности заново).": reference_probs(row[None], 1.0, top_k)[0],
                f"Логиты делят на температуру, а не умножают на неё: при τ = {temperature} распределение должно "
                f"стать {'острее' if temperature < 1 else 'площе'}.": reference_probs(row[None], 1 / temperature,
                                                                                       top_k)[0]}
    if top_k in (None, V):
        mistakes["Каждый раз выпадает самый вероятный токен: при temperature > 0 токен выбирают случайно по "
                 "вероятностям (torch.multinomial)."] = torch.nn.functional.one_hot(row.argmax(), V)
    for hint, wrong in mistakes.items():
        if (frequency - wrong.double()).abs().max().item() <= TOLERANCE:
            checks.fail(f"{name}: частоты токенов не совпадают с вероятностями softmax(logits / τ).", hint)
    checks.fail(f"{name}: частоты токенов в {len(tokens)} выборках отличаются от вероятностей softmax(logits / τ) "
                f"на {gap:.3f} (допуск {TOLERANCE}).",
                f"Ожидались вероятности {[round(p, 3) for p in expected.tolist()]}, получены частоты "
                f"{[round(f, 3) for f in frequency.tolist()]}. Проверьте: логиты / τ → top-k → softmax → multinomial.")


def check_greedy(sample_next, logits, top_k, name):
    """temperature = 0: ровно argmax каждой строки."""
    tokens = sampled_tokens(sample_next, logits, 0, top_k, name)
    if not torch.equal(tokens, logits.argmax(dim=-1)):
        checks.fail(f"{name}: выбран не самый вероятный токен.", ZERO_TEMPERATURE_HINT)


def check_sample_next(sample_next):
    """Частоты при разных температурах и top-k, батч из разных строк, жадный выбор, top_k = 1 и один текст."""
    row = torch.tensor([1.0, 2.5, 0.3, 2.0, -1.0, 1.5, 0.8, -0.4])
    check_frequencies(sample_next, row, 1.5, None, "sample_next(8 логитов, τ = 1.5)")
    check_frequencies(sample_next, row, 0.7, 3, "sample_next(8 логитов, τ = 0.7, top_k = 3)")
    check_frequencies(sample_next, row, 1.0, 8, "sample_next(8 логитов, τ = 1, top_k = 8)")
    # Строки батча разные: у каждой свои вероятности и свой top-k.
    two_rows = torch.stack([row, row.flip(0)]).repeat_interleave(DRAWS, dim=0)
    tokens = sampled_tokens(sample_next, two_rows, 1.3, 4, "sample_next(батч из двух разных строк, τ = 1.3, top_k = 4)")
    check_frequencies(sample_next, row, 1.3, 4, "первая строка батча", tokens=tokens[:DRAWS])
    check_frequencies(sample_next, row.flip(0), 1.3, 4, "вторая строка батча", tokens=tokens[DRAWS:])
    logits = torch.randn(16, 2048, generator=torch.Generator().manual_seed(5))
    check_greedy(sample_next, logits, None, "sample_next(16 строк по 2048 логитов, temperature=0)")
    check_greedy(sample_next, logits, 5, "sample_next(temperature=0, top_k=5)")
    name = "sample_next(temperature=0.8, top_k=1)"
    if not torch.equal(sampled_tokens(sample_next, logits, 0.8, 1, name), logits.argmax(dim=-1)):
        checks.fail(f"{name}: при top_k = 1 остаётся один токен — самый вероятный.",
                    "top-k оставляет k токенов с наибольшими логитами.")
    sampled_tokens(sample_next, logits[:1], 1.0, None, "sample_next для одного текста")
    checks.passed("Температура, top-k и жадный выбор работают на всех проверках.")


# --- реестры ---

REFERENCES = {
    "04_pretraining_train_make_examples": reference_make_examples,
    "04_pretraining_train_iterations": reference_iterations_per_epoch,
    "04_pretraining_train_sample_next": reference_sample_next,
}
CHECKS = {
    "04_pretraining_train_make_examples": check_make_examples,
    "04_pretraining_train_iterations": check_iterations_per_epoch,
    "04_pretraining_train_sample_next": check_sample_next,
}
HELPERS: dict = {}

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
        "last window overruns the data (N = len // block_size)": (
            "def make_examples(ids, block_size):\n"
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
        "round instead of rounding up": (_ITERATIONS + "    return round(n_examples / batch_size)", "неполный батч"),
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
        "top-k keeps k - 1 tokens (<= threshold)": (_SAMPLE + _GREEDY + "    logits = logits / temperature\n" +
                                                    _top_k("torch.topk(logits, top_k, dim=-1).values[:, [-1]]",
                                                           "logits <= kth") + _DRAW, "k − 1"),
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
