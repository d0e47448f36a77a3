"""Проверки упражнений: сначала тип, потом форма и dtype, потом значения.

Каждая неудача — ``CheckError`` с одним предложением учителя по-русски:
что ожидалось, что получено, и подсказка. Тесты в ноутбуках вызывают эти функции,
поэтому объект с «хитрым» ``__eq__``, который всегда отвечает True, проверку не пройдёт:
тип сравнивается строго, а значения — численно.
"""
from __future__ import annotations

import ast
import copy
import inspect
import math
import sys
import textwrap
import traceback
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch


# Код библиотек и самого course_utils: кадры оттуда — не функции студента.
_LIBRARY_DIRS = (sys.prefix, sys.base_prefix, str(Path(__file__).resolve().parent))


class CheckError(AssertionError):
    """Ответ не прошёл проверку; текст ошибки — подсказка для студента."""


def fail(message: str, hint: str = "") -> None:
    """Сообщает о неудаче: ``message`` — что не так, ``hint`` — что попробовать."""
    raise CheckError(f"{message} {hint}".strip())


def passed(message: str = "Всё верно!") -> None:
    """Печатает сообщение об успешной проверке — зелёной строкой (цвет задают коды ANSI, их понимает Jupyter)."""
    print(f"\x1b[1;32m✓ {message}\x1b[0m")


def call(function, *args, name: str | None = None, hint: str = "", helpers: tuple[str, ...] = ()):
    """Вызывает функцию (класс, модуль) студента; её исключение превращает в понятное сообщение.

    Функция получает копии тензоров, массивов и списков: если она изменит вход на месте, проверка скажет об
    этом, а данные проверки останутся целыми.

    ``helpers`` — имена других функций студента, которые ``function`` вызывает внутри (упражнения выше).
    При автопроверке (когда установлен пакет ``graders``) на время вызова их заменяют эталонными: так каждое
    упражнение оценивается само по себе, и ошибка в одном не снимает баллы за другое.
    """
    name = name or f"{_name_of(function)}(...)"
    copies = [_private_copy(arg) for arg in args]
    snapshots = [arg.detach().clone() if _is_graph_tensor(arg) else None for arg in args]
    try:
        with _substituted(_namespace_of(function), _references(helpers)):
            result = function(*copies)
    except NotImplementedError as error:
        if str(error):  # не заготовка `raise NotImplementedError()`, а ошибка библиотеки (например, нет forward)
            raise CheckError(f"{name} упала с ошибкой NotImplementedError: {str(error).splitlines()[0]}. "
                             "Проверьте имена методов: у модуля PyTorch должен быть метод forward.") from error
        unfinished = _unfinished_helper(function, error)
        if unfinished:
            raise CheckError(f"{name}: внутри вызвана ваша функция {unfinished}, а она ещё не написана. "
                             f"Допишите сначала {unfinished} (её упражнение выше).") from error
        raise CheckError(f"{name}: функция ещё не написана. "
                         "Замените raise NotImplementedError() своим кодом.") from error
    except Exception as error:  # noqa: BLE001 — любую ошибку студента объясняем одинаково
        first_line = str(error).strip().splitlines()[0].rstrip(".") if str(error).strip() else ""
        hint = hint or _hint_for(error)
        raise CheckError(f"{name} упала с ошибкой {type(error).__name__}: {first_line}. {hint}") from error
    for argument, original, given, snapshot in zip(_parameter_names(function, len(args)), args, copies, snapshots):
        changed = (not _same_data(original.detach(), snapshot) if snapshot is not None
                   else given is not original and not _same_data(original, given))
        if changed:
            kind = {torch.Tensor: "тензор", np.ndarray: "массив", list: "список", dict: "словарь"}.get(
                type(original), "аргумент")
            fail(f"{name}: функция изменила входной {kind} {argument} на месте.",
                 "Создайте новый объект (x = x + ..., x.clone(), list(x)) вместо изменения на месте "
                 "(x += ..., x[...] = ..., append). Если вы сдвигаете вход и потом возвращаете, верните "
                 "сохранённое значение: x + h − h не всегда в точности x.")
    return result


