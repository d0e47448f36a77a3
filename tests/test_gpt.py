"""course_utils.gpt: the course's reference GPT equals Hugging Face's GPT-2 weight for weight."""
import pytest
import torch
from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel

from course_utils.gpt import GPT, GPTConfig

CONFIG = GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=32)


def test_forward_shapes_and_loss():
    torch.manual_seed(0)
    model = GPT(CONFIG)
    idx = torch.randint(0, 50, (3, 10))
    logits, loss = model(idx, targets=idx)
    assert logits.shape == (3, 10, 50) and loss.ndim == 0
    assert model(idx)[1] is None
    with pytest.raises(ValueError, match="длиннее контекстного окна"):
        model(torch.zeros(1, 17, dtype=torch.long))


def test_parameter_count_formula():
    C, V, T, L = 32, 50, 16, 2
    per_block = 2 * 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + (C * 4 * C + 4 * C) + (4 * C * C + C)
    assert GPT(CONFIG).num_params() == V * C + T * C + L * per_block + 2 * C


def test_matches_hf_gpt2_both_ways(tmp_path):
    torch.manual_seed(0)
    hf_model = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=2,
                                          resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)).eval()
    idx = torch.randint(0, 50, (2, 12))
    ours = GPT.from_hf(hf_model).eval()
    with torch.no_grad():
        assert torch.allclose(ours(idx)[0], hf_model(idx).logits, atol=1e-5)
        exported = ours.to_hf()
        assert torch.allclose(exported(idx).logits, hf_model(idx).logits, atol=1e-5)
    ours.save_pretrained(tmp_path / "tiny")
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path / "tiny", local_files_only=True)
    reloaded = GPT.from_pretrained(tmp_path / "tiny").eval()
    with torch.no_grad():
        assert torch.allclose(loaded(idx).logits, hf_model(idx).logits, atol=1e-5)
        assert torch.allclose(reloaded(idx)[0], hf_model(idx).logits, atol=1e-5)


def test_generate_is_causal_and_greedy_is_deterministic():
    torch.manual_seed(0)
    model = GPT(CONFIG).eval()
    start = torch.tensor([[1, 2, 3]])
    greedy = model.generate(start, 5, temperature=0)
    assert greedy.shape == (1, 8) and torch.equal(greedy, model.generate(start, 5, temperature=0))
    sampled = model.generate(start, 30, temperature=1.0, top_k=1)  # top-1 sampling = greedy
    assert torch.equal(sampled[:, :8], greedy)
    x = torch.randint(0, 50, (1, 8))
    changed = x.clone()
    changed[0, 5:] = (changed[0, 5:] + 1) % 50
    with torch.no_grad():
        assert torch.allclose(model(x)[0][0, :5], model(changed)[0][0, :5], atol=1e-6)
