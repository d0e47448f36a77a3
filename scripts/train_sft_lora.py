"""LoRA-адаптер главы 5: GPT курса (``data/tiny_gpt``) учится следовать инструкциям из ``data/sft_ru.jsonl``.

Обучение дольше бюджета ноутбука (около 3 минут на 2 ядрах), поэтому адаптер готовится скриптом и лежит в
``data/tiny_sft_lora``; ноутбуки главы 5 и глава 6 загружают его через ``PeftModel.from_pretrained``.
LoRA ранга 16 на всех линейных слоях (``c_attn``, ``c_proj``, ``c_fc``) и обучаемая строка эмбеддинга токена
конца текста (``trainable_token_indices``): при предобучении модель этот токен не предсказывала.

Usage: python scripts/train_sft_lora.py [--steps N]
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
from course_utils.data import sft_lora_path, tiny_gpt_path  # noqa: E402
from course_utils.finetuning import exact_match, load_model, load_sft, train_sft  # noqa: E402

SEED = 505
STEPS = 2000
LR = 3e-3
BATCH = 16
LORA = {"r": 16, "lora_alpha": 32, "target_modules": ["c_attn", "c_proj", "c_fc"], "lora_dropout": 0.0,
        "bias": "none", "fan_in_fan_out": True}


def main() -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoTokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt_path())
    model = get_peft_model(load_model(), LoraConfig(task_type="CAUSAL_LM", **LORA,
                                                     trainable_token_indices=[tokenizer.eos_token_id]))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    start = time.perf_counter()
    log = train_sft(model, tokenizer, load_sft("train"), steps=args.steps, lr=LR, batch_size=BATCH, seed=SEED,
                    log_every=100, callback=lambda log: print(log[-1], flush=True))
    minutes = (time.perf_counter() - start) / 60
    scores = {split: exact_match(model, tokenizer, load_sft(split)) for split in ("train", "test")}
    out = sft_lora_path()
    model.peft_config["default"].base_model_name_or_path = "data/tiny_gpt"  # путь от корня репозитория, не с этой машины
    model.save_pretrained(out)
    (out / "README.md").unlink(missing_ok=True)  # peft пишет шаблон карточки модели; описание — в data/README.md
    (out / "training_log.json").write_text(json.dumps(
        {"seed": SEED, "steps": args.steps, "lr": LR, "batch_size": BATCH, "lora": LORA,
         "trainable_token_indices": [tokenizer.eos_token_id], "trainable_parameters": trainable,
         "minutes": round(minutes, 2), "torch_threads": 2, "exact_match": scores, "log": log},
        ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("точные ответы:", scores)
    for path in sorted(out.iterdir()):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} байт, sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
