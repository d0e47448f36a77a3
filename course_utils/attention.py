"""Эталонное внимание главы 2: им пользуются следующие главы (и студент, пропустивший упражнение).

Это ответы упражнений главы 2, поэтому её ноутбуки этот модуль не импортируют: многоголовое внимание
главы 2 студент собирает из своих частей, а скрытые тесты (пакет ``graders``) сверяют ответы с этим модулем.
"""
from __future__ import annotations

import math

import torch
from torch import nn


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None):
    """Scaled dot-product attention: (softmax(q kᵀ / √d_k) v, веса); mask: True — можно смотреть."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


def causal_mask(T: int, device=None) -> torch.Tensor:
    """Булева маска (T, T): True на диагонали и ниже — токен видит себя и прошлое."""
    return torch.tril(torch.ones(T, T, dtype=torch.bool, device=device))


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """(B, T, d_model) → (B, n_heads, T, d_model / n_heads)."""
    B, T, d_model = x.shape
    return x.view(B, T, n_heads, d_model // n_heads).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, n_heads, T, d_head) → (B, T, n_heads · d_head)."""
    B, n_heads, T, d_head = x.shape
    return x.transpose(1, 2).reshape(B, T, n_heads * d_head)


class MultiHeadAttention(nn.Module):
    """Многоголовое внимание: проекции Q, K, V → головы → внимание → склейка → выходная проекция."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) должно делиться на n_heads ({n_heads}) без остатка.")
        self.n_heads = n_heads
        self.W_q, self.W_k, self.W_v = (nn.Linear(d_model, d_model) for _ in range(3))
        self.W_o = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None):
        """x: (B, T, d_model) → (выход (B, T, d_model), веса (B, n_heads, T, T))."""
        q, k, v = (split_heads(W(x), self.n_heads) for W in (self.W_q, self.W_k, self.W_v))
        out, weights = attention(q, k, v, mask)
        return self.W_o(merge_heads(out)), weights
