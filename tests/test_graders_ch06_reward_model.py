"""Grader of chapter 06, notebook 02_reward_model, called directly (no notebook is executed): each check accepts its
reference and answers written differently, rejects an unfinished answer and names every registered mistake; the visible
cells catch the slips the text warns about. Also the notebook's fallbacks and the numbers its prose quotes from the
shipped reward model's training log."""
import ast
import json
import math
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import checks
from course_utils.fallback import working
from course_utils.rl import reward_model_path
from graders.ch06_rl_reasoning import reward_model as grader
import cells
from cells import first_failure
from notebooks import SOLUTIONS, cells_by_grade_id, load, source

NOTEBOOK = SOLUTIONS / "06_rl_reasoning" / "02_reward_model.ipynb"
LOSS, ACCURACY = "06_rl_reasoning_reward_model_bradley_terry_loss", "06_rl_reasoning_reward_model_pairwise_accuracy"
NAMES = {LOSS: "bradley_terry_loss", ACCURACY: "pairwise_accuracy"}
STUBS = {LOSS: "def bradley_terry_loss(r_chosen, r_rejected):\n    raise NotImplementedError()\n",
         ACCURACY: "def pairwise_accuracy(r_chosen, r_rejected):\n    raise NotImplementedError()\n"}
MISTAKES = [(grade_id, name, code, fragment) for grade_id, registry in grader.MISTAKES.items()
            for name, (code, fragment) in registry.items()]


def namespace() -> dict:
    """Names the notebook's setup cell gives the solution and test cells."""
    return {"torch": torch, "F": F, "json": json, "random": random, "checks": checks, "working": working}


def defined(code: str):
    return cells.defined(code, namespace())


def visible_failure(grade_id: str, code: str) -> str:
    return cells.visible_failure(NOTEBOOK, grade_id, code, namespace())


def test_every_exercise_has_a_stub_and_mistakes():
    assert set(STUBS) == set(grader.CHECKS) == set(grader.REFERENCES) == set(grader.MISTAKES)
    assert all(len(registry) >= 2 for registry in grader.MISTAKES.values())
    assert grader.HELPERS == {}


@pytest.mark.parametrize("grade_id", list(grader.CHECKS))
def test_check_passes_the_reference(grade_id, capsys):
    grader.CHECKS[grade_id](grader.REFERENCES[grade_id])
    captured = capsys.readouterr()
    assert "✓" in captured.out and not captured.err


@pytest.mark.parametrize("grade_id", list(grader.CHECKS))
def test_check_names_an_unfinished_answer(grade_id):
    assert "ещё не написана" in first_failure(grader.CHECKS[grade_id], defined(STUBS[grade_id]))


@pytest.mark.parametrize("grade_id, mistake, code, fragment", MISTAKES,
                         ids=[f"{m[0]}-{m[1].replace(' ', '_')}" for m in MISTAKES])
def test_tests_name_the_mistake(grade_id, mistake, code, fragment):
    hidden = first_failure(grader.CHECKS[grade_id], defined(code))
    assert fragment in hidden or fragment in visible_failure(grade_id, code)


# --- answers written differently pass ---