def _hint_for(error: Exception) -> str:
    """Подсказка к ошибке внутри функции студента — по её виду: имя, атрибут, тип тензора, view, формы."""
    text = str(error)
    if isinstance(error, NameError):
        return ("Это имя не определено там, где написана функция: импортируйте или определите его (например, "
                "import torch.nn.functional as F) и выполните ячейку заново.")
    if isinstance(error, AttributeError):
        return "У объекта нет такого атрибута или метода: проверьте имя и тип объекта (print(type(x)))."
    if "dtype" in text or ("Double" in text and "Float" in text):
        return ("Похоже, в одной операции встретились тензоры разных типов (float32 и float64). Новые тензоры "
                "создавайте с типом входа: torch.zeros(..., dtype=x.dtype) или y.to(x.dtype).")
    if "view size is not compatible" in text:
        return ("Срез вроде logits[:, :-1] лежит в памяти не подряд, и .view его не перестроит: используйте "
                ".reshape(...) (или .contiguous().view(...)).")
    return "Сверьте формы тензоров в строке вашего кода, где это случилось."


def _is_graph_tensor(value) -> bool:
    """Тензор с градиентом: его передают функции как есть (проверка потом берёт по нему градиент)."""
    return isinstance(value, torch.Tensor) and value.requires_grad


def _parameter_names(function, count: int) -> list[str]:
    """Имена первых ``count`` параметров функции (метода forward модуля, __init__ класса) — для сообщений."""
    try:
        target = function
        if not (inspect.isfunction(function) or inspect.ismethod(function)):
            cls = function if isinstance(function, type) else type(function)
            target = cls.__init__ if isinstance(function, type) else getattr(cls, "forward", cls.__call__)
        names = [n for n in inspect.signature(target).parameters if n != "self"]
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"№{i + 1}" for i in range(count)]


def _is_plain_data(value) -> bool:
    """Числа, строки, тензоры без градиента, массивы и списки/кортежи/словари из них."""
    if isinstance(value, torch.Tensor):
        return not value.requires_grad
    if isinstance(value, (list, tuple)):
        return all(_is_plain_data(item) for item in value)
    if isinstance(value, dict):
        return all(_is_plain_data(k) and _is_plain_data(v) for k, v in value.items())
    return value is None or isinstance(value, (np.ndarray, str, bytes, bool, int, float, np.generic))


def _private_copy(value):
    """Копия входа-данных для функции студента; модули, функции и тензоры с градиентом передаются как есть."""
    if isinstance(value, (torch.Tensor, np.ndarray, list, dict)) and _is_plain_data(value):
        return copy.deepcopy(value)
    return value


def _same_data(a, b) -> bool:
    """Совпадают ли данные входа и его копии (NaN равен NaN)."""
    if isinstance(a, torch.Tensor):
        return (isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype
                and bool(((a == b) | ((a != a) & (b != b))).all()))
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same_data(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same_data(a[k], b[k]) for k in a)
    return a is b or bool(a == b)


def _name_of(function) -> str:
    return getattr(function, "__name__", None) or type(function).__name__


def _own_functions(function) -> list:
    """Функции, из которых состоит сам вызываемый объект: функция, или методы класса / модуля."""
    if inspect.isfunction(function) or inspect.ismethod(function):
        return [inspect.unwrap(function)]
    cls = function if isinstance(function, type) else type(function)
    return [f for klass in cls.__mro__ if klass.__module__.split(".")[0] not in ("builtins", "torch")
            for f in vars(klass).values() if inspect.isfunction(f)]


