"""Скрытые тесты ноутбука 01_linear_algebra: скалярное произведение, умножение матриц циклами,
вектор предложения и формы активаций."""
from __future__ import annotations

import torch

from course_utils import checks
from graders.ch01_math._common import PRODUCTS, call_without, expect_value_error


# --- эталоны ---------------------------------------------------------------------------------------------

def reference_dot(u, v):
    if u.shape != v.shape:
        raise ValueError(f"Векторы разной формы: {tuple(u.shape)} и {tuple(v.shape)}.")
    return (u * v).sum()


def reference_matmul_loops(A, B):
    m, k = A.shape
    k_b, n = B.shape
    if k != k_b:
        raise ValueError(f"Внутренние размеры не совпадают: A {tuple(A.shape)}, B {tuple(B.shape)}.")
    C = torch.zeros(m, n, dtype=A.dtype)
    for i in range(m):
        for j in range(n):
            total = 0.0
            for p in range(k):
                total = total + A[i, p] * B[p, j]
            C[i, j] = total
    return C


def reference_sentence_vectors(T):
    return T.mean(dim=1)


def reference_activation_shapes(B, D, H, C):
    return {"x": (B, D), "linear1": (B, H), "relu": (B, H), "linear2": (B, C)}


# --- проверки --------------------------------------------------------------------------------------------

SHAPE_CHECK_HINT = "Сравните u.shape и v.shape в начале функции и вызовите raise ValueError(...)."


def check_dot(dot):
    generator = torch.Generator().manual_seed(11)
    u, v = torch.randn(2, 7, generator=generator, dtype=torch.float64)
    answer = call_without(PRODUCTS, "dot вызывает готовое умножение",
                          "Здесь нужно самим перемножить элементы и сложить: (u * v).sum().", dot, u, v)
    checks.check_type(answer, torch.Tensor, "dot(u, v)",
                      hint="Верните тензор формы (), а не число Python: без .item().")
    checks.check_shape(answer, (), "dot(u, v)",
                       hint="Скалярное произведение — одно число: поэлементные произведения нужно ещё сложить.")
    checks.check_close(answer, (u * v).sum(), name="dot для случайных векторов float64", atol=1e-12,
                       mistakes={"Сумма произведений — не то же самое, что произведение сумм: сначала перемножьте "
                                 "элементы попарно, потом сложите.": u.sum() * v.sum()})
    checks.check_close(checks.call(dot, torch.tensor([1.0, 0.0]), torch.tensor([0.0, 5.0])), torch.tensor(0.0),
                       name="dot((1, 0), (0, 5)) перпендикулярных векторов")
    expect_value_error(dot, (torch.ones(3), torch.tensor([2.0])), "dot для векторов длины 3 и 1",
                       "Иначе вектор длины 1 молча растянется (транслирование). " + SHAPE_CHECK_HINT)
    expect_value_error(dot, (torch.ones(3), torch.ones(2)), "dot для векторов длины 3 и 2",
                       "Нужна именно ValueError с понятным текстом, а не ошибка изнутри torch. " + SHAPE_CHECK_HINT)


LOOPS_HINT = "Сверьте индексы: C[i, j] += A[i, p] * B[p, j]; i бежит по строкам A, j — по столбцам B."
INNER_SIZE_HINT = "Сравните A.shape[1] и B.shape[0] до циклов и вызовите raise ValueError(...)."


