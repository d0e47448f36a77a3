"""Grader of chapter 06, notebook 04_grpo, called directly (no notebook is executed): each check accepts its
reference, rejects an unfinished answer and names every registered mistake; the visible cells catch the slips the
text warns about. The references are checked against the worked examples of the text and against trl 1.16
(group advantages as GRPOTrainer computes them, the loss of GRPOTrainer with loss_type="grpo"), and the helpers
of course_utils.grpo (task, reward, sampling, training loop) against what the notebook says about them."""
import math
import random
import tempfile
import warnings

import pytest
import torch

from course_utils import checks, grpo
from course_utils.rl import token_logprobs
from graders.ch06_rl_reasoning import grpo as grader
import cells
from cells import first_failure
from notebooks import SOLUTIONS, cells_by_grade_id, load, source

NOTEBOOK = SOLUTIONS / "06_rl_reasoning" / "04_grpo.ipynb"
EXERCISES = list(grader.CHECKS)
MISTAKES = [(grade_id, name, code, fragment) for grade_id, registry in grader.MISTAKES.items()
            for name, (code, fragment) in registry.items()]
NAMES = {"06_rl_reasoning_grpo_group_advantages": "group_advantages", "06_rl_reasoning_grpo_loss": "grpo_loss"}
STUBS = {"06_rl_reasoning_grpo_group_advantages":
         "def group_advantages(rewards, group_size, eps=1e-4):\n    raise NotImplementedError()\n",
         "06_rl_reasoning_grpo_loss":
         "def grpo_loss(logprobs, old_logprobs, ref_logprobs, advantages, mask, clip_eps=0.2, beta=0.04):\n"
         "    raise NotImplementedError()\n"}


def namespace() -> dict:
    """Names the notebook's setup cell gives the solution and test cells."""
    return {"torch": torch, "math": math, "checks": checks, "grpo": grpo, "tempfile": tempfile,
            "warnings": warnings}


def defined(code: str):
    return cells.defined(code, namespace())


def visible_failure(grade_id: str, code: str) -> str:
    return cells.visible_failure(NOTEBOOK, grade_id, code, namespace())


def test_every_exercise_has_a_stub_and_mistakes():
    assert set(STUBS) == set(EXERCISES) == set(grader.REFERENCES)
    assert all(len(grader.MISTAKES[grade_id]) >= 5 for grade_id in EXERCISES)
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


def test_equivalent_answers_pass(capsys):
    """Other correct ways to write the answers: std by hand in float64, torch.where instead of min, a loop over rows."""
    advantages = defined(
        "def group_advantages(rewards, group_size, eps=1e-4):\n"
        "    g = rewards.reshape(len(rewards) // group_size, group_size).double()\n"
        "    var = ((g - g.mean(1, keepdim=True)) ** 2).sum(1, keepdim=True) / (group_size - 1)\n"
        "    return ((g - g.mean(1, keepdim=True)) / (var.sqrt() + eps)).flatten()\n")
    grader.check_group_advantages(advantages)
    loss = defined(
        "def grpo_loss(logprobs, old_logprobs, ref_logprobs, advantages, mask, clip_eps=0.2, beta=0.04):\n"
        "    ratio = (logprobs - old_logprobs).exp()\n"
        "    a = advantages.unsqueeze(-1)\n"
        "    clipped = ratio.clamp(1 - clip_eps, 1 + clip_eps) * a\n"
        "    s = torch.where(ratio * a < clipped, ratio * a, clipped)\n"
        "    kl = (ref_logprobs - logprobs).exp() - (ref_logprobs - logprobs) - 1\n"
        "    m = mask.bool()\n"
        "    rows = [(-(s[i] - beta * kl[i])[m[i]]).mean() for i in range(len(m))]\n"
        "    return torch.stack(rows).mean()\n")
    grader.check_grpo_loss(loss)
    assert capsys.readouterr().out.count("✓") == 2


def test_references_reproduce_the_worked_examples():
    advantages = grader.reference_group_advantages(torch.tensor([1.0, 0, 0, 0, 1, 1, 1, 1]), 4)
    assert torch.allclose(advantages, torch.tensor([1.5, -0.5, -0.5, -0.5, 0, 0, 0, 0]), atol=1e-3)
    lp = torch.log(torch.tensor([[0.5, 0.6, 0.3, 0.5], [0.5, 0.2, 0.5, 0.5]]))
    old = torch.log(torch.tensor([[0.1, 0.4, 1 / 3, 0.9], [0.9, 0.4, 0.1, 0.1]]))
    ref = torch.log(torch.tensor([[0.9, 0.6, 0.3, 0.1], [0.2, 0.4, 0.9, 0.9]]))
    mask = torch.tensor([[0, 1, 1, 0], [0, 1, 0, 0]])
    loss = grader.reference_grpo_loss(lp, old, ref, torch.tensor([1.5, -0.5]), mask, 0.2, 0.1)
    expected = -(((1.8 + 1.35) / 2) + (-0.4 - 0.1 * (2 - math.log(2) - 1))) / 2
    assert loss.item() == pytest.approx(expected, abs=1e-5) and round(loss.item(), 4) == -0.5722


