"""End-to-end autograding, as an instructor runs it: students' submissions → `nbgrader autograde` →
`nbgrader export` (CSV) and the gradebook (per exercise).

Students: `mistakes` in every chapter (every answer right except one typical mistake in each exercise of
E2E_MISTAKES: so every other exercise must keep its full marks through nbgrader); on chapter 00 only, `solution`
(every answer right), `untouched` (the student notebooks as released), `warning` (right answers whose code makes
torch warn), `loop` (an infinite loop in one answer), `edited` (a wrong answer whose test cells were rewritten to
pass). Each chapter is graded in the worker that runs its tests (tests/conftest.py groups them by chapter).
That every test cell of every chapter fails when untouched is checked in-process by test_notebooks.py, without a
kernel per notebook.
"""
import csv
import json
import re

import pytest
from nbgrader.api import Gradebook

import graders
from conftest import nbgrader
from notebooks import ASSIGNMENTS, SOLUTIONS, exercise_ids, load, nbgrader as meta, solution_codes, source

CHAPTER_SPECS = {a: graders.chapter(a) for a in ASSIGNMENTS}
LOOP_TIMEOUT = 12  # seconds per cell for the `loop` student (its other cells must finish within it too)


def submit(course, student: str, assignment: str, answers: dict[str, str], notebooks=None, edit_tests=None):
    """Writes a submission: the released notebooks with the given answers (and, optionally, rewritten tests)."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((course / "chapters" / assignment).glob("*.ipynb")):
        if notebooks and path.name not in notebooks:
            continue
        nb = load(path)
        for cell in nb["cells"]:
            grade_id = meta(cell).get("grade_id")
            if grade_id in answers:
                cell["source"] = answers[grade_id]
            if edit_tests and grade_id in edit_tests:
                cell["source"] = edit_tests[grade_id]
        (folder / path.name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def exercise_scores(course, student: str, assignment: str, notebooks=None) -> dict[str, tuple[float, float]]:
    """exercise grade_id → (score, max score), summed over its visible and hidden test cells
    (only in the given notebooks, when the student submitted only some)."""
    scores = {}
    with Gradebook(f"sqlite:///{course / '.nbgrader' / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        for notebook in submission.notebooks:
            if notebooks and f"{notebook.name}.ipynb" not in notebooks:
                continue
            for grade in notebook.grades:
                exercise = re.sub(r"_(visible|hidden)$", "", grade.name)
                score, top = scores.get(exercise, (0.0, 0.0))
                scores[exercise] = (score + grade.score, top + grade.max_score)
    return scores


def failed_cells(course, student: str, assignment: str) -> dict[str, str | None]:
    """«notebook, cell N» → grade_id (None for a cell without one) of each autograded cell with an error output."""
    failed = {}
    for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        for index, cell in enumerate(load(path)["cells"]):
            if any(o["output_type"] == "error" for o in cell.get("outputs", [])):
                failed[f"{path.stem}, cell {index}"] = meta(cell).get("grade_id")
    return failed


def exported_totals(course) -> dict[tuple[str, str], tuple[float, float]]:
    nbgrader(course, "export", "--to", "grades.csv")
    with open(course / "grades.csv", encoding="utf-8") as handle:
        return {(row["assignment"], row["student_id"]): (float(row["raw_score"]), float(row["max_score"]))
                for row in csv.DictReader(handle)}


HISTORY = "00_history"
_graded: set[str] = set()  # assignments already autograded in this worker's course


def autograde(course, assignment: str):
    """Submits and autogrades one chapter's students (once per worker); returns the course."""
    if assignment in _graded:
        return course
    right = solution_codes(assignment)
    spec = CHAPTER_SPECS[assignment]
    wrong = {grade_id: next(iter(spec.MISTAKES[grade_id].values()))[0] for grade_id in spec.E2E_MISTAKES}
    submit(course, "mistakes", assignment, {**right, **wrong})
    students = ["mistakes"]
    if assignment == HISTORY:
        submit(course, "solution", assignment, right)
        submit(course, "untouched", assignment, {})
        submit(course, "warning", assignment, {**right, **spec.WARNING_ANSWERS}, notebooks=spec.WARNING_NOTEBOOKS)
        submit(course, "loop", assignment, {**right, "00_history_timeline_growth": "while True:\n    pass\n"},
               notebooks=["03_timeline_quiz.ipynb"])
        submit(course, "edited", assignment,
               {**right, "00_history_timeline_growth": spec.MISTAKES["00_history_timeline_growth"][
                   "ratio divided by years"][0]},
               notebooks=["03_timeline_quiz.ipynb"],
               edit_tests={"00_history_timeline_growth_visible": "print('всё верно')",
                           "00_history_timeline_growth_hidden": "pass"})
        students += ["solution", "untouched", "warning", "edited"]
        nbgrader(course, "autograde", assignment, "--student", "loop", f"--Execute.timeout={LOOP_TIMEOUT}")
    for student in students:
        nbgrader(course, "autograde", assignment, "--student", student)
    _graded.add(assignment)
    return course


