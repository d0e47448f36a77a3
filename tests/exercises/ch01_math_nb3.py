"""Typical mistakes for notebook 3 of chapter 01 (merged by ch01_math.py)."""


def _softmax(body: str) -> str:
    return "def softmax(logits, dim=-1):\n" + body


def _cross_entropy(body: str) -> str:
    return "def cross_entropy(probs, targets):\n    n = probs.shape[0]\n" + body


def _forward(body: str) -> str:
    return "def forward(X, params):\n" + body


def _backward(dlogits="(probs - torch.nn.functional.one_hot(y, probs.shape[1]).to(probs.dtype)) / n",
              dW2="h.T @ dlogits", db2="dlogits.sum(dim=0)", dh="dlogits @ params['W2'].T",
              dz="dh * (1 - h ** 2)", dW1="X.T @ dz", db1="dz.sum(dim=0)", prelude="") -> str:
    """The solution of backward with one line replaced by a typical mistake."""
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
            _softmax("    shifted = logits - logits.max(dim=-1, keepdim=True).values\n"
                     "    e = shifted.exp()\n"
                     "    return e / e.sum(dim=-1, keepdim=True)\n"),
            "Аргумент dim не используется"),
        "normalized along another axis": (
            _softmax("    e = (logits - logits.max()).exp()\n"
                     "    return e / e.sum(dim=0, keepdim=True)\n"),
            "Сумма взята не по той оси"),
        "no max-shift (overflow on large logits)": (
            _softmax("    e = logits.exp()\n"
                     "    return e / e.sum(dim=dim, keepdim=True)\n"),
            "exp переполнился"),
        "shift by the global maximum": (
            _softmax("    e = (logits - logits.max()).exp()\n"
                     "    return e / e.sum(dim=dim, keepdim=True)\n"),
            "а не общий максимум всего тензора"),
        "in-place edit of the input": (
            _softmax("    logits -= logits.max(dim=dim, keepdim=True).values\n"
                     "    e = logits.exp()\n"
                     "    return e / e.sum(dim=dim, keepdim=True)\n"),
            "изменила входной тензор logits на месте"),
        "keepdim forgotten": (
            _softmax("    e = (logits - logits.max(dim=dim).values).exp()\n"
                     "    return e / e.sum(dim=dim)\n"),
            "keepdim=True"),
        "sum over the whole tensor": (
            _softmax("    e = (logits - logits.max(dim=dim, keepdim=True).values).exp()\n"
                     "    return e / e.sum()\n"),
            "Каждая строка должна в сумме давать 1"),
        "no normalization": (
            _softmax("    return (logits - logits.max(dim=dim, keepdim=True).values).exp()\n"),
            "softmax на примере из текста: значения не совпадают"),
    },
    "01_math_loss_cross_entropy": {
        "log of the most probable class": (
            _cross_entropy("    return -probs.max(dim=1).values.log().mean()\n"),
            "Берётся наибольшая вероятность строки"),
        "log of the first class": (
            _cross_entropy("    return -probs[:, 0].log().mean()\n"),
            "Берётся вероятность первого класса"),
        "minus forgotten": (
            _cross_entropy("    return probs[torch.arange(n), targets].log().mean()\n"),
            "Потерян минус"),
        "sum instead of mean": (
            _cross_entropy("    return -probs[torch.arange(n), targets].log().sum()\n"),
            "Нужно среднее по батчу, а не сумма"),
        "log of the whole row": (
            _cross_entropy("    return -probs.log().sum(dim=1).mean()\n"),
            "Логарифм берётся от всей строки"),
        "probs[:, targets]": (
            _cross_entropy("    return -probs[:, targets].log().mean()\n"),
            "probs[torch.arange(n), targets]"),
        "one-hot times log of every probability": (
            _cross_entropy("    one_hot = torch.nn.functional.one_hot(targets, probs.shape[1]).to(probs.dtype)\n"
                           "    return -(one_hot * probs.log()).sum(dim=1).mean()\n"),
            "0 · log 0 даёт NaN"),
        "log10": (
            _cross_entropy("    return -probs[torch.arange(n), targets].log10().mean()\n"),
            "натуральный логарифм"),
        "python float returned": (
            _cross_entropy("    return -probs[torch.arange(n), targets].log().mean().item()\n"),
            "без .item()"),
    },
    "01_math_backprop_forward": {
        "tanh forgotten": (
            _forward("    h = X @ params['W1'] + params['b1']\n"
                     "    return h @ params['W2'] + params['b2'], h\n"),
            "Забыт tanh"),
        "W1 transposed": (
            _forward("    h = torch.tanh(X @ params['W1'].T + params['b1'])\n"
                     "    return h @ params['W2'] + params['b2'], h\n"),
            "упала с ошибкой RuntimeError"),
        "bias b1 forgotten": (
            _forward("    h = torch.tanh(X @ params['W1'])\n"
                     "    return h @ params['W2'] + params['b2'], h\n"),
            "Забыто смещение b1"),
        "tanh on the logits too": (
            _forward("    h = torch.tanh(X @ params['W1'] + params['b1'])\n"
                     "    return torch.tanh(h @ params['W2'] + params['b2']), h\n"),
            "Логиты идут без активации"),
        "sigmoid instead of tanh": (
            _forward("    h = torch.sigmoid(X @ params['W1'] + params['b1'])\n"
                     "    return h @ params['W2'] + params['b2'], h\n"),
            "Нужен tanh, а не сигмоида"),
        "only the logits returned": (
            _forward("    h = torch.tanh(X @ params['W1'] + params['b1'])\n"
                     "    return h @ params['W2'] + params['b2']\n"),
            "return logits, h"),
        "pair in the wrong order": (
            _forward("    h = torch.tanh(X @ params['W1'] + params['b1'])\n"
                     "    return h, h @ params['W2'] + params['b2']\n"),
            "сначала logits"),
    },
    "01_math_backprop_backward": {
        "tanh derivative forgotten (missing chain-rule factor)": (
            _backward(dz="dh"), "производная tanh: dz = dh * (1 - h ** 2)"),
        "W2 not transposed in dh (missing transpose)": (
            _backward(dh="dlogits @ params['W2']"), "Проверьте транспонирования"),
        "dW2 factors swapped": (
            _backward(dW2="dlogits.T @ h"), "(вход слоя).T @ (градиент по выходу слоя)"),
        "not divided by the batch size": (
            _backward(dlogits="probs - torch.nn.functional.one_hot(y, probs.shape[1]).to(probs.dtype)"),
            "деления на размер батча"),
        "bias gradient summed over the wrong axis": (
            _backward(db2="dlogits.sum(dim=1)", db1="dz.sum(dim=1)"), "по оси батча, .sum(dim=0)"),
        "tanh applied twice in its derivative": (
            _backward(dz="dh * (1 - torch.tanh(h) ** 2)"), "а не 1 - tanh(h) ** 2"),
        "sign flipped": (
            _backward(dlogits="(torch.nn.functional.one_hot(y, probs.shape[1]).to(probs.dtype) - probs) / n"),
            "Перепутан знак"),
        "in-place edit of probs": (
            _backward(prelude="    probs[torch.arange(n), y] -= 1\n", dlogits="probs / n"),
            "изменила входной тензор probs на месте"),
    },
}