def check_matmul_loops(matmul_loops):
    generator = torch.Generator().manual_seed(5)
    A = torch.randn(3, 5, generator=generator, dtype=torch.float64)
    B = torch.randn(5, 2, generator=generator, dtype=torch.float64)
    A_copy, B_copy = A.clone(), B.clone()
    expected = A_copy @ B_copy
    answer = call_without(PRODUCTS, "matmul_loops вызывает готовое умножение",
                          "Здесь нужно посчитать каждое C[i, j] своими циклами.", matmul_loops, A, B, hint=LOOPS_HINT)
    checks.check_type(answer, torch.Tensor, "matmul_loops(A, B)")
    checks.check_shape(answer, (3, 2), "matmul_loops(A, B) для форм (3, 5) и (5, 2)")
    checks.check_dtype(answer, torch.float64, "matmul_loops для матриц float64",
                       hint="Создайте результат с dtype входа: torch.zeros(m, n, dtype=A.dtype).")
    checks.check_close(answer, expected, name="matmul_loops для случайных матриц", atol=1e-10,
                       mistakes={"Сумма не накапливается: в цикле по p прибавляйте к сумме, а не перезаписывайте её.":
                                 A_copy[:, -1:] @ B_copy[-1:, :],
                                 "Сумма не обнуляется: начинайте её с нуля для каждого нового элемента C[i, j].":
                                 expected.flatten().cumsum(0).reshape(3, 2),
                                 "Сумма не обнуляется при переходе к новому столбцу: начинайте её с нуля "
                                 "для каждого C[i, j].": expected.cumsum(1)})
    checks.check_unchanged(A_copy, A, "тензор A")
    checks.check_unchanged(B_copy, B, "тензор B")
    # Квадратные матрицы: перепутанный порядок и транспонирование уже не меняют форму, ловим по значениям
    S, T = torch.randn(2, 4, 4, generator=generator, dtype=torch.float64)
    checks.check_close(checks.call(matmul_loops, S, T, hint=LOOPS_HINT), S @ T,
                       name="matmul_loops для квадратных матриц", atol=1e-10,
                       mistakes={"Множители переставлены: нужно A @ B, а не B @ A.": T @ S,
                                 "Результат транспонирован: C[i, j] — строка i матрицы A на столбец j матрицы B.":
                                 (S @ T).T})
    # (2, 2) · (3, 2): цикл по p до 2 молча отбросил бы последнюю строку B
    expect_value_error(matmul_loops, (S[:2, :2], T[:3, :2]), "matmul_loops для форм (2, 2) и (3, 2)",
                       INNER_SIZE_HINT)


def check_sentence_vectors(sentence_vectors):
    # B = L = 3: усреднение не по той оси даёт ту же форму, ловим по значениям
    generator = torch.Generator().manual_seed(3)
    T = torch.randn(3, 3, 5, generator=generator, dtype=torch.float64)
    T_copy = T.clone()
    answer = checks.call(sentence_vectors, T)
    checks.check_type(answer, torch.Tensor, "sentence_vectors(T)")
    wrong_axis = {(3, 3): "Усреднили числа внутри токена (dim=2), а нужно по токенам — ось 1.",
                  (3, 1, 5): "Лишняя ось длины 1: уберите keepdim=True.",
                  (): "Усреднили весь тензор сразу, а нужен вектор на каждое предложение: "
                      "усредняйте только ось токенов."}
    checks.check_shape(answer, (3, 5), "sentence_vectors(T) для T формы (3, 3, 5)",
                       hint=wrong_axis.get(tuple(answer.shape), ""))
    checks.check_close(answer, T_copy.mean(dim=1), name="sentence_vectors(T) для T формы (3, 3, 5)", atol=1e-12,
                       mistakes={"Усреднили по предложениям (dim=0), а нужно по токенам — ось 1.": T_copy.mean(dim=0),
                                 "Нужно среднее, а не сумма: разделите на число токенов L.": T_copy.sum(dim=1)})
    checks.check_unchanged(T_copy, T, "тензор T")
    # Одно предложение из 7 токенов
    T_one = torch.randn(1, 7, 2, generator=generator, dtype=torch.float64)
    answer = checks.call(sentence_vectors, T_one)
    checks.check_type(answer, torch.Tensor, "sentence_vectors(T) для одного предложения")
    checks.check_shape(answer, (1, 2), "sentence_vectors(T) для одного предложения",
                       hint="Ось батча длины 1 тоже нужно сохранить: ответ формы (B, D).")
    checks.check_close(answer, T_one.mean(dim=1), name="sentence_vectors(T) для одного предложения", atol=1e-12)