def test_visible_loss_cell_numbers_are_the_named_mistakes():
    """The numbers written in the visible cell of grpo_loss are what those mistakes give on the text's example."""
    lp = torch.log(torch.tensor([[0.5, 0.6, 0.3, 0.5], [0.5, 0.2, 0.5, 0.5]]))
    old = torch.log(torch.tensor([[0.1, 0.4, 1 / 3, 0.9], [0.9, 0.4, 0.1, 0.1]]))
    ref = torch.log(torch.tensor([[0.9, 0.6, 0.3, 0.1], [0.2, 0.4, 0.9, 0.9]]))
    mask = torch.tensor([[0, 1, 1, 0], [0, 1, 0, 0]])
    wrong = grader.loss_mistakes(lp, old, ref, torch.tensor([1.5, -0.5]), mask, 0.2, 0.1)
    visible = source(cells_by_grade_id(load(NOTEBOOK))["06_rl_reasoning_grpo_loss_visible"])
    for hint in (grader.RATIO_HINT, grader.CLIP_ADVANTAGE_HINT, grader.MINMAX_HINT, grader.KL_SIGN_HINT,
                 grader.MASK_HINT, grader.TOKEN_MEAN_HINT, grader.SIGN_HINT):
        assert f"{wrong[hint].item():.4f}" in visible, hint


def test_advantages_follow_trl():
    """trl 1.16 GRPOTrainer: (r − group mean) / (nanstd of the group + 1e-4), nanstd with Bessel's correction."""
    from trl.trainer.utils import nanstd

    torch.manual_seed(0)
    rewards = (torch.rand(48) < 0.3).float()
    groups = rewards.view(-1, 8)
    mean = groups.mean(dim=1).repeat_interleave(8)
    std = nanstd(groups, dim=1).repeat_interleave(8)
    assert torch.allclose(grader.reference_group_advantages(rewards, 8), (rewards - mean) / (std + 1e-4))


def test_loss_equals_trl_grpo_loss():
    """GRPOTrainer._compute_loss with loss_type="grpo" (and use_bias_correction_kl=False) on a hand-made batch: the
    same value and the same gradients as the reference."""
    from datasets import Dataset
    from trl import GRPOTrainer

    tokenizer, policy = grpo.make_tokenizer(), grpo.make_policy(seed=3)
    settings = grpo.GRPOSettings(steps=1, prompts_per_step=2, group_size=3, beta=0.04, clip_eps=0.2)
    rows = grpo.make_examples(4, "train", seed=0)
    with tempfile.TemporaryDirectory() as folder:
        policy.save_pretrained(folder)
        trainer = GRPOTrainer(model=folder, reward_funcs=grpo.reward_for_trl, args=grpo.trl_config(settings, folder),
                              train_dataset=Dataset.from_list(rows), processing_class=tokenizer)
    model = trainer.model.eval()  # eval: no division by the gradient-accumulation steps of the training loop
    torch.manual_seed(1)
    prompt_ids = tokenizer([r["prompt"] for r in rows[:2]], return_tensors="pt")["input_ids"].repeat_interleave(3, 0)
    completion_ids = torch.randint(1, 11, (6, 3))
    completion_mask = torch.tensor([[1, 1, 1], [1, 0, 0], [1, 1, 0], [1, 1, 1], [1, 0, 0], [1, 1, 0]])
    length = completion_ids.shape[1]
    old = -2 * torch.rand(6, length)
    ref = -2 * torch.rand(6, length)
    advantages = torch.randn(6)
    inputs = {"prompt_ids": prompt_ids, "prompt_mask": torch.ones_like(prompt_ids), "completion_ids": completion_ids,
              "completion_mask": completion_mask, "advantages": advantages, "old_per_token_logps": old,
              "ref_per_token_logps": ref}
    trl_loss = trainer._compute_loss(model, inputs)
    trl_grads = torch.autograd.grad(trl_loss, list(model.parameters()))
    batch = grpo.Rollout(torch.cat([prompt_ids, completion_ids], 1),
                         torch.cat([torch.ones_like(prompt_ids), completion_mask], 1),
                         torch.cat([torch.zeros_like(prompt_ids), completion_mask], 1), [], [])
    logprobs = token_logprobs(model, batch)[:, -length:]
    ours = grader.reference_grpo_loss(logprobs, old, ref, advantages, completion_mask, 0.2, 0.04)
    our_grads = torch.autograd.grad(ours, list(model.parameters()))
    assert trl_loss.item() == pytest.approx(ours.item(), abs=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6, rtol=1e-4) for a, b in zip(trl_grads, our_grads))


# --- course_utils.grpo: the task, the reward and the loop the notebook describes ---

