"""Предобучает эталонный GPT курса на data/corpus_ru.txt и сохраняет его в data/tiny_gpt/ (формат Hugging Face).

Это «долгое» обучение, которое не помещается в ноутбук: несколько минут на CPU ноутбука. Глава 4 сравнивает
с ним свою короткую тренировку, главы 5–6 дообучают эту модель. Всё детерминировано: seed, порядок батчей,
один и тот же конфиг. Результат грузится без сети::

    from transformers import AutoModelForCausalLM, AutoTokenizer
    model = AutoModelForCausalLM.from_pretrained("data/tiny_gpt")
    tokenizer = AutoTokenizer.from_pretrained("data/tiny_gpt")

Запуск из корня репозитория (нужны data/corpus_ru.txt и data/tokenizer/)::

    python scripts/pretrain_gpt.py            # полный прогон
    python scripts/pretrain_gpt.py --steps 50 --out /tmp/tiny_gpt   # быстрая проверка
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import time
from pathlib import Path

import torch
from transformers import AutoTokenizer

from course_utils.data import load_text
from course_utils.gpt import GPT, GPTConfig

ROOT = Path(__file__).resolve().parent.parent
CONFIG = GPTConfig(vocab_size=2048, block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.1)
SEED, BATCH_SIZE, LEARNING_RATE, WARMUP = 1337, 16, 1e-3, 100


def get_batch(ids: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Случайные окна длиной block_size и те же окна, сдвинутые на один токен (цели)."""
    starts = torch.randint(len(ids) - CONFIG.block_size - 1, (BATCH_SIZE,), generator=generator)
    x = torch.stack([ids[s:s + CONFIG.block_size] for s in starts])
    y = torch.stack([ids[s + 1:s + 1 + CONFIG.block_size] for s in starts])
    return x, y


@torch.no_grad()
def evaluate(model: GPT, ids: torch.Tensor, batches: int = 10) -> float:
    """Средний лосс на фиксированных батчах (один и тот же набор при каждой оценке)."""
    model.eval()
    generator = torch.Generator().manual_seed(0)
    loss = sum(model(*get_batch(ids, generator))[1].item() for _ in range(batches)) / batches
    model.train()
    return loss


def learning_rate(step: int, steps: int) -> float:
    """Линейный разогрев, затем косинусное затухание до 10 % от начальной скорости."""
    if step < WARMUP:
        return LEARNING_RATE * (step + 1) / WARMUP
    progress = (step - WARMUP) / max(1, steps - WARMUP)
    return LEARNING_RATE * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "tiny_gpt")
    args = parser.parse_args()

    tokenizer = AutoTokenizer.from_pretrained(ROOT / "data" / "tokenizer", local_files_only=True)
    documents = [d for d in load_text().split("\n\n") if d.strip()]
    # Каждый десятый документ — в проверочную часть: так в ней есть и проза глав, и предложения грамматики.
    train_text = "\n\n".join(d for i, d in enumerate(documents) if i % 10 != 9)
    val_text = "\n\n".join(d for i, d in enumerate(documents) if i % 10 == 9)
    train_ids, val_ids = (torch.tensor(tokenizer(text)["input_ids"], dtype=torch.long)
                          for text in (train_text, val_text))
    torch.manual_seed(SEED)
    model = GPT(CONFIG)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.1)
    generator = torch.Generator().manual_seed(SEED)
    log, start = [], time.perf_counter()
    best_val, best_state = math.inf, None  # корпус маленький: сохраняем модель с лучшим лоссом на проверке
    print(f"токенов: обучение {len(train_ids)}, проверка {len(val_ids)}; параметров {model.num_params():,}")
    for step in range(args.steps + 1):
        if step % 250 == 0 or step == args.steps:
            entry = {"step": step, "train_loss": evaluate(model, train_ids), "val_loss": evaluate(model, val_ids),
                     "seconds": round(time.perf_counter() - start, 1)}
            log.append(entry)
            print(entry, flush=True)
            if entry["val_loss"] < best_val:
                best_val, best_state = entry["val_loss"], copy.deepcopy(model.state_dict())
        if step == args.steps:
            break
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args.steps)
        _, loss = model(*get_batch(train_ids, generator))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    args.out.mkdir(parents=True, exist_ok=True)
    model.load_state_dict(best_state)
    model.eval()
    model.save_pretrained(args.out)
    tokenizer.model_max_length = CONFIG.block_size  # длиннее контекстного окна модель не читает
    tokenizer.save_pretrained(args.out)
    report = {"config": vars(CONFIG), "seed": SEED, "batch_size": BATCH_SIZE, "learning_rate": LEARNING_RATE,
              "steps": args.steps, "parameters": model.num_params(), "torch_threads": torch.get_num_threads(),
              "best_val_loss": best_val, "saved_step": min(log, key=lambda e: e["val_loss"])["step"], "log": log}
    (args.out / "training_log.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    for path in sorted(args.out.iterdir()):
        print(f"{path.name}: {path.stat().st_size} байт, sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
