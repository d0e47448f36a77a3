"""Одна сдача: найти и починить ноутбуки, проверить их статически и выполнить каждый в своём черновом курсе.

Выполняет ``nbgrader autograde`` (ядро — в песочнице) в черновом курсе с копией журнала: настоящий журнал и
настоящая папка курса тут не меняются. Итог — выполненные ноутбуки в ``staging`` для переноса оценок
(grading.run); сбой ноутбука не трогает остальные: такой ноутбук попадает туда с ошибкой в каждом тесте.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.utils import parse_utc

from . import collect, guard, repair, sandbox, scan

ERROR_NAME = "GradingError"


@dataclass
class Settings:
    """Что нужно каждой сдаче: папки курса, главы, черновиков, пределы и песочница."""
    course: Path
    assignment: str
    gradebook: Path
    scratch: Path
    staging: Path
    submission_timeout: int
    cell_timeout: int | None
    limits: sandbox.Limits
    sandboxed: bool

    def release(self) -> dict[str, dict]:
        folder = self.course / "chapters" / self.assignment
        return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.ipynb"))}


@dataclass
class Result:
    """Что случилось со сдачей: починки, находки, сбои, время; баллы добавляет grading.run."""
    student: str
    repairs: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    fingerprint: str = ""
    graded: bool = False
    seconds: float = 0.0
    score: float | None = None
    max_score: float | None = None

    @property
    def needs_attention(self) -> bool:
        return bool(self.findings or self.failures)


def fingerprint(folder: Path) -> str:
    """Отпечаток сданных файлов: меняется, если студент пересдал работу."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []:
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def failed_notebook(text: str, reason: str) -> str:
    """Ноутбук, в каждой ячейке тестов которого — ошибка ``reason``: nbgrader поставит за него 0."""
    notebook = json.loads(text)
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("grade") and not meta.get("solution"):
            cell["outputs"] = [{"output_type": "error", "ename": ERROR_NAME, "evalue": reason,
                                "traceback": [f"{ERROR_NAME}: {reason}"]}]
    return json.dumps(notebook, ensure_ascii=False)


def _config(settings: Settings, root: Path) -> str:
    manager = "SandboxKernelManager" if settings.sandboxed else "GuardedKernelManager"
    lines = ["c = get_config()  # noqa: F821",
             f"load_subconfig({str(settings.course / 'nbgrader_config.py')!r})  # noqa: F821",
             f"c.CourseDirectory.root = {str(root)!r}",
             f"c.CourseDirectory.db_url = {'sqlite:///' + str(root / 'gradebook.db')!r}",
             "c.CourseDirectory.source_directory = 'source'",
             f"c.BudgetedExecute.kernel_manager = 'grading.sandbox.{manager}'"]
    if settings.cell_timeout:
        lines.append(f"c.Execute.timeout = {settings.cell_timeout}")
    return "\n".join(lines) + "\n"


def _scratch_course(settings: Settings, student: str, name: str, text: str) -> Path:
    """Черновой курс для одного ноутбука: копия журнала, сданный ноутбук и настройки nbgrader."""
    root = settings.scratch / student / name
    shutil.rmtree(root, ignore_errors=True)
    folder = root / "submitted" / student / settings.assignment
    folder.mkdir(parents=True)
    (folder / f"{name}.ipynb").write_text(text, encoding="utf-8")
    (root / "boxes").mkdir()
    with sqlite3.connect(settings.gradebook) as source, sqlite3.connect(root / "gradebook.db") as copy:
        source.backup(copy)
    (root / "nbgrader_config.py").write_text(_config(settings, root), encoding="utf-8")
    return root


