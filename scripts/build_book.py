"""The course site: the student notebooks with the figures and numbers of an executed run, built offline.

Usage: python scripts/build_book.py [--only CHAPTER/NOTEBOOK ...] [--output DIR] [--jobs N]

1. Each solution notebook of the table of contents is executed in a kernel (cached in DIR/executed/ by a hash of
   the notebook and of course_utils/, so a rebuild runs only what changed).
2. Its outputs are put into the student notebook of chapters/: exercises stay stubs (no output), the visible
   checks keep theirs, hidden-test cells are dropped. So the page shows exactly what a student gets, plus every
   figure and printed number of the solved run; no solution code reaches the site.
3. Jupyter Book 1.x builds DIR/_build/html from DIR/src, with MathJax served from the site itself (book/mathjax/),
   so formulas render with no network.
"""
from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import nbformat
import yaml
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, CHAPTERS = ROOT / "solutions", ROOT / "chapters"
MATHJAX = ROOT / "book" / "mathjax"
CELL_TIMEOUT = 600


def toc_entries(only: list[str]) -> tuple[dict, list[str]]:
    """The table of contents (filtered to ``only``, if given) and its notebooks as CHAPTER/NOTEBOOK."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = []
    for part in toc["parts"]:
        part["chapters"] = [e for e in part["chapters"] if not only or e["file"].removeprefix("chapters/") in only]
        names += [e["file"].removeprefix("chapters/") for e in part["chapters"]]
    toc["parts"] = [part for part in toc["parts"] if part["chapters"]]
    unknown = set(only) - set(names)
    if unknown:
        raise SystemExit(f"Нет в _toc.yml: {', '.join(sorted(unknown))}")
    return toc, names


def source_hash(name: str) -> str:
    """What an executed notebook depends on: the notebook itself and the course's helper package."""
    digest = hashlib.sha256((SOLUTIONS / f"{name}.ipynb").read_bytes())
    for path in sorted((ROOT / "course_utils").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def executed(name: str, cache: Path) -> nbformat.NotebookNode:
    """The solution notebook with its outputs, from the cache or from a fresh kernel run."""
    path, key = cache / f"{name}.ipynb", source_hash(name)
    if path.exists():
        notebook = nbformat.read(path, as_version=4)
        if notebook.metadata.get("course_build_hash") == key:
            return notebook
    notebook = nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as sockets:
        # IPC sockets, not TCP ports: kernels started at the same time (here or by other programs) cannot
        # pick the same port and talk to the wrong client
        kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
        try:
            NotebookClient(notebook, km=kernel, timeout=CELL_TIMEOUT,
                           resources={"metadata": {"path": str((SOLUTIONS / name).parent)}}).execute()
        finally:  # nbclient leaves a kernel it was handed running: stop it, or every notebook's kernel stays in memory
            kernel.shutdown_kernel(now=True)
    print(f"  {name}: выполнен за {time.perf_counter() - start:.0f} с", flush=True)
    notebook.metadata["course_build_hash"] = key
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return notebook


def textbook_page(name: str, solved: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student notebook with the solved run's outputs; stubs stay empty, hidden-test cells go."""
    page = nbformat.read(CHAPTERS / f"{name}.ipynb", as_version=4)
    outputs = {cell.get("id"): cell for cell in solved.cells}
    cells = []
    for cell in page.cells:
        grader = cell.metadata.get("nbgrader", {})
        if grader.get("grade_id", "").endswith("_hidden"):
            continue
        if cell.cell_type == "code" and not grader.get("solution"):
            cell.outputs = outputs[cell.id].outputs
            cell.execution_count = outputs[cell.id].execution_count
        cells.append(cell)
    page.cells = cells
    return page


def stage(output: Path, toc: dict, pages: dict[str, nbformat.NotebookNode], partial: bool) -> Path:
    """Writes the site's sources: the pages, the table of contents, the root page, the local MathJax.

    A partial site (``--only``) does not check the root page's links to the notebooks it leaves out."""
    src = output / "src"
    shutil.rmtree(src, ignore_errors=True)
    for name, page in pages.items():
        (src / "chapters" / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(page, src / "chapters" / f"{name}.ipynb")
    shutil.copy(ROOT / "README.md", src / "README.md")
    shutil.copytree(ROOT / "benchmarks" / "screens", src / "benchmarks" / "screens")  # the root page shows them
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    if partial:
        config["sphinx"]["config"]["suppress_warnings"] = ["myst.xref_missing"]
    for name, content in (("_config.yml", config), ("_toc.yml", toc)):
        (src / name).write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # not under src/_static: Jupyter Book would add every .js file found there to each page
    shutil.copytree(MATHJAX, src / "mathjax_static" / "mathjax")
    return src


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="только эти ноутбуки, например 01_math/01_linear_algebra")
    parser.add_argument("--output", type=Path, default=ROOT / "_build" / "book")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="ядер Jupyter одновременно")
    args = parser.parse_args()
    start = time.perf_counter()
    toc, names = toc_entries(args.only)
    print(f"Выполняем {len(names)} ноутбуков ({args.jobs} одновременно)…", flush=True)
    os.environ.setdefault("COURSE_THREADS", "1")
    os.environ.pop("MPLBACKEND", None)  # the kernels draw inline, as in Jupyter (a test run may have set Agg)
    # one kernel per fresh process: nbclient is not thread-safe, and forked kernel clients hang
    with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        solved = dict(zip(names, pool.map(partial(executed, cache=args.output / "executed"), names)))
    src = stage(args.output, toc, {name: textbook_page(name, solved[name]) for name in names}, bool(args.only))
    result = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(src), "--path-output",
                             str(args.output)], text=True)
    if result.returncode:
        raise SystemExit(result.returncode)
    print(f"Сайт: {args.output / '_build' / 'html' / 'index.html'} ({time.perf_counter() - start:.0f} с)")


if __name__ == "__main__":
    main()
