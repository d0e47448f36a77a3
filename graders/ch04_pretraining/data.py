"""Скрытые тесты ноутбука 04_pretraining/02_data.ipynb: точные дубли, коэффициент Жаккара, фильтр качества.

Эталоны упражнений и то, из чего они собраны: нормальная форма и её хеш (точные дубли), словесные шинглы и
коэффициент Жаккара (почти-дубли), четыре правила качества. Грязная выборка для опытов — ``course_utils.cleaning``.
"""
from __future__ import annotations

import hashlib
import re
import textwrap
from collections import Counter

from course_utils import checks
from course_utils.cleaning import (ENGLISH_DOCUMENTS, GOOD_DOCUMENTS, SPAM_DOCUMENTS, make_messy_documents,
                                   to_mojibake)


# --- эталон: точные дубли ----------------------------------------------------------------------------------------
def normalize(text: str) -> str:
    """Нормальная форма: нижний регистр, любые пробелы и переносы строк → один пробел, без краёв."""
    return " ".join(text.lower().split())


def text_hash(text: str) -> str:
    """Отпечаток нормальной формы текста: 32 шестнадцатеричные цифры MD5."""
    return hashlib.md5(normalize(text).encode("utf-8")).hexdigest()


def reference_deduplicate(documents: list[str]) -> list[str]:
    """Без точных дубликатов: первое вхождение каждого текста (по ``text_hash``), исходные тексты, исходный порядок."""
    seen: set[str] = set()
    unique = []
    for document in documents:
        fingerprint = text_hash(document)
        if fingerprint not in seen:
            seen.add(fingerprint)
            unique.append(document)
    return unique


# --- эталон: почти-дубли -----------------------------------------------------------------------------------------
def shingles_of(words: list[str], k: int) -> set[tuple[str, ...]]:
    """Множество кортежей из ``k`` слов подряд; если слов меньше ``k`` — один кортеж из всех слов (у пустого — нет)."""
    if len(words) < k:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


def word_shingles(text: str, k: int = 3) -> set[tuple[str, ...]]:
    """Шинглы из ``k`` слов нормальной формы текста (знаки препинания — часть слов)."""
    return shingles_of(normalize(text).split(), k)


def jaccard(set_a: set, set_b: set) -> float:
    """Коэффициент Жаккара |A ∩ B| / |A ∪ B| (два пустых множества → 1.0)."""
    union = set_a | set_b
    if not union:
        return 1.0
    return len(set_a & set_b) / len(union)


def reference_jaccard_similarity(text_a: str, text_b: str, k: int = 3) -> float:
    """Сходство двух текстов: коэффициент Жаккара их множеств словесных шинглов длины ``k``."""
    return jaccard(word_shingles(text_a, k), word_shingles(text_b, k))


# --- эталон: фильтр качества -------------------------------------------------------------------------------------
MIN_WORDS = 20             # короче — обрывок: меню, подпись, «Читать далее…»
MIN_LETTER_SHARE = 0.7     # доля букв среди непробельных символов
MIN_RUSSIAN_SHARE = 0.8    # доля русских букв (а–я, ё) среди всех букв
MAX_LINE_REPEATS = 2       # одна и та же строка три раза и больше — спам
RUSSIAN_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")


def quality_problems(text: str) -> list[str]:
    """Какие из четырёх правил нарушает документ, в порядке «слова → повторы строк → доля букв → язык»."""
    non_space = [c for c in text if not c.isspace()]
    letters = [c for c in non_space if c.isalpha()]
    russian = [c for c in letters if c in RUSSIAN_LETTERS]
    lines = Counter(line.strip() for line in text.splitlines() if line.strip())
    problems = []
    if len(text.split()) < MIN_WORDS:
        problems.append("короткий текст")
    if max(lines.values(), default=0) > MAX_LINE_REPEATS:
        problems.append("повтор строк")
    if not letters or len(letters) / len(non_space) < MIN_LETTER_SHARE:
        problems.append("мало букв")
    if not letters or len(russian) / len(letters) < MIN_RUSSIAN_SHARE:
        problems.append("не русский язык")
    return problems


