"""Grader of chapter 06, notebook 03_ppo, called directly (no notebook is executed): each check accepts its reference
and other correct ways to write it, rejects an unfinished answer and names every registered mistake; the visible
cells catch the slips the text warns about. The references are checked against the worked examples of the text, the
fallbacks of course_utils.ppo against the references, and the helpers of course_utils.ppo (prompt picking, the
critic's features, the PPO loop and its frozen twin) against what the notebook says about them."""
import math
import random

import matplotlib
import pytest
import torch

from course_utils import checks, ppo, rl
from course_utils.finetuning import load_sft
from graders.ch06_rl_reasoning import ppo as grader
import cells
from cells import first_failure
from notebooks import SOLUTIONS, cells_by_grade_id, load, source

matplotlib.use("Agg")

NOTEBOOK = SOLUTIONS / "06_rl_reasoning" / "03_ppo.ipynb"
EXERCISES = list(grader.CHECKS)
MISTAKES = [(grade_id, name, code, fragment) for grade_id, registry in grader.MISTAKES.items()
            for name, (code, fragment) in registry.items()]
NAMES = {"06_rl_reasoning_ppo_advantages": "advantages",
         "06_rl_reasoning_ppo_clipped_objective": "ppo_clip_loss",
         "06_rl_reasoning_ppo_kl_penalty": "kl_penalty"}
STUBS = {"06_rl_reasoning_ppo_advantages": "def advantages(rewards, values):\n    raise NotImplementedError()\n",
         "06_rl_reasoning_ppo_clipped_objective":
         "def ppo_clip_loss(logp_new, logp_old, advantages, eps=0.2):\n    raise NotImplementedError()\n",
         "06_rl_reasoning_ppo_kl_penalty":
         "def kl_penalty(logp_policy, logp_ref, mask):\n    raise NotImplementedError()\n"}


def namespace() -> dict:
    """Names the notebook's setup cell gives the solution and test cells."""
    return {"torch": torch, "math": math, "random": random, "checks": checks, "ppo": ppo, "rl": rl}


def defined(code: str):
    return cells.defined(code, namespace())


def visible_failure(grade_id: str, code: str) -> str:
    return cells.visible_failure(NOTEBOOK, grade_id, code, namespace())


def test_every_exercise_has_a_stub_and_mistakes():
    assert set(STUBS) == set(EXERCISES) == set(grader.REFERENCES) == set(NAMES)
    assert all(len(grader.MISTAKES[grade_id]) >= 4 for grade_id in EXERCISES)
    assert grader.HELPERS == {}


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_passes_the_reference(grade_id, capsys):
    grader.CHECKS[grade_id](grader.REFERENCES[grade_id])
    captured = capsys.readouterr()
    assert "✓" in captured.out and not captured.err


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_passes_the_notebook_solution(grade_id, capsys):
    cell = cells_by_grade_id(load(NOTEBOOK))[grade_id]
    grader.CHECKS[grade_id](defined(source(cell)))
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_names_an_unfinished_answer(grade_id):
    assert "ещё не написана" in first_failure(grader.CHECKS[grade_id], defined(STUBS[grade_id]))


@pytest.mark.parametrize("grade_id, mistake, code, fragment", MISTAKES,
                         ids=[f"{m[0]}-{m[1].replace(' ', '_')}" for m in MISTAKES])
def test_tests_name_the_mistake(grade_id, mistake, code, fragment):
    hidden = first_failure(grader.CHECKS[grade_id], defined(code))
    assert fragment in hidden or fragment in visible_failure(grade_id, code)


EQUIVALENT = {
    "06_rl_reasoning_ppo_advantages": [
        "def advantages(rewards, values):\n    return torch.sub(rewards.detach(), values.detach())\n",
        "def advantages(rewards, values):\n    with torch.no_grad():\n        return rewards - values\n",
        "def advantages(rewards, values):\n    return -(values.detach() - rewards)\n",
    ],
    "06_rl_reasoning_ppo_clipped_objective": [
        # A ≥ 0: A · min(ρ, 1 + ε); A < 0: A · max(ρ, 1 − ε) — the same minimum written per sign
        "def ppo_clip_loss(logp_new, logp_old, advantages, eps=0.2):\n"
        "    ratio = (logp_new - logp_old).exp()\n"
        "    bounded = torch.where(advantages >= 0, torch.clamp(ratio, max=1 + eps), torch.clamp(ratio, min=1 - eps))\n"
        "    return -(bounded * advantages).mean()\n",
        "def ppo_clip_loss(logp_new, logp_old, advantages, eps=0.2):\n"
        "    ratio = torch.exp(logp_new - logp_old)\n"
        "    losses = torch.maximum(-ratio * advantages, -torch.clamp(ratio, 1 - eps, 1 + eps) * advantages)\n"
        "    return losses.sum() / losses.numel()\n",
    ],
    "06_rl_reasoning_ppo_kl_penalty": [
        "def kl_penalty(logp_policy, logp_ref, mask):\n"
        "    return torch.where(mask.bool(), logp_policy - logp_ref, torch.zeros_like(logp_policy)).sum(-1)\n",
        "def kl_penalty(logp_policy, logp_ref, mask):\n"
        "    return torch.einsum('bl,bl->b', logp_policy - logp_ref, mask.to(logp_policy.dtype))\n",
        "def kl_penalty(logp_policy, logp_ref, mask):\n"
        "    rows = [(p - r)[m.bool()].sum() for p, r, m in zip(logp_policy, logp_ref, mask)]\n"
        "    return torch.stack(rows)\n",
    ],
}


