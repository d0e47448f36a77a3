"""The messy sample of notebook 04/02 (course_utils.cleaning) and the reference cleaning of its exercises
(graders.ch04_pretraining.data): normalization, exact and near duplicates, the quality rules, and that the reference
cleaning removes exactly the bad documents the sample was built with."""
import pytest

from course_utils import cleaning
from course_utils.cleaning import make_messy_documents, to_mojibake
from graders.ch04_pretraining.data import (jaccard, normalize, quality_problems, reference_deduplicate,
                                           reference_is_good_document, reference_jaccard_similarity, text_hash,
                                           word_shingles)

GOOD = cleaning.GOOD_DOCUMENTS[0][0]


def test_normalize_and_hash_ignore_case_and_whitespace_only():
    assert normalize("  Кошка\tСПИТ\n\nна  окне. ") == "кошка спит на окне."
    assert text_hash("Кошка спит") == text_hash(" кошка\nспит\t") and len(text_hash("")) == 32
    assert text_hash("Собака лает.") != text_hash("Собака лает!")


def test_deduplicate_keeps_first_occurrence_in_order_and_leaves_input_alone():
    docs = ["Б", "а", " б ", "В", "А\n", "б"]
    before = list(docs)
    assert reference_deduplicate(docs) == ["Б", "а", "В"]
    assert docs == before
    assert reference_deduplicate([]) == []


def test_word_shingles_short_and_empty_texts():
    assert word_shingles("Кошка спит на окне") == {("кошка", "спит", "на"), ("спит", "на", "окне")}
    assert word_shingles("Привет,  МИР") == {("привет,", "мир")}
    assert word_shingles(" \n") == set()
    assert word_shingles("а б в", k=1) == {("а",), ("б",), ("в",)}


def test_jaccard_on_the_notebook_example_and_edge_cases():
    example = reference_jaccard_similarity("Кошка сидит на тёплом окне", "кошка сидит на холодном окне")
    assert example == pytest.approx(0.2)
    assert reference_jaccard_similarity("мама мыла раму мама мыла раму", "мама мыла раму") == pytest.approx(1 / 3)
    assert reference_jaccard_similarity("Кошка спит на окне.", "кошка спит на окне") == pytest.approx(1 / 3)
    assert reference_jaccard_similarity("кот ест рыбу", "рыбу ест кот", k=1) == 1.0
    assert reference_jaccard_similarity("кот ест рыбу", "рыбу ест кот", k=2) == 0.0
    assert reference_jaccard_similarity("", "") == 1.0 and reference_jaccard_similarity("", "текст") == 0.0
    assert jaccard(set(), {1}) == 0.0 and jaccard({1, 2}, {2, 3}) == pytest.approx(1 / 3)


def test_mojibake_matches_the_classic_examples():
    assert to_mojibake("привет") == "Ð¿Ñ€Ð¸Ð²ÐµÑ‚"
    assert to_mojibake("привет", "cp1251") == "РїСЂРёРІРµС‚"
    assert to_mojibake("с") == "Ñ\x81"  # байта 0x81 в cp1252 нет — читаем его как latin-1
    assert to_mojibake("привет").encode("cp1252").decode("utf-8") == "привет"


def test_quality_rules_one_by_one():
    assert reference_is_good_document(GOOD) and quality_problems(GOOD) == []
    assert quality_problems("Спасибо, очень полезная статья!") == ["короткий текст"]
    assert quality_problems(GOOD + "\nКупи!\nКупи!\n Купи! ") == ["повтор строк"]
    assert reference_is_good_document(GOOD + "\nКупи!\nКупи!")
    assert "мало букв" in quality_problems(" ".join(["#$%&", "12:40", "<div>"] * 10))
    assert quality_problems(cleaning.ENGLISH_DOCUMENTS[0]) == ["не русский язык"]
    assert quality_problems(to_mojibake(GOOD, "cp1251")) == ["не русский язык"]
    assert quality_problems(" ".join(str(n) for n in range(30))) == ["мало букв", "не русский язык"]
    assert reference_is_good_document(GOOD.upper()) and reference_is_good_document("   ".join(GOOD.split()))
    twenty = " ".join(GOOD.split()[:20])
    assert reference_is_good_document(twenty) and not reference_is_good_document(" ".join(GOOD.split()[:19]))


def test_yo_counts_as_a_russian_letter():
    """29 words, 109 letters, 93 Russian of them, 11 «ё»/«Ё»: 0.85 with «ё», 0.75 (below 0.8) without it."""
    text = ("Ёжик нашёл в лесу жёлтый лист, чёрный гриб и ещё тёплый мёд. Всё это он принёс домой, где его ждёт ёлка. "
            "Wi-Fi, GPS и Bluetooth в лесу не ловят.")
    assert reference_is_good_document(text)
    assert not reference_is_good_document(text.replace("ё", "q").replace("Ё", "Q"))


def test_messy_documents_are_deterministic_and_seeded():
    docs, kinds = make_messy_documents(seed=0, with_kinds=True)
    assert docs == make_messy_documents(seed=0) and docs != make_messy_documents(seed=1)
    assert len(docs) == len(kinds) == 36 and all(isinstance(d, str) for d in docs)
    assert {kind: kinds.count(kind) for kind in cleaning.KINDS} == {
        "хороший": 14, "точный дубль": 5, "почти дубль": 4, "английский": 3, "кракозябры": 2, "мусор": 2,
        "спам": 2, "короткий": 4}
    assert any("Ð" in d for d in docs) and any("http" in d for d in docs)


@pytest.mark.parametrize("seed", range(5))
def test_reference_cleaning_removes_exactly_the_bad_documents(seed):
    """The notebook's pipeline with the reference answers: exact duplicates → quality rules → near duplicates."""
    docs, kinds = make_messy_documents(seed=seed, with_kinds=True)
    unique = [docs.index(d) for d in reference_deduplicate(docs)]
    assert sorted(kinds[i] for i in range(len(docs)) if i not in unique) == ["точный дубль"] * 5
    first_problem = {i: (quality_problems(docs[i]) or ["нет"])[0] for i in unique}
    assert {first_problem[i] for i in unique if kinds[i] == "короткий"} == {"короткий текст"}
    assert {first_problem[i] for i in unique if kinds[i] == "спам"} == {"повтор строк"}
    assert {first_problem[i] for i in unique if kinds[i] in ("английский", "кракозябры", "мусор")} <= {
        "мало букв", "не русский язык"}
    kept, near = [], []
    for i in (i for i in unique if first_problem[i] == "нет"):
        similar = any(reference_jaccard_similarity(docs[i], docs[j]) >= 0.5 for j in kept)
        (near if similar else kept).append(i)
    assert [kinds[i] for i in kept] == ["хороший"] * 14 and len({normalize(docs[i]) for i in kept}) == 14
    assert [kinds[i] for i in near] == ["почти дубль"] * 4