def _real_shapes(B, D, H, C):
    """Формы, которые выдаёт настоящая сеть PyTorch (на устройстве meta: только формы, без чисел и без ГСЧ)."""
    net = torch.nn.Sequential(torch.nn.Linear(D, H, device="meta"), torch.nn.ReLU(),
                              torch.nn.Linear(H, C, device="meta"))
    h = torch.zeros(B, D, device="meta")
    shapes = {"x": tuple(h.shape)}
    for key, step in zip(["linear1", "relu", "linear2"], net):
        h = step(h)
        shapes[key] = tuple(h.shape)
    return shapes


def _check_shapes(activation_shapes, B, D, H, C):
    call = f"activation_shapes{(B, D, H, C)}"
    answer = checks.call(activation_shapes, B, D, H, C)
    checks.check_type(answer, dict, call)
    shapes = _real_shapes(B, D, H, C)
    missing, extra = [k for k in shapes if k not in answer], [k for k in answer if k not in shapes]
    if missing or extra:
        problems = [f"не хватает ключей {missing}"] * bool(missing) + [f"лишние ключи {extra}"] * bool(extra)
        checks.fail(f"{call}: в словаре {' и '.join(problems)}.",
                    'Нужны ровно ключи "x", "linear1", "relu", "linear2".')
    for key, expected in shapes.items():
        value = answer[key]
        checks.check_type(value, tuple, f"форма «{key}»", hint="Запишите форму кортежем, например (B, D).")
        for size in value:
            checks.check_type(size, int, f"размер в форме «{key}»", hint="Размеры осей — целые числа.")
        mistakes = {"Оси переставлены: первой всегда идёт ось батча B, потом числа на пример.": expected[::-1],
                    "Забыта ось батча: сеть хранит по строке на каждый из B примеров.": expected[1:]}
        if key == "linear2":
            mistakes["Второй линейный слой переводит H чисел в C: на выходе (B, C)."] = (B, H)
        if value != expected:
            hint = next((h for h, wrong in mistakes.items() if value == wrong),
                        "Пройдите по сети шаг за шагом: Linear(D, H) переводит D чисел на пример в H.")
            checks.fail(f"Форма «{key}» при B={B}, D={D}, H={H}, C={C}: ожидалась {expected}, получено {value}.",
                        hint)


def check_activation_shapes(activation_shapes):
    _check_shapes(activation_shapes, 32, 10, 64, 10)
    _check_shapes(activation_shapes, 1, 5, 7, 2)
    _check_shapes(activation_shapes, 3, 3, 5, 4)


# --- реестры ---------------------------------------------------------------------------------------------

REFERENCES = {
    "01_math_linalg_dot": reference_dot,
    "01_math_linalg_matmul_loops": reference_matmul_loops,
    "01_math_linalg_sentence_vectors": reference_sentence_vectors,
    "01_math_linalg_activation_shapes": reference_activation_shapes,
}

CHECKS = {
    "01_math_linalg_dot": check_dot,
    "01_math_linalg_matmul_loops": check_matmul_loops,
    "01_math_linalg_sentence_vectors": check_sentence_vectors,
    "01_math_linalg_activation_shapes": check_activation_shapes,
}

HELPERS = {}


# --- типичные ошибки -------------------------------------------------------------------------------------

_LOOPS_HEAD = ("def matmul_loops(A, B):\n"
               "    m, k = A.shape\n"
               "    if k != B.shape[0]:\n"
               "        raise ValueError('shapes')\n"
               "    n = B.shape[1]\n")

