"""Chapter 04 data: the course corpus, load_text's Russian errors, and the shipped BPE tokenizer."""
from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest

from course_utils.data import corpus_parts, corpus_path, load_text
from notebooks import ROOT

DATA = ROOT / "data"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def recorded_sha256(name: str) -> str:
    """The sha256 that data/README.md records for ``name``: the first one after its last mention in its row."""
    for line in (DATA / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and f"`{name}`" in line:
            digests = re.findall(r"`([0-9a-f]{64})`", line.rsplit(f"`{name}`", 1)[1])
            assert digests, f"data/README.md: no sha256 after `{name}` in its row"
            return digests[0]
    raise AssertionError(f"data/README.md has no row naming `{name}`")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_russian_message(excinfo, *fragments: str) -> None:
    message = str(excinfo.value)
    assert len(CYRILLIC.findall(message)) > 20, f"the message should be Russian: {message!r}"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


# --- load_text ---------------------------------------------------------------------------------------------------
def test_load_text_default_is_the_course_corpus():
    assert corpus_path() == DATA / "corpus_ru.txt"
    text = load_text()
    assert isinstance(text, str) and len(text) > 300_000
    letters = [c for c in text if c.isalpha()]
    assert sum(bool(CYRILLIC.match(c)) for c in letters) / len(letters) > 0.9
    assert "трансформер" in text and "внимание" in text
    assert "$" not in text and "`" not in text, "formulas and code spans must be cleaned out"


def test_load_text_reads_a_students_file(tmp_path):
    book = tmp_path / "книга.txt"
    book.write_text("Жили-были дед да баба.\n", encoding="utf-8")
    assert load_text(book) == "Жили-были дед да баба.\n"
    assert load_text(str(book)) == "Жили-были дед да баба.\n"
    book.write_bytes("\ufeffПривет".encode("utf-8"))  # Windows Notepad's BOM is dropped
    assert load_text(book) == "Привет"


def test_load_text_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError) as excinfo:
        load_text(tmp_path / "нет_такого.txt")
    assert_russian_message(excinfo, "не найден", "нет_такого.txt")


def test_load_text_directory(tmp_path):
    with pytest.raises(FileNotFoundError) as excinfo:
        load_text(tmp_path)
    assert_russian_message(excinfo, "папка", "Ожидался текстовый файл")


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_load_text_empty_file(tmp_path, content):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(content)
    with pytest.raises(ValueError) as excinfo:
        load_text(empty)
    assert_russian_message(excinfo, "пустой", "empty.txt")


def test_load_text_not_utf8_names_the_byte(tmp_path):
    legacy = tmp_path / "cp1251.txt"
    legacy.write_bytes("abc Привет".encode("cp1251"))  # 'П' is byte 0xcf at offset 4
    with pytest.raises(ValueError) as excinfo:
        load_text(legacy)
    assert_russian_message(excinfo, "UTF-8", "байт 4", "0xcf", "Пересохраните", "encoding=")


def test_load_text_rejects_a_non_path():
    with pytest.raises(TypeError) as excinfo:
        load_text(42)
    assert_russian_message(excinfo, "Ожидался путь")


# --- the files in data/ ------------------------------------------------------------------------------------------
def test_corpus_matches_the_readme():
    path = DATA / "corpus_ru.txt"
    assert 500_000 <= path.stat().st_size <= 1_500_000
    assert sha256(path) == recorded_sha256("corpus_ru.txt"), (
        "data/corpus_ru.txt changed: rebuild it with scripts/make_corpus.py "
        "and record the new sha256 in data/README.md")


def test_tokenizer_files_match_the_readme():
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert sha256(DATA / "tokenizer" / name) == recorded_sha256(name), f"data/tokenizer/{name} changed"


def test_data_stays_small():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 30 * 2**20


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(DATA / "tokenizer"), local_files_only=True)


def test_tokenizer_loads_offline_with_endoftext(tokenizer):
    assert len(tokenizer) == 2048
    assert tokenizer.eos_token == "<|endoftext|>" and tokenizer.eos_token_id == 0


@pytest.mark.parametrize("text", [
    "Маша дала яблоко Саше, она была голодна.",
    "Ёжик в тумане: «ёлки-палки» — 2 + 3 = 5!\n\n  Двойные  пробелы\tи табуляция.",
    "Смешанный text с латиницей, эмодзи 🙂 и редкими буквами: ѣ, é, ß.<|endoftext|>Новый документ.",
])
def test_tokenizer_round_trips_cyrillic_exactly(tokenizer, text):
    ids = tokenizer.encode(text)
    assert tokenizer.decode(ids) == text


def test_tokenizer_compresses_the_corpus(tokenizer):
    text = load_text()
    n_tokens = len(tokenizer.encode(text))
    assert len(text) / n_tokens > 2.0, f"{len(text) / n_tokens:.2f} characters per token"


def test_corpus_parts_split_the_prose_from_the_grammar():
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from make_corpus import PROSE_COMMIT, course_prose, generated_text

    prose, grammar = corpus_parts()
    has_commit = subprocess.run(["git", "cat-file", "-e", f"{PROSE_COMMIT}^{{commit}}"], cwd=ROOT).returncode == 0
    if not has_commit:
        pytest.skip(f"the corpus prose comes from commit {PROSE_COMMIT}, absent from this shallow clone")
    assert prose == "\n\n".join(course_prose())
    assert grammar == "\n\n".join(generated_text()) + "\n"
