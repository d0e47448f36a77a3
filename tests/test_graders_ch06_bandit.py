"""Grader of chapter 06, notebook 01_bandit, called directly (no notebook is executed): each check accepts its reference
and answers written differently, rejects an unfinished answer and names every registered mistake; the visible cells
catch the slips the text warns about. Also the environment of course_utils.bandit and the numbers the notebook's prose
quotes."""
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from course_utils import bandit, checks
from course_utils.fallback import working
from graders.ch06_rl_reasoning import bandit as grader
import cells
from cells import first_failure
from notebooks import SOLUTIONS, cells_by_grade_id, load, source

NOTEBOOK = SOLUTIONS / "06_rl_reasoning" / "01_bandit.ipynb"
LOSS, BASELINE = "06_rl_reasoning_bandit_reinforce_loss", "06_rl_reasoning_bandit_baseline"
NAMES = {LOSS: "reinforce_loss", BASELINE: "update_baseline"}
STUBS = {LOSS: "def reinforce_loss(logits, actions, rewards, baseline=0.0):\n    raise NotImplementedError()\n",
         BASELINE: "def update_baseline(baseline, rewards, momentum):\n    raise NotImplementedError()\n"}
MISTAKES = [(grade_id, name, code, fragment) for grade_id, registry in grader.MISTAKES.items()
            for name, (code, fragment) in registry.items()]


def namespace() -> dict:
    """Names the notebook's setup cell gives the solution and test cells."""
    return {"torch": torch, "math": math, "plt": plt, "checks": checks, "bandit": bandit, "working": working}


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
    "Categorical": ("def reinforce_loss(logits, actions, rewards, baseline=0.0):\n"
                    "    dist = torch.distributions.Categorical(logits=logits)\n"
                    "    return -((rewards - baseline) * dist.log_prob(actions)).mean()\n"),
    "cross_entropy": ("def reinforce_loss(logits, actions, rewards, baseline=0.0):\n"
                      "    nll = torch.nn.functional.cross_entropy(logits.expand(len(actions), -1), actions,\n"
                      "                                            reduction='none')\n"
                      "    return ((rewards - baseline) * nll).mean()\n"),
    "log of softmax, sum / B": ("def reinforce_loss(logits, actions, rewards, baseline=0.0):\n"
                                "    chosen = torch.log(torch.softmax(logits, dim=0)).gather(0, actions)\n"
                                "    return -torch.sum(chosen * rewards - chosen * baseline) / actions.shape[0]\n"),
    "logsumexp in float64": ("def reinforce_loss(logits, actions, rewards, baseline=0.0):\n"
                             "    x = logits.double()\n"
                             "    log_probs = x[actions] - torch.logsumexp(x, dim=-1)\n"
                             "    return -(rewards.double() - baseline) @ log_probs / len(actions)\n"),
}
EQUIVALENT_UPDATES = {
    "numpy float": ("def update_baseline(baseline, rewards, momentum):\n"
                    "    return np.float64(momentum) * baseline + (1 - momentum) * rewards.numpy().mean()\n"),
    "sum / len": ("def update_baseline(baseline, rewards, momentum):\n"
                  "    return baseline + (1 - momentum) * (float(rewards.sum()) / len(rewards) - baseline)\n"),
}


@pytest.mark.parametrize("name", list(EQUIVALENT_LOSSES))
def test_loss_check_accepts_equivalent_answers(name, capsys):
    grader.check_reinforce_loss(cells.defined(EQUIVALENT_LOSSES[name], namespace()))
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("name", list(EQUIVALENT_UPDATES))
def test_baseline_check_accepts_equivalent_answers(name, capsys):
    grader.check_update_baseline(cells.defined(EQUIVALENT_UPDATES[name], {**namespace(), "np": np}))
    assert "✓" in capsys.readouterr().out


def test_loss_check_rejects_wrong_shapes_and_a_detached_tensor():
    per_answer = defined("def reinforce_loss(logits, actions, rewards, baseline=0.0):\n"
                         "    return -(rewards - baseline) * torch.log_softmax(logits, -1)[actions]\n")
    assert "не усреднили по батчу" in first_failure(grader.check_reinforce_loss, per_answer)
    detached = defined("def reinforce_loss(logits, actions, rewards, baseline=0.0):\n"
                       "    log_probs = torch.log_softmax(logits.detach(), -1)\n"
                       "    return -((rewards - baseline) * log_probs[actions]).mean()\n")
    assert "обрывает граф" in first_failure(grader.check_reinforce_loss, detached)


def test_baseline_check_rejects_an_object_array():
    wrong = defined("def update_baseline(baseline, rewards, momentum):\n"
                    "    return __import__('numpy').array([0.9 * baseline + 0.1 * rewards.mean().item()], dtype=object)\n")
    assert "ожидался тип float" in first_failure(grader.check_update_baseline, wrong)


# --- the references are the formulas of the text ---

def test_references_give_the_worked_examples_of_the_text():
    logits = torch.zeros(5, requires_grad=True)
    actions, rewards = torch.tensor([0, 1]), torch.tensor([5.0, 2.0])
    loss = grader.reference_reinforce_loss(logits, actions, rewards)
    assert loss.item() == pytest.approx(3.5 * math.log(5)) and loss.item() == pytest.approx(5.63, abs=0.005)
    loss.backward()
    assert torch.allclose(logits.grad, torch.tensor([-1.8, -0.3, 0.7, 0.7, 0.7]), atol=1e-6)
    logits.grad = None
    loss = grader.reference_reinforce_loss(logits, actions, rewards, 3.5)
    assert abs(loss.item()) < 1e-6
    loss.backward()
    assert torch.allclose(logits.grad, torch.tensor([-0.75, 0.75, 0.0, 0.0, 0.0]), atol=1e-6)
    assert grader.reference_update_baseline(3.0, torch.tensor([4.0, 6.0]), 0.9) == pytest.approx(3.2)
    assert grader.reference_update_baseline(0.0, torch.tensor([5.0, 2.0]), 0.9) == pytest.approx(0.35)


