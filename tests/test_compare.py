"""course_utils.compare: a random GPT-2 of a given size, the logits-only wrapper and the causality check."""
import pytest
import torch

from course_utils.checks import CheckError
from course_utils.compare import LogitsOnly, check_causal, hf_gpt2
from course_utils.gpt import GPT, Block, GPTConfig, load_hf_weights

CONFIG = GPTConfig(vocab_size=20, block_size=8, n_layer=2, n_head=2, n_embd=16)


def test_hf_gpt2_has_the_size_of_the_config_and_distinct_norms():
    model = hf_gpt2(CONFIG, seed=0)
    assert not model.training
    ours = GPT(CONFIG)
    assert sum(p.numel() for p in model.parameters()) == ours.num_params()
    block = model.transformer.h[0]
    assert not torch.allclose(block.ln_1.weight, block.ln_2.weight) and block.ln_1.bias.abs().sum() > 0
    assert torch.equal(hf_gpt2(CONFIG, seed=0).transformer.wte.weight, model.transformer.wte.weight)  # seeded


def test_its_block_and_model_match_the_course_gpt():
    model = hf_gpt2(CONFIG, seed=1)
    ours = GPT(CONFIG).eval()
    load_hf_weights(ours, model)
    block = Block(CONFIG).eval()
    load_hf_weights(block, model.transformer.h[0])
    idx, x = torch.randint(0, 20, (2, 8)), torch.randn(2, 8, 16)
    with torch.no_grad():
        assert torch.allclose(ours(idx)[0], model(idx).logits, atol=1e-4)
        assert torch.allclose(block(x), model.transformer.h[0](x), atol=1e-5)


def test_logits_only_returns_logits_and_refuses_a_text_longer_than_the_window():
    model = LogitsOnly(hf_gpt2(CONFIG))
    assert model.config.block_size == 8 and model.config.vocab_size == 20
    with torch.no_grad():
        assert model(torch.zeros(3, 8, dtype=torch.long)).shape == (3, 8, 20)
        with pytest.raises(ValueError, match="контекстное окно — 8"):
            model(torch.zeros(1, 9, dtype=torch.long))


class Leaky(torch.nn.Module):
    """Every position sees the mean of the whole text."""

    def __init__(self):
        super().__init__()
        self.config = CONFIG

    def forward(self, idx):
        x = torch.nn.functional.one_hot(idx, 20).float()
        return x + x.mean(dim=1, keepdim=True)


def test_check_causal_passes_a_causal_model_and_names_a_leak():
    check_causal(LogitsOnly(hf_gpt2(CONFIG)), torch.randint(0, 20, (2, 8)))
    with pytest.raises(CheckError, match="подглядывает в будущее"):
        check_causal(Leaky(), torch.randint(0, 20, (2, 8)))
