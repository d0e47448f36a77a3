"""Обучает байтовый BPE-токенизатор курса на data/corpus_ru.txt и сохраняет его в data/tokenizer/.

Токенизатор — как у GPT-2: текст режется регулярным выражением GPT-2 на слова с ведущим пробелом,
каждое слово переводится в байты UTF-8 (256 базовых токенов, поэтому закодировать можно любой текст,
и декодирование точно восстанавливает исходную строку), затем применяются слияния BPE. Словарь —
``VOCAB_SIZE`` токенов, включая единственный специальный ``<|endoftext|>`` (номер 0), который разделяет
документы. Случайности в обучении нет: ``tokenizers`` считает частоты пар по всему корпусу, а при равных
частотах выбирает пару однозначно, поэтому повторный запуск даёт байт в байт тот же ``tokenizer.json``
(зерно не нужно; sha256 файлов записаны в data/README.md).

В ``tokenizer_config.json`` класс записан как ``PreTrainedTokenizerFast``: это имя понимают и transformers 5
(курс), и transformers 4 (если в Colab окажется старая версия).

Результат грузится без сети::

    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained("data/tokenizer")

Запуск из корня репозитория (сначала корпус: ``python scripts/make_corpus.py``)::

    python scripts/train_tokenizer.py
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from make_corpus import course_prose  # scripts/ — папка этого файла, она уже в sys.path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus_ru.txt"
OUT = ROOT / "data" / "tokenizer"
VOCAB_SIZE = 2048
EOT = "<|endoftext|>"


def train(text: str, vocab_size: int = VOCAB_SIZE) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=[EOT],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    documents = [d for d in text.split("\n\n") if d.strip()]
    tokenizer.train_from_iterator(documents, trainer=trainer, length=len(documents))
    return tokenizer


def main() -> None:
    text = CORPUS.read_text(encoding="utf-8")
    tokenizer = train(text)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token=EOT, eos_token=EOT, unk_token=EOT,
                                   model_max_length=1024, clean_up_tokenization_spaces=False)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    fast.save_pretrained(OUT)
    config_file = OUT / "tokenizer_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_file.write_text(json.dumps(config, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    n_tokens = len(tokenizer.encode(text).ids)
    print(f"{OUT.relative_to(ROOT)}: словарь {tokenizer.get_vocab_size()} токенов")
    print(f"  корпус: {len(text):,} символов, {len(text.encode('utf-8')):,} байт → {n_tokens:,} токенов; "
          f"{len(text) / n_tokens:.2f} символа на токен, {len(text.encode('utf-8')) / n_tokens:.2f} байта на токен")
    prose = "\n\n".join(course_prose())
    prose_ratio = len(prose) / len(tokenizer.encode(prose).ids)
    print(f"  только текст курса (без грамматики): {prose_ratio:.2f} символа на токен")
    for path in sorted(OUT.iterdir()):
        print(f"  {path.name}: {path.stat().st_size:,} байт, sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
