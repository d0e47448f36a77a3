"""course_utils.timing: the best-of timer used by the «why GPUs» plots."""
import time

import pytest
import torch

from course_utils.timing import best_time, single_thread


class Counter:
    """A function that counts its calls and optionally sleeps."""

    def __init__(self, sleep: float = 0.0):
        self.calls = 0
        self.sleep = sleep

    def __call__(self, *args):
        self.calls += 1
        self.args = args
        if self.sleep:
            time.sleep(self.sleep)


def test_returns_seconds_per_call_of_a_sleeping_function():
    seconds = best_time(Counter(sleep=0.02), repeat=2, min_seconds=0.01)
    assert isinstance(seconds, float)
    assert 0.018 <= seconds < 0.2


def test_arguments_are_passed_through():
    fn = Counter()
    best_time(fn, 1, "два", repeat=1)
    assert fn.args == (1, "два")


def test_fast_calls_are_batched_until_the_batch_is_long_enough():
    fn = Counter()
    seconds = best_time(fn, repeat=3, min_seconds=0.005)
    assert fn.calls > 100
    assert 0 < seconds < 1e-3


def test_a_slow_first_call_is_measured_only_once():
    fn = Counter(sleep=0.06)
    seconds = best_time(fn, repeat=5, slow_seconds=0.05)
    assert fn.calls == 1
    assert seconds >= 0.06


def test_takes_the_fastest_of_the_repeats():
    delays = iter([0.0, 0.05, 0.01, 0.03])  # warm-up, then three timed single calls

    def uneven():
        time.sleep(next(delays))

    assert 0.009 <= best_time(uneven, repeat=3, min_seconds=0.001) < 0.03


def test_sync_is_called_after_every_measurement():
    syncs = []
    best_time(Counter(sleep=0.002), repeat=3, min_seconds=0.001, sync=lambda: syncs.append(1))
    assert len(syncs) == 4  # warm-up + three timed batches of one call


def test_repeat_must_be_positive():
    with pytest.raises(ValueError, match="repeat"):
        best_time(Counter(), repeat=0)


def test_single_thread_restores_the_thread_count_even_after_an_error():
    before = torch.get_num_threads()
    with single_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError):
        with single_thread():
            raise RuntimeError("boom")
    assert torch.get_num_threads() == before
