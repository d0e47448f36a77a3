"""Скрытые тесты ноутбука 02_gradient_descent: центральная разность, численный градиент, шаг и путь спуска."""
from __future__ import annotations

import torch

from course_utils import checks

F64 = torch.float64


# --- эталоны ---------------------------------------------------------------------------------------------

def reference_central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def reference_numerical_gradient(f, w, h=1e-5):
    grad = torch.zeros_like(w)
    for i in range(w.shape[0]):
        shift = torch.zeros_like(w)
        shift[i] = h
        grad[i] = (f(w + shift) - f(w - shift)) / (2 * h)
    return grad


def reference_gd_step(w, grad, lr):
    return w - lr * grad


def reference_gradient_descent(grad_fn, w0, lr, steps):
    w, path = w0, [w0]
    for _ in range(steps):
        w = reference_gd_step(w, grad_fn(w), lr)
        path.append(w)
    return torch.stack(path)


# --- проверки --------------------------------------------------------------------------------------------

CENTRAL = "(f(x + h) - f(x - h)) / (2h)"


def _difference_mistakes(f, x, h):
    """Ответы типичных ошибок в формуле центральной разности — для f, x и h проверки."""
    return {f"Точности не хватает: это разность вперёд (f(x + h) - f(x)) / h с ошибкой порядка h. "
            f"Центральная разность {CENTRAL} ошибается лишь на h².": (f(x + h) - f(x)) / h,
            f"Точности не хватает: это разность назад (f(x) - f(x - h)) / h с ошибкой порядка h. "
            f"Центральная разность {CENTRAL} ошибается лишь на h².": (f(x) - f(x - h)) / h,
            "Разность f(x + h) - f(x - h) нужно делить на 2h: точки отстоят друг от друга на 2h.":
            (f(x + h) - f(x - h)) / h,
            "Проверьте скобки: «/ 2 * h» делит на 2 и умножает на h, а нужно / (2 * h).": (f(x + h) - f(x - h)) / 2 * h}


def check_central_difference(central_difference):
    def cube(t):
        return t ** 3

    two = torch.tensor(2.0, dtype=F64)
    # x³ в точке 2 при h = 0.001: ошибка центральной разности h² = 1e-6, а разности вперёд около 6e-3
    answer = checks.call(central_difference, cube, two, 1e-3)
    checks.check_type(answer, torch.Tensor, "central_difference(x³, 2, h=0.001)")
    checks.check_close(answer, torch.tensor(12.0, dtype=F64), name="производная x³ в точке 2 при h = 0.001",
                       atol=1e-5, rtol=0, mistakes=_difference_mistakes(cube, two, 1e-3))
    # Шаг из аргумента: при h = 0.5 центральная разность для x³ в точке 2 равна 12 + h² = 12.25
    answer = checks.call(central_difference, cube, two, 0.5)
    checks.check_close(answer, torch.tensor(12.25, dtype=F64), name="central_difference(x³, 2, h=0.5)", atol=1e-9,
                       rtol=0, mistakes={"Используйте шаг h, переданный в функцию, а не своё число.":
                                         reference_central_difference(cube, two)})
    # Тензор формы (2, 3): производная экспоненты — она сама
    generator = torch.Generator().manual_seed(3)
    points = torch.rand(2, 3, generator=generator, dtype=F64) * 4 - 2
    answer = checks.call(central_difference, torch.exp, points)
    checks.check_type(answer, torch.Tensor, "central_difference(exp, x)")
    checks.check_shape(answer, (2, 3), "central_difference(exp, x)",
                       hint="Ответ — производная в каждой точке x: тензор той же формы, что и x.")
    checks.check_close(answer, torch.exp(points), name="производная exp на тензоре формы (2, 3)", atol=1e-8, rtol=0,
                       mistakes=_difference_mistakes(torch.exp, points, 1e-5))


def _check_w_unchanged(w_before, w_input):
    """Входной w не изменился; отдельно — сдвиг и возврат арифметикой, который портит последние знаки."""
    if not torch.equal(w_input, w_before) and torch.allclose(w_input, w_before, rtol=0, atol=1e-12):
        checks.fail("Функция изменила входной тензор w на месте: он отличается от исходного в последних знаках.",
                    "Похоже, вы сдвигали w[i] и возвращали обратно; из-за округления число не восстанавливается "
                    "точно. Сдвигайте копию: w + shift или w.clone().")
    checks.check_unchanged(w_before, w_input, "тензор w")


