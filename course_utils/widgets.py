"""Слайдеры для интерактивных рисунков курса (ipywidgets).

Рисунок с ползунками строится одной строкой::

    widgets.interact_plot(draw, lr=widgets.log_slider("скорость обучения", 0.1, 0.001, 1.0))

В живом Jupyter рисунок перерисовывается, когда вы отпускаете ползунок. Без живого ядра
(nbconvert, тесты курса, автопроверка) ``draw`` выполняется один раз со значениями по умолчанию:
ячейка не падает, а рисунок сохраняется в выводе виджета. Ползунок там не двигается, поэтому
главный вывод урока стоит показать и обычным статичным рисунком.
"""
from __future__ import annotations

import math

import ipywidgets
import matplotlib.pyplot as plt
from IPython.display import display


def log_slider(description: str, value: float, low: float, high: float, *,
               steps_per_decade: int = 20) -> ipywidgets.FloatLogSlider:
    """Ползунок с логарифмической шкалой от ``low`` до ``high``: удобен для скорости обучения и температуры.

    На каждый десятичный порядок приходится ``steps_per_decade`` делений; ``value`` — значение по умолчанию.
    """
    if not 0 < low <= value <= high:
        raise ValueError(f"нужно 0 < low <= value <= high, получено low={low}, value={value}, high={high}.")
    return ipywidgets.FloatLogSlider(
        value=value, base=10, min=math.log10(low), max=math.log10(high), step=1 / steps_per_decade,
        description=description, readout_format=".3g", continuous_update=False,
        style={"description_width": "initial"}, layout=ipywidgets.Layout(width="520px"))


def interact_plot(draw, **sliders) -> ipywidgets.interactive:
    """Показывает ползунки и рисунок ``draw(**значения)``; рисунок перерисовывается при каждом изменении.

    ``draw`` строит рисунок matplotlib и ничего не возвращает; ``plt.show()`` вызывается здесь.
    Возвращает объект ``ipywidgets.interactive``: в нём ``.kwargs`` — текущие значения ползунков.
    Присвойте его переменной (``lr_widget = interact_plot(...)``), иначе Jupyter покажет виджет дважды.
    """
    def draw_and_show(**values):
        draw(**values)
        plt.show()

    widget = ipywidgets.interactive(draw_and_show, **sliders)
    display(widget)
    return widget
