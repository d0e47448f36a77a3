"""course_utils.pretraining, sampling in course_utils.gpt.GPT.generate and the live loss plot (chapter 04)."""
import re

import pytest
import torch

from course_utils import plots
from course_utils.checks import CheckError
from course_utils.gpt import GPT, GPTConfig
from course_utils.pretraining import (dataset_loss, estimate_loss, get_batch, learning_rate, sampled_tokens,
                                      split_documents, train_gpt)


def test_split_documents_holds_out_every_tenth_document_whole():
    documents = [f"документ {i}" for i in range(25)]
    train, val = split_documents("\n\n".join(documents) + "\n\n\n\n")
    assert val.split("\n\n") == ["документ 9", "документ 19"]
    assert train.split("\n\n") == [d for i, d in enumerate(documents) if i % 10 != 9]


@pytest.mark.parametrize("length, n", [(8 * 5 + 1, 5), (8 * 5, 4), (8 * 5 + 7, 5)])
def test_dataset_loss_averages_consecutive_windows_and_drops_the_tail(length, n):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=2, n_embd=16)).eval()
    ids = torch.randint(0, 50, (length,), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():  # окно i — ids[8i : 8i + 8], его цели — на один токен дальше; хвосту без цели места нет
        losses = [model(ids[None, 8 * i:8 * i + 8], ids[None, 8 * i + 1:8 * i + 9])[1].item() for i in range(n)]
    assert dataset_loss(model, ids, 8, batch_size=3) == pytest.approx(sum(losses) / n, rel=1e-5)


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


def test_generate_samples_with_temperature_and_top_k():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=6, block_size=8, n_layer=1, n_head=2, n_embd=16)).eval()
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0, 0.5, 1.5])
    with torch.no_grad():  # ln_f выдаёт постоянный вектор e_0, и логиты в любой позиции — столбец 0 матрицы wte
        model.transformer.ln_f.weight.zero_()
        model.transformer.ln_f.bias.copy_(torch.eye(16)[0])
        model.transformer.wte.weight[:, 0] = logits
        assert torch.allclose(model(torch.tensor([[1, 2]]))[0][0, -1], logits)
    prompt = torch.tensor([[1, 2]]).repeat(20_000, 1)
    for temperature, top_k in [(1.0, None), (0.5, None), (2.0, 3)]:
        kept = torch.zeros(6, dtype=torch.bool)
        kept[logits.topk(top_k or 6).indices] = True
        expected = torch.softmax((logits / temperature).masked_fill(~kept, float("-inf")), dim=-1)
        generator = torch.Generator().manual_seed(0)
        out = model.generate(prompt, 1, temperature=temperature, top_k=top_k, generator=generator)
        assert out.shape == (20_000, 3) and torch.equal(out[:, :2], prompt)
        frequencies = torch.bincount(out[:, -1], minlength=6) / 20_000
        assert torch.allclose(frequencies, expected, atol=0.015), (temperature, top_k)
        assert (frequencies[~kept] == 0).all()
    greedy = model.generate(prompt[:1], 1, temperature=0)
    assert greedy[0, -1] == logits.argmax()


def test_generate_with_a_generator_is_reproducible():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=2, n_embd=16)).eval()
    prompt = torch.tensor([[1, 2, 3], [4, 5, 6]])
    runs = [model.generate(prompt, 20, temperature=0.8, top_k=10, generator=torch.Generator().manual_seed(7))
            for _ in range(2)]
    assert runs[0].shape == (2, 23) and torch.equal(runs[0], runs[1])


def _draw(logits, temperature=1.0, top_k=None):
    return torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1)


def test_sampled_tokens_accepts_a_correct_draw_and_fixes_the_seed():
    logits = torch.randn(500, 7, generator=torch.Generator().manual_seed(0))
    tokens = sampled_tokens(_draw, logits, 1.0)
    assert tokens.shape == (500,) and tokens.dtype == torch.long
    assert torch.equal(tokens, sampled_tokens(_draw, logits, 1.0))


@pytest.mark.parametrize("answer, fragment", [
    (lambda logits, temperature, top_k: _draw(logits)[:, 0], "вместо (B, 1)"),
    (lambda logits, temperature, top_k: logits.div_(2).argmax(dim=-1, keepdim=True), "на месте"),
    (lambda logits, temperature, top_k: _draw(logits) + logits.shape[1], "номера токенов должны лежать"),
    (lambda logits, temperature, top_k: _draw(logits).float(), "torch.long"),
    (lambda logits, temperature, top_k: _draw(logits / temperature), "При temperature = 0"),
])
def test_sampled_tokens_names_what_is_wrong(answer, fragment):
    with pytest.raises(CheckError, match=re.escape(fragment)):
        sampled_tokens(answer, torch.randn(4, 5, generator=torch.Generator().manual_seed(1)), 0.0)


def test_live_loss_plot_redraws_the_curves(monkeypatch):
    shown = []

    class Handle:
        def update(self, figure):
            shown.append(figure)

    monkeypatch.setattr("IPython.display.display", lambda figure, display_id: shown.append(figure) or Handle())
    update = plots.live_loss_plot(reference=2.4, reference_label="готовая модель")
    figure = shown[0]
    update([{"step": 0, "train_loss": 7.6, "val_loss": 7.7}])
    update([{"step": 0, "train_loss": 7.6, "val_loss": 7.7}, {"step": 10, "train_loss": 5.0, "val_loss": 5.2}])
    assert shown == [figure] * 3  # the same figure is shown once and redrawn after each evaluation
    (ax,) = figure.axes
    train, val, reference = ax.lines  # the previous drawing is cleared: three lines, not six
    assert list(train.get_xdata()) == [0, 10] and list(train.get_ydata()) == [7.6, 5.0]
    assert list(val.get_ydata()) == [7.7, 5.2]
    assert list(reference.get_ydata()) == [2.4, 2.4]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["обучающая часть", "проверочная часть",
                                                                   "готовая модель"]
