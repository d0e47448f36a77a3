"""Graders of chapter 01 «Математика нейросетей», called directly without notebooks: references pass,
unfinished stubs and every registered typical mistake fail with a Russian message that names them."""
import ast
import math

import pytest
import torch

from course_utils.checks import CheckError
from graders.ch01_math import gradient_descent, linear_algebra, loss_backprop

MODULES = [linear_algebra, gradient_descent, loss_backprop]
EXERCISES = [(module, grade_id) for module in MODULES for grade_id in module.CHECKS]
MISTAKE_CASES = [(module, grade_id, name, code, fragment) for module in MODULES
                 for grade_id, mistakes in module.MISTAKES.items()
                 for name, (code, fragment) in mistakes.items()]


def student_function(code: str, module):
    """Runs a solution cell like the notebook does (setup names + reference helpers); returns its function."""
    namespace = {"torch": torch, "math": math, **module.HELPERS}
    exec(compile(code, "<solution cell>", "exec"), namespace)
    name = next(node.name for node in ast.parse(code).body if isinstance(node, ast.FunctionDef))
    return namespace[name]


@pytest.mark.parametrize("module, grade_id", EXERCISES, ids=[g for _, g in EXERCISES])
def test_unfinished_stub_is_named(module, grade_id):
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(CheckError, match="ещё не написана"):
        module.CHECKS[grade_id](stub)


@pytest.mark.parametrize("module, grade_id, name, code, fragment", MISTAKE_CASES,
                         ids=[f"{c[1]}-{c[2].replace(' ', '_')}" for c in MISTAKE_CASES])
def test_hidden_check_names_the_mistake(module, grade_id, name, code, fragment):
    with pytest.raises(CheckError) as failure:
        module.CHECKS[grade_id](student_function(code, module))
    assert fragment in str(failure.value), f"«{name}»: {failure.value}"


def test_unfinished_gd_step_does_not_cost_gradient_descent():
    """The descent is graded with the reference gd_step substituted for the student's unfinished one."""
    namespace = {"torch": torch}
    exec("def gd_step(w, grad, lr):\n    raise NotImplementedError()\n"
         "def gradient_descent(grad_fn, w0, lr, steps):\n"
         "    w, path = w0, [w0]\n"
         "    for _ in range(steps):\n"
         "        w = gd_step(w, grad_fn(w), lr)\n"
         "        path.append(w)\n"
         "    return torch.stack(path)\n", namespace)
    gradient_descent.check_gradient_descent(namespace["gradient_descent"])
    with pytest.raises(NotImplementedError):
        namespace["gd_step"](torch.zeros(1), torch.zeros(1), 0.1)  # the student's own version is back


def test_unfinished_central_difference_does_not_cost_numerical_gradient():
    """numerical_gradient may call the student's central_difference: graded with the reference substituted."""
    namespace = {"torch": torch}
    exec("def central_difference(f, x, h=1e-5):\n    raise NotImplementedError()\n"
         "def numerical_gradient(f, w, h=1e-5):\n"
         "    grad = torch.zeros_like(w)\n"
         "    for i in range(w.shape[0]):\n"
         "        e_i = torch.zeros_like(w)\n"
         "        e_i[i] = 1.0\n"
         "        grad[i] = central_difference(lambda s: f(w + s * e_i), torch.zeros((), dtype=w.dtype), h)\n"
         "    return grad\n", namespace)
    gradient_descent.check_numerical_gradient(namespace["numerical_gradient"])


def test_ready_made_functions_are_caught():
    with pytest.raises(CheckError, match=r"готовое умножение \(matmul\)"):
        linear_algebra.check_matmul_loops(lambda A, B: A @ B)
    with pytest.raises(CheckError, match="autograd"):
        loss_backprop.check_backward(student_function(loss_backprop.MISTAKES["01_math_backprop_backward"]
                                                      ["autograd instead of the formulas"][0], loss_backprop))
