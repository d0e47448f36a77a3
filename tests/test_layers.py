"""course_utils.layers: the chapter-03 references for positional encoding and layer normalization."""
import math

import pytest
import torch

from course_utils.layers import layer_norm, positional_encoding


def test_positional_encoding_follows_the_paper():
    pe = positional_encoding(3, 4)
    assert pe.shape == (3, 4) and pe.dtype == torch.float32
    assert pe[0].tolist() == [0.0, 1.0, 0.0, 1.0]  # позиция 0: sin 0 = 0, cos 0 = 1
    expected = [math.sin(2), math.cos(2), math.sin(2 / 100), math.cos(2 / 100)]  # 10000^(2/4) = 100
    assert torch.allclose(pe[2], torch.tensor(expected), atol=1e-6)


def test_positional_encoding_rows_are_distinct_and_bounded():
    pe = positional_encoding(64, 32)
    assert pe.abs().max() <= 1.0
    assert torch.cdist(pe, pe).add(torch.eye(64)).min() > 0.1  # у каждой позиции свой вектор


def test_positional_encoding_needs_even_width():
    with pytest.raises(ValueError, match="чётным"):
        positional_encoding(4, 5)


def test_layer_norm_matches_torch():
    torch.manual_seed(0)
    x, weight, bias = torch.randn(2, 3, 8) * 0.01, torch.randn(8), torch.randn(8)
    for eps in (1e-5, 0.1):
        reference = torch.nn.LayerNorm(8, eps=eps)
        with torch.no_grad():
            reference.weight.copy_(weight)
            reference.bias.copy_(bias)
        assert torch.allclose(layer_norm(x, weight, bias, eps), reference(x), atol=1e-5)


def test_layer_norm_gives_zero_mean_unit_variance_per_token():
    x = torch.tensor([[1.0, 2.0, 3.0, 6.0], [10.0, 10.0, 10.0, 14.0]])
    y = layer_norm(x, torch.ones(4), torch.zeros(4), eps=0.0)
    assert torch.allclose(y.mean(-1), torch.zeros(2), atol=1e-6)
    assert torch.allclose(y.var(-1, unbiased=False), torch.ones(2), atol=1e-5)
