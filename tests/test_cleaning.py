"""course_utils.cleaning: normalization, exact and near duplicates, quality rules, the messy sample and the pipeline."""
import pytest

from course_utils import cleaning
from course_utils.cleaning import (clean_documents, deduplicate, document_stats, is_good_document, jaccard,
                                   jaccard_similarity, make_messy_documents, near_duplicate_pairs, normalize,
                                   quality_problems, remove_near_duplicates, text_hash, to_mojibake, word_shingles)

GOOD = cleaning.GOOD_DOCUMENTS[0][0]


def test_normalize_and_hash_ignore_case_and_whitespace_only():
    assert normalize("  Кошка\tСПИТ\n\nна  окне. ") == "кошка спит на окне."
    assert text_hash("Кошка спит") == text_hash(" кошка\nспит\t") and len(text_hash("")) == 32
    assert text_hash("Собака лает.") != text_hash("Собака лает!")


def test_deduplicate_keeps_first_occurrence_in_order_and_leaves_input_alone():
    docs = ["Б", "а", " б ", "В", "А\n", "б"]
    before = list(docs)
    assert deduplicate(docs) == ["Б", "а", "В"]
    assert docs == before
    assert deduplicate([]) == []


def test_word_shingles_short_and_empty_texts():
    assert word_shingles("Кошка спит на окне") == {("кошка", "спит", "на"), ("спит", "на", "окне")}
    assert word_shingles("Привет,  МИР") == {("привет,", "мир")}
    assert word_shingles(" \n") == set()
    assert word_shingles("а б в", k=1) == {("а",), ("б",), ("в",)}


def test_jaccard_on_the_notebook_example_and_edge_cases():
    assert jaccard_similarity("Кошка сидит на тёплом окне", "кошка сидит на холодном окне") == pytest.approx(0.2)
    assert jaccard_similarity("мама мыла раму мама мыла раму", "мама мыла раму") == pytest.approx(1 / 3)
    assert jaccard_similarity("кот ест рыбу", "рыбу ест кот", k=1) == 1.0
    assert jaccard_similarity("кот ест рыбу", "рыбу ест кот", k=2) == 0.0
    assert jaccard_similarity("", "") == 1.0 and jaccard_similarity("", "текст") == 0.0
    assert jaccard(set(), {1}) == 0.0 and jaccard({1, 2}, {2, 3}) == pytest.approx(1 / 3)


def test_near_duplicates_found_and_removed_greedily():
    changed = GOOD.replace("камни", "водоросли")
    other = cleaning.GOOD_DOCUMENTS[1][0]
    pairs = near_duplicate_pairs([GOOD, other, changed], threshold=0.5)
    assert [(i, j) for i, j, _ in pairs] == [(0, 2)] and 0.5 < pairs[0][2] < 1
    assert remove_near_duplicates([GOOD, other, changed]) == [GOOD, other]


def test_mojibake_matches_the_classic_examples():
    assert to_mojibake("привет") == "Ð¿Ñ€Ð¸Ð²ÐµÑ‚"
    assert to_mojibake("привет", "cp1251") == "РїСЂРёРІРµС‚"
    assert to_mojibake("с") == "Ñ\x81"  # байта 0x81 в cp1252 нет — читаем его как latin-1
    assert to_mojibake("привет").encode("cp1252").decode("utf-8") == "привет"


def test_quality_rules_one_by_one():
    assert is_good_document(GOOD) and quality_problems(GOOD) == []
    assert quality_problems("Спасибо, очень полезная статья!") == ["короткий текст"]
    assert quality_problems(GOOD + "\nКупи!\nКупи!\n Купи! ") == ["повтор строк"]
    assert is_good_document(GOOD + "\nКупи!\nКупи!")
    assert "мало букв" in quality_problems(" ".join(["#$%&", "12:40", "<div>"] * 10))
    assert quality_problems(cleaning.ENGLISH_DOCUMENTS[0]) == ["не русский язык"]
    assert quality_problems(to_mojibake(GOOD, "cp1251")) == ["не русский язык"]
    assert quality_problems(" ".join(str(n) for n in range(30))) == ["мало букв", "не русский язык"]
    assert is_good_document(GOOD.upper()) and is_good_document("   ".join(GOOD.split()))
    twenty = " ".join(GOOD.split()[:20])
    assert is_good_document(twenty) and not is_good_document(" ".join(GOOD.split()[:19]))


def test_stats_count_yo_and_ignore_spaces():
    stats = document_stats("Ёж ёлка\n\n  мёд 42")
    assert stats["words"] == 4 and stats["max_line_repeats"] == 1
    assert stats["letter_share"] == pytest.approx(9 / 11) and stats["russian_share"] == 1.0
    assert document_stats("")["letter_share"] == 0.0


def test_messy_documents_are_deterministic_and_seeded():
    docs, kinds = make_messy_documents(seed=0, with_kinds=True)
    assert docs == make_messy_documents(seed=0) and docs != make_messy_documents(seed=1)
    assert len(docs) == len(kinds) == 36 and all(isinstance(d, str) for d in docs)
    assert {kind: kinds.count(kind) for kind in cleaning.KINDS} == {
        "хороший": 14, "точный дубль": 5, "почти дубль": 4, "английский": 3, "кракозябры": 2, "мусор": 2,
        "спам": 2, "короткий": 4}
    assert any("Ð" in d for d in docs) and any("http" in d for d in docs)


@pytest.mark.parametrize("seed", range(5))
def test_pipeline_removes_exactly_the_bad_documents(seed):
    docs, kinds = make_messy_documents(seed=seed, with_kinds=True)
    kept, removed = clean_documents(docs)
    assert list(removed) == list(cleaning.STAGES)
    assert [kinds[i] for i in kept] == ["хороший"] * 14
    assert len({normalize(docs[i]) for i in kept}) == 14
    assert [kinds[i] for i in removed["точные дубли"]] == ["точный дубль"] * 5
    assert [kinds[i] for i in removed["почти-дубли"]] == ["почти дубль"] * 4
    assert [kinds[i] for i in removed["короткий текст"]] == ["короткий"] * 4
    assert [kinds[i] for i in removed["повтор строк"]] == ["спам"] * 2
    other = sorted(kinds[i] for i in removed["мало букв"] + removed["не русский язык"])
    assert other == sorted(["английский"] * 3 + ["кракозябры"] * 2 + ["мусор"] * 2)
    assert sorted(kept + [i for ids in removed.values() for i in ids]) == list(range(len(docs)))
    # Каждый дубль стоит после своего оригинала, поэтому остаётся именно оригинал.
    assert deduplicate(docs) == [d for i, d in enumerate(docs) if i not in removed["точные дубли"]]
