"""Typical mistakes for notebook 1 of chapter 01 (merged by ch01_math.py)."""

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
                               "    return u * v", "ожидалась форма (), получено (3,)"),
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
