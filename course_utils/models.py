"""Эталонные модели курса, которыми пользуются следующие главы."""
from __future__ import annotations

import torch
from torch import nn


class RecallClassifier(nn.Module):
    """Эмбеддинг → рекуррентная сеть (RNN или LSTM) → линейный слой по последнему скрытому состоянию.

    ``forget_bias`` — начальное смещение вентиля забывания LSTM: при 3.0 вентиль с самого начала
    открыт на σ(3) ≈ 0.95, и сеть «по умолчанию помнит» (стандартный приём при обучении LSTM).
    """

    def __init__(self, cell: str, vocab_size: int, n_classes: int, embed_dim: int = 16, hidden_size: int = 64,
                 forget_bias: float = 3.0):
        super().__init__()
        if cell not in ("rnn", "lstm"):
            raise ValueError(f"cell должен быть 'rnn' или 'lstm', получено {cell!r}.")
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        if cell == "lstm":
            self.rnn = nn.LSTM(embed_dim, hidden_size, batch_first=True)
            with torch.no_grad():  # у PyTorch вентили идут в порядке (input, forget, cell, output)
                self.rnn.bias_ih_l0[hidden_size:2 * hidden_size].fill_(forget_bias)
                self.rnn.bias_hh_l0[hidden_size:2 * hidden_size].fill_(0.0)
        else:
            self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=True, nonlinearity="tanh")
        self.head = nn.Linear(hidden_size, n_classes)

    def forward(self, tokens: torch.Tensor, embedded: torch.Tensor | None = None) -> torch.Tensor:
        """Логиты классов формы (batch, n_classes); ``embedded`` — готовые эмбеддинги вместо токенов."""
        states, _ = self.rnn(self.embedding(tokens) if embedded is None else embedded)
        return self.head(states[:, -1])


class LookupAttention(nn.Module):
    """Один слой внимания для задачи «какой токен стоял на позиции p?» (глава 2, ноутбук 1).

    Каждый токен превращается в вектор: эмбеддинг токена + эмбеддинг его позиции (d_model чисел).
    Последний токен — вопрос — сравнивает свой запрос с ключами всех токенов, softmax даёт веса,
    взвешенная сумма значений идёт в линейный слой. Ни одного рекуррентного шага: модель не сжимает
    прочитанное в один вектор, а смотрит на любую позицию напрямую.
    """

    def __init__(self, vocab_size: int, n_classes: int, max_len: int, d_model: int = 16):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(max_len, d_model)
        self.query = nn.Linear(d_model, d_model, bias=False)
        self.key = nn.Linear(d_model, d_model, bias=False)
        self.value = nn.Linear(d_model, d_model, bias=False)
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, tokens: torch.Tensor, return_weights: bool = False):
        """Логиты формы (batch, n_classes); с ``return_weights=True`` ещё и веса вопроса формы (batch, T)."""
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.embedding(tokens) + self.position(positions)             # (B, T, d)
        q = self.query(x[:, -1:])                                          # запрос только у вопроса: (B, 1, d)
        scores = q @ self.key(x).transpose(1, 2) / x.shape[-1] ** 0.5      # (B, 1, T)
        weights = torch.softmax(scores, dim=-1)
        logits = self.head((weights @ self.value(x)).squeeze(1))          # (B, n_classes)
        return (logits, weights.squeeze(1)) if return_weights else logits
