"""Сравнение градиентов: таблица «мой градиент против эталона» (глава 1).

Градиент, выписанный вручную, легко испортить: забыть множитель цепного правила или транспонирование.
Его сверяют с autograd или с конечными разностями (``torch.autograd.gradcheck``), а ``compare`` печатает строку
таблицы по образцу функции ``cmp`` из makemore А. Карпатого:

    параметр | exact | approx | max abs diff | max rel diff

Так сразу видно, в каком параметре (а значит, в каком звене цепочки) ошибка.
"""
from __future__ import annotations

import torch

HEADER = f"{'параметр':<10} | {'exact':<5} | {'approx':<6} | {'max abs diff':>12} | {'max rel diff':>12}"


def max_abs_diff(mine: torch.Tensor, reference: torch.Tensor) -> float:
    """Наибольшая по модулю разница между элементами двух тензоров."""
    return (mine.detach().double() - reference.detach().double()).abs().max().item()


def max_rel_diff(mine: torch.Tensor, reference: torch.Tensor) -> float:
    """Наибольшая разница, делённая на масштаб тензоров (наибольший модуль элемента в любом из двух).

    Так маленькие по модулю элементы не раздувают ошибку: 1e-7 — это много для градиента порядка 1e-6
    и пренебрежимо мало для градиента порядка 1.
    """
    scale = max(mine.detach().double().abs().max().item(), reference.detach().double().abs().max().item())
    return max_abs_diff(mine, reference) / max(scale, 1e-12)


def compare(name: str, mine: torch.Tensor, reference: torch.Tensor, atol: float = 1e-6,
            rtol: float = 1e-4) -> bool:
    """Печатает строку сравнения двух градиентов и возвращает True, если они совпали с допуском.

    exact — совпали ли числа бит в бит; approx — совпали ли с допуском ``atol``/``rtol``
    (как ``torch.allclose``). Если формы разные, строка об этом и говорит.
    """
    if tuple(mine.shape) != tuple(reference.shape):
        print(f"{name:<10} | формы не совпадают: {tuple(mine.shape)} против {tuple(reference.shape)}")
        return False
    a, b = mine.detach().double(), reference.detach().double()
    exact = torch.equal(a, b)
    approx = torch.allclose(a, b, rtol=rtol, atol=atol)
    print(f"{name:<10} | {exact!s:<5} | {approx!s:<6} | {max_abs_diff(a, b):>12.2e} | {max_rel_diff(a, b):>12.2e}")
    return approx


def compare_all(mine: dict[str, torch.Tensor], reference: dict[str, torch.Tensor], atol: float = 1e-6,
                rtol: float = 1e-4) -> bool:
    """Таблица ``compare`` по всем параметрам из ``reference``; True, если совпали все."""
    print(HEADER)
    results = []
    for name, expected in reference.items():
        if name not in mine:
            print(f"{name:<10} | нет в ответе: ожидались градиенты по {sorted(reference)}")
            results.append(False)
            continue
        results.append(compare(name, mine[name], expected, atol=atol, rtol=rtol))
    return all(results)
