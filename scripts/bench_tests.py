"""Benchmark of the test suite: run `pytest` once (what `make test` runs) and report its wall time per phase.

Usage: python scripts/bench_tests.py [PYTEST ARGS...]    (writes benchmarks/tests.{json,md})

A phase is a test file; its time is the sum of its tests' setup, call and teardown (pytest's JUnit report), so the
module fixtures that execute notebooks or run nbgrader are counted in the file that uses them. The budget
(docs/authoring.md §6): ≤ 25 min for the whole suite with all seven chapters, install excluded. A report, never a test.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks"


def run_suite(extra: list[str]) -> tuple[float, list[dict], int]:
    """Runs pytest; returns its wall time, every test's (file, name, seconds, outcome) and its exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        start = time.perf_counter()
        code = subprocess.run([sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *extra], cwd=ROOT).returncode
        wall = time.perf_counter() - start
        tests = []
        for case in ET.parse(report).getroot().iter("testcase"):
            outcome = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
            tests.append({"file": case.get("classname", "").replace(".", "/") + ".py", "name": case.get("name"),
                          "seconds": float(case.get("time", 0)), "outcome": outcome})
    return wall, tests, code


def markdown(wall: float, phases: dict[str, dict], slowest: list[dict], outcomes: dict[str, int]) -> str:
    lines = ["# Время набора тестов", "",
             f"`python -m pytest` (то, что вызывает `make test`, без установки): **{wall / 60:.1f} мин** "
             f"({wall:.0f} с), тестов: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) + ".", "",
             "| файл (фаза) | тестов | время, с |", "|---|---:|---:|"]
    lines += [f"| `{name}` | {p['tests']} | {p['seconds']:.1f} |" for name, p in phases.items()]
    lines += ["", "Самые долгие тесты (с подготовкой фикстур):", "", "| тест | время, с |", "|---|---:|"]
    lines += [f"| `{t['file']}::{t['name']}` | {t['seconds']:.1f} |" for t in slowest]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    wall, tests, code = run_suite(argv)
    phases: dict[str, dict] = {}
    for test in tests:
        phase = phases.setdefault(test["file"], {"tests": 0, "seconds": 0.0})
        phase["tests"] += 1
        phase["seconds"] = round(phase["seconds"] + test["seconds"], 1)
    phases = dict(sorted(phases.items(), key=lambda item: -item[1]["seconds"]))
    slowest = sorted(tests, key=lambda t: -t["seconds"])[:10]
    outcomes: dict[str, int] = {}
    for test in tests:
        outcomes[test["outcome"]] = outcomes.get(test["outcome"], 0) + 1
    OUT.mkdir(exist_ok=True)
    report = {"wall_seconds": round(wall, 1), "exit_code": code, "outcomes": outcomes, "phases": phases,
              "slowest": slowest}
    (OUT / "tests.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (OUT / "tests.md").write_text(markdown(wall, phases, slowest, outcomes), encoding="utf-8")
    print(f"{wall:.0f} s; written {OUT / 'tests.json'} and {OUT / 'tests.md'}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
