"""course_utils.moe: the MoE layer built from the two student functions, expert load and the load-balancing loss."""
import pytest
import torch

from course_utils.moe import MoE, Scale, load_balancing_loss, tokens_per_expert
from graders.ch03_transformers.gpt import reference_combine_experts, reference_top_k_gates


def moe_layer(**sizes):
    return MoE(**sizes, gates=reference_top_k_gates, combine=reference_combine_experts)


def test_layer_shapes_counts_and_gradients():
    torch.manual_seed(0)
    layer = moe_layer(n_embd=8, n_experts=4, k=2)
    x = torch.randn(3, 5, 8, requires_grad=True)
    out = layer(x)
    assert out.shape == x.shape
    assert int(tokens_per_expert(layer.last_indices, 4).sum()) == 3 * 5 * 2
    out.sum().backward()
    assert layer.router.weight.grad is not None and x.grad is not None
    assert layer.num_params(active=True) < layer.num_params() == sum(p.numel() for p in layer.parameters())
    with pytest.raises(ValueError):
        moe_layer(n_embd=8, n_experts=4, k=5)


def test_layer_routes_with_the_given_functions():
    torch.manual_seed(0)
    layer = moe_layer(n_embd=4, n_experts=3, k=2)
    x = torch.randn(6, 4)
    weights, indices = reference_top_k_gates(layer.router(x), 2)
    expected = torch.stack([sum(weights[n, j] * layer.experts[indices[n, j]](x[n]) for j in range(2)) for n in range(6)])
    assert torch.allclose(layer(x), expected, atol=1e-6)
    assert torch.equal(layer.last_indices, indices)


def test_k_equal_one_expert_is_that_expert():
    torch.manual_seed(1)
    layer = moe_layer(n_embd=4, n_experts=1, k=1)
    x = torch.randn(6, 4)
    assert torch.allclose(layer(x), layer.experts[0](x), atol=1e-6)


def test_balance_loss_is_one_when_balanced_and_larger_when_skewed():
    uniform = torch.zeros(8, 4)
    indices = torch.arange(8).remainder(4)[:, None]
    assert torch.isclose(load_balancing_loss(uniform, indices, 4), torch.tensor(1.0))
    skewed = torch.zeros(8, 4)
    skewed[:, 0] = 5.0
    assert load_balancing_loss(skewed, torch.zeros(8, 1, dtype=torch.long), 4) > 3.0
    with pytest.raises(RuntimeError, match="прямой проход"):
        moe_layer(n_embd=4, n_experts=2, k=1).balance_loss()


def test_scale_expert_multiplies_by_its_factor():
    assert torch.equal(Scale(3.0)(torch.tensor([1.0, -2.0])), torch.tensor([3.0, -6.0]))
