"""Общее для проверок главы 6: значение и градиент эталона и типичных ошибок — чтобы назвать ошибку и по числу,
и по градиенту (у REINFORCE значение лосса может совпасть, а градиент — нет)."""
from __future__ import annotations

import torch


def value_and_gradient(fn, x, *rest):
    """Значение ``fn(x, *rest)`` и градиент его суммы по ``x`` (на копии ``x``)."""
    leaf = x.detach().clone().requires_grad_(True)
    value = fn(leaf, *rest)
    (gradient,) = torch.autograd.grad(value.sum(), leaf)
    return value.detach(), gradient


def mistaken_values_and_gradients(wrong_fns: dict, expected, expected_gradient, x, *rest):
    """Подсказка → значение и подсказка → градиент для тех ошибок, что отличаются от эталона."""
    values, gradients = {}, {}
    for hint, wrong in wrong_fns.items():
        value, gradient = value_and_gradient(wrong, x, *rest)
        if not torch.allclose(value.double(), expected.double(), atol=1e-5, rtol=1e-4):
            values[hint] = value
        if not torch.allclose(gradient.double(), expected_gradient.double(), atol=1e-5, rtol=1e-4):
            gradients[hint] = gradient
    return values, gradients
