"""Benchmark: run every solution notebook top to bottom and record its wall time and peak memory.

Usage: python scripts/bench_notebooks.py            (all notebooks; writes benchmarks/notebooks.{json,md})
       python scripts/bench_notebooks.py PATH...    (only these notebooks; prints the results)

Wall time excludes the kernel start; peak memory is the kernel's maximum resident set size. Each notebook runs
in a fresh process, so the memory of one does not leak into the next. Budgets (COURSE_GUIDE §6): ≤ 90 s per
notebook, ≤ 5 min per chapter, ≤ 3 GB per notebook. This is a report, not a test: it never fails on a budget.
"""
from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks"
NOTEBOOK_BUDGET_S, CHAPTER_BUDGET_S, MEMORY_BUDGET_MB = 90, 300, 3072


def run_one(path: Path) -> dict:
    """Executes one notebook in this process's child kernel; returns its time and the kernel's peak memory."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the kernel has exited by now
    return {"notebook": str(path.relative_to(ROOT)), "seconds": round(seconds, 1), "peak_mb": round(peak_mb)}


def measure(path: Path) -> dict:
    """Runs ``run_one`` in a fresh Python process."""
    output = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True,
                            check=True, env=dict(os.environ, MPLBACKEND="Agg")).stdout
    return json.loads(output.strip().splitlines()[-1])


def machine() -> dict:
    import torch

    return {"cpu_cores": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
            "cuda": torch.cuda.is_available(), "platform": platform.platform()}


def markdown(results: list[dict], chapters: dict[str, float], info: dict) -> str:
    lines = ["# Время и память ноутбуков", "",
             f"Машина: {info['cpu_cores']} ядра CPU, Python {info['python']}, torch {info['torch']}, "
             f"CUDA: {'да' if info['cuda'] else 'нет'}. Время — без запуска ядра; память — пик ядра (RSS).", "",
             f"| ноутбук | время, с (бюджет {NOTEBOOK_BUDGET_S}) | пик памяти, МБ (бюджет {MEMORY_BUDGET_MB}) |",
             "|---|---:|---:|"]
    for r in results:
        flag = "" if r["seconds"] <= NOTEBOOK_BUDGET_S and r["peak_mb"] <= MEMORY_BUDGET_MB else " ⚠"
        lines.append(f"| `{r['notebook']}` | {r['seconds']}{flag} | {r['peak_mb']} |")
    lines += ["", f"| глава | время, с (бюджет {CHAPTER_BUDGET_S}) |", "|---|---:|"]
    lines += [f"| {name} | {seconds:.1f}{'' if seconds <= CHAPTER_BUDGET_S else ' ⚠'} |"
              for name, seconds in chapters.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(run_one(Path(argv[1]).resolve())))
        return
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "solutions").glob("*/*.ipynb"))
    results = []
    for path in paths:
        results.append(measure(path))
        print(f"{results[-1]['notebook']}: {results[-1]['seconds']} s, {results[-1]['peak_mb']} MB", flush=True)
    if argv:
        return
    chapters: dict[str, float] = {}
    for r in results:
        chapter = Path(r["notebook"]).parent.name
        chapters[chapter] = round(chapters.get(chapter, 0.0) + r["seconds"], 1)
    info = machine()
    OUT.mkdir(exist_ok=True)
    report = {"machine": info, "notebooks": results, "chapters": chapters}
    (OUT / "notebooks.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (OUT / "notebooks.md").write_text(markdown(results, chapters, info), encoding="utf-8")
    print(f"written {OUT / 'notebooks.json'} and {OUT / 'notebooks.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
