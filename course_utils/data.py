"""Небольшие наборы данных курса, которые генерируются на лету (без скачивания)."""
from __future__ import annotations

import numpy as np
import torch

# Четыре угла квадрата — входы логических функций И, ИЛИ, исключающее ИЛИ (XOR).
LOGIC_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
LOGIC_TARGETS = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}


def make_blobs(n_per_class: int = 40, gap: float = 3.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Два облака точек на плоскости, которые можно разделить прямой: X (2n, 2), y (2n,)."""
    rng = np.random.default_rng(seed)
    X0 = rng.normal(loc=(-gap / 2, -gap / 4), scale=0.7, size=(n_per_class, 2))
    X1 = rng.normal(loc=(gap / 2, gap / 4), scale=0.7, size=(n_per_class, 2))
    X = np.vstack([X0, X1])
    y = np.array([0] * n_per_class + [1] * n_per_class)
    return X, y


def make_recall_batch(n: int, distance: int, n_keys: int = 4, n_fillers: int = 8,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Задача «вспомни первый токен»: последовательности [ключ, шум × distance] и ответ — ключ.

    Ключи — токены 0..n_keys-1, шум — токены n_keys..n_keys+n_fillers-1. Возвращает
    x формы (n, distance + 1) и y формы (n,). Угадывание наугад даёт точность 1 / n_keys.
    """
    keys = torch.randint(0, n_keys, (n, 1), generator=generator)
    fillers = torch.randint(n_keys, n_keys + n_fillers, (n, distance), generator=generator)
    return torch.cat([keys, fillers], dim=1), keys.squeeze(1)


def make_lookup_batch(n: int, length: int, n_symbols: int = 10, generator: torch.Generator | None = None,
                      positions: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Задача «какой токен стоял на позиции p?»: последовательности [t_0, …, t_{length-1}, вопрос], ответ — t_p.

    Символы — токены 0..n_symbols-1; вопрос о позиции p (счёт с нуля) — токен n_symbols + p, поэтому
    словарь занимает n_symbols + length токенов. ``positions`` формы (n,) задаёт позиции вопросов,
    иначе они случайные. Возвращает x формы (n, length + 1) и y формы (n,). Наугад — точность 1 / n_symbols.
    """
    symbols = torch.randint(0, n_symbols, (n, length), generator=generator)
    if positions is None:
        positions = torch.randint(0, length, (n,), generator=generator)
    question = (n_symbols + positions).unsqueeze(1)
    return torch.cat([symbols, question], dim=1), symbols[torch.arange(n), positions]
