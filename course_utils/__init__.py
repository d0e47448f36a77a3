"""course_utils — помощники курса «LLM по полочкам: от матриц до ризонинга».

Первая ячейка каждого ноутбука вызывает ``setup()``; проверки упражнений живут в ``checks``,
общие графики — в ``plots``, эталонные реализации прошлых упражнений — в ``models``.
"""
from .env import setup, set_seed, get_device, pick

__all__ = ["setup", "set_seed", "get_device", "pick"]