def reference_is_good_document(text: str) -> bool:
    """Проходит ли документ все четыре правила: ≥ 20 слов, ≥ 70 % букв, ≥ 80 % русских букв, строка ≤ 2 раз."""
    return not quality_problems(text)


# --- упражнение 1: deduplicate -----------------------------------------------------------------------------------
ORDER_HINT = ("Сохраните исходный порядок: множество (set) порядок теряет — ответ собирайте в список, а в множестве "
              "храните только увиденные хеши.")


def _first_by(documents: list[str], key) -> list[str]:
    """Первые вхождения документов с точностью до ``key(документ)`` — так дедуплицируют типичные ошибки."""
    seen, out = set(), []
    for document in documents:
        if key(document) not in seen:
            seen.add(key(document))
            out.append(document)
    return out


def _dedup_mistakes(documents: list[str]) -> dict:
    """Что дают типичные ошибки на этих документах."""
    expected = reference_deduplicate(documents)
    return {
        "Регистр не важен: сравнивайте тексты в нижнем регистре (.lower()).":
            _first_by(documents, lambda d: " ".join(d.split())),
        "Пробелы, табуляции и переносы строк не важны: замените каждую их цепочку одним пробелом — "
        "\" \".join(text.lower().split()).": _first_by(documents, str.lower),
        "Переносы строк и двойные пробелы внутри текста не важны: замените каждую цепочку одним пробелом — "
        "\" \".join(text.lower().split()).": _first_by(documents, lambda d: d.lower().strip()),
        "Пробелы по краям текста не важны: после замены цепочек одним пробелом обрежьте края (strip).":
            _first_by(documents, lambda d: re.sub(r"\s+", " ", d.lower())),
        "Оставьте ПЕРВОЕ вхождение каждого текста, а не последнее.":
            list({normalize(d): d for d in documents}.values()),
        "Возвращайте исходные тексты документов: нормальная форма нужна только для сравнения.":
            [normalize(d) for d in expected]}


def _check_dedup(deduplicate, documents: list[str], name: str, hint: str = "") -> None:
    given = list(documents)
    result = checks.call(deduplicate, given, name=name)
    if given != documents:
        checks.fail(f"{name}: функция изменила входной список documents.",
                    "Не удаляйте элементы из полученного списка: соберите ответ в новый список.")
    checks.check_type(result, list, name, hint="Верните список (list) документов.")
    expected = reference_deduplicate(documents)
    if sorted(map(str, result)) == sorted(expected) and result != expected:
        checks.fail(f"{name}: документы верные, но порядок нарушен.", ORDER_HINT)
    checks.check_equal(result, expected, name, mistakes=_dedup_mistakes(documents), hint=hint)


def check_deduplicate(deduplicate) -> None:
    """Грязная выборка (другой seed, чем в ноутбуке), пустой список, список без дублей, короткие слова."""
    _check_dedup(deduplicate, make_messy_documents(seed=7), "deduplicate(грязная выборка)")
    _check_dedup(deduplicate, [], "deduplicate([])")
    _check_dedup(deduplicate, ["в", "а", "б", "г"], "deduplicate(список без дублей)",
                 hint="Без дублей список должен вернуться как был, в том же порядке: не сортируйте и не собирайте "
                      "ответ в множество (set).")
    _check_dedup(deduplicate, ["Да", "да ", " ДА", "нет", "Нет"], 'deduplicate(["Да", "да ", " ДА", "нет", "Нет"])',
                 hint="Оставьте первое вхождение каждого текста; регистр и пробелы по краям не важны.")
    _check_dedup(deduplicate, ["Кот сидит во дворе.", "кот сидит во дворе!", "Кот  сидит во дворе."],
                 "deduplicate(тексты, которые различаются только знаком в конце)",
                 hint="Знаки препинания — часть текста: «дворе.» и «дворе!» — разные документы. Нормальная форма "
                      "меняет только регистр и пробелы.")


