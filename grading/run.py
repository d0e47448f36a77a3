"""Проверка главы для всего класса поверх nbgrader.

1. Каждая сдача готовится независимо и параллельно (grading.student): починка, статическая проверка,
   выполнение в песочнице в черновом курсе.
2. Оценки переносит в настоящий журнал только этот процесс: ``nbgrader autograde`` читает выполненные ноутбуки
   из ``.grading/staging`` и ничего не выполняет (``Execute.enabled=False``).
3. Отзывы, экспорт в grades.csv и отчёт делаются всегда, что бы ни случилось с отдельными сдачами.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from . import report, sandbox
from .student import Result, Settings, fingerprint, grade


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Запускает nbgrader в папке курса (с его nbgrader_config.py)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True)


def gradebook_path(course: Path) -> Path:
    """Файл журнала оценок из nbgrader_config.py курса."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    url = config.CourseDirectory.db_url
    if not str(url).startswith("sqlite:///"):
        raise SystemExit(f"Ожидался журнал sqlite:///…, в nbgrader_config.py указан {url!r}.")
    return Path(str(url)[len("sqlite:///"):])


def submission_folders(course: Path, assignment: str) -> dict[str, tuple[Path, str | None]]:
    """Студент → (папка сдачи главы, заметка); папка на уровень глубже тоже принимается."""
    folders = {}
    root = course / "submitted"
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        direct = student_dir / assignment
        nested = sorted(p for p in student_dir.glob(f"*/{assignment}") if p.is_dir())
        if direct.is_dir():
            folders[student_dir.name] = (direct, None)
        elif nested:
            folders[student_dir.name] = (nested[0], f"{nested[0].relative_to(student_dir)}/ принята как {assignment}/")
    return folders


def _load_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _grade_safely(settings: Settings, student: str, folder: Path) -> Result:
    """Сбой самой проверки одной сдачи не останавливает остальных: он становится строкой отчёта."""
    try:
        return grade(settings, student, folder)
    except Exception as error:  # noqa: BLE001 — любая ошибка одной сдачи остаётся её ошибкой
        shutil.rmtree(settings.staging / student, ignore_errors=True)
        return Result(student, failures=[f"внутренняя ошибка проверки: {type(error).__name__}: {error}"],
                      graded=True)


def _transfer(course: Path, assignment: str, staging: Path, results: list[Result]) -> list[str]:
    """Переносит оценки из выполненных ноутбуков в журнал; возвращает проблемы для отчёта."""
    if not results:
        return []
    done = nbgrader(course, "autograde", assignment, "--force", f"--CourseDirectory.submitted_directory={staging}",
                    "--Execute.enabled=False", "--ClearOutput.enabled=False")
    problems = []
    for result in results:
        staged = {p.name for p in (staging / result.student / assignment).glob("*.ipynb")}
        graded = {p.name for p in (course / "autograded" / result.student / assignment).glob("*.ipynb")}
        if not staged <= graded:
            result.failures.append("оценки не перенесены в журнал; подробности в .grading/transfer.log")
    if done.returncode:
        problems.append("nbgrader autograde (перенос оценок) завершился с ошибкой; подробности в .grading/transfer.log")
    (course / ".grading" / "transfer.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    return problems


def _scores(course: Path, assignment: str) -> dict[str, tuple[float, float]]:
    with open(course / "grades.csv", encoding="utf-8") as handle:
        return {row["student_id"]: (float(row["raw_score"]), float(row["max_score"]))
                for row in csv.DictReader(handle) if row["assignment"] == assignment}


def grade_class(course: Path, assignment: str, *, jobs: int, force: bool = False, sandboxed: bool = True,
                submission_timeout: int = 1200, cell_timeout: int | None = None,
                limits: sandbox.Limits = sandbox.Limits()) -> tuple[list[Result], dict]:
    """Проверяет главу у всех студентов; возвращает результаты и сводку (её же пишет в reports/)."""
    start = time.monotonic()
    work = course / ".grading"
    staging = work / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    state_path = work / f"{assignment}.json"
    state = _load_state(state_path)
    folders = submission_folders(course, assignment)
    fresh = {s: fingerprint(folder) for s, (folder, _note) in folders.items()}
    todo = [s for s in folders if force or state.get(s, {}).get("fingerprint") != fresh[s]
            or not (course / "autograded" / s / assignment).is_dir()]
    with tempfile.TemporaryDirectory(prefix="grading-") as scratch:
        settings = Settings(course=course, assignment=assignment, gradebook=gradebook_path(course),
                            scratch=Path(scratch), staging=staging, submission_timeout=submission_timeout,
                            cell_timeout=cell_timeout, limits=limits, sandboxed=sandboxed)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            graded = list(pool.map(lambda s: _grade_safely(settings, s, folders[s][0]), todo))
    for result in graded:
        note = folders[result.student][1]
        result.repairs[:0] = [note] if note else []
        result.fingerprint = fresh[result.student]
    problems = _transfer(course, assignment, staging, graded)
    feedback = nbgrader(course, "generate_feedback", assignment)
    if feedback.returncode:
        problems.append("nbgrader generate_feedback завершился с ошибкой: " + feedback.stdout.strip()[-300:])
    exported = nbgrader(course, "export", "--to", str(course / "grades.csv"))
    if exported.returncode:
        problems.append("nbgrader export завершился с ошибкой: " + exported.stdout.strip()[-300:])
    fields = set(Result.__dataclass_fields__) - {"graded", "score", "max_score"}
    previous = {s: Result(**{k: v for k, v in state[s].items() if k in fields}) for s in folders
                if s not in todo and s in state}
    results = sorted([*graded, *previous.values()], key=lambda r: r.student)
    scores = _scores(course, assignment) if (course / "grades.csv").exists() else {}
    for result in results:
        result.score, result.max_score = scores.get(result.student, (None, None))
    state_path.write_text(json.dumps({r.student: {k: v for k, v in asdict(r).items() if k in fields}
                                      for r in results}, ensure_ascii=False, indent=1), encoding="utf-8")
    summary = {"assignment": assignment, "sandboxed": sandboxed, "jobs": jobs, "students": len(results),
               "graded": len(graded), "seconds": round(time.monotonic() - start, 1), "problems": problems}
    report.write(course / "reports", summary, results)
    return results, summary
