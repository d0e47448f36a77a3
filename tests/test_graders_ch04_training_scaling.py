"""Graders of chapter 04, notebooks 03_training and 04_scaling_laws, called directly (no notebook is executed):
each check accepts its reference, rejects an unfinished answer and names every registered mistake; the visible cells
of the notebooks catch the slips the text warns about with a message that names them."""
import math

import numpy as np
import pytest
import torch

from course_utils import checks, pretraining
from graders.ch04_pretraining import scaling_laws, training
import cells
from cells import first_failure
from notebooks import SOLUTIONS

MODULES = [training, scaling_laws]
NOTEBOOKS = {training: "03_training.ipynb", scaling_laws: "04_scaling_laws.ipynb"}
EXERCISES = [(module, grade_id) for module in MODULES for grade_id in module.CHECKS]
MISTAKES = [(module, grade_id, name, code, fragment) for module in MODULES
            for grade_id, registry in module.MISTAKES.items() for name, (code, fragment) in registry.items()]
STUBS = {"04_pretraining_train_make_examples": "def make_examples(ids, block_size):\n",
         "04_pretraining_train_iterations": "def iterations_per_epoch(n_examples, batch_size):\n",
         "04_pretraining_train_sample_next": "def sample_next(logits, temperature=1.0, top_k=None):\n",
         "04_pretraining_scaling_flops": "def training_flops(n_params, n_tokens):\n",
         "04_pretraining_scaling_fit_power_law": "def fit_power_law(n, loss):\n"}


SETUP_NAMES = {"torch": torch, "np": np, "math": math, "checks": checks, "pretraining": pretraining}


def defined(code: str):
    """The function a solution cell defines, run as in the notebooks."""
    return cells.defined(code, SETUP_NAMES)


@pytest.mark.parametrize("module, grade_id", EXERCISES, ids=[g for _, g in EXERCISES])
def test_check_passes_the_reference(module, grade_id, capsys):
    module.CHECKS[grade_id](module.REFERENCES[grade_id])
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("module, grade_id", EXERCISES, ids=[g for _, g in EXERCISES])
def test_check_names_an_unfinished_answer(module, grade_id):
    stub = defined(STUBS[grade_id] + "    raise NotImplementedError()")
    assert "ещё не написана" in first_failure(module.CHECKS[grade_id], stub)


@pytest.mark.parametrize("module, grade_id, mistake, code, fragment", MISTAKES,
                         ids=[f"{m[1]}-{m[2].replace(' ', '_')}" for m in MISTAKES])
def test_tests_name_the_mistake(module, grade_id, mistake, code, fragment):
    hidden = first_failure(module.CHECKS[grade_id], defined(code))
    assert fragment in hidden or fragment in visible_failure(NOTEBOOKS[module], grade_id, code)


def test_top_k_off_by_one_is_not_blamed_on_multinomial():
    code = training.MISTAKES["04_pretraining_train_sample_next"]["top-k keeps k - 1 tokens (<= threshold)"][0]
    message = first_failure(training.check_sample_next, defined(code))
    assert "k − 1" in message and "multinomial" not in message


def test_references_are_the_formulas_of_the_text():
    x, y = training.reference_make_examples(torch.arange(100, 109), 3)
    assert torch.equal(x, torch.tensor([[100, 101, 102], [103, 104, 105]])) and torch.equal(y, x + 1)
    assert [training.reference_iterations_per_epoch(1000, b) for b in (1, 100, 300, 1000, 5000)] == [1000, 10, 4, 1, 1]
    probs = training.reference_probs(torch.tensor([[2.0, 1.0, 0.0]]), 0.5)
    assert torch.allclose(probs, torch.tensor([[0.867, 0.117, 0.016]]), atol=1e-3)
    top2 = training.reference_probs(torch.tensor([[2.0, 1.0, 0.0]]), 1.0, top_k=2)
    assert torch.allclose(top2, torch.tensor([[0.731, 0.269, 0.0]]), atol=1e-3)
    assert scaling_laws.reference_training_flops(1e6, 2e7) == pytest.approx(1.2e14)
    assert scaling_laws.reference_training_flops(175e9, 300e9) == pytest.approx(3.15e23)


@pytest.mark.parametrize("a, alpha", [(5.0, 0.1), (8.0, 0.25), (3.2, 0.076), (1.5, -0.3)])
def test_reference_fit_recovers_an_exact_power_law(a, alpha):
    n = np.logspace(2, 9, 8)
    a_fit, alpha_fit = scaling_laws.reference_fit_power_law(n, a * n ** -alpha)
    assert type(a_fit) is float and type(alpha_fit) is float
    assert (a_fit, alpha_fit) == pytest.approx((a, alpha), rel=1e-9, abs=1e-12)


def test_reference_fit_is_least_squares_in_logs_and_accepts_lists():
    rng = np.random.default_rng(0)
    n = np.logspace(3, 8, 10)
    loss = 4.0 * n ** -0.08 * np.exp(rng.normal(0, 0.05, 10))
    slope, intercept = scaling_laws.least_squares_line(np.log(n), np.log(loss))
    a_fit, alpha_fit = scaling_laws.reference_fit_power_law(list(n), list(loss))
    assert alpha_fit == pytest.approx(-slope, rel=1e-9)
    assert math.log(a_fit) == pytest.approx(intercept, rel=1e-9)


# --- visible cells: the slips the text warns about are caught already there, and named ---

def visible_failure(notebook: str, grade_id: str, code: str) -> str:
    """The message the visible test cell of ``grade_id`` fails with after the answer ``code``."""
    return cells.visible_failure(SOLUTIONS / "04_pretraining" / notebook, grade_id, code, SETUP_NAMES)


@pytest.mark.parametrize("notebook, grade_id, mistake", [
    ("03_training.ipynb", "04_pretraining_train_make_examples", "last window overruns the data (N = len // block_size)"),
    ("03_training.ipynb", "04_pretraining_train_make_examples", "targets not shifted"),
    ("03_training.ipynb", "04_pretraining_train_iterations", "floor division"),
    ("03_training.ipynb", "04_pretraining_train_sample_next", "top-k keeps k - 1 tokens (<= threshold)"),
    ("03_training.ipynb", "04_pretraining_train_sample_next", "top-k keeps k + 1 tokens"),
    ("03_training.ipynb", "04_pretraining_train_sample_next", "temperature applied after softmax"),
    ("04_scaling_laws.ipynb", "04_pretraining_scaling_flops", "forward pass only (2ND)"),
    ("04_scaling_laws.ipynb", "04_pretraining_scaling_fit_power_law", "slope returned instead of alpha"),
])
def test_visible_cell_names_the_slip(notebook, grade_id, mistake):
    module = {name: module for module, name in NOTEBOOKS.items()}[notebook]
    code, fragment = module.MISTAKES[grade_id][mistake]
    message = visible_failure(notebook, grade_id, code)
    assert fragment in message
    if mistake.startswith("top-k"):  # the student did draw with multinomial: the hint must blame the threshold
        assert "multinomial" not in message
