"""Typical mistakes for notebook 1 of chapter 04 «Предобучение» (tokens: pair counts, merge, encode, decode)."""

_COUNTS = "def get_pair_counts(ids):\n"
_MERGE = "def merge(ids, pair, new_id):\n"
_ENCODE = "def encode(text, merges):\n"
_DECODE = "def decode(ids, vocab):\n"

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
        "list of pairs instead of a dict": (_COUNTS + "    return list(zip(ids, ids[1:]))",
                                            "а не список пар"),
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
        "characters (ord) instead of UTF-8 bytes": (_ENCODE +
                                                    "    ids = [ord(c) for c in text]\n"
                                                    "    while len(ids) >= 2:\n"
                                                    "        counts = get_pair_counts(ids)\n"
                                                    "        pair = min(counts, key=lambda p: merges.get(p, float('inf')))\n"
                                                    "        if pair not in merges:\n"
                                                    "            break\n"
                                                    "        ids = merge(ids, pair, merges[pair])\n"
                                                    "    return ids", "а не номера символов ord(c)"),
        "no stop when no learned pair is left": (_ENCODE +
                                                 "    ids = list(text.encode('utf-8'))\n"
                                                 "    while len(ids) >= 2:\n"
                                                 "        counts = get_pair_counts(ids)\n"
                                                 "        pair = min(counts, key=lambda p: merges.get(p, float('inf')))\n"
                                                 "        ids = merge(ids, pair, merges[pair])\n"
                                                 "    return ids", "упала с ошибкой KeyError"),
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
    },
    "04_pretraining_tokens_decode": {
        "each token decoded separately": (_DECODE +
                                          "    return ''.join(vocab[i].decode('utf-8', errors='replace') for i in ids)",
                                          "а не каждый токен отдельно"),
        "each token decoded separately, strict": (_DECODE +
                                                  "    return ''.join(vocab[i].decode('utf-8') for i in ids)",
                                                  "декодируйте один раз"),
        "chr(id) instead of the token's bytes": (_DECODE + "    return ''.join(chr(i) for i in ids)",
                                                 "chr(id) не годится"),
        "invalid bytes not replaced (strict decode)": (_DECODE +
                                                       "    return b''.join(vocab[i] for i in ids).decode('utf-8')",
                                                       'errors="replace"'),
        "invalid bytes dropped (errors='ignore')": (_DECODE +
                                                    "    return b''.join(vocab[i] for i in ids).decode('utf-8', errors='ignore')",
                                                    "а не выбрасывают"),
        "bytes returned instead of str": (_DECODE + "    return b''.join(vocab[i] for i in ids)",
                                          "получены bytes"),
    },
}
