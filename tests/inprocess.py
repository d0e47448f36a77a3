"""Run a notebook's code cells in this Python process, the way `nbgrader autograde` does: every cell runs in order,
an error in one cell is recorded and the next cell still runs (IPython syntax such as `!cmd` is translated).

Before each exercise's solution cell the namespace is cloned, so that a test can later rerun that exercise's
cells from exactly the state the notebook had there, without executing the notebook again.
"""
from __future__ import annotations

import copy
import io
from contextlib import redirect_stderr
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.core.inputtransformer2 import TransformerManager

from notebooks import CHAPTERS, SOLUTIONS, load, nbgrader, source

_transform = TransformerManager().transform_cell


@dataclass
class Cell:
    index: int
    code: str
    grade_id: str | None
    solution: bool
    graded: bool


@dataclass
class Run:
    """What one execution of a notebook left behind."""

    namespace: dict
    snapshots: dict[str, dict] = field(default_factory=dict)  # exercise grade_id → namespace before its solution
    errors: dict[int, BaseException] = field(default_factory=dict)  # cell index → the error it raised
    stderr: dict[int, str] = field(default_factory=dict)  # graded cell index → what it wrote to stderr


def run_cell(code: str, namespace: dict) -> None:
    exec(compile(_transform(code), "<cell>", "exec"), namespace)


def clone(namespace: dict) -> dict:
    """A deep copy of a notebook namespace; modules, functions and other uncopyable objects are shared."""
    memo: dict = {}
    copied = {}
    for name, value in namespace.items():
        try:
            copied[name] = copy.deepcopy(value, memo)
        except Exception:  # noqa: BLE001 — modules, generators, open files… stay shared
            copied[name] = value
    return copied


def code_cells(path: Path, *, stubs: bool = False) -> list[Cell]:
    """The code cells of a solution notebook; with ``stubs``, each solution cell holds its released stub instead."""
    released = {}
    if stubs:
        student = load(CHAPTERS / path.relative_to(SOLUTIONS))
        released = {nbgrader(c)["grade_id"]: source(c) for c in student["cells"] if nbgrader(c).get("solution")}
    cells = []
    for index, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        meta = nbgrader(cell)
        grade_id = meta.get("grade_id")
        code = released[grade_id] if stubs and meta.get("solution") else source(cell)
        cells.append(Cell(index, code, grade_id, bool(meta.get("solution")), bool(meta.get("grade"))))
    return cells


def execute(cells: list[Cell]) -> Run:
    """Runs the cells in one fresh namespace, like a kernel with errors allowed."""
    run = Run(namespace={"__name__": "__main__"})
    for cell in cells:
        if cell.solution:
            run.snapshots[cell.grade_id] = clone(run.namespace)
        captured = io.StringIO()
        try:
            with redirect_stderr(captured):
                run_cell(cell.code, run.namespace)
        except Exception as error:  # noqa: BLE001 — recorded, as nbgrader does with allow_errors
            run.errors[cell.index] = error
        finally:
            plt.close("all")
        if cell.graded and captured.getvalue():
            run.stderr[cell.index] = captured.getvalue()
    return run


def exercise_cells(cells: list[Cell], grade_id: str) -> tuple[Cell, list[Cell]]:
    """An exercise's solution cell and its test cells (visible, then hidden)."""
    by_id = {c.grade_id: c for c in cells if c.grade_id}
    return by_id[grade_id], [by_id[f"{grade_id}_visible"], by_id[f"{grade_id}_hidden"]]
