"""Рекуррентный энкодер–декодер (seq2seq) с вниманием — модель, от которой произошёл трансформер (глава 3).

Задача-игрушка: развернуть последовательность цифр задом наперёд (``3 1 4 1 5`` → ``5 1 4 1 3``).
Энкодер (GRU) читает цифры и оставляет по состоянию на каждую позицию. Декодер (другой GRU) начинает
с токена ``<bos>`` и на каждом шаге своим состоянием «смотрит» на все состояния энкодера (внимание),
а затем предсказывает следующую цифру. Без внимания декодеру достаётся только последнее состояние энкодера.

Две детали модель берёт у студента (упражнения ноутбука 1 главы 3): сдвиг ответа вправо для подачи
правильных токенов (teacher forcing) ``shift_fn(targets, bos_id)`` и внимание одного шага декодера ``attend_fn(decoder_state, encoder_states)``.
"""
from __future__ import annotations

import time

import torch
from torch import nn
from torch.nn import functional as F

from .timing import single_thread

N_DIGITS = 10          # токены 0–9 — цифры
BOS = N_DIGITS         # токен 10 — <bos>, «начало последовательности» для декодера
VOCAB_SIZE = N_DIGITS + 1


def make_reverse_batch(batch_size: int, length: int, generator: torch.Generator | None = None):
    """Батч задачи «разверни цифры»: (вход (B, T), ответ (B, T)), ответ — вход задом наперёд."""
    source = torch.randint(0, N_DIGITS, (batch_size, length), generator=generator)
    return source, source.flip(1)


class Encoder(nn.Module):
    """Эмбеддинг → GRU: по одному состоянию на каждую позицию входа."""

    def __init__(self, vocab_size: int = VOCAB_SIZE, embed_dim: int = 32, hidden_size: int = 64):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.GRU(embed_dim, hidden_size, batch_first=True)

    def forward(self, source: torch.Tensor):
        """source (B, T) → (все состояния (B, T, H), последнее состояние (1, B, H))."""
        return self.rnn(self.embedding(source))


class AttentionDecoder(nn.Module):
    """Эмбеддинг → GRU → [внимание на энкодер] → линейный слой в логиты словаря.

    Внимание как у Луонга (2015): сначала шаг GRU, потом его новое состояние смотрит на энкодер функцией
    ``attend_fn(состояние (B, H), состояния энкодера (B, T, H)) → (контекст (B, H), веса (B, T))``,
    и в выходной слой идут состояние и контекст вместе. С ``attend_fn=None`` контекста нет:
    декодер знает о входе только то, что энкодер сжал в последнее состояние.
    """

    def __init__(self, vocab_size: int = VOCAB_SIZE, embed_dim: int = 32, hidden_size: int = 64, attend_fn=None):
        super().__init__()
        self.attend_fn = attend_fn
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size if attend_fn is None else 2 * hidden_size, vocab_size)

    def forward(self, inputs: torch.Tensor, hidden: torch.Tensor, encoder_states: torch.Tensor):
        """inputs (B, S) → (логиты (B, S, V), новое состояние (1, B, H), веса (B, S, T) или None).

        Шаги GRU идут по очереди; внимание считается для каждого шага декодера.
        """
        states, hidden = self.rnn(self.embedding(inputs), hidden)           # (B, S, H)
        if self.attend_fn is None:
            return self.out(states), hidden, None
        contexts, weights = zip(*(self.attend_fn(states[:, s], encoder_states) for s in range(states.shape[1])))
        contexts, weights = torch.stack(contexts, dim=1), torch.stack(weights, dim=1)
        return self.out(torch.cat([states, contexts], dim=-1)), hidden, weights


class Seq2Seq(nn.Module):
    """Энкодер и декодер вместе: обучение с подачей правильных токенов (forward) и жадная генерация (generate)."""

    def __init__(self, attend_fn=None, embed_dim: int = 32, hidden_size: int = 64):
        super().__init__()
        self.encoder = Encoder(VOCAB_SIZE, embed_dim, hidden_size)
        self.decoder = AttentionDecoder(VOCAB_SIZE, embed_dim, hidden_size, attend_fn)

    def forward(self, source: torch.Tensor, decoder_input: torch.Tensor):
        """Teacher forcing: ``decoder_input`` — правильный ответ, сдвинутый вправо с <bos> в начале.

        → (логиты (B, T, V), веса внимания (B, T, T) или None).
        """
        encoder_states, hidden = self.encoder(source)
        logits, _, weights = self.decoder(decoder_input, hidden, encoder_states)
        return logits, weights

    @torch.no_grad()
    def generate(self, source: torch.Tensor, length: int | None = None):
        """Жадная генерация без подсказок: начинаем с <bos>, каждый предсказанный токен — вход следующего шага.

        Возвращает (токены (B, length), веса внимания (B, length, T) или None).
        """
        length = source.shape[1] if length is None else length
        encoder_states, hidden = self.encoder(source)
        token = torch.full_like(source[:, :1], BOS)
        tokens, weights = [], []
        for _ in range(length):
            logits, hidden, step_weights = self.decoder(token, hidden, encoder_states)
            token = logits[:, -1].argmax(dim=-1, keepdim=True)
            tokens.append(token)
            weights.append(step_weights)
        tokens = torch.cat(tokens, dim=1)
        return tokens, (None if self.decoder.attend_fn is None else torch.cat(weights, dim=1))


def sequence_accuracy(model: Seq2Seq, length: int, n: int = 1000, seed: int = 1234):
    """Доля верных токенов и доля целиком верных последовательностей при жадной генерации на новых примерах."""
    source, target = make_reverse_batch(n, length, torch.Generator().manual_seed(seed))
    model.eval()
    predicted, _ = model.generate(source)
    correct = predicted == target
    return correct.float().mean().item(), correct.all(dim=1).float().mean().item()


def train_reverse(shift_fn, attend_fn=None, length: int = 8, steps: int = 300, batch_size: int = 64,
                  lr: float = 1e-2, hidden_size: int = 64, seed: int = 0):
    """Обучает Seq2Seq разворачивать ``length`` цифр с подачей правильных токенов (teacher forcing).

    ``shift_fn(targets, bos_id)`` — входы декодера (ответ, сдвинутый вправо); ``attend_fn`` — внимание декодера
    на энкодер, ``None`` — модель без внимания. Возвращает (модель, история лосса по шагам, секунды обучения).
    Сеть крошечная, поэтому считаем на одном ядре (``single_thread``): так быстрее и не мешаем другим программам.
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = Seq2Seq(attend_fn, hidden_size=hidden_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    start = time.perf_counter()
    with single_thread():
        for _ in range(steps):
            source, target = make_reverse_batch(batch_size, length, generator)
            logits, _ = model(source, shift_fn(target, BOS))
            loss = F.cross_entropy(logits.flatten(0, 1), target.flatten())
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # страховка от взрыва градиентов в RNN
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    return model, losses, time.perf_counter() - start
