"""Предобучает эталонный GPT курса на data/corpus_ru.txt и сохраняет его в data/tiny_gpt/ (формат Hugging Face).

Это «долгое» обучение, которое не помещается в ноутбук: несколько минут на CPU ноутбука. Глава 4 сравнивает
с ним свою короткую тренировку, главы 5–6 дообучают эту модель. Всё детерминировано: seed, порядок батчей,
один и тот же конфиг. Результат грузится без сети::

    from transformers import AutoModelForCausalLM, AutoTokenizer
    model = AutoModelForCausalLM.from_pretrained("data/tiny_gpt")
    tokenizer = AutoTokenizer.from_pretrained("data/tiny_gpt")

Запуск из корня репозитория (нужны data/corpus_ru.txt и data/tokenizer/)::

    python scripts/pretrain_gpt.py            # полный прогон → data/tiny_gpt/
    python scripts/pretrain_gpt.py --steps 50 --out /tmp/tiny_gpt   # быстрая проверка
    python scripts/pretrain_gpt.py --preset nanogpt   # для сравнения: настройки nanoGPT для CPU → benchmarks/

Пресет ``nanogpt`` — опубликованные в README nanoGPT настройки для CPU (4 слоя, 4 головы, ширина 128, окно 64,
батч 12, 2000 итераций, lr 1e-3 → 1e-4, разогрев 100, β2 = 0.99, без dropout) на нашем корпусе и токенизаторе.
Он только пишет журнал в ``benchmarks/pretraining_nanogpt.json``: модель не сохраняется.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import time
from dataclasses import replace
from pathlib import Path

import torch
from transformers import AutoTokenizer

from course_utils.data import load_text
from course_utils.gpt import GPT, GPTConfig
from course_utils.pretraining import split_documents, train_gpt

ROOT = Path(__file__).resolve().parent.parent
CONFIG = GPTConfig(vocab_size=2048, block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.1)
SEED = 1337
PRESETS = {
    "course": dict(config=CONFIG, batch_size=16, lr=1e-3, warmup=100, betas=(0.9, 0.999)),
    "nanogpt": dict(config=replace(CONFIG, dropout=0.0), batch_size=12, lr=1e-3, warmup=100, betas=(0.9, 0.99)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="course")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    preset = PRESETS[args.preset]
    out = args.out or (ROOT / "data" / "tiny_gpt" if args.preset == "course" else ROOT / "benchmarks")

    tokenizer = AutoTokenizer.from_pretrained(ROOT / "data" / "tokenizer", local_files_only=True)
    # Каждый десятый документ — в проверочную часть: так в ней есть и проза глав, и предложения грамматики.
    train_ids, val_ids = (torch.tensor(tokenizer(text)["input_ids"], dtype=torch.long)
                          for text in split_documents(load_text()))
    torch.manual_seed(SEED)
    model = GPT(preset["config"])
    print(f"пресет {args.preset}: токенов обучение {len(train_ids)}, проверка {len(val_ids)}; "
          f"параметров {model.num_params():,}")
    best = {"val_loss": float("inf")}  # корпус маленький: сохраняем модель с лучшим лоссом на проверке

    def remember_best(log: list[dict]) -> None:
        print(log[-1], flush=True)
        if log[-1]["val_loss"] < best["val_loss"]:
            best.update(log[-1], state=copy.deepcopy(model.state_dict()))

    start = time.perf_counter()
    log = train_gpt(model, train_ids, val_ids, steps=args.steps, batch_size=preset["batch_size"], lr=preset["lr"],
                    warmup=preset["warmup"], betas=preset["betas"], eval_every=250, seed=SEED,
                    callback=remember_best)
    report = {"preset": args.preset, "config": vars(preset["config"]), "seed": SEED,
              "batch_size": preset["batch_size"], "learning_rate": preset["lr"], "warmup": preset["warmup"],
              "betas": preset["betas"], "steps": args.steps, "parameters": model.num_params(),
              "torch_threads": torch.get_num_threads(), "minutes": round((time.perf_counter() - start) / 60, 2),
              "best_val_loss": best["val_loss"], "best_step": best["step"], "final_val_loss": log[-1]["val_loss"],
              "log": log}
    out.mkdir(parents=True, exist_ok=True)
    if args.preset != "course":
        path = out / f"pretraining_{args.preset}.json"
        path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
        print(f"журнал: {path}")
        return
    model.load_state_dict(best["state"])
    model.eval()
    model.save_pretrained(out)
    tokenizer.model_max_length = CONFIG.block_size  # длиннее контекстного окна модель не читает
    tokenizer.save_pretrained(out)
    (out / "training_log.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    for path in sorted(out.iterdir()):
        print(f"{path.name}: {path.stat().st_size} байт, sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
