"""course_utils.fallback.working: the student's function when it runs, otherwise the fallback and one line."""
import torch

from course_utils.fallback import working


def unfinished(x):
    raise NotImplementedError()


def broken(x):
    return x @ torch.ones(5, 5)


def test_a_working_function_is_kept_even_if_wrong(capsys):
    wrong = lambda x: x * 0  # noqa: E731
    assert working(wrong, torch.relu, torch.ones(3), name="relu", instead="torch.relu") is wrong
    assert capsys.readouterr().out == ""


def test_an_unfinished_function_is_replaced_with_one_line(capsys):
    assert working(unfinished, torch.relu, torch.ones(3), name="relu", instead="torch.relu") is torch.relu
    assert capsys.readouterr().out == "ℹ relu: упражнение ещё не решено — эта демонстрация использует torch.relu.\n"


def test_a_crashing_function_is_replaced_and_the_error_named(capsys):
    assert working(broken, torch.relu, torch.ones(3), name="relu", instead="torch.relu") is torch.relu
    assert "ошибка RuntimeError" in capsys.readouterr().out
