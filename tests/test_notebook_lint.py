"""Notebook lint: nbgrader metadata, naming, anatomy, clean outputs, and the site's table of contents."""
import ast
import importlib
import re
from types import FunctionType, ModuleType

import nbformat
import pytest
import yaml

from course_utils.env import REPO_URL

from notebooks import (ASSIGNMENTS, CHAPTERS, ROOT, SOLUTIONS, exercise_ids, load, nbgrader, notebooks,
                       source)

SOURCE_NOTEBOOKS = notebooks(SOLUTIONS)
ALL_NOTEBOOKS = SOURCE_NOTEBOOKS + notebooks(CHAPTERS)
GRADE_ID = re.compile(r"^\d\d_[a-z0-9_]*[a-z0-9]$")
COLAB_BOOTSTRAP = f'"{REPO_URL}",\n                        "/content/course"'  # scripts/set_repo_url.py writes it


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def test_every_chapter_has_notebooks():
    assert ASSIGNMENTS, "solutions/ holds no chapter"
    for assignment in ASSIGNMENTS:
        names = [p.name for p in (SOLUTIONS / assignment).glob("*.ipynb")]
        assert names and all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", n) for n in names), names


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_notebook_is_valid_clean_and_python3(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells with outputs: {dirty}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_anatomy_title_and_setup(path):
    cells = load(path)["cells"]
    title, setup = cells[0], cells[1]
    assert title["cell_type"] == "markdown"
    assert re.match(r"# Глава \d+\. .+ · \d+\. ", source(title)), "title: «# Глава N. <глава> · M. <тема>»"
    for part in ("Что вы узнаете", "⏱", "Что нужно знать заранее"):
        assert part in source(title), f"title cell lacks «{part}»"
    assert setup["cell_type"] == "code" and "setup(" in source(setup) and COLAB_BOOTSTRAP in source(setup)
    assert "## Итоги" in source(cells[-1]), "the last cell is the summary"


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=ids(SOURCE_NOTEBOOKS))
def test_nbgrader_cells(path):
    nb = load(path)
    assignment = path.parent.name
    graded = [c for c in nb["cells"] if nbgrader(c)]
    assert graded, "a chapter notebook has at least one exercise"
    for cell in graded:
        meta = nbgrader(cell)
        assert meta["schema_version"] == 3
        match = GRADE_ID.match(meta["grade_id"])
        assert match and meta["grade_id"].startswith(assignment + "_"), (
            f"grade_id {meta['grade_id']} must start with {assignment}_")
        assert cell["id"] == meta["grade_id"]
        if meta["grade"]:
            assert meta["locked"] and meta["points"] > 0, f"{meta['grade_id']}: grade cells are locked, with points"
    for exercise in exercise_ids(nb):
        cells = {nbgrader(c)["grade_id"]: c for c in graded}
        solution = source(cells[exercise])
        assert "### BEGIN SOLUTION" in solution and "### END SOLUTION" in solution
        visible, hidden = cells.get(f"{exercise}_visible"), cells.get(f"{exercise}_hidden")
        assert visible and hidden, f"{exercise}: needs a visible and a hidden test cell"
        assert nbgrader(visible)["grade"] and nbgrader(hidden)["grade"]
        assert "HIDDEN TESTS" not in source(visible)
        assert "### BEGIN HIDDEN TESTS" in source(hidden) and "### END HIDDEN TESTS" in source(hidden)


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=ids(SOURCE_NOTEBOOKS))
def test_test_cells_do_not_end_in_a_value(path):
    """nbgrader reads a test cell's final value as partial credit, so no test cell may end in a bare value."""
    for cell in load(path)["cells"]:
        if nbgrader(cell).get("grade") and cell["cell_type"] == "code":
            body = ast.parse(source(cell)).body
            assert body, nbgrader(cell)["grade_id"]
            last = body[-1]
            assert not (isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call)), nbgrader(cell)["grade_id"]


def test_grade_ids_are_unique_across_the_course():
    seen = {}
    for path in SOURCE_NOTEBOOKS:
        for cell in load(path)["cells"]:
            grade_id = nbgrader(cell).get("grade_id")
            if grade_id:
                assert grade_id not in seen, f"{grade_id} in {path} and {seen[grade_id]}"
                seen[grade_id] = path


def test_table_of_contents_lists_every_student_notebook_in_order():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    listed = [entry["file"] for part in toc["parts"] for entry in part["chapters"]]
    expected = [str(p.relative_to(ROOT).with_suffix("")) for p in SOURCE_NOTEBOOKS]
    assert listed == [e.replace("solutions/", "chapters/", 1) for e in expected]
    for part in toc["parts"]:  # sidebar titles: the part caption already names the chapter
        for entry in part["chapters"]:
            heading = source(load(ROOT / f"{entry['file']}.ipynb")["cells"][0]).splitlines()[0]
            chapter, title = heading.removeprefix("# ").split(" · ", 1)
            assert part["caption"] == chapter and entry["title"] == title, (entry, heading)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "solutions/*" in config["exclude_patterns"]


