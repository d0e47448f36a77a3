"""setup() picks the number of torch CPU threads deliberately: one by default, or what the user asks for."""
import pytest
import torch

from course_utils.env import choose_threads, setup


@pytest.fixture(autouse=True)
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_one_thread_by_default(monkeypatch):
    monkeypatch.delenv("COURSE_THREADS", raising=False)
    torch.set_num_threads(2)
    env = setup(verbose=False)
    assert env.threads == 1 and torch.get_num_threads() == 1
    assert "потоков CPU 1" in str(env)


def test_variable_and_argument_override(monkeypatch):
    monkeypatch.setenv("COURSE_THREADS", "2")
    assert choose_threads() == 2 and torch.get_num_threads() == 2
    assert choose_threads(1) == 1 and torch.get_num_threads() == 1


@pytest.mark.parametrize("bad", ["0", "two", "-1", ""])
def test_bad_variable_is_explained_in_russian(monkeypatch, bad):
    monkeypatch.setenv("COURSE_THREADS", bad)
    with pytest.raises(ValueError, match="COURSE_THREADS должна быть целым числом"):
        choose_threads()


@pytest.mark.parametrize("bad", [0, 1.5, True, "2"])
def test_bad_argument_is_explained_in_russian(bad):
    with pytest.raises(ValueError, match="threads должно быть целым числом"):
        choose_threads(bad)
