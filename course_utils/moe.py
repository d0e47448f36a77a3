"""Смесь экспертов (mixture of experts, MoE) для главы 3: слой MoE, нагрузка экспертов и лосс балансировки.

Вместо одного слоя прямого распространения — несколько «экспертов». Маленький линейный
маршрутизатор (router) выдаёт каждому токену оценки экспертов; токен обрабатывают только
k лучших, а их ответы складываются с весами softmax, пересчитанными по этим k экспертам.
Выбор экспертов и сложение их ответов студент пишет сам (упражнения ноутбука 3 главы 3):
слой ``MoE`` получает эти две функции аргументами.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def tokens_per_expert(indices: torch.Tensor, n_experts: int) -> torch.Tensor:
    """Сколько раз каждый эксперт выбран (по всем токенам и всем k местам)."""
    return torch.bincount(indices.flatten(), minlength=n_experts)


def load_balancing_loss(router_logits: torch.Tensor, indices: torch.Tensor, n_experts: int) -> torch.Tensor:
    """Вспомогательный лосс балансировки, как в Switch Transformer: n_experts · Σ_e f_e · P_e.

    f_e — доля назначений токенов эксперту e (не дифференцируется), P_e — средняя вероятность
    маршрутизатора для e. Минимум, равный 1, достигается, когда нагрузка распределена поровну.
    """
    probs = torch.softmax(router_logits.reshape(-1, n_experts), dim=-1)
    fraction = tokens_per_expert(indices, n_experts).to(probs.dtype) / indices.numel()
    return n_experts * (fraction * probs.mean(dim=0)).sum()


class Scale(nn.Module):
    """Игрушечный эксперт для примеров: умножает вектор на число ``factor``."""

    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.factor * x


class Expert(nn.Module):
    """Один эксперт — обычный слой прямого распространения: расширить → GELU → сжать."""

    def __init__(self, n_embd: int, hidden: int):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, hidden)
        self.c_proj = nn.Linear(hidden, n_embd)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class MoE(nn.Module):
    """Слой смеси экспертов: маршрутизатор выбирает k из n_experts экспертов для каждого токена.

    ``gates(router_logits, k) → (веса (N, k), номера (N, k))`` — маршрутизатор top-k,
    ``combine(x, experts, weights, indices) → (N, C)`` — взвешенная сумма ответов выбранных экспертов.
    После прямого прохода в ``last_router_logits`` и ``last_indices`` лежат оценки и выбор
    маршрутизатора — по ним считают нагрузку экспертов и лосс балансировки.
    """

    def __init__(self, n_embd: int, n_experts: int = 8, k: int = 2, hidden: int | None = None, *, gates, combine):
        super().__init__()
        if not 1 <= k <= n_experts:
            raise ValueError(f"k должно быть от 1 до n_experts ({n_experts}), получено {k}.")
        self.k = k
        self.n_experts = n_experts
        self.gates, self.combine = gates, combine
        self.router = nn.Linear(n_embd, n_experts, bias=False)
        self.experts = nn.ModuleList(Expert(n_embd, hidden or 4 * n_embd) for _ in range(n_experts))
        self.last_router_logits: torch.Tensor | None = None
        self.last_indices: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (..., C) → (..., C); каждый токен обрабатывают только k выбранных экспертов."""
        flat = x.reshape(-1, x.shape[-1])
        router_logits = self.router(flat)
        weights, indices = self.gates(router_logits, self.k)
        self.last_router_logits, self.last_indices = router_logits, indices
        return self.combine(flat, self.experts, weights, indices).reshape(x.shape)

    def balance_loss(self) -> torch.Tensor:
        """Лосс балансировки для последнего прямого прохода."""
        if self.last_router_logits is None:
            raise RuntimeError("Сначала выполните прямой проход слоя.")
        return load_balancing_loss(self.last_router_logits, self.last_indices, self.n_experts)

    def num_params(self, active: bool = False) -> int:
        """Все параметры слоя или только «активные»: маршрутизатор и k экспертов, которые считают один токен."""
        expert = sum(p.numel() for p in self.experts[0].parameters())
        return self.router.weight.numel() + expert * (self.k if active else self.n_experts)
