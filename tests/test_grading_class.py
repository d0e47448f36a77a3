"""A class graded with `python -m grading`, as an instructor runs it: adversarial and careless submissions.

One scratch course (chapter 00, released from this repository's solutions), about thirty students, each with
the grade it deserves. Every student submits only the notebooks its case needs; `solution` and `untouched` are
the controls. Besides the grades, the tests check that nothing outside a sandbox changed (the course tree, the
repository's code and data, site-packages), that no process outlived grading, that the report names each
case, that feedback shows neither hidden test code nor active HTML, and that a resubmission is regraded while
nobody else's grade moves.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook, MissingEntry

import graders
from conftest import nbgrader
import notebooks
from notebooks import ROOT, SOLUTIONS, load, nbgrader as meta, solution_codes

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None,
                                reason="bubblewrap не установлен (apt-get install bubblewrap): песочницу не проверить")

A = "00_history"
PERCEPTRON, RNN, QUIZ = "01_perceptron", "02_rnn_memory", "03_timeline_quiz"
DETACHED_MARK = "61.2345"  # the argument of a `sleep` a student starts detached: it must not survive grading
CELL_TIMEOUT = 40
MEMORY_MB = 3072


RIGHT = solution_codes(A)
WRONG_GROWTH = graders.chapter(A).MISTAKES["00_history_timeline_growth"]["ratio divided by years"][0]
GROWTH = "00_history_timeline_growth"


def released(course: Path, name: str) -> dict:
    return load(course / "chapters" / A / f"{name}.ipynb")


def answered(course: Path, name: str, **answers: str) -> dict:
    """The released notebook with every answer right, except the given ones (grade_id → code)."""
    return notebooks.answered(released(course, name), {**RIGHT, **answers})


def cell_index(notebook: dict, grade_id: str) -> int:
    return next(i for i, c in enumerate(notebook["cells"]) if meta(c).get("grade_id") == grade_id)


def code_cell(text: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": text}


def students(course: Path) -> dict[str, dict[str, str | dict]]:
    """student → {file name (relative to submitted/<student>/00_history/): notebook dict or raw text}."""
    quiz = lambda **answers: answered(course, QUIZ, **answers)  # noqa: E731
    perceptron_right = {f"{PERCEPTRON}.ipynb": answered(course, PERCEPTRON)}

    duplicated = quiz()
    stub = copy.deepcopy(released(course, QUIZ)["cells"][cell_index(duplicated, GROWTH)])
    duplicated["cells"].insert(cell_index(duplicated, GROWTH), stub)

    flipped = quiz()
    for cell in flipped["cells"]:
        if meta(cell).get("grade_id") == GROWTH:
            cell["metadata"]["nbgrader"]["solution"] = False
        if meta(cell).get("grade_id") in (f"{GROWTH}_visible", f"{GROWTH}_hidden"):
            cell["metadata"]["nbgrader"].update(grade=False, locked=False)

    colab = quiz()
    colab["metadata"] = {"colab": {"provenance": []}, "kernelspec": {"name": "python3", "display_name": "Python 3"}}
    for cell in colab["cells"]:
        cell["metadata"] = {"id": "x"}
        cell.pop("id", None)

    trailing_exit = quiz()
    trailing_exit["cells"].append(code_cell("exit()"))

    course_path = str(course)
    return {
        "solution": {f"{name}.ipynb": answered(course, name) for name in (PERCEPTRON, RNN, QUIZ)},
        "untouched": {f"{name}.ipynb": released(course, name) for name in (PERCEPTRON, RNN, QUIZ)},
        "gradebook_writer": {f"{QUIZ}.ipynb": quiz(**{GROWTH: RIGHT[GROWTH] + f"""
import glob, sqlite3
for path in glob.glob({course_path!r} + '/**/gradebook.db', recursive=True) + ['../../../.nbgrader/gradebook.db']:
    try:
        with sqlite3.connect(path) as db:
            db.execute('UPDATE grade SET auto_score = 99')
    except Exception as error:
        print('журнал:', type(error).__name__)
"""})},
        "peer_writer": {f"{QUIZ}.ipynb": quiz(**{GROWTH: RIGHT[GROWTH] + f"""
for path in [{course_path!r} + '/submitted/solution/00_history/03_timeline_quiz.ipynb',
             '../../solution/00_history/03_timeline_quiz.ipynb']:
    try:
        open(path, 'w').write('{{}}')
    except OSError as error:
        print('чужая работа:', error)