# --- упражнение 2: jaccard_similarity ----------------------------------------------------------------------------
def _char_shingles(text: str, k: int) -> set[str]:
    """Шинглы из ``k`` символов нормальной формы — так считает ошибка «шинглы из букв»."""
    text = normalize(text)
    return {text[i:i + k] for i in range(len(text) - k + 1)}


def _jaccard_mistakes(text_a: str, text_b: str, k: int) -> dict:
    """Что дают типичные ошибки на этой паре текстов."""
    set_a, set_b = word_shingles(text_a, k), word_shingles(text_b, k)

    def similarity(words_of) -> float:
        return jaccard(shingles_of(words_of(text_a), k), shingles_of(words_of(text_b), k))

    mistakes = {
        "Регистр и переносы строк не важны: нормализуйте оба текста, как в упражнении 1.":
            similarity(lambda text: text.split()),
        "Знаки препинания — часть слов: «окне.» и «окне» — разные слова, не удаляйте точки и запятые.":
            similarity(lambda text: [w.strip(".,!?;:") for w in normalize(text).split()]),
        "Делите на размер ОБЪЕДИНЕНИЯ множеств |A ∪ B|, а не первого из них.": len(set_a & set_b) / len(set_a),
        "Делите на размер ОБЪЕДИНЕНИЯ множеств |A ∪ B|, а не второго из них.": len(set_a & set_b) / len(set_b),
        "Шинглы составляются из слов (text.split()), а не из символов.":
            jaccard(_char_shingles(text_a, k), _char_shingles(text_b, k))}
    if k != 3:
        mistakes["Параметр k задаёт длину шингла: не подставляйте вместо него 3."] = \
            reference_jaccard_similarity(text_a, text_b, 3)
    return mistakes


def _check_jaccard(jaccard_similarity, text_a: str, text_b: str, k: int, name: str, hint: str = "",
                   mistakes: dict | None = None) -> None:
    value = checks.call(jaccard_similarity, text_a, text_b, k, name=name, hint=hint)
    checks.check_type(value, float, name, hint="Верните одно число: |A ∩ B| / |A ∪ B|.")
    checks.check_close(value, reference_jaccard_similarity(text_a, text_b, k), name=name, atol=1e-9, hint=hint,
                       mistakes=mistakes)


def check_jaccard_similarity(jaccard_similarity) -> None:
    """Почти-дубль (регистр, переносы, замена, приписка) при k = 3 и 2; повторы, порядок слов, знаки препинания,
    короткие и пустые тексты."""
    original = GOOD_DOCUMENTS[2][0]
    changed = textwrap.fill(original.replace("тысячи", "миллионы").upper() + " Источник: открытые материалы.", 50)
    for k in (3, 2):
        _check_jaccard(jaccard_similarity, original, changed, k, f"jaccard_similarity(почти-дубль, k={k})",
                       mistakes=_jaccard_mistakes(original, changed, k))
    cases = [
        ("мама мыла раму мама мыла раму", "мама мыла раму", 3,
         "Шинглы — МНОЖЕСТВО: повторённая фраза считается один раз. Используйте set, а не list."),
        ("кот ест рыбу", "рыбу ест кот", 1, "При k=1 шинглы — отдельные слова, и порядок слов не важен."),
        ("кот ест рыбу", "рыбу ест кот", 2,
         "Шингл — кортеж слов, идущих подряд: («кот», «ест») и («ест», «кот») разные."),
        ("Кошка спит на окне.", "кошка спит на окне", 3,
         "Знаки препинания — часть слов: «окне.» и «окне» — разные слова, не удаляйте точки и запятые."),
        ("Привет, мир", "привет,   мир", 3, "Если слов меньше k, единственный шингл — кортеж из всех слов текста."),
        ("Привет", "Привет, мир", 3, "Если слов меньше k, единственный шингл — кортеж из всех слов: («привет»,) "
                                     "и («привет,», «мир») — разные шинглы."),
        ("", "", 3, "Для двух пустых текстов ответ по условию 1.0: проверьте пустое объединение до деления."),
        ("", "Привет, мир", 3, "У пустого текста шинглов нет: общих шинглов ноль."),
    ]
    for text_a, text_b, k, hint in cases:
        _check_jaccard(jaccard_similarity, text_a, text_b, k, f"jaccard_similarity({text_a!r}, {text_b!r}, k={k})",
                       hint=hint)