MISTAKES = {
    "01_math_linalg_dot": {
        "product not summed": ("def dot(u, v):\n"
                               "    if u.shape != v.shape:\n"
                               "        raise ValueError('shapes')\n"
                               "    return u * v", "поэлементные произведения нужно ещё сложить"),
        "product of the sums": ("def dot(u, v):\n"
                                "    if u.shape != v.shape:\n"
                                "        raise ValueError('shapes')\n"
                                "    return u.sum() * v.sum()", "не то же самое, что произведение сумм"),
        "number instead of a tensor": ("def dot(u, v):\n"
                                       "    if u.shape != v.shape:\n"
                                       "        raise ValueError('shapes')\n"
                                       "    return (u * v).sum().item()", "ожидался тип torch.Tensor"),
        "lengths not checked (silent broadcasting)": ("def dot(u, v):\n    return (u * v).sum()",
                                                      "должна была вызвать ValueError"),
        "length 1 checked, others left to torch": ("def dot(u, v):\n"
                                                   "    if len(u) == 1 or len(v) == 1:\n"
                                                   "        raise ValueError('shapes')\n"
                                                   "    return (u * v).sum()", "а получена RuntimeError"),
        "ready-made @": ("def dot(u, v):\n"
                         "    if u.shape != v.shape:\n"
                         "        raise ValueError('shapes')\n"
                         "    return u @ v", "готовое умножение (matmul)"),
        "ready-made torch.dot": ("def dot(u, v):\n"
                                 "    if u.shape != v.shape:\n"
                                 "        raise ValueError('shapes')\n"
                                 "    return torch.dot(u, v)", "готовое умножение (dot)"),
    },
    "01_math_linalg_matmul_loops": {
        "factors swapped (index order)": (_LOOPS_HEAD +
                                          "    C = torch.zeros(m, n, dtype=A.dtype)\n"
                                          "    for i in range(m):\n"
                                          "        for j in range(n):\n"
                                          "            for p in range(k):\n"
                                          "                C[i, j] += B[i, p] * A[p, j]\n"
                                          "    return C", "Сверьте индексы"),
        "factors swapped (square matrices)": (_LOOPS_HEAD +
                                              "    C = torch.zeros(m, n, dtype=A.dtype)\n"
                                              "    for i in range(m):\n"
                                              "        for j in range(n):\n"
                                              "            for p in range(k):\n"
                                              "                C[i, j] += B[i, p] * A[p, j] if m == n == k else A[i, p] * B[p, j]\n"
                                              "    return C", "Множители переставлены"),
        "result transposed": (_LOOPS_HEAD +
                              "    C = torch.zeros(n, m, dtype=A.dtype)\n"
                              "    for i in range(m):\n"
                              "        for j in range(n):\n"
                              "            for p in range(k):\n"
                              "                C[j, i] += A[i, p] * B[p, j]\n"
                              "    return C", "оси переставлены местами"),
        "result transposed (square matrices)": (_LOOPS_HEAD +
                                                "    C = torch.zeros(m, n, dtype=A.dtype)\n"
                                                "    for i in range(m):\n"
                                                "        for j in range(n):\n"
                                                "            for p in range(k):\n"
                                                "                if m == n:\n"
                                                "                    C[j, i] += A[i, p] * B[p, j]\n"
                                                "                else:\n"
                                                "                    C[i, j] += A[i, p] * B[p, j]\n"
                                                "    return C", "Результат транспонирован"),
        "sum overwritten instead of accumulated": (_LOOPS_HEAD +
                                                   "    C = torch.zeros(m, n, dtype=A.dtype)\n"
                                                   "    for i in range(m):\n"
                                                   "        for j in range(n):\n"
                                                   "            for p in range(k):\n"
                                                   "                C[i, j] = A[i, p] * B[p, j]\n"
                                                   "    return C", "Сумма не накапливается"),
        "sum not reset": (_LOOPS_HEAD +
                          "    C = torch.zeros(m, n, dtype=A.dtype)\n"
                          "    total = 0.0\n"
                          "    for i in range(m):\n"
                          "        for j in range(n):\n"
                          "            for p in range(k):\n"
                          "                total = total + A[i, p] * B[p, j]\n"
                          "            C[i, j] = total\n"
                          "    return C", "Сумма не обнуляется"),
        "in-place edit of the input": (_LOOPS_HEAD +
                                       "    B.t_()  # «удобнее» брать столбцы B как строки\n"
                                       "    C = torch.zeros(m, n, dtype=A.dtype)\n"
                                       "    for i in range(m):\n"
                                       "        for j in range(n):\n"
                                       "            C[i, j] = (A[i] * B[j]).sum()\n"
                                       "    return C", "изменила входной тензор B на месте"),
        "result of the default dtype": (_LOOPS_HEAD +
                                        "    C = torch.zeros(m, n)\n"
                                        "    for i in range(m):\n"
                                        "        for j in range(n):\n"
                                        "            for p in range(k):\n"
                                        "                C[i, j] += A[i, p] * B[p, j]\n"
                                        "    return C", "dtype=A.dtype"),
        "ready-made @": (_LOOPS_HEAD + "    return A @ B", "готовое умножение"),
        "inner sizes not checked": ("def matmul_loops(A, B):\n"
                                    "    m, k = A.shape\n"
                                    "    n = B.shape[1]\n"
                                    "    C = torch.zeros(m, n, dtype=A.dtype)\n"
                                    "    for i in range(m):\n"
                                    "        for j in range(n):\n"
                                    "            for p in range(k):\n"
                                    "                C[i, j] += A[i, p] * B[p, j]\n"
                                    "    return C", "ValueError"),
    },
    "01_math_linalg_sentence_vectors": {
        "mean over sentences (dim=0)": ("def sentence_vectors(T):\n    return T.mean(dim=0)",
                                        "Усреднили по предложениям (dim=0)"),
        "mean over features (dim=2)": ("def sentence_vectors(T):\n    return T.mean(dim=2)",
                                       "Усреднили числа внутри токена"),
        "sum instead of mean": ("def sentence_vectors(T):\n    return T.sum(dim=1)", "Нужно среднее, а не сумма"),
        "keepdim left on": ("def sentence_vectors(T):\n    return T.mean(dim=1, keepdim=True)", "keepdim=True"),
        "mean of everything": ("def sentence_vectors(T):\n    return T.mean()", "Усреднили весь тензор"),
        "in-place edit of the input": ("def sentence_vectors(T):\n"
                                       "    T /= T.shape[1]\n"
                                       "    return T.sum(dim=1)", "изменила входной тензор T на месте"),
        "batch axis dropped for one sentence": ("def sentence_vectors(T):\n    return T.mean(dim=1).squeeze()",
                                                "Ось батча длины 1"),
    },
    "01_math_linalg_activation_shapes": {
        "transposed shapes": ("def activation_shapes(B, D, H, C):\n"
                              "    return {'x': (D, B), 'linear1': (H, B), 'relu': (H, B), 'linear2': (C, B)}",
                              "Оси переставлены"),
        "batch axis forgotten": ("def activation_shapes(B, D, H, C):\n"
                                 "    return {'x': (D,), 'linear1': (H,), 'relu': (H,), 'linear2': (C,)}",
                                 "Забыта ось батча"),
        "output width left at H": ("def activation_shapes(B, D, H, C):\n"
                                   "    return {'x': (B, D), 'linear1': (B, H), 'relu': (B, H), 'linear2': (B, H)}",
                                   "Второй линейный слой"),
        "floats instead of ints": ("def activation_shapes(B, D, H, C):\n"
                                   "    return {'x': (B, D / 1), 'linear1': (B, H / 1), 'relu': (B, H / 1), "
                                   "'linear2': (B, C / 1)}", "Размеры осей — целые числа"),
        "lists instead of tuples": ("def activation_shapes(B, D, H, C):\n"
                                    "    return {'x': [B, D], 'linear1': [B, H], 'relu': [B, H], 'linear2': [B, C]}",
                                    "кортежем"),
        "missing key": ("def activation_shapes(B, D, H, C):\n"
                        "    return {'x': (B, D), 'linear1': (B, H), 'linear2': (B, C)}", "не хватает ключей ['relu']"),
    },
}
