"""Модель награды главы 06: ``data/tiny_reward_model``.

GPT курса с одним выходом (``AutoModelForSequenceClassification``, голова ``score``), тело взято у SFT-политики
(``course_utils.rl.load_policy``): она уже понимает инструкции. Обучение — лосс Брэдли — Терри
−log σ(r_chosen − r_rejected) на обучающих парах ``data/preferences_ru.jsonl``: AdamW lr 3e-4, батч 16 пар,
``STEPS`` шагов, dropout выключен. Печатает точность на отложенных парах (доля пар, где chosen получил больше)
и sha256 весов.

Usage: python scripts/train_reward_model.py
"""
from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils.data import tiny_gpt_path  # noqa: E402
from course_utils.rl import (encode_pairs, load_policy, load_preferences, load_reward_model,  # noqa: E402
                             load_tokenizer, reward_model_path, rewards)

SEED = 606
STEPS = 300
BATCH = 16
LR = 3e-4


def scores(model, tokenizer, pairs: list[dict], which: str) -> torch.Tensor:
    return rewards(model, encode_pairs(tokenizer, [p["prompt"] for p in pairs], [p[which] for p in pairs]))


@torch.no_grad()
def pairwise_accuracy(model, tokenizer, pairs: list[dict]) -> dict[str, float]:
    """Доля пар, где chosen оценён выше rejected: всего и по видам пар."""
    won = (scores(model, tokenizer, pairs, "chosen") > scores(model, tokenizer, pairs, "rejected")).tolist()
    result = {"all": sum(won) / len(won)}
    for kind in sorted({p["kind"] for p in pairs}):
        picked = [w for w, p in zip(won, pairs) if p["kind"] == kind]
        result[kind] = sum(picked) / len(picked)
    return {k: round(v, 3) for k, v in result.items()}


def main() -> None:
    torch.manual_seed(SEED)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    tokenizer = load_tokenizer()
    model = load_reward_model(tiny_gpt_path())
    model.transformer.load_state_dict(load_policy().transformer.state_dict())
    train, test = load_preferences("train"), load_preferences("test")
    before = pairwise_accuracy(model, tokenizer, test)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    rng, start, log = random.Random(SEED), time.perf_counter(), []
    model.train()
    for step in range(1, STEPS + 1):
        batch = rng.sample(train, BATCH)
        loss = -F.logsigmoid(scores(model, tokenizer, batch, "chosen") - scores(model, tokenizer, batch, "rejected")).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % 50 == 0:
            log.append({"step": step, "loss": round(loss.item(), 4), "seconds": round(time.perf_counter() - start, 1)})
            print(log[-1], flush=True)
    model.eval()
    result = {"steps": STEPS, "batch": BATCH, "lr": LR, "seed": SEED, "test_accuracy_before": before,
              "test_accuracy": pairwise_accuracy(model, tokenizer, test),
              "train_accuracy": pairwise_accuracy(model, tokenizer, train), "log": log}
    out = reward_model_path()
    model.save_pretrained(out)
    (out / "training_log.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    digest = hashlib.sha256((out / "model.safetensors").read_bytes()).hexdigest()
    print(f"test accuracy {result['test_accuracy']} (before {before}), train {result['train_accuracy']['all']}; "
          f"{out.relative_to(ROOT)}/model.safetensors sha256 {digest}")


if __name__ == "__main__":
    main()
