"""Замеры для графиков «сколько это стоит»: время одного вызова функции и пик памяти, который он добавляет."""
from __future__ import annotations

import ctypes
import ctypes.util
import math
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import torch


def best_time(fn: Callable, *args, repeat: int = 3, min_seconds: float = 0.01, slow_seconds: float = 0.2,
              sync: Callable[[], object] | None = None) -> float:
    """Время одного вызова ``fn(*args)`` в секундах: лучшее из ``repeat`` замеров.

    - Первый вызов — разогрев (выделение памяти, запуск потоков). Если он сам длился дольше
      ``slow_seconds``, его время и возвращается: медленную функцию дорого гонять повторно,
      а разогрев на фоне долгого счёта почти не виден.
    - Быстрые вызовы повторяются пачкой, пока пачка не займёт ``min_seconds``, иначе таймер слишком груб.
    - Из ``repeat`` пачек берётся самая быстрая: её меньше всех задели посторонние процессы.
    - ``sync`` вызывается после каждого замера. На GPU передайте ``torch.cuda.synchronize``:
      операции там асинхронные, и без синхронизации мы замерили бы только постановку задачи в очередь.
    """
    if repeat < 1:
        raise ValueError(f"repeat должен быть не меньше 1, получено {repeat}.")
    first = _seconds(fn, args, 1, sync)
    if first >= slow_seconds:
        return first
    number = 1
    while (total := _seconds(fn, args, number, sync)) < min_seconds:
        number *= 2
    times = [total / number] + [_seconds(fn, args, number, sync) / number for _ in range(repeat - 1)]
    return min(times)


def _seconds(fn: Callable, args: tuple, number: int, sync: Callable[[], object] | None) -> float:
    """Сколько секунд заняли ``number`` вызовов подряд (вместе с синхронизацией в конце)."""
    start = time.perf_counter()
    for _ in range(number):
        fn(*args)
    if sync is not None:
        sync()
    return time.perf_counter() - start


@contextmanager
def single_thread() -> Iterator[None]:
    """Внутри блока ``with`` PyTorch считает на одном ядре процессора; после блока число потоков возвращается.

    Так честнее сравнивать с циклом Python, который тоже занимает одно ядро, а замеры не «скачут»,
    когда другие ядра заняты посторонними программами.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


_STATUS = Path("/proc/self/status")
_M_MMAP_THRESHOLD = -3  # номер параметра mallopt в glibc
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_mb(key: str) -> float:
    return int(re.search(rf"{key}:\s+(\d+) kB", _STATUS.read_text()).group(1)) / 1024


def peak_memory_supported() -> bool:
    """Пик памяти процесса умеем сбрасывать и читать только в Linux (Colab — тоже Linux)."""
    try:
        _CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


def _release_free_memory() -> None:
    """Настраивает glibc так, чтобы освобождённая память сразу возвращалась системе.

    Иначе куча держит память прошлых вызовов у себя, новые тензоры занимают её без роста
    потребления процесса, и пик занижается. M_MMAP_THRESHOLD = 128 КБ: каждый крупный блок
    выделяется отдельно и отдаётся системе при освобождении; malloc_trim возвращает остаток кучи.
    """
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        libc = ctypes.CDLL(libc_name)
        if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim"):
            libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
            libc.malloc_trim(0)


def peak_memory_mb(fn: Callable, *args) -> float:
    """На сколько МБ вызов ``fn(*args)`` поднял пик памяти процесса; nan, где это не измерить (не Linux).

    Сбрасываем счётчик пика (VmHWM) до текущей памяти, вызываем функцию и смотрим, насколько пик
    превысил память до вызова: так видно всё, что функция держала одновременно, включая временные тензоры.
    """
    if not peak_memory_supported():
        return math.nan
    _release_free_memory()
    peak_memory_supported()  # сбросить пик до текущей памяти
    before = _status_mb("VmRSS")
    fn(*args)
    return _status_mb("VmHWM") - before
