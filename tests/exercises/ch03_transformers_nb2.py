"""Typical mistakes for notebook 2 of chapter 03 «Трансформеры» (the transformer block)."""

_PE = "def positional_encoding(T, d_model):\n"
_PE_ANGLES = ("    positions = torch.arange(T, dtype=torch.float32).unsqueeze(1)\n"
              "    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)\n"
              "    angles = positions / 10000 ** (two_i / d_model)\n")
_PE_FILL = ("    pe = torch.zeros(T, d_model)\n"
            "    pe[:, 0::2] = torch.sin(angles)\n"
            "    pe[:, 1::2] = torch.cos(angles)\n"
            "    return pe\n")

_LN = "def layer_norm(x, weight, bias, eps=1e-5):\n"

_BLOCK = ("class TransformerBlock(nn.Module):\n"
          "    def __init__(self, config):\n"
          "        super().__init__()\n"
          "        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps)\n"
          "        self.attn = CausalSelfAttention(config)\n"
          "        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps)\n"
          "        self.mlp = MLP(config)\n\n"
          "    def forward(self, x):\n")

MISTAKES = {
    "03_transformers_block_positional_encoding": {
        "sin and cos swapped": (_PE + _PE_ANGLES + "    pe = torch.zeros(T, d_model)\n"
                                "    pe[:, 0::2] = torch.cos(angles)\n"
                                "    pe[:, 1::2] = torch.sin(angles)\n"
                                "    return pe", "Синус и косинус перепутаны"),
        "exponent i/d instead of 2i/d": (_PE + "    positions = torch.arange(T, dtype=torch.float32).unsqueeze(1)\n"
                                         "    i = torch.arange(d_model // 2, dtype=torch.float32)\n"
                                         "    angles = positions / 10000 ** (i / d_model)\n" + _PE_FILL,
                                         "Показатель степени — 2i/d_model"),
        "positions start at 1": (_PE + "    positions = torch.arange(1, T + 1, dtype=torch.float32).unsqueeze(1)\n"
                                 "    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)\n"
                                 "    angles = positions / 10000 ** (two_i / d_model)\n" + _PE_FILL,
                                 "Позиции считаются с нуля"),
        "shape (d_model, T)": (_PE + _PE_ANGLES + "    pe = torch.zeros(T, d_model)\n"
                               "    pe[:, 0::2] = torch.sin(angles)\n"
                               "    pe[:, 1::2] = torch.cos(angles)\n"
                               "    return pe.T", "оси переставлены"),
        "sin and cos as two halves": (_PE + _PE_ANGLES +
                                      "    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)",
                                      "должны чередоваться"),
        "float64": (_PE + "    positions = torch.arange(T, dtype=torch.float64).unsqueeze(1)\n"
                    "    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)\n"
                    "    angles = positions / 10000 ** (two_i / d_model)\n"
                    "    pe = torch.zeros(T, d_model, dtype=torch.float64)\n"
                    "    pe[:, 0::2] = torch.sin(angles)\n"
                    "    pe[:, 1::2] = torch.cos(angles)\n"
                    "    return pe", "dtype=torch.float32"),
    },
    "03_transformers_block_embed": {
        "positional encoding added twice": ("def embed(idx, token_embedding, pe):\n"
                                            "    T = idx.shape[1]\n"
                                            "    x = token_embedding(idx) + pe[:T]\n"
                                            "    return x + pe[:T]", "прибавлено дважды"),
        "positions forgotten": ("def embed(idx, token_embedding, pe):\n"
                                "    return token_embedding(idx)", "Позиции не добавлены"),
        "broadcast along the batch axis": ("def embed(idx, token_embedding, pe):\n"
                                           "    T = idx.shape[1]\n"
                                           "    return token_embedding(idx) + pe[:T].unsqueeze(1)",
                                           "по номеру фразы в батче"),
        "sliced by the batch size": ("def embed(idx, token_embedding, pe):\n"
                                     "    return token_embedding(idx) + pe[:idx.shape[0]]", "pe[:T], где T"),
        "whole table added": ("def embed(idx, token_embedding, pe):\n"
                              "    return token_embedding(idx) + pe", "pe[:T], где T"),
        "own sinusoid instead of pe": ("def embed(idx, token_embedding, pe):\n"
                                       "    T, d = idx.shape[1], pe.shape[1]\n"
                                       "    return token_embedding(idx) + layers.positional_encoding(T, d)",
                                       "переданную таблицу pe"),
    },
    "03_transformers_block_layer_norm": {
        "unbiased variance": (_LN + "    mean = x.mean(dim=-1, keepdim=True)\n"
                              "    return (x - mean) / torch.sqrt(x.var(dim=-1, keepdim=True) + eps) * weight + bias",
                              "Дисперсия смещённая"),
        "normalized over the batch axis": (_LN + "    mean = x.mean(dim=0, keepdim=True)\n"
                                           "    variance = ((x - mean) ** 2).mean(dim=0, keepdim=True)\n"
                                           "    return (x - mean) / torch.sqrt(variance + eps) * weight + bias",
                                           "Нормализуйте по последней оси"),
        "normalized over the token axis": (_LN + "    mean = x.mean(dim=-2, keepdim=True)\n"
                                           "    variance = ((x - mean) ** 2).mean(dim=-2, keepdim=True)\n"
                                           "    return (x - mean) / torch.sqrt(variance + eps) * weight + bias",
                                           "Нормализуйте по последней оси"),
        "eps outside the root": (_LN + "    mean = x.mean(dim=-1, keepdim=True)\n"
                                 "    std = ((x - mean) ** 2).mean(dim=-1, keepdim=True).sqrt()\n"
                                 "    return (x - mean) / (std + eps) * weight + bias", "eps прибавляется под корнем"),
        "weight and bias forgotten": (_LN + "    mean = x.mean(dim=-1, keepdim=True)\n"
                                      "    variance = ((x - mean) ** 2).mean(dim=-1, keepdim=True)\n"
                                      "    return (x - mean) / torch.sqrt(variance + eps)", "Забыты weight и bias"),
        "input changed in place": (_LN + "    x -= x.mean(dim=-1, keepdim=True)\n"
                                   "    variance = (x ** 2).mean(dim=-1, keepdim=True)\n"
                                   "    return x / torch.sqrt(variance + eps) * weight + bias",
                                   "изменила входной тензор x на месте"),
        "eps ignored": (_LN + "    mean = x.mean(dim=-1, keepdim=True)\n"
                        "    variance = ((x - mean) ** 2).mean(dim=-1, keepdim=True)\n"
                        "    return (x - mean) / torch.sqrt(variance + 1e-5) * weight + bias", "аргумент eps"),
    },
    "03_transformers_block_pre_norm": {
        "post-norm instead of pre-norm": (_BLOCK + "        x = self.ln_1(x + self.attn(x))\n"
                                          "        return self.ln_2(x + self.mlp(x))", "Это post-norm"),
        "residuals forgotten": (_BLOCK + "        x = self.attn(self.ln_1(x))\n"
                                "        return self.mlp(self.ln_2(x))", "Забыты остаточные связи"),
        "second residual forgotten": (_BLOCK + "        x = x + self.attn(self.ln_1(x))\n"
                                      "        return self.mlp(self.ln_2(x))", "вокруг обоих подслоёв"),
        "same LayerNorm twice": (_BLOCK + "        x = x + self.attn(self.ln_1(x))\n"
                                 "        return x + self.mlp(self.ln_1(x))", "свой LayerNorm ln_2"),
        "norm applied to the sublayer output": (_BLOCK + "        x = x + self.ln_1(self.attn(x))\n"
                                                "        return x + self.ln_2(self.mlp(x))",
                                                "к входу подслоя, а не к его выходу"),
        "input changed in place": (_BLOCK + "        x += self.attn(self.ln_1(x))\n"
                                   "        x += self.mlp(self.ln_2(x))\n"
                                   "        return x", "на месте"),
        "feed-forward first": (_BLOCK + "        x = x + self.mlp(self.ln_1(x))\n"
                               "        return x + self.attn(self.ln_2(x))", "Сначала внимание"),
    },
}
