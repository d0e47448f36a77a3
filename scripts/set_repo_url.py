"""Вписывает адрес репозитория (course_utils.env.REPO_URL) в ячейку настройки каждого ноутбука solutions/.

Ноутбук в Colab сначала клонирует курс и лишь потом может импортировать course_utils, поэтому адрес записан в
самой ячейке; этот скрипт держит его в согласии с одной константой. После него: `make release`.
Usage: python scripts/set_repo_url.py
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils.env import REPO_URL  # noqa: E402

CLONE_URL = re.compile(r'(subprocess\.run\(\["git", "clone", "-q", "--depth", "1", )"[^"]+"')


def main() -> None:
    changed = 0
    for path in sorted(ROOT.glob("solutions/*/*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
        new = CLONE_URL.sub(lambda m: f'{m.group(1)}"{REPO_URL}"', setup.source)
        if new != setup.source:
            setup.source = new
            nbformat.write(notebook, path)
            changed += 1
    print(f"Адрес {REPO_URL}: изменено ноутбуков — {changed}. Теперь выполните make release.")


if __name__ == "__main__":
    main()