"""})},
        "code_writer": {f"{QUIZ}.ipynb": quiz(**{GROWTH: RIGHT[GROWTH] + """
import os, site
import course_utils
package = os.path.dirname(course_utils.__file__)
targets = [os.path.join(package, 'checks.py'), os.path.join(os.path.dirname(package), 'data', 'attack.txt')]
targets += [os.path.join(d, 'zz_attack.pth') for d in site.getsitepackages()]
for path in targets:
    try:
        open(path, 'a').write('import os\\n')
    except OSError as error:
        print('код курса:', error)
"""})},
        "detached": {f"{QUIZ}.ipynb": quiz(**{GROWTH: RIGHT[GROWTH] + f"""
import subprocess
subprocess.Popen(['sleep', '{DETACHED_MARK}'], start_new_session=True)
"""})},
        "memory_hog": {f"{QUIZ}.ipynb": quiz(**{GROWTH: """
def yearly_growth(params_start, params_end, years):
    buffer = bytearray(6 * 1024 ** 3)
    return float((params_end / params_start) ** (1 / years))
"""})},
        "duplicated": {f"{QUIZ}.ipynb": duplicated},
        "exit_in_answer": {f"{QUIZ}.ipynb": quiz(**{GROWTH: RIGHT[GROWTH] + "\nimport os\nos._exit(0)\n"})},
        "trailing_exit": {f"{QUIZ}.ipynb": trailing_exit},
        "kill_self": {**perceptron_right, f"{QUIZ}.ipynb": quiz(**{
            "00_history_quiz_ideas": RIGHT["00_history_quiz_ideas"] + "\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"})},
        "invalid_json": {**perceptron_right, f"{QUIZ}.ipynb": json.dumps(quiz(), ensure_ascii=False)[:5000]},
        "flipped_flags": {f"{QUIZ}.ipynb": flipped},
        "colab": {f"{QUIZ}.ipynb": colab},
        "copy_name": {f"{QUIZ} (1).ipynb": quiz()},
        "too_deep": {f"{A}/{QUIZ}.ipynb": quiz()},
        "bad_timestamp": {f"{QUIZ}.ipynb": quiz(), "timestamp.txt": "вчера вечером"},
        "stderr_print": {f"{QUIZ}.ipynb": quiz(**{GROWTH: """import logging, sys

def yearly_growth(params_start, params_end, years):
    print('отладка:', params_start, params_end, years, file=sys.stderr)
    logging.warning('отладка')
    return float((params_end / params_start) ** (1 / years))
"""})},
        "resubmission": {f"{QUIZ}.ipynb": quiz(**{GROWTH: WRONG_GROWTH})},
        "busy_loop": {f"{QUIZ}.ipynb": quiz(**{GROWTH: """
def yearly_growth(params_start, params_end, years):
    while True:
        pass
"""})},
        "swallowed_interrupt": {f"{QUIZ}.ipynb": quiz(**{GROWTH: """import time

def yearly_growth(params_start, params_end, years):
    while True:
        try:
            time.sleep(0.05)
        except BaseException:
            pass
"""})},
        "checks_patch": {f"{QUIZ}.ipynb": quiz(**{GROWTH: "from course_utils import checks\n"
                                                   "checks.fail = lambda *args, **kwargs: None\n" + WRONG_GROWTH})},
        "numpy_patch": {f"{QUIZ}.ipynb": quiz(**{GROWTH: "import math\nimport numpy as np\n"
                                                  "np.allclose = lambda *args, **kwargs: True\n"
                                                  "math.isclose = lambda *args, **kwargs: True\n" + WRONG_GROWTH})},
        "input_transformer": {f"{QUIZ}.ipynb": quiz(**{GROWTH: WRONG_GROWTH + """
get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])
"""})},
        "session_send": {f"{QUIZ}.ipynb": quiz(**{GROWTH: WRONG_GROWTH + """
from jupyter_client.session import Session
_send = Session.send
def _without_errors(self, stream, msg_or_type, content=None, *args, **kwargs):
    if msg_or_type == 'error':
        return None
    if isinstance(content, dict) and content.get('status') == 'error':
        content = {'status': 'ok', 'execution_count': content.get('execution_count'), 'user_expressions': {}}
    return _send(self, stream, msg_or_type, content, *args, **kwargs)
