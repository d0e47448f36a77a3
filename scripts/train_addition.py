"""Учит две игрушечные модели сложения для ноутбука «6. Ризонинг» главы 6 и сохраняет их в data/tiny_addition/.

Обе модели — одинаковый GPT-2 из ``course_utils.reasoning.model_config`` (3 блока, ширина 96, 344 160
параметров) на одинаковых случайных задачах «a+b=» с числами из 1–5 цифр:

- ``cot`` — пишет черновик (сложение столбиком от младшего разряда) и потом ответ: ``[3+9+0=12;…]1112.``;
- ``direct`` — сразу пишет ответ: ``1112.``.

Бюджет обучения одинаковый по токенам: пример с черновиком длиннее (батч — до 65 токенов в строке против 19),
поэтому прямая модель делает больше итераций (``DIRECT_STEPS``), и обе обрабатывают примерно одинаковое число
токенов — одинаковые вычисления. Журнал (лосс, токены, жадная точность по длине чисел на 50 задачах каждой длины)
лежит в ``training_log.json``: по нему ноутбук рисует точность от затраченных на обучение токенов.

Запуск из корня репозитория (около 10 минут на тихой машине с 2 ядрами; журнал ``data/tiny_addition`` записан
на занятой машине — 12.9 и 6.7 минуты)::

    python scripts/train_addition.py                   # → data/tiny_addition/{cot,direct}/, training_log.json
    python scripts/train_addition.py --cot-steps 20 --direct-steps 60 --out /tmp/tiny_addition   # быстрая проверка
    python scripts/train_addition.py --bench           # замеры для benchmarks/ (reasoning_benchmark) → JSON
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils import reasoning  # noqa: E402

SEED = 2025
COT_STEPS = 1200
DIRECT_STEPS = 4200  # ≈ COT_STEPS · 65 / 19: столько же токенов, сколько у модели с черновиком
BATCH = 64
LR = 2e-3
EVAL_PROBLEMS = 50  # задач каждой длины (1…5 цифр) в журнале


def evaluate(model) -> dict:
    """Жадная точность на ``EVAL_PROBLEMS`` задачах каждой длины (одни и те же задачи на каждой оценке)."""
    by_digits = reasoning.accuracy_by_digits(model, n=EVAL_PROBLEMS, seed=SEED)
    return {"accuracy_by_digits": {str(d): acc for d, acc in by_digits.items()}}


def train_one(kind: str, steps: int, eval_every: int) -> tuple[torch.nn.Module, list[dict], float]:
    model = reasoning.new_model(seed=SEED)
    start = time.perf_counter()

    def show(log):
        entry = log[-1]
        accs = " ".join(f"{a:.2f}" for a in entry["accuracy_by_digits"].values())
        print(f"{kind:>6} шаг {entry['step']:>5} лосс {entry['loss']:.4f} токенов {entry['tokens']:>9,} "
              f"точность по длине 1…5: {accs}  ({entry['seconds']:.0f} с)", flush=True)

    log = reasoning.train(model, cot=kind == "cot", steps=steps, batch_size=BATCH, lr=LR, seed=SEED,
                          eval_every=eval_every, evaluate=evaluate, callback=show)
    return model, log, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cot-steps", type=int, default=COT_STEPS)
    parser.add_argument("--direct-steps", type=int, default=DIRECT_STEPS)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "tiny_addition")
    parser.add_argument("--bench", action="store_true", help="только замеры на готовых моделях (reasoning_benchmark)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # как в ноутбуках курса: один поток, числа воспроизводимы
    if args.bench:
        from graders.ch06_rl_reasoning.reasoning import reasoning_benchmark

        print(json.dumps(reasoning_benchmark(), ensure_ascii=False, indent=1))
        return

    report = {"seed": SEED, "batch_size": BATCH, "learning_rate": LR, "warmup": 50, "max_digits": reasoning.MAX_DIGITS,
              "config": {k: v for k, v in reasoning.model_config().to_dict().items()
                         if k in ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head")},
              "vocab": reasoning.VOCAB, "eval_problems_per_length": EVAL_PROBLEMS, "torch_threads": 1, "models": {}}
    for kind, steps in (("cot", args.cot_steps), ("direct", args.direct_steps)):
        model, log, seconds = train_one(kind, steps, eval_every=max(1, steps // 8))
        report["parameters"] = sum(p.numel() for p in model.parameters())
        report["models"][kind] = {"steps": steps, "tokens": log[-1]["tokens"], "minutes": round(seconds / 60, 2),
                                  "final_accuracy_by_digits": log[-1]["accuracy_by_digits"], "log": log}
        model.save_pretrained(args.out / kind)
    (args.out / "training_log.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8")
    for path in sorted(args.out.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(args.out)}: {path.stat().st_size} байт, "
                  f"sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
