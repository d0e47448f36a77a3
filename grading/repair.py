"""Чинит сданный ноутбук по выпуску, прежде чем nbgrader его увидит; каждая починка — строка отчёта.

- JSON с мусором в конце или с управляющими символами читается, если это возможно;
- метаданные nbgrader, стёртые Colab или VSCode, возвращаются: ячейки сопоставляются с выпуском по
  содержимому и порядку (изменённая ячейка ответа — та, что стоит между теми же соседями);
- перевёрнутые флаги nbgrader (solution, grade, locked, points) берутся из выпуска;
- из повторов ячейки с одним grade_id остаётся одна: ответ студента, а если его нет, первая;
- ячейка с grade_id, которого нет в выпуске, становится обычной.
"""
from __future__ import annotations

import copy
import difflib
import json
import re

import nbformat


class RepairError(ValueError):
    """Ноутбук не удалось прочитать даже после починки."""


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _key(cell) -> tuple[str, str]:
    return cell.get("cell_type", ""), "\n".join(line.rstrip() for line in _source(cell).strip().splitlines())


def _grade_id(cell) -> str | None:
    return (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")


def parse(text: str) -> dict:
    """Читает JSON ноутбука; мусор после JSON и управляющие символы в строках прощаются."""
    decoder = json.JSONDecoder(strict=False)
    try:
        notebook, _end = decoder.raw_decode(text.lstrip("\ufeff \n\r\t"))
    except json.JSONDecodeError as error:
        raise RepairError(f"файл не читается как JSON ({error.msg}, строка {error.lineno})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise RepairError("это JSON, но не ноутбук: нет списка cells")
    return notebook


def _normalise(notebook: dict) -> dict:
    """Приводит ячейки к формату nbformat 4: строки-источники, метаданные, outputs и id у каждой ячейки."""
    cells, ids = [], set()
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            continue
        cell = dict(cell, source=_source(cell), metadata=dict(cell.get("metadata") or {}))
        if not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", str(cell.get("id", ""))) or cell["id"] in ids:
            cell["id"] = f"cell-{index}"
        ids.add(cell["id"])
        if cell["cell_type"] == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        cells.append(cell)
    return {"cells": cells, "metadata": dict(notebook.get("metadata") or {}), "nbformat": 4, "nbformat_minor": 5}


FLAGS = ("grade", "grade_id", "locked", "points", "solution", "task")


def _flags(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader") or {}
    return {key: meta.get(key) for key in FLAGS}


def _restore_flags(cells: list[dict], release_by_id: dict[str, dict], notes: list[str]) -> None:
    for cell in cells:
        grade_id = _grade_id(cell)
        if grade_id is None:
            continue
        if grade_id not in release_by_id:
            del cell["metadata"]["nbgrader"]
            notes.append(f"ячейка с неизвестным grade_id «{grade_id}» стала обычной")
        elif _flags(cell) != _flags(release_by_id[grade_id]):
            cell["metadata"]["nbgrader"] = copy.deepcopy(release_by_id[grade_id]["metadata"]["nbgrader"])
            notes.append(f"{grade_id}: флаги nbgrader восстановлены по выпуску")


def _drop_duplicates(cells: list[dict], release_by_id: dict[str, dict], notes: list[str]) -> list[dict]:
    groups: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        if _grade_id(cell):
            groups.setdefault(_grade_id(cell), []).append(index)
    dropped = set()
    for grade_id, indices in groups.items():
        if len(indices) < 2:
            continue
        release_key = _key(release_by_id[grade_id])
        answered = [i for i in indices if _key(cells[i]) != release_key]
        keep = answered[0] if answered else indices[0]
        dropped |= set(indices) - {keep}
        notes.append(f"{grade_id}: {len(indices)} копии ячейки, оставлена {'ячейка с ответом' if answered else 'первая'}")
    return [cell for index, cell in enumerate(cells) if index not in dropped]


def _restore_missing(cells: list[dict], release: list[dict], notes: list[str]) -> None:
    """Возвращает стёртые метаданные: точные совпадения с выпуском, затем ячейки между теми же соседями."""
    present = {_grade_id(cell) for cell in cells}
    missing = [i for i, cell in enumerate(release) if _grade_id(cell) and _grade_id(cell) not in present]
    if not missing:
        return
    matcher = difflib.SequenceMatcher(a=[_key(c) for c in release], b=[_key(c) for c in cells], autojunk=False)
    pairs = {a + k: b + k for a, b, size in matcher.get_matching_blocks() for k in range(size)}
    taken = set(pairs.values())
    for r in missing:
        if r in pairs and not _grade_id(cells[pairs[r]]):
            target = pairs[r]
        else:
            before = max((pairs[a] for a in pairs if a < r), default=-1)
            after = min((pairs[a] for a in pairs if a > r), default=len(cells))
            gap = [i for i in range(before + 1, after) if i not in taken and not _grade_id(cells[i])
                   and cells[i]["cell_type"] == release[r]["cell_type"]]
            if not gap:
                continue
            target = max(gap, key=lambda i: difflib.SequenceMatcher(
                a=_source(release[r]), b=_source(cells[i]), autojunk=False).ratio())
        taken.add(target)
        cells[target]["metadata"]["nbgrader"] = copy.deepcopy(release[r]["metadata"]["nbgrader"])
        notes.append(f"{_grade_id(release[r])}: метаданные nbgrader восстановлены по выпуску")


def repair(text: str, release: dict) -> tuple[str, list[str]]:
    """Чинит ноутбук (текст .ipynb) по ноутбуку выпуска; возвращает новый текст и список починок."""
    notes: list[str] = []
    notebook = _normalise(parse(text))
    release_cells = release["cells"]
    release_by_id = {_grade_id(c): c for c in release_cells if _grade_id(c)}
    _restore_flags(notebook["cells"], release_by_id, notes)
    notebook["cells"] = _drop_duplicates(notebook["cells"], release_by_id, notes)
    _restore_missing(notebook["cells"], release_cells, notes)
    notebook["metadata"].setdefault("kernelspec", release.get("metadata", {}).get("kernelspec", {}))
    node = nbformat.from_dict(notebook)
    try:
        nbformat.validate(node)
    except nbformat.ValidationError as error:
        raise RepairError(f"ноутбук не проходит проверку формата: {error.message}") from None
    return nbformat.writes(node), notes
