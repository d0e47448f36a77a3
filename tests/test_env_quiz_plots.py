"""course_utils.env, quiz and plots."""
import os
import random

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_utils import env, plots, quiz  # noqa: E402
from course_utils.checks import CheckError  # noqa: E402


def draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_set_seed_makes_python_numpy_and_torch_repeatable():
    env.set_seed(3)
    first = draws()
    env.set_seed(3)
    assert draws() == first
    env.set_seed(4)
    assert draws() != first


def test_set_seed_rejects_non_integers():
    with pytest.raises(TypeError, match="seed должен быть целым числом"):
        env.set_seed(1.5)


def test_setup_is_offline_by_default(monkeypatch, capsys):
    monkeypatch.delenv(env.ONLINE_OPT_IN_VARIABLE, raising=False)
    for name in env.OFFLINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    info = env.setup(seed=7)
    assert info.offline and info.seed == 7 and not info.colab
    assert all(os.environ[name] == "1" for name in env.OFFLINE_VARIABLES)
    assert info.device == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert "офлайн" in capsys.readouterr().out
    assert plt.rcParams["axes.grid"] is True


def test_setup_online_is_an_explicit_opt_in(monkeypatch):
    monkeypatch.delenv(env.ONLINE_OPT_IN_VARIABLE, raising=False)
    assert not env.setup(allow_downloads=True, verbose=False).offline
    assert "HF_HUB_OFFLINE" not in os.environ
    monkeypatch.setenv(env.ONLINE_OPT_IN_VARIABLE, "1")
    assert not env.setup(verbose=False).offline
    monkeypatch.delenv(env.ONLINE_OPT_IN_VARIABLE)
    assert env.setup(verbose=False).offline


def test_colab_is_detected_by_its_module(monkeypatch):
    import sys
    import types

    assert not env.in_colab()
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert env.in_colab()


def test_pick_chooses_by_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert env.pick(cpu=1, gpu=2) == 1
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert env.pick(cpu=1, gpu=2) == 2


def test_quiz_check_choice_is_type_strict():
    quiz.check_choice("q", "a", {"a", "b"})
    for wrong in ["d", "A", 1, None, ["a"]]:
        with pytest.raises(CheckError, match="ожидался один из вариантов"):
            quiz.check_choice("q", wrong, {"a", "b"})


def test_decision_boundary_and_timeline_draw(tmp_path):
    plots.apply_style()
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1])
    fig, ax = plt.subplots()
    plots.plot_decision_boundary(ax, lambda P: (P.sum(axis=1) > 1).astype(int), X, y, title="граница")
    assert ax.get_title() == "граница" and ax.get_xlabel() and ax.get_ylabel()
    fig.savefig(tmp_path / "boundary.png")
    fig, ax = plots.plot_timeline([(1957, "перцептрон"), (2017, "трансформер")], periods=[(1970, 1980, "зима")])
    assert ax.get_xlabel() == "год" and ax.get_title()
    labels = [text.get_text() for text in ax.texts]
    assert "1957\nперцептрон" in labels and "зима" in labels
    fig.savefig(tmp_path / "timeline.png")
    plt.close("all")
    assert (tmp_path / "timeline.png").stat().st_size > 1000
