"""Graders of chapter 05, notebooks 03_lora and 04_peft_trainer, called directly (no notebook is executed): each check
accepts its reference, rejects an unfinished answer and names every registered mistake; the visible cells of the
notebooks catch the slips the text warns about with a message that names them."""
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn
from transformers.pytorch_utils import Conv1D

from course_utils import checks
from course_utils.finetuning import load_model
from graders.ch05_finetuning import lora, peft_trainer
import cells
from cells import first_failure
from notebooks import SOLUTIONS, cells_by_grade_id, load, source

MODULES = [lora, peft_trainer]
NOTEBOOKS = {lora: "03_lora.ipynb", peft_trainer: "04_peft_trainer.ipynb"}
EXERCISES = [(module, grade_id) for module in MODULES for grade_id in module.CHECKS]
MISTAKES = [(module, grade_id, name, code, fragment) for module in MODULES
            for grade_id, registry in module.MISTAKES.items() for name, (code, fragment) in registry.items()]
STUBS = {"05_finetuning_lora_layer": ("class LoRALinear(nn.Module):\n"
                                      "    def __init__(self, base, r, alpha):\n"
                                      "        super().__init__()\n"
                                      "        raise NotImplementedError()\n\n"
                                      "    def forward(self, x):\n"
                                      "        raise NotImplementedError()\n"),
         "05_finetuning_lora_count": "def lora_parameter_count(d_in, d_out, r):\n    raise NotImplementedError()\n",
         "05_finetuning_lora_merge": "def merge_lora(layer):\n    raise NotImplementedError()\n",
         "05_finetuning_peft_layer_names": "def linear_layer_names(model):\n    raise NotImplementedError()\n",
         "05_finetuning_peft_trainable_share": "def trainable_share(model):\n    raise NotImplementedError()\n"}


def namespace() -> dict:
    """Names the notebooks' setup cells give the solution and test cells."""
    return {"torch": torch, "nn": nn, "math": math, "np": np, "checks": checks, "Conv1D": Conv1D,
            "SimpleNamespace": SimpleNamespace, "load_model": load_model}


def defined(code: str):
    """The function or class a solution cell defines, run as in the notebook."""
    return cells.defined(code, namespace())


def test_every_exercise_has_a_stub_and_mistakes():
    assert set(STUBS) == {grade_id for _, grade_id in EXERCISES}
    assert all(len(module.MISTAKES[grade_id]) >= 2 for module, grade_id in EXERCISES)


@pytest.mark.parametrize("module, grade_id", EXERCISES, ids=[g for _, g in EXERCISES])
def test_check_passes_the_reference(module, grade_id, capsys):
    module.CHECKS[grade_id](module.REFERENCES[grade_id])
    captured = capsys.readouterr()
    assert "✓" in captured.out and not captured.err


@pytest.mark.parametrize("module, grade_id", EXERCISES, ids=[g for _, g in EXERCISES])
def test_check_names_an_unfinished_answer(module, grade_id):
    assert "ещё не написана" in first_failure(module.CHECKS[grade_id], defined(STUBS[grade_id]))


@pytest.mark.parametrize("module, grade_id, mistake, code, fragment", MISTAKES,
                         ids=[f"{m[1]}-{m[2].replace(' ', '_')}" for m in MISTAKES])
def test_tests_name_the_mistake(module, grade_id, mistake, code, fragment):
    hidden = first_failure(module.CHECKS[grade_id], defined(code))
    assert fragment in hidden or fragment in visible_failure(NOTEBOOKS[module], grade_id, code)


def test_lora_reference_is_the_formula_of_the_text():
    torch.manual_seed(0)
    base = nn.Linear(6, 4)
    layer = lora.ReferenceLoRALinear(base, 2, 8)
    assert layer.scale == 4 and not base.weight.requires_grad and torch.count_nonzero(layer.B) == 0
    with torch.no_grad():
        layer.B.normal_()
    x = torch.randn(3, 6)
    expected = base(x) + 4 * x @ (layer.B @ layer.A).T
    assert torch.allclose(layer(x), expected, atol=1e-5)
    merged = lora.reference_merge_lora(layer)
    assert type(merged) is nn.Linear and torch.allclose(merged(x), expected, atol=1e-5)
    assert lora.reference_lora_parameter_count(1000, 1000, 4) == 8000
    assert lora.reference_lora_parameter_count(128, 384, 16) == 8192


def test_merge_check_accepts_any_object_with_the_four_fields():
    """The visible cell passes a SimpleNamespace; merge_lora must not need a real module."""
    torch.manual_seed(1)
    stand_in = SimpleNamespace(base=nn.Linear(5, 3), A=torch.randn(2, 5), B=torch.randn(3, 2), scale=0.5)
    merged = lora.reference_merge_lora(stand_in)
    assert torch.allclose(merged.weight, stand_in.base.weight + 0.5 * stand_in.B @ stand_in.A)


