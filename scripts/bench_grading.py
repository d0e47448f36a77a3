"""Benchmark of the grading command (`python -m grading`) on chapter 00, in a scratch course.

Usage: python scripts/bench_grading.py [--class-size 40]    (writes benchmarks/grading.{json,md})

1. Seconds per submission, sandboxed vs unsandboxed: three students with the whole chapter solved, graded with
   `--jobs 1`, then again with `--no-sandbox --force`.
2. A class of `--class-size` submissions (notebooks 01 and 03; every answer right, one typical mistake, or
   untouched, in turn) graded with `--jobs 1` and then `--jobs 2 --force`.
A report, never a test: the numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT / "tests"))

import graders  # noqa: E402
from notebooks import answered, load, solution_codes  # noqa: E402

A = "00_history"


def make_course(folder: Path) -> Path:
    shutil.copytree(ROOT / "solutions" / A, folder / "solutions" / A)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", A], cwd=folder, env=env(folder),
                   check=True, capture_output=True)
    return folder


def env(course: Path) -> dict:
    return dict(os.environ, COURSE_GRADEBOOK_DIR=str(course / ".nbgrader"),
                PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def submit(course: Path, student: str, names: list[str], answers: dict[str, str]) -> None:
    folder = course / "submitted" / student / A
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        notebook = answered(load(course / "chapters" / A / f"{name}.ipynb"), answers)
        (folder / f"{name}.ipynb").write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")


def grade(course: Path, *args: str) -> dict:
    """Runs the grading command; returns its report plus the wall time."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grading", A, "--course", str(course), *args], env=env(course),
                   capture_output=True, check=False)
    wall = time.perf_counter() - start
    report = json.loads((course / "reports" / f"{A}.json").read_text(encoding="utf-8"))
    return {"wall_seconds": round(wall, 1), "students": report["students"], "graded": report["graded"],
            "sandboxed": report["sandboxed"],
            "per_submission_seconds": [round(r["seconds"], 1) for r in report["results"]],
            "scores": {r["student"]: r["score"] for r in report["results"]}}


def per_submission(workdir: Path) -> dict:
    course = make_course(workdir / "single")
    right = solution_codes(A)
    names = [p.stem for p in sorted((course / "chapters" / A).glob("*.ipynb"))]
    for i in range(3):
        submit(course, f"student{i}", names, right)
    return {"sandboxed": grade(course, "--jobs", "1"), "unsandboxed": grade(course, "--jobs", "1", "--no-sandbox",
                                                                             "--force")}


def whole_class(workdir: Path, size: int) -> dict:
    course = make_course(workdir / "class")
    right = solution_codes(A)
    mistakes = graders.chapter(A).MISTAKES
    wrong = {grade_id: next(iter(mistakes[grade_id].values()))[0] for grade_id in mistakes}
    for i in range(size):
        answers = [right, {**right, **dict([list(wrong.items())[i % len(wrong)]])}, {}][i % 3]
        submit(course, f"student{i:02d}", ["01_perceptron", "03_timeline_quiz"], answers)
    return {"jobs_1": grade(course, "--jobs", "1"), "jobs_2": grade(course, "--jobs", "2", "--force")}


def markdown(data: dict) -> str:
    single, group = data["per_submission"], data["class"]
    mean = lambda run: statistics.mean(run["per_submission_seconds"])  # noqa: E731
    lines = ["# Время автопроверки (`python -m grading`)", "",
             f"Машина: {data['machine']}. Глава 00, черновой курс; `make bench-grading` пересчитывает.", "",
             "## Одна сдача: песочница и без неё", "",
             "Три студента, вся глава 00 решена (три ноутбука), `--jobs 1`.", "",
             "| режим | секунд на сдачу (среднее) | по студентам | всего, с |", "|---|---:|---|---:|"]
    for mode in ("sandboxed", "unsandboxed"):
        run = single[mode]
        lines.append(f"| {'песочница (bubblewrap)' if mode == 'sandboxed' else 'без песочницы'} | {mean(run):.1f} | "
                     f"{', '.join(map(str, run['per_submission_seconds']))} | {run['wall_seconds']} |")
    lines += ["", f"## Класс из {group['jobs_1']['students']} сдач", "",
              "Ноутбуки 01 и 03 главы 00: по очереди всё верно, одна типичная ошибка, нетронутый ноутбук.", "",
              "| `--jobs` | всего, с | секунд на сдачу (среднее) |", "|---|---:|---:|"]
    for jobs in ("jobs_1", "jobs_2"):
        lines.append(f"| {jobs[-1]} | {group[jobs]['wall_seconds']} | {mean(group[jobs]):.1f} |")
    speedup = group["jobs_1"]["wall_seconds"] / group["jobs_2"]["wall_seconds"]
    lines += ["", f"Ускорение от второго процесса: {speedup:.2f}×. Баллы при `--jobs 1` и `--jobs 2` "
              f"{'совпадают' if group['jobs_1']['scores'] == group['jobs_2']['scores'] else 'РАЗЛИЧАЮТСЯ'}.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        data = {"machine": f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}",
                "per_submission": per_submission(Path(tmp)), "class": whole_class(Path(tmp), args.class_size)}
    OUT.mkdir(exist_ok=True)
    (OUT / "grading.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    (OUT / "grading.md").write_text(markdown(data), encoding="utf-8")
    print(markdown(data))


if __name__ == "__main__":
    main()
