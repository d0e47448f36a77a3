"""Общее для проверок главы 2: веса внимания, которые дают типичные ошибки в формуле softmax(q kᵀ / √d) с маской."""
from __future__ import annotations

import math

import torch

MASK_IGNORED = ("Маска не применена: запрещённые пары получили ненулевой вес. "
                "Поставьте -inf в оценки там, где mask == False.")


def weights(q, k, mask=None, *, divisor=None, fill=float("-inf"), dim=-1):
    """softmax(q kᵀ / divisor) по оси ``dim``; оценкам вне маски ставится ``fill``. По умолчанию divisor = √d_k."""
    scores = q @ k.transpose(-2, -1) / (math.sqrt(q.shape[-1]) if divisor is None else divisor)
    if mask is not None:
        scores = scores.masked_fill(~mask, fill)
    return torch.softmax(scores, dim=dim)


def weight_mistakes(q, k, mask, d_name: str = "d_k") -> dict:
    """Подсказка → веса, которые получаются при типичной ошибке в формуле (``d_name`` — как в тексте зовут √d)."""
    d = q.shape[-1]
    mistakes = {
        f"Не хватает деления оценок на √{d_name}: без него softmax насыщается.": weights(q, k, mask, divisor=1.0),
        f"Делить нужно на √{d_name}, а не на {d_name}.": weights(q, k, mask, divisor=d),
        f"Оценки нужно делить на √{d_name}, а не умножать.": weights(q, k, mask, divisor=1 / math.sqrt(d)),
        "Softmax берётся по последней оси (по ключам): сейчас в сумме 1 дают столбцы весов, а должны строки.":
            weights(q, k, mask, dim=-2),
    }
    if mask is not None:
        mistakes.update({
            MASK_IGNORED: weights(q, k),
            "Маску нужно применять до softmax (к оценкам): иначе веса в строке не дают в сумме 1.":
                weights(q, k) * mask,
            "Запрещённым оценкам ставьте -inf, а не 0: exp(0) = 1, и вес не обнуляется.":
                weights(q, k, mask, fill=0.0),
            "Маска перевёрнута: True означает «смотреть можно», поэтому -inf ставится там, где mask == False (~mask).":
                weights(q, k, ~mask),
        })
    return mistakes
