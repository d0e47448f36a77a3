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


def plot_loss_surface(ax, loss_fn, path=None, *, xlim=(-3.0, 3.0), ylim=(-3.0, 3.0), levels: int = 15,
                      resolution: int = 150, title: str = "Линии уровня функции потерь",
                      xlabel: str = "$w_1$", ylabel: str = "$w_2$", path_label: str = "путь спуска",
                      colorbar_label: str | None = None) -> None:
    """Рисует линии уровня функции двух параметров и, если дан ``path``, путь спуска по ней.

    ``loss_fn`` принимает тензор точек float64 формы (n, 2) и возвращает n значений.
    ``path`` — точки пути формы (k, 2) (тензор или массив): первая точка — старт, последняя — финиш.
    Светлое — низкий лосс, тёмное — высокий. Уровни идут через равные шаги корня из высоты над дном,
    поэтому у квадратичной «чаши» линии уровня — равноотстоящие эллипсы. ``colorbar_label`` добавляет шкалу цвета.
    """
    import torch  # здесь, а не в начале модуля: рисункам без тензоров torch не нужен

    w1, w2 = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    grid = torch.as_tensor(np.column_stack([w1.ravel(), w2.ravel()]), dtype=torch.float64)
    with torch.no_grad():
        values = torch.as_tensor(loss_fn(grid)).double().numpy().reshape(w1.shape)
    bottom, height = values.min(), values.max() - values.min()
    level_values = bottom + height * np.linspace(0, 1, levels + 1) ** 2
    filled = ax.contourf(w1, w2, values, levels=level_values, cmap="viridis_r", alpha=0.55)
    ax.contour(w1, w2, values, levels=level_values[1:-1], colors="0.35", linewidths=0.6)
    if colorbar_label:
        ax.figure.colorbar(filled, ax=ax, label=colorbar_label, format="%.3g")
    if path is not None:
        path = path.detach().cpu().numpy() if hasattr(path, "detach") else np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], "o-", color=CLASS_COLORS[0], ms=3.5, lw=1.3, label=path_label)
        ax.scatter(*path[0], marker="s", s=70, color="white", edgecolors="k", zorder=3, label="старт")
        ax.scatter(*path[-1], marker="*", s=160, color="gold", edgecolors="k", zorder=3, label="финиш")
        ax.legend(loc="upper right", framealpha=0.9)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def plot_attention(ax, weights, tokens: list[str] | None = None, title: str = "Веса внимания",
                   colorbar: bool = True) -> None:
    """Тепловая карта весов внимания (T_q, T_k): строка — кто смотрит (запрос), столбец — на кого (ключ)."""
    weights = weights.detach().cpu().numpy() if hasattr(weights, "detach") else np.asarray(weights)
    image = ax.imshow(weights, cmap="viridis", vmin=0, vmax=1)
    if tokens is not None:
        ax.set_xticks(range(len(tokens)), tokens, rotation=60, ha="right")
        ax.set_yticks(range(len(tokens)), tokens)
    ax.grid(False)
    ax.set_title(title)
    ax.set_xlabel("на какой токен смотрим (ключ)")
    ax.set_ylabel("какой токен смотрит (запрос)")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="вес внимания")


def live_loss_plot(title: str = "Лосс во время обучения", reference: float | None = None,
                   reference_label: str = "эталон"):
    """Рисунок, который перерисовывается во время обучения: возвращает ``callback(log)`` для ``train_gpt``.

    ``log`` — список словарей со ``step``, ``train_loss``, ``val_loss``. ``reference`` — горизонтальная линия
    для сравнения (например, лосс готовой модели). Вне Jupyter рисунок просто обновляется в памяти.
    """
    from IPython.display import display

    fig, ax = plt.subplots(figsize=(8, 4.5))
    handle = display(fig, display_id=True)
    plt.close(fig)  # дальше рисунок показывает только handle, без второй копии в конце ячейки

    def update(log: list[dict]) -> None:
        ax.clear()
        steps = [entry["step"] for entry in log]
        ax.plot(steps, [entry["train_loss"] for entry in log], "o-", ms=3, label="обучающая часть")
        ax.plot(steps, [entry["val_loss"] for entry in log], "o-", ms=3, label="проверочная часть")
        if reference is not None:
            ax.axhline(reference, color="gray", ls="--", label=reference_label)
        ax.set_title(title)
        ax.set_xlabel("итерация (шаг оптимизатора)")
        ax.set_ylabel("лосс, нат на токен")
        ax.legend()
        if handle is not None:
            handle.update(fig)

    return update
