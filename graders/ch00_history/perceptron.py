"""Грейдер ноутбука 01_perceptron.ipynb: прямой проход перцептрона, правило обучения, XOR из трёх перцептронов."""
import numpy as np

from course_utils import checks
from course_utils.data import LOGIC_INPUTS, LOGIC_TARGETS

from ._common import check_pair

NO_BIAS = "Похоже, забыто смещение b: z = X @ w + b."
SIGN = "Знак перепутан: ошибка — это y - ŷ, а не ŷ - y."
LR = "Не забудьте умножить на скорость обучения lr."
BIAS_UPDATE = "Смещение тоже нужно обновлять: b + lr * (y - ŷ)."
PAIR = "Верните два значения: return new_w, new_b."


def reference_perceptron_predict(X, w, b):
    return (X @ w + b > 0).astype(np.int64)


def reference_perceptron_update(w, b, x, y, lr):
    error = y - reference_perceptron_predict(x[None, :], w, b)[0]
    return w + lr * error * x, b + lr * error


def reference_xor_two_layer(X):
    h_or = reference_perceptron_predict(X, np.array([1.0, 1.0]), -0.5)
    h_nand = reference_perceptron_predict(X, np.array([-1.0, -1.0]), 1.5)
    return reference_perceptron_predict(np.column_stack([h_or, h_nand]), np.array([1.0, 1.0]), -1.5)


def _check_answers(answer, n: int, name: str) -> None:
    """Ответы перцептрона: np.ndarray формы (n,) из целых чисел."""
    checks.check_type(answer, np.ndarray, name)
    checks.check_shape(answer, (n,), name,
                       hint="Нужен один ответ на строку X: используйте X @ w, а не w @ X.T с лишней осью.")
    if not np.issubdtype(answer.dtype, np.integer):
        checks.fail(f"{name}: ожидались целые числа 0/1, получен dtype {answer.dtype}.",
                    "Сравните z с порогом (z > 0) и превратите булев результат в целые числа: .astype(np.int64).")


def check_perceptron_predict(perceptron_predict):
    """Случайные данные, отрицательное смещение и ответ ровно на пороге z = 0."""
    rng = np.random.default_rng(7)
    X, w = rng.normal(size=(6, 3)), np.array([0.4, -1.2, 0.7])
    answer = checks.call(perceptron_predict, X, w, 0.3)
    _check_answers(answer, 6, "perceptron_predict(...)")
    checks.check_equal(answer.tolist(), reference_perceptron_predict(X, w, 0.3).tolist(), "ответы на случайных данных",
                       mistakes={NO_BIAS: reference_perceptron_predict(X, w, 0.0).tolist()})
    # Смещение сдвигает порог: z = 0.1 + 0.1 - 0.5 = -0.3 -> 0
    with_bias = checks.call(perceptron_predict, np.array([[0.1, 0.1], [1.0, 1.0]]), np.array([1.0, 1.0]), -0.5)
    _check_answers(with_bias, 2, "perceptron_predict(...)")
    checks.check_equal(with_bias.tolist(), [0, 1], "ответы с отрицательным смещением", mistakes={NO_BIAS: [1, 1]})
    # Ровно на пороге z = 0 ответ 0, а не 1
    on_threshold = checks.call(perceptron_predict, np.array([[1.0, 1.0]]), np.array([0.5, -0.5]), 0.0)
    _check_answers(on_threshold, 1, "perceptron_predict(...)")
    checks.check_equal(on_threshold.tolist(), [0], "ответ при z = 0",
                       hint="На пороге перцептрон отвечает 0: используйте строгое сравнение z > 0.")


def _updated(perceptron_update, w, b, x, y, lr):
    """Один вызов perceptron_update студента (с эталонной perceptron_predict) и проверка, что вернулась пара."""
    result = checks.call(perceptron_update, w, b, x, y, lr, helpers=("perceptron_predict",))
    return check_pair(result, "perceptron_update(...)", PAIR)


def check_perceptron_update(perceptron_update):
    """Верный ответ (веса не меняются), ошибка в обе стороны, входной w не меняется на месте."""
    w0 = np.array([1.0, -2.0, 0.5])
    x0 = np.array([0.5, 0.25, -1.0])  # z = 0.5 - 0.5 - 0.5 + 0.2 = -0.3 -> ŷ = 0
    w_input = w0.copy()
    same_w, same_b = _updated(perceptron_update, w_input, 0.2, x0, 0, 0.5)
    checks.check_unchanged(w0, w_input, "массив w")
    checks.check_close(same_w, w0, name="веса после верного ответа",
                       hint="Если ответ верный, ошибка y - ŷ равна 0 и веса не должны меняться.")
    checks.check_close(same_b, 0.2, name="смещение после верного ответа")
    # Ошибка (y = 1, ŷ = 0): сдвиг к x
    new_w, new_b = _updated(perceptron_update, w_input, 0.2, x0, 1, 0.5)
    checks.check_unchanged(w0, w_input, "массив w")
    checks.check_close(new_w, w0 + 0.5 * x0, name="веса после ошибки",
                       mistakes={SIGN: w0 - 0.5 * x0, LR: w0 + x0})
    checks.check_close(new_b, 0.7, name="смещение после ошибки", mistakes={SIGN: -0.3, LR: 1.2, BIAS_UPDATE: 0.2})
    # Ложное срабатывание (y = 0, ŷ = 1): сдвиг от x
    new_w, new_b = _updated(perceptron_update, w0.copy(), 0.2, -x0, 0, 0.5)
    checks.check_close(new_w, w0 + 0.5 * x0, name="веса после ложного срабатывания",
                       mistakes={SIGN: w0 - 0.5 * x0, LR: w0 + x0})
    checks.check_close(new_b, -0.3, name="смещение после ложного срабатывания")


