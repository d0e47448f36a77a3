"""Graders of chapter 06, notebook 05_dpo, called directly (no notebook is executed): each check accepts its reference
and answers written differently, rejects an unfinished answer and names every registered mistake; the visible cells
catch the slips the text warns about; our DPO loss equals trl's on a random batch; the helpers of course_utils.dpo."""
import copy
import json
import math
import random
from functools import lru_cache

import pytest
import torch
import torch.nn.functional as F

from course_utils import checks, dpo, rl
from graders.ch06_rl_reasoning import dpo as grader
import cells
from cells import first_failure
from notebooks import SOLUTIONS, cells_by_grade_id, load, source

NOTEBOOK = SOLUTIONS / "06_rl_reasoning" / "05_dpo.ipynb"
EXERCISES = list(grader.CHECKS)
MISTAKES = [(grade_id, name, code, fragment) for grade_id, registry in grader.MISTAKES.items()
            for name, (code, fragment) in registry.items()]
STUBS = {"06_rl_reasoning_dpo_sequence_logprob":
         "def sequence_logprob(logits, input_ids, response_mask):\n    raise NotImplementedError()\n",
         "06_rl_reasoning_dpo_loss":
         "def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):\n"
         "    raise NotImplementedError()\n"}
NAMES = {"06_rl_reasoning_dpo_sequence_logprob": "sequence_logprob", "06_rl_reasoning_dpo_loss": "dpo_loss"}
# Correct answers written differently: each must get full marks.
EQUIVALENT = {
    "06_rl_reasoning_dpo_sequence_logprob": {
        "cross_entropy": "def sequence_logprob(logits, input_ids, response_mask):\n"
                         "    nll = F.cross_entropy(logits[:, :-1].transpose(1, 2), input_ids[:, 1:],\n"
                         "                          reduction='none')\n"
                         "    return -(nll * response_mask[:, 1:]).sum(dim=-1)\n",
        "log of softmax, indexing, float64": (
            "def sequence_logprob(logits, input_ids, response_mask):\n"
            "    probs = torch.softmax(logits.double(), dim=-1)[:, :-1]\n"
            "    rows = torch.arange(len(input_ids))[:, None]\n"
            "    steps = torch.arange(input_ids.shape[1] - 1)[None, :]\n"
            "    picked = probs[rows, steps, input_ids[:, 1:]].log()\n"
            "    return torch.where(response_mask[:, 1:].bool(), picked, 0.0).sum(1)\n"),
        "loop over rows": (
            "def sequence_logprob(logits, input_ids, response_mask):\n"
            "    out = []\n"
            "    for row in range(len(input_ids)):\n"
            "        lp = F.log_softmax(logits[row], dim=-1)\n"
            "        total = logits.new_zeros(())\n"
            "        for t in range(1, input_ids.shape[1]):\n"
            "            if response_mask[row, t]:\n"
            "                total = total + lp[t - 1, input_ids[row, t]]\n"
            "        out.append(total)\n"
            "    return torch.stack(out)\n"),
    },
    "06_rl_reasoning_dpo_loss": {
        "log(sigmoid)": "def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):\n"
                        "    z = beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))\n"
                        "    return -torch.log(torch.sigmoid(z)).mean()\n",
        "binary cross-entropy": "def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):\n"
                                "    z = beta * (policy_chosen - policy_rejected - ref_chosen + ref_rejected)\n"
                                "    return F.binary_cross_entropy_with_logits(z, torch.ones_like(z))\n",
        "softplus, float64": "def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):\n"
                             "    pi = policy_chosen.double() - policy_rejected.double()\n"
                             "    ref = ref_chosen.double() - ref_rejected.double()\n"
                             "    return F.softplus(-beta * (pi - ref)).mean()\n",
        "log1p(exp)": "def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):\n"
                      "    z = beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))\n"
                      "    return torch.log1p(torch.exp(-z)).sum() / len(z)\n",
    },
}


def namespace() -> dict:
    """Names the notebook's setup cell gives the solution and test cells."""
    return {"torch": torch, "F": F, "math": math, "checks": checks, "dpo": dpo, "rl": rl}


@lru_cache(maxsize=1)
def course():
    """The tokenizer and the SFT policy, loaded once (tests that train or perturb the policy take a copy)."""
    return rl.load_tokenizer(), rl.load_policy()


def defined(code: str):
    return cells.defined(code, namespace())


def test_every_exercise_has_a_stub_and_mistakes():
    assert set(STUBS) == set(EXERCISES) == set(EQUIVALENT) == set(grader.REFERENCES)
    assert all(len(grader.MISTAKES[grade_id]) >= 4 for grade_id in EXERCISES)
    assert grader.HELPERS == {}


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_passes_the_reference(grade_id, capsys):
    grader.CHECKS[grade_id](grader.REFERENCES[grade_id])
    captured = capsys.readouterr()
    assert "✓" in captured.out and not captured.err


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_passes_the_solution_cell(grade_id, capsys):
    cell = cells_by_grade_id(load(NOTEBOOK))[grade_id]
    grader.CHECKS[grade_id](defined(source(cell)))
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("grade_id, variant", [(g, v) for g in EQUIVALENT for v in EQUIVALENT[g]])
def test_check_accepts_an_equivalent_answer(grade_id, variant, capsys):
    grader.CHECKS[grade_id](defined(EQUIVALENT[grade_id][variant]))
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_names_an_unfinished_answer(grade_id):
    assert "ещё не написана" in first_failure(grader.CHECKS[grade_id], defined(STUBS[grade_id]))


