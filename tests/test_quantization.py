"""course_utils.quantization: the plumbing around the quantizers of notebook 05_quantization (chapter 05)."""
import pytest
import torch
from torch import nn
from transformers import AutoTokenizer
from transformers.pytorch_utils import Conv1D

from course_utils import quantization
from course_utils.data import sft_lora_path, tiny_gpt_path
from course_utils.finetuning import CHAT_TEMPLATE, collate, encode_example, generate_answers, load_model, load_sft


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(tiny_gpt_path())


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_linear_layers_are_the_sixteen_conv1d_of_the_blocks(model):
    layers = quantization.linear_layers(model)
    assert len(layers) == 16 and all(isinstance(layer, Conv1D) for layer in layers.values())
    assert not any(name.endswith(("lm_head", "wte", "wpe")) for name in layers)
    assert sum(quantization.linear_weight(layer).numel() for layer in layers.values()) == 786_432


def test_linear_weight_is_in_nn_linear_form(model):
    c_fc = model.transformer.h[0].mlp.c_fc  # Conv1D 128 → 512 stores (in, out)
    assert tuple(c_fc.weight.shape) == (128, 512)
    assert tuple(quantization.linear_weight(c_fc).shape) == (512, 128)
    linear = nn.Linear(3, 5)
    assert quantization.linear_weight(linear).data_ptr() == linear.weight.data_ptr()


def test_with_quantized_weights_copies_and_passes_linear_form(model):
    shapes = []

    def halve(w):
        shapes.append(tuple(w.shape))
        return w / 2

    before = model.transformer.h[1].attn.c_attn.weight.clone()
    halved = quantization.with_quantized_weights(model, halve)
    assert (512, 128) in shapes and (128, 512) in shapes and len(shapes) == 16
    assert torch.equal(model.transformer.h[1].attn.c_attn.weight, before)  # the original is untouched
    assert torch.allclose(halved.transformer.h[1].attn.c_attn.weight, before / 2)
    assert torch.equal(halved.transformer.wte.weight, model.transformer.wte.weight)  # embeddings stay


def test_identity_roundtrip_keeps_the_model(model):
    ids = torch.randint(0, 2048, (2, 10), generator=torch.Generator().manual_seed(0))
    same = quantization.with_quantized_weights(model, lambda w: w)
    with torch.no_grad():
        assert torch.equal(same(ids).logits, model(ids).logits)


def test_weight_error(model):
    assert quantization.weight_error(model, lambda w: w) == {"mean_abs": 0.0, "relative": 0.0}
    error = quantization.weight_error(model, lambda w: 0.9 * w)
    assert error["relative"] == pytest.approx(0.1, rel=1e-4) and error["mean_abs"] > 0


def test_answer_loss_is_the_sft_loss_per_answer_token(model, tokenizer):
    rows = load_sft("test")[:5]
    expected_sum, tokens = 0.0, 0
    for row in rows:  # one example at a time: transformers averages over its answer tokens
        batch = collate([encode_example(tokenizer, row)], tokenizer.eos_token_id)
        n = int((batch["labels"][:, 1:] != -100).sum())
        with torch.no_grad():
            expected_sum += model(**batch).loss.item() * n
        tokens += n
    assert quantization.answer_loss(model, tokenizer, rows, batch_size=2) == pytest.approx(expected_sum / tokens,
                                                                                          rel=1e-5)


def test_forward_seconds_is_a_positive_time(model):
    assert 0 < quantization.forward_seconds(model, torch.zeros(1, 8, dtype=torch.long)) < 5


def test_real_model_is_skipped_with_a_reason(monkeypatch):
    assert "RUN_REAL_MODEL = False" in quantization.real_model_skip_reason(False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert "нет видеокарты" in quantization.real_model_skip_reason(True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(quantization, "hub_reachable", lambda timeout=3.0: False)
    assert "нет сети" in quantization.real_model_skip_reason(True)
    monkeypatch.setattr(quantization, "hub_reachable", lambda timeout=3.0: True)
    assert quantization.real_model_skip_reason(True) is None


def test_hub_reachable_answers_without_hanging(monkeypatch):
    def refuse(address, timeout):
        raise OSError("network is unreachable")

    monkeypatch.setattr(quantization.socket, "create_connection", refuse)
    assert quantization.hub_reachable() is False


def test_chat_example_with_the_course_template_is_the_sft_example(tokenizer):
    chat = AutoTokenizer.from_pretrained(tiny_gpt_path())
    chat.chat_template = CHAT_TEMPLATE
    for row in load_sft("train")[:20]:
        assert quantization.chat_example(chat, row) == encode_example(tokenizer, row)


def test_chat_answers_match_the_course_generation():
    from peft import PeftModel

    chat = AutoTokenizer.from_pretrained(tiny_gpt_path())
    chat.chat_template = CHAT_TEMPLATE
    sft = PeftModel.from_pretrained(load_model(), str(sft_lora_path()))
    instructions = [row["instruction"] for row in load_sft("test")[:6]]
    assert quantization.chat_answers(sft, chat, instructions, max_new_tokens=12) == \
        generate_answers(sft, chat, instructions, max_new_tokens=12)
