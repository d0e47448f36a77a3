"""Общее для проверок главы 01: шпион за готовыми функциями torch и ожидание ValueError."""
from __future__ import annotations

from torch.overrides import TorchFunctionMode

from course_utils import checks

# Готовые произведения: @ (matmul), torch.dot и родственники.
PRODUCTS = frozenset({"matmul", "dot", "vdot", "inner", "mm", "mv", "bmm", "einsum", "tensordot", "linear"})


class ReadyMadeSpy(TorchFunctionMode):
    """Запоминает, какие функции torch с именами из ``names`` вызвал код внутри блока ``with``."""

    def __init__(self, names):
        super().__init__()
        self.names = names
        self.used = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in self.names:
            self.used.add(name)
        return func(*args, **(kwargs or {}))


def call_without(names, message: str, advice: str, function, *args, **call_options):
    """``checks.call(function, *args)``; если функция студента вызвала готовую функцию из ``names`` — неудача.

    ``message`` — начало сообщения («dot вызывает готовое умножение»), ``advice`` — подсказка.
    """
    spy = ReadyMadeSpy(names)
    with spy:
        result = checks.call(function, *args, **call_options)
    if spy.used:
        checks.fail(f"{message} ({', '.join(sorted(spy.used))}).", advice)
    return result


def expect_value_error(function, args, case: str, hint: str) -> None:
    """Функция студента на неподходящих входах ``args`` должна вызвать ValueError; ``case`` — «dot для ...»."""
    try:
        function(*args)
    except ValueError:
        return
    except Exception as error:  # noqa: BLE001 — любую другую ошибку объясняем одинаково
        checks.fail(f"{case}: ожидалась ошибка ValueError, а получена {type(error).__name__}.", hint)
    checks.fail(f"{case} вернула ответ, а должна была вызвать ValueError.", hint)
