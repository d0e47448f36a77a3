"""«Страж» ядра при автопроверке: запускается в ядре до первой ячейки студента.

Он запоминает функции, которыми проверяют ответы (``course_utils.checks``, сравнения numpy, torch и math,
встроенные функции), преобразователи ввода IPython и отправку сообщений ядра, и до и после каждой ячейки
возвращает подменённое на место, печатая строку с ``MARK``: команда проверки переносит такие строки в отчёт.
``exit()`` и ``os._exit`` в ядре не завершают его. Внутри ядра студент может обойти и стража — это вторая линия
защиты после статической проверки (grading.scan), а не замена ей.
"""
from __future__ import annotations

import builtins
import math
import os

MARK = "Автопроверка: восстановлено подменённое"
COMPARISONS = {"numpy": ("allclose", "isclose", "array_equal", "asarray", "isnan"),
               "torch": ("allclose", "isclose", "equal", "is_tensor"),
               "math": ("isclose", "isnan", "isfinite")}

_saved: dict[tuple[object, str], object] = {}
_transformers: dict[str, list] = {}
_restored: set[str] = set()


def _remember(owner, name: str) -> None:
    _saved[(owner, name)] = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name)


def install() -> None:
    """Запоминает исходные объекты и вешает восстановление на каждую ячейку (событие pre_run_cell)."""
    import numpy
    import torch
    from course_utils import checks
    from IPython import get_ipython
    from jupyter_client.session import Session

    modules = {"numpy": numpy, "torch": torch, "math": math}
    for module_name, names in COMPARISONS.items():
        for name in names:
            _remember(modules[module_name], name)
    for name, value in vars(checks).items():
        if callable(value) and not name.startswith("__"):
            _remember(checks, name)
    for name in ("isinstance", "type", "len", "abs", "float", "int", "print", "getattr", "all", "any"):
        _remember(builtins, name)
    _remember(Session, "send")
    shell = get_ipython()
    for name in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
        _transformers[name] = list(getattr(shell, name))
    shell.ask_exit = _refuse_exit
    os._exit = _exit_only_children(os._exit, os.getpid())
    _remember(os, "_exit")
    # Преобразователи ввода работают до pre_run_cell, поэтому восстановление идёт и после каждой ячейки.
    shell.events.register("pre_run_cell", restore)
    shell.events.register("post_run_cell", restore)


def restore(*_info) -> list[str]:
    """Возвращает подменённое на место; печатает и возвращает имена восстановленного."""
    from IPython import get_ipython

    names = []
    for (owner, name), original in _saved.items():
        current = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
        if current is not original:
            setattr(owner, name, original)
            names.append(f"{getattr(owner, '__name__', owner)}.{name}")
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is not None and "send" in vars(kernel.session):
        del kernel.session.send
        names.append("session.send")
    for name, original in _transformers.items():
        if getattr(shell, name) != original:
            getattr(shell, name)[:] = original
            names.append(f"IPython.{name}")
    for name in names:
        if name not in _restored:
            _restored.add(name)
            print(f"⚠ {MARK}: {name}.")
    return names


def _refuse_exit(*_args, **_kwargs) -> None:
    print("exit() при автопроверке не завершает ядро: остальные ячейки выполняются дальше.")


def _exit_only_children(real_exit, kernel_pid: int):
    """os._exit, который завершает дочерние процессы, но в самом ядре превращается в SystemExit."""
    def _exit(code=0):
        if os.getpid() == kernel_pid:
            raise SystemExit(f"os._exit({code}) при автопроверке не завершает ядро.")
        real_exit(code)
    return _exit