# --- упражнение 3: is_good_document ------------------------------------------------------------------------------
def _quality_cases() -> list[tuple[str, str, str]]:
    """(текст, что это, подсказка на случай неверного ответа)."""
    base = GOOD_DOCUMENTS[4][0]
    yo_text = ("Ещё утром всё было тёмным и тихим. Ёжик пришёл к ёлке, нашёл жёлтый лист и чёрный гриб. Её берёза "
               "растёт у озера, где лёд ещё не сошёл. Wi-Fi в лесу не ловит, GPS молчит, Telegram и Bluetooth тоже, "
               "зато мёд в дупле уже свой.")
    telegram = ("ПРИБЫВАЮ В СУББОТУ ПОЕЗДОМ НОМЕР ДВАДЦАТЬ ТРИ ТЧК ВСТРЕЧАЙТЕ НА ВОКЗАЛЕ У ПЕРВОГО ВАГОНА ТЧК ВЕЗУ "
                "ПОДАРКИ ДЕТЯМ И КНИГИ ДЛЯ БАБУШКИ ТЧК ЦЕЛУЮ ВСЕХ ТЧК ВАШ ДЯДЯ КОЛЯ")
    numbers = ("В 2023 году в 11 классах школы № 57 учились 312 человек, из них 158 девочек и 154 мальчика; средний "
               "балл — 4,35, а 27 выпускников получили 100 баллов по математике и 93 — по физике.")
    return [
        (ENGLISH_DOCUMENTS[1], "английский текст",
         "Английский текст прошёл фильтр: русских букв среди всех букв должно быть не меньше 0.8 "
         "(проверьте направление сравнения)."),
        (base, "хороший русский текст",
         "Хороший русский текст отвергнут: проверьте направление сравнений («не меньше порога» — это >=) и "
         "знаменатели долей."),
        ("   ".join(base.split()), "текст с широкими пробелами, как из PDF",
         "Пробелы, табуляции и переносы строк не входят в знаменатели: доля букв считается среди непробельных "
         "символов, доля русских букв — среди букв."),
        (numbers, "русский текст с множеством чисел",
         "Долю русских букв считайте среди БУКВ: цифры и знаки препинания в знаменатель не входят."),
        (telegram, "телеграмма заглавными буквами",
         "Заглавные русские буквы (А–Я) тоже русские: сравнивайте c.lower() или добавьте их в проверку."),
        (yo_text, "текст с буквой «ё» и латинскими словами",
         "Буква «ё» (и «Ё») — тоже русская, но в Юникоде она стоит вне диапазона «а»…«я»: добавьте её отдельно."),
        (" ".join(base.split()[:20]), "ровно 20 слов",
         "Ровно 20 слов — уже достаточно: условие «не меньше 20» — это >= 20."),
        (" ".join(base.split()[:19]), "19 слов", "В документе меньше 20 слов — он плохой."),
        (base + "\nСпасибо за внимание!\nСпасибо за внимание!", "строка, повторённая дважды",
         "Строка, повторённая дважды, допустима: плохо — три раза и больше."),
        (base + "\nКупите слона!\n  Купите слона!\nКупите слона!  ", "строка трижды, с пробелами по краям",
         "Строки сравнивайте после .strip(): «Купите слона!» с пробелами по краям — та же строка, и она повторена "
         "трижды."),
        (base.replace(". ", ".\n\n\n\n"), "абзацы через пустые строки",
         "Пустые строки не считаются повторами: пропускайте их."),
        (" ".join(str(n) for n in range(30)), "30 чисел без букв", "Если букв нет совсем, документ плохой."),
        (to_mojibake(base, "cp1251"), "кракозябры (UTF-8, прочитанный как cp1251)",
         "Русских букв среди букв должно быть не меньше 0.8: «ї», «ѓ», «Ђ» — не русские буквы."),
        (SPAM_DOCUMENTS[0], "спам со ссылками", "Строка, повторённая больше 2 раз, — признак спама."),
        (("\t" * 6).join(base.split()), "слова через табуляции",
         "Пробелы, табуляции и переносы строк не входят в знаменатели: доля букв считается среди непробельных "
         "символов (c.isspace()), а не только без пробелов."),
        (" ".join(["абвгдеж"] * 20) + " " + "1" * 60, "доля букв ровно 0.7",
         "Доля букв ровно 0.7 — уже достаточно: «не меньше 0.7» — это >=."),
        (" ".join(["абвг"] * 20) + " " + " ".join(["abcd"] * 5), "доля русских букв ровно 0.8",
         "Доля русских букв ровно 0.8 — уже достаточно: «не меньше 0.8» — это >=."),
    ]