def _namespace_of(function) -> dict | None:
    """Глобальные имена ноутбука, в котором написан объект студента (или None, если их не найти)."""
    own = _own_functions(function)
    return own[0].__globals__ if own else None


def _references(helpers) -> dict:
    """Эталонные версии функций ``helpers`` — только при автопроверке, когда пакет graders установлен."""
    if not helpers:
        return {}
    try:
        from graders import helper
    except ImportError:
        return {}
    return {name: helper(name) for name in helpers}


@contextmanager
def _substituted(namespace, replacements: dict):
    """На время блока подменяет имена в ``namespace``, потом возвращает всё как было."""
    if namespace is None or not replacements:
        yield
        return
    saved = {name: namespace[name] for name in replacements if name in namespace}
    for name, replacement in replacements.items():
        namespace[name] = replacement
    try:
        yield
    finally:
        for name in replacements:
            namespace.pop(name, None)
        namespace.update(saved)


def _unfinished_helper(function, error: NotImplementedError) -> str | None:
    """Имя другой функции студента, в которой на самом деле стоит raise NotImplementedError()."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(_LIBRARY_DIRS)]
    own_names = {f.__code__.co_name for f in _own_functions(function)}
    raiser = frames[-1].name if frames else None
    if raiser and raiser not in own_names and raiser != "<module>":
        return raiser
    return None


def describe(value) -> str:
    """Короткое описание значения для сообщений: тип и форма."""
    if value is None:
        return "None"
    if isinstance(value, torch.Tensor):
        kind = "torch.Tensor" if type(value) is torch.Tensor else f"{type(value).__name__} (подкласс torch.Tensor)"
        return f"{kind} формы {tuple(value.shape)}"
    if isinstance(value, np.ndarray):
        kind = "np.ndarray" if type(value) is np.ndarray else f"{type(value).__name__} (подкласс np.ndarray)"
        return f"{kind} формы {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} из {len(value)} элементов"
    return f"{type(value).__name__}: {value!r}"[:120]


def _is_integer(value) -> bool:
    """Целое число python или numpy — ровно этих типов: подкласс int со своим ``__eq__`` не пройдёт."""
    return type(value) is int or (isinstance(value, np.integer) and type(value).__module__ == "numpy")


def _is_number(value) -> bool:
    """Вещественное число python или numpy (целые тоже), но не bool и не подкласс числа."""
    return _is_integer(value) or type(value) is float or (isinstance(value, np.floating)
                                                          and type(value).__module__ == "numpy")


def check_type(value, expected_type: type, name: str = "результат", hint: str = "") -> None:
    """Строгая проверка типа: подклассы и «похожие» объекты не проходят.

    ``float`` принимает любое вещественное число python/numpy (но не bool и не тензор),
    ``int`` — любое целое python/numpy. Остальные типы сравниваются точно.
    """
    if expected_type is float and _is_number(value):
        return
    if expected_type is int and _is_integer(value):
        return
    if type(value) is expected_type:
        return
    wanted = {torch.Tensor: "torch.Tensor", np.ndarray: "np.ndarray"}.get(expected_type, expected_type.__name__)
    if value is None:  # подсказка вызывающего — о типе ответа, но сначала нужен сам ответ
        hint = " ".join(filter(None, ["Ответ не заполнен, или функция ничего не вернула (не забыли return?).", hint]))
    elif expected_type is bool and isinstance(value, np.bool_):
        fail(f"{name}: ожидался bool из Python, получено numpy.bool_ ({value!r}).",
             "Сравнения массивов numpy дают np.bool_: оберните ответ в bool(...).")
    elif expected_type is torch.Tensor:
        if isinstance(value, np.ndarray):
            hint = hint or "Считайте операциями torch или оберните результат в torch.as_tensor(...)."
        elif isinstance(value, torch.Tensor):
            hint = hint or "Верните обычный тензор, например результат .detach() или torch.as_tensor(...)."
    elif expected_type is np.ndarray:
        if isinstance(value, torch.Tensor):
            hint = hint or "Здесь нужен numpy: используйте np.* или переведите тензор через .numpy()."
    elif expected_type in (float, int) and isinstance(value, (torch.Tensor, np.ndarray)):
        hint = hint or "Верните одно число: для тензора из одного элемента подойдёт .item()."
    fail(f"{name}: ожидался тип {wanted}, получено {describe(value)}.", hint)


def check_shape(value, expected_shape, name: str = "результат", hint: str = "") -> None:
    """Сравнивает форму тензора или массива с ожидаемой."""
    got = tuple(value.shape)
    expected = tuple(expected_shape)
    if got == expected:
        return
    if not hint:
        if got == expected[::-1] and len(got) > 1:
            hint = "Похоже, оси переставлены местами: проверьте порядок множителей или транспонирование."
        elif math.prod(got) == math.prod(expected):
            hint = "Число элементов совпадает — проверьте, вдоль какой оси идёт reshape, stack или cat."
        elif len(got) != len(expected):
            hint = "Не совпадает число осей — возможно, потеряна или лишняя ось (например, ось батча)."
    fail(f"{name}: ожидалась форма {expected}, получено {got}.", hint)


def check_dtype(value, expected_dtype, name: str = "результат", hint: str = "") -> None:
    """Сравнивает тип элементов (dtype) тензора или массива."""
    if value.dtype != expected_dtype:
        fail(f"{name}: ожидался dtype {expected_dtype}, получено {value.dtype}.", hint)


def check_close(value, expected, *, name: str = "результат", atol: float = 1e-6, rtol: float = 1e-5,
                hint: str = "", mistakes: dict | None = None, check_dtype: bool = True) -> None:
    """Тип → форма → dtype → значения с допуском.

    ``mistakes`` — словарь «подсказка → ответ, который даёт типичная ошибка»:
    если ответ студента совпал с одним из них, сообщение назовёт именно эту ошибку (совпал с несколькими — все).
    """
    if isinstance(expected, (torch.Tensor, np.ndarray)):
        _check_array_close(value, expected, name, atol, rtol, hint, mistakes or {}, check_dtype)
        return
    check_type(value, float, name)
    if math.isclose(float(value), float(expected), rel_tol=rtol, abs_tol=atol):
        return
    matched = [text for text, wrong in (mistakes or {}).items()
               if math.isclose(float(value), float(wrong), rel_tol=rtol, abs_tol=atol)]
    fail(f"{name}: ожидалось {float(expected):.6g}, получено {float(value):.6g}.", mistake_hint(matched) or hint)


def mistake_hint(matched: list[str]) -> str:
    """Подсказка по совпавшим типичным ошибкам (их подсказкам); если такой ответ дают несколько разных ошибок,
    названы все; ни одной — пустая строка."""
    matched = list(dict.fromkeys(matched))
    if len(matched) <= 1:
        return "".join(matched)
    return "Такой ответ дают разные ошибки — проверьте каждую. " + " ".join(
        f"({number}) {text}" for number, text in enumerate(matched, 1))


def _as_numpy(array) -> np.ndarray:
    if isinstance(array, torch.Tensor):
        return array.detach().cpu().numpy()
    array = np.asarray(array)
    if array.dtype == object:
        fail(f"Ожидался числовой массив, получен массив с dtype=object ({describe(array)}).",
             "Верните массив чисел, например через np.array(..., dtype=np.int64) или .astype(float).")
    return array


def _check_array_close(value, expected, name, atol, rtol, hint, mistakes, compare_dtype) -> None:
    check_type(value, type(expected), name)
    check_shape(value, expected.shape, name, hint)
    if compare_dtype:
        check_dtype(value, expected.dtype, name)
    got, want = _as_numpy(value).astype(np.float64), _as_numpy(expected).astype(np.float64)
    if np.isnan(got).any() and not np.isnan(want).any():
        fail(f"{name}: в ответе есть NaN.", hint or "Ищите деление на ноль, log(0) или переполнение exp.")
    if np.allclose(got, want, atol=atol, rtol=rtol):
        return
    wrong_values = {text: _as_numpy(wrong).astype(np.float64) for text, wrong in mistakes.items()}
    matched = [text for text, wrong in wrong_values.items()
               if wrong.shape == got.shape and np.allclose(got, wrong, atol=atol, rtol=rtol)]
    if matched:
        fail(f"{name}: значения не совпадают с ожидаемыми.", mistake_hint(matched))
    diff = np.abs(got - want)
    where = np.unravel_index(np.argmax(diff), diff.shape) if diff.ndim else ()
    position = f" в позиции {tuple(int(i) for i in where)}" if where else ""
    fail(f"{name}: значения не совпадают: наибольшее отличие {diff.max():.3g}{position} "
         f"(ожидалось {want[where]:.6g}, получено {got[where]:.6g}).", hint)


def _scalar_type(expected) -> type:
    """int и float из numpy считаем обычными int и float; остальные типы — как есть."""
    if _is_integer(expected):
        return int
    return float if _is_number(expected) else type(expected)


def _same(value, expected) -> bool:
    """Строгое равенство: тот же тип (числа python/numpy считаются одним типом) и те же элементы.

    Числа сравниваются после приведения к int/float, элементы списков и значения словарей — так же строго,
    поэтому объект с «хитрым» ``__eq__`` не совпадёт ни с чем.
    """
    if isinstance(expected, (list, tuple)):
        return (type(value) is type(expected) and len(value) == len(expected)
                and all(_same(v, e) for v, e in zip(value, expected)))
    if isinstance(expected, dict):
        return (type(value) is dict and len(value) == len(expected)
                and all(_same(key, key) and key in expected for key in value)
                and all(key in value and _same(value[key], item) for key, item in expected.items()))
    scalar_type = _scalar_type(expected)
    if scalar_type in (int, float):
        try:
            check_type(value, scalar_type)
        except CheckError:
            return False
        return scalar_type(value) == scalar_type(expected)
    return type(value) is type(expected) and bool(expected == value)


def check_equal(value, expected, name: str = "результат", hint: str = "", mistakes: dict | None = None) -> None:
    """Точное совпадение для чисел, строк, списков, кортежей и словарей (тип сравнивается строго)."""
    check_type(value, _scalar_type(expected), name)
    if _same(value, expected):
        return
    hint = mistake_hint([text for text, wrong in (mistakes or {}).items() if _same(value, wrong)]) or hint
    if isinstance(expected, (list, tuple)):
        if len(value) != len(expected):
            fail(f"{name}: ожидалось {len(expected)} элементов, получено {len(value)}.", hint)
        for i, (v, e) in enumerate(zip(value, expected)):
            check_equal(v, e, f"{name}[{i}]", hint)
    fail(f"{name}: ожидалось {expected!r}, получено {value!r}.", hint)


def check_not_using(function, names: tuple[str, ...], hint: str) -> None:
    """Упражнение просит написать формулу самому: в коде функции не должно быть этих имён (готовых решений)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(function))))
    except (OSError, TypeError, SyntaxError):  # исходник недоступен (функция собрана exec) — судим по результату
        return
    called = ({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
              | {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)})
    used = [name for name in names if name in called]
    if used:
        fail(f"{_name_of(function)}: в коде есть готовое {used[0]} — упражнение просит написать формулу самому.", hint)


def check_unchanged(before, after, name: str = "аргумент") -> None:
    """Проверяет, что функция не изменила входной тензор или массив на месте."""
    if not np.array_equal(_as_numpy(before), _as_numpy(after)):
        fail(f"Функция изменила входной {name} на месте.",
             "Создайте новый объект (например, w = w + ...) вместо изменения на месте (w += ...).")
