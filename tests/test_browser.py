"""What a student and a reader see in a real browser (Debian's Chromium, driven by Playwright; no browser download).

- JupyterLab from `make lab` on a scratch copy of chapters/: the student runs the setup cell, runs a failing check
  and reads the short Russian block, types a right answer and sees the green line, moves a slider and the figure
  is redrawn; nbgrader's instructor tools are not in the student's UI.
- The course site from `scripts/build_book.py` (two notebooks): formulas rendered by the local MathJax, figures of
  the executed run, exercises as stubs, no hidden-test text.

Screenshots go to a scratch folder, or to COURSE_SCREENS_DIR (benchmarks/screens/ when refreshing the README's).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lab_server import lab_server
from notebooks import ROOT, SOLUTIONS, load, nbgrader as meta, source

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="нет Chromium (apt-get install chromium): браузерные "
                                                        "тесты не запускались")
NOTEBOOK = "01_math/02_gradient_descent"
EXERCISE = "01_math_grad_central_difference"
SITE_NOTEBOOKS = [NOTEBOOK, "02_attention/02_scaled_dot_product"]
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def screens(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("COURSE_SCREENS_DIR") or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        yield chromium
        chromium.close()


def solution_code(grade_id: str) -> str:
    cells = load(SOLUTIONS / f"{NOTEBOOK}.ipynb")["cells"]
    code = next(source(c) for c in cells if meta(c).get("grade_id") == grade_id)
    return "\n".join(line for line in code.splitlines() if "SOLUTION" not in line)


class Notebook:
    """A JupyterLab notebook page, driven the way a student does it: click into a cell, Shift+Enter."""

    def __init__(self, page):
        self.page = page

    def cell(self, text: str):
        """The code cell whose code contains ``text``."""
        return self.page.locator(".jp-CodeCell").filter(has=self.page.locator(".jp-InputArea", has_text=text)).first

    def run(self, text: str):
        cell = self.cell(text)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputArea-editor").click()
        self.page.keyboard.press("Shift+Enter")
        self.wait_idle()
        return cell

    def run_all_up_to(self, text: str):
        """Shift+Enter on every code cell from the top to the one holding ``text``, waiting for each: a failing
        check stops nothing (Run All would stop at the first unsolved exercise)."""
        cells = self.page.locator(".jp-CodeCell")
        for index in range(cells.count()):
            cell = cells.nth(index)
            cell.scroll_into_view_if_needed()
            cell.locator(".jp-InputArea-editor").click()
            self.page.keyboard.press("Shift+Enter")
            self.wait_idle()
            if text in cell.locator(".jp-InputArea").inner_text():
                return cell
        raise AssertionError(f"no code cell holds {text!r}")

    def replace_code(self, text: str, code: str):
        editor = self.cell(text).locator(".jp-InputArea-editor")
        editor.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.insert_text(code)  # inserted as is: no auto-indent, like a paste

    def wait_idle(self):
        self.page.wait_for_function("() => ![...document.querySelectorAll('.jp-InputPrompt')]"
                                    ".some(p => p.textContent.includes('*'))", timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def student(browser, tmp_path_factory, screens):
    """The student's JupyterLab (make lab) on a scratch copy of chapters/, with the notebook open."""
    chapters = tmp_path_factory.mktemp("lab") / "chapters"
    shutil.copytree(ROOT / "chapters", chapters)
    with lab_server(LAB_DIR=str(chapters)) as (base, token):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/lab/tree/{NOTEBOOK}.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=TIMEOUT_MS)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=TIMEOUT_MS)
        yield Notebook(page)
        page.close()


def test_student_sees_validate_and_no_instructor_tools(student):
    page = student.page
    assert page.locator("[data-command='nbgrader:validate-assignment'], .validate-button").count() > 0 or (
        page.get_by_text("Validate").count() > 0), "the notebook toolbar has nbgrader's Validate button"
    for tool in ("Create Assignment", "Assignment List", "Formgrader", "Course List"):
        assert page.get_by_text(tool, exact=True).count() == 0, f"«{tool}» is an instructor's tool"
    assert page.get_by_text("Error fetching").count() == 0


def error_block(cell) -> str:
    return cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").inner_text()