# --- visible cells ---

@pytest.mark.parametrize("grade_id", list(grader.CHECKS))
def test_visible_cell_passes_the_reference(grade_id, capsys):
    cell = cells_by_grade_id(load(NOTEBOOK))[f"{grade_id}_visible"]
    scope = {**namespace(), NAMES[grade_id]: grader.REFERENCES[grade_id]}
    exec(compile(source(cell), "<visible>", "exec"), scope)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("grade_id, mistake, fragment", [
    (LOSS, "sign flipped (gradient ascent on the loss)", "Знак перепутан"),
    (LOSS, "probabilities instead of log-probabilities", "вероятности вместо логарифмов"),
    (LOSS, "log-probs of all actions summed", "выбранного действия"),
    (LOSS, "baseline ignored", "Базовая линия не вычтена"),
    (LOSS, "baseline added", "Базовая линия прибавлена"),
    (LOSS, "sum instead of mean", "Сумма вместо среднего"),
    (LOSS, "loss.item() breaks the graph", "обрывает граф"),
    (BASELINE, "momentum applied to the new reward instead of the old baseline", "доля старого значения"),
    (BASELINE, "baseline never updated", "не обновилась"),
    (BASELINE, "batch mean only (old baseline forgotten)", "Забыто старое значение"),
    (BASELINE, "tensor instead of a number", ".item()"),
])
def test_visible_cell_names_the_slip(grade_id, mistake, fragment):
    code, _ = grader.MISTAKES[grade_id][mistake]
    assert fragment in visible_failure(grade_id, code)


# --- course_utils.bandit: the environment and the numbers of the notebook ---

def test_policy_gradient_is_the_autograd_gradient_of_the_loss():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 5, generator=generator, requires_grad=True)  # три агента сразу
    actions = torch.randint(0, 5, (3, 8), generator=generator)
    advantages = torch.randn(3, 8, generator=generator)
    loss = sum(grader.reference_reinforce_loss(logits[i], actions[i], advantages[i]) for i in range(3))
    loss.backward()
    assert torch.allclose(logits.grad, bandit.policy_gradient(logits, actions, advantages), atol=1e-6)


def test_mean_gradient_is_minus_the_gradient_of_the_expected_reward():
    """E[∇L] = −∇J, where ∇J = π ⊙ (r − J), with or without a baseline."""
    probs = bandit.policy(bandit.START_LOGITS)
    true = -probs * (bandit.MEAN_REWARDS - bandit.expected_reward(bandit.START_LOGITS))
    for baseline in (0.0, 1.85):
        mean, _ = bandit.gradient_spread(baseline)
        assert torch.allclose(mean, true, atol=0.02)


def test_environment_shapes_and_determinism():
    actions = bandit.sample_answers(torch.zeros(4, 5), 8, torch.Generator().manual_seed(0))
    assert actions.shape == (4, 8) and actions.dtype == torch.long
    rewards = bandit.reward(actions, torch.Generator().manual_seed(0), noise=0.0)
    assert torch.equal(rewards, bandit.MEAN_REWARDS[actions])
    first = bandit.train_agents(use_baseline=True, agents=3, steps=20)
    assert first.shape == (3, 21, 5) and torch.allclose(first.sum(-1), torch.ones(3, 21))
    assert torch.equal(first, bandit.train_agents(use_baseline=True, agents=3, steps=20))
    assert bandit.steps_to_reach(torch.tensor([0.1, 0.5, 0.95, 0.99])) == 2
    assert bandit.steps_to_reach(torch.tensor([0.1, 0.5])) is None


def test_benchmark_gives_the_numbers_of_the_notebook_prose():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as setup() does: on a busy machine a second thread slows these small ops tenfold
    try:
        numbers = bandit.bandit_benchmark()
    finally:
        torch.set_num_threads(threads)
    easy, shifted = numbers["rewards_0_5"], numbers["rewards_10_15"]
    assert (easy["without_baseline"]["gradient_variance"], easy["with_baseline"]["gradient_variance"]) == (
        pytest.approx(0.655, abs=5e-4), pytest.approx(0.347, abs=5e-4))
    assert (shifted["without_baseline"]["gradient_variance"], shifted["with_baseline"]["gradient_variance"]) == (
        pytest.approx(13.309, abs=5e-4), pytest.approx(0.347, abs=5e-4))
    assert [easy["without_baseline"]["steps_to_p090"], easy["with_baseline"]["steps_to_p090"],
            shifted["without_baseline"]["steps_to_p090"], shifted["with_baseline"]["steps_to_p090"]] == [53, 51, 102, 51]
    assert shifted["without_baseline"]["agents_at_p090"] == 0.98
    prose = "\n".join(source(c) for c in load(NOTEBOOK)["cells"] if c["cell_type"] == "markdown")
    for quoted in ("0.655", "0.347", "13.309", "102", "53", "0.149", "0.881", "0.984", "0.446", "5.9e-05", "9.7e-06"):
        assert quoted in prose
