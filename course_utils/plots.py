"""Общий стиль графиков курса и несколько готовых рисунков."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

COURSE_STYLE = {
    "figure.figsize": (7, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 13,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "image.cmap": "viridis",
}

CLASS_COLORS = ("#d1495b", "#00798c")  # класс 0 — красный, класс 1 — бирюзовый


def apply_style() -> None:
    """Включает единый стиль графиков курса."""
    plt.rcParams.update(COURSE_STYLE)


def plot_decision_boundary(ax, predict, X: np.ndarray, y: np.ndarray, title: str, margin: float = 0.5,
                           resolution: int = 200) -> None:
    """Рисует точки двух классов и области, которые модель относит к каждому классу.

    ``predict`` принимает массив точек формы (n, 2) и возвращает метки 0/1 формы (n,).
    """
    x_min, y_min = X.min(axis=0) - margin
    x_max, y_max = X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    zz = np.asarray(predict(grid)).reshape(xx.shape)
    ax.contourf(xx, yy, zz, levels=[-0.5, 0.5, 1.5], colors=CLASS_COLORS, alpha=0.18)
    for label, color in enumerate(CLASS_COLORS):
        points = X[y == label]
        ax.scatter(points[:, 0], points[:, 1], c=color, edgecolors="k", s=50, label=f"класс {label}")
    ax.set_title(title)
    ax.set_xlabel("признак $x_1$")
    ax.set_ylabel("признак $x_2$")
    ax.legend(loc="lower center", ncol=2, framealpha=0.9)


def plot_timeline(events: list[tuple[int, str]], periods: list[tuple[int, int, str]] = (),
                  title: str = "История нейросетей и LLM"):
    """Горизонтальная шкала времени: ``events`` — (год, подпись), ``periods`` — (начало, конец, подпись)."""
    years = [year for year, _ in events]
    fig, ax = plt.subplots(figsize=(13, 4.8))
    ax.axhline(0, color="0.3", lw=2, zorder=1)
    for start, end, label in periods:
        ax.axvspan(start, end, color="0.85", zorder=0)
        ax.text((start + end) / 2, -1.75, label, ha="center", va="center", fontsize=10, color="0.3")
    for i, (year, label) in enumerate(events):
        level = (0.45 + 0.4 * (i % 3)) * (1 if i % 2 == 0 else -1)
        ax.plot([year, year], [0, level], color="0.5", lw=1, zorder=1)
        ax.scatter([year], [0], s=60, color=CLASS_COLORS[1], zorder=2)
        ax.text(year, level, f"{year}\n{label}", ha="center", va="bottom" if level > 0 else "top", fontsize=9.5,
                bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="0.6"))
    ax.set_xlim(min(years) - 4, max(years) + 4)
    ax.set_ylim(-1.9, 1.9)
    ax.set_yticks([])
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("год")
    ax.set_title(title)
    fig.tight_layout()
    return fig, ax