@pytest.mark.parametrize("grade_id, mistake, code, fragment", MISTAKES,
                         ids=[f"{m[0]}-{m[1].replace(' ', '_')}" for m in MISTAKES])
def test_tests_name_the_mistake(grade_id, mistake, code, fragment):
    hidden = first_failure(grader.CHECKS[grade_id], defined(code))
    assert fragment in hidden or fragment in visible_failure(grade_id, code)


def test_references_reproduce_the_worked_examples():
    logits, ids, mask = grader.text_example()
    assert grader.reference_sequence_logprob(logits, ids, mask).item() == pytest.approx(math.log(0.5 * 0.6), abs=1e-6)
    one = lambda value: torch.tensor([value])  # noqa: E731
    loss = grader.reference_dpo_loss(one(-5.0), one(-9.0), one(-7.0), one(-8.0), 0.1)
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-0.3)), abs=1e-6)
    same = torch.tensor([-3.0, -20.0, -0.5])
    assert grader.reference_dpo_loss(same, same - 1, same, same - 1, 0.1).item() == pytest.approx(math.log(2))


def test_sequence_logprob_reference_equals_the_course_helper():
    """On the course GPT, the reference from logits equals course_utils.rl.response_logprob (from the model)."""
    tokenizer, policy = course()
    batch = dpo.preference_batch(tokenizer, rl.load_preferences("test")[:5])
    with torch.no_grad():
        ours = dpo.from_logits(grader.reference_sequence_logprob)(policy, batch)
        assert torch.allclose(ours, rl.response_logprob(policy, batch), atol=1e-5)


# --- our loss against trl (the issue requires it) ---

@pytest.fixture(scope="module")
def models():
    """The SFT policy with its weights moved at random (so that π ≠ π_ref) and a frozen copy as the reference."""
    tokenizer, sft = course()
    reference = copy.deepcopy(sft).requires_grad_(False)
    policy = copy.deepcopy(reference)
    generator = torch.Generator().manual_seed(606)
    with torch.no_grad():
        for parameter in policy.parameters():
            parameter.add_(0.02 * torch.randn(parameter.shape, generator=generator))
    return tokenizer, policy, reference


@pytest.mark.parametrize("beta, seed", [(0.1, 0), (0.5, 1)])
def test_dpo_loss_equals_trl_on_a_random_batch(models, beta, seed):
    tokenizer, policy, reference = models
    pairs = random.Random(seed).sample(rl.load_preferences("train"), 12)
    batch = dpo.preference_batch(tokenizer, pairs)
    logprob_of = dpo.from_logits(grader.reference_sequence_logprob)
    with torch.no_grad():
        own = grader.reference_dpo_loss(*logprob_of(policy, batch).chunk(2), *logprob_of(reference, batch).chunk(2),
                                        beta).item()
    trl_loss = dpo.trl_dpo_loss(policy, reference, tokenizer, batch, beta)
    assert abs(own - math.log(2)) > 1e-3, "the policy should differ from the reference in this test"
    assert trl_loss == pytest.approx(own, abs=1e-5)


def test_trl_default_bf16_changes_the_loss(models):
    """Why the notebook passes bf16=False: DPOConfig turns bfloat16 on by default, even on CPU."""
    tokenizer, policy, reference = models
    batch = dpo.preference_batch(tokenizer, rl.load_preferences("test")[:8])
    exact = dpo.trl_dpo_loss(policy, reference, tokenizer, batch, 0.1)
    assert abs(dpo.trl_dpo_loss(policy, reference, tokenizer, batch, 0.1, bf16=True) - exact) > 1e-5


def test_trl_loss_leaves_the_models_untouched(models, capfd):
    tokenizer, policy, reference = models
    batch = dpo.preference_batch(tokenizer, rl.load_preferences("test")[:4])
    before = rl.response_logprob(policy, batch).detach()
    dpo.trl_dpo_loss(policy, reference, tokenizer, batch, 0.1)
    assert torch.equal(rl.response_logprob(policy, batch).detach(), before)
    assert type(policy).forward is policy.forward.__func__  # no forward patched in place by trl
    assert not capfd.readouterr().err


# --- course_utils.dpo ---

def test_preference_batch_puts_chosen_rows_first():
    tokenizer = rl.load_tokenizer()
    pairs = rl.load_preferences("test")[:3]
    batch = dpo.preference_batch(tokenizer, pairs)
    assert batch.input_ids.shape[0] == 6
    assert batch.responses == [p["chosen"] for p in pairs] + [p["rejected"] for p in pairs]
    assert batch.prompts == [p["prompt"] for p in pairs] * 2
    assert bool((batch.response_mask <= batch.attention_mask).all())


