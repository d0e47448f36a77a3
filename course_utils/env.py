"""Окружение ноутбука: seed, устройство, офлайн-режим, Colab, стиль графиков."""
from __future__ import annotations

import os
import random
import sys
from dataclasses import dataclass

import numpy as np
import torch

# Переменные, которые запрещают transformers / huggingface_hub / datasets ходить в сеть.
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
# Разрешить скачивание моделей можно явно: setup(allow_downloads=True) или COURSE_ONLINE=1.
ONLINE_OPT_IN_VARIABLE = "COURSE_ONLINE"
# Сколько потоков PyTorch берёт на CPU; по умолчанию один (см. ``choose_threads``).
THREADS_VARIABLE = "COURSE_THREADS"
# Откуда ноутбук в Colab клонирует курс. Единственное место с адресом: в форке поменяйте его здесь и выполните
# `python scripts/set_repo_url.py && make release` — адрес перепишется в ячейке настройки каждого ноутбука.
REPO_URL = "https://github.com/llm-po-polochkam/course"


@dataclass(frozen=True)
class CourseEnv:
    """Что выбрал ``setup()``: seed, устройство, офлайн-режим и запуск в Colab."""

    seed: int
    device: torch.device
    offline: bool
    colab: bool
    threads: int

    def __str__(self) -> str:
        mode = "офлайн (скачивание моделей выключено)" if self.offline else "онлайн (скачивание разрешено)"
        where = "Colab" if self.colab else "локально"
        return (f"Курс готов: устройство {self.device}, потоков CPU {self.threads}, seed {self.seed}, {mode}, "
                f"{where}.")


def set_seed(seed: int) -> None:
    """Фиксирует генераторы случайных чисел python, numpy и torch."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed должен быть целым числом, получено {type(seed).__name__}: {seed!r}.")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def get_device() -> torch.device:
    """CUDA, если есть видеокарта, иначе CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def pick(cpu, gpu):
    """Значение для текущего устройства: маленький конфиг на CPU, побольше на GPU."""
    return gpu if get_device().type == "cuda" else cpu


def in_colab() -> bool:
    """Запущены ли мы в Google Colab."""
    return "google.colab" in sys.modules


def choose_threads(threads: int | None = None) -> int:
    """Число потоков PyTorch на CPU: ``threads``, иначе переменная ``COURSE_THREADS``, иначе 1.

    Модели курса крошечные: второй поток ускоряет их мало, а на занятой машине (две посторонние программы на
    двух ядрах) потоки мешают друг другу, и шаг обучения становится в несколько раз медленнее. Замер лежит в
    ``benchmarks/notebooks.md``.
    """
    if threads is None:
        value = os.environ.get(THREADS_VARIABLE, "1")
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{THREADS_VARIABLE} должна быть целым числом ≥ 1, получено {value!r}.")
        threads = int(value)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads должно быть целым числом ≥ 1, получено {threads!r}.")
    torch.set_num_threads(threads)
    return threads


def set_offline(offline: bool) -> None:
    """Включает или выключает офлайн-режим библиотек Hugging Face."""
    for name in OFFLINE_VARIABLES:
        if offline:
            os.environ[name] = "1"
        else:
            os.environ.pop(name, None)


def setup(seed: int = 42, *, allow_downloads: bool = False, threads: int | None = None,
          verbose: bool = True) -> CourseEnv:
    """Первая ячейка ноутбука: seed, устройство, потоки CPU, офлайн-режим, стиль графиков и короткий
    показ неудачных проверок (``feedback``).

    По умолчанию курс работает без сети: ``from_pretrained("org/name")`` сразу
    сообщит об ошибке, а не будет ждать загрузки. Разрешить загрузку можно явно:
    ``setup(allow_downloads=True)`` или переменная окружения ``COURSE_ONLINE=1``.
    """
    from .feedback import install as show_short_failures
    from .plots import apply_style  # matplotlib грузим только здесь, чтобы env оставался лёгким

    set_seed(seed)
    show_short_failures()
    online = allow_downloads or os.environ.get(ONLINE_OPT_IN_VARIABLE) == "1"
    set_offline(not online)
    apply_style()
    env = CourseEnv(seed=seed, device=get_device(), offline=not online, colab=in_colab(),
                    threads=choose_threads(threads))
    if verbose:
        print(env)
    return env