@pytest.fixture
def graded(course, assignment):
    return autograde(course, assignment)


@pytest.fixture(scope="module")
def history(course):
    return autograde(course, HISTORY)


def test_solution_gets_full_marks(history):
    score, top = exported_totals(history)[(HISTORY, "solution")]
    assert top > 0 and score == top
    assert all(s == m for s, m in exercise_scores(history, "solution", HISTORY).values())


def test_untouched_student_notebook_gets_zero(history):
    score, top = exported_totals(history)[(HISTORY, "untouched")]
    assert top > 0 and score == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_typical_mistakes_lose_points_on_exactly_those_exercises(graded, assignment):
    """Every exercise keeps its full marks through nbgrader, except the ones answered with a typical mistake."""
    mistaken = set(CHAPTER_SPECS[assignment].E2E_MISTAKES)
    scores = exercise_scores(graded, "mistakes", assignment)
    assert set(scores) == set(solution_codes(assignment)), "every exercise of the chapter is graded"
    lost = {exercise for exercise, (score, top) in scores.items() if score < top}
    assert lost == mistaken
    # the whole notebooks ran here (tests/test_notebooks.py runs them only up to their last test cell)
    failed = failed_cells(graded, "mistakes", assignment)
    expected = {f"{exercise}_{kind}" for exercise in mistaken for kind in ("visible", "hidden")}
    assert set(failed.values()) <= expected, f"cells that failed under nbgrader: {failed}"
    score, top = exported_totals(graded)[(assignment, "mistakes")]
    assert 0 < score < top


def test_library_warnings_do_not_cost_points(history):
    import numpy as np
    import torch

    namespace = {"np": np, "torch": torch}
    for code in CHAPTER_SPECS[HISTORY].WARNING_ANSWERS.values():
        exec(code, namespace)
    with pytest.warns(UserWarning):  # the submission really warns, so the filter has work to do
        namespace["perceptron_predict"](np.ones((2, 2)), np.ones(2), 0.0)
    scores = exercise_scores(history, "warning", HISTORY, CHAPTER_SPECS[HISTORY].WARNING_NOTEBOOKS)
    assert scores and all(score == top for score, top in scores.values())
    autograded = history / "autograded" / "warning" / HISTORY
    warned = [source(c) for p in autograded.glob("*.ipynb") for c in load(p)["cells"]
              if any(o.get("name") == "stderr" for o in c.get("outputs", []))]
    assert not any("Warning" in text for text in warned)


def test_infinite_loop_times_out_and_the_rest_is_graded(history):
    scores = exercise_scores(history, "loop", HISTORY, ["03_timeline_quiz.ipynb"])
    assert scores["00_history_timeline_growth"][0] == 0
    others = {k: v for k, v in scores.items() if k != "00_history_timeline_growth"}
    assert others and all(score == top for score, top in others.values())
    nb = load(history / "autograded" / "loop" / HISTORY / "03_timeline_quiz.ipynb")
    loop_cell = next(c for c in nb["cells"] if meta(c).get("grade_id") == "00_history_timeline_growth")
    assert any(o["output_type"] == "error" for o in loop_cell["outputs"])


