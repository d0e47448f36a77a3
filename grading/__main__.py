"""Команда преподавателя: ``python -m grading 00_history`` (или ``make grade A=00_history``)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import report, sandbox
from .run import grade_class


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grading", description=(
        "Проверяет главу у всего класса: каждая сдача в песочнице, отчёт в reports/<глава>.md. "
        "Код выхода 1 — кто-то требует внимания преподавателя."))
    parser.add_argument("assignment", help="глава, например 00_history")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="папка курса (по умолчанию текущая)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="сколько сдач проверять параллельно")
    parser.add_argument("--force", action="store_true", help="проверить заново и те сдачи, что не менялись")
    parser.add_argument("--submission-timeout", type=int, default=1200, help="секунд на всю сдачу студента")
    parser.add_argument("--cell-timeout", type=int, default=None, help="секунд на ячейку (по умолчанию из конфига)")
    parser.add_argument("--memory-mb", type=int, default=sandbox.Limits.memory_mb, help="память ядра, МБ")
    parser.add_argument("--no-sandbox", action="store_true", help="проверять без песочницы (опасно)")
    args = parser.parse_args(argv)
    course = args.course.resolve()
    if not (course / "nbgrader_config.py").exists():
        parser.error(f"в {course} нет nbgrader_config.py: запустите из папки курса или укажите --course")
    if not (course / "chapters" / args.assignment).is_dir():
        parser.error(f"главы {args.assignment} нет в chapters/: сначала выпустите её (make release)")
    why = "выключена ключом --no-sandbox" if args.no_sandbox else sandbox.problem()
    sandboxed = why is None
    if not sandboxed:
        print(f"\n{'!' * 80}\n{report.NO_SANDBOX}\nПричина: {why}.\n{'!' * 80}\n", file=sys.stderr)
    limits = sandbox.Limits(memory_mb=args.memory_mb, cpu_seconds=2 * args.submission_timeout)
    results, summary = grade_class(course, args.assignment, jobs=args.jobs, force=args.force, sandboxed=sandboxed,
                                   submission_timeout=args.submission_timeout, cell_timeout=args.cell_timeout,
                                   limits=limits)
    attention = [r.student for r in results if r.needs_attention]
    print(f"Проверено {summary['graded']} из {summary['students']} сдач за {summary['seconds']} с. "
          f"Отчёт: {course / 'reports' / (args.assignment + '.md')}")
    if attention or summary["problems"]:
        print(f"Требуют внимания: {', '.join(attention) or '—'}; сбои проверки: {len(summary['problems'])}.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
