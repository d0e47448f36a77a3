"""Typical mistakes for notebook 2 of chapter 02 «Механизм внимания» (scaled dot-product attention)."""

_ATTENTION = "def attention(q, k, v, mask=None):\n"

MISTAKES = {
    "02_attention_sdpa_qkv": {
        "weights on the left": ("def project_qkv(X, W_q, W_k, W_v):\n    return W_q @ X, W_k @ X, W_v @ X",
                                "X @ W, а не W @ X"),
        "wrong order": ("def project_qkv(X, W_q, W_k, W_v):\n    return X @ W_q, X @ W_v, X @ W_k",
                        "Порядок ответа — (Q, K, V)"),
        "batch dimension dropped": ("def project_qkv(X, W_q, W_k, W_v):\n    return X[0] @ W_q, X[0] @ W_k, X[0] @ W_v",
                                    "Сохраните ось батча"),
        "all three from W_q": ("def project_qkv(X, W_q, W_k, W_v):\n    return X @ W_q, X @ W_q, X @ W_q",
                               "K получается из W_k"),
    },
    "02_attention_sdpa_forward": {
        "no scale": (_ATTENTION + "    w = torch.softmax(q @ k.transpose(-2, -1), dim=-1)\n    return w @ v, w",
                     "Не хватает деления на √d_k"),
        "scale by d_k": (_ATTENTION + "    w = torch.softmax(q @ k.transpose(-2, -1) / q.shape[-1], dim=-1)\n"
                                      "    return w @ v, w", "а не на d_k"),
        "scale by sqrt(T)": (_ATTENTION + "    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(k.shape[-2]),"
                                          " dim=-1)\n    return w @ v, w", "а не на √T"),
        "softmax over queries": (_ATTENTION + "    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
                                              "    w = torch.softmax(s, dim=-2)\n    return w @ v, w",
                                 "Softmax берётся по последней оси"),
        "mask after softmax": (_ATTENTION + "    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
                                            "    w = torch.softmax(s, dim=-1)\n"
                                            "    if mask is not None:\n        w = w * mask\n    return w @ v, w",
                               "Маску нужно применять до softmax"),
        "mask with zero": (_ATTENTION + "    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
                                        "    if mask is not None:\n        s = s.masked_fill(~mask, 0.0)\n"
                                        "    w = torch.softmax(s, dim=-1)\n    return w @ v, w",
                           "ставьте -inf, а не 0"),
        "k.T on batches": (_ATTENTION + "    w = torch.softmax(q @ k.T / math.sqrt(q.shape[-1]), dim=-1)\n"
                                        "    return w @ v, w", "упала с ошибкой"),
        "mask ignored": (_ATTENTION + "    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)\n"
                                      "    return w @ v, w", "веса с маской"),
    },
    "02_attention_sdpa_causal_mask": {
        "transposed (future leak)": ("def causal_mask(T):\n    return torch.triu(torch.ones(T, T, dtype=torch.bool))",
                                     "Маска транспонирована"),
        "diagonal excluded": ("def causal_mask(T):\n"
                              "    return torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)",
                              "видеть и сам себя"),
        "float mask": ("def causal_mask(T):\n    return torch.tril(torch.ones(T, T))", "dtype=torch.bool"),
        "off by one in size": ("def causal_mask(T):\n    return torch.tril(torch.ones(T + 1, T + 1, dtype=torch.bool))",
                               "ожидалась форма (3, 3)"),
    },
}
