"""Graders of chapter 06, notebook 06_reasoning, called directly (no notebook is executed): each check accepts its
reference and other correct answers, rejects an unfinished answer and names every registered mistake; the visible
cells of the notebook catch the slips the text warns about with a message that names them. Also the toy task of
course_utils.reasoning: its texts, the verifier's score and the thinking budget of the generation."""
import random
import statistics
from collections import Counter

import numpy as np
import pytest
import torch

from course_utils import checks, reasoning
from graders.ch06_rl_reasoning import reasoning as grader
import cells
from cells import first_failure
from notebooks import SOLUTIONS, cells_by_grade_id, load, source

NOTEBOOK = SOLUTIONS / "06_rl_reasoning" / "06_reasoning.ipynb"
EXERCISES = list(grader.CHECKS)
MISTAKES = [(grade_id, name, code, fragment) for grade_id, registry in grader.MISTAKES.items()
            for name, (code, fragment) in registry.items()]
STUBS = {"06_rl_reasoning_reasoning_majority_vote": "def majority_vote(answers):\n    raise NotImplementedError()\n",
         "06_rl_reasoning_reasoning_best_of_n": "def best_of_n(samples, scores):\n    raise NotImplementedError()\n"}
FUNCTIONS = {"06_rl_reasoning_reasoning_majority_vote": "majority_vote",
             "06_rl_reasoning_reasoning_best_of_n": "best_of_n"}


def namespace() -> dict:
    """Names the notebook's setup cell gives the solution and test cells."""
    return {"torch": torch, "np": np, "Counter": Counter, "statistics": statistics, "checks": checks}


def defined(code: str):
    """The function a solution cell defines, run as in the notebook."""
    return cells.defined(code, namespace())


def test_every_exercise_has_a_stub_and_mistakes():
    assert set(STUBS) == set(EXERCISES) == set(grader.REFERENCES) == set(grader.MISTAKES)
    assert all(len(grader.MISTAKES[grade_id]) >= 2 for grade_id in EXERCISES)


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_passes_the_reference(grade_id, capsys):
    grader.CHECKS[grade_id](grader.REFERENCES[grade_id])
    captured = capsys.readouterr()
    assert "✓" in captured.out and not captured.err


@pytest.mark.parametrize("code", [
    "def majority_vote(answers):\n"
    "    counts = Counter(a for a in answers if a)\n"
    "    return counts.most_common(1)[0][0] if counts else None\n",
    "def majority_vote(answers):\n"
    "    parsed = [a for a in answers if a]\n"
    "    return statistics.mode(parsed) if parsed else None\n",
    "def majority_vote(answers):\n"
    "    parsed = [a for a in answers if a not in (None, '')]\n"
    "    if not parsed:\n"
    "        return None\n"
    "    return max(parsed, key=lambda a: (parsed.count(a), -parsed.index(a)))\n",
], ids=["Counter.most_common", "statistics.mode", "count and first index"])
def test_vote_check_accepts_other_correct_answers(code, capsys):
    grader.check_majority_vote(defined(code))
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("code", [
    "def best_of_n(samples, scores):\n    return samples[int(np.argmax(scores))]\n",
    "def best_of_n(samples, scores):\n    return samples[scores.index(max(scores))]\n",
    "def best_of_n(samples, scores):\n    return max(zip(samples, scores), key=lambda pair: pair[1])[0]\n",
    "def best_of_n(samples, scores):\n    return samples[torch.tensor(scores).argmax().item()]\n",
], ids=["np.argmax", "index of max", "max with key", "torch argmax"])
def test_best_check_accepts_other_correct_answers(code, capsys):
    grader.check_best_of_n(defined(code))
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_check_names_an_unfinished_answer(grade_id):
    assert "ещё не написана" in first_failure(grader.CHECKS[grade_id], defined(STUBS[grade_id]))


@pytest.mark.parametrize("grade_id, mistake, code, fragment", MISTAKES,
                         ids=[f"{m[0]}-{m[1].replace(' ', '_')}" for m in MISTAKES])
def test_tests_name_the_mistake(grade_id, mistake, code, fragment):
    hidden = first_failure(grader.CHECKS[grade_id], defined(code))
    assert fragment in hidden or fragment in visible_failure(grade_id, code)


def test_vote_check_rejects_a_random_tie_break():
    """max(set(answers), key=answers.count) breaks ties by the set's hash order: some tie case catches it."""
    code = ("def majority_vote(answers):\n"
            "    parsed = [a for a in answers if a]\n"
            "    return max(set(parsed), key=parsed.count) if parsed else None\n")
    assert grader.TIE_RULE in first_failure(grader.check_majority_vote, defined(code))


# --- the visible cells: the slips the text warns about are caught already there, and named ---

def visible_failure(grade_id: str, code: str) -> str:
    """The message the visible test cell of ``grade_id`` fails with after the answer ``code``."""
    return cells.visible_failure(NOTEBOOK, grade_id, code, namespace())


