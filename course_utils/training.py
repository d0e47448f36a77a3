"""Короткие циклы обучения, которые ноутбуки вызывают одной строкой."""
from __future__ import annotations

import torch
from torch import nn

from .data import make_lookup_batch, make_recall_batch
from .models import LookupAttention, RecallClassifier
from .timing import single_thread

RECALL_KEYS, RECALL_FILLERS = 4, 8


def train_recall(cell: str, distance: int, steps: int = 200, batch_size: int = 64, lr: float = 3e-3,
                 seed: int = 0, n_eval: int = 1000) -> float:
    """Обучает RecallClassifier на задаче «вспомни первый токен»; возвращает точность на новых примерах.

    Сеть крошечная, поэтому считаем на одном ядре: так быстрее и не мешаем другим программам.
    """
    with single_thread():
        return _train_recall(cell, distance, steps, batch_size, lr, seed, n_eval)


def _train_recall(cell, distance, steps, batch_size, lr, seed, n_eval) -> float:
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


LOOKUP_SYMBOLS = 10


def train_lookup(kind: str, length: int, hidden_size: int = 16, steps: int = 400, batch_size: int = 64,
                 lr: float = 1e-2, seed: int = 0) -> nn.Module:
    """Обучает модель на задаче «какой токен стоял на позиции p?» и возвращает её.

    ``kind="lstm"``: RecallClassifier с LSTM (эмбеддинги по 16 чисел, состояние из ``hidden_size`` чисел) —
    вся последовательность сжимается в одно состояние. ``kind="attention"``: LookupAttention с векторами
    по ``hidden_size`` чисел. Данные, шаги, батч, скорость обучения и seed у обеих моделей одинаковые.
    """
    if kind not in ("lstm", "attention"):
        raise ValueError(f"kind должен быть 'lstm' или 'attention', получено {kind!r}.")
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    vocab_size = LOOKUP_SYMBOLS + length
    if kind == "lstm":
        model = RecallClassifier("lstm", vocab_size, LOOKUP_SYMBOLS, hidden_size=hidden_size)
    else:
        model = LookupAttention(vocab_size, LOOKUP_SYMBOLS, max_len=length + 1, d_model=hidden_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    with single_thread():  # сеть крошечная: на одном ядре быстрее
        for _ in range(steps):
            x, y = make_lookup_batch(batch_size, length, LOOKUP_SYMBOLS, generator)
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    return model.eval()


def lookup_accuracy_by_position(model: nn.Module, length: int, n_per_position: int = 200,
                                seed: int = 1234) -> torch.Tensor:
    """Точность на новых последовательностях отдельно для каждой спрашиваемой позиции: тензор формы (length,).

    Про каждую позицию задаётся ``n_per_position`` вопросов; среднее по позициям — общая точность.
    """
    positions = torch.arange(length).repeat_interleave(n_per_position)
    x, y = make_lookup_batch(len(positions), length, LOOKUP_SYMBOLS, torch.Generator().manual_seed(seed), positions)
    with torch.no_grad(), single_thread():
        correct = (model(x).argmax(dim=1) == y).float()
    return correct.view(length, n_per_position).mean(dim=1)