EQUIVALENT_LOSSES = {
    "naive log of sigmoid": ("def bradley_terry_loss(r_chosen, r_rejected):\n"
                             "    return -torch.log(torch.sigmoid(r_chosen - r_rejected)).mean()\n"),
    "softplus": ("def bradley_terry_loss(r_chosen, r_rejected):\n"
                 "    return F.softplus(r_rejected - r_chosen).mean()\n"),
    "binary cross-entropy with logits": (
        "def bradley_terry_loss(r_chosen, r_rejected):\n"
        "    margin = r_chosen - r_rejected\n"
        "    return F.binary_cross_entropy_with_logits(margin, torch.ones_like(margin))\n"),
    "softmax over the two answers": (
        "def bradley_terry_loss(r_chosen, r_rejected):\n"
        "    logits = torch.stack([r_chosen, r_rejected], dim=1)\n"
        "    return F.cross_entropy(logits, torch.zeros(len(r_chosen), dtype=torch.long))\n"),
    "explicit formula, sum / B in float64": (
        "def bradley_terry_loss(r_chosen, r_rejected):\n"
        "    d = (r_chosen - r_rejected).double()\n"
        "    return -torch.log(1 / (1 + torch.exp(-d))).sum() / d.shape[0]\n"),
}
EQUIVALENT_ACCURACIES = {
    "sum / len": ("def pairwise_accuracy(r_chosen, r_rejected):\n"
                  "    return (r_chosen > r_rejected).sum().item() / len(r_chosen)\n"),
    "numpy mean": ("def pairwise_accuracy(r_chosen, r_rejected):\n"
                   "    return np.mean(r_chosen.numpy() > r_rejected.numpy())\n"),
    "python loop": ("def pairwise_accuracy(r_chosen, r_rejected):\n"
                    "    wins = [float(c) > float(r) for c, r in zip(r_chosen, r_rejected)]\n"
                    "    return sum(wins) / len(wins)\n"),
    "float() of a 0-d tensor": ("def pairwise_accuracy(r_chosen, r_rejected):\n"
                                "    return float(torch.mean((r_chosen - r_rejected > 0).double()))\n"),
}


@pytest.mark.parametrize("name", list(EQUIVALENT_LOSSES))
def test_loss_check_accepts_equivalent_answers(name, capsys):
    grader.check_bradley_terry_loss(defined(EQUIVALENT_LOSSES[name]))
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("name", list(EQUIVALENT_ACCURACIES))
def test_accuracy_check_accepts_equivalent_answers(name, capsys):
    grader.check_pairwise_accuracy(cells.defined(EQUIVALENT_ACCURACIES[name], {**namespace(), "np": np}))
    assert "✓" in capsys.readouterr().out


def test_loss_check_rejects_wrong_shapes_and_a_detached_tensor():
    per_pair = defined("def bradley_terry_loss(r_chosen, r_rejected):\n"
                       "    return -F.logsigmoid(r_chosen - r_rejected)\n")
    assert "не усреднили по парам" in first_failure(grader.check_bradley_terry_loss, per_pair)
    detached = defined("def bradley_terry_loss(r_chosen, r_rejected):\n"
                       "    return torch.tensor(-F.logsigmoid(r_chosen - r_rejected).mean().item())\n")
    assert "обрывают граф" in first_failure(grader.check_bradley_terry_loss, detached)


def test_accuracy_check_rejects_a_bool_and_an_object_array():
    boolean = defined("def pairwise_accuracy(r_chosen, r_rejected):\n"
                      "    return bool((r_chosen > r_rejected).all())\n")
    assert "ожидалась доля" in first_failure(grader.check_pairwise_accuracy, boolean)
    wrong = defined("def pairwise_accuracy(r_chosen, r_rejected):\n"
                    "    share = (r_chosen > r_rejected).float().mean().item()\n"
                    "    return __import__('numpy').array([share], dtype=object)\n")
    assert "ожидался тип float" in first_failure(grader.check_pairwise_accuracy, wrong)


# --- the references are the formulas of the text ---

def test_references_give_the_worked_examples_of_the_text():
    r_chosen = torch.tensor([2.0, 1.0, 0.0], requires_grad=True)
    loss = grader.reference_bradley_terry_loss(r_chosen, torch.tensor([0.5, 1.0, 2.0]))
    assert loss.item() == pytest.approx((math.log(1 + math.exp(-1.5)) + math.log(2) + math.log(1 + math.exp(2))) / 3)
    assert loss.item() == pytest.approx(1.007, abs=5e-4)
    loss.backward()
    assert torch.allclose(r_chosen.grad, torch.tensor([-0.0608, -0.1667, -0.2936]), atol=1e-4)
    shifted = grader.reference_bradley_terry_loss(torch.tensor([7.0, 6.0, 5.0]), torch.tensor([5.5, 6.0, 7.0]))
    assert shifted.item() == pytest.approx(loss.item(), abs=1e-6)
    accuracy = grader.reference_pairwise_accuracy(torch.tensor([2.0, 1.0, 0.0, 3.0]),
                                                  torch.tensor([0.5, 1.0, 2.0, -1.0]))
    assert type(accuracy) is float and accuracy == 0.5
    assert grader.reference_pairwise_accuracy(torch.zeros(5), torch.zeros(5)) == 0.0


