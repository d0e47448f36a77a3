"""graders.ch03_transformers without notebooks: references pass, stubs and every registered mistake fail by name."""
import ast
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import checks
from course_utils.attention import attention, merge_heads, split_heads
from course_utils.checks import CheckError
from course_utils.gpt import GPT, Block, CausalSelfAttention, GPTConfig, MLP
from graders import chapter_registry
from graders.ch03_transformers import E2E_MISTAKES, MISTAKES, block, encoder_decoder, gpt

PACKAGE = "graders.ch03_transformers"
REFERENCES = chapter_registry(PACKAGE, "REFERENCES")
CHECKS = chapter_registry(PACKAGE, "CHECKS")
CASES = [(grade_id, name, code, fragment)
         for grade_id, mistakes in MISTAKES.items() for name, (code, fragment) in mistakes.items()]

# Заготовки, какими их выдаёт nbgrader: тело функции (или forward) — raise NotImplementedError().
_RAISE = "    raise NotImplementedError()"
STUBS = {
    "03_transformers_encdec_shift_right": encoder_decoder._SHIFT + _RAISE,
    "03_transformers_encdec_attend": encoder_decoder._ATTEND + _RAISE,
    "03_transformers_block_positional_encoding": block._PE + _RAISE,
    "03_transformers_block_embed": block._EMBED + _RAISE,
    "03_transformers_block_layer_norm": block._LN + _RAISE,
    "03_transformers_block_pre_norm": block._BLOCK + "    " + _RAISE,
    "03_transformers_gpt_forward": gpt._INIT + "    " + _RAISE,
    "03_transformers_gpt_param_count": gpt._COUNT + _RAISE,
    "03_transformers_gpt_greedy": gpt._GREEDY + _RAISE,
    "03_transformers_gpt_top_k_gates": gpt._GATES + _RAISE,
    "03_transformers_gpt_combine": gpt._COMBINE + _RAISE,
    "03_transformers_gpt_image_tokens": gpt._PATCHES + _RAISE,
}


def answer_of(code: str):
    """Выполняет ячейку решения с импортами первых ячеек ноутбуков и возвращает то, что она определила."""
    namespace = {"__name__": "__main__", "math": math, "torch": torch, "nn": nn, "F": F, "checks": checks,
                 "attention": attention, "split_heads": split_heads, "merge_heads": merge_heads,
                 "CausalSelfAttention": CausalSelfAttention, "GPTConfig": GPTConfig, "MLP": MLP,
                 "positional_encoding": block.reference_positional_encoding}
    exec(compile(code, "<cell>", "exec"), namespace)
    return namespace[ast.parse(code).body[-1].name]


def test_every_exercise_has_a_stub():
    assert set(STUBS) == set(REFERENCES)


@pytest.mark.parametrize("grade_id", sorted(STUBS))
def test_stub_is_reported_as_unfinished(grade_id):
    with pytest.raises(CheckError, match="ещё не написана"):
        CHECKS[grade_id](answer_of(STUBS[grade_id]))


@pytest.mark.parametrize("grade_id, name, code, fragment", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_mistake_fails_with_its_message(grade_id, name, code, fragment):
    with pytest.raises(CheckError) as error:
        CHECKS[grade_id](answer_of(code))
    assert fragment in str(error.value)


def test_layer_norm_check_restores_the_builtin_layer_norm():
    with pytest.raises(CheckError, match="готовые F.layer_norm"):
        block.check_layer_norm(answer_of(MISTAKES["03_transformers_block_layer_norm"]["built-in F.layer_norm"][0]))
    x = torch.randn(2, 4)
    assert torch.allclose(F.layer_norm(x, (4,)), nn.LayerNorm(4)(x))


def test_reference_greedy_generation_is_the_course_gpts_greedy_generate():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=30, block_size=8, n_layer=2, n_head=2, n_embd=16)).eval()
    logits_only = gpt.ReferenceMiniGPT(model.config).eval()
    logits_only.load_state_dict(model.state_dict())
    prompt = torch.randint(0, 30, (2, 6))
    assert torch.equal(gpt.reference_greedy_generate(logits_only, prompt, 10), model.generate(prompt, 10, temperature=0))


def test_reference_answers_of_gpt_and_block_are_the_course_gpt_and_block():
    assert issubclass(gpt.ReferenceMiniGPT, GPT) and REFERENCES["03_transformers_block_pre_norm"] is Block


def test_reference_answers_of_the_seq2seq_notebook():
    targets = torch.tensor([[1, 2, 3], [4, 5, 6]])
    assert encoder_decoder.reference_decoder_inputs(targets, 9).tolist() == [[9, 1, 2], [9, 4, 5]]
    torch.manual_seed(0)
    state, states = torch.randn(3, 5), torch.randn(3, 7, 5)
    context, weights = encoder_decoder.reference_attend(state, states)
    # attention() of chapter 2 divides by √d_k: multiply the query by √d_k to undo it
    expected, expected_weights = attention(state.unsqueeze(1) * 5 ** 0.5, states, states)
    assert torch.allclose(context, expected.squeeze(1), atol=1e-5)
    assert torch.allclose(weights, expected_weights.squeeze(1), atol=1e-6)


def test_reference_positional_encoding_and_layer_norm():
    pe = block.reference_positional_encoding(3, 4)
    assert pe.dtype == torch.float32 and pe[0].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert torch.allclose(pe[2], torch.tensor([math.sin(2), math.cos(2), math.sin(0.02), math.cos(0.02)]), atol=1e-6)
    x, weight, bias = torch.randn(2, 3, 8) * 0.01, torch.randn(8), torch.randn(8)
    assert torch.allclose(block.reference_layer_norm(x, weight, bias, 0.1), F.layer_norm(x, (8,), weight, bias, 0.1),
                          atol=1e-5)


def test_reference_router_and_combination_of_experts():
    weights, indices = gpt.reference_top_k_gates(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    assert indices.tolist() == [[1, 2]] and torch.allclose(weights, torch.softmax(torch.tensor([[3.0, 2.0]]), -1))
    torch.manual_seed(0)
    experts = [nn.Linear(6, 6) for _ in range(4)]
    x = torch.randn(10, 6)
    weights, indices = gpt.reference_top_k_gates(torch.randn(10, 4), 2)
    expected = torch.stack([sum(weights[n, j] * experts[indices[n, j]](x[n]) for j in range(2)) for n in range(10)])
    assert torch.allclose(gpt.reference_combine_experts(x, experts, weights, indices), expected, atol=1e-6)