def test_edited_test_cells_are_restored(history):
    scores = exercise_scores(history, "edited", HISTORY, ["03_timeline_quiz.ipynb"])
    assert scores["00_history_timeline_growth"][0] == 0
    nb = load(history / "autograded" / "edited" / HISTORY / "03_timeline_quiz.ipynb")
    released = load(history / "chapters" / HISTORY / "03_timeline_quiz.ipynb")
    restored = {meta(c)["grade_id"]: source(c) for c in nb["cells"] if meta(c).get("grade")}
    original = {meta(c)["grade_id"]: source(c) for c in released["cells"] if meta(c).get("grade")}
    assert restored["00_history_timeline_growth_visible"] == original["00_history_timeline_growth_visible"]
    assert "grader.check_" in restored["00_history_quiz_dates_hidden"]  # hidden tests are back in place


def test_feedback_is_generated(history):
    nbgrader(history, "generate_feedback", HISTORY, "--student", "mistakes")
    pages = list((history / "feedback" / "mistakes" / HISTORY).glob("*.html"))
    assert sorted(p.with_suffix(".ipynb").name for p in pages) == sorted(p.name for p in (SOLUTIONS / HISTORY).glob("*.ipynb"))
    spec = CHAPTER_SPECS[HISTORY]
    fragment = next(iter(spec.MISTAKES[spec.E2E_MISTAKES[0]].values()))[1]  # the Russian sentence the student reads
    assert any(fragment in page.read_text(encoding="utf-8") for page in pages)


def test_a_failed_check_is_a_short_russian_block_and_still_scores_zero(history):
    """The kernel shows a failed check as the course's short block (course_utils.feedback), not a traceback
    through course_utils; nbgrader still sees an error output and gives the cell 0."""
    spec = CHAPTER_SPECS[HISTORY]
    blocks = {meta(cell).get("grade_id"): "\n".join(output["traceback"])
              for path in (history / "autograded" / "mistakes" / HISTORY).glob("*.ipynb")
              for cell in load(path)["cells"] for output in cell.get("outputs", []) if output["output_type"] == "error"}
    for block in blocks.values():
        assert "✗ Проверка не пройдена" in block and "%tb" in block, block
        assert "checks.py" not in block and "Traceback" not in block and len(block.splitlines()) <= 6, block
    for exercise in spec.E2E_MISTAKES:
        fragment = next(iter(spec.MISTAKES[exercise].values()))[1]  # the sentence that names the mistake
        assert any(fragment in blocks.get(f"{exercise}_{kind}", "") for kind in ("visible", "hidden")), exercise
    with Gradebook(f"sqlite:///{history / '.nbgrader' / 'gradebook.db'}") as gradebook:
        cells = {grade.name: grade.score for notebook in gradebook.find_submission(HISTORY, "mistakes").notebooks
                 for grade in notebook.grades}
    assert all(cells[grade_id] == 0 for grade_id in blocks if grade_id), cells  # each failed cell scores 0


def test_validate_fails_a_wrong_answer_and_passes_a_right_one(history):
    """What the «Validate» button of JupyterLab runs: `nbgrader validate` on the student's notebook."""
    notebook = next(p.name for p in (SOLUTIONS / HISTORY).glob("*.ipynb")
                    if CHAPTER_SPECS[HISTORY].E2E_MISTAKES[0] in exercise_ids(load(p)))
    wrong = nbgrader(history, "validate", str(history / "submitted" / "mistakes" / HISTORY / notebook)).stdout
    right = nbgrader(history, "validate", str(history / "submitted" / "solution" / HISTORY / notebook)).stdout
    assert "VALIDATION FAILED" in wrong and "Проверка не пройдена" in wrong, wrong
    assert "Success! Your notebook passes all the tests." in right, right