def test_preference_report_counts_ties_as_errors_and_splits_kinds():
    chosen, rejected = torch.tensor([-1.0, -2.0, -3.0, -4.0]), torch.tensor([-2.0, -1.0, -3.0, -9.0])
    reference = (torch.tensor([-1.0, -1.0, -3.0, -5.0]), torch.tensor([-1.0, -1.0, -3.0, -5.0]))
    report = dpo.preference_report((chosen, rejected), reference, ["wrong", "wrong", "rude", "rude"], 0.5)
    assert set(report) == {"all", "wrong", "rude"}
    assert report["wrong"]["accuracy"] == pytest.approx(0.5)  # one win (0 > −0.5), one loss (−0.5 < 0)
    assert report["rude"]["accuracy"] == pytest.approx(0.5)  # a tie (0 = 0) is an error, a win (0.5 > −2)
    assert report["all"]["margin"] == pytest.approx((0.5 - 0.5 + 0 + 2.5) / 4)
    assert report["rude"]["logprob_accuracy"] == pytest.approx(0.5)
    before = dpo.preference_report(reference, reference, ["wrong"] * 4, 0.1)
    assert before["all"]["accuracy"] == 0.0 and before["all"]["margin"] == 0.0


def test_train_dpo_moves_the_policy_and_not_the_reference():
    tokenizer, sft = course()
    policy, reference = copy.deepcopy(sft), copy.deepcopy(sft).requires_grad_(False)
    frozen = {k: v.clone() for k, v in reference.state_dict().items()}
    called = []
    log = dpo.train_dpo(policy, reference, tokenizer, rl.load_preferences("train"), loss_fn=grader.reference_dpo_loss,
                        logprob_fn=dpo.from_logits(grader.reference_sequence_logprob), steps=3, batch_size=4,
                        log_every=2, callback=called.append)
    assert [e["step"] for e in log] == [2, 3] and called == [1, 2, 3]
    assert set(log[0]) == {"step", "loss", "accuracy", "chosen", "rejected", "seconds"}
    assert log[0]["loss"] == pytest.approx(math.log(2), abs=0.02)  # the first steps start from π = π_ref
    assert all(torch.equal(v, frozen[k]) for k, v in reference.state_dict().items())
    assert any(not torch.equal(p, reference.state_dict()[k]) for k, p in policy.state_dict().items())
    assert not policy.training


def test_long_run_log_is_shipped_and_complete():
    report = dpo.long_run()
    assert [run["beta"] for run in report["runs"]] == [0.1, 0.5]
    for run in report["runs"]:
        assert [p["step"] for p in run["points"]] == list(range(0, report["config"]["steps"] + 1,
                                                                 report["config"]["eval_every"]))
        assert run["loss_own_vs_trl"]["abs_diff"] < 1e-5
        assert run["points"][0]["exact_match"] == pytest.approx(0.824)
    assert json.loads(dpo.long_run_path().read_text(encoding="utf-8")) == report


# --- visible cells: the slips the text warns about are caught already there, and named ---

def visible_names() -> dict:
    """What the notebook's cells before a visible test cell define, as far as the visible cells read it."""
    tokenizer, policy = course()
    return {**namespace(), "tokenizer": tokenizer, "policy": policy, "train_pairs": rl.load_preferences("train")}


@pytest.fixture
def visible_scope():
    return visible_names()


def visible_failure(grade_id: str, code: str, scope: dict | None = None) -> str:
    """The message the visible test cell of ``grade_id`` fails with after the answer ``code``."""
    return cells.visible_failure(NOTEBOOK, grade_id, code, visible_names() if scope is None else scope)


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_visible_cell_passes_the_reference(grade_id, visible_scope, capsys):
    cell = cells_by_grade_id(load(NOTEBOOK))[f"{grade_id}_visible"]
    scope = {**visible_scope, NAMES[grade_id]: grader.REFERENCES[grade_id]}
    exec(compile(source(cell), "<visible>", "exec"), scope)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("grade_id, mistake, fragment", [
    ("06_rl_reasoning_dpo_sequence_logprob", "no shift", "Нет сдвига на один токен"),
    ("06_rl_reasoning_dpo_sequence_logprob", "prompt tokens summed too", "вместе с запросом"),
    ("06_rl_reasoning_dpo_sequence_logprob", "mean instead of sum", "Среднее вместо суммы"),
    ("06_rl_reasoning_dpo_sequence_logprob", "probabilities instead of log", "Сложены вероятности токенов"),
    ("06_rl_reasoning_dpo_loss", "beta outside the log-sigmoid", "β стоит не на месте"),
    ("06_rl_reasoning_dpo_loss", "reference log-probs missing", "Нет опорной модели"),
    ("06_rl_reasoning_dpo_loss", "chosen and rejected swapped", "chosen и rejected перепутаны"),
    ("06_rl_reasoning_dpo_loss", "sign reversed", "Знак перепутан"),
])
def test_visible_cell_names_the_slip(grade_id, mistake, fragment, visible_scope):
    code, _ = grader.MISTAKES[grade_id][mistake]
    assert fragment in visible_failure(grade_id, code, dict(visible_scope))
