"""course_utils.scaling: non-embedding parameters and the size sweep of chapter 04 (the 6ND and power-law answers
of its exercises live in graders.ch04_pretraining.scaling_laws and are tested with it)."""
import math

import pytest
import torch

from course_utils.gpt import GPT, GPTConfig
from course_utils.pretraining import dataset_loss
from course_utils.scaling import non_embedding_params, train_sizes


def test_non_embedding_params_match_the_formula():
    for n_layer, n_embd in [(1, 16), (2, 64), (3, 48)]:
        model = GPT(GPTConfig(vocab_size=100, block_size=8, n_layer=n_layer, n_head=2, n_embd=n_embd))
        expected = n_layer * (12 * n_embd ** 2 + 13 * n_embd) + 2 * n_embd  # блоки и ln_f
        assert non_embedding_params(model) == expected
        assert model.num_params() - non_embedding_params(model) == (100 + 8) * n_embd


def test_dataset_loss_uses_every_window_and_is_deterministic():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=2, n_embd=16))
    ids = torch.randint(0, 50, (8 * 20 + 1,), generator=torch.Generator().manual_seed(1))
    x, y = ids[:-1].view(20, 8), ids[1:].view(20, 8)
    with torch.no_grad():
        expected = model(x, y)[1].item()
    assert dataset_loss(model, ids, 8, batch_size=3) == pytest.approx(expected, rel=1e-5)
    assert dataset_loss(model, ids, 8, max_windows=5) == dataset_loss(model, ids, 8, max_windows=5)
    assert model.training  # режим модели возвращается


def test_train_sizes_trains_every_size_the_same_way():
    train_ids, val_ids = torch.arange(2000) % 40, torch.arange(7, 307) % 40  # следующий токен предсказуем
    kwargs = dict(vocab_size=40, block_size=8, steps=6, batch_size=4, lr=1e-2, eval_every=3, seed=0, verbose=False)
    table = train_sizes([(1, 16), (1, 32)], train_ids, val_ids, **kwargs)
    assert [(row["n_layer"], row["n_embd"]) for row in table] == [(1, 16), (1, 32)]
    assert table[1]["params"] > table[0]["params"] and table[1]["total_params"] > table[1]["params"]
    assert [entry["step"] for entry in table[0]["log"]] == [0, 3, 6]
    assert table[0]["log"][0]["val_loss"] == pytest.approx(math.log(40), abs=0.1)  # до обучения — почти наугад
    assert table[0]["train_loss"] == table[0]["log"][-1]["train_loss"] < table[0]["log"][0]["train_loss"]
    assert table[0]["val_loss"] == table[0]["log"][-1]["val_loss"] < table[0]["log"][0]["val_loss"]
    again = train_sizes([(1, 16)], train_ids, val_ids, **kwargs)
    assert again[0]["val_loss"] == table[0]["val_loss"]  # seed фиксирован: тот же результат
