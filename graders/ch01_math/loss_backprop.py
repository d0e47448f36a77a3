"""Скрытые тесты ноутбука 03_loss_backprop: softmax, кросс-энтропия, прямой и обратный проход двухслойной сети."""
from __future__ import annotations

import torch

from course_utils import checks
from graders.ch01_math._common import call_without

F64 = torch.float64


# --- эталоны ---------------------------------------------------------------------------------------------

def reference_softmax(logits, dim=-1):
    shifted = logits - logits.max(dim=dim, keepdim=True).values
    exps = shifted.exp()
    return exps / exps.sum(dim=dim, keepdim=True)


def reference_cross_entropy(probs, targets):
    n = probs.shape[0]
    return -probs[torch.arange(n), targets].log().mean()


def reference_forward(X, params):
    h = torch.tanh(X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    return logits, h


def reference_backward(X, y, params, h, probs):
    n, n_classes = probs.shape
    dlogits = (probs - torch.nn.functional.one_hot(y, n_classes).to(probs.dtype)) / n
    dh = dlogits @ params["W2"].T
    dz = dh * (1 - h ** 2)
    return {"W1": X.T @ dz, "b1": dz.sum(dim=0), "W2": h.T @ dlogits, "b2": dlogits.sum(dim=0)}


# --- softmax ---------------------------------------------------------------------------------------------

KEEPDIM_HINT = "Берите max и sum с keepdim=True, чтобы ось dim сохранилась и вычитание с делением шли вдоль неё."
OVERFLOW_HINT = ("Похоже, exp переполнился или обнулился: вычитайте максимум вдоль оси dim "
                 "(max(dim=dim, keepdim=True)), а не общий максимум всего тензора.")


def _softmax_of(softmax, logits, *dim):
    """Вызов softmax студента; готовый torch.softmax — неудача (он служит эталоном)."""
    return call_without({"softmax", "log_softmax"}, "softmax вызывает готовый softmax из torch",
                        "Его здесь нельзя: посчитайте exp(z - max) и поделите на сумму вдоль dim.",
                        softmax, logits, *dim, hint=KEEPDIM_HINT)


def check_softmax(softmax):
    generator = torch.Generator().manual_seed(11)
    x = 3 * torch.randn(3, 5, generator=generator, dtype=F64)
    x_before = x.clone()
    exps = (x - x.max(dim=1, keepdim=True).values).exp()
    # Неквадратная матрица, ось 1 и ось 0
    rows = _softmax_of(softmax, x, 1)
    checks.check_type(rows, torch.Tensor, "softmax(x, dim=1)")
    checks.check_shape(rows, (3, 5), "softmax(x, dim=1)")
    checks.check_close(rows, torch.softmax(x, dim=1), name="softmax(x, dim=1)", atol=1e-10,
                       hint="Каждая строка должна в сумме давать 1: суммируйте вдоль оси dim с keepdim=True.",
                       mistakes={"Сумма взята не по той оси: нормируйте вдоль dim, чтобы суммы вдоль неё были "
                                 "равны 1.": torch.softmax(x, dim=0),
                                 "Забыто деление на сумму: вероятности вдоль dim должны в сумме давать 1.": exps})
    cols = _softmax_of(softmax, x, 0)
    checks.check_type(cols, torch.Tensor, "softmax(x, dim=0)")
    checks.check_shape(cols, (3, 5), "softmax(x, dim=0)")
    checks.check_close(cols, torch.softmax(x, dim=0), name="softmax(x, dim=0)", atol=1e-10,
                       hint="Суммы вдоль оси dim должны быть равны 1: суммируйте вдоль dim с keepdim=True.",
                       mistakes={"Аргумент dim не используется: softmax всегда считается по последней оси.":
                                 torch.softmax(x, dim=-1)})
    checks.check_unchanged(x_before, x, "тензор logits")
    # Квадратная матрица: без keepdim=True ошибки формы нет, но делится не та ось
    square = torch.tensor([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-2.0, 5.0, 1.0, 0.5], [10.0, 9.0, 8.0, 7.0]],
                          dtype=F64)
    checks.check_close(_softmax_of(softmax, square), torch.softmax(square, dim=-1),
                       name="softmax квадратной матрицы", atol=1e-10,
                       hint="Проверьте keepdim=True у max и sum: без него на квадратной матрице вычитание и деление "
                            "идут по столбцам, а не по строкам.")
    # Трёхмерный тензор с большими логитами, ось посередине
    huge = 500 * torch.randn(2, 3, 4, generator=generator)
    huge_before = huge.clone()
    checks.check_close(_softmax_of(softmax, huge, 1), torch.softmax(huge, dim=1),
                       name="softmax(большие логиты формы (2, 3, 4), dim=1)", atol=1e-6, hint=OVERFLOW_HINT)
    checks.check_unchanged(huge_before, huge, "тензор logits")
    # Замаскированный токен (логит -inf) получает вероятность 0 — это понадобится во внимании
    masked = torch.tensor([0.0, float("-inf"), 1.0])
    checks.check_close(_softmax_of(softmax, masked), torch.softmax(masked, dim=0), name="softmax с логитом -inf")


