"""Graders of notebooks 04/01 (tokens) and 04/02 (data), called directly, without the notebooks: each check accepts
its reference and rejects a stub, every registered mistake fails the hidden check with its own sentence, and the
two hint bugs of the issue stay fixed (a finished encode with an unfinished merge; the most-frequent-pair order)."""
import hashlib
import json
import sys

import pytest

from course_utils import checks
from course_utils.checks import CheckError
from graders.ch04_pretraining import data, tokens
from notebooks import SOLUTIONS, cells_by_grade_id, source

MODULES = (tokens, data)
FUNCTION_OF = {  # grade_id → the name the student's solution cell defines
    "04_pretraining_tokens_pair_counts": "get_pair_counts",
    "04_pretraining_tokens_merge": "merge",
    "04_pretraining_tokens_encode": "encode",
    "04_pretraining_tokens_decode": "decode",
    "04_pretraining_data_dedup": "deduplicate",
    "04_pretraining_data_jaccard": "jaccard_similarity",
    "04_pretraining_data_quality": "is_good_document",
}
CASES = [(module, grade_id) for module in MODULES for grade_id in module.CHECKS]
MISTAKES = [(module, grade_id, name, code, fragment) for module in MODULES
            for grade_id, mistakes in module.MISTAKES.items() for name, (code, fragment) in mistakes.items()]
CORRECT_ENCODE = ("def encode(text, merges):\n"
                  "    ids = list(text.encode('utf-8'))\n"
                  "    while len(ids) >= 2:\n"
                  "        counts = get_pair_counts(ids)\n"
                  "        pair = min(counts, key=lambda p: merges.get(p, float('inf')))\n"
                  "        if pair not in merges:\n"
                  "            break\n"
                  "        ids = merge(ids, pair, merges[pair])\n"
                  "    return ids\n")
STUB_MERGE = "def merge(ids, pair, new_id):\n    raise NotImplementedError()\n"


def notebook_namespace(code: str) -> dict:
    """Runs a solution cell the way the notebook would: its setup imports and the reference helpers are there."""
    namespace = {"hashlib": hashlib, "checks": checks, "get_pair_counts": tokens.reference_get_pair_counts,
                 "merge": tokens.reference_merge}
    exec(compile(code, "<cell>", "exec"), namespace)
    return namespace


def stub(*args):
    raise NotImplementedError()


def visible_cell(grade_id: str) -> str:
    notebook = json.loads((SOLUTIONS / "04_pretraining" / "01_tokens.ipynb").read_text(encoding="utf-8"))
    return source(cells_by_grade_id(notebook)[f"{grade_id}_visible"])


def messages(code: str, grade_id: str) -> list[str]:
    """What the visible and the hidden test say about a solution cell."""
    found = []
    for run in (lambda ns: exec(visible_cell(grade_id), ns),
                lambda ns: tokens.CHECKS[grade_id](ns[FUNCTION_OF[grade_id]])):
        try:
            run(notebook_namespace(code))
        except CheckError as error:
            found.append(str(error))
    return found


@pytest.mark.parametrize("module, grade_id", CASES, ids=[g for _, g in CASES])
def test_reference_passes_and_a_stub_is_called_unfinished(module, grade_id):
    module.CHECKS[grade_id](module.REFERENCES[grade_id])
    with pytest.raises(CheckError, match="ещё не написана"):
        module.CHECKS[grade_id](stub)
    with pytest.raises(CheckError):
        module.CHECKS[grade_id](None)


@pytest.mark.parametrize("module, grade_id, name, code, fragment", MISTAKES, ids=[f"{m[1]}-{m[2]}" for m in MISTAKES])
def test_every_mistake_fails_the_hidden_check_and_is_named(module, grade_id, name, code, fragment):
    with pytest.raises(CheckError) as error:
        module.CHECKS[grade_id](notebook_namespace(code)[FUNCTION_OF[grade_id]])
    assert fragment in str(error.value)


def test_registries_name_the_exercises_of_the_notebooks():
    assert set(tokens.REFERENCES) == set(tokens.MISTAKES) == {g for g in FUNCTION_OF if "tokens" in g}
    assert set(data.REFERENCES) == set(data.MISTAKES) == {g for g in FUNCTION_OF if "data" in g}
    assert set(tokens.HELPERS) == {"get_pair_counts", "merge"} and data.HELPERS == {}


def test_finished_encode_with_an_unfinished_merge_gets_full_marks_at_grading():
    """At grading, graders' reference merge replaces the student's stub for the call (checks.call helpers=)."""
    student = notebook_namespace(STUB_MERGE + CORRECT_ENCODE)
    tokens.check_encode(student["encode"])
    exec(visible_cell("04_pretraining_tokens_encode"), student)
    with pytest.raises(NotImplementedError):
        student["merge"]([1, 2], (1, 2), 256)  # the student's own merge is back after the check


def test_finished_encode_with_an_unfinished_merge_is_told_which_helper_without_graders(monkeypatch):
    """A student has no graders package: the message names merge instead of «encode ещё не написана»."""
    monkeypatch.setitem(sys.modules, "graders", None)
    student = notebook_namespace(STUB_MERGE + CORRECT_ENCODE)
    with pytest.raises(CheckError, match="внутри вызвана ваша функция merge, а она ещё не написана") as error:
        exec(visible_cell("04_pretraining_tokens_encode"), student)
    assert "encode(...): функция ещё не написана" not in str(error.value)


def test_most_frequent_pair_first_is_not_told_reverse_order():
    found = messages(tokens.MISTAKES["04_pretraining_tokens_encode"]["most frequent pair in the text first"][0],
                     "04_pretraining_tokens_encode")
    assert len(found) == 2 and "не по частоте пары" in found[1]
    assert not any("обратном порядке" in message for message in found), found
    reverse = messages(tokens.MISTAKES["04_pretraining_tokens_encode"]["merges applied in reverse order"][0],
                       "04_pretraining_tokens_encode")
    assert "в обратном порядке" in reverse[1] and "по частоте" not in " ".join(reverse)
