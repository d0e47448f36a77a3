"""Бенчмарк LoRA главы 5: какие слои и какой ранг брать для GPT курса, если учить дольше, чем позволяет ноутбук.

Ноутбуки «3. LoRA своими руками» и «4. То же с peft и Trainer» успевают обучить каждую модель лишь на сотню
итераций: лосс уже различается, а доля точных ответов ещё близка к нулю. Этот скрипт учит те же конфигурации
по ``--steps`` итераций (по умолчанию 600) и пишет ``benchmarks/lora.json`` (его читает ноутбук 4) и
``benchmarks/lora.md``.

Конфигурации: LoRA r = 16, α = 32 через peft на ``c_attn`` (только внимание) или на всех линейных слоях,
с обучаемой строкой эмбеддинга EOS и без неё; и ранги r = 1, 4, 16 своей LoRA (``course_utils.lora``) на всех
слоях со строкой EOS, α = 2r. Цикл — ``finetuning.train_sft`` (батч 16, lr 3e-3, seed 505).

Usage: python scripts/bench_lora.py [--steps N]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils import lora  # noqa: E402
from course_utils.data import tiny_gpt_path  # noqa: E402
from course_utils.finetuning import exact_match, load_model, load_sft, train_sft  # noqa: E402

SEED = 505
STEPS = 600
LR = 3e-3
BATCH = 16
ALL_LAYERS = ["c_attn", "c_proj", "c_fc"]
TARGET_RUNS = [  # (название, target_modules, обучаемая строка EOS)
    ("только c_attn", ["c_attn"], False),
    ("только c_attn + строка EOS", ["c_attn"], True),
    ("c_attn, c_proj, c_fc", ALL_LAYERS, False),
    ("c_attn, c_proj, c_fc + строка EOS", ALL_LAYERS, True),
]
RANKS = [1, 4, 16]
OUT_JSON = ROOT / "benchmarks" / "lora.json"
OUT_MD = ROOT / "benchmarks" / "lora.md"


def peft_model(targets, eos_row, eos_id):
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=16, lora_alpha=32, target_modules=targets, fan_in_fan_out=True, lora_dropout=0.0,
                        bias="none", task_type="CAUSAL_LM", trainable_token_indices=[eos_id] if eos_row else None)
    return get_peft_model(load_model(), config)


def run(model, tokenizer, steps: int) -> dict:
    """Обучает модель и возвращает её цифры: параметры, время, лоссы и доли точных ответов."""
    train, test = load_sft("train"), load_sft("test")
    start = time.perf_counter()
    log = train_sft(model, tokenizer, train, steps=steps, lr=LR, batch_size=BATCH, seed=SEED, log_every=50)
    seconds = time.perf_counter() - start
    losses = lora.answer_losses(model, tokenizer, test)
    return {"trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "seconds": round(seconds, 1), "train_loss": round(log[-1]["loss"], 3),
            "test_loss": {key: round(value, 3) for key, value in losses.items()},
            "exact_match_test": exact_match(model, tokenizer, test),
            "exact_match_train": exact_match(model, tokenizer, train)["all"],
            "log": log}


def markdown(report: dict) -> str:
    lines = ["# Глава 5: LoRA на GPT курса — какие слои и какой ранг",
             "",
             f"Всё измерено на CPU (потоков torch: {report['torch_threads']}); `python scripts/bench_lora.py` "
             f"пересобирает этот отчёт. Каждая модель — {report['steps']} итераций `finetuning.train_sft` "
             f"(батч {BATCH}, lr {LR}, seed {SEED}); лосс — нат на токен ответа на отложенных инструкциях. Время — "
             "секунды обучения на машине, где рядом работали другие процессы: оно показывает порядок, а не точную "
             "скорость.",
             "",
             "## Какие слои (peft, r = 16, α = 32)",
             "",
             "| слои | обучаемых параметров | время, с | лосс ответа | лосс EOS | лосс прочих токенов "
             "| точных ответов (тест) | точных ответов (обучение) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in report["targets"]:
        loss = row["test_loss"]
        lines.append(f"| {row['name']} | {row['trainable']:,} | {row['seconds']:.0f} | {loss['answer']:.2f} "
                     f"| {loss['eos']:.2f} | {loss['other']:.2f} | {row['exact_match_test']['all']:.3f} "
                     f"| {row['exact_match_train']:.3f} |")
    lines += ["", "## Ранг (своя LoRA из `course_utils.lora`, все слои + строка EOS, α = 2r)", "",
              "| r | обучаемых параметров | время, с | лосс ответа | точных ответов (тест) |",
              "|---:|---:|---:|---:|---:|"]
    for row in report["ranks"]:
        lines.append(f"| {row['r']} | {row['trainable']:,} | {row['seconds']:.0f} | {row['test_loss']['answer']:.2f} "
                     f"| {row['exact_match_test']['all']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    from transformers import AutoTokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args()
    torch.set_num_threads(1)  # как в ноутбуках: setup() оставляет один поток
    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt_path())
    eos = tokenizer.eos_token_id
    report = {"steps": args.steps, "lr": LR, "batch_size": BATCH, "seed": SEED, "torch_threads": 1,
              "targets": [], "ranks": []}
    for name, targets, eos_row in TARGET_RUNS:
        torch.manual_seed(SEED)
        result = run(peft_model(targets, eos_row, eos), tokenizer, args.steps)
        report["targets"].append({"name": name, "target_modules": targets, "eos_row": eos_row, **result})
        print(name, {k: v for k, v in result.items() if k != "log"}, flush=True)
    for r in RANKS:
        torch.manual_seed(SEED)
        result = run(lora.add_lora(load_model(), r, 2 * r, token_ids=[eos]), tokenizer, args.steps)
        report["ranks"].append({"r": r, "alpha": 2 * r, **result})
        print("r =", r, {k: v for k, v in result.items() if k != "log"}, flush=True)
    OUT_JSON.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    OUT_MD.write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
