"""Helpers of the grader tests: define what a solution cell defines, and read the message a check fails with."""
from __future__ import annotations

from pathlib import Path

import pytest

from course_utils.checks import CheckError
from notebooks import cells_by_grade_id, load, source


def defined(code: str, setup_names: dict):
    """The one function or class a solution cell defines, run in a copy of the names its notebook's setup cell gives."""
    scope = dict(setup_names)
    exec(compile(code, "<cell>", "exec"), scope)
    (name,) = set(scope) - set(setup_names) - {"__builtins__"}
    return scope[name]


def first_failure(check, answer) -> str:
    """The Russian message of the CheckError that ``check(answer)`` raises (the test fails if it passes)."""
    with pytest.raises(CheckError) as error:
        check(answer)
    return str(error.value)


def visible_failure(notebook: Path, grade_id: str, code: str, setup_names: dict) -> str:
    """Runs the visible test cell of ``grade_id`` after the answer ``code``; returns its CheckError message."""
    cell = cells_by_grade_id(load(notebook))[f"{grade_id}_visible"]
    scope = dict(setup_names)
    exec(compile(code, "<answer>", "exec"), scope)
    return first_failure(lambda _: exec(compile(source(cell), "<visible>", "exec"), scope), None)
