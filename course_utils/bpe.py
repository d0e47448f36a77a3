"""Байтовый BPE с нуля (в духе karpathy/minbpe) — эталонные ответы ноутбука 4.1 «Токены».

Текст сначала превращается в байты UTF-8: это числа 0…255, базовые токены. Обучение BPE (byte pair
encoding) много раз находит самую частую пару соседних токенов и заменяет её новым токеном 256, 257, …
Таблица слияний ``merges`` — словарь ``{(a, b): новый_номер}`` в порядке обучения; словарь ``vocab`` —
``{номер: bytes}``, какие байты стоят за каждым токеном.

    merges = train(text, 100)
    vocab = build_vocab(merges)
    ids = encode("Привет, мир!", merges)
    assert decode(ids, vocab) == "Привет, мир!"

Код намеренно простой и медленный (чистый Python): на десятках килобайт текста он работает секунды.
Настоящие токенизаторы (библиотека ``tokenizers``) делают то же самое на Rust и ещё режут текст на
слова перед слияниями (pre-tokenization).
"""
from __future__ import annotations


def get_pair_counts(ids: list[int]) -> dict[tuple[int, int], int]:
    """Сколько раз встречается каждая пара соседних токенов: ``[1, 1, 1]`` → ``{(1, 1): 2}``.

    Пары перекрываются: в ``[1, 1, 1]`` пара ``(1, 1)`` стоит на местах 0–1 и 1–2. Ключи идут в порядке
    первого появления пары в тексте. Возвращается обычный ``dict``.
    """
    counts: dict[tuple[int, int], int] = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Новый список, где каждое вхождение ``pair`` заменено на ``new_id``; сам ``ids`` не меняется.

    Идём слева направо, вхождения не перекрываются: ``merge([5, 5, 5], (5, 5), 256)`` → ``[256, 5]``.
    """
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


def best_pair(counts: dict[tuple[int, int], int]) -> tuple[int, int]:
    """Самая частая пара; при равных частотах — пара с меньшими номерами (так результат не зависит
    от порядка ключей в словаре)."""
    return min(counts, key=lambda pair: (-counts[pair], pair))


def train(text: str, num_merges: int) -> dict[tuple[int, int], int]:
    """Обучает ``num_merges`` слияний на тексте; возвращает ``merges`` ``{(a, b): 256 + k}`` в порядке обучения.

    Если пар не осталось (текст слился в один токен), обучение останавливается раньше.
    """
    ids = list(text.encode("utf-8"))
    merges: dict[tuple[int, int], int] = {}
    for k in range(num_merges):
        counts = get_pair_counts(ids)
        if not counts:
            break
        pair = best_pair(counts)
        merges[pair] = 256 + k
        ids = merge(ids, pair, 256 + k)
    return merges


def build_vocab(merges: dict[tuple[int, int], int]) -> dict[int, bytes]:
    """Словарь ``{номер: bytes}``: 256 одиночных байтов и склейки из таблицы слияний."""
    vocab = {i: bytes([i]) for i in range(256)}
    for (a, b), new_id in merges.items():
        vocab[new_id] = vocab[a] + vocab[b]
    return vocab


def encode(text: str, merges: dict[tuple[int, int], int]) -> list[int]:
    """Текст → номера токенов: байты UTF-8, затем слияния, раньше всего — самые ранние из выученных.

    На каждом шаге среди пар текста ищем ту, что была выучена первой (у неё наименьший новый номер),
    и сливаем все её вхождения. Когда ни одной выученной пары в тексте не осталось — готово.
    """
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        counts = get_pair_counts(ids)
        pair = min(counts, key=lambda p: merges.get(p, float("inf")))
        if pair not in merges:
            break
        ids = merge(ids, pair, merges[pair])
    return ids


def decode(ids: list[int], vocab: dict[int, bytes]) -> str:
    """Номера токенов → текст: склеиваем байты всех токенов и один раз декодируем UTF-8.

    Недопустимые последовательности байтов (например, половина русской буквы в конце) заменяются
    символом «�» (U+FFFD), как делает ``bytes.decode("utf-8", errors="replace")``.
    """
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
