"""Graders of chapter 05, notebook 05_quantization, called directly (no notebook is executed): each check accepts
its reference, rejects an unfinished answer and names every registered mistake; the visible cells of the notebook
catch the slips the text warns about with a message that names them."""
import math

import pytest
import torch

from course_utils import checks
from graders.ch05_finetuning import quantization
import cells
from cells import first_failure
from notebooks import SOLUTIONS, cells_by_grade_id, load, source

NOTEBOOK = SOLUTIONS / "05_finetuning" / "05_quantization.ipynb"
EXERCISES = list(quantization.CHECKS)
MISTAKES = [(grade_id, name, code, fragment) for grade_id, registry in quantization.MISTAKES.items()
            for name, (code, fragment) in registry.items()]
STUBS = {"05_finetuning_quant_memory": "def model_memory_gb(n_params, bits):\n",
         "05_finetuning_quant_absmax": "def quantize_absmax(w):\n",
         "05_finetuning_quant_dequantize_absmax": "def dequantize_absmax(q, scale):\n",
         "05_finetuning_quant_blocks": "def quantize_blocks(w, block_size=64):\n",
         "05_finetuning_quant_dequantize_blocks": "def dequantize_blocks(codes, scales, block_size=64):\n"}


def namespace() -> dict:
    """Names the notebook's setup cell makes available to a solution cell."""
    return {"torch": torch, "math": math, "checks": checks}


def defined(code: str):
    """The function or class a solution cell defines, run as in the notebook."""
    return cells.defined(code, namespace())


def test_registries_cover_every_exercise():
    assert set(quantization.REFERENCES) == set(quantization.CHECKS) == set(STUBS) == set(quantization.MISTAKES)
    assert all(len(registry) >= 2 for registry in quantization.MISTAKES.values())


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_passes_the_reference(grade_id, capsys):
    quantization.CHECKS[grade_id](quantization.REFERENCES[grade_id])
    captured = capsys.readouterr()
    assert "✓" in captured.out and captured.err == ""


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_names_an_unfinished_answer(grade_id):
    stub = defined(STUBS[grade_id] + "    raise NotImplementedError()")
    assert "ещё не написана" in first_failure(quantization.CHECKS[grade_id], stub)


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_rejects_a_missing_answer(grade_id):
    first_failure(quantization.CHECKS[grade_id], None)


@pytest.mark.parametrize("grade_id, mistake, code, fragment", MISTAKES,
                         ids=[f"{m[0]}-{m[1].replace(' ', '_')}" for m in MISTAKES])
def test_tests_name_the_mistake(grade_id, mistake, code, fragment):
    hidden = first_failure(quantization.CHECKS[grade_id], defined(code))
    assert fragment in hidden or fragment in visible_failure(grade_id, code)


# --- the references are the formulas and numbers of the text ---

def test_memory_of_the_text():
    assert [quantization.reference_model_memory_gb(7e9, b) for b in (32, 16, 8, 4)] == [28.0, 14.0, 7.0, 3.5]
    assert quantization.reference_model_memory_gb(7e9, 4 + 8 / 64 + 32 / (64 * 256)) == pytest.approx(3.61, abs=0.005)


def test_absmax_example_of_the_text():
    w = torch.tensor([[0.5, -1.27, 0.02, 1.0], [0.3, 0.004, -0.06, 0.1]])
    q, scale = quantization.reference_quantize_absmax(w)
    assert q.dtype == torch.int8 and q.tolist() == [[50, -127, 2, 100], [127, 2, -25, 42]]
    assert scale.shape == (2, 1) and torch.allclose(scale, torch.tensor([[0.01], [0.3 / 127]]))
    restored = quantization.reference_dequantize_absmax(q, scale)
    assert restored.dtype == torch.float32 and ((restored - w).abs() <= scale / 2 + 1e-7).all()


def test_block_example_of_the_text():
    w = torch.tensor([0.7, -0.1, 0.04, 0.36, -0.014, 0.002, 0.0035, -0.006])
    codes, scales = quantization.reference_quantize_blocks(w, 4)
    assert codes.tolist() == [7, -1, 0, 4, -7, 1, 2, -3] and torch.allclose(scales, torch.tensor([0.1, 0.002]))
    one_scale, _ = quantization.reference_quantize_blocks(w, 8)
    assert one_scale[4:].tolist() == [0, 0, 0, 0]  # one scale for all: the small block vanishes


@pytest.mark.parametrize("shape, block_size", [((5, 30), 64), ((8, 64), 64), ((100,), 16), ((3, 7, 11), 32)])
def test_block_roundtrip_error_is_at_most_half_a_step(shape, block_size):
    w = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    codes, scales = quantization.reference_quantize_blocks(w, block_size)
    assert codes.shape == w.shape and scales.shape == (math.ceil(w.numel() / block_size),)
    assert codes.abs().max() <= 7
    restored = quantization.reference_dequantize_blocks(codes, scales, block_size)
    step = scales.repeat_interleave(block_size)[:w.numel()].view(shape)
    assert ((restored - w).abs() <= step / 2 + 1e-6).all()


def test_truncation_is_named_even_if_the_scale_differs_in_the_last_bit():
    """A student who computes the scale as absmax * (1 / 127) truncates the same codes, up to a weight or two."""
    code = ("def quantize_absmax(w):\n"
            "    scale = w.abs().amax(dim=1, keepdim=True) * (1 / 127)\n"
            "    return (w / scale).to(torch.int8), scale")
    assert "отбрасывают дробную часть" in first_failure(quantization.check_quantize_absmax, defined(code))


# --- visible cells: the slips the text warns about are caught already there, and named ---

def visible_failure(grade_id: str, code: str) -> str:
    """The message the visible test cell of ``grade_id`` fails with after the answer ``code``."""
    return cells.visible_failure(NOTEBOOK, grade_id, code, namespace())


@pytest.mark.parametrize("grade_id, mistake", [
    ("05_finetuning_quant_memory", "bits treated as bytes (no division by 8)"),
    ("05_finetuning_quant_memory", "multiplied by 8 instead of dividing"),
    ("05_finetuning_quant_memory", "GiB instead of GB without saying"),
    ("05_finetuning_quant_absmax", "absmax of the whole tensor"),
    ("05_finetuning_quant_absmax", "absmax over columns (dim=0)"),
    ("05_finetuning_quant_absmax", "rounding by truncation"),
    ("05_finetuning_quant_absmax", "divided by 128, cast without clamping (wraps to -128)"),
    ("05_finetuning_quant_absmax", "cast before clamping"),
    ("05_finetuning_quant_dequantize_absmax", "scale forgotten"),
    ("05_finetuning_quant_blocks", "one scale for the whole tensor"),
    ("05_finetuning_quant_blocks", "levels ±8"),
    ("05_finetuning_quant_blocks", "last partial block forgotten"),
    ("05_finetuning_quant_blocks", "reshape fails on a partial last block"),
    ("05_finetuning_quant_dequantize_blocks", "scales tiled with repeat"),
    ("05_finetuning_quant_dequantize_blocks", "view fails on a partial last block"),
])
def test_visible_cell_names_the_slip(grade_id, mistake):
    code, fragment = quantization.MISTAKES[grade_id][mistake]
    assert fragment in visible_failure(grade_id, code)


def test_visible_cells_pass_the_references():
    for grade_id, reference in quantization.REFERENCES.items():
        cell = cells_by_grade_id(load(NOTEBOOK))[f"{grade_id}_visible"]
        scope = namespace()
        scope[reference.__name__.removeprefix("reference_")] = reference
        exec(compile(source(cell), "<visible>", "exec"), scope)
