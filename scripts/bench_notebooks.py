"""Benchmark: run every solution notebook top to bottom, on a quiet machine and under load, and record its wall
time, its slowest cell and its peak memory.

Usage: python scripts/bench_notebooks.py            (all notebooks; writes benchmarks/notebooks.{json,md})
       python scripts/bench_notebooks.py PATH...    (only these notebooks; prints the results)
       python scripts/bench_notebooks.py --update PATH...   (only these; their rows in the report are replaced)

"Loaded" means two busy background processes (one per core of a 2-core laptop) run during the measurement, as on
a student's laptop with a browser and a video call open, or a grading machine doing two things at once. Wall time
excludes the kernel start; peak memory is the kernel's maximum resident set size. Each notebook runs in a fresh
process. Budgets (docs/authoring.md §6): ≤ 60 s per notebook quiet, ≤ 150 s loaded, ≤ 5 min per chapter, ≤ 3 GB;
nbgrader stops a cell after 180 s. This is a report, not a test: it never fails on a budget.
"""
from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks"
QUIET_BUDGET_S, LOADED_BUDGET_S, CHAPTER_BUDGET_S, MEMORY_BUDGET_MB = 60, 150, 300, 3072


def run_one(path: Path) -> dict:
    """Executes one notebook in this process's child kernel; returns its time, slowest cell and peak memory."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(path.parent)}})
    slowest = 0.0
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            cell_start = time.perf_counter()
            client.execute_cell(cell, index)
            slowest = max(slowest, time.perf_counter() - cell_start)
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the kernel has exited by now
    return {"notebook": str(path.relative_to(ROOT)), "seconds": round(seconds, 1),
            "slowest_cell": round(slowest, 1), "peak_mb": round(peak_mb)}


def measure(path: Path) -> dict:
    """Runs ``run_one`` in a fresh Python process."""
    output = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True,
                            check=True, env=dict(os.environ, MPLBACKEND="Agg")).stdout
    return json.loads(output.strip().splitlines()[-1])


@contextmanager
def busy_background(processes: int = 2):
    """Keeps ``processes`` CPU-bound Python loops running for the duration of the block.

    Each loop gets a session of its own, like a separate program: Linux shares the CPU fairly between sessions, and
    Jupyter starts every kernel in its own session, so loops sharing one session would hardly slow the kernel down.
    """
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
            for _ in range(processes)]
    try:
        yield
    finally:
        for process in busy:
            process.kill()
            process.wait()


def machine() -> dict:
    import torch

    return {"cpu_cores": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
            "cuda": torch.cuda.is_available(), "platform": platform.platform(),
            "course_threads": os.environ.get("COURSE_THREADS", "1")}


def _flag(value: float, budget: float) -> str:
    return f"{value}" if value <= budget else f"{value} ⚠"


def markdown(results: list[dict], chapters: dict[str, dict], info: dict) -> str:
    lines = ["# Время и память ноутбуков", "",
             f"Машина: {info['cpu_cores']} ядра CPU, Python {info['python']}, torch {info['torch']}, "
             f"CUDA: {'да' if info['cuda'] else 'нет'}, потоков PyTorch: {info['course_threads']} "
             "(`setup()`, переменная `COURSE_THREADS`). «Под нагрузкой» — рядом крутятся два посторонних процесса, "
             "занимающих оба ядра. Время — без запуска ядра; память — пик ядра (RSS).", "",
             f"| ноутбук | тихо, с (бюджет {QUIET_BUDGET_S}) | под нагрузкой, с (бюджет {LOADED_BUDGET_S}) "
             f"| самая долгая ячейка тихо / под нагрузкой, с | пик памяти, МБ (бюджет {MEMORY_BUDGET_MB}) |",
             "|---|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| `{r['notebook']}` | {_flag(r['seconds'], QUIET_BUDGET_S)} "
                     f"| {_flag(r['loaded_seconds'], LOADED_BUDGET_S)} "
                     f"| {r['slowest_cell']} / {r['loaded_slowest_cell']} | {_flag(r['peak_mb'], MEMORY_BUDGET_MB)} |")
    lines += ["", f"| глава | тихо, с (бюджет {CHAPTER_BUDGET_S}) | под нагрузкой, с |", "|---|---:|---:|"]
    lines += [f"| {name} | {_flag(c['seconds'], CHAPTER_BUDGET_S)} | {c['loaded_seconds']} |"
              for name, c in chapters.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(run_one(Path(argv[1]).resolve())))
        return
    update = argv[:1] == ["--update"]
    argv = argv[1:] if update else argv
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "solutions").glob("*/*.ipynb"))
    results = []
    for path in paths:
        results.append(measure(path))
        print(f"quiet  {results[-1]['notebook']}: {results[-1]['seconds']} s", flush=True)
    with busy_background():
        for result, path in zip(results, paths):
            loaded = measure(path)
            result.update(loaded_seconds=loaded["seconds"], loaded_slowest_cell=loaded["slowest_cell"])
            print(f"loaded {result['notebook']}: {result['loaded_seconds']} s", flush=True)
    if argv and not update:
        return
    if update:  # the other notebooks keep the rows of the last full run
        measured = {r["notebook"] for r in results}
        kept = [r for r in json.loads((OUT / "notebooks.json").read_text(encoding="utf-8"))["notebooks"]
                if r["notebook"] not in measured]
        results = sorted(kept + results, key=lambda r: r["notebook"])
    chapters: dict[str, dict] = {}
    for r in results:
        chapter = chapters.setdefault(Path(r["notebook"]).parent.name, {"seconds": 0.0, "loaded_seconds": 0.0})
        chapter["seconds"] = round(chapter["seconds"] + r["seconds"], 1)
        chapter["loaded_seconds"] = round(chapter["loaded_seconds"] + r["loaded_seconds"], 1)
    info = machine()
    OUT.mkdir(exist_ok=True)
    report = {"machine": info, "notebooks": results, "chapters": chapters}
    (OUT / "notebooks.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (OUT / "notebooks.md").write_text(markdown(results, chapters, info), encoding="utf-8")
    print(f"written {OUT / 'notebooks.json'} and {OUT / 'notebooks.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
