"""course_utils.seq2seq: the RNN encoder–decoder of chapter 03, notebook 1, trained with the reference answers of that
notebook's exercises (the decoder inputs and the decoder's attention, which the students write)."""
import torch

from course_utils.seq2seq import BOS, Seq2Seq, make_reverse_batch, sequence_accuracy, train_reverse
from graders.ch03_transformers.encoder_decoder import reference_attend, reference_decoder_inputs


def test_reverse_batch_targets_are_flipped_sources():
    source, target = make_reverse_batch(4, 6, torch.Generator().manual_seed(0))
    assert source.shape == target.shape == (4, 6)
    assert torch.equal(target, source.flip(1))
    assert int(source.max()) < BOS


def test_decoder_calls_the_given_attention_once_per_step():
    calls = []

    def spy(state, states):
        calls.append((tuple(state.shape), tuple(states.shape)))
        return reference_attend(state, states)

    torch.manual_seed(0)
    model = Seq2Seq(spy, embed_dim=8, hidden_size=16).eval()
    source, target = make_reverse_batch(2, 5, torch.Generator().manual_seed(1))
    logits, weights = model(source, reference_decoder_inputs(target, BOS))
    assert logits.shape == (2, 5, 11) and weights.shape == (2, 5, 5)
    assert calls == [((2, 16), (2, 5, 16))] * 5


def test_generation_step_by_step_matches_teacher_forcing_on_own_tokens():
    torch.manual_seed(0)
    model = Seq2Seq(reference_attend, embed_dim=8, hidden_size=16).eval()
    source, _ = make_reverse_batch(2, 5, torch.Generator().manual_seed(1))
    tokens, weights = model.generate(source)
    assert tokens.shape == (2, 5) and weights.shape == (2, 5, 5)
    with torch.no_grad():
        logits, forced_weights = model(source, reference_decoder_inputs(tokens, BOS))
    assert torch.equal(logits.argmax(-1), tokens)  # feeding its own answers back gives the same answers
    assert torch.allclose(weights, forced_weights, atol=1e-6)


def test_decoder_without_attention_has_no_weights():
    model = Seq2Seq(None, embed_dim=8, hidden_size=16).eval()
    source, target = make_reverse_batch(2, 4)
    logits, weights = model(source, reference_decoder_inputs(target, BOS))
    assert logits.shape == (2, 4, 11) and weights is None
    assert model.generate(source)[1] is None


def test_training_is_seeded_and_learns():
    model, losses, seconds = train_reverse(reference_decoder_inputs, reference_attend, length=5, steps=60)
    _, again, _ = train_reverse(reference_decoder_inputs, reference_attend, length=5, steps=60)
    assert losses == again
    assert losses[-1] < 0.7 * losses[0]
    token_acc, seq_acc = sequence_accuracy(model, 5, n=200)
    assert 0.0 <= seq_acc <= token_acc <= 1.0 and token_acc > 0.2
    assert seconds > 0