Session.send = _without_errors
"""})},
        "evil_int": {f"{PERCEPTRON}.ipynb": answered(course, PERCEPTRON, **{"00_history_perceptron_predict": """
class AlwaysEqual(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__

def perceptron_predict(X, w, b):
    return np.array([AlwaysEqual(0)] * len(X), dtype=object)
"""})},
        "script_output": {f"{QUIZ}.ipynb": quiz(**{GROWTH: RIGHT[GROWTH] + """
from IPython.display import HTML, display
display(HTML('<script>window.attack = 1</script><b>жирный</b>'))
print('<script>alert(2)</script>')
"""})},
        "empty_folder": {},
    }


# What each student deserves: exercise → True (full marks) or False (zero); a notebook not listed is not
# submitted and gets 0. `needs_attention`: the report must list the student with a line matching the pattern.
QUIZ_RIGHT = {GROWTH: True, "00_history_quiz_dates": True, "00_history_quiz_ideas": True}
QUIZ_GROWTH_WRONG = {**QUIZ_RIGHT, GROWTH: False}
PERCEPTRON_RIGHT = {"00_history_perceptron_predict": True, "00_history_perceptron_update": True,
                    "00_history_xor_two_layer": True}
QUIZ_ZERO = dict.fromkeys(QUIZ_RIGHT, False)
EXPECTED = {
    "solution": ({**PERCEPTRON_RIGHT, "00_history_rnn_step": True, "00_history_rnn_forward": True,
                  "00_history_lstm_step": True, **QUIZ_RIGHT}, None),
    "untouched": ({**dict.fromkeys(PERCEPTRON_RIGHT, False), **QUIZ_ZERO}, None),
    "gradebook_writer": (QUIZ_RIGHT, r"импорт sqlite3"),
    "peer_writer": (QUIZ_RIGHT, r"open\(\.\.\.\) на запись"),
    "code_writer": (QUIZ_RIGHT, r"open\(\.\.\.\) на запись"),
    "detached": (QUIZ_RIGHT, r"импорт subprocess"),
    "memory_hog": (QUIZ_GROWTH_WRONG, None),
    "duplicated": (QUIZ_RIGHT, None),
    "exit_in_answer": (QUIZ_RIGHT, r"os\._exit"),
    "trailing_exit": (QUIZ_RIGHT, r"вызов exit\(\)"),
    "kill_self": ({**PERCEPTRON_RIGHT, **QUIZ_ZERO}, r"ядро завершилось"),
    "invalid_json": ({**PERCEPTRON_RIGHT, **QUIZ_ZERO}, r"не читается как JSON"),
    "flipped_flags": (QUIZ_RIGHT, None),
    "colab": (QUIZ_RIGHT, None),
    "copy_name": (QUIZ_RIGHT, None),
    "too_deep": (QUIZ_RIGHT, None),
    "bad_timestamp": (QUIZ_RIGHT, None),
    "stderr_print": (QUIZ_RIGHT, None),
    "resubmission": (QUIZ_GROWTH_WRONG, None),
    "busy_loop": (QUIZ_GROWTH_WRONG, r"тайм-аут"),
    "swallowed_interrupt": ({**QUIZ_ZERO}, r"тайм-аут"),
    "checks_patch": (QUIZ_GROWTH_WRONG, r"checks\.fail"),
    "numpy_patch": (QUIZ_GROWTH_WRONG, r"np\.allclose"),
    "input_transformer": (QUIZ_GROWTH_WRONG, r"get_ipython"),
    "session_send": (QUIZ_GROWTH_WRONG, r"Session\.send|jupyter_client"),
    "evil_int": ({**PERCEPTRON_RIGHT, "00_history_perceptron_predict": False}, r"__eq__"),
    "script_output": (QUIZ_RIGHT, r"импорт IPython"),
    "empty_folder": ({}, r"не найдены"),
}
REPAIRED = {"duplicated": r"копии ячейки", "flipped_flags": r"флаги nbgrader восстановлены",
            "colab": r"метаданные nbgrader восстановлены", "copy_name": r"принят как 03_timeline_quiz",
            "too_deep": r"принят как 03_timeline_quiz", "bad_timestamp": r"timestamp\.txt не читается"}


def write_submissions(course: Path) -> None:
    for student, files in students(course).items():
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True, exist_ok=True)
        for name, notebook in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            text = notebook if isinstance(notebook, str) else json.dumps(notebook, ensure_ascii=False)
            (folder / name).write_text(text, encoding="utf-8")


OUTPUTS = {"autograded", "feedback", "reports", ".grading", ".nbgrader", "grades.csv"}


def tree_hash(root: Path, skip=frozenset()) -> dict[str, str]:
    """relative path → sha256 of every file under root (skipping top-level names in `skip`)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).parts[0] not in skip
            and "__pycache__" not in p.parts}


