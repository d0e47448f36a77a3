"""Отчёт о проверке главы: reports/<глава>.md для чтения и reports/<глава>.json для программ."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

NO_SANDBOX = ("ВНИМАНИЕ: проверка шла БЕЗ ПЕСОЧНИЦЫ (bubblewrap не найден или выключен): код студентов "
              "выполнялся с правами преподавателя и мог изменить журнал, чужие работы и файлы курса.")


def _score(result) -> str:
    return "—" if result.score is None else f"{result.score:g} из {result.max_score:g}"


def markdown(summary: dict, results: list) -> str:
    """Текст отчёта: сводка, кто требует внимания и почему, починки, таблица всех студентов."""
    attention = [r for r in results if r.needs_attention]
    lines = [f"# Проверка главы {summary['assignment']}", ""]
    if not summary["sandboxed"]:
        lines += [f"**{NO_SANDBOX}**", ""]
    lines += [f"Студентов: {summary['students']}; проверено сейчас: {summary['graded']}; требуют внимания: "
              f"{len(attention)}; время: {summary['seconds']} с, параллельно: {summary['jobs']}.", ""]
    if summary["problems"]:
        lines += ["## Сбои проверки", "", *[f"- {p}" for p in summary["problems"]], ""]
    if attention:
        lines += ["## Требуют внимания", ""]
        for r in attention:
            lines += [f"### {r.student} — {_score(r)}", "", *[f"- сбой: {f}" for f in r.failures],
                      *[f"- находка: {f}" for f in r.findings], ""]
    repaired = [r for r in results if r.repairs]
    if repaired:
        lines += ["## Починки сдач", "", *[f"- {r.student}: {note}" for r in repaired for note in r.repairs], ""]
    lines += ["## Все студенты", "", "| студент | баллы | проверен сейчас | секунд | внимание |", "|---|---|---|---:|---|"]
    lines += [f"| {r.student} | {_score(r)} | {'да' if r.graded else 'нет (сдача не менялась)'} | "
              f"{r.seconds:.1f} | {'да' if r.needs_attention else ''} |" for r in results]
    return "\n".join(lines) + "\n"


def write(folder: Path, summary: dict, results: list) -> Path:
    """Пишет reports/<глава>.md и .json; возвращает путь к .md."""
    folder.mkdir(exist_ok=True)
    path = folder / f"{summary['assignment']}.md"
    path.write_text(markdown(summary, results), encoding="utf-8")
    data = {**summary, "results": [asdict(r) for r in results]}
    path.with_suffix(".json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
