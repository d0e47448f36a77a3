"""Проверка градиентов: конечные разности и таблица сравнения «мой градиент против эталона».

Градиент, выписанный вручную, легко испортить: забыть множитель цепного правила или транспонирование.
Надёжная проверка — посчитать тот же градиент «в лоб», чуть-чуть сдвигая каждый параметр:

    dL/dw ≈ (L(w + eps) - L(w - eps)) / (2 * eps)       (центральная разность)

Это медленно (два вычисления функции потерь на каждый параметр), зато не зависит от ваших формул.
``compare`` печатает строку таблицы по образцу функции ``cmp`` из makemore А. Карпатого:

    параметр | exact | approx | max abs diff | max rel diff
"""
from __future__ import annotations

from typing import Callable

import torch

HEADER = f"{'параметр':<10} | {'exact':<5} | {'approx':<6} | {'max abs diff':>12} | {'max rel diff':>12}"


def numerical_grads(loss_fn: Callable[[dict], torch.Tensor | float], params: dict[str, torch.Tensor],
                    eps: float = 1e-6) -> dict[str, torch.Tensor]:
    """Градиенты ``loss_fn`` по каждому параметру, посчитанные центральными разностями.

    ``params`` — словарь «имя → тензор»; ``loss_fn(params)`` возвращает одно число (или тензор из
    одного элемента). Считаем в float64 на копиях: тензоры из ``params`` не меняются. Ответ — словарь
    с теми же именами, формами и dtype, что у ``params``.
    """
    work = {name: value.detach().to(torch.float64).clone() for name, value in params.items()}
    grads = {}
    with torch.no_grad():
        for name, value in work.items():
            flat = value.view(-1)  # тот же кусок памяти: меняя flat[i], меняем work[name]
            grad = torch.zeros_like(flat)
            for i in range(flat.numel()):
                original = flat[i].item()
                flat[i] = original + eps
                loss_plus = float(loss_fn(work))
                flat[i] = original - eps
                loss_minus = float(loss_fn(work))
                flat[i] = original
                grad[i] = (loss_plus - loss_minus) / (2 * eps)
            grads[name] = grad.view(params[name].shape).to(params[name].dtype)
    return grads


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
