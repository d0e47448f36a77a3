"""course_utils.lora: LoRA for the Conv1D layers of the course GPT, the trainable EOS row, and the match with peft."""
import warnings

import pytest
import torch
from torch import nn
from transformers import AutoTokenizer
from transformers.pytorch_utils import Conv1D

from course_utils import lora
from course_utils.data import sft_lora_path, tiny_gpt_path
from course_utils.finetuning import collate, encode_example, load_model, load_sft, train_sft


def conv(d_in, d_out, seed=0):
    torch.manual_seed(seed)
    layer = Conv1D(d_out, d_in)
    nn.init.normal_(layer.bias)
    return layer


def peft_model(eos_row=True, **config):
    from peft import LoraConfig, get_peft_model

    settings = {"r": 16, "lora_alpha": 32, "target_modules": ["c_attn", "c_proj", "c_fc"], "fan_in_fan_out": True,
                "task_type": "CAUSAL_LM", "trainable_token_indices": [0] if eos_row else None, **config}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_peft_model(load_model(), LoraConfig(**settings))


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(tiny_gpt_path())


def test_lora_conv1d_starts_as_its_base_and_trains_only_a_and_b():
    base = conv(12, 20)
    layer = lora.LoRAConv1D(base, r=3, alpha=6)
    assert layer.A.shape == (3, 12) and layer.B.shape == (20, 3) and layer.scale == 2
    assert not any(p.requires_grad for p in base.parameters())
    assert sum(p.numel() for p in layer.parameters() if p.requires_grad) == 3 * (12 + 20)
    x = torch.randn(2, 5, 12)
    assert torch.equal(layer(x), base(x))
    layer(x).sum().backward()
    assert layer.A.grad is not None and layer.B.grad is not None and base.weight.grad is None


def test_lora_conv1d_forward_and_merge_transpose_the_update():
    layer = lora.LoRAConv1D(conv(8, 6), r=2, alpha=4)
    with torch.no_grad():
        layer.B.normal_()
    x = torch.randn(4, 8)
    expected = x @ (layer.base.weight + 2 * (layer.B @ layer.A).T) + layer.base.bias
    assert torch.allclose(layer(x), expected, atol=1e-5)
    assert layer.delta_weight().shape == layer.base.weight.shape == (8, 6)
    merged = layer.merged()
    assert type(merged) is Conv1D and torch.allclose(merged(x), layer(x), atol=1e-5)
    assert "r=2" in repr(layer)


def test_lora_conv1d_rejects_wrong_input():
    with pytest.raises(TypeError, match="Conv1D"):
        lora.LoRAConv1D(nn.Linear(4, 4), r=2, alpha=2)
    for r in (0, 1.5, True):
        with pytest.raises(ValueError, match="Ранг"):
            lora.LoRAConv1D(conv(4, 4), r=r, alpha=2)


