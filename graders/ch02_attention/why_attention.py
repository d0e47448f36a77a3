"""Ноутбук 01_why_attention: веса внимания (softmax по строкам) и смешивание значений Z = AV."""
from __future__ import annotations

import torch

from course_utils import checks


def attention_weights(scores):
    """Эталон: softmax по последней оси."""
    return torch.softmax(scores, dim=-1)


def mix_values(weights, values):
    """Эталон: строка i ответа — сумма строк values с весами из строки i."""
    return weights @ values


NOT_NORMALIZED = "Не хватает нормировки: после exp поделите каждую строку на её сумму."
WHOLE_MATRIX = "Нормируйте каждую строку отдельно, а не все оценки сразу: сумма в знаменателе идёт по строке."
OVERFLOW = ("exp(1000) переполняется: вычтите из каждой строки её максимум перед exp "
            "(softmax от этого не меняется) или используйте torch.softmax.")
TRANSPOSED = ("Веса транспонированы: строка i весов — это то, как смотрит токен i, "
              "поэтому нужно weights @ values, без транспонирования.")
MATMUL = "Нужно матричное произведение @, и веса (T, T) стоят слева: weights @ values даёт форму (T, d)."


def check_attention_weights(attention_weights):
    """Матрица (T, T), батч (B, T, T), входной тензор не меняется, оценки порядка ±1000."""
    torch.manual_seed(2)
    for scores, name in [(2 * torch.randn(3, 3), "веса для матрицы оценок 3 × 3"),
                         (2 * torch.randn(2, 4, 4), "веса для батча (B, T, T)")]:
        original = scores.clone()
        answer = checks.call(attention_weights, scores)
        checks.check_type(answer, torch.Tensor, "attention_weights(scores)")
        checks.check_shape(answer, scores.shape, name, hint="Ответ — веса той же формы, что scores.")
        exps = original.exp()
        mistakes = {NOT_NORMALIZED: exps, WHOLE_MATRIX: exps / exps.sum(),
                    "Softmax нужен по строкам (по последней оси, dim=-1), а сейчас в сумме 1 дают столбцы.":
                        torch.softmax(original, dim=-2)}
        if scores.dim() == 3:
            mistakes["Ось 0 — это батч: softmax нужен по последней оси, dim=-1."] = torch.softmax(original, dim=0)
        checks.check_close(answer, torch.softmax(original, dim=-1), name=name, atol=1e-5, mistakes=mistakes)
        checks.check_unchanged(original, scores, "тензор scores")
    big = torch.tensor([[1000.0, 999.0, 0.0], [-1000.0, -1000.0, -999.0]])
    answer = checks.call(attention_weights, big)
    overflowed = isinstance(answer, torch.Tensor) and not bool(torch.isfinite(answer).all())
    # atol 1e-4: у оценок порядка 1000 одно округление float32 — около 6e-5 (устойчивые формулы тоже его дают)
    checks.check_close(answer, torch.softmax(big, dim=-1), name="веса для оценок порядка ±1000", atol=1e-4,
                       hint=OVERFLOW if overflowed else "Веса строки: exp(s − max) / сумма exp(s − max).")


def check_mix_values(mix_values):
    """Одна последовательность (T, d), батч (B, T, d) и токены, смотрящие ровно на один токен."""
    torch.manual_seed(4)
    cases = [(torch.softmax(torch.randn(3, 3), dim=-1), torch.randn(3, 2), "одна последовательность"),
             (torch.softmax(torch.randn(2, 5, 5), dim=-1), torch.randn(2, 5, 3), "батч")]
    for weights, values, name in cases:
        answer = checks.call(mix_values, weights, values, hint=MATMUL)
        checks.check_type(answer, torch.Tensor, "mix_values(weights, values)")
        checks.check_shape(answer, values.shape, f"mix_values: {name} {tuple(values.shape)}")
        checks.check_close(answer, weights @ values, name=f"новые векторы, {name}", atol=1e-5,
                           mistakes={TRANSPOSED: weights.mT @ values})
    pointing = torch.eye(4)[[2, 0, 3, 3]]
    vectors = torch.arange(8.0).view(4, 2)
    answer = checks.call(mix_values, pointing, vectors, hint=MATMUL)
    checks.check_close(answer, vectors[[2, 0, 3, 3]], name="токены, которые смотрят ровно на один токен")


_WEIGHTS = "def attention_weights(scores):\n"
_MIX = "def mix_values(weights, values):\n"

REFERENCES = {"02_attention_why_weights": attention_weights, "02_attention_why_mix": mix_values}
CHECKS = {"02_attention_why_weights": check_attention_weights, "02_attention_why_mix": check_mix_values}
HELPERS = {}
MISTAKES = {
    "02_attention_why_weights": {
        "softmax over columns": (_WEIGHTS + "    return torch.softmax(scores, dim=0)", "в сумме 1 дают столбцы"),
        "exp without normalization": (_WEIGHTS + "    return scores.exp()", "Не хватает нормировки"),
        "dim=1 breaks batches": (_WEIGHTS + "    return torch.softmax(scores, dim=1)", "в сумме 1 дают столбцы"),
        "softmax over the batch": (_WEIGHTS + "    return torch.softmax(scores, dim=0) if scores.dim() == 3 "
                                              "else torch.softmax(scores, dim=-1)", "Ось 0 — это батч"),
        "whole matrix normalized": (_WEIGHTS + "    e = scores.exp()\n    return e / e.sum()",
                                    "Нормируйте каждую строку отдельно"),
        "exp overflows": (_WEIGHTS + "    e = scores.exp()\n    return e / e.sum(dim=-1, keepdim=True)",
                          "вычтите из каждой строки её максимум"),
        "scores shifted in place": (_WEIGHTS + "    scores -= scores.max(dim=-1, keepdim=True).values\n"
                                               "    e = scores.exp()\n    return e / e.sum(dim=-1, keepdim=True)",
                                    "на месте"),
        "float64 result": (_WEIGHTS + "    return torch.softmax(scores.double(), dim=-1)", "ожидался dtype"),
    },
    "02_attention_why_mix": {
        "values.T @ weights": (_MIX + "    return values.mT @ weights", "оси переставлены местами"),
        "weights transposed": (_MIX + "    return weights.transpose(-2, -1) @ values", "Веса транспонированы"),
        "loop with swapped indices": (_MIX + "    T = weights.shape[-1]\n"
                                             "    return torch.stack([sum(weights[j, i] * values[j]\n"
                                             "                            for j in range(T)) for i in range(T)])",
                                      "Веса транспонированы"),
        "factors swapped": (_MIX + "    return values @ weights", "веса (T, T) стоят слева"),
        "batch dropped": (_MIX + "    if weights.dim() == 3:\n        weights, values = weights[0], values[0]\n"
                                 "    return weights @ values", "ось батча"),
        "element-wise product": (_MIX + "    return weights * values", "Нужно матричное произведение @"),
    },
}