@pytest.mark.parametrize("grade_id", EXERCISES)
def test_visible_cell_passes_the_reference(grade_id, capsys):
    cell = cells_by_grade_id(load(NOTEBOOK))[f"{grade_id}_visible"]
    scope = namespace()
    scope[FUNCTIONS[grade_id]] = grader.REFERENCES[grade_id]
    exec(compile(source(cell), "<visible>", "exec"), scope)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("grade_id, mistake, fragment", [
    ("06_rl_reasoning_reasoning_majority_vote", "tie broken by value (sorted)", "встретился в списке раньше"),
    ("06_rl_reasoning_reasoning_majority_vote", "None counted as an answer", "не голосует"),
    ("06_rl_reasoning_reasoning_majority_vote", "crashes when nothing parsed", "верните None"),
    ("06_rl_reasoning_reasoning_best_of_n", "returns the score", "саму попытку"),
    ("06_rl_reasoning_reasoning_best_of_n", "argmin", "наибольш"),
    ("06_rl_reasoning_reasoning_best_of_n", "later sample wins a tie (>=)", "раньше"),
])
def test_visible_cell_names_the_slip(grade_id, mistake, fragment):
    code, _ = grader.MISTAKES[grade_id][mistake]
    assert fragment in visible_failure(grade_id, code)


# --- the toy task of the notebook (course_utils.reasoning) ---

def test_texts_of_the_task():
    assert reasoning.prompt(123, 989) == "123+989="
    assert reasoning.completion(123, 989, cot=False) == "1112."
    assert reasoning.completion(123, 989, cot=True) == "[3+9+0=12;2+8+1=11;1+9+1=11]1112."
    assert reasoning.scratchpad(7, 45) == "7+5+0=12;0+4+1=05"
    longest = reasoning.prompt(99999, 99999) + reasoning.completion(99999, 99999, cot=True)
    assert len(longest) == 65 <= reasoning.CONTEXT
    assert reasoning.decode(reasoning.encode(longest)) == longest


def test_every_scratchpad_is_right_and_passes_the_verifier():
    rng = random.Random(0)
    for _ in range(300):
        a, b = (reasoning.random_number(rng, rng.randint(1, 5)) for _ in range(2))
        text = reasoning.completion(a, b, cot=True)
        assert reasoning.final_answer(text) == str(a + b)
        assert reasoning.scratchpad_score(text) == 1.0


@pytest.mark.parametrize("text, score", [
    ("[3+9+0=12;2+8+1=11;1+9+1=11]1113.", 6 / 7),   # the answer is not assembled from the steps
    ("[3+9+0=12;2+8+0=10;1+9+0=10]1002.", 5 / 7),   # two carries dropped (each step's sum is still right)
    ("[3+9+0=11;2+8+1=11;1+9+1=11]1111.", 6 / 7),   # one sum wrong
    ("[4+9+0=13;2+8+1=11;1+9+1=11]1113.", 1.0),     # a digit copied wrong: the verifier does not see it
    ("[3+9+0=12;2+8+1=11;1+9+1=11]1112", 0.0),      # unfinished: no EOS
    ("1112.", 0.0),                                 # no scratchpad
    ("[3+9+0=12;2+8=10]1112.", 0.0),                # a malformed step
])
def test_verifier_scores(text, score):
    assert reasoning.scratchpad_score(text) == pytest.approx(score)


def test_final_answer():
    assert reasoning.final_answer("[1+2+0=03]3.") == "3"
    assert reasoning.final_answer("1112.") == "1112"
    assert reasoning.final_answer("[1+2+0=03]3") is None
    assert reasoning.final_answer("[1+2+0=03]+3.") is None
    assert reasoning.final_answer("[1+2+0=03].") is None


def test_thinking_budget_closes_the_scratchpad_in_time():
    model = reasoning.new_model(seed=0)
    texts = reasoning.complete(model, ["12+34=", "5+6="], n=3, temperature=1.0, think_budget=4, seed=1)
    assert len(texts) == 6
    for text in texts:
        if text.startswith("["):
            assert "]" in text[:6], text
            assert all(ch.isdigit() or ch == "." for ch in text[text.index("]") + 1:]), text
        assert len(text) <= reasoning.CONTEXT


def test_budget_does_not_change_a_scratchpad_that_fits():
    model = reasoning.load_addition_model("cot")
    prompts = [reasoning.prompt(a, b) for a, b in reasoning.mixed_problems(30, seed=1)]
    assert reasoning.complete(model, prompts, think_budget=44) == reasoning.complete(model, prompts)
    assert reasoning.complete(model, ["123+989="]) == ["[3+9+0=12;2+8+1=11;1+9+1=11]1112."]


def test_training_batch_labels_only_the_completion():
    input_ids, labels = reasoning.make_batch([(12, 34), (5, 6)], cot=True)
    assert reasoning.decode(input_ids[1][:5]) == "5+6=["
    assert (labels[1][:4] == -100).all() and reasoning.decode(labels[1][4:16]) == "[5+6+0=11]11"
    assert (labels[1][17:] == -100).all()