# --- кросс-энтропия --------------------------------------------------------------------------------------

SCALAR_HINT = "Верните тензор из одного числа, без .item(): по нему понадобится считать градиент."


def check_cross_entropy(cross_entropy):
    generator = torch.Generator().manual_seed(5)
    probs = torch.softmax(2 * torch.randn(6, 4, generator=generator, dtype=F64), dim=1)
    targets = torch.tensor([3, 0, 1, 3, 2, 1])
    probs_before = probs.clone()
    chosen = probs[torch.arange(6), targets]
    expected = -chosen.log().mean()
    answer = checks.call(cross_entropy, probs, targets,
                         hint="probs — матрица (n, C), targets — вектор (n,): probs[torch.arange(n), targets].")
    checks.check_type(answer, torch.Tensor, "cross_entropy(...)", hint=SCALAR_HINT)
    checks.check_shape(answer, (), "cross_entropy(...)",
                       hint="Нужно одно число на весь батч: усредните лосс по примерам.")
    checks.check_close(answer, expected, name="лосс на случайном батче", atol=1e-10,
                       mistakes={"Потерян минус: log p < 0, а лосс должен быть положительным.": -expected,
                                 "Нужно среднее по батчу, а не сумма: используйте .mean().": 6 * expected,
                                 "Берётся наибольшая вероятность строки, а нужна вероятность правильного класса "
                                 "targets[k].": -probs.max(dim=1).values.log().mean(),
                                 "Берётся вероятность первого класса, а нужна вероятность правильного класса "
                                 "targets[k].": -probs[:, 0].log().mean(),
                                 "Логарифм берётся от всей строки, а нужна только вероятность правильного класса.":
                                 -probs.log().sum(dim=1).mean(),
                                 "Логарифм берётся от всех элементов, а нужна только вероятность правильного класса.":
                                 -probs.log().mean(),
                                 "probs[:, targets] даёт матрицу n × n; используйте probs[torch.arange(n), targets].":
                                 -probs[:, targets].log().mean(),
                                 "Нужен натуральный логарифм torch.log, а не log10.": -chosen.log10().mean()})
    checks.check_unchanged(probs_before, probs, "тензор probs")
    # Полностью уверенный верный ответ: лосс 0 (а 0 · log 0 по всей строке дал бы NaN)
    sure = checks.call(cross_entropy, torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype=F64),
                       torch.tensor([1, 2]))
    checks.check_type(sure, torch.Tensor, "cross_entropy(...) уверенного ответа", hint=SCALAR_HINT)
    checks.check_close(sure, torch.tensor(0.0, dtype=F64), name="лосс уверенного верного ответа",
                       hint="Берите логарифм только вероятности правильного класса: log 0 = -inf, и 0 · log 0 "
                            "даёт NaN.")


# --- прямой проход ---------------------------------------------------------------------------------------

def _random_network(n, d, H, C, seed):
    """Вход X (n, d) и параметры сети float64 из генератора с seed."""
    generator = torch.Generator().manual_seed(seed)

    def make(*shape):
        return torch.randn(*shape, generator=generator, dtype=F64)

    return make(n, d), {"W1": make(d, H), "b1": make(H), "W2": make(H, C), "b2": make(C)}


