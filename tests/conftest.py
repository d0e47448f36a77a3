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