def check_numerical_gradient(numerical_gradient):
    generator = torch.Generator().manual_seed(11)
    A = torch.randn(4, 4, generator=generator, dtype=F64)
    A = A + A.T
    b = torch.randn(4, generator=generator, dtype=F64)
    w_before = torch.randn(4, generator=generator, dtype=F64)

    def wavy_bowl(w):
        return 0.5 * w @ A @ w + b @ w + torch.sin(w).sum()

    w_input = w_before.clone()
    answer = checks.call(numerical_gradient, wavy_bowl, w_input, helpers=("central_difference",))
    checks.check_type(answer, torch.Tensor, "numerical_gradient(f, w)",
                      hint="Соберите ответ в тензор: создайте torch.zeros_like(w) и заполните его по элементам.")
    checks.check_shape(answer, (4,), "numerical_gradient(f, w) для w из 4 весов",
                       hint="В градиенте по одному числу на каждый вес: его форма совпадает с формой w.")
    _check_w_unchanged(w_before, w_input)
    checks.check_dtype(answer, F64, "numerical_gradient(f, w)",
                       hint="torch.zeros(d) создаёт float32 и теряет точность; torch.zeros_like(w) сохранит float64.")
    step = 1e-5 * torch.eye(4, dtype=F64)
    forward = torch.stack([(wavy_bowl(w_before + step[i]) - wavy_bowl(w_before)) / 1e-5 for i in range(4)])
    all_at_once = (wavy_bowl(w_before + 1e-5) - wavy_bowl(w_before - 1e-5)) / 2e-5
    # Точный градиент: A·w + b + cos(w)
    checks.check_close(answer, A @ w_before + b + torch.cos(w_before), name="градиент на случайной точке", atol=1e-7,
                       rtol=0,
                       mistakes={"Точности не хватает: это разность вперёд. Используйте центральную разность "
                                 "(f(w + h·e_i) - f(w - h·e_i)) / (2h).": forward,
                                 "Сдвигайте по одной координате за раз: прибавив h ко всем весам сразу, вы получили "
                                 "одно число вместо вектора частных производных.": all_at_once.expand(4)})
    # Один вес, и f возвращает обычный float: f(w) = w³ -> 3w²
    answer = checks.call(numerical_gradient, lambda w: float(w[0] ** 3), torch.tensor([-1.5], dtype=F64),
                         helpers=("central_difference",))
    checks.check_type(answer, torch.Tensor, "numerical_gradient для одного веса")
    checks.check_shape(answer, (1,), "numerical_gradient для одного веса")
    checks.check_close(answer, torch.tensor([6.75], dtype=F64), name="градиент w³ в точке -1.5", atol=1e-8, rtol=0)


def check_gd_step(gd_step):
    generator = torch.Generator().manual_seed(5)
    w_before, grad_before = torch.randn(2, 3, 4, generator=generator, dtype=F64)
    w_input, grad_input = w_before.clone(), grad_before.clone()
    answer = checks.call(gd_step, w_input, grad_input, 0.05)
    checks.check_type(answer, torch.Tensor, "gd_step(w, grad, 0.05)")
    checks.check_shape(answer, (3, 4), "gd_step для матрицы весов",
                       hint="Шаг не меняет форму: ответ той же формы, что w.")
    checks.check_unchanged(w_before, w_input, "тензор w")
    checks.check_unchanged(grad_before, grad_input, "тензор grad")
    checks.check_close(answer, w_before - 0.05 * grad_before, name="веса после шага", atol=1e-12, rtol=0,
                       mistakes={"Знак перепутан: шаг делается против градиента, w - lr * grad, а не w + lr * grad.":
                                 w_before + 0.05 * grad_before,
                                 "Градиент нужно умножить на скорость обучения: w - lr * grad.":
                                 w_before - grad_before})
    # Нулевой градиент (мы в минимуме): веса не меняются
    answer = checks.call(gd_step, w_before.clone(), torch.zeros(3, 4, dtype=F64), 0.5)
    checks.check_close(answer, w_before, name="шаг при нулевом градиенте", atol=1e-12, rtol=0)


PATH_HINT = "Путь из steps шагов содержит steps + 1 точку: первая строка — стартовая w0."


