"""Долгий прогон DPO главы 6 для ноутбука ``05_dpo``: ``data/dpo_long_run.json``.

DPO от SFT-политики (``course_utils.rl.load_policy``) на обучающих парах ``data/preferences_ru.jsonl`` при
β = 0.1 и β = 0.5: 240 шагов по 16 пар, AdamW lr 5e-5, один поток CPU, seed 0. Каждые 40 шагов — точность и зазор
неявной награды на отложенных парах, log π chosen и rejected, доля точных ответов на отложенных инструкциях SFT и
жадные ответы на четыре запроса (``dpo_benchmark`` ниже; функции DPO — эталоны грейдера). Около 10 минут на 2 ядрах.
Время в файл не пишется (печатается): так повторный запуск даёт тот же файл и тот же sha256.

Usage: python scripts/dpo_long_run.py
"""
from __future__ import annotations

import copy
import hashlib
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils import dpo, rl  # noqa: E402
from course_utils.dpo import long_run_path  # noqa: E402
from course_utils.finetuning import exact_match, generate_answers, load_sft  # noqa: E402
from graders.ch06_rl_reasoning.dpo import reference_dpo_loss, reference_sequence_logprob  # noqa: E402


def _rounded(value, digits=5):
    """Числа JSON-отчёта с ``digits`` значащими цифрами (словари и списки — рекурсивно)."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {key: _rounded(item, digits) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item, digits) for item in value]
    return value


def dpo_benchmark(betas=(0.1, 0.5), steps: int = 240, eval_every: int = 40, batch_size: int = 16,
                  lr: float = 5e-5, seed: int = 0) -> dict:
    """DPO от SFT-политики эталонными функциями грейдера, по прогону на каждое β из ``betas``.

    Каждые ``eval_every`` шагов: неявные награды на отложенных парах (точность, зазор, log π chosen и rejected —
    по видам пар), доля точных ответов на отложенных инструкциях SFT и жадные ответы на четыре запроса. После
    обучения — лосс на 16 отложенных парах: наш против trl. На 2 ядрах CPU — около 10 минут.
    """
    tokenizer, base = rl.load_tokenizer(), rl.load_policy()
    reference = copy.deepcopy(base).requires_grad_(False)
    logprob_of = dpo.from_logits(reference_sequence_logprob)
    train_pairs, test_pairs, sft_test = rl.load_preferences("train"), rl.load_preferences("test"), load_sft("test")
    test_batch = dpo.preference_batch(tokenizer, test_pairs)
    kinds = [row["kind"] for row in test_pairs]
    reference_logps = dpo.pair_logprobs(logprob_of, reference, test_batch)
    shown = ([row["prompt"] for row in test_pairs if row["kind"] == "wrong"][:2]
             + [row["prompt"] for row in test_pairs if row["kind"] == "rude"][:2])
    check_batch = dpo.preference_batch(tokenizer, test_pairs[:16])
    runs = []
    for beta in betas:
        torch.manual_seed(seed)
        policy, points, evaluation = copy.deepcopy(base), [], [0.0]

        def evaluate(step, policy=policy, points=points, evaluation=evaluation, beta=beta):
            if step % eval_every:
                return
            began = time.perf_counter()
            report = dpo.preference_report(dpo.pair_logprobs(logprob_of, policy, test_batch), reference_logps,
                                           kinds, beta)
            points.append({"step": step, "preferences": report,
                           "exact_match": exact_match(policy, tokenizer, sft_test)["all"],
                           "answers": generate_answers(policy, tokenizer, shown)})
            evaluation[0] += time.perf_counter() - began

        evaluate(0)
        began, evaluation[0] = time.perf_counter(), 0.0
        log = dpo.train_dpo(policy, reference, tokenizer, train_pairs, loss_fn=reference_dpo_loss,
                            logprob_fn=logprob_of, beta=beta, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                            log_every=eval_every, callback=evaluate)
        seconds = time.perf_counter() - began - evaluation[0]
        with torch.no_grad():
            own = reference_dpo_loss(*logprob_of(policy, check_batch).chunk(2),
                                     *logprob_of(reference, check_batch).chunk(2), beta).item()
        trl_loss = dpo.trl_dpo_loss(policy, reference, tokenizer, check_batch, beta)
        runs.append({"beta": beta, "train_seconds": seconds, "seconds_per_step": seconds / steps, "log": log,
                     "points": points, "loss_own_vs_trl": {"pairs": 16, "own": own, "trl": trl_loss,
                                                           "abs_diff": abs(own - trl_loss)}})
    config = {"steps": steps, "eval_every": eval_every, "batch_size": batch_size, "lr": lr, "seed": seed,
              "optimizer": "AdamW, weight_decay 0, постоянная скорость обучения, обрезка нормы градиента 1",
              "torch_threads": torch.get_num_threads(), "prompts": shown}
    return _rounded({"config": config, "runs": runs})


TIMINGS = ("train_seconds", "seconds_per_step", "seconds")


def without_timings(value):
    """Отчёт без замеров времени (словари и списки — рекурсивно)."""
    if isinstance(value, dict):
        return {key: without_timings(item) for key, item in value.items() if key not in TIMINGS}
    if isinstance(value, list):
        return [without_timings(item) for item in value]
    return value


def main() -> None:
    torch.set_num_threads(1)  # как setup() в ноутбуках: один поток, числа воспроизводимы
    report = dpo_benchmark()
    text = json.dumps(without_timings(report), ensure_ascii=False, indent=1) + "\n"
    long_run_path().write_text(text, encoding="utf-8")
    for run in report["runs"]:
        first, last = run["points"][0], run["points"][-1]
        print(f"β = {run['beta']}: {run['seconds_per_step']:.2f} с/шаг; точных ответов {first['exact_match']} → "
              f"{last['exact_match']}; точность неявной награды {last['preferences']['all']['accuracy']}; "
              f"лосс наш − trl {run['loss_own_vs_trl']['abs_diff']:.1e}")
    print(f"{long_run_path().relative_to(ROOT)}: {len(text.encode())} bytes, "
          f"sha256 {hashlib.sha256(text.encode()).hexdigest()}")


if __name__ == "__main__":
    main()
