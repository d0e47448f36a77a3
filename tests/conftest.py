"""Fixtures shared by the tests: a temporary nbgrader course made from this repository's solutions/."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("MPLBACKEND", "Agg")

from notebooks import ASSIGNMENTS, ROOT  # noqa: E402


def nbgrader(course: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    """Runs `nbgrader ARGS` in a temporary course directory with its own gradebook."""
    env = dict(os.environ, COURSE_GRADEBOOK_DIR=str(course / ".nbgrader"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """A fresh course directory: solutions/ and the repository's nbgrader config, released into chapters/."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for assignment in ASSIGNMENTS:
        nbgrader(course, "generate_assignment", assignment, "--force")
    return course


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Groups for `--dist loadgroup`: a whole test file goes to one worker (its module fixtures are built once),
    except the two slowest files, split by chapter: one chapter's tests of test_notebooks.py (its in-process
    notebook runs) and of test_autograde.py (its nbgrader run) share a group. xdist hands out the groups with the
    most tests first, so these long ones start early instead of trailing at the end."""
    for item in items:
        group = item.path.stem
        params = getattr(item, "callspec", None) and item.callspec.params
        if item.path.name == "test_notebooks.py":
            group = "chapter-" + params["notebook"].parent.name
        elif item.path.name == "test_autograde.py":
            group = "chapter-" + (params or {}).get("assignment", "00_history")
        item.add_marker(pytest.mark.xdist_group(group))
