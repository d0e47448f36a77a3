"""Chapter 06's shared code and data: course_utils/rl.py (policy, grouped sampling, response log-probs, reward
model), data/preferences_ru.jsonl (what scripts/make_preference_data.py makes) and data/tiny_reward_model (what
scripts/train_reward_model.py trained: it loads offline and reproduces its logged accuracy)."""
from __future__ import annotations

import hashlib
import json
import random
import re
import sys

import pytest
import torch

from course_utils import rl
from course_utils.finetuning import load_sft
from notebooks import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import make_preference_data  # noqa: E402
import train_reward_model  # noqa: E402


@pytest.fixture(scope="module")
def tokenizer():
    return rl.load_tokenizer()


@pytest.fixture(scope="module")
def policy():
    return rl.load_policy()


def readme_row(prefix: str) -> str:
    lines = (ROOT / "data" / "README.md").read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if line.startswith(f"| `{prefix}"))


def test_preferences_are_what_the_script_makes():
    rows = [json.loads(line) for line in load_sft_lines()]
    assert rl.load_preferences() == make_preference_data.pairs(rows, random.Random(make_preference_data.SEED))
    data = rl.preferences_path().read_bytes()
    assert hashlib.sha256(data).hexdigest() in readme_row("preferences_ru.jsonl")


def load_sft_lines() -> list[str]:
    return (ROOT / "data" / "sft_ru.jsonl").read_text(encoding="utf-8").splitlines()


def test_preference_pairs_differ_and_keep_the_sft_split():
    pairs, sft = rl.load_preferences(), load_sft()
    assert len(pairs) == len(sft) and all(p["chosen"] != p["rejected"] for p in pairs)
    assert [(p["prompt"], p["split"]) for p in pairs] == [(r["instruction"], r["split"]) for r in sft]
    rude = [p for p in pairs if p["kind"] == "rude"]
    assert rude and all(r["output"] in p["chosen"] and r["output"] in p["rejected"]
                        for p, r in zip(pairs, sft) if p["kind"] == "rude")
    assert all(p["chosen"] == r["output"] for p, r in zip(pairs, sft) if p["kind"] == "wrong")
    with pytest.raises(ValueError, match="Часть данных"):
        rl.load_preferences("valid")


def test_sample_groups_answers_and_masks_only_the_response(policy, tokenizer):
    prompts = ["Запиши число 47 словами.", "Столица Франции?"]
    batch = rl.sample(policy, tokenizer, prompts, n=3, seed=0)
    assert batch.prompts == [prompts[0]] * 3 + [prompts[1]] * 3 and len(batch.responses) == 6
    assert batch.input_ids.shape == batch.response_mask.shape == batch.attention_mask.shape
    for i, prompt in enumerate(batch.prompts):
        prompt_length = len(rl.prompt_ids(tokenizer, prompt))
        assert batch.response_mask[i, :prompt_length].sum() == 0
        assert batch.response_mask[i].sum() >= 1 and (batch.response_mask[i] <= batch.attention_mask[i]).all()
    again = rl.sample(policy, tokenizer, prompts, n=3, seed=0)
    assert again.responses == batch.responses and torch.equal(again.input_ids, batch.input_ids)


def test_response_logprob_sums_the_answer_tokens_only(policy, tokenizer):
    batch = rl.encode_pairs(tokenizer, ["Столица Франции?", "Назови последнее слово: кот, лес, дом."],
                            ["Париж", "дом"])
    with torch.no_grad():
        total = rl.response_logprob(policy, batch)
        for i in range(2):
            length = int(batch.attention_mask[i].sum())
            ids = batch.input_ids[i:i + 1, :length]
            logprobs = torch.log_softmax(policy(input_ids=ids).logits[0, :-1], dim=-1)
            picked = logprobs.gather(1, ids[0, 1:, None]).squeeze(1)
            answer = batch.response_mask[i, 1:length].bool()
            assert torch.allclose(total[i], picked[answer].sum(), atol=1e-5)
    assert total[0] > -2.0, "the SFT policy knows the capital of France"
    rl.response_logprob(policy, batch).sum().backward()  # the merged policy is trainable
    assert all(p.grad is not None for p in policy.parameters() if p.requires_grad)


def test_reward_model_is_recorded_and_reproduces_its_logged_accuracy(tokenizer):
    path = rl.reward_model_path()
    weights = path / "model.safetensors"
    assert weights.stat().st_size <= 10 * 2**20
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == re.findall(
        r"`([0-9a-f]{64})`", readme_row("tiny_reward_model/"))[0]
    log = json.loads((path / "training_log.json").read_text(encoding="utf-8"))
    model = rl.load_reward_model()
    test = rl.load_preferences("test")
    assert train_reward_model.pairwise_accuracy(model, tokenizer, test) == log["test_accuracy"]
    assert log["test_accuracy"]["all"] >= 0.7 > log["test_accuracy_before"]["all"]
