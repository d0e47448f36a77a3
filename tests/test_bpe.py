"""The reference byte-level BPE of notebook 04/01 (graders.ch04_pretraining.tokens): its worked examples, a training
run computed by hand, round trips on Cyrillic, the order of merges, and the same encoding as the `tokenizers` library
given the same merges."""
import random

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

from course_utils.data import corpus_parts
from graders.ch04_pretraining import tokens as bpe


@pytest.fixture(scope="module")
def prose():
    return corpus_parts()[0]


# --- the notebook's worked examples -------------------------------------------------------------------------------
def test_pair_counts_overlap_and_edge_cases():
    assert bpe.reference_get_pair_counts([1, 1, 1]) == {(1, 1): 2}
    counts = bpe.reference_get_pair_counts([1, 1, 1, 2, 1, 1])
    assert counts == {(1, 1): 3, (1, 2): 1, (2, 1): 1} and type(counts) is dict
    assert list(counts) == [(1, 1), (1, 2), (2, 1)], "keys in order of first appearance"
    assert bpe.reference_get_pair_counts([]) == {} and bpe.reference_get_pair_counts([7]) == {}


def test_merge_left_to_right_without_overlap_and_without_touching_the_input():
    ids = [1, 1, 1, 2, 1, 1]
    assert bpe.reference_merge(ids, (1, 1), 256) == [256, 1, 2, 256]
    assert ids == [1, 1, 1, 2, 1, 1]
    assert bpe.reference_merge([5, 5, 5], (5, 5), 256) == [256, 5]
    assert bpe.reference_merge([7, 7, 7, 7], (7, 7), 999) == [999, 999]
    assert bpe.reference_merge([1, 2, 3, 1, 2], (1, 2), 256) == [256, 3, 256]
    assert bpe.reference_merge([4, 5, 6], (5, 4), 256) == [4, 5, 6]
    assert bpe.reference_merge([], (1, 2), 256) == []


def test_encode_applies_merges_in_the_order_they_were_learned():
    assert bpe.reference_encode("abc", {(98, 99): 256, (97, 98): 257}) == [97, 256]
    assert bpe.reference_encode("abc", {(97, 98): 256, (98, 99): 257}) == [256, 99]
    mama = {(208, 188): 256, (208, 176): 257, (256, 257): 258, (258, 258): 259}
    assert bpe.reference_encode("мама", mama) == [259]
    assert bpe.reference_encode("мир", mama) == [256, 208, 184, 209, 128]
    chain = {(98, 99): 256, (120, 121): 257, (97, 98): 258, (121, 122): 259}
    assert bpe.reference_encode("abc xyz ab xy ab xy ab xy", chain) == [97, 256, 32, 257, 122, 32, 258, 32, 257, 32,
                                                                          258, 32, 257, 32, 258, 32, 257]
    assert bpe.reference_encode("", chain) == [] and bpe.reference_encode("я", chain) == [209, 143]


def test_decode_joins_bytes_before_decoding_and_replaces_invalid_bytes():
    byte_vocab = {i: bytes([i]) for i in range(256)}
    assert bpe.reference_decode(list("мир".encode("utf-8")), byte_vocab) == "мир"
    split = {**byte_vocab, 256: b"\xb0 "}  # the second half of «а» and a space
    ids = [208, 180, 208, 256, 208, 180, 208, 176]
    assert bpe.reference_decode(ids, split) == "да да"
    assert "".join(split[i].decode("utf-8", errors="replace") for i in ids) != "да да"
    assert bpe.reference_decode([208, 188, 208, 184, 209, 128, 208], byte_vocab) == "мир\ufffd"
    assert bpe.reference_decode([255, 104, 105], byte_vocab) == "\ufffdhi"
    assert bpe.reference_decode([], byte_vocab) == ""


# --- training, round trips --------------------------------------------------------------------------------------
def test_train_is_deterministic_and_numbers_new_tokens_from_256(prose):
    text = prose[:4000]
    merges = bpe.train(text, 60)
    assert list(merges.values()) == list(range(256, 316))
    assert merges == bpe.train(text, 60)
    vocab = bpe.build_vocab(merges)
    assert len(vocab) == 316 and all(vocab[new] == vocab[a] + vocab[b] for (a, b), new in merges.items())
    assert next(iter(merges)) == (32, 208), "on Russian prose the first merge is a space + the first byte of a letter"
    assert bpe.train("aa", 5) == {(97, 97): 256}, "training stops when the text is one token"