def _notebook_functions(*names: str) -> dict:
    """The fallback functions the notebook's demo cells define, run in the setup names."""
    scope = namespace()
    for cell in load(NOTEBOOK)["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.parse(source(cell)).body:
            if isinstance(node, ast.FunctionDef) and node.name in names:
                exec(compile(ast.Module([node], []), "<cell>", "exec"), scope)
    return {name: scope[name] for name in names}


def test_the_notebook_fallbacks_compute_the_references():
    found = _notebook_functions("bce_on_difference", "share_of_wins")
    generator = torch.Generator().manual_seed(0)
    r_chosen = torch.randint(-3, 4, (50,), generator=generator).float()
    r_rejected = torch.randint(-3, 4, (50,), generator=generator).float()
    assert torch.allclose(found["bce_on_difference"](r_chosen, r_rejected),
                          grader.reference_bradley_terry_loss(r_chosen, r_rejected), atol=1e-6)
    assert found["share_of_wins"](r_chosen, r_rejected) == pytest.approx(
        grader.reference_pairwise_accuracy(r_chosen, r_rejected), abs=1e-12)


# --- visible cells ---

@pytest.mark.parametrize("grade_id", list(grader.CHECKS))
def test_visible_cell_passes_the_reference(grade_id, capsys):
    cell = cells_by_grade_id(load(NOTEBOOK))[f"{grade_id}_visible"]
    scope = {**namespace(), NAMES[grade_id]: grader.REFERENCES[grade_id]}
    exec(compile(source(cell), "<visible>", "exec"), scope)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("grade_id, mistake, fragment", [
    (LOSS, "chosen and rejected swapped", "перепутаны"),
    (LOSS, "sigmoid without log", "Нет логарифма"),
    (LOSS, "one minus sigmoid", "Нет логарифма"),
    (LOSS, "minus forgotten", "Забыт минус"),
    (LOSS, "sum instead of mean", "Сумма вместо среднего"),
    (LOSS, "each answer classified on its own", "классифицирован отдельно"),
    (LOSS, "loss.item() breaks the graph", "обрывает граф"),
    (ACCURACY, "ties counted as correct (>= instead of >)", "Ничья засчитана"),
    (ACCURACY, "count instead of share", "доля"),
    (ACCURACY, "tensor instead of a float", ".item()"),
    (ACCURACY, "percent instead of share", "проценты"),
    (ACCURACY, "chosen and rejected swapped", "перепутаны"),
])
def test_visible_cell_names_the_slip(grade_id, mistake, fragment):
    code, _ = grader.MISTAKES[grade_id][mistake]
    assert fragment in visible_failure(grade_id, code)


# --- the numbers the prose quotes from the shipped reward model ---

def test_prose_quotes_the_training_log_of_the_shipped_reward_model():
    log = json.loads((reward_model_path() / "training_log.json").read_text(encoding="utf-8"))
    prose = "\n".join(source(c) for c in load(NOTEBOOK)["cells"] if c["cell_type"] == "markdown")
    assert f"итераций {log['steps']}" in prose
    quoted = [log["test_accuracy"]["all"], log["test_accuracy"]["wrong"], log["test_accuracy"]["rude"],
              log["train_accuracy"]["all"]]
    for value in quoted:
        assert f"{value:.3f}" in prose, f"{value:.3f} (training_log.json) is not in the prose"
