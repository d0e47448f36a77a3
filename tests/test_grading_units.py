"""The grading command's parts, without a kernel: finding, repairing and scanning submissions, the sandbox
command line, nbgrader preprocessors and the report. The whole command is tested on a class in
test_grading_class.py."""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import nbformat
import pytest

from grading import collect, repair, report, sandbox, scan
from grading.preprocessors import BudgetedExecute, FeedbackWithoutHiddenTests, StderrIsNotFailure
from grading.student import Result, failed_notebook
from notebooks import CHAPTERS, SOLUTIONS, load, nbgrader as meta, notebooks, source

QUIZ = CHAPTERS / "00_history" / "03_timeline_quiz.ipynb"
GROWTH = "00_history_timeline_growth"


def flags(notebook: dict) -> list[tuple]:
    return [(meta(c).get("grade_id"), meta(c).get("solution"), meta(c).get("grade"), meta(c).get("locked"))
            for c in notebook["cells"]]


def with_answer(notebook: dict, grade_id: str, code: str) -> dict:
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        if meta(cell).get("grade_id") == grade_id:
            cell["source"] = code
    return notebook


# ---- collect -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", ["03_timeline_quiz", "03_timeline_quiz (1)", "03_timeline_quiz(2)",
                                  "03_timeline_quiz-Copy1", "Copy of 03_timeline_quiz", "Копия 03_timeline_quiz"])
def test_copies_of_a_notebook_are_recognised(stem):
    assert collect.release_name(stem, {"03_timeline_quiz", "01_perceptron"}) == "03_timeline_quiz"


def test_unrelated_names_are_not_matched():
    assert collect.release_name("homework", {"03_timeline_quiz"}) is None
    assert collect.release_name("03_timeline", {"03_timeline_quiz"}) is None


def test_exact_name_wins_and_one_extra_folder_is_accepted(tmp_path):
    (tmp_path / "inner").mkdir()
    for name in ("03_timeline_quiz (1).ipynb", "03_timeline_quiz.ipynb", "inner/01_perceptron.ipynb", "notes.ipynb"):
        (tmp_path / name).write_text("{}")
    found = collect.find(tmp_path, {"03_timeline_quiz", "01_perceptron"})
    assert found.notebooks == {"03_timeline_quiz": tmp_path / "03_timeline_quiz.ipynb",
                               "01_perceptron": tmp_path / "inner/01_perceptron.ipynb"}
    assert any("второй файл" in n for n in found.notes) and any("notes.ipynb" in n for n in found.notes)


# ---- repair --------------------------------------------------------------------------------------------

def test_an_intact_submission_is_left_as_it_is():
    release = load(QUIZ)
    text, notes = repair.repair(json.dumps(release), release)
    assert notes == [] and flags(json.loads(text)) == flags(release)


def test_stripped_metadata_is_restored_by_content_and_order():
    release = load(QUIZ)
    stripped = with_answer(release, GROWTH, "def yearly_growth(a, b, years):\n    return (b / a) ** (1 / years)\n")
    for cell in stripped["cells"]:
        cell["metadata"] = {}
        cell.pop("id", None)
    stripped["cells"].insert(3, {"cell_type": "code", "source": "print('моя проба')", "metadata": {},
                                 "outputs": [], "execution_count": None})
    text, notes = repair.repair(json.dumps(stripped), release)
    repaired = json.loads(text)
    assert [f for f in flags(repaired) if f[0]] == [f for f in flags(release) if f[0]]
    growth = next(c for c in repaired["cells"] if meta(c).get("grade_id") == GROWTH)
    assert "return (b / a)" in source(growth)
    assert len(notes) == sum(1 for f in flags(release) if f[0])
    nbformat.validate(nbformat.reads(text, as_version=4))


def test_flipped_flags_are_restored():
    release = load(QUIZ)
    flipped = copy.deepcopy(release)
    for cell in flipped["cells"]:
        if meta(cell).get("grade_id") == f"{GROWTH}_hidden":
            cell["metadata"]["nbgrader"].update(grade=False, locked=False, points=0)
    text, notes = repair.repair(json.dumps(flipped), release)
    assert flags(json.loads(text)) == flags(release) and notes == [f"{GROWTH}_hidden: флаги nbgrader восстановлены по выпуску"]


@pytest.mark.parametrize("answer_first", [True, False])
def test_of_duplicated_cells_the_answer_is_kept(answer_first):
    release = load(QUIZ)
    answered = with_answer(release, GROWTH, "def yearly_growth(a, b, years):\n    return 1.0\n")
    index = next(i for i, c in enumerate(release["cells"]) if meta(c).get("grade_id") == GROWTH)
    stub = copy.deepcopy(release["cells"][index])
    answered["cells"].insert(index + (1 if answer_first else 0), stub)
    text, notes = repair.repair(json.dumps(answered), release)
    kept = [c for c in json.loads(text)["cells"] if meta(c).get("grade_id") == GROWTH]
    assert len(kept) == 1 and "return 1.0" in source(kept[0]) and "копии ячейки" in notes[0]