def test_peft_references_on_the_course_models():
    assert peft_trainer.reference_linear_layer_names(load_model()) == ["c_attn", "c_fc", "c_proj"]
    assert peft_trainer.reference_linear_layer_names(peft_trainer.tiny_mistral()) == [
        "down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]
    assert peft_trainer.reference_linear_layer_names(peft_trainer.tiny_opt()) == [
        "fc1", "fc2", "k_proj", "out_proj", "q_proj", "v_proj"]
    model = peft_trainer.with_lora(load_model(), r=16, lora_alpha=32, target_modules=["c_attn", "c_proj", "c_fc"],
                                   fan_in_fan_out=True, trainable_token_indices=[0])
    trainable, total = model.get_nb_trainable_parameters()
    assert (trainable, total) == (131_200, 1_194_880)
    assert peft_trainer.reference_trainable_share(model) == pytest.approx(100 * trainable / total, rel=1e-12)


# --- visible cells: the slips the text warns about are caught already there, and named ---

def visible_namespace(notebook: str) -> dict:
    """What the notebook's cells before a visible test cell define, as far as the visible cells read it."""
    scope = namespace()
    if notebook == "04_peft_trainer.ipynb":
        scope["peft_gpt"] = peft_trainer.with_lora(load_model(), r=16, lora_alpha=32, fan_in_fan_out=True,
                                                   target_modules=["c_attn", "c_proj", "c_fc"],
                                                   trainable_token_indices=[0])
    return scope


def visible_failure(notebook: str, grade_id: str, code: str) -> str:
    """The message the visible test cell of ``grade_id`` fails with after the answer ``code``."""
    return cells.visible_failure(SOLUTIONS / "05_finetuning" / notebook, grade_id, code, visible_namespace(notebook))


@pytest.mark.parametrize("notebook, module, grade_id", [
    ("03_lora.ipynb", lora, "05_finetuning_lora_layer"),
    ("03_lora.ipynb", lora, "05_finetuning_lora_count"),
    ("03_lora.ipynb", lora, "05_finetuning_lora_merge"),
    ("04_peft_trainer.ipynb", peft_trainer, "05_finetuning_peft_layer_names"),
    ("04_peft_trainer.ipynb", peft_trainer, "05_finetuning_peft_trainable_share"),
])
def test_visible_cell_passes_the_reference(notebook, module, grade_id, capsys):
    cell = cells_by_grade_id(load(SOLUTIONS / "05_finetuning" / notebook))[f"{grade_id}_visible"]
    scope = visible_namespace(notebook)
    reference = module.REFERENCES[grade_id]
    scope[{"05_finetuning_lora_layer": "LoRALinear", "05_finetuning_lora_count": "lora_parameter_count",
           "05_finetuning_lora_merge": "merge_lora", "05_finetuning_peft_layer_names": "linear_layer_names",
           "05_finetuning_peft_trainable_share": "trainable_share"}[grade_id]] = reference
    exec(compile(source(cell), "<visible>", "exec"), scope)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("notebook, module, grade_id, mistake, fragment", [
    ("03_lora.ipynb", lora, "05_finetuning_lora_layer", "B initialised randomly", "B не нулевая"),
    ("03_lora.ipynb", lora, "05_finetuning_lora_layer", "scale r / alpha", "а не r / alpha"),
    ("03_lora.ipynb", lora, "05_finetuning_lora_layer", "base left trainable", "base должен быть заморожен"),
    ("03_lora.ipynb", lora, "05_finetuning_lora_layer", "A and B shapes swapped", "Формы A и B перепутаны"),
    ("03_lora.ipynb", lora, "05_finetuning_lora_count", "product instead of sum", "складываются, а не перемножаются"),
    ("03_lora.ipynb", lora, "05_finetuning_lora_count", "only A counted", "только одна матрица"),
    ("03_lora.ipynb", lora, "05_finetuning_lora_merge", "update transposed (Conv1D habit)", "не нужно транспонировать"),
    ("03_lora.ipynb", lora, "05_finetuning_lora_merge", "scale forgotten", "умножают на масштаб"),
    ("04_peft_trainer.ipynb", peft_trainer, "05_finetuning_peft_layer_names", "lm_head included", "lm_head"),
    ("04_peft_trainer.ipynb", peft_trainer, "05_finetuning_peft_layer_names", "Conv1D forgotten", "Conv1D"),
    ("04_peft_trainer.ipynb", peft_trainer, "05_finetuning_peft_layer_names", "duplicates kept", "один раз"),
    ("04_peft_trainer.ipynb", peft_trainer, "05_finetuning_peft_trainable_share", "ratio, not percent",
     "умножьте долю на 100"),
    ("04_peft_trainer.ipynb", peft_trainer, "05_finetuning_peft_trainable_share", "frozen parameters counted",
     "замороженные"),
])
def test_visible_cell_names_the_slip(notebook, module, grade_id, mistake, fragment):
    code, _ = module.MISTAKES[grade_id][mistake]
    assert fragment in visible_failure(notebook, grade_id, code)
