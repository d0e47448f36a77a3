"""Тесты-викторины с ответами, которые нельзя прочитать в ноутбуке студента.

В ноутбуке хранится только отпечаток (sha256) правильного ответа. Отпечаток зависит
от вопроса, поэтому одинаковые ответы на разные вопросы дают разные отпечатки.
"""
from __future__ import annotations

import hashlib

from .checks import fail


def normalize(answer) -> str:
    """Приводит ответ к каноническому виду: регистр, пробелы, списки через запятую."""
    if isinstance(answer, (list, tuple)):
        return ",".join(normalize(item) for item in answer)
    return " ".join(str(answer).strip().lower().split())


def fingerprint(question_id: str, answer) -> str:
    """Отпечаток ответа на вопрос: первые 16 символов sha256."""
    return hashlib.sha256(f"{question_id}:{normalize(answer)}".encode("utf-8")).hexdigest()[:16]


def check_answer(question_id: str, answer, expected_fingerprint: str, hint: str = "") -> None:
    """Сравнивает ответ с отпечатком правильного ответа."""
    if answer is None:
        fail(f"Вопрос «{question_id}»: ответ не заполнен (получено None).", "Впишите свой ответ вместо None.")
    if fingerprint(question_id, answer) != expected_fingerprint:
        fail(f"Вопрос «{question_id}»: ответ {answer!r} неверный.", hint)


def check_choice(question_id: str, answer, options) -> None:
    """Проверяет формат ответа: он должен быть одним из вариантов ``options``."""
    if answer not in options or type(answer) is not type(next(iter(options))):
        fail(f"Вопрос «{question_id}»: ожидался один из вариантов {sorted(options)!r}, получено {answer!r}.")
