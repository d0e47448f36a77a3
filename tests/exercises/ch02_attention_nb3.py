"""Typical mistakes for notebook 3 of chapter 02 «Механизм внимания» (multi-head attention, cost)."""

_FORWARD = ("class MultiHeadAttention(nn.Module):\n"
            "    def __init__(self, d_model, n_heads):\n"
            "        super().__init__()\n"
            "        self.n_heads = n_heads\n"
            "        self.W_q, self.W_k = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)\n"
            "        self.W_v, self.W_o = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)\n\n"
            "    def forward(self, x, mask=None):\n")

MISTAKES = {
    "02_attention_mha_split_heads": {
        "reshape without transpose": ("def split_heads(x, n_heads):\n"
                                      "    B, T, d = x.shape\n"
                                      "    return x.view(B, n_heads, T, d // n_heads)", "без transpose"),
        "split along the token axis": ("def split_heads(x, n_heads):\n"
                                       "    B, T, d = x.shape\n"
                                       "    return x.view(B, T, d // n_heads, n_heads).permute(0, 3, 1, 2)",
                                       "режут последнюю ось"),
        "heads axis last": ("def split_heads(x, n_heads):\n"
                            "    B, T, d = x.shape\n"
                            "    return x.view(B, T, n_heads, d // n_heads)", "Ось голов — вторая"),
    },
    "02_attention_mha_merge_heads": {
        "reshape without transpose": ("def merge_heads(x):\n"
                                      "    B, H, T, d = x.shape\n"
                                      "    return x.reshape(B, T, H * d)", "reshape без transpose"),
        "heads not merged": ("def merge_heads(x):\n    return x.transpose(1, 2)", "ожидалась форма (1, 2, 8)"),
    },
    "02_attention_mha_module": {
        "output projection forgotten": (_FORWARD +
                                        "        q, k, v = (split_heads(W(x), self.n_heads) for W in (self.W_q, self.W_k, self.W_v))\n"
                                        "        out, weights = attention(q, k, v, mask)\n"
                                        "        return merge_heads(out), weights", "Забыта выходная проекция"),
        "heads not split": (_FORWARD +
                            "        out, weights = attention(self.W_q(x), self.W_k(x), self.W_v(x), mask)\n"
                            "        return self.W_o(out), weights", "Веса — по головам"),
        "mask ignored": (_FORWARD +
                         "        q, k, v = (split_heads(W(x), self.n_heads) for W in (self.W_q, self.W_k, self.W_v))\n"
                         "        out, weights = attention(q, k, v)\n"
                         "        return self.W_o(merge_heads(out)), weights", "Передайте маску"),
        "only the output": (_FORWARD +
                            "        q, k, v = (split_heads(W(x), self.n_heads) for W in (self.W_q, self.W_k, self.W_v))\n"
                            "        return self.W_o(merge_heads(attention(q, k, v, mask)[0]))",
                            "return output, weights"),
        "queries used as values": (_FORWARD +
                                   "        q, k = split_heads(self.W_q(x), self.n_heads), split_heads(self.W_k(x), self.n_heads)\n"
                                   "        out, weights = attention(q, k, q, mask)\n"
                                   "        return self.W_o(merge_heads(out)), weights", "выход по сравнению"),
    },
    "02_attention_mha_fit_exponent": {
        "axes swapped": ("def fit_power_law(lengths, values):\n"
                         "    slope, intercept = np.polyfit(np.log(values), np.log(lengths), 1)\n"
                         "    return float(slope), float(np.exp(intercept))", "Оси перепутаны"),
        "log c returned": ("def fit_power_law(lengths, values):\n"
                           "    slope, intercept = np.polyfit(np.log(lengths), np.log(values), 1)\n"
                           "    return float(slope), float(intercept)", "верните np.exp"),
        "no logs": ("def fit_power_law(lengths, values):\n"
                    "    slope, intercept = np.polyfit(lengths, values, 1)\n"
                    "    return float(slope), float(intercept)", "ожидалось 2"),
        "log only of the values": ("def fit_power_law(lengths, values):\n"
                                   "    slope, intercept = np.polyfit(np.asarray(lengths, float), np.log(values), 1)\n"
                                   "    return float(slope), float(np.exp(intercept))", "ожидалось 2"),
    },
}
