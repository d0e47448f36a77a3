"""Release sync: chapters/ is exactly what `nbgrader generate_assignment` makes from solutions/, and it holds
no solution code and no hidden test."""
import pytest

from notebooks import ASSIGNMENTS, CHAPTERS, SOLUTIONS, load, nbgrader, notebooks, source

STUDENT_NOTEBOOKS = notebooks(CHAPTERS)


def test_chapters_equal_a_fresh_release(course):
    fresh = sorted(p.relative_to(course / "chapters") for p in (course / "chapters").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(CHAPTERS) for p in CHAPTERS.rglob("*")
                       if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    assert committed == fresh, "chapters/ and a fresh release hold different files: run `make release`"
    for relative in fresh:
        assert (CHAPTERS / relative).read_bytes() == (course / "chapters" / relative).read_bytes(), \
            f"chapters/{relative} differs from a fresh release: run `make release` and commit"


def test_every_chapter_is_released():
    assert sorted(p.name for p in CHAPTERS.iterdir() if p.is_dir()) == ASSIGNMENTS
    assert [p.relative_to(CHAPTERS) for p in STUDENT_NOTEBOOKS] == \
        [p.relative_to(SOLUTIONS) for p in notebooks(SOLUTIONS)]


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=[p.name for p in STUDENT_NOTEBOOKS])
def test_student_notebook_holds_no_solution_and_no_hidden_test(path):
    secret, public = set(), set()
    for cell in load(SOLUTIONS / path.relative_to(CHAPTERS))["cells"]:
        text = source(cell)
        for block in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
            if block in text:
                before, rest = text.split(block, 1)
                inner, after = rest.split("### END", 1)
                secret |= {line.strip() for line in inner.splitlines() if len(line.strip()) > 12}
                text = before + after
        public |= {line.strip() for line in text.splitlines()}
    solution_lines = secret - public  # a line that a visible test also has is not a secret
    for cell in load(path)["cells"]:
        text = source(cell)
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        leaked = solution_lines & {line.strip() for line in text.splitlines()}
        assert not leaked, f"solution or hidden-test code leaked into {path.name}: {sorted(leaked)[:3]}"
        if nbgrader(cell).get("solution"):
            assert "raise NotImplementedError()" in text
