"""Every solution notebook, executed once in this process, and every exercise graded on its own.

- the solution notebook runs top to bottom without an error, and its test cells write nothing to stderr;
- the untouched notebook (every solution cell replaced by its released stub) fails every test cell;
- each exercise solved alone, all others left as released, passes its own test cells (the independence invariant);
- each typical mistake in the grader's registry fails the exercise's tests with a Russian sentence that names it.

Each notebook is executed twice in all (as solved and as released); the exercises' cells are then rerun from
namespace snapshots taken just before each exercise, so no notebook is executed once per exercise or mistake.
"""
import os

import pytest

import graders
from course_utils.checks import CheckError
from inprocess import clone, code_cells, execute, exercise_cells, run_cell
from notebooks import SOLUTIONS, exercise_ids, load, notebooks

os.environ.setdefault("MPLBACKEND", "Agg")

NOTEBOOKS = notebooks(SOLUTIONS)
EXERCISES = [(path, grade_id) for path in NOTEBOOKS for grade_id in exercise_ids(load(path))]
MISTAKES = [(path, grade_id, name, code, fragment)
            for path, grade_id in EXERCISES
            for name, (code, fragment) in graders.chapter(path.parent.name).MISTAKES.get(grade_id, {}).items()]
_runs: dict = {}


def run_of(path, *, stubs=False):
    """The (cached) execution of a solution notebook, or of its released version when ``stubs``."""
    key = (path, stubs)
    if key not in _runs:
        cells = code_cells(path, stubs=stubs)
        _runs[key] = (cells, execute(cells))
    return _runs[key]


def name(path):
    return f"{path.parent.name}/{path.stem}"


def run_tests(test_cells, namespace) -> list[str]:
    """Runs an exercise's test cells; returns the messages of those that failed with a CheckError."""
    messages = []
    for cell in test_cells:
        try:
            run_cell(cell.code, namespace)
        except CheckError as error:
            messages.append(str(error))
    return messages


@pytest.mark.parametrize("path", NOTEBOOKS, ids=name)
def test_solution_notebook_runs_without_errors(path):
    cells, run = run_of(path)
    errors = {index: f"{type(e).__name__}: {e}" for index, e in run.errors.items()}
    assert not errors, f"cells that failed: {errors}"
    assert not run.stderr, f"test cells wrote to stderr (nbgrader would give them 0): {run.stderr}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=name)
def test_untouched_notebook_fails_every_test_cell(path):
    cells, run = run_of(path, stubs=True)
    passing = [c.grade_id for c in cells if c.graded and c.index not in run.errors]
    assert not passing, f"test cells that pass with every exercise left as released: {passing}"


@pytest.mark.parametrize("path, grade_id", EXERCISES, ids=[g for _, g in EXERCISES])
def test_exercise_solved_alone_gets_full_marks(path, grade_id):
    cells, run = run_of(path, stubs=True)
    solution, tests = exercise_cells(code_cells(path), grade_id)
    namespace = clone(run.snapshots[grade_id])
    run_cell(solution.code, namespace)
    for cell in tests:
        try:
            run_cell(cell.code, namespace)
        except Exception as error:  # noqa: BLE001 — any error here costs the student points
            pytest.fail(f"{cell.grade_id} fails when only {grade_id} is solved: {type(error).__name__}: {error}")


@pytest.mark.parametrize("path, grade_id, mistake, code, fragment", MISTAKES,
                         ids=[f"{m[1]}-{m[2].replace(' ', '_')}" for m in MISTAKES])
def test_typical_mistake_is_caught_and_named(path, grade_id, mistake, code, fragment):
    cells, run = run_of(path)
    _, tests = exercise_cells(cells, grade_id)
    namespace = clone(run.snapshots[grade_id])
    run_cell(code, namespace)
    messages = run_tests(tests, namespace)
    assert messages, f"the mistake «{mistake}» passes every test of {grade_id}"
    assert any(fragment in m for m in messages), f"no message names «{fragment}»: {messages}"