def check_xor_two_layer(xor_two_layer):
    """Углы квадрата в другом порядке и с повторами: ответ вычисляется из X, а не записан заранее."""
    order = np.array([3, 0, 2, 1, 1, 3])
    answer = checks.call(xor_two_layer, LOGIC_INPUTS[order], helpers=("perceptron_predict",))
    checks.check_type(answer, np.ndarray, "xor_two_layer(...)")
    checks.check_shape(answer, (6,), "xor_two_layer(...)",
                       hint="Ответов должно быть столько же, сколько строк в X: не зашивайте ответ [0, 1, 1, 0].")
    checks.check_equal(answer.tolist(), LOGIC_TARGETS["XOR"][order].tolist(), "XOR на переставленных углах",
                       hint="Ответ должен вычисляться из X, а не быть заранее записанным списком.",
                       mistakes={"Получилось OR, а не XOR: не хватает второго слоя с AND.":
                                 LOGIC_TARGETS["OR"][order].tolist(),
                                 "Получилось AND: проверьте веса первого слоя.": LOGIC_TARGETS["AND"][order].tolist()})


REFERENCES = {
    "00_history_perceptron_predict": reference_perceptron_predict,
    "00_history_perceptron_update": reference_perceptron_update,
    "00_history_xor_two_layer": reference_xor_two_layer,
}
CHECKS = {
    "00_history_perceptron_predict": check_perceptron_predict,
    "00_history_perceptron_update": check_perceptron_update,
    "00_history_xor_two_layer": check_xor_two_layer,
}
HELPERS = {"perceptron_predict": reference_perceptron_predict}

_UPDATE = "def perceptron_update(w, b, x, y, lr):\n    e = y - perceptron_predict(x[None], w, b)[0]\n"
MISTAKES = {
    "00_history_perceptron_predict": {
        "bias forgotten": ("def perceptron_predict(X, w, b):\n    return (X @ w > 0).astype(np.int64)",
                           "забыто смещение"),
        ">= instead of >": ("def perceptron_predict(X, w, b):\n    return (X @ w + b >= 0).astype(np.int64)",
                            "строгое сравнение"),
        "booleans returned": ("def perceptron_predict(X, w, b):\n    return X @ w + b > 0", ".astype(np.int64)"),
        "raw sums returned": ("def perceptron_predict(X, w, b):\n    return X @ w + b", "dtype float64"),
        "column instead of vector": (
            "def perceptron_predict(X, w, b):\n    return (X @ w[:, None] + b > 0).astype(np.int64)",
            "Нужен один ответ на строку X"),
    },
    "00_history_perceptron_update": {
        "sign flipped": ("def perceptron_update(w, b, x, y, lr):\n"
                         "    e = perceptron_predict(x[None], w, b)[0] - y\n"
                         "    return w + lr * e * x, b + lr * e", "Знак перепутан"),
        "bias not updated": (_UPDATE + "    return w + lr * e * x, b", "Смещение тоже нужно обновлять"),
        "in-place edit": (_UPDATE + "    w += lr * e * x\n    return w, b + lr * e", "на месте"),
        "learning rate ignored": (_UPDATE + "    return w + e * x, b + e", "скорость обучения lr"),
        "always updates": ("def perceptron_update(w, b, x, y, lr):\n"
                           "    return w + lr * x * (1 if y == 1 else -1), b + lr * (1 if y == 1 else -1)",
                           "веса после верного ответа"),
        "returns a list": (_UPDATE + "    return [w + lr * e * x, b + lr * e]", "return new_w, new_b"),
    },
    "00_history_xor_two_layer": {
        "hard-coded answer": ("def xor_two_layer(X):\n    return np.array([0, 1, 1, 0])", "не зашивайте ответ"),
        "only OR": ("def xor_two_layer(X):\n    return perceptron_predict(X, np.array([1.0, 1.0]), -0.5)",
                    "Получилось OR"),
        "only AND": ("def xor_two_layer(X):\n    return perceptron_predict(X, np.array([1.0, 1.0]), -1.5)",
                     "Получилось AND"),
    },
}