@pytest.mark.parametrize("text", ["Ещё раз: ёжик нашёл 3 гриба — «ура!»", "Ёлка, мёд и «всё» — 100% 🙂",
                                  "mixed текст, 中文 и emoji 👍", "", "я"])
def test_round_trip_on_cyrillic_and_other_scripts(prose, text):
    merges = bpe.train(prose[:3000], 80)
    ids = bpe.reference_encode(text, merges)
    assert bpe.reference_decode(ids, bpe.build_vocab(merges)) == text
    assert all(0 <= i < 256 + 80 for i in ids)


def test_random_unicode_round_trip():
    rng = random.Random(0)
    merges = bpe.train("абракадабра " * 20 + "ёлки-палки " * 10, 40)
    vocab = bpe.build_vocab(merges)
    alphabet = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁ .,!?—«»abc123🙂"
    for _ in range(30):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        assert bpe.reference_decode(bpe.reference_encode(text, merges), vocab) == text


def test_encode_equals_applying_the_merges_one_by_one(prose):
    """The notebook tracks compression on held-out text by applying each new merge in turn: that is encode."""
    merges = bpe.train(prose[:4000], 80)
    held = prose[4000:5500]
    ids = list(held.encode("utf-8"))
    for pair, new_id in merges.items():
        ids = bpe.reference_merge(ids, pair, new_id)
    assert ids == bpe.reference_encode(held, merges)


def test_training_on_the_classic_example_computed_by_hand():
    """«aaabdaaabac»: aa×4 → 256; then (256, a) and (a, b) both ×2, the tie goes to the smaller pair (97, 98) → 257;
    then (256, 257) ×2 → 258, leaving «258 d 258 a c»."""
    merges = bpe.train("aaabdaaabac", 3)
    assert merges == {(97, 97): 256, (97, 98): 257, (256, 257): 258}
    assert bpe.reference_encode("aaabdaaabac", merges) == [258, 100, 258, 97, 99]
    assert bpe.reference_encode("aaab", merges) == [258] and bpe.reference_encode("aba", merges) == [257, 97]
    assert bpe.reference_encode("aab", merges) == [256, 98], "(a, a) was learned first, so it takes the «a» of «ab»"
    assert bpe.build_vocab(merges)[258] == b"aaab"


# --- the same merges in the tokenizers library ------------------------------------------------------------------
def gpt2_byte_alphabet() -> dict[int, str]:
    """GPT-2's byte → printable character map, which `tokenizers`' ByteLevel uses to store bytes as text."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            chars[byte] = chr(byte)
        else:
            chars[byte] = chr(256 + extra)
            extra += 1
    return chars


def test_encode_matches_tokenizers_bpe_with_the_same_merges(prose):
    alphabet = gpt2_byte_alphabet()
    assert sorted(alphabet.values()) == sorted(pre_tokenizers.ByteLevel.alphabet())
    merges = bpe.train(prose[:5000], 120)
    vocab = bpe.build_vocab(merges)

    def as_text(token):
        return "".join(alphabet[b] for b in token)

    hf_vocab = {as_text(token): i for i, token in vocab.items()}
    assert len(hf_vocab) == len(vocab), "no two tokens with the same bytes"
    hf_merges = [(as_text(vocab[a]), as_text(vocab[b])) for a, b in merges]
    tokenizer = Tokenizer(models.BPE(vocab=hf_vocab, merges=hf_merges))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)  # no word splitting
    tokenizer.decoder = decoders.ByteLevel()
    for text in [prose[5000:7000], "Ещё раз: ёжик нашёл 3 гриба — «ура!»", "aaaa", "🙂 и ё"]:
        ids = bpe.reference_encode(text, merges)
        assert tokenizer.encode(text).ids == ids
        assert tokenizer.decode(ids) == bpe.reference_decode(ids, vocab) == text
