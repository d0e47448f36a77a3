"""course_utils.seq2seq: the RNN encoder–decoder with attention of chapter 03, notebook 1."""
import torch

from course_utils.attention import attention
from course_utils.seq2seq import (BOS, Seq2Seq, attend, decoder_inputs, make_reverse_batch, sequence_accuracy,
                                  train_reverse)


def test_reverse_batch_targets_are_flipped_sources():
    source, target = make_reverse_batch(4, 6, torch.Generator().manual_seed(0))
    assert source.shape == target.shape == (4, 6)
    assert torch.equal(target, source.flip(1))
    assert int(source.max()) < BOS


def test_decoder_inputs_shift_right_with_bos():
    targets = torch.tensor([[1, 2, 3], [4, 5, 6]])
    assert decoder_inputs(targets, 9).tolist() == [[9, 1, 2], [9, 4, 5]]
    assert decoder_inputs(targets).dtype == targets.dtype


def test_attend_is_unscaled_dot_product_attention_of_one_query():
    torch.manual_seed(0)
    state, states = torch.randn(3, 5), torch.randn(3, 7, 5)
    context, weights = attend(state, states)
    assert context.shape == (3, 5) and weights.shape == (3, 7)
    assert torch.allclose(weights.sum(-1), torch.ones(3))
    # attention() divides by √d_k: multiply the query by √d_k to undo it
    expected, expected_weights = attention(state.unsqueeze(1) * 5 ** 0.5, states, states)
    assert torch.allclose(context, expected.squeeze(1), atol=1e-5)
    assert torch.allclose(weights, expected_weights.squeeze(1), atol=1e-6)


def test_generation_step_by_step_matches_teacher_forcing_on_own_tokens():
    torch.manual_seed(0)
    model = Seq2Seq(embed_dim=8, hidden_size=16).eval()
    source, _ = make_reverse_batch(2, 5, torch.Generator().manual_seed(1))
    tokens, weights = model.generate(source)
    assert tokens.shape == (2, 5) and weights.shape == (2, 5, 5)
    with torch.no_grad():
        logits, forced_weights = model(source, tokens)
    assert torch.equal(logits.argmax(-1), tokens)  # feeding its own answers back gives the same answers
    assert torch.allclose(weights, forced_weights, atol=1e-6)


def test_decoder_without_attention_has_no_weights():
    model = Seq2Seq(embed_dim=8, hidden_size=16, use_attention=False).eval()
    source, target = make_reverse_batch(2, 4)
    logits, weights = model(source, target)
    assert logits.shape == (2, 4, 11) and weights is None
    assert model.generate(source)[1] is None


def test_training_is_seeded_and_learns():
    model, losses, seconds = train_reverse(True, length=5, steps=60)
    _, again, _ = train_reverse(True, length=5, steps=60)
    assert losses == again
    assert losses[-1] < 0.7 * losses[0]
    token_acc, seq_acc = sequence_accuracy(model, 5, n=200)
    assert 0.0 <= seq_acc <= token_acc <= 1.0 and token_acc > 0.2
    assert seconds > 0
