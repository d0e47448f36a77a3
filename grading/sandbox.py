"""Песочница ядра при автопроверке (bubblewrap).

Ядро студента видит систему только для чтения: курс — лишь ``course_utils``, ``graders``, ``grading`` и
``data``, окружение Python — целиком, но без права записи. Всё остальное в папке курса (журнал оценок,
сданные работы, ``solutions/``) и чужие временные папки скрыты. Сеть отключена, у процессов свой
PID-namespace (ничто не переживёт ядро), память и процессорное время ограничены. Рабочая папка — одноразовая
копия; клиент nbgrader общается с ядром через unix-сокеты в отдельной папке и живёт снаружи.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

COURSE_ROOT = Path(__file__).resolve().parent.parent
VISIBLE_COURSE_DIRS = ("course_utils", "graders", "grading", "data")
# Переменные окружения, через которые команда проверки настраивает ядра в процессах nbgrader.
BOX_DIR_ENV = "COURSE_SANDBOX_DIR"
MEMORY_ENV = "COURSE_SANDBOX_MEMORY_MB"
CPU_ENV = "COURSE_SANDBOX_CPU_SECONDS"
HIDE_ENV = "COURSE_SANDBOX_HIDE"
GUARD_LINE = "import grading.guard; grading.guard.install()"


@dataclass(frozen=True)
class Limits:
    """Пределы одного ядра: память (адресное пространство), процессорное время, размер файла, /tmp."""
    memory_mb: int = 4096
    cpu_seconds: int = 1800
    file_mb: int = 512
    tmp_mb: int = 256

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(memory_mb=int(os.environ.get(MEMORY_ENV, cls.memory_mb)),
                   cpu_seconds=int(os.environ.get(CPU_ENV, cls.cpu_seconds)))


def bwrap() -> str | None:
    """Путь к bubblewrap или None, если его нет (тогда проверка идёт без песочницы, с предупреждением)."""
    return shutil.which("bwrap")


@functools.cache
def _supports_size() -> bool:
    """bubblewrap до 0.7 не знает --size (размер /tmp): тогда /tmp без предела."""
    found = bwrap()
    return bool(found) and "--size" in subprocess.run([found, "--help"], capture_output=True, text=True).stdout


def problem() -> str | None:
    """Почему песочница не работает на этой машине (нет bubblewrap, запрещены пространства имён), или None."""
    if bwrap() is None:
        return "bubblewrap не найден (Debian/Ubuntu: apt-get install bubblewrap)"
    with tempfile.TemporaryDirectory() as folder:
        trial = command(["true"], cwd=Path(folder), work=Path(folder), sockets=Path(folder), limits=Limits())
        done = subprocess.run(trial, capture_output=True, text=True)
    return None if done.returncode == 0 else f"bubblewrap не запускается: {done.stderr.strip()[:300]}"


def command(kernel_cmd: list[str], *, cwd: Path, work: Path, sockets: Path, limits: Limits) -> list[str]:
    """Команда, запускающая ``kernel_cmd`` в песочнице: ``work`` видна ядру под именем ``cwd``."""
    mb = 1024 * 1024
    prefix = Path(sys.prefix).resolve()
    base = Path(sys.base_prefix).resolve()
    box = [bwrap() or "bwrap", "--die-with-parent", "--unshare-all", "--cap-drop", "ALL",
           "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
           *(["--size", str(limits.tmp_mb * mb)] if _supports_size() else []), "--tmpfs", "/tmp"]
    extra = [p for p in os.environ.get(HIDE_ENV, "").split(os.pathsep) if p]
    for hidden in ("/var/tmp", "/run", "/root", "/home", str(COURSE_ROOT), *extra):
        if Path(hidden).is_dir():
            box += ["--tmpfs", hidden]
    for path in {prefix, base} | {COURSE_ROOT / name for name in VISIBLE_COURSE_DIRS}:
        if path.exists():
            box += ["--ro-bind", str(path), str(path)]
    if Path(sys.prefix).absolute() != prefix:  # окружение за символической ссылкой: ядро запускают по её пути
        box += ["--ro-bind", str(prefix), str(Path(sys.prefix).absolute())]
    box += ["--bind", str(work), str(cwd), "--bind", str(sockets), str(sockets), "--chdir", str(cwd),
            "--unsetenv", "JPY_PARENT_PID", "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp"]
    rlimits = ["prlimit", f"--as={limits.memory_mb * mb}", f"--cpu={limits.cpu_seconds}",
               f"--fsize={limits.file_mb * mb}", "--core=0", "--"]
    return rlimits + box + ["--", *kernel_cmd]


class GuardedKernelManager(AsyncKernelManager):
    """Ядро со «стражем» (grading.guard) и прерыванием через сообщение, без песочницы."""

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        return super().format_kernel_cmd(extra_arguments) + [f"--IPKernelApp.exec_lines={GUARD_LINE}"]


class SandboxKernelManager(GuardedKernelManager):
    """Ядро в песочнице bubblewrap; сокеты и рабочая папка — в одноразовой папке внутри BOX_DIR_ENV."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._box = Path(tempfile.mkdtemp(prefix="kernel-", dir=os.environ.get(BOX_DIR_ENV)))
        (self._box / "sockets").mkdir()
        self.transport = "ipc"
        self.ip = str(self._box / "sockets" / "kernel")
        self.connection_file = str(self._box / "sockets" / "connection.json")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        cwd = Path(kw.get("cwd") or os.getcwd()).resolve()
        work = self._box / "work"
        shutil.copytree(cwd, work, symlinks=True)
        kw["cwd"] = str(self._box)
        boxed = command(kernel_cmd, cwd=cwd, work=work, sockets=self._box / "sockets", limits=Limits.from_env())
        await super()._async_launch_kernel(boxed, **kw)