def _check_quality(is_good_document, text: str, name: str, hint: str = "") -> None:
    no_letters = not any(c.isalpha() for c in text)
    result = checks.call(is_good_document, text, name=name,
                         hint="Если букв нет совсем, документ плохой: не делите на ноль." if no_letters else "")
    checks.check_type(result, bool, name, hint="Верните True или False (тип bool), в том числе для плохого документа.")
    checks.check_equal(result, reference_is_good_document(text), name, hint=hint)


def check_is_good_document(is_good_document) -> None:
    """Каждое правило на границе и с подвохом (пробелы, цифры, заглавные, «ё», пустые и повторённые строки),
    затем все документы грязной выборки с другим seed."""
    for text, label, hint in _quality_cases():
        _check_quality(is_good_document, text, f"is_good_document({label})", hint)
    for document in make_messy_documents(seed=11):
        _check_quality(is_good_document, document, f"is_good_document({document[:40]!r}…)")


# --- реестры -----------------------------------------------------------------------------------------------------
REFERENCES = {
    "04_pretraining_data_dedup": reference_deduplicate,
    "04_pretraining_data_jaccard": reference_jaccard_similarity,
    "04_pretraining_data_quality": reference_is_good_document,
}
CHECKS = {
    "04_pretraining_data_dedup": check_deduplicate,
    "04_pretraining_data_jaccard": check_jaccard_similarity,
    "04_pretraining_data_quality": check_is_good_document,
}
HELPERS: dict = {}

_MD5 = 'hashlib.md5({}.encode("utf-8")).hexdigest()'
_NORMALIZED = '" ".join(document.lower().split())'


def _dedup(key: str, keep: str = "document") -> str:
    """Дедупликация по первому вхождению с заменяемым ключом сравнения и заменяемым текстом ответа."""
    return ("def deduplicate(documents):\n"
            "    seen, unique = set(), []\n"
            "    for document in documents:\n"
            f"        fingerprint = {_MD5.format(key)}\n"
            "        if fingerprint not in seen:\n"
            "            seen.add(fingerprint)\n"
            f"            unique.append({keep})\n"
            "    return unique")


_JACCARD = "def jaccard_similarity(text_a, text_b, k=3):\n"


def _jaccard(shingles_body: str, result: str = "len(set_a & set_b) / len(union)") -> str:
    """Коэффициент Жаккара с заменяемым телом ``shingles(text)`` и заменяемой формулой ответа."""
    return (_JACCARD +
            "    def shingles(text):\n" + shingles_body +
            "    set_a, set_b = shingles(text_a), shingles(text_b)\n"
            "    union = set_a | set_b\n"
            "    if not union:\n"
            "        return 1.0\n"
            f"    return {result}")


