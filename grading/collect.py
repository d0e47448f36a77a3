"""Находит ноутбуки студента в ``submitted/<студент>/<глава>/``, прощая типичную небрежность.

Принимаются копии с изменённым именем (``01_perceptron (1).ipynb``, ``01_perceptron-Copy1.ipynb``,
``Copy of 01_perceptron.ipynb``) и ноутбуки, лежащие на одну папку глубже. Каждое такое решение — строка отчёта.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# Приписки, которые добавляют Jupyter, Colab, браузер и файловые менеджеры к имени копии.
_COPY_DECORATIONS = (r"\s*\(\d+\)$", r"[-_ ]?Copy\d*$", r"^Copy of\s+", r"^Копия\s+", r"\s*-\s*копия$")


@dataclass
class Found:
    """Ноутбуки студента: имя ноутбука выпуска → файл; заметки о найденном для отчёта."""
    notebooks: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def release_name(stem: str, names: set[str]) -> str | None:
    """Имя ноутбука выпуска, которому соответствует ``stem`` (с приписками копии или без), или None."""
    cleaned = stem.strip()
    for _ in range(3):
        if cleaned in names:
            return cleaned
        for pattern in _COPY_DECORATIONS:
            cleaned = re.sub(pattern, "", cleaned, flags=re.IGNORECASE).strip()
    return cleaned if cleaned in names else None


def _candidates(folder: Path, names: set[str]) -> list[Path]:
    """Ноутбуки в папке и на один уровень глубже (без .ipynb_checkpoints): сначала верхний уровень,
    на каждом уровне сначала файлы с точным именем ноутбука выпуска."""
    paths = [p for p in [*folder.glob("*.ipynb"), *folder.glob("*/*.ipynb")] if ".ipynb_checkpoints" not in p.parts]
    return sorted(paths, key=lambda p: (len(p.relative_to(folder).parts), p.stem not in names, p.name))


def find(folder: Path, names: set[str]) -> Found:
    """Сопоставляет файлы в папке сдачи ноутбукам выпуска ``names`` (имена без .ipynb)."""
    found = Found()
    if not folder.is_dir():
        found.notes.append(f"папка {folder.name}/ не найдена: ноутбуки не сданы")
        return found
    for path in _candidates(folder, names):
        name = release_name(path.stem, names)
        where = path.relative_to(folder)
        if name is None:
            found.notes.append(f"{where}: не похож ни на один ноутбук главы, пропущен")
        elif name in found.notebooks:
            found.notes.append(f"{where}: второй файл для {name}.ipynb, проверен {found.notebooks[name].relative_to(folder)}")
        else:
            found.notebooks[name] = path
            if str(where) != f"{name}.ipynb":
                found.notes.append(f"{where} принят как {name}.ipynb")
    return found