def _check_forward_case(forward, n, d, H, C, seed):
    X, params = _random_network(n, d, H, C, seed)
    before = {name: value.clone() for name, value in params.items()}
    X_before = X.clone()
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z = X @ W1 + b1
    logits_ref, h_ref = reference_forward(X, params)
    result = checks.call(forward, X, params, hint="Сверьте формы: X @ W1 даёт (n, H), а h @ W2 — (n, C).")
    checks.check_type(result, tuple, "forward(...)", hint="Верните пару: return logits, h.")
    checks.check_equal(len(result), 2, "число возвращённых значений", hint="Верните пару: return logits, h.")
    logits, h = result
    checks.check_type(logits, torch.Tensor, "logits")
    checks.check_type(h, torch.Tensor, "h")
    checks.check_shape(logits, (n, C), "logits", hint="Порядок ответа: сначала logits, потом h.")
    checks.check_shape(h, (n, H), "h", hint="Порядок ответа: сначала logits, потом h.")
    h_mistakes = {"Забыт tanh: h = tanh(X @ W1 + b1).": z, "Нужен tanh, а не сигмоида.": torch.sigmoid(z),
                  "Забыто смещение b1: h = tanh(X @ W1 + b1).": torch.tanh(X @ W1)}
    logits_mistakes = {"Логиты идут без активации: tanh нужен только в скрытом слое.": torch.tanh(logits_ref),
                       "Забыто смещение b2: logits = h @ W2 + b2.": h_ref @ W2}
    if d == H:  # квадратный W1: лишнее транспонирование не даёт ошибки формы
        h_mistakes["W1 не нужно транспонировать: X @ W1 уже даёт форму (n, H)."] = torch.tanh(X @ W1.T + b1)
    if H == C:
        logits_mistakes["W2 не нужно транспонировать: h @ W2 уже даёт форму (n, C)."] = h_ref @ W2.T + b2
    sizes = f"n={n}, d={d}, H={H}, C={C}"
    checks.check_close(h, h_ref, name=f"скрытый слой h ({sizes})", atol=1e-10, mistakes=h_mistakes)
    checks.check_close(logits, logits_ref, name=f"logits ({sizes})", atol=1e-10, mistakes=logits_mistakes)
    checks.check_unchanged(X_before, X, "тензор X")
    for name in params:
        checks.check_unchanged(before[name], params[name], f"параметр {name}")


def check_forward(forward):
    _check_forward_case(forward, 6, 2, 3, 4, seed=3)  # все размеры разные
    _check_forward_case(forward, 3, 3, 3, 3, seed=4)  # квадратные веса: лишнее транспонирование не даст ошибки формы


# --- обратный проход -------------------------------------------------------------------------------------

SHAPE_HINTS = {"W": "Градиент по весу имеет форму самого веса: dW = (вход слоя).T @ (градиент по выходу слоя).",
               "b": "Градиент по смещению имеет форму смещения: сложите вклады примеров по оси батча, .sum(dim=0)."}
TRANSPOSE_HINT = "Проверьте транспонирования: dW = (вход слоя).T @ dY, а градиент по входу слоя — dY @ W.T."
ONE_HOT_HINT = ("Здесь в y нет последнего класса, и one_hot(y) без числа классов даёт строки короче C. "
                "Укажите число классов явно: one_hot(y, C).")


def _backward_mistakes(X, y, params, h, probs, expected):
    """Градиенты типичных ошибок обратного прохода, по параметрам: {имя: {подсказка: градиент}}."""
    n, C = probs.shape
    H = h.shape[1]
    dlogits = (probs - torch.nn.functional.one_hot(y, C).to(probs.dtype)) / n
    dh = dlogits @ params["W2"].T
    mistakes = {name: {"Не хватает деления на размер батча n: лосс — среднее по примерам.": n * expected[name],
                       "Перепутан знак: градиент по логитам равен P - Y, а не Y - P.": -expected[name]}
                for name in params}

    def wrong_dz(hint, dz):
        mistakes["W1"][hint], mistakes["b1"][hint] = X.T @ dz, dz.sum(dim=0)

    wrong_dz("Пропущен множитель цепного правила — производная tanh: dz = dh * (1 - h ** 2).", dh)
    wrong_dz("Производная tanh — это 1 - h ** 2 (h уже равно tanh(z)), а не 1 - tanh(h) ** 2: "
             "tanh применён дважды.", dh * (1 - torch.tanh(h) ** 2))
    if H == C:  # квадратный W2: без транспонирования ошибки формы нет
        wrong_dz("Не хватает транспонирования: градиент по h равен dlogits @ W2.T.",
                 (dlogits @ params["W2"]) * (1 - h ** 2))
        order = "Порядок множителей: dW = (вход слоя).T @ dY, а не dY.T @ (вход слоя)."
        mistakes["W2"][order], mistakes["W1"][order] = expected["W2"].T, expected["W1"].T
    wrong_axis = "Смещение суммируется по оси батча: .sum(dim=0), а не .sum(dim=1)."
    if n == H:
        mistakes["b1"][wrong_axis] = (dh * (1 - h ** 2)).sum(dim=1)
    if n == C:
        mistakes["b2"][wrong_axis] = dlogits.sum(dim=1)
    return mistakes