def test_add_lora_wraps_every_conv1d_and_freezes_the_rest():
    model = lora.add_lora(load_model(), r=16, alpha=32)
    layers = lora.lora_layers(model)
    assert len(layers) == 16 and {name.rsplit(".", 1)[-1] for name in layers} == {"c_attn", "c_proj", "c_fc"}
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(name.endswith((".A", ".B")) for name in trainable)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 131_072
    ids = torch.randint(0, 2048, (2, 10), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(model(input_ids=ids).logits, load_model()(input_ids=ids).logits)


def test_add_lora_on_attention_only_and_errors():
    model = lora.add_lora(load_model(), r=4, alpha=8, targets=("c_attn",))
    assert len(lora.lora_layers(model)) == 4
    with pytest.raises(ValueError, match="некуда"):
        lora.add_lora(load_model(), r=4, alpha=8, targets=("q_proj",))


def test_trainable_tokens_change_only_their_row_in_the_embedding_and_the_tied_head():
    model = lora.add_lora(load_model(), r=4, alpha=8, token_ids=[0])
    tokens = model.get_input_embeddings()
    assert isinstance(tokens, lora.TrainableTokens) and tokens.rows.shape == (1, 128)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 4 * 4 * 2048 + 128  # r · (d_in + d_out) = 4 · 2048 per block, 4 blocks
    ids = torch.tensor([[5, 0, 7, 9]])
    with torch.no_grad():
        before = model(input_ids=ids).logits
        tokens.rows.add_(torch.randn(1, 128, generator=torch.Generator().manual_seed(0)))
        after = model(input_ids=ids).logits
    changed = (after - before).abs().amax(dim=(0, 1))
    assert changed[0] > 1 and changed[1:].max() < changed[0]  # the EOS logit moves most: its row is the head's row
    weight = tokens.full_weight()
    assert torch.equal(weight[1:], tokens.base.weight[1:]) and torch.equal(weight[0], tokens.rows[0])


def test_add_lora_refuses_token_rows_without_tied_embeddings():
    model = load_model()
    model.lm_head.weight = nn.Parameter(model.lm_head.weight.detach().clone())
    with pytest.raises(ValueError, match="связанными"):
        lora.add_lora(model, r=2, alpha=4, token_ids=[0])


def test_own_lora_matches_peft_on_the_same_weights():
    torch.manual_seed(0)
    theirs = peft_model()
    with torch.no_grad():
        for p in theirs.parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn_like(p))
    own = lora.add_lora(load_model(), r=16, alpha=32, token_ids=[0])
    lora.copy_from_peft(own, theirs)
    ids = torch.randint(0, 2048, (3, 20), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        difference = (own(input_ids=ids).logits - theirs(input_ids=ids).logits).abs().max().item()
        change = (theirs(input_ids=ids).logits - load_model()(input_ids=ids).logits).abs().max().item()
    assert difference < 1e-5 < 0.1 < change


def test_copy_from_peft_refuses_a_different_scale():
    own = lora.add_lora(load_model(), r=8, alpha=8)
    with pytest.raises(ValueError, match="масштаб"):
        lora.copy_from_peft(own, peft_model(eos_row=False, r=8, lora_alpha=16))


@pytest.mark.skipif(not (sft_lora_path() / "adapter_model.safetensors").is_file(), reason="adapter not built")
def test_own_lora_reproduces_the_shipped_adapter(tokenizer):
    from peft import PeftModel

    shipped = PeftModel.from_pretrained(load_model(), str(sft_lora_path()))
    own = lora.add_lora(load_model(), r=16, alpha=32, token_ids=[tokenizer.eos_token_id])
    lora.copy_from_peft(own, shipped)
    batch = collate([encode_example(tokenizer, row) for row in load_sft("test")[:16]], tokenizer.eos_token_id)
    with torch.no_grad():
        assert torch.allclose(own(**batch).logits, shipped(**batch).logits, atol=1e-5)


def test_train_sft_moves_only_the_lora_parameters(tokenizer):
    torch.manual_seed(0)
    model = lora.add_lora(load_model(), r=2, alpha=4, token_ids=[tokenizer.eos_token_id])
    frozen = {name: p.detach().clone() for name, p in model.named_parameters() if not p.requires_grad}
    train_sft(model, tokenizer, load_sft("train")[:32], steps=3, lr=3e-3, batch_size=4, warmup=1, log_every=3)
    assert all(torch.equal(p, frozen[name]) for name, p in model.named_parameters() if not p.requires_grad)
    assert any(bool((layer.B != 0).any()) for layer in lora.lora_layers(model).values())


def test_answer_losses_show_the_untrained_eos(tokenizer):
    losses = lora.answer_losses(load_model(), tokenizer, load_sft("test")[:32])
    assert set(losses) == {"answer", "eos", "other"}
    assert losses["eos"] > losses["other"] > 0  # the base model never predicted EOS


def test_long_runs_hold_every_configuration():
    report = lora.long_runs()
    assert [run["r"] for run in report["ranks"]] == [1, 4, 16]
    assert len(report["targets"]) == 4 and report["steps"] >= 300
    for run in report["targets"] + report["ranks"]:
        assert 0 <= run["exact_match_test"]["all"] <= 1 and run["trainable"] > 0
