"""Викторины: проверка формата ответа.

Правильных ответов в ноутбуке нет ни в каком виде: видимая ячейка проверяет только формат
(например, что ответ — одна из букв варианта), а правильность оценивает скрытый тест при автопроверке.
"""
from __future__ import annotations

from .checks import fail


def check_choice(question_id: str, answer, options) -> None:
    """Проверяет формат ответа: он должен быть одним из вариантов ``options`` (и того же типа)."""
    if type(answer) is not type(next(iter(options))) or answer not in options:  # тип первым: список не хешируется
        fail(f"Вопрос «{question_id}»: ожидался один из вариантов {sorted(options)!r}, получено {answer!r}.")
