"""graders — скрытые тесты курса: эталонные ответы, проверки и реестры типичных ошибок.

Это пакет преподавателя. Студенты получают ``chapters/`` и ``course_utils/``; этого пакета у них нет,
и ни один ноутбук главы N не импортирует эталонный ответ главы N (это проверяет тест).

Устройство: один подпакет на главу (``graders.ch02_attention``), в нём — модуль на ноутбук
(``03_multi_head.ipynb`` → ``graders.ch02_attention.multi_head``). Модуль ноутбука определяет:

- ``REFERENCES`` — grade_id упражнения → эталонный ответ (функция, класс или значение);
- ``CHECKS`` — grade_id упражнения → проверка ``check_<имя>(ответ)``: её вызывает скрытая ячейка тестов,
  при ошибке она бросает ``course_utils.checks.CheckError`` с предложением учителя по-русски;
- ``HELPERS`` — имя функции студента → эталон; их подставляет ``checks.call(..., helpers=...)`` при
  автопроверке, когда упражнение вызывает функцию студента из другого упражнения;
- ``MISTAKES`` — grade_id → {название ошибки: (код неверного ответа, фрагмент ожидаемого сообщения)}.

Подпакет главы собирает реестры своих ноутбуков (``chapter_registry``) и задаёт ``E2E_MISTAKES``:
упражнения, чью первую ошибку сдаёт студент «mistakes» в сквозной автопроверке.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

CHAPTERS = ("ch00_history", "ch01_math", "ch02_attention", "ch03_transformers", "ch04_pretraining",
            "ch05_finetuning", "ch06_rl_reasoning")


def chapter(assignment: str) -> ModuleType:
    """Подпакет главы по имени задания nbgrader: ``"02_attention"`` → ``graders.ch02_attention``."""
    return importlib.import_module(f"graders.ch{assignment}")


def notebook_modules(package: ModuleType) -> list[ModuleType]:
    """Модули ноутбуков одной главы."""
    return [importlib.import_module(f"{package.__name__}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__) if not info.name.startswith("_")]


def merge_registries(modules, attribute: str) -> dict:
    """Объединяет словари ``attribute`` нескольких модулей; повтор ключа — ошибка, а не тихая перезапись."""
    merged = {}
    for module in modules:
        for key, value in getattr(module, attribute).items():
            if key in merged:
                raise ValueError(f"{attribute}: ключ {key!r} повторяется в {module.__name__}")
            merged[key] = value
    return merged


def chapter_registry(package_name: str, attribute: str) -> dict:
    """``MISTAKES``/``REFERENCES``/``CHECKS``/``HELPERS`` всей главы, собранные из модулей её ноутбуков."""
    return merge_registries(notebook_modules(importlib.import_module(package_name)), attribute)


def _modules_defining_helper(name: str) -> list[str]:
    """Модули ноутбуков, в чьём словаре ``HELPERS`` есть ключ ``name``: ищем по исходникам, ничего не импортируя
    (модули глав тянут torch и transformers, а подстановка нужна быстро, прямо в ячейке ноутбука)."""
    found = []
    for path in sorted(Path(__file__).parent.glob("ch*/[!_]*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            if (any(getattr(t, "id", None) == "HELPERS" for t in targets) and isinstance(node.value, ast.Dict)
                    and any(getattr(key, "value", None) == name for key in node.value.keys)):
                found.append(f"graders.{path.parent.name}.{path.stem}")
    return found


def helper(name: str):
    """Эталонная версия функции студента ``name`` (для подстановки в ``checks.call(..., helpers=...)``)."""
    found = _modules_defining_helper(name)
    if len(found) != 1:
        raise LookupError(f"graders: эталон функции {name!r} найден {len(found)} раз, ожидался один")
    return importlib.import_module(found[0]).HELPERS[name]
