"""The graders package as a whole: each notebook has a grader module whose registries match its exercises, every
hidden test cell calls its check, and every check accepts its reference answer and rejects a missing one."""
import importlib

import pytest

import graders
from course_utils.checks import CheckError
from notebooks import ASSIGNMENTS, SOLUTIONS, exercise_ids, load, nbgrader, notebooks, source

NOTEBOOKS = notebooks(SOLUTIONS)


def grader_of(path):
    """The grader module of a solution notebook: 03_multi_head.ipynb → graders.ch02_attention.multi_head."""
    return importlib.import_module(f"graders.ch{path.parent.name}.{path.stem.split('_', 1)[1]}")


def test_every_chapter_has_a_grader_package():
    assert [f"ch{a}" for a in ASSIGNMENTS] == list(graders.CHAPTERS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_registries_match_the_notebooks_exercises(path):
    module, exercises = grader_of(path), set(exercise_ids(load(path)))
    assert set(module.REFERENCES) == exercises, "REFERENCES: one reference answer per exercise"
    assert set(module.CHECKS) == exercises, "CHECKS: one check per exercise"
    assert set(module.MISTAKES) <= exercises, f"MISTAKES names unknown exercises: {set(module.MISTAKES) - exercises}"
    for grade_id in exercises:
        assert len(module.MISTAKES.get(grade_id, {})) >= 2, f"{grade_id}: register at least two typical mistakes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_hidden_cells_call_their_check(path):
    module = grader_of(path)
    for cell in load(path)["cells"]:
        grade_id = nbgrader(cell).get("grade_id", "")
        if grade_id.endswith("_hidden"):
            check = module.CHECKS[grade_id.removesuffix("_hidden")]
            text = source(cell)
            assert f"from {module.__name__.rsplit('.', 1)[0]} import {module.__name__.rsplit('.', 1)[1]} as grader" \
                in text, grade_id
            assert f"grader.{check.__name__}(" in text, f"{grade_id} must call grader.{check.__name__}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_chapter_registry_merges_without_overwriting(assignment):
    package = graders.chapter(assignment)
    modules = graders.notebook_modules(package)
    assert package.MISTAKES == graders.merge_registries(modules, "MISTAKES")
    assert sum(len(m.MISTAKES) for m in modules) == len(package.MISTAKES)
    assert set(package.E2E_MISTAKES) <= set(package.MISTAKES)


def test_merge_registries_rejects_a_repeated_key():
    first, second = type("M", (), {"MISTAKES": {"a": 1}}), type("M", (), {"MISTAKES": {"a": 2}})
    with pytest.raises(ValueError, match="повторяется"):
        graders.merge_registries([first, second], "MISTAKES")


def test_helpers_are_found_once_across_the_course():
    names = [name for package in graders.CHAPTERS for module in graders.notebook_modules(graders.chapter(package[2:]))
             for name in module.HELPERS]
    assert len(names) == len(set(names)), f"helper names repeat: {names}"
    for name in names:
        assert callable(graders.helper(name))
        module = graders._modules_defining_helper(name)[0]  # found by reading sources, without importing them all
        assert graders.helper(name) is importlib.import_module(module).HELPERS[name]
    with pytest.raises(LookupError):
        graders.helper("no_such_function")


CHECK_CASES = [(path, grade_id) for path in NOTEBOOKS for grade_id in exercise_ids(load(path))]


@pytest.mark.parametrize("path, grade_id", CHECK_CASES, ids=[g for _, g in CHECK_CASES])
def test_check_accepts_the_reference_and_rejects_a_missing_answer(path, grade_id, capsys):
    module = grader_of(path)
    module.CHECKS[grade_id](module.REFERENCES[grade_id])
    assert capsys.readouterr().err == "", "a check writes to stderr: nbgrader would give the cell 0"
    with pytest.raises(CheckError):
        module.CHECKS[grade_id](None)
