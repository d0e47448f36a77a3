"""course_utils.checks: strict types, shapes, values, and the Russian messages a student reads."""
import numpy as np
import pytest
import torch

from course_utils import checks
from course_utils.checks import CheckError


class AlwaysEqual:
    """The classic cheat: an object that claims to equal anything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class SneakyTensor(torch.Tensor):
    pass


def message(call, *args, **kwargs) -> str:
    with pytest.raises(CheckError) as error:
        call(*args, **kwargs)
    return str(error.value)


def test_check_error_is_an_assertion_error():
    assert issubclass(CheckError, AssertionError)


@pytest.mark.parametrize("expected", [torch.zeros(2), np.zeros(2), 3, 2.5, [1, 2], "abc", (1, 2)])
def test_always_equal_object_never_passes(expected):
    with pytest.raises(CheckError):
        checks.check_equal(AlwaysEqual(), expected)
    if isinstance(expected, (torch.Tensor, np.ndarray, float)):
        with pytest.raises(CheckError):
            checks.check_close(AlwaysEqual(), expected)


def test_tensor_subclass_is_reported():
    text = message(checks.check_type, torch.zeros(2).as_subclass(SneakyTensor), torch.Tensor, "ответ")
    assert "подкласс torch.Tensor" in text and "ожидался тип torch.Tensor" in text


def test_parameter_is_not_a_plain_tensor():
    text = message(checks.check_close, torch.nn.Parameter(torch.zeros(2)), torch.zeros(2))
    assert "Parameter" in text and ".detach()" in text


def test_numpy_where_tensor_expected_gets_a_hint():
    text = message(checks.check_close, np.zeros(3), torch.zeros(3), name="attention(...)")
    assert text.startswith("attention(...): ожидался тип torch.Tensor, получено np.ndarray формы (3,).")
    assert "torch" in text.split(".", 2)[-1]


def test_tensor_where_numpy_expected_gets_a_hint():
    assert ".numpy()" in message(checks.check_type, torch.zeros(3), np.ndarray)


def test_none_is_explained_as_missing_return():
    assert message(checks.check_type, None, torch.Tensor, "attention(...)") == (
        "attention(...): ожидался тип torch.Tensor, получено None. "
        "Ответ не заполнен, или функция ничего не вернула (не забыли return?).")


def test_bool_is_not_a_number():
    with pytest.raises(CheckError):
        checks.check_type(True, int)
    with pytest.raises(CheckError):
        checks.check_close(True, 1.0)


def test_numbers_accept_python_and_numpy_scalars():
    checks.check_type(np.float32(1.5), float)
    checks.check_type(np.int64(3), int)
    checks.check_equal(np.int64(3), 3)
    checks.check_close(2, 2.0)


def test_scalar_tensor_where_number_expected_suggests_item():
    assert ".item()" in message(checks.check_close, torch.tensor(1.0), 1.0)


def test_shape_message_follows_the_guide():
    text = message(checks.check_shape, torch.zeros(2, 2, 3), (2, 3, 2), "результат",
                   hint="Проверьте порядок множителей в matmul.")
    assert text == "результат: ожидалась форма (2, 3, 2), получено (2, 2, 3). Проверьте порядок множителей в matmul."


def test_shape_automatic_hints():
    assert "переставлены" in message(checks.check_shape, torch.zeros(3, 2), (2, 3))
    assert "reshape" in message(checks.check_shape, torch.zeros(2, 6), (3, 4))
    assert "ось батча" in message(checks.check_shape, torch.zeros(3, 4), (2, 3, 4))


def test_dtype_is_compared():
    text = message(checks.check_close, torch.zeros(2, dtype=torch.float64), torch.zeros(2))
    assert "dtype torch.float32" in text and "torch.float64" in text
    checks.check_close(torch.zeros(2, dtype=torch.float64), torch.zeros(2), check_dtype=False)


def test_values_report_position_and_size_of_difference():
    got = torch.tensor([[0.0, 0.0], [0.0, 0.5]])
    text = message(checks.check_close, got, torch.zeros(2, 2), name="веса")
    assert "наибольшее отличие 0.5 в позиции (1, 1)" in text
    assert "ожидалось 0, получено 0.5" in text


def test_tolerances():
    checks.check_close(torch.tensor([1.0 + 1e-7]), torch.tensor([1.0]))
    with pytest.raises(CheckError):
        checks.check_close(torch.tensor([1.001]), torch.tensor([1.0]))
    checks.check_close(torch.tensor([1.001]), torch.tensor([1.0]), atol=1e-2)


def test_nan_is_named():
    assert "NaN" in message(checks.check_close, torch.tensor([float("nan")]), torch.tensor([1.0]))


def test_known_mistake_is_named():
    expected = torch.tensor([1.0, 2.0])
    text = message(checks.check_close, -expected, expected,
                   mistakes={"Знак перепутан.": -expected, "Забыт множитель.": expected / 2})
    assert text.endswith("Знак перепутан.")
    scalar = message(checks.check_close, 5.0, 10.0, mistakes={"Деление вместо корня.": 5.0})
    assert scalar == "результат: ожидалось 10, получено 5. Деление вместо корня."
    listed = message(checks.check_equal, [0, 1, 1, 1], [0, 1, 1, 0], mistakes={"Это OR.": [0, 1, 1, 1]})
    assert listed.endswith("Это OR.")


def test_check_equal_compares_lists_elementwise():
    checks.check_equal([1, "a", 2.0], [1, "a", 2.0])
    assert "ожидалось 3 элементов" in message(checks.check_equal, [1, 2], [1, 2, 3])
    assert "результат[1]" in message(checks.check_equal, [1, 5], [1, 2])


def test_check_unchanged_detects_in_place_edit():
    before = torch.ones(3)
    after = before.clone()
    checks.check_unchanged(before, after)
    after += 1
    assert "на месте" in message(checks.check_unchanged, before, after, "тензор w")


def test_passed_prints_a_check_mark(capsys):
    checks.passed("Отлично.")
    assert capsys.readouterr().out == "\x1b[1;32m✓ Отлично.\x1b[0m\n"  # green in Jupyter


def test_call_returns_the_result():
    assert checks.call(lambda a, b: a + b, 2, 3) == 5


def test_call_explains_a_stub():
    def rnn_step(x):
        raise NotImplementedError()

    assert message(checks.call, rnn_step, 1) == \
        "rnn_step(...): функция ещё не написана. Замените raise NotImplementedError() своим кодом."


def test_call_turns_a_torch_error_into_a_sentence():
    def bad_matmul(a, b):
        return b @ a

    text = message(checks.call, bad_matmul, torch.zeros(2, 3), torch.zeros(4, 4), hint="Проверьте порядок множителей.")
    assert text.startswith("bad_matmul(...) упала с ошибкой RuntimeError: mat1 and mat2 shapes cannot be multiplied")
    assert text.endswith("Проверьте порядок множителей.")
    with pytest.raises(CheckError) as error:
        checks.call(bad_matmul, torch.zeros(2, 3), torch.zeros(4, 4))
    assert isinstance(error.value.__cause__, RuntimeError)  # the student still sees where it failed


NOTEBOOK_CODE = """
def split_heads(x, n):
    raise NotImplementedError()

