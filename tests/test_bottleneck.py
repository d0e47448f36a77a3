"""The chapter 02 bottleneck experiment: the lookup task, the one-layer attention model and their training loop."""
import pytest
import torch

from course_utils.data import make_lookup_batch
from course_utils.models import LookupAttention
from course_utils.training import LOOKUP_SYMBOLS, lookup_accuracy_by_position, train_lookup


def test_lookup_batch_layout():
    x, y = make_lookup_batch(64, length=7, n_symbols=10, generator=torch.Generator().manual_seed(0))
    assert x.shape == (64, 8) and y.shape == (64,)
    assert ((x[:, :7] >= 0) & (x[:, :7] < 10)).all()
    positions = x[:, -1] - 10
    assert ((positions >= 0) & (positions < 7)).all()
    assert torch.equal(y, x[torch.arange(64), positions])


def test_lookup_batch_given_positions_and_seed():
    positions = torch.tensor([0, 3, 3, 6])
    x, y = make_lookup_batch(4, length=7, generator=torch.Generator().manual_seed(1), positions=positions)
    assert torch.equal(x[:, -1], 10 + positions) and torch.equal(y, x[torch.arange(4), positions])
    again, _ = make_lookup_batch(4, length=7, generator=torch.Generator().manual_seed(1), positions=positions)
    assert torch.equal(x, again)


def test_lookup_attention_shapes_and_weights():
    model = LookupAttention(vocab_size=15, n_classes=10, max_len=6, d_model=8)
    tokens = torch.randint(0, 15, (3, 6))
    assert model(tokens).shape == (3, 10)
    logits, weights = model(tokens, return_weights=True)
    assert logits.shape == (3, 10) and weights.shape == (3, 6)
    assert torch.allclose(weights.sum(dim=-1), torch.ones(3)) and (weights >= 0).all()


def test_lookup_attention_looks_at_the_question_position_by_hand():
    """With hand-set weights the question attends to the position it names and returns that token."""
    d = 12  # coordinates 0..9: which symbol; 10..11: which position
    model = LookupAttention(vocab_size=12, n_classes=10, max_len=3, d_model=d)
    with torch.no_grad():
        model.embedding.weight.zero_()
        model.embedding.weight[:10, :10] = torch.eye(10)          # symbols: their own one-hot
        model.embedding.weight[10:12, 10:12] = 10 * torch.eye(2)  # question about position p points at p
        model.position.weight.zero_()
        model.position.weight[:2, 10:12] = 10 * torch.eye(2)
        model.query.weight.copy_(torch.eye(d))
        model.key.weight.copy_(torch.eye(d))
        model.value.weight.zero_()
        model.value.weight[:10, :10] = torch.eye(10)
        model.head.weight.copy_(torch.eye(10, d))
        model.head.bias.zero_()
    x, y = make_lookup_batch(50, length=2, generator=torch.Generator().manual_seed(2))
    logits, weights = model(x, return_weights=True)
    assert torch.equal(logits.argmax(dim=1), y)
    assert torch.equal(weights.argmax(dim=1), x[:, -1] - 10)


def test_train_lookup_is_deterministic_and_attention_beats_lstm():
    attention = lookup_accuracy_by_position(train_lookup("attention", 16, steps=200), 16, n_per_position=50)
    again = lookup_accuracy_by_position(train_lookup("attention", 16, steps=200), 16, n_per_position=50)
    lstm = lookup_accuracy_by_position(train_lookup("lstm", 16, steps=200), 16, n_per_position=50)
    assert attention.shape == lstm.shape == (16,)
    assert torch.equal(attention, again)
    assert attention.mean() > 0.9 and lstm.mean() < 0.5


def test_train_lookup_restores_threads_and_rejects_unknown_kinds():
    threads = torch.get_num_threads()
    train_lookup("lstm", 2, steps=2)
    assert torch.get_num_threads() == threads
    with pytest.raises(ValueError, match="kind должен быть"):
        train_lookup("gru", 4)


@pytest.mark.parametrize("kind", ["lstm", "attention"])
def test_lookup_models_read_every_symbol_and_question_and_answer_a_symbol(kind):
    model = train_lookup(kind, 5, steps=0)
    assert model.embedding.num_embeddings == LOOKUP_SYMBOLS + 5  # symbols, then one question token per position
    x, _ = make_lookup_batch(4, length=5, n_symbols=LOOKUP_SYMBOLS, generator=torch.Generator().manual_seed(3))
    assert model(x).shape == (4, LOOKUP_SYMBOLS)
