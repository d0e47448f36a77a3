"""Chapter 05's data (scripts/make_sft_data.py): the files are what the script makes, and the held-out split asks
for generalisation — no test instruction appears in training, yet every word of an answer in words does."""
from __future__ import annotations

import hashlib
import json
import random
import sys

import pytest

from notebooks import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import make_sft_data  # noqa: E402


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "data" / "sft_ru.jsonl").read_text(encoding="utf-8").splitlines()]


def test_files_are_what_the_script_makes(rows):
    rng = random.Random(make_sft_data.SEED)
    assert rows == make_sft_data.examples(rng)
    assert (ROOT / "data" / "domain_weather.txt").read_text(encoding="utf-8") == make_sft_data.domain_text(rng)


def test_every_row_is_an_instruction_with_an_answer(rows):
    assert len(rows) == 722 and {r["split"] for r in rows} == {"train", "test"}
    for row in rows:
        assert set(row) == {"instruction", "output", "task", "split"} and row["instruction"] and row["output"]


def test_the_test_split_needs_generalisation(rows):
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    assert not {r["instruction"] for r in test} & {r["instruction"] for r in train}
    train_words = {word for r in train for word in r["output"].split()}
    worded = [r for r in test if r["task"] in ("number_words", "capital")]  # each word of the answer was taught
    assert worded and all(word in train_words for r in worded for word in r["output"].split())
    last_words = [r for r in test if r["task"] == "last_word"]  # the answer is the last word of the instruction
    assert last_words and all(r["instruction"].rstrip(".").endswith(" " + r["output"]) for r in last_words)
    for task in ("number_words", "number_digits", "compare", "last_word", "capital"):
        assert any(r["task"] == task for r in test) and any(r["task"] == task for r in train)


@pytest.mark.parametrize("number, words", [(0, "ноль"), (11, "одиннадцать"), (40, "сорок"), (47, "сорок семь"),
                                           (99, "девяносто девять")])
def test_numbers_in_words(number, words):
    assert make_sft_data.number_in_words(number) == words


@pytest.mark.parametrize("name", ["sft_ru.jsonl", "domain_weather.txt"])
def test_data_readme_records_the_sha256(name):
    from test_corpus_tokenizer import recorded_sha256

    assert hashlib.sha256((ROOT / "data" / name).read_bytes()).hexdigest() == recorded_sha256(name)
