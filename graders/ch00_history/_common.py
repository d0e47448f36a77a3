"""Общие проверки грейдеров главы 00."""
from course_utils import checks


def check_pair(result, name: str, hint: str):
    """Проверяет, что функция вернула ровно два значения (кортеж), и возвращает их."""
    checks.check_type(result, tuple, name, hint=hint)
    checks.check_equal(len(result), 2, "число возвращённых значений", hint=hint)
    return result
