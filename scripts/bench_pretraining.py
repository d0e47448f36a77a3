"""Benchmark report of chapter 04: corpus, tokenizer compression, validation losses, the nanoGPT comparison,
the scaling-law exponent.

Usage: python scripts/bench_pretraining.py   (writes benchmarks/pretraining.{json,md}; about 2 minutes)

The long runs are read from their logs (both made by scripts/pretrain_gpt.py): data/tiny_gpt/training_log.json
(the shipped model) and benchmarks/pretraining_nanogpt.json (nanoGPT's published CPU settings on the same corpus).
Notebooks 03 and 04 of chapter 04 are executed here and their results read back from the kernel, so the report
shows exactly what a student sees. Like bench_notebooks.py, this is a report and never fails on a number.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import torch
from nbclient import NotebookClient
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils.data import corpus_parts, load_text, tiny_gpt_path, tokenizer_path  # noqa: E402
from course_utils.gpt import GPT  # noqa: E402
from course_utils.pretraining import dataset_loss, split_documents  # noqa: E402

OUT = ROOT / "benchmarks"
CHAPTER = ROOT / "solutions" / "04_pretraining"
NOTEBOOK_RESULTS = {  # notebook → the expression, evaluated in its kernel after the last cell, that we report
    "03_training.ipynb": "{'params': model.num_params(), 'n_layer': config.n_layer, 'n_embd': config.n_embd, "
                         "'steps': STEPS, 'train_seconds': log[-1]['seconds'], 'val_loss_full': our_val, "
                         "'val_loss_batches': log[-1]['val_loss']}",
    "04_scaling_laws.ipynb": "{'alpha': alpha_ours, 'a': a_ours, 'steps': STEPS, 'sizes': [{k: row[k] for k in "
                             "('n_layer', 'n_embd', 'params', 'val_loss', 'seconds')} for row in table]}",
}


def notebook_results(name: str) -> dict:
    """Executes a chapter notebook top to bottom and returns the value of its NOTEBOOK_RESULTS expression."""
    nb = nbformat.read(CHAPTER / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"import json\nprint(json.dumps({NOTEBOOK_RESULTS[name]}))"))
    NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(CHAPTER)}}).execute()
    return json.loads(nb.cells[-1].outputs[-1]["text"])


def corpus_and_tokenizer() -> dict:
    tokenizer = Tokenizer.from_file(str(tokenizer_path() / "tokenizer.json"))
    text = load_text()
    prose, grammar = corpus_parts()
    chars_per_token = {name: len(part) / len(tokenizer.encode(part).ids)
                       for name, part in (("prose", prose), ("grammar", grammar), ("corpus", text))}
    train_text, val_text = split_documents(text)
    return {"bytes": len(text.encode("utf-8")), "characters": len(text), "prose_bytes": len(prose.encode("utf-8")),
            "documents": len([d for d in text.split("\n\n") if d.strip()]), "vocab_size": tokenizer.get_vocab_size(),
            "chars_per_token": chars_per_token, "train_tokens": len(tokenizer.encode(train_text).ids),
            "val_tokens": len(tokenizer.encode(val_text).ids), "val_characters": len(val_text)}


def shipped_model(val_tokens: int) -> dict:
    from transformers import AutoTokenizer

    report = json.loads((tiny_gpt_path() / "training_log.json").read_text(encoding="utf-8"))
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path(), local_files_only=True)
    val_ids = torch.tensor(tokenizer(split_documents(load_text())[1], verbose=False)["input_ids"])
    assert len(val_ids) == val_tokens
    model = GPT.from_pretrained(tiny_gpt_path()).eval()
    return {"params": report["parameters"], "steps": report["steps"], "best_step": report["best_step"],
            "minutes": report["minutes"], "val_loss_batches": report["best_val_loss"],
            "val_loss_full": dataset_loss(model, val_ids, model.config.block_size)}


def markdown(r: dict) -> str:
    c, t = r["corpus"], r["corpus"]["chars_per_token"]
    per_char = c["val_tokens"] / c["val_characters"]  # nats/token × tokens/char = nats/char
    ship, nano, nb3, nb4 = r["shipped"], r["nanogpt"], r["notebook_training"], r["notebook_scaling"]
    lines = [
        "# Глава 4: корпус, токенизатор, лосс и закон масштабирования", "",
        "Всё измерено на 2 ядрах CPU без GPU; `python scripts/bench_pretraining.py` пересобирает этот отчёт.", "",
        "## Корпус и токенизатор", "",
        f"- Корпус `data/corpus_ru.txt`: {c['bytes']:,} байт, {c['characters']:,} символов, {c['documents']} "
        f"документов; из них проза глав 00–03 — {c['prose_bytes']:,} байт, остальное — грамматика.",
        f"- BPE-токенизатор курса ({c['vocab_size']} токенов): {t['prose']:.2f} символа на токен на прозе курса, "
        f"{t['grammar']:.2f} на грамматике, {t['corpus']:.2f} на всём корпусе (грамматика однообразна, поэтому "
        "для живого текста показательна первая цифра).",
        f"- Обучение / проверка (каждый 10-й документ): {c['train_tokens']:,} / {c['val_tokens']:,} токенов.", "",
        "## Лосс на проверочной части", "",
        "«10 батчей» — оценка `estimate_loss` на 10 фиксированных случайных батчах по 16 окон (ей пользуется журнал "
        "обучения); «все окна» — `dataset_loss` по всем окнам проверочной части подряд. Нат на символ = нат на "
        f"токен × {per_char:.3f} токена на символ проверочной части.", "",
        "| прогон | параметров | итераций × батч | время | лосс, 10 батчей | лосс, все окна | нат на символ |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| ноутбук 03 ({nb3['n_layer']} слоя × {nb3['n_embd']}) | {nb3['params']:,} | {nb3['steps']} × 16 | "
        f"{nb3['train_seconds']:.0f} с | {nb3['val_loss_batches']:.3f} | {nb3['val_loss_full']:.3f} | "
        f"{nb3['val_loss_full'] * per_char:.3f} |",
        f"| `data/tiny_gpt` (4 × 128, dropout 0.1, лучшая точка — итерация {ship['best_step']}) | "
        f"{ship['params']:,} | {ship['steps']} × 16 | {ship['minutes']:.1f} мин | {ship['val_loss_batches']:.3f} | "
        f"{ship['val_loss_full']:.3f} | {ship['val_loss_full'] * per_char:.3f} |",
        f"| настройки nanoGPT для CPU (4 × 128, окно 64, без dropout, lr 1e-3, β2 0.99), лучшая точка — итерация "
        f"{nano['best_step']}, последняя — {nano['final_val_loss']:.3f} | {nano['parameters']:,} | "
        f"{nano['steps']} × {nano['batch_size']} | {nano['minutes']:.1f} мин | {nano['best_val_loss']:.3f} | — | "
        f"{nano['best_val_loss'] * per_char:.3f} (по 10 батчам) |", "",
        "Для сравнения: README nanoGPT сообщает лосс 1.88 нат на символ на «Шекспире» посимвольно с теми же "
        "настройками. Наш корпус другой (русский, на 90 % — однообразная грамматика), поэтому цифры не сравнимы "
        "напрямую: сравнимы строки таблицы между собой.", "",
        "## Закон масштабирования (ноутбук 04)", "",
        f"Модели обучены по {nb4['steps']} итераций, одинаково; N — параметры без эмбеддингов.", "",
        "| слоёв × ширина | N | лосс на проверке (все окна) | время, с |", "|---|---:|---:|---:|"]
    lines += [f"| {s['n_layer']} × {s['n_embd']} | {s['params']:,} | {s['val_loss']:.3f} | {s['seconds']:.0f} |"
              for s in nb4["sizes"]]
    lines += ["", f"Подобранный закон: L ≈ {nb4['a']:.2f} · N^(−{nb4['alpha']:.3f}); у Каплана и др. (2020) "
              "α_N ≈ 0.076 (модели, обученные до сходимости)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    corpus = corpus_and_tokenizer()
    report = {"corpus": corpus, "shipped": shipped_model(corpus["val_tokens"]),
              "nanogpt": {k: v for k, v in json.loads((OUT / "pretraining_nanogpt.json").read_text()).items()
                          if k != "log"},
              "notebook_training": notebook_results("03_training.ipynb"),
              "notebook_scaling": notebook_results("04_scaling_laws.ipynb")}
    (OUT / "pretraining.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (OUT / "pretraining.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