def site_packages_state() -> dict[str, tuple[int, int]]:
    """relative path → (size, mtime) of every file in the environment's site-packages."""
    root = Path(sysconfig.get_paths()["purelib"])
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def repository_state() -> dict[str, str]:
    return {f"{name}/{path}": digest for name in ("course_utils", "graders", "grading", "data")
            for path, digest in tree_hash(ROOT / name).items()}


def grade(course: Path, *args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, COURSE_GRADEBOOK_DIR=str(course / ".nbgrader"), **env_overrides)
    return subprocess.run([sys.executable, "-m", "grading", A, "--course", str(course), "--jobs", "2",
                           "--cell-timeout", str(CELL_TIMEOUT), "--submission-timeout", "240",
                           "--memory-mb", str(MEMORY_MB), *args],
                          env=env, capture_output=True, text=True, timeout=1800)


def grade_rows(course: Path) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(student, notebook, grade cell) → (score, max score), straight from the gradebook."""
    rows = {}
    with Gradebook(f"sqlite:///{course / '.nbgrader' / 'gradebook.db'}") as gradebook:
        for student in gradebook.students:
            try:
                submission = gradebook.find_submission(A, student.id)
            except MissingEntry:
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    rows[(student.id, notebook.name, grade.name)] = (grade.score, grade.max_score)
    return rows


def exercise_scores(rows, student: str) -> dict[str, tuple[float, float]]:
    """exercise → (score, max score) over its test cells."""
    scores = {}
    for (s, _notebook, cell), (score, top) in rows.items():
        if s == student:
            exercise = re.sub(r"_(visible|hidden)$", "", cell)
            got, most = scores.get(exercise, (0.0, 0.0))
            scores[exercise] = (got + score, most + top)
    return scores


def detached_alive() -> bool:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if DETACHED_MARK in cmdline.read_bytes().decode(errors="replace"):
                return True
        except OSError:
            continue
    return False


def scratch_course(folder: Path) -> Path:
    shutil.copytree(SOLUTIONS / A, folder / "solutions" / A)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    nbgrader(folder, "generate_assignment", A, "--force")
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = scratch_course(tmp_path_factory.mktemp("class"))
    write_submissions(course)
    before = {"course": tree_hash(course, OUTPUTS), "repository": repository_state(), "site": site_packages_state()}
    start = time.monotonic()
    run = grade(course)
    seconds = time.monotonic() - start
    time.sleep(1)
    after = {"course": tree_hash(course, OUTPUTS), "repository": repository_state(), "site": site_packages_state()}
    return {"course": course, "run": run, "seconds": seconds, "before": before, "after": after, "rows": grade_rows(course),
            "report": json.loads((course / "reports" / f"{A}.json").read_text(encoding="utf-8"))}


def result_of(graded, student: str) -> dict:
    return next(r for r in graded["report"]["results"] if r["student"] == student)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_the_grade_it_deserves(graded, student):
    expected, _attention = EXPECTED[student]
    scores = exercise_scores(graded["rows"], student)
    for exercise, full in expected.items():
        score, top = scores[exercise]
        assert (score == top) if full else (score == 0), (student, exercise, score, top, result_of(graded, student))
    assert all(score == 0 for exercise, (score, _top) in scores.items() if exercise not in expected), scores


@pytest.mark.parametrize("student", sorted(s for s, (_e, pattern) in EXPECTED.items() if pattern))
def test_the_report_names_what_needs_attention(graded, student):
    result = result_of(graded, student)
    lines = result["failures"] + result["findings"]
    assert any(re.search(EXPECTED[student][1], line) for line in lines), lines
    markdown = (graded["course"] / "reports" / f"{A}.md").read_text(encoding="utf-8")
    assert f"### {student} —" in markdown


@pytest.mark.parametrize("student", sorted(REPAIRED))
def test_repairs_are_logged(graded, student):
    assert any(re.search(REPAIRED[student], line) for line in result_of(graded, student)["repairs"])


def test_controls_need_no_attention(graded):
    for student in ("solution", "untouched", "duplicated", "flipped_flags", "colab", "copy_name", "too_deep",
                    "bad_timestamp", "stderr_print", "memory_hog"):
        result = result_of(graded, student)
        assert not result["findings"] and not result["failures"], result


def test_exit_status_says_attention_is_needed_and_export_ran(graded):
    assert graded["run"].returncode == 1, graded["run"].stdout + graded["run"].stderr
    assert "Требуют внимания" in graded["run"].stdout
    exported = (graded["course"] / "grades.csv").read_text(encoding="utf-8")
    assert all(f",{student}," in exported or f"{student}," in exported for student in EXPECTED)
    assert graded["report"]["sandboxed"] and not graded["report"]["problems"]


def test_nothing_outside_the_sandboxes_changed(graded):
    for what in ("course", "repository", "site"):
        before, after = graded["before"][what], graded["after"][what]
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        assert not changed, f"{what}: {changed[:10]}"
    assert not detached_alive()
    assert all(score <= top for score, top in graded["rows"].values())  # nobody wrote 99 into the gradebook


def test_feedback_shows_no_hidden_tests_and_no_active_html(graded):
    feedback = graded["course"] / "feedback"
    solution = (feedback / "solution" / A / f"{QUIZ}.html").read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" not in solution and "from graders" not in solution
    assert "скрытых тестов в отзыве не показывается" in solution
    wrong = (feedback / "checks_patch" / A / f"{QUIZ}.html").read_text(encoding="utf-8")
    assert "корень степени years" in wrong and "grader.check_" not in wrong
    scripted = (feedback / "script_output" / A / f"{QUIZ}.html").read_text(encoding="utf-8")
    assert "<script>window.attack" not in scripted and "<script>alert(2)" not in scripted
    assert "&lt;script&gt;alert(2)" in scripted  # the printed text is still there, as text


def test_grading_is_bounded_in_time(graded):
    """The loops cost about one cell timeout and one shorter one each, not one per test cell."""
    for student in ("busy_loop", "swallowed_interrupt"):
        assert result_of(graded, student)["seconds"] < 3 * CELL_TIMEOUT + 60


def test_a_changed_resubmission_is_regraded_and_nobody_else_moves(graded):
    course = graded["course"]
    before = grade_rows(course)
    path = course / "submitted" / "resubmission" / A / f"{QUIZ}.ipynb"
    path.write_text(json.dumps(answered(course, QUIZ), ensure_ascii=False), encoding="utf-8")
    run = grade(course)
    report = json.loads((course / "reports" / f"{A}.json").read_text(encoding="utf-8"))
    assert report["graded"] == 1, run.stdout
    after = grade_rows(course)
    assert {k: v for k, v in after.items() if k[0] != "resubmission"} == \
           {k: v for k, v in before.items() if k[0] != "resubmission"}
    scores = exercise_scores(after, "resubmission")
    assert all(scores[exercise][0] == scores[exercise][1] for exercise in QUIZ_RIGHT)


def test_without_bubblewrap_grading_goes_on_but_loudly(tmp_path):
    course = scratch_course(tmp_path)
    folder = course / "submitted" / "solo" / A
    folder.mkdir(parents=True)
    (folder / f"{QUIZ}.ipynb").write_text(json.dumps(answered(course, QUIZ), ensure_ascii=False), encoding="utf-8")
    run = grade(course, PATH=str(Path(sys.executable).parent))  # an environment without bwrap on PATH
    assert "БЕЗ ПЕСОЧНИЦЫ" in run.stderr and run.returncode == 0, run.stdout + run.stderr
    report = json.loads((course / "reports" / f"{A}.json").read_text(encoding="utf-8"))
    assert not report["sandboxed"] and "БЕЗ ПЕСОЧНИЦЫ" in (course / "reports" / f"{A}.md").read_text(encoding="utf-8")
    scores = exercise_scores(grade_rows(course), "solo")
    assert all(scores[exercise][0] == scores[exercise][1] > 0 for exercise in QUIZ_RIGHT)
