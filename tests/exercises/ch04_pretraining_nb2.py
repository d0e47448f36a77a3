"""Typical mistakes for notebook 2 of chapter 04 «Предобучение» (data: exact duplicates, Jaccard, quality filter)."""

_MD5 = 'hashlib.md5({}.encode("utf-8")).hexdigest()'


def _dedup(key: str, keep: str = "document") -> str:
    """A first-occurrence dedup whose comparison key (an expression of `document`) and kept text can be wrong."""
    return ("def deduplicate(documents):\n"
            "    seen, unique = set(), []\n"
            "    for document in documents:\n"
            f"        fingerprint = {_MD5.format(key)}\n"
            "        if fingerprint not in seen:\n"
            "            seen.add(fingerprint)\n"
            f"            unique.append({keep})\n"
            "    return unique")


_NORMALIZED = '" ".join(document.lower().split())'

_JACCARD = "def jaccard_similarity(text_a, text_b, k=3):\n"


def _jaccard(shingles_body: str, result: str = "len(set_a & set_b) / len(union)") -> str:
    """A Jaccard similarity with a replaceable shingle maker (body of `shingles(text)`) and final formula."""
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
    """The reference quality filter with one rule replaceable at a time."""
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
        "whitespace-sensitive comparison": (_dedup("document.lower()"), "одним пробелом"),
        "only the ends stripped, inner whitespace kept": (_dedup("document.lower().strip()"), "одним пробелом"),
        "whitespace collapsed but the ends not stripped": ("import re\n" + _dedup('re.sub(r"\\s+", " ", document.lower())'),
                                                           "обрежьте края"),
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
        "a line repeated twice already rejected": (_quality(repeats="lines.count(line) < 2"), "дважды"),
        "lines compared without strip": (
            _quality(lines="[line for line in text.splitlines() if line.strip()]"), ".strip()"),
        "blank lines counted as repeats": (_quality(lines="[line.strip() for line in text.splitlines()]"), "Пустые строки"),
    },
}
