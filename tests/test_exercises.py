"""Every exercise: the solution passes its tests, and each typical mistake fails them with a Russian sentence
that names it. Runs the solution notebooks in-process, so it is fast and shows the exact failing message."""
import importlib
import os

import pytest

from course_utils.checks import CheckError
from inprocess import run_cell, run_notebook
from notebooks import ASSIGNMENTS, SOLUTIONS, exercise_ids, load, notebooks

os.environ.setdefault("MPLBACKEND", "Agg")

CHAPTER_MISTAKES = {a: importlib.import_module(f"exercises.ch{a}").MISTAKES for a in ASSIGNMENTS}
CASES = [(path, grade_id, name, code, fragment)
         for path in notebooks(SOLUTIONS)
         for grade_id in exercise_ids(load(path))
         for name, (code, fragment) in CHAPTER_MISTAKES[path.parent.name].get(grade_id, {}).items()]


@pytest.fixture(scope="module")
def executed():
    cache = {}

    def get(path):
        if path not in cache:
            cache[path] = run_notebook(path)
        return cache[path]

    return get


def test_every_exercise_has_typical_mistakes():
    for path in notebooks(SOLUTIONS):
        for grade_id in exercise_ids(load(path)):
            assert len(CHAPTER_MISTAKES[path.parent.name].get(grade_id, {})) >= 2, f"{grade_id}: list its mistakes"


@pytest.mark.parametrize("path, grade_id, name, code, fragment", CASES,
                         ids=[f"{c[1]}-{c[2].replace(' ', '_')}" for c in CASES])
def test_typical_mistake_is_caught_and_named(executed, path, grade_id, name, code, fragment):
    namespace, cells = executed(path)
    namespace = dict(namespace)
    run_cell(code, namespace)
    messages = []
    for test_id in (f"{grade_id}_visible", f"{grade_id}_hidden"):
        try:
            run_cell(cells[test_id], namespace)
        except CheckError as error:
            messages.append(str(error))
    assert messages, f"the mistake «{name}» passes every test of {grade_id}"
    assert any(fragment in m for m in messages), f"no message names «{fragment}»: {messages}"
    # The solution, run again, still passes (the mistaken version did not leak into shared state).
    run_cell(cells[grade_id], namespace)
    run_cell(cells[f"{grade_id}_visible"], namespace)
    run_cell(cells[f"{grade_id}_hidden"], namespace)
