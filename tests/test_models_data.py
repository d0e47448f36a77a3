"""course_utils.data, models and training: the pieces later chapters reuse."""
import numpy as np
import pytest
import torch

from course_utils.data import LOGIC_INPUTS, LOGIC_TARGETS, make_blobs, make_recall_batch
from course_utils.models import RecallClassifier
from course_utils.training import first_token_gradient, train_recall


def test_logic_gates_are_the_truth_tables():
    assert LOGIC_INPUTS.shape == (4, 2)
    a, b = LOGIC_INPUTS[:, 0].astype(bool), LOGIC_INPUTS[:, 1].astype(bool)
    assert (LOGIC_TARGETS["AND"] == (a & b)).all()
    assert (LOGIC_TARGETS["OR"] == (a | b)).all()
    assert (LOGIC_TARGETS["XOR"] == (a ^ b)).all()


def test_blobs_are_seeded_and_balanced():
    X, y = make_blobs(n_per_class=10, seed=1)
    assert X.shape == (20, 2) and y.tolist() == [0] * 10 + [1] * 10
    assert np.array_equal(X, make_blobs(n_per_class=10, seed=1)[0])
    assert X[y == 0, 0].mean() < X[y == 1, 0].mean()


def test_recall_batch_layout():
    x, y = make_recall_batch(50, distance=7, n_keys=4, n_fillers=8, generator=torch.Generator().manual_seed(0))
    assert x.shape == (50, 8) and y.shape == (50,)
    assert torch.equal(x[:, 0], y) and (y < 4).all()
    assert ((x[:, 1:] >= 4) & (x[:, 1:] < 12)).all()


def test_recall_classifier_shapes_and_forget_bias():
    for cell in ("rnn", "lstm"):
        logits = RecallClassifier(cell, vocab_size=12, n_classes=4)(torch.zeros(3, 9, dtype=torch.long))
        assert logits.shape == (3, 4)
    lstm = RecallClassifier("lstm", 12, 4, hidden_size=8, forget_bias=3.0).rnn
    assert torch.all(lstm.bias_ih_l0[8:16] == 3.0) and torch.all(lstm.bias_hh_l0[8:16] == 0.0)
    with pytest.raises(ValueError, match="cell должен быть"):
        RecallClassifier("gru", 12, 4)


def test_train_recall_learns_a_short_distance_and_is_deterministic():
    first = train_recall("lstm", distance=3, steps=60, n_eval=200)
    assert first > 0.9
    assert train_recall("lstm", distance=3, steps=60, n_eval=200) == first


def test_rnn_gradient_vanishes_with_distance_and_lstm_keeps_it():
    assert first_token_gradient("rnn", 30) < 1e-3 * first_token_gradient("rnn", 5)
    assert first_token_gradient("lstm", 30) > 0.1 * first_token_gradient("lstm", 5)


def test_data_dir_is_found_or_named_clearly(monkeypatch, tmp_path):
    from course_utils import data

    assert (data.data_dir() / "corpus_ru.txt").is_file()
    (tmp_path / "corpus_ru.txt").write_text("x", encoding="utf-8")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert data.data_dir() == tmp_path and data.corpus_path() == tmp_path / "corpus_ru.txt"
    monkeypatch.setattr(data, "__file__", str(tmp_path / "site-packages" / "course_utils" / "data.py"))
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="COURSE_DATA_DIR"):
        data.data_dir()