def _module_level_names(code: str) -> set[str]:
    """Names a cell assigns at notebook level (not the local variables of the functions it defines)."""
    names = set()
    nodes = list(ast.iter_child_nodes(ast.parse(code)))
    while nodes:
        node = nodes.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.alias,)):
            names.add((node.asname or node.name).split(".")[0])
        elif not isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            nodes.extend(ast.iter_child_nodes(node))
    return names


def _loaded_names(code: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _exercise_of(grade_id: str) -> str:
    return re.sub(r"_(visible|hidden)$", "", grade_id)


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=ids(SOURCE_NOTEBOOKS))
def test_test_cells_define_no_long_functions(path):
    """Grading logic lives in graders/; a test cell is teaching material and stays short."""
    for cell in load(path)["cells"]:
        if nbgrader(cell).get("grade") and cell["cell_type"] == "code":
            for node in ast.walk(ast.parse(source(cell))):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    length = node.end_lineno - node.lineno + 1
                    assert length <= 4, f"{nbgrader(cell)['grade_id']}: {node.name} is {length} lines long"


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=ids(SOURCE_NOTEBOOKS))
def test_test_cells_use_no_names_of_other_exercises(path):
    """An exercise's tests read nothing that another exercise's answer or tests define (each is graded alone)."""
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    defined_by = {}  # exercise (or None for setup and demo cells) → names its cells assign
    for cell in cells:
        exercise = _exercise_of(nbgrader(cell).get("grade_id", "")) or None
        defined_by.setdefault(exercise, set()).update(_module_level_names(source(cell)))
    for cell in cells:
        if not nbgrader(cell).get("grade"):
            continue
        exercise = _exercise_of(nbgrader(cell)["grade_id"])
        others = set().union(*(names for owner, names in defined_by.items() if owner not in (exercise, None)))
        borrowed = _loaded_names(source(cell)) & others - defined_by[exercise] - defined_by.get(None, set())
        assert not borrowed, f"{nbgrader(cell)['grade_id']} uses names of other exercises: {sorted(borrowed)}"


def _imported_objects(code: str) -> list[tuple[str, object]]:
    """(module, object) for each object that `from course_utils… import …` / `import course_utils…` lines of a cell
    make reachable, with the module it comes from; an imported module brings along every name it holds."""
    reachable = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_utils"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if value is None:
                    value = importlib.import_module(f"{node.module}.{alias.name}")
                reachable.append((node.module, value))
        elif isinstance(node, ast.Import):
            reachable += [(a.name, importlib.import_module(a.name)) for a in node.names
                          if a.name.startswith("course_utils.")]
    for _, value in list(reachable):
        if isinstance(value, ModuleType):
            reachable += [(value.__name__, item) for item in vars(value).values()]
    return reachable


def _defining_modules(references) -> set[str]:
    """Modules that define a reference answer: its own module and, for a class, the course_utils modules of its
    base classes (the reference MiniGPT of graders is a subclass of course_utils.gpt.GPT)."""
    modules = set()
    for reference in references:
        if isinstance(reference, type):
            modules |= {c.__module__ for c in reference.__mro__ if c.__module__.startswith("course_utils")}
        if isinstance(reference, (type, FunctionType)):
            modules.add(reference.__module__)
    return modules


@pytest.mark.parametrize("path", notebooks(CHAPTERS), ids=ids(notebooks(CHAPTERS)))
def test_chapter_notebooks_import_no_reference_answer_of_their_chapter(path):
    """A chapter-N notebook reaches no answer of chapter N: it imports neither a reference answer nor anything from a
    module that defines one (the module it imports from, the imported module itself, or the object's own module).
    So chapter 03 takes its given parts from course_utils.gpt_parts, as course_utils.gpt holds its Block and GPT."""
    import graders

    references = [r for r in graders.chapter_registry(f"graders.ch{path.parent.name}", "REFERENCES").values()
                  if callable(r)]
    answer_modules = _defining_modules(references)
    for cell in load(path)["cells"]:
        if cell["cell_type"] != "code":
            continue
        for module, value in _imported_objects(source(cell)):
            assert not any(value is r for r in references), \
                f"{path.name} imports the reference answer {value.__name__} of its own chapter (from {module})"
            own = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
            leaking = {module, own} & answer_modules
            assert not leaking, f"{path.name} imports {getattr(value, '__name__', type(value).__name__)} from " \
                                f"{module}, but {', '.join(sorted(leaking))} defines reference answers of its chapter"
