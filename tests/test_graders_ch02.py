"""graders.ch02_attention without notebooks: references pass, stubs and every registered mistake fail by name."""
import ast
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import attention as reference
from course_utils import checks
from course_utils.checks import CheckError
from graders import chapter_registry
from graders.ch02_attention import E2E_MISTAKES, MISTAKES, multi_head

PACKAGE = "graders.ch02_attention"
REFERENCES = chapter_registry(PACKAGE, "REFERENCES")
CHECKS = chapter_registry(PACKAGE, "CHECKS")
CASES = [(grade_id, name, code, fragment)
         for grade_id, mistakes in MISTAKES.items() for name, (code, fragment) in mistakes.items()]

# Заготовки, какими их выдаёт nbgrader: функция (или forward) с raise NotImplementedError().
STUBS = {
    "02_attention_why_weights": "def attention_weights(scores):\n    raise NotImplementedError()",
    "02_attention_why_mix": "def mix_values(weights, values):\n    raise NotImplementedError()",
    "02_attention_sdpa_qkv": "def project_qkv(X, W_q, W_k, W_v):\n    raise NotImplementedError()",
    "02_attention_sdpa_forward": "def attention(q, k, v, mask=None):\n    raise NotImplementedError()",
    "02_attention_sdpa_causal_mask": "def causal_mask(T):\n    raise NotImplementedError()",
    "02_attention_mha_split_heads": "def split_heads(x, n_heads):\n    raise NotImplementedError()",
    "02_attention_mha_merge_heads": "def merge_heads(x):\n    raise NotImplementedError()",
    "02_attention_mha_module": multi_head._CLASS + "        raise NotImplementedError()",
    "02_attention_mha_fit_exponent": "def fit_power_law(lengths, values):\n    raise NotImplementedError()",
}


def answer_of(code: str, namespace: dict | None = None):
    """Выполняет ячейку решения, как в ноутбуке (импорты первой ячейки), и возвращает то, что она определила."""
    namespace = {"__name__": "__main__", "math": math, "np": np, "torch": torch, "nn": nn, "F": F, "checks": checks,
                 **(namespace or {})}
    exec(compile(code, "<cell>", "exec"), namespace)
    return namespace[ast.parse(code).body[-1].name]


def test_every_exercise_has_a_stub():
    assert set(STUBS) == set(REFERENCES)


@pytest.mark.parametrize("grade_id", sorted(STUBS))
def test_stub_is_reported_as_unfinished(grade_id):
    with pytest.raises(CheckError, match="ещё не написана"):
        CHECKS[grade_id](answer_of(STUBS[grade_id]))


@pytest.mark.filterwarnings("ignore:The use of `x.T`")
@pytest.mark.parametrize("grade_id, name, code, fragment", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_mistake_fails_with_its_message(grade_id, name, code, fragment):
    helpers = {"split_heads": reference.split_heads, "merge_heads": reference.merge_heads}
    with pytest.raises(CheckError) as error:
        CHECKS[grade_id](answer_of(code, helpers))
    assert fragment in str(error.value)


def test_multi_head_attention_is_graded_with_reference_helpers_when_the_students_are_unfinished():
    stubs = {"split_heads": answer_of(STUBS["02_attention_mha_split_heads"]),
             "merge_heads": answer_of(STUBS["02_attention_mha_merge_heads"])}
    correct = multi_head._forward(multi_head._SCORES, multi_head._MASKED, multi_head._SOFTMAX, multi_head._RETURN)
    multi_head.check_multi_head_attention(answer_of(correct, stubs))