def _check_backward_case(backward, n, d, H, C, y, seed, hint=TRANSPOSE_HINT):
    X, params = _random_network(n, d, H, C, seed)
    leaves = {name: value.clone().requires_grad_() for name, value in params.items()}
    logits, _ = reference_forward(X, leaves)
    torch.nn.functional.cross_entropy(logits, y).backward()
    expected = {name: leaf.grad for name, leaf in leaves.items()}
    h = torch.tanh(X @ params["W1"] + params["b1"])
    probs = torch.softmax(h @ params["W2"] + params["b2"], dim=1)
    mistakes = _backward_mistakes(X, y, params, h, probs, expected)
    h_before, probs_before, X_before = h.clone(), probs.clone(), X.clone()
    grads = call_without({"backward", "grad"}, "backward считает градиенты через autograd",
                         "Здесь нужны формулы обратного прохода, без .backward() и torch.autograd.",
                         backward, X, y, params, h, probs, hint=hint)
    checks.check_type(grads, dict, "backward(...)",
                      hint="Верните словарь {'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...}.")
    checks.check_equal(sorted(grads), sorted(params), "ключи словаря градиентов")
    for name in ("W2", "b2", "W1", "b1"):
        checks.check_type(grads[name], torch.Tensor, f"градиент по {name}")
        checks.check_shape(grads[name], params[name].shape, f"градиент по {name}", hint=SHAPE_HINTS[name[0]])
    for name in ("W2", "b2", "W1", "b1"):
        checks.check_close(grads[name], expected[name], name=f"градиент по {name} (n={n}, d={d}, H={H}, C={C})",
                           atol=1e-8, mistakes=mistakes[name])
    checks.check_unchanged(probs_before, probs, "тензор probs")
    checks.check_unchanged(h_before, h, "тензор h")
    checks.check_unchanged(X_before, X, "тензор X")


def check_backward(backward):
    _check_backward_case(backward, 7, 3, 5, 4, torch.tensor([3, 0, 1, 2, 1, 3, 0]), seed=1)  # все размеры разные
    # Всё квадратное: пропущенное транспонирование видно только по значениям
    _check_backward_case(backward, 3, 3, 3, 3, torch.tensor([2, 0, 1]), seed=2)
    _check_backward_case(backward, 1, 2, 4, 3, torch.tensor([2]), seed=3)  # батч из одного примера
    # В y нет последнего класса: one_hot(y) без числа классов дал бы матрицу (4, 2)
    _check_backward_case(backward, 4, 2, 5, 3, torch.tensor([0, 1, 1, 0]), seed=4, hint=ONE_HOT_HINT)


# --- реестры ---------------------------------------------------------------------------------------------

REFERENCES = {
    "01_math_loss_softmax": reference_softmax,
    "01_math_loss_cross_entropy": reference_cross_entropy,
    "01_math_backprop_forward": reference_forward,
    "01_math_backprop_backward": reference_backward,
}

CHECKS = {
    "01_math_loss_softmax": check_softmax,
    "01_math_loss_cross_entropy": check_cross_entropy,
    "01_math_backprop_forward": check_forward,
    "01_math_backprop_backward": check_backward,
}

HELPERS = {}


# --- типичные ошибки -------------------------------------------------------------------------------------

def _softmax_code(body: str) -> str:
    return "def softmax(logits, dim=-1):\n" + body


def _cross_entropy_code(body: str) -> str:
    return "def cross_entropy(probs, targets):\n    n = probs.shape[0]\n" + body


def _forward_code(body: str) -> str:
    return "def forward(X, params):\n" + body


