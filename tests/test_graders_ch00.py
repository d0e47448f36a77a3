"""Graders of chapter 00, called directly (no notebooks): references pass, stubs and typical mistakes fail."""
import numpy as np
import pytest
import torch

from course_utils.checks import CheckError
from graders import notebook_modules
from graders.ch00_history import E2E_MISTAKES, MISTAKES, WARNING_ANSWERS
from graders.ch00_history import perceptron, rnn_memory, timeline_quiz
import graders.ch00_history as chapter

MODULES = notebook_modules(chapter)
EXERCISES = [(module, grade_id) for module in MODULES for grade_id in module.CHECKS]
CASES = [(module, grade_id, name, code, fragment) for module, grade_id in EXERCISES
         for name, (code, fragment) in module.MISTAKES[grade_id].items()]
# What a solution cell of the quiz defines, in the order the hidden cell passes it to the grader.
QUIZ_VARIABLES = {
    "00_history_quiz_dates": ("perceptron_year", "transformer_year", "gpt3_billions", "chronology"),
    "00_history_quiz_ideas": ("why_xor", "lstm_idea", "transformer_idea", "o1_idea"),
}


def student_answer(grade_id: str, code: str):
    """Runs the code of a solution cell in a namespace like the notebook's (setup imports, reference helpers)
    and returns what the hidden cell passes to the grader."""
    namespace = {"np": np, "torch": torch, **{name: f for m in MODULES for name, f in m.HELPERS.items()}}
    exec(code, namespace)
    if grade_id in QUIZ_VARIABLES:
        return tuple(namespace[name] for name in QUIZ_VARIABLES[grade_id])
    check = next(m.CHECKS[grade_id] for m in MODULES if grade_id in m.CHECKS)
    return namespace[check.__name__.removeprefix("check_")]  # check_rnn_step checks rnn_step


def test_registries_cover_the_same_exercises():
    for module in MODULES:
        assert set(module.REFERENCES) == set(module.CHECKS) == set(module.MISTAKES)
        assert all(len(mistakes) >= 2 for mistakes in module.MISTAKES.values())
    assert {module.__name__.rsplit(".", 1)[1] for module in MODULES} == {"perceptron", "rnn_memory", "timeline_quiz"}
    assert set(E2E_MISTAKES) <= set(MISTAKES) and set(WARNING_ANSWERS) <= set(MISTAKES)


@pytest.mark.parametrize("module, grade_id", EXERCISES, ids=[g for _, g in EXERCISES])
def test_unfinished_answer_fails(module, grade_id):
    reference = module.REFERENCES[grade_id]
    if callable(reference):
        def stub(*args):
            raise NotImplementedError()

        with pytest.raises(CheckError, match="ещё не написана"):
            module.CHECKS[grade_id](stub)
    else:
        for unfilled in (None, (None,) * len(reference)):
            with pytest.raises(CheckError, match="не заполнен|не переданы"):
                module.CHECKS[grade_id](unfilled)


@pytest.mark.parametrize("module, grade_id, name, code, fragment", CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_typical_mistake_fails_the_hidden_check_and_is_named(module, grade_id, name, code, fragment):
    with pytest.raises(CheckError) as error:
        module.CHECKS[grade_id](student_answer(grade_id, code))
    assert fragment in str(error.value)


def test_the_solution_cell_of_the_warning_student_passes():
    answer = student_answer("00_history_perceptron_predict", WARNING_ANSWERS["00_history_perceptron_predict"])
    with pytest.warns(UserWarning):
        perceptron.check_perceptron_predict(answer)


def test_an_exercise_is_graded_with_the_reference_helper():
    """perceptron_update calls the student's perceptron_predict: at grading the reference replaces it."""
    def perceptron_predict(X, w, b):
        raise NotImplementedError()

    namespace = {"np": np, "perceptron_predict": perceptron_predict}
    exec("def perceptron_update(w, b, x, y, lr):\n"
         "    e = y - perceptron_predict(x[None], w, b)[0]\n"
         "    return w + lr * e * x, b + lr * e", namespace)
    perceptron.check_perceptron_update(namespace["perceptron_update"])
    assert namespace["perceptron_predict"] is perceptron_predict


class AlwaysEqual(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


def test_quiz_answers_are_not_in_the_notebook_and_tricks_do_not_pass():
    from notebooks import SOLUTIONS, load

    released = "".join("".join(c["source"]) for c in load(SOLUTIONS / "00_history" / "03_timeline_quiz.ipynb")["cells"]
                       if not c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    assert "1957, 2017, 175" not in released and "check_answer" not in released
    right = timeline_quiz.REFERENCES["00_history_quiz_dates"]
    with pytest.raises(CheckError, match="ожидался тип int"):
        timeline_quiz.check_quiz_dates((AlwaysEqual(1), *right[1:]))
    with pytest.raises(CheckError, match="неверный ответ: why_xor = 'a'; lstm_idea = 'c'"):
        timeline_quiz.check_quiz_ideas(("a", "c", "a", "c"))


def test_rnn_forward_shape_hints_name_what_was_stacked_wrong():
    hint = rnn_memory._forward_shape_hint
    assert "а не только последнее" in hint((4, 3), 4, 7, 3)
    assert "dim=1" in hint((7, 4, 3), 4, 7, 3)
    assert "h_0 в ответ не входит" in hint((4, 8, 3), 4, 7, 3)
