"""course_utils.moe: top-k routing, the gate-weighted combination of experts and the load-balancing loss."""
import pytest
import torch

from course_utils.moe import MoE, combine_experts, load_balancing_loss, tokens_per_expert, top_k_gates


def test_top_k_gates_renormalises_over_the_chosen_experts():
    logits = torch.tensor([[1.0, 3.0, 2.0, 0.0], [0.5, 0.0, 5.0, -1.0]])
    weights, indices = top_k_gates(logits, 2)
    assert indices.tolist() == [[1, 2], [2, 0]]
    assert torch.allclose(weights.sum(-1), torch.ones(2))
    assert torch.allclose(weights[0], torch.softmax(torch.tensor([3.0, 2.0]), -1))
    w1, i1 = top_k_gates(logits, 1)
    assert torch.equal(w1, torch.ones(2, 1)) and i1.flatten().tolist() == [1, 2]


def test_combine_matches_a_loop_over_tokens():
    torch.manual_seed(0)
    experts = [torch.nn.Linear(6, 6) for _ in range(4)]
    x = torch.randn(10, 6)
    weights, indices = top_k_gates(torch.randn(10, 4), 2)
    expected = torch.stack([sum(weights[n, j] * experts[indices[n, j]](x[n]) for j in range(2)) for n in range(10)])
    assert torch.allclose(combine_experts(x, experts, weights, indices), expected, atol=1e-6)


def test_layer_shapes_counts_and_gradients():
    torch.manual_seed(0)
    layer = MoE(n_embd=8, n_experts=4, k=2)
    x = torch.randn(3, 5, 8, requires_grad=True)
    out = layer(x)
    assert out.shape == x.shape
    assert int(tokens_per_expert(layer.last_indices, 4).sum()) == 3 * 5 * 2
    out.sum().backward()
    assert layer.router.weight.grad is not None and x.grad is not None
    assert layer.num_params(active=True) < layer.num_params() == sum(p.numel() for p in layer.parameters())
    with pytest.raises(ValueError):
        MoE(n_embd=8, n_experts=4, k=5)


def test_k_equal_one_expert_is_that_expert():
    torch.manual_seed(1)
    layer = MoE(n_embd=4, n_experts=1, k=1)
    x = torch.randn(6, 4)
    assert torch.allclose(layer(x), layer.experts[0](x), atol=1e-6)


def test_balance_loss_is_one_when_balanced_and_larger_when_skewed():
    uniform = torch.zeros(8, 4)
    indices = torch.arange(8).remainder(4)[:, None]
    assert torch.isclose(load_balancing_loss(uniform, indices, 4), torch.tensor(1.0))
    skewed = torch.zeros(8, 4)
    skewed[:, 0] = 5.0
    assert load_balancing_loss(skewed, torch.zeros(8, 1, dtype=torch.long), 4) > 3.0