def _backward_code(dlogits="(probs - torch.nn.functional.one_hot(y, probs.shape[1]).to(probs.dtype)) / n",
                   dW2="h.T @ dlogits", db2="dlogits.sum(dim=0)", dh="dlogits @ params['W2'].T",
                   dz="dh * (1 - h ** 2)", dW1="X.T @ dz", db1="dz.sum(dim=0)", prelude="") -> str:
    """Код решения backward, в котором одна строка заменена типичной ошибкой."""
    return ("def backward(X, y, params, h, probs):\n"
            "    n = probs.shape[0]\n"
            f"{prelude}"
            f"    dlogits = {dlogits}\n"
            f"    dW2, db2 = {dW2}, {db2}\n"
            f"    dh = {dh}\n"
            f"    dz = {dz}\n"
            f"    dW1, db1 = {dW1}, {db1}\n"
            "    return {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}\n")


MISTAKES = {
    "01_math_loss_softmax": {
        "softmax over the wrong dimension (dim ignored)": (
            _softmax_code("    shifted = logits - logits.max(dim=-1, keepdim=True).values\n"
                          "    e = shifted.exp()\n"
                          "    return e / e.sum(dim=-1, keepdim=True)\n"),
            "Аргумент dim не используется"),
        "normalized along another axis": (
            _softmax_code("    e = (logits - logits.max()).exp()\n"
                          "    return e / e.sum(dim=0, keepdim=True)\n"),
            "Сумма взята не по той оси"),
        "no max-shift (overflow on large logits)": (
            _softmax_code("    e = logits.exp()\n"
                          "    return e / e.sum(dim=dim, keepdim=True)\n"),
            "exp переполнился"),
        "shift by the global maximum": (
            _softmax_code("    e = (logits - logits.max()).exp()\n"
                          "    return e / e.sum(dim=dim, keepdim=True)\n"),
            "а не общий максимум всего тензора"),
        "in-place edit of the input": (
            _softmax_code("    logits -= logits.max(dim=dim, keepdim=True).values\n"
                          "    e = logits.exp()\n"
                          "    return e / e.sum(dim=dim, keepdim=True)\n"),
            "изменила входной тензор logits на месте"),
        "keepdim forgotten": (
            _softmax_code("    e = (logits - logits.max(dim=dim).values).exp()\n"
                          "    return e / e.sum(dim=dim)\n"),
            "keepdim=True"),
        "sum over the whole tensor": (
            _softmax_code("    e = (logits - logits.max(dim=dim, keepdim=True).values).exp()\n"
                          "    return e / e.sum()\n"),
            "Каждая строка должна в сумме давать 1"),
        "no normalization": (
            _softmax_code("    return (logits - logits.max(dim=dim, keepdim=True).values).exp()\n"),
            "Забыто деление на сумму"),
        "ready-made torch.softmax": (
            _softmax_code("    return torch.softmax(logits, dim=dim)\n"),
            "готовый softmax"),
    },
    "01_math_loss_cross_entropy": {
        "log of the most probable class": (
            _cross_entropy_code("    return -probs.max(dim=1).values.log().mean()\n"),
            "Берётся наибольшая вероятность строки"),
        "log of the first class": (
            _cross_entropy_code("    return -probs[:, 0].log().mean()\n"),
            "Берётся вероятность первого класса"),
        "minus forgotten": (
            _cross_entropy_code("    return probs[torch.arange(n), targets].log().mean()\n"),
            "Потерян минус"),
        "sum instead of mean": (
            _cross_entropy_code("    return -probs[torch.arange(n), targets].log().sum()\n"),
            "Нужно среднее по батчу, а не сумма"),
        "log of the whole row": (
            _cross_entropy_code("    return -probs.log().sum(dim=1).mean()\n"),
            "Логарифм берётся от всей строки"),
        "probs[:, targets]": (
            _cross_entropy_code("    return -probs[:, targets].log().mean()\n"),
            "probs[torch.arange(n), targets]"),
        "one-hot times log of every probability": (
            _cross_entropy_code("    one_hot = torch.nn.functional.one_hot(targets, probs.shape[1]).to(probs.dtype)\n"
                                "    return -(one_hot * probs.log()).sum(dim=1).mean()\n"),
            "0 · log 0 даёт NaN"),
        "log10": (
            _cross_entropy_code("    return -probs[torch.arange(n), targets].log10().mean()\n"),
            "натуральный логарифм"),
        "python float returned": (
            _cross_entropy_code("    return -probs[torch.arange(n), targets].log().mean().item()\n"),
            "без .item()"),
    },
    "01_math_backprop_forward": {
        "tanh forgotten": (
            _forward_code("    h = X @ params['W1'] + params['b1']\n"
                          "    return h @ params['W2'] + params['b2'], h\n"),
            "Забыт tanh"),
        "W1 transposed": (
            _forward_code("    h = torch.tanh(X @ params['W1'].T + params['b1'])\n"
                          "    return h @ params['W2'] + params['b2'], h\n"),
            "упала с ошибкой RuntimeError"),
        "bias b1 forgotten": (
            _forward_code("    h = torch.tanh(X @ params['W1'])\n"
                          "    return h @ params['W2'] + params['b2'], h\n"),
            "Забыто смещение b1"),
        "tanh on the logits too": (
            _forward_code("    h = torch.tanh(X @ params['W1'] + params['b1'])\n"
                          "    return torch.tanh(h @ params['W2'] + params['b2']), h\n"),
            "Логиты идут без активации"),
        "sigmoid instead of tanh": (
            _forward_code("    h = torch.sigmoid(X @ params['W1'] + params['b1'])\n"
                          "    return h @ params['W2'] + params['b2'], h\n"),
            "Нужен tanh, а не сигмоида"),
        "only the logits returned": (
            _forward_code("    h = torch.tanh(X @ params['W1'] + params['b1'])\n"
                          "    return h @ params['W2'] + params['b2']\n"),
            "return logits, h"),
        "pair in the wrong order": (
            _forward_code("    h = torch.tanh(X @ params['W1'] + params['b1'])\n"
                          "    return h, h @ params['W2'] + params['b2']\n"),
            "сначала logits"),
        "bias b2 forgotten": (
            _forward_code("    h = torch.tanh(X @ params['W1'] + params['b1'])\n"
                          "    return h @ params['W2'], h\n"),
            "Забыто смещение b2"),
    },
    "01_math_backprop_backward": {
        "tanh derivative forgotten (missing chain-rule factor)": (
            _backward_code(dz="dh"), "производная tanh: dz = dh * (1 - h ** 2)"),
        "W2 not transposed in dh (missing transpose)": (
            _backward_code(dh="dlogits @ params['W2']"), "Проверьте транспонирования"),
        "dW2 factors swapped": (
            _backward_code(dW2="dlogits.T @ h"), "(вход слоя).T @ (градиент по выходу слоя)"),
        "not divided by the batch size": (
            _backward_code(dlogits="probs - torch.nn.functional.one_hot(y, probs.shape[1]).to(probs.dtype)"),
            "деления на размер батча"),
        "bias gradient summed over the wrong axis": (
            _backward_code(db2="dlogits.sum(dim=1)", db1="dz.sum(dim=1)"), "по оси батча, .sum(dim=0)"),
        "tanh applied twice in its derivative": (
            _backward_code(dz="dh * (1 - torch.tanh(h) ** 2)"), "а не 1 - tanh(h) ** 2"),
        "sign flipped": (
            _backward_code(dlogits="(torch.nn.functional.one_hot(y, probs.shape[1]).to(probs.dtype) - probs) / n"),
            "Перепутан знак"),
        "in-place edit of probs": (
            _backward_code(prelude="    probs[torch.arange(n), y] -= 1\n", dlogits="probs / n"),
            "изменила входной тензор probs на месте"),
        "one_hot without the number of classes": (
            _backward_code(dlogits="(probs - torch.nn.functional.one_hot(y).to(probs.dtype)) / n"), "one_hot(y, C)"),
        "autograd instead of the formulas": (
            "def backward(X, y, params, h, probs):\n"
            "    leaves = {name: value.clone().requires_grad_() for name, value in params.items()}\n"
            "    logits = torch.tanh(X @ leaves['W1'] + leaves['b1']) @ leaves['W2'] + leaves['b2']\n"
            "    torch.nn.functional.cross_entropy(logits, y).backward()\n"
            "    return {name: leaf.grad for name, leaf in leaves.items()}\n",
            "через autograd"),
    },
}