def test_unknown_grade_ids_become_plain_cells():
    release = load(QUIZ)
    extra = copy.deepcopy(release)
    extra["cells"].append({"cell_type": "code", "source": "x = 1", "outputs": [], "execution_count": None,
                           "metadata": {"nbgrader": {"grade_id": "made_up", "grade": True, "points": 100}}})
    text, notes = repair.repair(json.dumps(extra), release)
    assert "nbgrader" not in json.loads(text)["cells"][-1]["metadata"] and "made_up" in notes[0]


def test_trailing_garbage_is_forgiven_and_broken_json_is_reported():
    release = load(QUIZ)
    text, _notes = repair.repair(json.dumps(release) + "\n}garbage", release)
    assert flags(json.loads(text)) == flags(release)
    with pytest.raises(repair.RepairError, match="не читается как JSON"):
        repair.repair(json.dumps(release)[:500], release)
    with pytest.raises(repair.RepairError, match="не ноутбук"):
        repair.repair("[1, 2]", release)


def test_a_failed_notebook_fails_every_test_cell_and_nothing_else():
    failed = json.loads(failed_notebook(json.dumps(load(QUIZ)), "ядро завершилось"))
    for cell in failed["cells"]:
        is_test = meta(cell).get("grade") and not meta(cell).get("solution")
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        assert bool(errors) == bool(is_test) and all(o["evalue"] == "ядро завершилось" for o in errors)


# ---- scan ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", notebooks(SOLUTIONS), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reference_solutions_raise_no_findings(path):
    """The instructor's answers, submitted into the released notebook, are clean: no false alarms."""
    release = load(CHAPTERS / path.parent.name / path.name)
    release_sources = {source(c).strip() for c in release["cells"]}
    assert scan.scan_notebook(load(path), release_sources) == []


@pytest.mark.parametrize("code, reason", [
    ("import sqlite3", "sqlite3"), ("from subprocess import Popen", "subprocess"), ("import ctypes", "ctypes"),
    ("import os\nos._exit(0)", "os._exit"), ("import os as o\no.system('ls')", "os.system"),
    ("exit()", "exit()"), ("open('/tmp/x', 'w')", "на запись"), ("open(p, mode='a')", "на запись"),
    ("get_ipython().events", "get_ipython"), ("from course_utils import checks\nchecks.fail = print", "checks.fail"),
    ("import numpy as np\nnp.allclose = lambda *a: True", "np.allclose"),
    ("import math\nsetattr(math, 'isclose', max)", "setattr"),
    ("class A(int):\n    def __eq__(self, other):\n        return True", "__eq__"),
    ("!rm -rf /", "оболочки"), ("%%bash\nrm -rf /", "оболочки"), ("import sys\nsys.modules['numpy'] = None", "sys.modules"),
    ("f = lambda: 0\nf.__globals__", "__globals__"), ("from pathlib import Path\nPath('x').write_text('1')", "write_text"),
])
def test_what_has_no_place_in_an_answer_is_found(code, reason):
    findings = scan.scan_cell(code)
    assert any(reason in text for _line, text in findings), findings


@pytest.mark.parametrize("code", [
    "import numpy as np\nx = np.zeros(3)\nx[0] = 1", "model.eval()", "text.replace('a', 'b')",
    "with open('data.txt') as f:\n    f.read()", "import torch\nimport torch.nn.functional as F\ny = F.relu(x)",
    "class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()", "import sys\nprint(1, file=sys.stderr)",
])
def test_ordinary_answers_raise_no_findings(code):
    assert scan.scan_cell(code) == []


def test_findings_name_the_cell_and_the_line():
    release = load(QUIZ)
    notebook = with_answer(release, GROWTH, "def yearly_growth(a, b, y):\n    return 1.0\nimport sqlite3\n")
    [finding] = scan.scan_notebook(notebook, {source(c).strip() for c in release["cells"]})
    assert (finding.cell, finding.line, finding.text) == (GROWTH, 3, "import sqlite3")
    assert "sqlite3" in str(finding)


# ---- sandbox and preprocessors --------------------------------------------------------------------------