_WORD_SHINGLES = ("        words = text.lower().split()\n"
                  "        if len(words) < k:\n"
                  "            return {tuple(words)} if words else set()\n"
                  "        return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}\n")


def _quality(*, words: str = "len(text.split()) < 20", letter_share: str = "len(letters) / len(non_space)",
             russian: str = 'c.lower() in "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"',
             russian_share: str = "len(russian) / len(letters) < 0.8",
             lines: str = "[line.strip() for line in text.splitlines() if line.strip()]",
             repeats: str = "lines.count(line) <= 2") -> str:
    """Эталонный фильтр качества, в котором можно заменить одно правило."""
    return ("def is_good_document(text):\n"
            f"    if {words}:\n"
            "        return False\n"
            "    non_space = [c for c in text if not c.isspace()]\n"
            "    letters = [c for c in non_space if c.isalpha()]\n"
            f"    if not letters or {letter_share} < 0.7:\n"
            "        return False\n"
            f"    russian = [c for c in letters if {russian}]\n"
            f"    if {russian_share}:\n"
            "        return False\n"
            f"    lines = {lines}\n"
            f"    return all({repeats} for line in lines)")


MISTAKES = {
    "04_pretraining_data_dedup": {
        "case-sensitive comparison": (_dedup('" ".join(document.split())'), "Регистр не важен"),
        "punctuation removed before comparing": (
            _dedup('" ".join("".join(c for c in document.lower() if c.isalnum() or c.isspace()).split())'),
            "Знаки препинания — часть текста"),
        "whitespace-sensitive comparison": (_dedup("document.lower()"), "одним пробелом"),
        "only the ends stripped, inner whitespace kept": (_dedup("document.lower().strip()"), "одним пробелом"),
        "whitespace collapsed but the ends not stripped": (
            "import re\n" + _dedup('re.sub(r"\\s+", " ", document.lower())'), "обрежьте края"),
        "keeps the last occurrence (dict overwritten)": (
            "def deduplicate(documents):\n"
            "    by_hash = {}\n"
            "    for document in documents:\n"
            f"        by_hash[{_MD5.format(_NORMALIZED)}] = document\n"
            "    return list(by_hash.values())", "ПЕРВОЕ вхождение"),
        "order lost in a set": (
            "def deduplicate(documents):\n"
            "    by_hash = {}\n"
            "    for document in documents:\n"
            f"        by_hash.setdefault({_MD5.format(_NORMALIZED)}, document)\n"
            "    return list(set(by_hash.values()))", "порядок нарушен"),
        "returns the normalized texts": (_dedup(_NORMALIZED, keep=_NORMALIZED), "исходные тексты"),
        "input list modified in place": (
            "def deduplicate(documents):\n"
            "    seen = set()\n"
            "    for document in list(documents):\n"
            f"        fingerprint = {_MD5.format(_NORMALIZED)}\n"
            "        if fingerprint in seen:\n"
            "            documents.remove(document)\n"
            "        else:\n"
            "            seen.add(fingerprint)\n"
            "    return documents", "изменила входной список"),
    },
    "04_pretraining_data_jaccard": {
        "character shingles instead of word shingles": (_jaccard(
            '        text = " ".join(text.lower().split())\n'
            "        return {text[i:i + k] for i in range(max(len(text) - k + 1, 0))}\n"), "а не из символов"),
        "intersection divided by the size of the first set": (
            _jaccard(_WORD_SHINGLES, "len(set_a & set_b) / len(set_a)"), "ОБЪЕДИНЕНИЯ"),
        "intersection divided by the size of the second set": (
            _jaccard(_WORD_SHINGLES, "len(set_a & set_b) / len(set_b)"), "ОБЪЕДИНЕНИЯ"),
        "lists instead of sets (repeats counted)": (
            _JACCARD +
            "    def shingles(text):\n"
            "        words = text.lower().split()\n"
            "        if len(words) < k:\n"
            "            return [tuple(words)] if words else []\n"
            "        return [tuple(words[i:i + k]) for i in range(len(words) - k + 1)]\n"
            "    list_a, list_b = shingles(text_a), shingles(text_b)\n"
            "    common = [s for s in list_a if s in list_b]\n"
            "    union = len(list_a) + len(list_b) - len(common)\n"
            "    return len(common) / union if union else 1.0", "МНОЖЕСТВО"),
        "case-sensitive shingles": (_jaccard(
            "        words = text.split()\n"
            "        if len(words) < k:\n"
            "            return {tuple(words)} if words else set()\n"
            "        return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}\n"), "Регистр"),
        "punctuation stripped from words": (_jaccard(
            "        words = [w.strip('.,!?;:') for w in text.lower().split()]\n"
            "        if len(words) < k:\n"
            "            return {tuple(words)} if words else set()\n"
            "        return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}\n"), "Знаки препинания"),
        "short texts get no shingles": (_jaccard(
            "        words = text.lower().split()\n"
            "        return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}\n"), "Если слов меньше k"),
        "k ignored (always 3)": (_jaccard(
            "        words = text.lower().split()\n"
            "        if len(words) < 3:\n"
            "            return {tuple(words)} if words else set()\n"
            "        return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}\n"), "Параметр k"),
        "division by zero for two empty texts": (
            _JACCARD +
            "    def shingles(text):\n" + _WORD_SHINGLES +
            "    set_a, set_b = shingles(text_a), shingles(text_b)\n"
            "    return len(set_a & set_b) / len(set_a | set_b)", "пустых текстов"),
    },
    "04_pretraining_data_quality": {
        "ё and Ё forgotten": (_quality(russian='"а" <= c.lower() <= "я"'), "«ё»"),
        "only lowercase Russian letters counted": (
            _quality(russian='c in "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"'), "Заглавные"),
        "letter share over all characters, spaces included": (
            _quality(letter_share="len(letters) / len(text)"), "непробельных"),
        "Russian share over all characters, spaces included": (
            _quality(russian_share="len(russian) / len(text) < 0.8"), "непробельных"),
        "Russian share over non-space characters instead of letters": (
            _quality(russian_share="len(russian) / len(non_space) < 0.8"), "среди БУКВ"),
        "Russian share condition reversed": (
            _quality(russian_share="len(russian) / len(letters) >= 0.8"), "Английский текст прошёл"),
        "word threshold strict (> 20 instead of >= 20)": (_quality(words="len(text.split()) <= 20"), "не меньше 20"),
        "letter share threshold strict (> 0.7)": (_quality().replace("< 0.7:", "<= 0.7:"), "ровно 0.7"),
        "Russian share threshold strict (> 0.8)": (_quality(russian_share="len(russian) / len(letters) <= 0.8"),
                                                   "ровно 0.8"),
        "only spaces left out of the denominator": (_quality().replace("not c.isspace()", 'c != " "'),
                                                    "табуляции"),
        "a line repeated twice already rejected": (_quality(repeats="lines.count(line) < 2"), "дважды"),
        "lines compared without strip": (
            _quality(lines="[line for line in text.splitlines() if line.strip()]"), ".strip()"),
        "blank lines counted as repeats": (_quality(lines="[line.strip() for line in text.splitlines()]"),
                                           "Пустые строки"),
        "Russian share checked before any letter is seen (division by zero)": (
            "def is_good_document(text):\n"
            "    non_space = [c for c in text if not c.isspace()]\n"
            "    letters = [c for c in non_space if c.isalpha()]\n"
            '    russian = [c for c in letters if c.lower() in "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"]\n'
            "    if len(russian) / len(letters) < 0.8 or len(letters) / len(non_space) < 0.7:\n"
            "        return False\n"
            "    lines = [line.strip() for line in text.splitlines() if line.strip()]\n"
            "    return len(text.split()) >= 20 and all(lines.count(line) <= 2 for line in lines)",
            "не делите на ноль"),
        "None instead of False for a bad document": (
            _quality().replace("        return False\n", "        return\n"), "тип bool"),
    },
}
