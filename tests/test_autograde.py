"""End-to-end autograding, as an instructor runs it: students' submissions → `nbgrader autograde` →
`nbgrader export` (CSV) and the gradebook (per exercise).

Students: `solution` (every answer right) and `mistakes` (one typical mistake in each exercise of E2E_MISTAKES, the
rest right; only the notebooks holding those exercises) in every chapter; on chapter 00 only, `untouched` (the
student notebooks as released), `warning` (right answers whose code makes torch warn), `loop` (an infinite loop in
one answer), `edited` (a wrong answer whose test cells were rewritten to pass). That every test cell of every
chapter fails when untouched is checked in-process by test_notebooks.py, without a kernel per notebook.
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
LOOP_TIMEOUT = 8  # seconds per cell for the `loop` student


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


def mistaken_notebooks(assignment: str) -> list[str]:
    """The notebooks holding the E2E_MISTAKES exercises: the `mistakes` student submits only these (the others
    would be graded exactly like the `solution` student's, only slower)."""
    mistaken = set(CHAPTER_SPECS[assignment].E2E_MISTAKES)
    return [p.name for p in sorted((SOLUTIONS / assignment).glob("*.ipynb")) if mistaken & set(exercise_ids(load(p)))]


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


def exported_totals(course) -> dict[tuple[str, str], tuple[float, float]]:
    nbgrader(course, "export", "--to", "grades.csv")
    with open(course / "grades.csv", encoding="utf-8") as handle:
        return {(row["assignment"], row["student_id"]): (float(row["raw_score"]), float(row["max_score"]))
                for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def graded(course):
    for assignment in ASSIGNMENTS:
        right = solution_codes(assignment)
        submit(course, "solution", assignment, right)
        spec = CHAPTER_SPECS[assignment]
        wrong = {grade_id: next(iter(spec.MISTAKES[grade_id].values()))[0] for grade_id in spec.E2E_MISTAKES}
        submit(course, "mistakes", assignment, {**right, **wrong}, notebooks=mistaken_notebooks(assignment))
    history = "00_history"
    right = solution_codes(history)
    submit(course, "untouched", history, {})
    submit(course, "warning", history, {**right, **CHAPTER_SPECS[history].WARNING_ANSWERS},
           notebooks=CHAPTER_SPECS[history].WARNING_NOTEBOOKS)
    submit(course, "loop", history, {**right, "00_history_timeline_growth": "while True:\n    pass\n"},
           notebooks=["03_timeline_quiz.ipynb"])
    submit(course, "edited", history,
           {**right, "00_history_timeline_growth": CHAPTER_SPECS[history].MISTAKES["00_history_timeline_growth"][
               "ratio divided by years"][0]},
           notebooks=["03_timeline_quiz.ipynb"],
           edit_tests={"00_history_timeline_growth_visible": "print('всё верно')",
                       "00_history_timeline_growth_hidden": "pass"})
    for assignment in ASSIGNMENTS:
        for student in ("solution", "mistakes") + (("untouched", "warning", "edited") if assignment == history else ()):
            nbgrader(course, "autograde", assignment, "--student", student)
    nbgrader(course, "autograde", history, "--student", "loop", f"--Execute.timeout={LOOP_TIMEOUT}")
    return course


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_gets_full_marks(graded, assignment):
    score, top = exported_totals(graded)[(assignment, "solution")]
    assert top > 0 and score == top
    assert all(s == m for s, m in exercise_scores(graded, "solution", assignment).values())


def test_untouched_student_notebook_gets_zero(graded):
    score, top = exported_totals(graded)[("00_history", "untouched")]
    assert top > 0 and score == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_typical_mistakes_lose_points_on_exactly_those_exercises(graded, assignment):
    mistaken = set(CHAPTER_SPECS[assignment].E2E_MISTAKES)
    scores = exercise_scores(graded, "mistakes", assignment, mistaken_notebooks(assignment))
    lost = {exercise for exercise, (score, top) in scores.items() if score < top}
    assert lost == mistaken
    score, top = exported_totals(graded)[(assignment, "mistakes")]
    assert 0 < score < top


def test_library_warnings_do_not_cost_points(graded):
    import numpy as np
    import torch

    namespace = {"np": np, "torch": torch}
    for code in CHAPTER_SPECS["00_history"].WARNING_ANSWERS.values():
        exec(code, namespace)
    with pytest.warns(UserWarning):  # the submission really warns, so the filter has work to do
        namespace["perceptron_predict"](np.ones((2, 2)), np.ones(2), 0.0)
    scores = exercise_scores(graded, "warning", "00_history", CHAPTER_SPECS["00_history"].WARNING_NOTEBOOKS)
    assert scores and all(score == top for score, top in scores.values())
    autograded = graded / "autograded" / "warning" / "00_history"
    warned = [source(c) for p in autograded.glob("*.ipynb") for c in load(p)["cells"]
              if any(o.get("name") == "stderr" for o in c.get("outputs", []))]
    assert not any("Warning" in text for text in warned)


def test_infinite_loop_times_out_and_the_rest_is_graded(graded):
    scores = exercise_scores(graded, "loop", "00_history", ["03_timeline_quiz.ipynb"])
    assert scores["00_history_timeline_growth"][0] == 0
    others = {k: v for k, v in scores.items() if k != "00_history_timeline_growth"}
    assert others and all(score == top for score, top in others.values())
    nb = load(graded / "autograded" / "loop" / "00_history" / "03_timeline_quiz.ipynb")
    loop_cell = next(c for c in nb["cells"] if meta(c).get("grade_id") == "00_history_timeline_growth")
    assert any(o["output_type"] == "error" for o in loop_cell["outputs"])


def test_edited_test_cells_are_restored(graded):
    scores = exercise_scores(graded, "edited", "00_history", ["03_timeline_quiz.ipynb"])
    assert scores["00_history_timeline_growth"][0] == 0
    nb = load(graded / "autograded" / "edited" / "00_history" / "03_timeline_quiz.ipynb")
    released = load(graded / "chapters" / "00_history" / "03_timeline_quiz.ipynb")
    restored = {meta(c)["grade_id"]: source(c) for c in nb["cells"] if meta(c).get("grade")}
    original = {meta(c)["grade_id"]: source(c) for c in released["cells"] if meta(c).get("grade")}
    assert restored["00_history_timeline_growth_visible"] == original["00_history_timeline_growth_visible"]
    assert "grader.check_" in restored["00_history_quiz_dates_hidden"]  # hidden tests are back in place


def test_feedback_is_generated(graded):
    nbgrader(graded, "generate_feedback", "00_history", "--student", "mistakes")
    pages = list((graded / "feedback" / "mistakes" / "00_history").glob("*.html"))
    assert sorted(p.with_suffix(".ipynb").name for p in pages) == mistaken_notebooks("00_history")
    spec = CHAPTER_SPECS["00_history"]
    fragment = next(iter(spec.MISTAKES[spec.E2E_MISTAKES[0]].values()))[1]  # the Russian sentence the student reads
    assert any(fragment in page.read_text(encoding="utf-8") for page in pages)