def assert_short(block: str):
    assert "Traceback" not in block and "checks.py" not in block and "%tb" in block, block
    assert len(block.strip().splitlines()) <= 6, block


def test_failing_check_shows_a_short_russian_block(student, screens):
    cell = student.run("from course_utils import setup")
    student.page.screenshot(path=screens / "1_setup.png")
    assert "Ошибка" not in cell.locator(".jp-OutputArea").inner_text()
    test = "answer = checks.call(central_difference"
    block = error_block(student.run(test))  # the test before its exercise: a NameError
    assert "Имя «central_difference» ещё не определено" in block and "ячейка с упражнением" in block
    assert_short(block)
    student.run("def central_difference")  # the stub as released
    cell = student.run(test)
    block = error_block(cell)
    cell.scroll_into_view_if_needed()
    student.page.screenshot(path=screens / "2_failed_check.png")
    assert "✗ Проверка не пройдена" in block and "функция ещё не написана" in block
    assert_short(block)


def test_a_right_answer_shows_the_green_line(student, screens):
    student.replace_code("def central_difference", solution_code(EXERCISE))
    student.run("def central_difference")
    cell = student.run("answer = checks.call(central_difference")
    line = cell.locator(".jp-OutputArea-output", has_text="✓")
    line.scroll_into_view_if_needed()
    student.page.screenshot(path=screens / "3_passed_check.png")
    assert "Центральная разность" in line.inner_text()
    color = line.locator("span", has_text="✓").evaluate("e => getComputedStyle(e).color")
    red, green, blue = (int(v) for v in color[color.index("(") + 1:color.index(")")].split(",")[:3])
    assert green > 100 and green > red + 40 and green > blue + 40, f"the ✓ line is green, not {color}"


def test_moving_the_slider_redraws_the_figure(student, screens):
    page = student.page
    student.run_all_up_to("widgets.interact_plot(draw_descent")  # cell by cell, as a student goes through it
    slider = page.locator(".widget-slider").last
    slider.scroll_into_view_if_needed()
    figure = page.locator(".widget-output img").last
    figure.wait_for(state="attached", timeout=TIMEOUT_MS)
    before, readout = figure.get_attribute("src"), slider.locator(".widget-readout").inner_text()
    handle = slider.locator(".noUi-handle")
    handle.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("before => { const imgs = document.querySelectorAll('.widget-output img');"
                           " const img = imgs[imgs.length - 1]; return img && img.src !== before; }",
                           arg=before, timeout=TIMEOUT_MS)
    assert slider.locator(".widget-readout").inner_text() != readout
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)  # the last redraw reaches the page
    page.locator(".widget-output img").last.scroll_into_view_if_needed()
    page.screenshot(path=screens / "4_slider.png")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("book")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--output", str(output),
                             "--only", *SITE_NOTEBOOKS], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    sphinx_warnings = [line for line in (result.stdout + result.stderr).splitlines() if ": WARNING" in line]
    assert not sphinx_warnings, sphinx_warnings
    # a kernel that outlives its notebook dies only with the build's worker, and says so
    assert "Parent appears to have exited" not in result.stderr, "build_book.py left its kernels running"
    return output / "_build" / "html"


@pytest.mark.parametrize("name", SITE_NOTEBOOKS)
def test_site_page_shows_formulas_figures_and_no_hidden_tests(browser, site, screens, name):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto((site / "chapters" / f"{name}.html").as_uri())
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                           " && document.querySelectorAll('mjx-container svg').length > 0", timeout=TIMEOUT_MS)
    page.evaluate("() => MathJax.startup.promise")  # every formula typeset
    body = page.locator("article").inner_text()
    assert "\\(" not in body and "\\[" not in body, "a formula stayed raw LaTeX"
    images = page.locator("article img")
    assert images.count() > 0
    assert all(images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0") for i in range(images.count()))
    html = page.content()
    for leak in ("Скрытые тесты", "BEGIN HIDDEN", "BEGIN SOLUTION", "from graders"):
        assert leak not in html, f"the site shows «{leak}»"
    assert "raise NotImplementedError()" in body, "exercises are shown as stubs"
    page.screenshot(path=screens / f"site_{name.replace('/', '_')}.png")
    page.close()
