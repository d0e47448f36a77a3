"""course_utils.plots.plot_loss_surface and course_utils.widgets (chapter 01, notebook 2)."""
import ipywidgets
import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_utils import plots, widgets  # noqa: E402


def bowl(w):
    return w[..., 0] ** 2 + 3 * w[..., 1] ** 2


def test_loss_surface_draws_contours_path_and_labels(tmp_path):
    plots.apply_style()
    path = torch.tensor([[2.0, 2.0], [1.0, 0.5], [0.2, 0.1]], dtype=torch.float64)
    fig, ax = plt.subplots()
    plots.plot_loss_surface(ax, bowl, path, xlim=(-3, 3), ylim=(-2, 2), title="чаша", xlabel="k", ylabel="b",
                            colorbar_label="лосс")
    assert ax.get_title() == "чаша" and ax.get_xlabel() == "k" and ax.get_ylabel() == "b"
    assert ax.get_xlim() == (-3, 3) and ax.get_ylim() == (-2, 2)
    (line,) = [line for line in ax.get_lines() if line.get_label() == "путь спуска"]
    np.testing.assert_allclose(np.column_stack(line.get_data()), path.numpy())
    assert {"путь спуска", "старт", "финиш"} <= {t.get_text() for t in ax.get_legend().get_texts()}
    assert len(fig.axes) == 2, "colorbar_label adds a colour bar"
    fig.savefig(tmp_path / "surface.png")
    plt.close(fig)
    assert (tmp_path / "surface.png").stat().st_size > 1000


def test_loss_surface_without_path_accepts_numpy_paths_and_levels_start_at_the_bottom():
    fig, ax = plt.subplots()
    plots.plot_loss_surface(ax, bowl)
    assert ax.get_legend() is None and len(fig.axes) == 1
    filled = ax.collections[0]
    assert filled.levels[0] == pytest.approx(0.0, abs=0.01) and filled.levels[-1] == pytest.approx(36.0)
    plots.plot_loss_surface(ax, bowl, np.array([[1.0, 1.0], [0.0, 0.0]]))
    assert ax.get_legend() is not None
    plt.close(fig)


def test_log_slider_spans_the_range_on_a_log_scale():
    slider = widgets.log_slider("скорость обучения", 0.3, 0.01, 1.0)
    assert isinstance(slider, ipywidgets.FloatLogSlider)
    assert slider.value == pytest.approx(0.3) and slider.base == 10
    assert slider.min == pytest.approx(-2) and slider.max == pytest.approx(0) and slider.step == pytest.approx(0.05)
    assert slider.description == "скорость обучения" and not slider.continuous_update
    with pytest.raises(ValueError, match="low <= value <= high"):
        widgets.log_slider("lr", 2.0, 0.01, 1.0)


def test_interact_plot_draws_once_with_defaults_and_redraws_on_change():
    calls = []

    def draw(lr, steps):
        calls.append((lr, steps))
        plt.plot([0, 1], [lr, lr])

    widget = widgets.interact_plot(draw, lr=widgets.log_slider("lr", 0.1, 0.001, 1.0),
                                   steps=ipywidgets.IntSlider(value=5, min=1, max=10))
    assert isinstance(widget, ipywidgets.interactive)
    assert calls == [(pytest.approx(0.1), 5)], "without a live kernel draw runs once with the defaults"
    widget.children[1].value = 7
    assert calls[-1] == (pytest.approx(0.1), 7) and widget.kwargs["steps"] == 7
    plt.close("all")
