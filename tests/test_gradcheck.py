"""course_utils.gradcheck: numerical gradients and the comparison table of chapter 01."""
import torch

from course_utils import gradcheck


def test_numerical_grads_of_known_functions():
    params = {"w": torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64),
              "M": torch.tensor([[0.5, 1.0], [-1.0, 2.0]], dtype=torch.float64)}
    grads = gradcheck.numerical_grads(lambda p: (p["w"] ** 2).sum() + (p["M"] ** 3).sum(), params)
    assert set(grads) == {"w", "M"}
    assert torch.allclose(grads["w"], 2 * params["w"], atol=1e-8)
    assert torch.allclose(grads["M"], 3 * params["M"] ** 2, atol=1e-8)


def test_numerical_grads_match_autograd_on_a_small_network():
    torch.manual_seed(0)
    X, y = torch.randn(5, 3, dtype=torch.float64), torch.tensor([0, 2, 1, 1, 0])
    params = {"W": torch.randn(3, 3, dtype=torch.float64), "b": torch.randn(3, dtype=torch.float64)}

    def loss_fn(p):
        return torch.nn.functional.cross_entropy(torch.tanh(X @ p["W"] + p["b"]), y)

    leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    loss_fn(leaves).backward()
    numeric = gradcheck.numerical_grads(loss_fn, params)
    for name in params:
        assert torch.allclose(numeric[name], leaves[name].grad, atol=1e-8)


def test_numerical_grads_keep_inputs_shape_and_dtype():
    params = {"w": torch.tensor([[1.0, 2.0, 3.0]]), "b": torch.tensor(0.5)}
    before = {k: v.clone() for k, v in params.items()}
    grads = gradcheck.numerical_grads(lambda p: (p["w"] * p["b"]).sum(), params, eps=1e-4)
    for name in params:
        assert torch.equal(params[name], before[name]), "the caller's tensors must not change"
        assert grads[name].shape == params[name].shape and grads[name].dtype == params[name].dtype
    assert torch.allclose(grads["b"], torch.tensor(6.0), atol=1e-4)


def test_numerical_grads_accept_a_plain_float_loss():
    grads = gradcheck.numerical_grads(lambda p: float(p["x"].item() ** 2), {"x": torch.tensor([3.0])})
    assert abs(grads["x"].item() - 6.0) < 1e-4


def test_diffs_are_relative_to_the_scale_of_the_tensors():
    a, b = torch.tensor([1.0, 0.0, -2.0]), torch.tensor([1.0, 1e-3, -2.0])
    assert abs(gradcheck.max_abs_diff(a, b) - 1e-3) < 1e-9
    assert abs(gradcheck.max_rel_diff(a, b) - 5e-4) < 1e-9
    assert gradcheck.max_rel_diff(torch.zeros(3), torch.zeros(3)) == 0.0


def test_compare_prints_one_row_and_says_whether_it_matched(capsys):
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert gradcheck.compare("W1", a, a.clone())
    assert not gradcheck.compare("W2", a, a + 0.1)
    assert gradcheck.compare("b1", a, a.double() + 1e-9)  # within the tolerance, though not bit for bit
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 3
    assert rows[0].split("|")[0].strip() == "W1" and "True" in rows[0].split("|")[1]
    assert "False" in rows[1].split("|")[2] and "1.00e-01" in rows[1]
    assert "False" in rows[2].split("|")[1] and "True" in rows[2].split("|")[2]


def test_compare_reports_a_shape_mismatch(capsys):
    assert not gradcheck.compare("W1", torch.zeros(2, 3), torch.zeros(3, 2))
    assert "(2, 3)" in capsys.readouterr().out


def test_compare_all_prints_a_table_and_flags_missing_names(capsys):
    reference = {"W": torch.ones(2, 2), "b": torch.ones(2)}
    assert gradcheck.compare_all({"W": torch.ones(2, 2), "b": torch.ones(2)}, reference)
    assert not gradcheck.compare_all({"W": torch.ones(2, 2)}, reference)
    out = capsys.readouterr().out
    assert out.count("exact") == 2 and "нет в ответе" in out
