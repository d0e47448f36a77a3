"""Короткие циклы обучения, которые ноутбуки вызывают одной строкой."""
from __future__ import annotations

import torch
from torch import nn

from .data import make_recall_batch
from .models import RecallClassifier

RECALL_KEYS, RECALL_FILLERS = 4, 8


def train_recall(cell: str, distance: int, steps: int = 200, batch_size: int = 64, lr: float = 3e-3,
                 seed: int = 0, n_eval: int = 1000) -> float:
    """Обучает RecallClassifier на задаче «вспомни первый токен»; возвращает точность на новых примерах."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = RecallClassifier(cell, RECALL_KEYS + RECALL_FILLERS, RECALL_KEYS)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        x, y = make_recall_batch(batch_size, distance, RECALL_KEYS, RECALL_FILLERS, generator)
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # страховка от взрыва градиентов в RNN
        optimizer.step()
    x, y = make_recall_batch(n_eval, distance, RECALL_KEYS, RECALL_FILLERS, torch.Generator().manual_seed(1234))
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def first_token_gradient(cell: str, distance: int, seed: int = 0, n: int = 256) -> float:
    """Средняя норма градиента функции потерь по эмбеддингу первого токена у необученной сети."""
    torch.manual_seed(seed)
    model = RecallClassifier(cell, RECALL_KEYS + RECALL_FILLERS, RECALL_KEYS)
    x, y = make_recall_batch(n, distance, RECALL_KEYS, RECALL_FILLERS, torch.Generator().manual_seed(seed))
    embedded = model.embedding(x).detach().requires_grad_(True)
    nn.functional.cross_entropy(model(x, embedded), y, reduction="sum").backward()
    return embedded.grad[:, 0].norm(dim=1).mean().item()
