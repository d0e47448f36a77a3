"""Эталонные слои блока трансформера (глава 3, ноутбук 2): позиционное кодирование и нормализация слоя.

Ими пользуются следующие главы (и студент, пропустивший упражнение).
"""
from __future__ import annotations

import torch


def positional_encoding(T: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """Синусоидальное позиционное кодирование из «Attention Is All You Need», форма (T, d_model), float32.

    PE[pos, 2i] = sin(pos / base^(2i / d_model)), PE[pos, 2i + 1] = cos(pos / base^(2i / d_model)),
    позиции считаются с нуля. d_model должно быть чётным.
    """
    if d_model % 2:
        raise ValueError(f"d_model ({d_model}) должно быть чётным: признаки идут парами sin и cos.")
    positions = torch.arange(T, dtype=torch.float32).unsqueeze(1)  # (T, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)  # 0, 2, 4, ...
    angles = positions / base ** (two_i / d_model)  # (T, d_model / 2)
    pe = torch.zeros(T, d_model)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)
    return pe


def layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Нормализация слоя по последней оси: (x - среднее) / √(дисперсия + eps) · weight + bias.

    Дисперсия смещённая (делим на число признаков, а не на него минус один) — как в torch.nn.LayerNorm.
    """
    mean = x.mean(dim=-1, keepdim=True)
    variance = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(variance + eps) * weight + bias