def test_sandbox_command_hides_the_course_and_drops_capabilities(tmp_path):
    command = sandbox.command(["python", "-m", "ipykernel_launcher"], cwd=Path("/x/work"), work=tmp_path,
                              sockets=tmp_path / "s", limits=sandbox.Limits(memory_mb=1000, cpu_seconds=60))
    text = " ".join(command)
    assert command[0] == "prlimit" and f"--as={1000 * 1024 * 1024}" in command and "--cpu=60" in command
    assert "--unshare-all" in command and "--cap-drop ALL" in text and "--die-with-parent" in command
    assert f"--tmpfs {sandbox.COURSE_ROOT}" in text
    for name in sandbox.VISIBLE_COURSE_DIRS:
        assert f"--ro-bind {sandbox.COURSE_ROOT / name} {sandbox.COURSE_ROOT / name}" in text
    assert f"--bind {tmp_path} /x/work" in text and command[-3:] == ["python", "-m", "ipykernel_launcher"]
    # What is hidden comes before what is shown again, or the tmpfs would cover the course code.
    assert text.index(f"--tmpfs {sandbox.COURSE_ROOT}") < text.index(f"--ro-bind {sandbox.COURSE_ROOT / 'graders'}")


def test_a_linked_environment_is_visible_at_the_link(tmp_path, monkeypatch):
    link = tmp_path / "venv-link"
    link.symlink_to(Path(sys.prefix).resolve())
    monkeypatch.setattr(sys, "prefix", str(link))
    command = sandbox.command(["true"], cwd=tmp_path, work=tmp_path, sockets=tmp_path, limits=sandbox.Limits())
    assert f"--ro-bind {Path(sys.prefix).resolve()} {link}" in " ".join(command)


def test_timeouts_shrink_after_the_first_and_the_second_timeout():
    execute = BudgetedExecute(timeout=180, after_timeout=20, stuck_timeout=5)
    assert execute._get_timeout(None) == 180
    execute._timeouts = 1
    assert execute._get_timeout(None) == 20
    execute._timeouts = 2
    assert execute._get_timeout(None) == 5


def test_kernel_manager_setting_is_honoured():
    execute = BudgetedExecute(kernel_manager="grading.sandbox.SandboxKernelManager")
    assert execute.kernel_manager_class is sandbox.SandboxKernelManager


def graded_cells() -> nbformat.NotebookNode:
    notebook = nbformat.read(SOLUTIONS / "00_history" / "03_timeline_quiz.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="отладка\n"),
                            nbformat.v4.new_output("error", ename="CheckError", evalue="неверно",
                                                   traceback=["frame in graders/ch00_history/x.py", "CheckError"])]
    return notebook


def test_stderr_in_a_test_cell_is_not_a_failure_elsewhere_it_stays():
    notebook, _ = StderrIsNotFailure().preprocess(graded_cells(), {})
    for cell in notebook.cells:
        if cell.cell_type == "code":
            is_test = meta(cell).get("grade") and not meta(cell).get("solution")
            assert cell.outputs[0].name == ("stdout" if is_test else "stderr")


def test_feedback_keeps_results_but_not_hidden_code_or_frames():
    notebook, _ = FeedbackWithoutHiddenTests().preprocess(graded_cells(), {})
    tests = [c for c in notebook.cells if meta(c).get("grade") and not meta(c).get("solution")]
    assert tests and all("from graders" not in c.source for c in tests)
    assert all(c.outputs[1].traceback == ["CheckError: неверно"] for c in tests)
    assert any("скрытых тестов в отзыве не показывается" in c.source for c in tests)


def test_report_lists_attention_repairs_and_every_student():
    results = [Result("anna", findings=["03.ipynb, x, строка 1: импорт sqlite3"], score=3.0, max_score=9.0),
               Result("boris", repairs=["01 (1).ipynb принят как 01.ipynb"], score=9.0, max_score=9.0),
               Result("vera", failures=["ядро завершилось"], graded=True)]
    summary = {"assignment": "00_history", "sandboxed": False, "jobs": 2, "students": 3, "graded": 3,
               "seconds": 1.0, "problems": []}
    text = report.markdown(summary, results)
    assert report.NO_SANDBOX in text and "### anna — 3 из 9" in text and "### vera — —" in text
    assert "### boris" not in text and "boris: 01 (1).ipynb принят" in text and text.count("\n| ") == 4


def test_feedback_sanitizer_removes_scripts_from_outputs_and_markdown():
    from grading.preprocessors import SanitizeStudentHTML

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Текст <script>alert(1)</script>"),
        nbformat.v4.new_code_cell("display(HTML(...))", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": "<script>window.attack = 1</script><b>жирный</b>",
                                  "application/javascript": "window.attack = 2", "text/plain": "<HTML>"})])])
    notebook, _ = SanitizeStudentHTML().preprocess(notebook, {})
    text = json.dumps(notebook, ensure_ascii=False)
    assert "<script>" not in text and "window.attack = 2" not in text and "<b>жирный</b>" in text