def test_task_split_and_answers():
    train, test = grpo.make_examples(500, "train", seed=0), grpo.make_examples(300, "test", seed=1)
    assert not {r["prompt"] for r in train} & {r["prompt"] for r in test}
    assert len({r["prompt"] for r in test}) == 300 and all(grpo.is_held_out(r["prompt"]) for r in test)
    for row in train + test:
        digits = row["prompt"][:-1]
        assert row["prompt"].endswith("=") and len(digits) == grpo.N_DIGITS and row["answer"] == max(digits)
    share = sum(map(grpo.is_held_out, (f"{random.Random(i).randrange(10 ** 6):06d}=" for i in range(5000)))) / 5000
    assert 0.17 < share < 0.23
    assert grpo.exact_reward(["8", " 8 ", "9", ""], ["8", "8", "8", "8"]).tolist() == [1.0, 1.0, 0.0, 0.0]
    assert grpo.reward_for_trl(["1="], ["3"], answer=["3"]) == [1.0]


def test_tokenizer_and_sampling():
    tokenizer = grpo.make_tokenizer()
    assert tokenizer("385172=")["input_ids"] == [0, 4, 9, 6, 2, 8, 3, 11]
    policy = grpo.make_policy(seed=0)
    assert 90_000 < sum(p.numel() for p in policy.parameters()) < 110_000
    torch.manual_seed(0)
    batch = grpo.sample_groups(policy, tokenizer, ["111111=", "999999="], group_size=4)
    assert batch.input_ids.shape == (8, 9) and batch.prompts == ["111111="] * 4 + ["999999="] * 4
    assert batch.response_mask[:, 8].tolist() == [1] * 8 and batch.response_mask[:, :8].sum() == 0
    assert len(batch.responses) == 8 and all(len(r) <= 1 for r in batch.responses)


def test_fallbacks_equal_the_references():
    torch.manual_seed(2)
    rewards = (torch.rand(24) < 0.5).float()
    assert torch.allclose(grpo.advantages_by_loop(rewards, 6), grader.reference_group_advantages(rewards, 6))
    logprobs, old, ref, advantages, mask = grader.loss_case(5, 6, 7)
    mask = torch.zeros_like(mask)
    mask[:, 2:4] = 1  # all answers of one length: token-level and per-answer means coincide
    assert torch.allclose(grpo.token_level_loss(logprobs, old, ref, advantages, mask),
                          grader.reference_grpo_loss(logprobs, old, ref, advantages, mask))


def test_train_grpo_learns_the_task():
    tokenizer, policy = grpo.make_tokenizer(), grpo.make_policy(seed=0)
    test_rows = grpo.make_examples(100, "test", seed=1)
    settings = grpo.GRPOSettings(steps=20, eval_every=10, seed=0)
    log = grpo.train_grpo(policy, tokenizer, grader.reference_group_advantages, grader.reference_grpo_loss,
                          settings, test_rows)
    assert [e["step"] for e in log] == [0, 10, 20] and set(log[0]) == {"step", "seconds", "reward", "accuracy"}
    assert log[0]["accuracy"] <= 0.1 and log[-1]["accuracy"] > log[0]["accuracy"] + 0.1


# --- visible cells ---

@pytest.mark.parametrize("grade_id", EXERCISES)
def test_visible_cell_passes_the_reference(grade_id, capsys):
    cell = cells_by_grade_id(load(NOTEBOOK))[f"{grade_id}_visible"]
    scope = namespace()
    scope[NAMES[grade_id]] = grader.REFERENCES[grade_id]
    exec(compile(source(cell), "<visible>", "exec"), scope)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("grade_id, mistake, fragment", [
    ("06_rl_reasoning_grpo_group_advantages", "std of the whole batch", "не по всему батчу"),
    ("06_rl_reasoning_grpo_group_advantages", "mean of the whole batch", "Среднее считается внутри каждой группы"),
    ("06_rl_reasoning_grpo_group_advantages", "no eps: NaN on equal rewards", "(std + eps)"),
    ("06_rl_reasoning_grpo_group_advantages", "population std", "std генеральной совокупности"),
    ("06_rl_reasoning_grpo_group_advantages", "returns (B, G)", "плоский тензор"),
    ("06_rl_reasoning_grpo_loss", "ratio not exponentiated", "torch.exp от разности"),
    ("06_rl_reasoning_grpo_loss", "clip on the advantage", "Обрезают отношение вероятностей"),
    ("06_rl_reasoning_grpo_loss", "min and max swapped", "min и max перепутаны"),
    ("06_rl_reasoning_grpo_loss", "KL sign reversed", "Знак у β·KL обратный"),
    ("06_rl_reasoning_grpo_loss", "mask ignored", "Токены запроса и дополнения"),
    ("06_rl_reasoning_grpo_loss", "token-level mean (dapo)", "loss_type='dapo'"),
    ("06_rl_reasoning_grpo_loss", "objective returned, not the loss", "цель со знаком минус"),
    ("06_rl_reasoning_grpo_loss", "advantages not unsqueezed", "advantages[:, None]"),
    ("06_rl_reasoning_grpo_loss", "loss detached", "Не отсоединяйте logprobs"),
])
def test_visible_cell_names_the_slip(grade_id, mistake, fragment):
    code, _ = grader.MISTAKES[grade_id][mistake]
    assert fragment in visible_failure(grade_id, code)
