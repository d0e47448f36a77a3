"""Демонстрации, которые переживают пропущенное упражнение.

Демо после упражнения вызывает функцию студента. Если она ещё не написана или падает, демо не ломается:
``working(...)`` пробует функцию на небольшом примере и, если та падает, печатает одну строку о замене и
возвращает запасной вариант (обычно то же самое из PyTorch). Неверный, но работающий ответ остаётся: демо
покажет, что он делает.
"""
from __future__ import annotations


def working(function, fallback, *probe_args, name: str, instead: str):
    """``function``, если ``function(*probe_args)`` выполняется без ошибки, иначе ``fallback`` и строка о замене.

    ``name`` — имя функции студента, ``instead`` — чем её заменили (например, «torch.softmax»).
    """
    try:
        function(*probe_args)
    except Exception as error:  # noqa: BLE001 — любая ошибка значит «пока не работает»
        reason = "упражнение ещё не решено" if isinstance(error, NotImplementedError) else (
            f"ошибка {type(error).__name__}")
        print(f"ℹ {name}: {reason} — эта демонстрация использует {instead}.")
        return fallback
    return function
