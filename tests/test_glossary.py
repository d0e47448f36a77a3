"""One term per concept, and a repository that stands alone. The glossary (docs/glossary.md) lists, for each
concept, the variants not to write; none of them may appear in the markdown of any notebook."""
from __future__ import annotations

import re
import subprocess

import pytest

from notebooks import CHAPTERS, ROOT, SOLUTIONS, load, notebooks, source

GLOSSARY = ROOT / "docs" / "glossary.md"


def banned() -> dict[str, list[str]]:
    """Course term → the regular expressions of its banned variants, read from the glossary table."""
    rows = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2] and cells[0] not in ("понятие (англ.)", "---"):
            rows[cells[1]] = [p.strip().strip("`").strip() for p in cells[2].split(";") if p.strip()]
    return rows


def test_the_glossary_names_banned_variants():
    rows = banned()
    assert len(rows) >= 15
    for patterns in rows.values():
        for pattern in patterns:
            re.compile(pattern)


@pytest.mark.parametrize("path", notebooks(SOLUTIONS) + notebooks(CHAPTERS),
                         ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_no_banned_variant_in_the_prose(path):
    prose = "\n".join(source(c) for c in load(path)["cells"] if c["cell_type"] == "markdown")
    found = [f"{term}: «{m.group(0)}»" for term, patterns in banned().items() for pattern in patterns
             for m in re.finditer(pattern, prose, flags=re.IGNORECASE)]
    assert not found, found


def test_the_repository_stands_alone():
    """No file points to a design guide outside the repository: the project's own is docs/authoring.md."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    outside = [name for name in tracked if (ROOT / name).is_file() and name != "tests/test_glossary.py"
               and re.search(r"\.\./shared|COURSE_GUIDE", (ROOT / name).read_text(encoding="utf-8", errors="ignore"))]
    assert not outside, outside
    assert "docs/authoring.md" in (ROOT / "README.md").read_text(encoding="utf-8")