@pytest.mark.parametrize("grade_id, code", [(g, c) for g, codes in EQUIVALENT.items() for c in codes])
def test_equivalent_answers_pass(grade_id, code, capsys):
    grader.CHECKS[grade_id](defined(code))
    assert "✓" in capsys.readouterr().out


def test_references_reproduce_the_worked_examples():
    a = grader.reference_advantages(torch.tensor([5.0, 5.0, 1.0, 2.0]),
                                    torch.tensor([3.0, 8.0, 1.5, 2.0], requires_grad=True))
    assert torch.equal(a, torch.tensor([2.0, -3.0, -0.5, 0.0])) and not a.requires_grad
    new = torch.log(torch.tensor([0.6, 0.2, 0.6, 0.2])).requires_grad_(True)
    loss = grader.reference_ppo_clip_loss(new, torch.log(torch.full((4,), 0.4)), torch.tensor([2.0, 2.0, -1.0, -1.0]))
    loss.backward()
    assert loss.item() == pytest.approx(-0.275, abs=1e-6)
    assert torch.allclose(new.grad, torch.tensor([0.0, -0.25, 0.375, 0.0]), atol=1e-6)
    kl = grader.reference_kl_penalty(torch.log(torch.tensor([[0.9, 0.5, 0.8, 0.6, 0.7], [0.4, 0.3, 0.9, 0.7, 0.1]])),
                                     torch.log(torch.tensor([[0.9, 0.5, 0.4, 0.3, 0.9], [0.4, 0.3, 0.6, 0.5, 0.5]])),
                                     torch.tensor([[0, 0, 1, 1, 0], [0, 0, 1, 1, 1]]))
    assert torch.allclose(kl, torch.tensor([2 * math.log(2), math.log(1.5 * 1.4 * 0.2)]), atol=1e-5)


def test_fallbacks_of_the_demos_match_the_references():
    generator = torch.Generator().manual_seed(0)
    rewards, values = torch.randn(9, generator=generator), torch.randn(9, generator=generator)
    assert torch.equal(ppo.advantages_detached(rewards, values), grader.reference_advantages(rewards, values))
    old = -torch.rand(40, generator=generator) * 3
    new, adv = old + 0.5 * torch.randn(40, generator=generator), torch.randn(40, generator=generator)
    for eps in (0.1, 0.2, 0.3):
        assert torch.allclose(ppo.clipped_surrogate_loss(new, old, adv, eps),
                              grader.reference_ppo_clip_loss(new, old, adv, eps), atol=1e-6)
    policy, reference = -torch.rand(5, 11, generator=generator), -torch.rand(5, 11, generator=generator)
    mask = (torch.rand(5, 11, generator=generator) > 0.5).long()
    assert torch.allclose(ppo.kl_sum(policy, reference, mask), grader.reference_kl_penalty(policy, reference, mask))


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_visible_cell_passes_the_reference(grade_id, capsys):
    cell = cells_by_grade_id(load(NOTEBOOK))[f"{grade_id}_visible"]
    scope = namespace()
    scope[NAMES[grade_id]] = grader.REFERENCES[grade_id]
    exec(compile(source(cell), "<visible>", "exec"), scope)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("grade_id, mistake, fragment", [
    ("06_rl_reasoning_ppo_advantages", "advantage without a baseline (returns rewards)", "без базовой линии"),
    ("06_rl_reasoning_ppo_advantages", "sign reversed", "Знак перепутан"),
    ("06_rl_reasoning_ppo_advantages", "values not detached (actor loss trains the critic)", "без градиента"),
    ("06_rl_reasoning_ppo_clipped_objective", "max instead of min", "максимум, а нужен минимум"),
    ("06_rl_reasoning_ppo_clipped_objective", "loss sign (surrogate returned)", "Знак лосса перепутан"),
    ("06_rl_reasoning_ppo_clipped_objective", "no clipping", "Обрезки нет"),
    ("06_rl_reasoning_ppo_clipped_objective", "ratio as a log-prob difference (not exponentiated)",
     "не получено из логарифмов"),
    ("06_rl_reasoning_ppo_kl_penalty", "direction reversed (logp_ref − logp_policy)", "направление"),
    ("06_rl_reasoning_ppo_kl_penalty", "mask ignored (prompt and padding counted)", "Маска не учтена"),
    ("06_rl_reasoning_ppo_kl_penalty", "mean over the whole padded length", "вместе с дополнением"),
])
def test_visible_cell_names_the_slip(grade_id, mistake, fragment):
    code, _ = grader.MISTAKES[grade_id][mistake]
    assert fragment in visible_failure(grade_id, code)