def merge_heads(x):
    return x

def forward(x):
    return merge_heads(split_heads(x, 2))

class Layer:
    def __call__(self, x):
        return split_heads(x, 2) + 1
"""


def notebook_namespace() -> dict:
    """Functions defined as in a notebook cell: their globals are the notebook's namespace."""
    namespace: dict = {"__name__": "__main__"}
    exec(compile(NOTEBOOK_CODE, "<cell>", "exec"), namespace)
    return namespace


def without_graders(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def blocked(name, *args, **kwargs):
        if name == "graders":
            raise ImportError("no graders here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", blocked)


def test_call_names_the_unfinished_helper_of_a_student(monkeypatch):
    without_graders(monkeypatch)
    namespace = notebook_namespace()
    text = message(checks.call, namespace["forward"], 1, helpers=("split_heads",))
    assert text.startswith("forward(...): внутри вызвана ваша функция split_heads, а она ещё не написана.")
    text = message(checks.call, namespace["Layer"](), 1)
    assert "ваша функция split_heads" in text


def test_call_substitutes_reference_helpers_when_grading(monkeypatch):
    import graders

    monkeypatch.setattr(graders, "helper", lambda name: {"split_heads": lambda x, n: x * 10}[name])
    namespace = notebook_namespace()
    assert checks.call(namespace["forward"], 3, helpers=("split_heads",)) == 30
    assert checks.call(namespace["Layer"](), 3, helpers=("split_heads",)) == 31
    # The student's own function is back in place after the call, even when it fails.
    assert namespace["split_heads"].__code__.co_filename == "<cell>"
    monkeypatch.setattr(graders, "helper", lambda name: lambda x, n: 1 / 0)
    message(checks.call, namespace["forward"], 3, helpers=("split_heads",))
    assert namespace["split_heads"].__code__.co_filename == "<cell>"


def test_call_leaves_helpers_alone_without_graders(monkeypatch):
    without_graders(monkeypatch)
    namespace = notebook_namespace()
    namespace["split_heads"] = lambda x, n: x + 100
    assert checks.call(namespace["forward"], 1, helpers=("split_heads",)) == 101


def test_a_stub_inside_a_library_call_is_not_blamed_on_a_helper():
    def student(x):
        return torch.zeros(2).to_sparse().numpy() if x else x  # raises inside torch, not NotImplementedError

    assert "упала с ошибкой" in message(checks.call, student, 1)


class LyingInt(int):
    """An int that claims to equal anything: it must not pass as a number."""

    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def test_an_int_subclass_with_a_lying_eq_is_not_a_number():
    assert "ожидался тип int" in message(checks.check_equal, LyingInt(0), 28_032, "число параметров")
    assert "ожидался тип float" in message(checks.check_close, LyingInt(0), 2.5)
    assert message(checks.check_equal, {(1, 2): LyingInt(0)}, {(1, 2): 3}, "пары")
    assert message(checks.check_equal, [LyingInt(0)], [3], "список")
    checks.check_equal({(1, 2): np.int64(3)}, {(1, 2): 3}, "пары")  # numpy integers are fine


def test_dict_comparison_is_strict_about_keys_and_values():
    checks.check_equal({"a": 1, "b": [2, 3]}, {"b": [2, 3], "a": 1})
    assert message(checks.check_equal, {"a": 1}, {"a": 1, "b": 2})
    assert message(checks.check_equal, {"a": 1.5}, {"a": 1})


def test_call_gives_the_student_copies_and_names_an_in_place_change():
    x = torch.ones(3)
    original = x.clone()

    def zero_the_input(t):
        t.zero_()
        return t

    text = message(checks.call, zero_the_input, x)
    assert "изменила входной тензор t на месте" in text
    assert torch.equal(x, original)  # the check's own data is intact, so expected values stay right
    ids = [1, 2, 3]
    assert "на месте" in message(checks.call, lambda values: values.append(4), ids)
    assert ids == [1, 2, 3]
    assert checks.call(lambda t: t * 2, x).tolist() == [2.0, 2.0, 2.0]  # a pure function passes
    nan_input = np.array([np.nan, 1.0])
    checks.call(lambda a: a.sum(), nan_input)  # NaN equals NaN when looking for changes


def test_call_passes_tensors_that_require_grad_as_they_are():
    w = torch.ones(2, requires_grad=True)
    checks.call(lambda t: (t * 3).sum().backward(), w)
    assert w.grad.tolist() == [3.0, 3.0]


def test_call_names_an_in_place_change_of_a_tensor_with_a_gradient():
    values = torch.tensor([1.0, 2.0], requires_grad=True) * 1  # a critic's output: not a leaf, has a gradient

    def through_detach(rewards, values):
        result = values.detach()  # shares the memory of values
        return result.neg_().add_(rewards)

    text = message(checks.call, through_detach, torch.tensor([3.0, 1.0]), values)
    assert "изменила входной тензор values на месте" in text


def test_a_value_two_mistakes_give_names_both():
    expected = torch.tensor([1.0, 2.0])
    text = message(checks.check_close, expected * 0, expected,
                   mistakes={"Забыт множитель.": expected * 0, "Логиты вместо вероятностей.": expected * 0})
    assert "Забыт множитель." in text and "Логиты вместо вероятностей." in text
    assert "разные ошибки" in message(checks.check_close, 0.0, 1.0, mistakes={"A.": 0.0, "B.": 0.0})
    assert "разные ошибки" in message(checks.check_equal, "x", "y", mistakes={"A.": "x", "B.": "x"})
    assert message(checks.check_equal, "x", "y", mistakes={"A.": "x", "B.": "z"}).endswith("A.")


def test_a_dtype_clash_inside_the_function_is_named():
    def mixed(x):
        return torch.ones(2, dtype=torch.float32) @ x

    text = message(checks.call, mixed, torch.ones(2, dtype=torch.float64))
    assert "float32 и float64" in text and "формы" not in text


def test_a_builtin_named_in_the_code_is_refused_but_not_the_own_name(tmp_path):
    import importlib.util
    path = tmp_path / "answer.py"
    path.write_text("import torch.nn.functional as F\n\n"
                    "def layer_norm(x):\n    \"\"\"Как F.layer_norm, но своя формула.\"\"\"\n"
                    "    return x - x.mean()\n\n"
                    "def cheat(x):\n    return F.layer_norm(x, x.shape[-1:])\n")
    spec = importlib.util.spec_from_file_location("answer", path)
    answer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(answer)
    checks.check_not_using(answer.layer_norm, ("layer_norm",), hint="сами")  # own name and docstring don't count
    assert "готовое layer_norm" in message(checks.check_not_using, answer.cheat, ("layer_norm",), hint="сами")


def test_a_missing_answer_and_a_numpy_bool_are_named():
    text = message(checks.check_type, None, float, "доля", hint="n / b даёт float.")
    assert "return" in text and "n / b даёт float." in text
    assert "numpy.bool_" in message(checks.check_type, np.bool_(True), bool, "хороший ли документ")


def test_the_hint_matches_the_kind_of_error():
    assert "импортируйте" in message(checks.call, lambda x: undefined_name(x), 1)  # noqa: F821
    assert "атрибута" in message(checks.call, lambda x: x.no_such_method(), torch.ones(2))
    assert ".reshape" in message(checks.call, lambda x: x[:, :-1].view(-1), torch.ones(2, 3))
    assert "формы" in message(checks.call, lambda x: x @ x, torch.ones(2, 3))


def test_a_library_not_implemented_error_is_not_called_an_unfinished_stub():
    class Misspelled(torch.nn.Module):
        def froward(self, x):
            return x

    text = message(checks.call, Misspelled(), torch.ones(1))
    assert "ещё не написана" not in text and "forward" in text


def test_call_passes_lists_of_modules_as_they_are():
    experts = [torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)]
    assert checks.call(lambda x, modules: len(modules), torch.ones(2), experts) == 2
    assert checks.call(lambda modules: modules, experts) is experts
