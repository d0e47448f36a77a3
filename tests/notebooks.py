"""Shared helpers of the test suite: where the notebooks are and how to read their nbgrader cells."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
CHAPTERS = ROOT / "chapters"
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and p.name[:2].isdigit())


def notebooks(root: Path) -> list[Path]:
    """All notebooks of a release tree, in course order."""
    return sorted(p for p in root.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def cells_by_grade_id(nb: dict) -> dict[str, dict]:
    return {nbgrader(c)["grade_id"]: c for c in nb["cells"] if nbgrader(c).get("grade_id")}


def exercise_ids(nb: dict) -> list[str]:
    """grade_id of each solution cell (= each exercise), in notebook order."""
    return [nbgrader(c)["grade_id"] for c in nb["cells"] if nbgrader(c).get("solution")]


def solution_codes(assignment: str) -> dict[str, str]:
    """grade_id → the instructor's code of each solution cell of a chapter."""
    return {nbgrader(c)["grade_id"]: source(c) for p in sorted((SOLUTIONS / assignment).glob("*.ipynb"))
            for c in load(p)["cells"] if nbgrader(c).get("solution")}


def answered(released: dict, answers: dict[str, str]) -> dict:
    """A released notebook with the given answers (grade_id → code) written into its solution cells."""
    notebook = json.loads(json.dumps(released))
    for cell in notebook["cells"]:
        if nbgrader(cell).get("grade_id") in answers:
            cell["source"] = answers[nbgrader(cell)["grade_id"]]
    return notebook
