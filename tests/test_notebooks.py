"""Every solution notebook, executed once in this process, and every exercise graded on its own.

- the solution notebook runs top to bottom without an error, and its test cells write nothing to stderr;
- the untouched notebook (every solution cell replaced by its released stub) fails every test cell;
- each exercise solved alone, all others left as released, passes its own test cells (the independence invariant);
- each typical mistake in the grader's registry fails the exercise's tests with a Russian sentence that names it.

Each notebook is executed twice here (as solved and as released), each time only up to its last test cell: what
follows cannot change a grade. The whole notebook runs through nbgrader in test_autograde.py, which checks that no
cell fails there. The exercises' cells are rerun from namespace snapshots taken just before each exercise, so no
notebook is executed once per exercise or mistake.
The `notebook` fixture is module-scoped and parametrized, so pytest runs one notebook's tests together and frees
its executions before the next.
"""
import os
from functools import cached_property

import pytest

import graders
from course_utils.checks import CheckError
from inprocess import clone, code_cells, execute, exercise_cells, run_cell
from notebooks import SOLUTIONS, exercise_ids, load, notebooks

os.environ.setdefault("MPLBACKEND", "Agg")

NOTEBOOKS = notebooks(SOLUTIONS)


class Notebook:
    """A solution notebook and its two executions, each made on first use."""

    def __init__(self, path):
        self.path = path
        self.cells = code_cells(path)
        self.graded_part = 1 + max(i for i, cell in enumerate(self.cells) if cell.graded)

    @cached_property
    def solved(self):
        return execute(self.cells[:self.graded_part])

    @cached_property
    def released(self):
        """The run with every solution cell holding its released stub."""
        return execute(code_cells(self.path, stubs=True)[:self.graded_part])


def label(path) -> str:
    return f"{path.parent.name}/{path.stem}"


def pytest_generate_tests(metafunc):
    """Parametrizes `notebook` (and, per test, its exercises or mistakes) so that each case knows its notebook."""
    if "notebook" not in metafunc.fixturenames:
        return
    cases = []
    for path in NOTEBOOKS:
        if "mistake" in metafunc.fixturenames:
            registry = graders.chapter(path.parent.name).MISTAKES
            cases += [pytest.param(path, grade_id, name, id=f"{grade_id}-{name.replace(' ', '_')}")
                      for grade_id in exercise_ids(load(path)) for name in registry.get(grade_id, {})]
        elif "grade_id" in metafunc.fixturenames:
            cases += [pytest.param(path, grade_id, id=grade_id) for grade_id in exercise_ids(load(path))]
        else:
            cases.append(pytest.param(path, id=label(path)))
    names = [n for n in ("notebook", "grade_id", "mistake") if n in metafunc.fixturenames]
    metafunc.parametrize(names, cases, indirect=["notebook"], scope="module")


@pytest.fixture(scope="module")
def notebook(request):
    return Notebook(request.param)


def test_solution_notebook_runs_without_errors_up_to_its_last_test(notebook):
    run = notebook.solved
    errors = {index: f"{type(e).__name__}: {e}" for index, e in run.errors.items()}
    assert not errors, f"cells that failed: {errors}"
    assert not run.stderr, f"test cells wrote to stderr (nbgrader would give them 0): {run.stderr}"


def test_untouched_notebook_fails_every_test_cell(notebook):
    passing = [c.grade_id for c in notebook.cells if c.graded and c.index not in notebook.released.errors]
    assert not passing, f"test cells that pass with every exercise left as released: {passing}"


def test_exercise_solved_alone_gets_full_marks(notebook, grade_id):
    solution, tests = exercise_cells(notebook.cells, grade_id)
    namespace = clone(notebook.released.snapshots[grade_id])
    run_cell(solution.code, namespace)
    for cell in tests:
        try:
            run_cell(cell.code, namespace)
        except Exception as error:  # noqa: BLE001 — any error here costs the student points
            pytest.fail(f"{cell.grade_id} fails when only {grade_id} is solved: {type(error).__name__}: {error}")


def test_typical_mistake_is_caught_and_named(notebook, grade_id, mistake):
    code, fragment = graders.chapter(notebook.path.parent.name).MISTAKES[grade_id][mistake]
    _, tests = exercise_cells(notebook.cells, grade_id)
    namespace = clone(notebook.solved.snapshots[grade_id])
    run_cell(code, namespace)
    messages = []
    for cell in tests:
        try:
            run_cell(cell.code, namespace)
        except CheckError as error:
            messages.append(str(error))
    assert messages, f"the mistake «{mistake}» passes every test of {grade_id}"
    assert any(fragment in m for m in messages), f"no message names «{fragment}»: {messages}"
