"""Скрытые тесты ноутбука 04_pretraining/01_tokens.ipynb: байтовый BPE (пары, слияние, кодирование, декодирование).

Эталонный BPE в духе karpathy/minbpe. Текст превращается в байты UTF-8 (базовые токены 0…255); обучение много раз
находит самую частую пару соседних токенов и заменяет её новым токеном 256, 257, … Таблица слияний ``merges`` —
``{(a, b): новый_номер}`` в порядке обучения, словарь ``vocab`` — ``{номер: bytes}``::

    merges = train(text, 100)
    ids = reference_encode("Привет, мир!", merges)
    assert reference_decode(ids, build_vocab(merges)) == "Привет, мир!"
"""
from __future__ import annotations

import random
from collections import Counter

from course_utils import checks


# --- эталон -----------------------------------------------------------------------------------------------------
def reference_get_pair_counts(ids: list[int]) -> dict[tuple[int, int], int]:
    """Сколько раз встречается каждая пара соседних токенов (пары перекрываются): ``[1, 1, 1]`` → ``{(1, 1): 2}``."""
    counts: dict[tuple[int, int], int] = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def reference_merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Новый список, где вхождения ``pair`` (слева направо, без перекрытий) заменены на ``new_id``."""
    out = []
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def reference_encode(text: str, merges: dict[tuple[int, int], int]) -> list[int]:
    """Текст → номера токенов: байты UTF-8, затем слияния; первой — пара, выученная раньше всех."""
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        counts = reference_get_pair_counts(ids)
        pair = min(counts, key=lambda p: merges.get(p, float("inf")))
        if pair not in merges:
            break
        ids = reference_merge(ids, pair, merges[pair])
    return ids


def reference_decode(ids: list[int], vocab: dict[int, bytes]) -> str:
    """Номера токенов → текст: склеить байты всех токенов и один раз декодировать с заменой недопустимых на «�»."""
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")


def train(text: str, num_merges: int) -> dict[tuple[int, int], int]:
    """Таблица из ``num_merges`` слияний ``{(a, b): 256 + k}``; при равных частотах — пара с меньшими номерами."""
    ids = list(text.encode("utf-8"))
    merges: dict[tuple[int, int], int] = {}
    for k in range(num_merges):
        counts = reference_get_pair_counts(ids)
        if not counts:
            break
        pair = min(counts, key=lambda p: (-counts[p], p))
        merges[pair] = 256 + k
        ids = reference_merge(ids, pair, 256 + k)
    return merges


def build_vocab(merges: dict[tuple[int, int], int]) -> dict[int, bytes]:
    """Словарь ``{номер: bytes}``: 256 одиночных байтов и склейки из таблицы слияний."""
    vocab = {i: bytes([i]) for i in range(256)}
    for (a, b), new_id in merges.items():
        vocab[new_id] = vocab[a] + vocab[b]
    return vocab


# --- упражнение 1: get_pair_counts -------------------------------------------------------------------------------
DICT_HINT = "Верните обычный словарь dict, а не список пар; Counter переведите в dict: верните dict(counts)."


def _counted(pairs) -> dict:
    return dict(Counter(pairs))


def _check_counts(get_pair_counts, ids: list[int], name: str) -> None:
    counts = checks.call(get_pair_counts, list(ids), name=name)
    checks.check_type(counts, dict, name, hint=DICT_HINT)
    for key, value in counts.items():
        if type(key) is not tuple or len(key) != 2:
            checks.fail(f"{name}: ключ {key!r} — не пара.",
                        "Ключи словаря — кортежи из двух соседних чисел: (ids[i], ids[i + 1]).")
        checks.check_type(value, int, f"{name}[{key}]", hint="Значение — целое число: сколько раз встретилась пара.")
    expected = reference_get_pair_counts(ids)
    if counts == expected:
        return
    pairs = list(zip(ids, ids[1:]))
    for hint, wrong in {
        "Потеряна последняя пара: в списке из n чисел n − 1 соседних пар, последняя — (ids[n − 2], ids[n − 1]).":
            _counted(pairs[:-1]),
        "Пары перекрываются: в [1, 1, 1] пара (1, 1) стоит на местах 0–1 и 1–2. Сдвигайтесь на один элемент, "
        "а не на два.": _counted(pairs[::2]),
        "Нужно число вхождений каждой пары, а не только отметка, что пара встретилась.": dict.fromkeys(pairs, 1),
    }.items():
        if counts == wrong:
            checks.fail(f"{name}: числа пар не совпадают с ожидаемыми.", hint)
    pair = next(p for p in [*expected, *counts] if counts.get(p, 0) != expected.get(p, 0))
    checks.fail(f"{name}: для пары {pair} ожидалось {expected.get(pair, 0)}, получено {counts.get(pair, 0)}.",
                "Пройдите по всем i от 0 до len(ids) − 2 и прибавьте 1 паре (ids[i], ids[i + 1]).")


def check_pair_counts(get_pair_counts) -> None:
    """Случайный список, байты строки, короткие и пустой списки: тип dict, ключи-пары, числа вхождений."""
    rng = random.Random(7)
    _check_counts(get_pair_counts, [rng.randrange(4) for _ in range(300)], "пары случайного списка из 300 чисел")
    _check_counts(get_pair_counts, list("мама мыла раму".encode("utf-8")), "пары байтов строки «мама мыла раму»")
    _check_counts(get_pair_counts, [3, 4], "пары списка из двух чисел")
    _check_counts(get_pair_counts, [7], "пары списка из одного числа")
    _check_counts(get_pair_counts, [], "пары пустого списка")


# --- упражнение 2: merge -----------------------------------------------------------------------------------------
SKIP_HINT = ("Вхождения не перекрываются: заменив пару на месте i, переходите сразу к i + 2 — второй элемент пары "
             "уже вошёл в новый токен.")


def _merge_hint(result: list, expected: list, ids: list[int], new_id: int) -> str:
    """Подсказка по тому, чем ответ отличается от верного."""
    if len(expected) > 1 and result == expected[:-1]:
        return "Потерян последний элемент: если он не вошёл в пару, его тоже нужно переписать в ответ."
    if result.count(new_id) == 1 < expected.count(new_id):
        return "Замените все вхождения пары, а не только первое."
    if len(result) == len(ids) and new_id in result:
        return SKIP_HINT + " Каждая замена укорачивает список на один элемент."
    return ""


def _check_merge(merge, ids: list[int], pair: tuple[int, int], new_id: int, name: str) -> None:
    ids = list(ids)
    before = list(ids)
    result = checks.call(merge, ids, pair, new_id, name=name)
    checks.check_unchanged(before, ids, "список ids")
    checks.check_type(result, list, name, hint="Соберите ответ в новом списке out = [] и верните его.")
    expected = reference_merge(before, pair, new_id)
    checks.check_equal(result, expected, name, hint=_merge_hint(result, expected, before, new_id))


def check_merge(merge) -> None:
    """Случайные списки, пара в конце, цепочка одинаковых, порядок в паре, короткие списки; вход не меняется."""
    rng = random.Random(3)
    ids = [rng.randrange(3) for _ in range(400)]
    for pair in [(0, 1), (2, 2), (1, 0)]:
        _check_merge(merge, ids, pair, 300, f"merge случайного списка из 400 чисел по паре {pair}")
    _check_merge(merge, [1, 2, 3, 1, 2], (1, 2), 256, "merge, когда пара стоит в конце списка")
    _check_merge(merge, [7, 7, 7, 7], (7, 7), 999, "merge([7, 7, 7, 7], (7, 7), 999)")
    _check_merge(merge, [4, 5, 6], (5, 4), 256, "merge, когда пары нет (порядок в паре важен)")
    _check_merge(merge, [9], (9, 9), 256, "merge списка из одного числа")
    _check_merge(merge, [], (1, 2), 256, "merge пустого списка")


# --- упражнение 3: encode ----------------------------------------------------------------------------------------
HELPERS_OF_ENCODE = ("get_pair_counts", "merge")
STOP_HINT = ("Остановитесь, когда выученных пар в тексте не осталось или пар нет совсем (текст короче 2 байтов), "
             "и верните ids.")
ORDER_HINT = ("Разбиение на токены допустимое, но не то: слияния применяют в порядке обучения (сначала пара "
              "с наименьшим new_id), пока выученных пар не останется.")

# Неверный выбор очередной пары среди выученных: подсказка → как выбирает ошибка (пары, частоты, таблица).
ORDER_MISTAKES = {
    "Слияния применяют в порядке обучения, а у вас — в обратном порядке: сначала пара с наименьшим new_id.":
        lambda known, counts, merges: max(known, key=merges.get),
    "Слияния применяют в порядке обучения, а не по частоте пары в этом тексте: сначала пара с наименьшим new_id.":
        lambda known, counts, merges: max(known, key=counts.get),
}


def _encode_choosing(text: str, merges: dict, choose) -> list[int]:
    """Кодирование, в котором очередную выученную пару выбирает ``choose`` (для диагноза ошибок порядка)."""
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        counts = reference_get_pair_counts(ids)
        known = [p for p in counts if p in merges]
        if not known:
            break
        pair = choose(known, counts, merges)
        ids = reference_merge(ids, pair, merges[pair])
    return ids


def _order_mistakes(text: str, merges: dict) -> dict:
    """Ответы ошибок порядка на этом тексте; ошибки, дающие одинаковый ответ, не называем (их не различить)."""
    wrong = {hint: _encode_choosing(text, merges, choose) for hint, choose in ORDER_MISTAKES.items()}
    values = list(wrong.values())
    return {hint: value for hint, value in wrong.items() if values.count(value) == 1}


def _check_encode(encode, text: str, merges: dict, name: str) -> None:
    ids = checks.call(encode, text, dict(merges), name=name, hint=STOP_HINT, helpers=HELPERS_OF_ENCODE)
    checks.check_type(ids, list, name, hint="Верните список номеров токенов.")
    vocab = build_vocab(merges)
    unknown = [i for i in ids if type(i) is int and i not in vocab]
    if unknown:
        checks.fail(f"{name}: в ответе есть номера, которых нет в словаре (например, {unknown[0]}).",
                    'Кодируйте байты UTF-8: list(text.encode("utf-8")), а не номера символов ord(c) — '
                    "у русских букв они больше 255.")
    valid = all(type(i) is int for i in ids) and b"".join(vocab[i] for i in ids) == text.encode("utf-8")
    checks.check_equal(ids, reference_encode(text, merges), name, mistakes=_order_mistakes(text, merges),
                       hint=ORDER_HINT if valid else "Склеенные байты токенов должны давать исходный текст в UTF-8.")


def check_encode(encode) -> None:
    """Цепочки, где порядок обучения, обратный порядок и «по частоте» дают разные ответы; таблица, обученная
    на русском тексте; «ё», эмодзи, латиница, текст из одной буквы и пустой текст."""
    # Выучены (b, c), (x, y), (a, b), (y, z); в тексте чаще всего встречаются (a, b) и (x, y).
    _check_encode(encode, "abc xyz ab xy ab xy ab xy", {(98, 99): 256, (120, 121): 257, (97, 98): 258,
                                                        (121, 122): 259}, "encode('abc xyz ab xy ab xy ab xy', ...)")
    merges = train("ананас банан, ананас банан, ананас банан. нас нас нас.", 12)
    for text in ["нас, банан и ананас", "Ёлка, ёжик и мёд — «всё на месте»!", "tokens 123", "я", ""]:
        _check_encode(encode, text, merges, f"encode({text!r}, ...)")


# --- упражнение 4: decode ----------------------------------------------------------------------------------------
BYTE_VOCAB = {i: bytes([i]) for i in range(256)}
SPLIT_HINT = ("Склейте байты всех токенов и декодируйте один раз: у токена может быть только половина буквы, "
              "и отдельно он не UTF-8.")
REPLACE_HINT = ('Недопустимые байты (например, половину буквы) заменяйте символом «�»: '
                '.decode("utf-8", errors="replace").')


def _decode_mistakes(ids: list[int], vocab: dict) -> dict:
    """Что дают типичные ошибки декодирования."""
    return {"Декодируйте один раз для всего текста, а не каждый токен отдельно: у токена может быть только "
            "половина буквы.": "".join(vocab[i].decode("utf-8", errors="replace") for i in ids),
            "Номер токена — не номер символа: chr(id) не годится, берите байты токена из vocab[id].":
                "".join(chr(i) for i in ids),
            'Недопустимые байты заменяют символом «�», а не выбрасывают: errors="replace", а не "ignore".':
                b"".join(vocab[i] for i in ids).decode("utf-8", errors="ignore")}


def _check_decode(decode, ids: list[int], vocab: dict, name: str, hint: str = SPLIT_HINT) -> None:
    text = checks.call(decode, list(ids), vocab, name=name, hint=hint)
    checks.check_type(text, str, name, hint='Склеенные байты нужно декодировать в строку: .decode("utf-8", '
                                            'errors="replace").')
    checks.check_equal(text, reference_decode(ids, vocab), name, mistakes=_decode_mistakes(ids, vocab), hint=hint)


def check_decode(decode) -> None:
    """decode(encode(текст)) по обученной таблице, пустой список, недопустимый байт и половина буквы в конце."""
    merges = train("Мама мыла раму, а папа пилил пилу. Мама и папа мыли раму и пилу.", 40)
    vocab = build_vocab(merges)
    for text in ["Мама мыла раму, ёжик пилил пилу.", "Ёлка, мёд и «всё» — 100% 🙂", "папа"]:
        _check_decode(decode, reference_encode(text, merges), vocab, f"decode(encode({text!r}))")
    _check_decode(decode, [], vocab, "decode пустого списка")
    _check_decode(decode, [255, 104, 105], BYTE_VOCAB, "decode недопустимого байта 255", hint=REPLACE_HINT)
    _check_decode(decode, [104, 105, 209], BYTE_VOCAB, "decode половины буквы в конце", hint=REPLACE_HINT)


# --- реестры -----------------------------------------------------------------------------------------------------
REFERENCES = {
    "04_pretraining_tokens_pair_counts": reference_get_pair_counts,
    "04_pretraining_tokens_merge": reference_merge,
    "04_pretraining_tokens_encode": reference_encode,
    "04_pretraining_tokens_decode": reference_decode,
}
CHECKS = {
    "04_pretraining_tokens_pair_counts": check_pair_counts,
    "04_pretraining_tokens_merge": check_merge,
    "04_pretraining_tokens_encode": check_encode,
    "04_pretraining_tokens_decode": check_decode,
}
HELPERS = {"get_pair_counts": reference_get_pair_counts, "merge": reference_merge}

_COUNTS = "def get_pair_counts(ids):\n"
_MERGE = "def merge(ids, pair, new_id):\n"
_ENCODE = "def encode(text, merges):\n"
_DECODE = "def decode(ids, vocab):\n"
_ENCODE_LOOP = ("    while len(ids) >= 2:\n"
                "        counts = get_pair_counts(ids)\n"
                "        pair = min(counts, key=lambda p: merges.get(p, float('inf')))\n"
                "        if pair not in merges:\n"
                "            break\n"
                "        ids = merge(ids, pair, merges[pair])\n"
                "    return ids")

MISTAKES = {
    "04_pretraining_tokens_pair_counts": {
        "last pair skipped (off by one)": (_COUNTS +
                                           "    counts = {}\n"
                                           "    for i in range(len(ids) - 2):\n"
                                           "        pair = (ids[i], ids[i + 1])\n"
                                           "        counts[pair] = counts.get(pair, 0) + 1\n"
                                           "    return counts", "Потеряна последняя пара"),
        "pairs taken with step 2": (_COUNTS +
                                    "    counts = {}\n"
                                    "    for i in range(0, len(ids) - 1, 2):\n"
                                    "        pair = (ids[i], ids[i + 1])\n"
                                    "        counts[pair] = counts.get(pair, 0) + 1\n"
                                    "    return counts", "Пары перекрываются"),
        "list of pairs instead of a dict": (_COUNTS + "    return list(zip(ids, ids[1:]))", "а не список пар"),
        "collections.Counter returned": (_COUNTS +
                                         "    from collections import Counter\n"
                                         "    return Counter(zip(ids, ids[1:]))", "верните dict(counts)"),
        "every pair counted once": (_COUNTS + "    return {pair: 1 for pair in zip(ids, ids[1:])}",
                                    "число вхождений каждой пары"),
        "keys are strings": (_COUNTS +
                             "    counts = {}\n"
                             "    for a, b in zip(ids, ids[1:]):\n"
                             "        counts[f'{a},{b}'] = counts.get(f'{a},{b}', 0) + 1\n"
                             "    return counts", "не пара"),
    },
    "04_pretraining_tokens_merge": {
        "overlapping replacement": (_MERGE +
                                    "    out = []\n"
                                    "    for i in range(len(ids)):\n"
                                    "        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):\n"
                                    "            out.append(new_id)\n"
                                    "        else:\n"
                                    "            out.append(ids[i])\n"
                                    "    return out", "Вхождения не перекрываются"),
        "last element dropped": (_MERGE +
                                 "    out, i = [], 0\n"
                                 "    while i < len(ids) - 1:\n"
                                 "        if ids[i] == pair[0] and ids[i + 1] == pair[1]:\n"
                                 "            out.append(new_id)\n"
                                 "            i += 2\n"
                                 "        else:\n"
                                 "            out.append(ids[i])\n"
                                 "            i += 1\n"
                                 "    return out", "Потерян последний элемент"),
        "input modified in place": (_MERGE +
                                    "    i = 0\n"
                                    "    while i < len(ids) - 1:\n"
                                    "        if ids[i] == pair[0] and ids[i + 1] == pair[1]:\n"
                                    "            ids[i:i + 2] = [new_id]\n"
                                    "        i += 1\n"
                                    "    return ids", "изменила входной список ids на месте"),
        "only the first occurrence": (_MERGE +
                                      "    for i in range(len(ids) - 1):\n"
                                      "        if ids[i] == pair[0] and ids[i + 1] == pair[1]:\n"
                                      "            return ids[:i] + [new_id] + ids[i + 2:]\n"
                                      "    return list(ids)", "не только первое"),
        "generator returned": (_MERGE +
                               "    i = 0\n"
                               "    while i < len(ids):\n"
                               "        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:\n"
                               "            yield new_id\n"
                               "            i += 2\n"
                               "        else:\n"
                               "            yield ids[i]\n"
                               "            i += 1", "ожидался тип list"),
    },
    "04_pretraining_tokens_encode": {
        "merges applied in reverse order": (_ENCODE +
                                            "    ids = list(text.encode('utf-8'))\n"
                                            "    for pair in reversed(list(merges)):\n"
                                            "        ids = merge(ids, pair, merges[pair])\n"
                                            "    return ids", "в обратном порядке"),
        "most frequent pair in the text first": (_ENCODE +
                                                 "    ids = list(text.encode('utf-8'))\n"
                                                 "    while len(ids) >= 2:\n"
                                                 "        counts = get_pair_counts(ids)\n"
                                                 "        known = [p for p in counts if p in merges]\n"
                                                 "        if not known:\n"
                                                 "            break\n"
                                                 "        pair = max(known, key=counts.get)\n"
                                                 "        ids = merge(ids, pair, merges[pair])\n"
                                                 "    return ids", "не по частоте пары"),
        "characters (ord) instead of UTF-8 bytes": (_ENCODE + "    ids = [ord(c) for c in text]\n" + _ENCODE_LOOP,
                                                    "а не номера символов ord(c)"),
        "no stop when no learned pair is left": (_ENCODE + "    ids = list(text.encode('utf-8'))\n"
                                                 + _ENCODE_LOOP.replace("        if pair not in merges:\n"
                                                                        "            break\n", ""),
                                                 "упала с ошибкой KeyError"),
        "empty text not handled": (_ENCODE +
                                   "    ids = list(text.encode('utf-8'))\n"
                                   "    while True:\n"
                                   "        counts = get_pair_counts(ids)\n"
                                   "        pair = min(counts, key=lambda p: merges.get(p, float('inf')))\n"
                                   "        if pair not in merges:\n"
                                   "            break\n"
                                   "        ids = merge(ids, pair, merges[pair])\n"
                                   "    return ids", "текст короче 2 байтов"),
        "only merges of pairs present in the original bytes": (_ENCODE +
                                                               "    ids = list(text.encode('utf-8'))\n"
                                                               "    present = get_pair_counts(ids)\n"
                                                               "    for pair in merges:\n"
                                                               "        if pair in present:\n"
                                                               "            ids = merge(ids, pair, merges[pair])\n"
                                                               "    return ids", "пока выученных пар не останется"),
        # Сообщение называет недописанную функцию студента, а не «encode ещё не написана».
        "an own helper left unfinished": ("def first_learned_pair(counts, merges):\n"
                                          "    raise NotImplementedError()\n\n\n" + _ENCODE +
                                          "    ids = list(text.encode('utf-8'))\n"
                                          "    while len(ids) >= 2:\n"
                                          "        pair = first_learned_pair(get_pair_counts(ids), merges)\n"
                                          "        if pair not in merges:\n"
                                          "            break\n"
                                          "        ids = merge(ids, pair, merges[pair])\n"
                                          "    return ids", "ваша функция first_learned_pair, а она ещё не написана"),
    },
    "04_pretraining_tokens_decode": {
        "each token decoded separately": (_DECODE +
                                          "    return ''.join(vocab[i].decode('utf-8', errors='replace') for i in ids)",
                                          "а не каждый токен отдельно"),
        "each token decoded separately, strict": (_DECODE + "    return ''.join(vocab[i].decode('utf-8') for i in ids)",
                                                  "декодируйте один раз"),
        "chr(id) instead of the token's bytes": (_DECODE + "    return ''.join(chr(i) for i in ids)",
                                                 "chr(id) не годится"),
        "invalid bytes not replaced (strict decode)": (_DECODE +
                                                       "    return b''.join(vocab[i] for i in ids).decode('utf-8')",
                                                       'errors="replace"'),
        "invalid bytes dropped (errors='ignore')": (_DECODE + "    return b''.join(vocab[i] for i in ids)"
                                                              ".decode('utf-8', errors='ignore')", "а не выбрасывают"),
        "bytes returned instead of str": (_DECODE + "    return b''.join(vocab[i] for i in ids)", "получено bytes"),
    },
}
