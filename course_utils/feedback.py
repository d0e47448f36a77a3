"""Как ноутбук показывает результат проверки: коротко, по-русски, без внутренних кадров.

``setup()`` подключает этот показ в Jupyter (и в Colab). Неудачная проверка (``CheckError``) выводит красный блок:
предложение проверки (что ожидалось, что получено, подсказка) и, если ошибка случилась в коде студента, ту его
строку. Кадры ``course_utils``, torch и numpy не показываются; полный traceback остаётся в одном шаге: ``%tb`` в
новой ячейке. ``NameError`` подсказывает сначала выполнить ячейку, где имя задаётся. Для Jupyter и nbgrader это
по-прежнему ошибка ячейки: ячейка проверки с таким выводом получает 0 баллов.
"""
from __future__ import annotations

import linecache
import sys
import traceback

from .checks import CheckError, _LIBRARY_DIRS

RED, DIM, RESET = "\x1b[1;31m", "\x1b[2m", "\x1b[0m"
FULL_TRACEBACK_HINT = "Полный traceback: выполните %tb в новой ячейке."


def install() -> bool:
    """Подключает короткий показ ошибок к текущему ядру IPython; вне IPython ничего не делает."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((CheckError, NameError), _show)
    return True


def _show(shell, etype, value, tb, tb_offset=None):
    """Обработчик IPython: выводит короткий блок как ошибку ячейки и запоминает её для %tb."""
    if isinstance(value, UnboundLocalError):  # подкласс NameError, но имя есть — его просто ещё не присвоили
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
    lines = report(value, tb)
    shell._showtraceback(etype, value, lines)  # то же сообщение «error», что и у обычного traceback
    return lines


def report(error: BaseException, tb=None) -> list[str]:
    """Строки короткого блока для ошибки ``error`` (``tb`` — её traceback, если он уже отделён от неё)."""
    tb = tb if tb is not None else error.__traceback__
    if isinstance(error, NameError) and not isinstance(error, CheckError):
        name = getattr(error, "name", None) or str(error)
        lines = [f"{RED}✗ Имя «{name}» ещё не определено.{RESET}",
                 "Сначала выполните ячейку, где оно задаётся: обычно это ячейка с упражнением выше "
                 "(и ячейки перед ней: Run → Run All Above). Если имя ваше — проверьте, нет ли в нём опечатки."]
        own = _student_line(tb, include_cells=True)
    else:
        lines = [f"{RED}✗ Проверка не пройдена.{RESET}", str(error)]
        cause = error.__cause__
        own = _student_line(cause.__traceback__) if cause is not None else None
    if own:
        lines.append(own)
    lines.append(f"{DIM}{FULL_TRACEBACK_HINT}{RESET}")
    return lines


def _student_line(tb, include_cells: bool = False) -> str | None:
    """«Ваш код (функция f, строка N): …» — последний кадр вне библиотек и course_utils.

    Кадры верхнего уровня ячеек (``<module>``) — это ячейки проверки; их берём только с ``include_cells``.
    """
    frames = [f for f in traceback.extract_tb(tb) if not f.filename.startswith(_LIBRARY_DIRS)
              and (include_cells or f.name != "<module>")]
    if not frames:
        return None
    frame = frames[-1]
    code = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    where = f"Ваш код (функция {frame.name}, строка {frame.lineno})" if frame.name != "<module>" else (
        f"Строка {frame.lineno} этой ячейки")
    return f"{where}: {code}" if code else None
