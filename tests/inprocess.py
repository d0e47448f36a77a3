"""Run a notebook's code cells in this Python process (IPython syntax such as `!cmd` is translated)."""
from __future__ import annotations

from pathlib import Path

from IPython.core.inputtransformer2 import TransformerManager

from notebooks import load, nbgrader, source

_transform = TransformerManager().transform_cell


def run_cell(code: str, namespace: dict) -> None:
    exec(compile(_transform(code), "<cell>", "exec"), namespace)


def run_notebook(path: Path) -> tuple[dict, dict]:
    """Executes every code cell; returns the namespace and the cells by grade_id."""
    nb = load(path)
    namespace: dict = {"__name__": "__main__"}
    cells = {}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            run_cell(source(cell), namespace)
            grade_id = nbgrader(cell).get("grade_id")
            if grade_id:
                cells[grade_id] = source(cell)
    return namespace, cells
