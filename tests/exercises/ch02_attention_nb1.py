"""Typical mistakes for notebook 1 of chapter 02 «Механизм внимания» (why attention: weights and mixing)."""

_WEIGHTS = "def attention_weights(scores):\n"
_MIX = "def mix_values(weights, values):\n"

MISTAKES = {
    "02_attention_why_weights": {
        "softmax over columns": (_WEIGHTS + "    return torch.softmax(scores, dim=0)", "в сумме 1 дают столбцы"),
        "exp without normalization": (_WEIGHTS + "    return scores.exp()", "Не хватает нормировки"),
        "dim=1 breaks batches": (_WEIGHTS + "    return torch.softmax(scores, dim=1)", "а не dim=1"),
        "whole matrix normalized": (_WEIGHTS + "    e = scores.exp()\n    return e / e.sum()",
                                    "Нормируйте каждую строку отдельно"),
        "exp overflows": (_WEIGHTS + "    e = scores.exp()\n    return e / e.sum(dim=-1, keepdim=True)",
                          "вычтите из каждой строки её максимум"),
        "scores shifted in place": (_WEIGHTS + "    scores -= scores.max(dim=-1, keepdim=True).values\n"
                                               "    e = scores.exp()\n    return e / e.sum(dim=-1, keepdim=True)",
                                    "на месте"),
        "float64 result": (_WEIGHTS + "    return torch.softmax(scores.double(), dim=-1)", "dtype"),
    },
    "02_attention_why_mix": {
        "values.T @ weights": (_MIX + "    return values.mT @ weights", "оси переставлены местами"),
        "weights transposed": (_MIX + "    return weights.transpose(-2, -1) @ values", "Веса транспонированы"),
        "loop with swapped indices": (_MIX + "    T = weights.shape[-1]\n"
                                             "    return torch.stack([sum(weights[j, i] * values[j] for j in range(T))\n"
                                             "                        for i in range(T)])", "Веса транспонированы"),
        "factors swapped": (_MIX + "    return values @ weights", "веса (T, T) стоят слева"),
        "batch dropped": (_MIX + "    if weights.dim() == 3:\n        weights, values = weights[0], values[0]\n"
                                 "    return weights @ values", "ось батча"),
        "element-wise product": (_MIX + "    return weights * values", "упала с ошибкой"),
    },
}