def _execute(settings: Settings, student: str, name: str, text: str, seconds: float) -> tuple[Path | None, str]:
    """Выполняет ноутбук через nbgrader в черновом курсе; (выполненный ноутбук или None, причина сбоя)."""
    root = _scratch_course(settings, student, name, text)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.update({sandbox.BOX_DIR_ENV: str(root / "boxes"), sandbox.MEMORY_ENV: str(settings.limits.memory_mb),
                sandbox.CPU_ENV: str(settings.limits.cpu_seconds),
                sandbox.HIDE_ENV: os.pathsep.join([str(settings.course), str(settings.scratch)])})
    command = [sys.executable, "-m", "nbgrader", "autograde", settings.assignment, f"--student={student}",
               f"--notebook={name}"]
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        log, _ = process.communicate(timeout=max(seconds, 1))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None, f"превышено время на сдачу ({settings.submission_timeout} с), ноутбук не досчитан"
    log_path = settings.course / ".grading" / "logs" / student / f"{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(log, encoding="utf-8")
    executed = root / "autograded" / student / settings.assignment / f"{name}.ipynb"
    if process.returncode == 0 and executed.exists():
        return executed, ""
    if "DeadKernelError" in log or "Kernel died" in log:
        return None, "ядро завершилось во время выполнения (выход из процесса, нехватка памяти или времени процессора)"
    errors = [line for line in log.splitlines() if "Error" in line and "Please see" not in line]
    return None, (f"nbgrader не смог выполнить ноутбук ({(errors or ['причина не найдена'])[-1].strip()[:200]}); "
                  f"журнал: {log_path.relative_to(settings.course)}")


def _run_notes(executed: Path) -> tuple[list[str], list[str]]:
    """Из выполненного ноутбука: строки стража (что было подменено) и ячейки, прерванные по тайм-ауту."""
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    marks, timeouts = [], []
    for index, cell in enumerate(notebook["cells"], 1):
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            marks += [line.strip("⚠ ").strip() for line in text.splitlines() if guard.MARK in line]
            if output.get("ename") == "CellTimeoutError":
                timeouts.append(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"ячейка {index}")
    return marks, timeouts


def grade(settings: Settings, student: str, submitted: Path) -> Result:
    """Готовит сдачу (папку ``submitted``) к переносу оценок: ``staging/<студент>/<глава>/`` с ноутбуками."""
    start = time.monotonic()
    result = Result(student)
    release = settings.release()
    found = collect.find(submitted, set(release))
    result.repairs += found.notes
    out = settings.staging / student / settings.assignment
    out.mkdir(parents=True)
    stamps = [submitted / "timestamp.txt", *submitted.glob("*/timestamp.txt")]
    for stamp in [p for p in stamps if p.is_file()][:1]:
        try:
            parse_utc(stamp.read_text(encoding="utf-8", errors="replace").strip())
            shutil.copy(stamp, out / "timestamp.txt")
        except ValueError:
            result.repairs.append("timestamp.txt не читается как время сдачи: проигнорирован")
    for name, release_notebook in release.items():
        if name not in found.notebooks:
            continue
        try:
            text, notes = repair.repair(found.notebooks[name].read_text(encoding="utf-8", errors="replace"),
                                        release_notebook)
        except repair.RepairError as error:
            result.failures.append(f"{name}.ipynb: {error}; ноутбук оценён в 0")
            continue
        result.repairs += [f"{name}.ipynb: {note}" for note in notes]
        release_sources = {"".join(c["source"]).strip() for c in release_notebook["cells"]}
        result.findings += [f"{name}.ipynb, {finding}" for finding in
                            scan.scan_notebook(json.loads(text), release_sources)]
        left = settings.submission_timeout - (time.monotonic() - start)
        executed, failure = _execute(settings, student, name, text, left) if left > 0 else (
            None, f"не выполнен: время на сдачу ({settings.submission_timeout} с) исчерпано")
        if executed is None:
            result.failures.append(f"{name}.ipynb: {failure}; ноутбук оценён в 0")
            (out / f"{name}.ipynb").write_text(failed_notebook(text, failure), encoding="utf-8")
            continue
        marks, timeouts = _run_notes(executed)
        result.findings += [f"{name}.ipynb, во время выполнения: {mark}" for mark in marks]
        if timeouts:
            result.failures.append(f"{name}.ipynb: прерваны по тайм-ауту: {', '.join(timeouts)}")
        shutil.copy(executed, out / f"{name}.ipynb")
    if not any(out.glob("*.ipynb")):  # nbgrader не принимает сдачу без ноутбуков: тогда выпуск с нулём
        reason = "ноутбуки главы не найдены или не читаются"
        result.failures.append(f"{reason}; глава оценена в 0")
        for name, release_notebook in release.items():
            (out / f"{name}.ipynb").write_text(failed_notebook(json.dumps(release_notebook), reason), encoding="utf-8")
    shutil.rmtree(settings.scratch / student, ignore_errors=True)
    result.graded = True
    result.seconds = time.monotonic() - start
    return result
