"""course_utils.pretraining and the sampling helpers of course_utils.gpt (chapter 04)."""
import math

import pytest
import torch

from course_utils import plots
from course_utils.gpt import GPT, GPTConfig, next_token_probs, sample_next
from course_utils.pretraining import (estimate_loss, get_batch, learning_rate, make_examples, split_documents,
                                      train_gpt)


def test_split_documents_holds_out_every_tenth_document_whole():
    documents = [f"документ {i}" for i in range(25)]
    train, val = split_documents("\n\n".join(documents) + "\n\n\n\n")
    assert val.split("\n\n") == ["документ 9", "документ 19"]
    assert train.split("\n\n") == [d for i, d in enumerate(documents) if i % 10 != 9]


@pytest.mark.parametrize("length, block_size, n", [(9, 4, 2), (8, 4, 1), (13, 4, 3), (5, 4, 1)])
def test_make_examples_shifts_targets_and_drops_the_tail(length, block_size, n):
    ids = torch.arange(length)
    x, y = make_examples(ids, block_size)
    assert x.shape == y.shape == (n, block_size)
    assert torch.equal(y, x + 1)  # the target of every position is the next token
    assert torch.equal(x[:, 0], torch.arange(n) * block_size)  # windows do not overlap
    assert y.max() < length


def test_get_batch_windows_and_targets_stay_inside_the_data():
    ids = torch.arange(20)
    generator = torch.Generator().manual_seed(0)
    for _ in range(50):
        x, y = get_batch(ids, 8, 4, generator)
        assert x.shape == y.shape == (4, 8) and torch.equal(y, x + 1) and y.max() <= 19
    starts = {int(get_batch(ids, 8, 1, generator)[0][0, 0]) for _ in range(300)}
    assert starts == set(range(12))  # every window position that has a full target is drawn


def test_learning_rate_warms_up_then_decays_to_a_tenth():
    assert learning_rate(0, 100, 1e-3, warmup=10) == pytest.approx(1e-4)
    assert learning_rate(9, 100, 1e-3, warmup=10) == pytest.approx(1e-3)
    assert learning_rate(10, 100, 1e-3, warmup=10) == pytest.approx(1e-3)
    assert learning_rate(100, 100, 1e-3, warmup=10) == pytest.approx(1e-4)
    values = [learning_rate(s, 100, 1e-3, warmup=10) for s in range(10, 101)]
    assert all(a >= b for a, b in zip(values, values[1:]))


def test_train_gpt_learns_a_repeating_text_and_logs_every_evaluation():
    torch.manual_seed(0)
    ids = torch.tensor([1, 2, 3, 4, 5, 6, 7] * 40)
    model = GPT(GPTConfig(vocab_size=10, block_size=8, n_layer=1, n_head=2, n_embd=16))
    calls = []
    log = train_gpt(model, ids, ids, steps=60, batch_size=8, lr=1e-2, eval_every=20, eval_batches=2,
                    callback=lambda entries: calls.append(len(entries)))
    assert [entry["step"] for entry in log] == [0, 20, 40, 60] and calls == [1, 2, 3, 4]
    assert log[0]["val_loss"] > 2.0 and log[-1]["val_loss"] < 0.5
    assert not model.training
    assert estimate_loss(model, ids, 8, batch_size=8, batches=2) == pytest.approx(log[-1]["val_loss"])


def test_next_token_probs_temperature_and_top_k():
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0]])
    assert torch.allclose(next_token_probs(logits), torch.softmax(logits, dim=-1))
    assert torch.allclose(next_token_probs(logits, 0.5), torch.softmax(logits * 2, dim=-1))
    top2 = next_token_probs(logits, 1.0, top_k=2)
    assert torch.allclose(top2, torch.tensor([[1 / (1 + math.exp(-1)), 1 / (1 + math.exp(1)), 0.0, 0.0]]))
    assert torch.allclose(next_token_probs(logits, 1.0, top_k=10), torch.softmax(logits, dim=-1))


def test_sample_next_greedy_and_frequencies():
    logits = torch.tensor([[0.0, 3.0, 1.0]])
    assert torch.equal(sample_next(logits, temperature=0), torch.tensor([[1]]))
    torch.manual_seed(0)
    draws = sample_next(logits.expand(20000, 3), temperature=1.5, top_k=2)
    assert draws.shape == (20000, 1) and draws.dtype == torch.long
    frequencies = torch.bincount(draws.flatten(), minlength=3).float() / 20000
    assert torch.allclose(frequencies, next_token_probs(logits, 1.5, 2)[0], atol=0.015)
    assert frequencies[0] == 0


def test_live_loss_plot_redraws_without_a_notebook():
    update = plots.live_loss_plot(reference=2.4, reference_label="готовая модель")
    update([{"step": 0, "train_loss": 7.6, "val_loss": 7.6}, {"step": 10, "train_loss": 5.0, "val_loss": 5.2}])