def check_gradient_descent(gradient_descent):
    # Квадратичная чаша в 3-мерном пространстве: grad = A·w - b
    A = torch.tensor([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]], dtype=F64)
    b = torch.tensor([1.0, -2.0, 0.5], dtype=F64)

    def grad_fn(v):
        return A @ v - b

    w_before = torch.tensor([2.0, 1.0, -1.0], dtype=F64)
    longer = reference_gradient_descent(grad_fn, w_before, 0.2, 6)
    expected = longer[:6]  # w0 и 5 шагов
    frozen = torch.stack([w_before - t * 0.2 * grad_fn(w_before) for t in range(6)])
    w_input = w_before.clone()
    path = checks.call(gradient_descent, grad_fn, w_input, 0.2, 5, helpers=("gd_step",))
    checks.check_type(path, torch.Tensor, "gradient_descent(...)",
                      hint="Сложите точки пути в один тензор: torch.stack(список_точек).")
    checks.check_shape(path, (6, 3), "путь из 5 шагов для 3 весов", hint=PATH_HINT)
    checks.check_unchanged(w_before, w_input, "тензор w0")
    checks.check_close(path, expected, name="путь спуска по 3-мерной чаше", atol=1e-10, rtol=0,
                       mistakes={"Все строки пути одинаковые: в список попадал один и тот же тензор, который потом "
                                 "менялся на месте. Пишите w = gd_step(w, ...): так каждый шаг создаёт новый тензор.":
                                 expected[-1].expand(6, 3),
                                 "Градиент нужно пересчитывать в каждой новой точке: grad_fn(w), а не grad_fn(w0).":
                                 frozen,
                                 "Первой строкой пути должна идти стартовая точка w0, а за ней steps новых точек.":
                                 longer[1:]})
    # Ноль шагов: путь из одной стартовой точки
    path = checks.call(gradient_descent, grad_fn, w_before.clone(), 0.2, 0, helpers=("gd_step",))
    checks.check_type(path, torch.Tensor, "gradient_descent(..., steps=0)",
                      hint="Сложите точки пути в один тензор: torch.stack(список_точек).")
    checks.check_shape(path, (1, 3), "путь из 0 шагов",
                       hint="При steps = 0 путь состоит из одной точки w0: форма (1, d).")
    checks.check_close(path, w_before[None], name="путь из 0 шагов", atol=0, rtol=0)


# --- реестры ---------------------------------------------------------------------------------------------

REFERENCES = {
    "01_math_grad_central_difference": reference_central_difference,
    "01_math_grad_numerical_gradient": reference_numerical_gradient,
    "01_math_grad_gd_step": reference_gd_step,
    "01_math_grad_descent": reference_gradient_descent,
}

CHECKS = {
    "01_math_grad_central_difference": check_central_difference,
    "01_math_grad_numerical_gradient": check_numerical_gradient,
    "01_math_grad_gd_step": check_gd_step,
    "01_math_grad_descent": check_gradient_descent,
}

HELPERS = {"central_difference": reference_central_difference, "gd_step": reference_gd_step}


# --- типичные ошибки -------------------------------------------------------------------------------------