# --- course_utils.ppo ---

@pytest.fixture(scope="module")
def parts():
    return ppo.make_parts()


def test_prompts_of_an_iteration_come_from_few_lengths(parts):
    rows = load_sft("train")
    groups = ppo.prompt_groups(rows, parts.tokenizer)
    assert sum(len(g) for g in groups) == len(rows)
    assert all(len({len(rl.prompt_ids(parts.tokenizer, r["instruction"])) for r in g}) == 1 for g in groups)
    rng = random.Random(0)
    for n_groups in (1, 2, 3):
        picked = ppo.pick_prompts(groups, 16, rng, n_groups)
        assert len(picked) == 16
        assert len({len(rl.prompt_ids(parts.tokenizer, r["instruction"])) for r in picked}) <= n_groups


def test_critic_reads_the_last_prompt_token_and_the_reference_log_probs(parts):
    batch = rl.encode_pairs(parts.tokenizer, ["Столица Италии?", "Запиши число 7 словами."], ["Рим", "семь"])
    positions = ppo.last_prompt_position(batch)
    for row, position in enumerate(positions.tolist()):
        assert batch.response_mask[row, position] == 0 and batch.response_mask[row, position + 1] == 1
    logprobs, features = ppo.reference_pass(parts.reference, batch)
    with torch.no_grad():
        assert torch.allclose(logprobs, rl.token_logprobs(parts.reference, batch), atol=1e-5)
    assert features.shape == (2, parts.reference.config.n_embd)
    assert parts.critic(features).shape == (2,)


def test_training_loop_moves_the_policy_and_nothing_else(parts):
    rows = load_sft("train")
    run = ppo.restart(parts)
    reference = {k: v.clone() for k, v in run.reference.state_dict().items()}
    before = {k: v.clone() for k, v in run.policy.state_dict().items()}
    settings = ppo.PPOSettings(steps=2, prompts_per_step=8, lr=1e-4, beta=0.3)
    frozen = ppo.frozen_log(run, rows, settings)
    torch.manual_seed(0)
    log = ppo.train_ppo(run, rows, grader.reference_advantages, grader.reference_ppo_clip_loss,
                        grader.reference_kl_penalty, settings)
    assert [e["step"] for e in log] == [1, 2] and {"score", "kl", "reward", "value", "exact", "clipped"} <= set(log[0])
    # the first iteration samples the very answers of the frozen twin: same prompts, same seed, same model
    assert log[0]["score"] == pytest.approx(frozen[0]["score"], abs=1e-5)
    assert log[0]["exact"] == frozen[0]["exact"] and log[0]["kl"] == pytest.approx(0.0, abs=1e-5)
    assert all(torch.equal(v, reference[k]) for k, v in run.reference.state_dict().items())
    assert any(not torch.equal(v, before[k]) for k, v in run.policy.state_dict().items())
    assert run.critic.head.bias.item() != 0.0
    assert all(torch.equal(v, before[k]) for k, v in parts.policy.state_dict().items())  # restart copied


def test_evaluate_and_plot(parts):
    rows = load_sft("test")[:6]
    result = ppo.evaluate(parts, rows, samples=2, greedy=False)
    assert result["kl"] == pytest.approx(0.0, abs=1e-5) and 0 <= result["exact_sampled"] <= 1
    assert "exact_greedy" not in result and len(result["most_common"]) <= 5
    log = [{"step": i, "score": 1.0, "kl": 0.1 * i, "exact": 0.5} for i in (1, 2, 3)]
    fig = ppo.plot_runs({"run": log}, log)
    assert len(fig.axes) == 3
