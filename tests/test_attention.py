"""course_utils.attention (the chapter-02 reference), torch's math attention backend and timing.peak_memory_mb."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from course_utils import timing
from course_utils.attention import MultiHeadAttention, attention, causal_mask, merge_heads, split_heads


def test_attention_matches_pytorch_with_and_without_mask():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 5, 8), torch.randn(2, 3, 5, 4)
    out, weights = attention(q, k, v)
    assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v), atol=1e-6)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 3, 5))
    mask = causal_mask(5)
    out, weights = attention(q, k, v, mask)
    assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v, is_causal=True), atol=1e-6)
    assert torch.all(weights[..., ~mask] == 0)


def test_causal_mask_is_lower_triangular_bool():
    assert causal_mask(3).tolist() == [[True, False, False], [True, True, False], [True, True, True]]


def test_split_and_merge_heads_are_inverse():
    x = torch.arange(2 * 3 * 8.0).view(2, 3, 8)
    heads = split_heads(x, 4)
    assert heads.shape == (2, 4, 3, 2)
    assert torch.equal(heads[0, 1, 2], x[0, 2, 2:4])  # head 1 of token 2 = its features 2..3
    assert torch.equal(merge_heads(heads), x)


def test_multi_head_attention_matches_torch_module():
    torch.manual_seed(0)
    mine, theirs = MultiHeadAttention(8, 2), torch.nn.MultiheadAttention(8, 2, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([mine.W_q.weight, mine.W_k.weight, mine.W_v.weight]))
        theirs.in_proj_bias.copy_(torch.cat([mine.W_q.bias, mine.W_k.bias, mine.W_v.bias]))
        theirs.out_proj.weight.copy_(mine.W_o.weight)
        theirs.out_proj.bias.copy_(mine.W_o.bias)
    x, mask = torch.randn(3, 6, 8), causal_mask(6)
    out, weights = mine(x, mask)
    expected, expected_weights = theirs(x, x, x, attn_mask=~mask, average_attn_weights=False)  # torch: True = forbidden
    assert torch.allclose(out, expected, atol=1e-6) and torch.allclose(weights, expected_weights, atol=1e-6)
    with pytest.raises(ValueError, match="должно делиться"):
        MultiHeadAttention(10, 3)


def test_peak_memory_grows_with_the_allocation():
    small = timing.peak_memory_mb(lambda: torch.ones(256, 256).sum())
    large = timing.peak_memory_mb(lambda: torch.ones(4096, 4096).sum())  # 64 MB
    if timing.peak_memory_supported():
        assert 48 < large < 96 and small < large
    else:
        assert math.isnan(large)


def test_torch_math_backend_is_the_formula_and_holds_the_whole_score_matrix():
    """Chapter 02, notebook 3 measures the cost of attention with F.scaled_dot_product_attention under
    SDPBackend.MATH: it must compute our formula and keep T×T matrices, so that memory grows as T²."""
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 5, 8), torch.randn(2, 3, 5, 4)
    mask = causal_mask(5)
    with sdpa_kernel(SDPBackend.MATH):
        assert torch.allclose(F.scaled_dot_product_attention(q, k, v, attn_mask=mask), attention(q, k, v, mask)[0],
                              atol=1e-6)
        if not timing.peak_memory_supported():
            return
        peaks = []
        for T in (1024, 2048):
            q, k, v = torch.randn(1, T, 64), torch.randn(1, T, 64), torch.randn(1, T, 64)
            # the least of three calls: the process's other threads (a busy CI worker) can only add to a peak
            peaks.append(min(timing.peak_memory_mb(F.scaled_dot_product_attention, q, k, v) for _ in range(3)))
    score_matrix_mb = 2048 * 2048 * 4 / 2**20
    assert 3 < peaks[1] / peaks[0] < 5 and peaks[1] > score_matrix_mb