MISTAKES = {
    "01_math_grad_central_difference": {
        "forward difference": ("def central_difference(f, x, h=1e-5):\n"
                               "    return (f(x + h) - f(x)) / h", "разность вперёд"),
        "division by h instead of 2h": ("def central_difference(f, x, h=1e-5):\n"
                                        "    return (f(x + h) - f(x - h)) / h", "нужно делить на 2h"),
        "backward difference": ("def central_difference(f, x, h=1e-5):\n"
                                "    return (f(x) - f(x - h)) / h", "разность назад"),
        "operator precedence": ("def central_difference(f, x, h=1e-5):\n"
                                "    return (f(x + h) - f(x - h)) / 2 * h", "/ (2 * h)"),
        "step h ignored": ("def central_difference(f, x, h=1e-5):\n"
                           "    return (f(x + 1e-5) - f(x - 1e-5)) / 2e-5", "шаг h, переданный в функцию"),
    },
    "01_math_grad_numerical_gradient": {
        "in-place nudge without restoring": ("def numerical_gradient(f, w, h=1e-5):\n"
                                             "    grad = torch.zeros_like(w)\n"
                                             "    for i in range(w.shape[0]):\n"
                                             "        w[i] += h\n"
                                             "        f_plus = f(w)\n"
                                             "        w[i] -= 2 * h\n"
                                             "        grad[i] = (f_plus - f(w)) / (2 * h)\n"
                                             "    return grad", "на месте"),
        "alias instead of a copy": ("def numerical_gradient(f, w, h=1e-5):\n"
                                    "    grad = torch.zeros_like(w)\n"
                                    "    for i in range(w.shape[0]):\n"
                                    "        w_plus, w_minus = w, w.clone()\n"
                                    "        w_plus[i] += h\n"
                                    "        w_minus[i] -= h\n"
                                    "        grad[i] = (f(w_plus) - f(w_minus)) / (2 * h)\n"
                                    "    return grad", "на месте"),
        "nudge and restore by arithmetic": ("def numerical_gradient(f, w, h=1e-5):\n"
                                            "    grad = torch.zeros_like(w)\n"
                                            "    for i in range(w.shape[0]):\n"
                                            "        w[i] += h\n"
                                            "        f_plus = f(w)\n"
                                            "        w[i] -= 2 * h\n"
                                            "        f_minus = f(w)\n"
                                            "        w[i] += h\n"
                                            "        grad[i] = (f_plus - f_minus) / (2 * h)\n"
                                            "    return grad", "x + h − h не всегда в точности x"),
        "forward difference": ("def numerical_gradient(f, w, h=1e-5):\n"
                               "    grad = torch.zeros_like(w)\n"
                               "    for i in range(w.shape[0]):\n"
                               "        shift = torch.zeros_like(w)\n"
                               "        shift[i] = h\n"
                               "        grad[i] = (f(w + shift) - f(w)) / h\n"
                               "    return grad", "разность вперёд"),
        "all coordinates shifted at once": ("def numerical_gradient(f, w, h=1e-5):\n"
                                            "    return torch.full_like(w, float((f(w + h) - f(w - h)) / (2 * h)))",
                                            "по одной координате"),
        "float32 result": ("def numerical_gradient(f, w, h=1e-5):\n"
                           "    grad = torch.zeros(w.shape[0])\n"
                           "    for i in range(w.shape[0]):\n"
                           "        shift = torch.zeros_like(w)\n"
                           "        shift[i] = h\n"
                           "        grad[i] = (f(w + shift) - f(w - shift)) / (2 * h)\n"
                           "    return grad", "torch.zeros_like(w)"),
        "list returned": ("def numerical_gradient(f, w, h=1e-5):\n"
                          "    grad = []\n"
                          "    for i in range(w.shape[0]):\n"
                          "        shift = torch.zeros_like(w)\n"
                          "        shift[i] = h\n"
                          "        grad.append(float((f(w + shift) - f(w - shift)) / (2 * h)))\n"
                          "    return grad", "ожидался тип torch.Tensor"),
    },
    "01_math_grad_gd_step": {
        "plus instead of minus": ("def gd_step(w, grad, lr):\n    return w + lr * grad", "Знак перепутан"),
        "in-place update": ("def gd_step(w, grad, lr):\n    w -= lr * grad\n    return w", "на месте"),
        "learning rate ignored": ("def gd_step(w, grad, lr):\n    return w - grad", "скорость обучения"),
        "in-place sub_": ("def gd_step(w, grad, lr):\n    return w.sub_(lr * grad)", "на месте"),
    },
    "01_math_grad_descent": {
        "path without w0": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                            "    w, path = w0, []\n"
                            "    for _ in range(steps):\n"
                            "        w = gd_step(w, grad_fn(w), lr)\n"
                            "        path.append(w)\n"
                            "    return torch.stack(path)", "steps + 1"),
        "same tensor appended (aliasing)": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                                            "    w = w0.clone()\n"
                                            "    path = [w]\n"
                                            "    for _ in range(steps):\n"
                                            "        w -= lr * grad_fn(w)\n"
                                            "        path.append(w)\n"
                                            "    return torch.stack(path)", "Все строки пути одинаковые"),
        "in-place update of w0": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                                  "    w = w0\n"
                                  "    path = [w.clone()]\n"
                                  "    for _ in range(steps):\n"
                                  "        w -= lr * grad_fn(w)\n"
                                  "        path.append(w.clone())\n"
                                  "    return torch.stack(path)", "на месте"),
        "gradient only at w0": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                                "    w, path = w0, [w0]\n"
                                "    for _ in range(steps):\n"
                                "        w = gd_step(w, grad_fn(w0), lr)\n"
                                "        path.append(w)\n"
                                "    return torch.stack(path)", "пересчитывать в каждой новой точке"),
        "one step too many": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                              "    w, path = w0, [w0]\n"
                              "    for _ in range(steps + 1):\n"
                              "        w = gd_step(w, grad_fn(w), lr)\n"
                              "        path.append(w)\n"
                              "    return torch.stack(path)", "steps + 1"),
        "list of points returned": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                                    "    w, path = w0, [w0]\n"
                                    "    for _ in range(steps):\n"
                                    "        w = gd_step(w, grad_fn(w), lr)\n"
                                    "        path.append(w)\n"
                                    "    return path", "torch.stack"),
    },
}
