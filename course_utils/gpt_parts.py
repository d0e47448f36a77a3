"""Готовые детали GPT курса (глава 3): размеры модели, внимание с причинной маской, FFN и перенос весов GPT-2.

Эти детали в главе 3 даны: из них студент сам собирает блок трансформера и GPT. Собранные ``Block`` и ``GPT`` —
ответы упражнений главы 3, нужные главам 4 и дальше, — лежат в ``course_utils.gpt``.
Имена слоёв совпадают с GPT-2 из Hugging Face, поэтому веса GPT-2 копируются одной функцией ``load_hf_weights``.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from .attention import attention, causal_mask

# В GPT-2 линейные слои хранятся как Conv1D с весом (вход, выход) — у nn.Linear наоборот.
_CONV1D_WEIGHTS = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


@contextmanager
def without_progress_bar():
    """Загрузка модели transformers без полоски «Loading weights»: она пишет в stderr, а в тестах nbgrader это штраф."""
    from transformers.utils import logging

    shown = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            logging.enable_progress_bar()


def load_hf_weights(model: nn.Module, hf_model) -> None:
    """Копирует веса GPT2LMHeadModel в модель с теми же именами слоёв (transformer.wte, transformer.h.0.ln_1, …).

    Веса Conv1D из GPT-2 транспонируются под nn.Linear. Если имени нет у Hugging Face, сообщение это скажет.
    """
    hf_state = hf_model.state_dict()
    with torch.no_grad():
        for name, value in model.state_dict().items():
            if name not in hf_state:
                raise KeyError(f"У GPT-2 нет веса с именем {name!r}: назовите слои как в GPT-2 (transformer.wte, "
                               f"transformer.h[i].ln_1, attn.c_attn, mlp.c_fc, lm_head, ...).")
            source = hf_state[name].T if name.endswith(_CONV1D_WEIGHTS) else hf_state[name]
            if source.shape != value.shape:
                raise ValueError(f"{name}: у GPT-2 форма {tuple(source.shape)}, у модели {tuple(value.shape)}.")
            value.copy_(source)


@dataclass
class GPTConfig:
    """Размеры модели: словарь, контекстное окно, число блоков, голов и ширина эмбеддинга."""

    vocab_size: int = 256
    block_size: int = 64
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    dropout: float = 0.0
    layer_norm_eps: float = 1e-5


class CausalSelfAttention(nn.Module):
    """Многоголовое внимание с причинной маской; Q, K, V считаются одним слоем c_attn."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(f"n_embd ({config.n_embd}) должно делиться на n_head ({config.n_head}).")
        self.n_head = config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        out, _ = attention(q, k, v, causal_mask(T, device=x.device))
        return self.dropout(self.c_proj(out.transpose(1, 2).reshape(B, T, C)))


class MLP(nn.Module):
    """Слой прямого распространения: расширить в 4 раза → GELU → сжать обратно."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.gelu = nn.GELU(approximate="tanh")  # «gelu_new» в GPT-2
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))
