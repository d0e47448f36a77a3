"""Пары предпочтений главы 06 (reward model, DPO): ``data/preferences_ru.jsonl``.

Каждая строка — ``{"prompt", "chosen", "rejected", "kind", "task", "split"}``, запросы — инструкции
``data/sft_ru.jsonl`` с их разбиением на обучение и тест. Два вида пар:

- ``wrong`` — верный ответ против правдоподобно неверного из того же семейства: соседнее число, меньшее из двух
  чисел, другое слово списка, столица другой страны;
- ``rude`` — тот же верный ответ вежливо и грубо (к ответу добавлена грубая фраза).

Всё детерминировано (seed в ``SEED``). Usage: python scripts/make_preference_data.py
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from make_sft_data import CAPITALS, number_in_words  # noqa: E402 — те же числа словами и столицы, что в SFT

SFT_PATH = ROOT / "data" / "sft_ru.jsonl"
OUT_PATH = ROOT / "data" / "preferences_ru.jsonl"
SEED = 606
RUDE_SHARE = 0.25
POLITE = ["Пожалуйста: {}.", "Конечно, {}.", "Ответ: {}. Рад помочь!", "Охотно отвечу: {}."]
RUDE = ["{}. Отстань.", "Сам не знаешь? {}.", "{}, это же очевидно, глупый вопрос.", "Ну {}. Не мешай."]


def wrong_answer(row: dict, rng: random.Random) -> str:
    """Правдоподобная ошибка для ответа ``row["output"]``: того же вида, но неверная."""
    task, output = row["task"], row["output"]
    if task in ("number_words", "number_digits"):
        n = int(re.search(r"\d+", row["instruction"]).group()) if task == "number_words" else int(output)
        other = rng.choice([m for m in range(max(0, n - 10), min(99, n + 10) + 1) if m != n])
        return number_in_words(other) if task == "number_words" else str(other)
    if task == "compare":
        a, b = re.findall(r"\d+", row["instruction"])
        return a if b == output else b
    if task == "last_word":
        words = row["instruction"].split(":", 1)[1].strip(" .").split(", ")
        return rng.choice([w for w in words if w != output])
    if task == "capital":
        return rng.choice([c for c in CAPITALS.values() if c != output])
    raise ValueError(f"неизвестное семейство задач: {task}")


def pairs(rows: list[dict], rng: random.Random) -> list[dict]:
    result = []
    for row in rows:
        pair = {"prompt": row["instruction"], "task": row["task"], "split": row["split"]}
        if rng.random() < RUDE_SHARE:
            pair.update(kind="rude", chosen=rng.choice(POLITE).format(row["output"]),
                        rejected=rng.choice(RUDE).format(row["output"]))
        else:
            pair.update(kind="wrong", chosen=row["output"], rejected=wrong_answer(row, rng))
        result.append({k: pair[k] for k in ("prompt", "chosen", "rejected", "kind", "task", "split")})
    return result


def main() -> None:
    rows = [json.loads(line) for line in SFT_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = pairs(rows, random.Random(SEED))
    text = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in result)
    OUT_PATH.write_text(text, encoding="utf-8")
    counts = {(k, s): sum(p["kind"] == k and p["split"] == s for p in result)
              for k in ("wrong", "rude") for s in ("train", "test")}
    print(f"{OUT_PATH.relative_to(ROOT)}: {len(result)} pairs {counts}, {len(text.encode())} bytes, "
          f"sha256 {hashlib.sha256(text.encode()).hexdigest()}")


if __name__ == "__main__":
    main()
