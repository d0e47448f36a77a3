"""Сверка с GPT-2 из ``transformers`` (глава 3): случайная GPT-2 нужного размера, модель «только логиты»
и проверка причинности.

Ответы главы 3 (блок, GPT, генерация) тесты сверяют не с эталоном курса, а с независимой реализацией —
``GPT2LMHeadModel`` из библиотеки ``transformers``. Имена её слоёв совпадают с именами в курсе, поэтому веса
копируются одной функцией ``course_utils.gpt_parts.load_hf_weights``.
"""
from __future__ import annotations

import torch
from torch import nn

from . import checks
from .gpt_parts import GPTConfig


def hf_gpt2(config: GPTConfig, seed: int = 0):
    """Случайная GPT-2 из transformers размера ``config`` (ничего не скачивается), без dropout, в режиме eval.

    Веса крупнее, чем при обычной инициализации GPT-2 (разброс 0.2 вместо 0.02), а у нормализаций тоже случайные
    weight и bias вместо 1 и 0: иначе подслои почти не меняют выход блока, нормализации не отличить друг от друга,
    и ошибка в порядке слоёв видна лишь в пятом знаке.
    """
    from transformers import GPT2Config, GPT2LMHeadModel  # библиотека большая: грузим, только когда нужна

    torch.manual_seed(seed)
    hf_config = GPT2Config(vocab_size=config.vocab_size, n_positions=config.block_size, n_layer=config.n_layer,
                           n_head=config.n_head, n_embd=config.n_embd, layer_norm_epsilon=config.layer_norm_eps,
                           activation_function="gelu_new", initializer_range=0.2, resid_pdrop=0.0, embd_pdrop=0.0,
                           attn_pdrop=0.0, bos_token_id=None, eos_token_id=None, pad_token_id=None)
    model = GPT2LMHeadModel(hf_config).eval()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if ".ln_" in name:
                parameter.copy_((1.0 if name.endswith("weight") else 0.0) + 0.5 * torch.randn_like(parameter))
    return model


class LogitsOnly(nn.Module):
    """GPT-2 из transformers в виде модели курса: ``model(idx)`` → логиты ``(B, T, vocab_size)``.

    ``model.config.block_size`` — контекстное окно. Текст длиннее окна — ``ValueError``, в которой это сказано
    (сама GPT-2 упала бы с непонятной ``IndexError`` в таблице позиций).
    """

    def __init__(self, hf_model):
        super().__init__()
        self.hf_model = hf_model
        c = hf_model.config
        self.config = GPTConfig(vocab_size=c.vocab_size, block_size=c.n_positions, n_layer=c.n_layer,
                                n_head=c.n_head, n_embd=c.n_embd, layer_norm_eps=c.layer_norm_epsilon)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        if idx.shape[1] > self.config.block_size:
            raise ValueError(f"в модель подано {idx.shape[1]} токенов, а её контекстное окно — "
                             f"{self.config.block_size} токенов")
        return self.hf_model(idx).logits


def check_causal(model: nn.Module, idx: torch.Tensor, name: str = "логиты модели") -> None:
    """Проверка причинности: меняет токены со второй половины текста и требует, чтобы логиты более ранних
    позиций не сдвинулись. Модель не открывается: тест смотрит только на её выходы."""
    t = idx.shape[1] // 2
    changed = idx.clone()
    changed[:, t:] = (changed[:, t:] + 1) % model.config.vocab_size
    with torch.no_grad():
        before, after = checks.call(model, idx), checks.call(model, changed)
    if not torch.allclose(before[:, :t], after[:, :t], atol=1e-5):
        checks.fail(f"{name}: логиты позиций 0…{t - 1} изменились, хотя поменялись только токены с позиции {t}: "
                    "модель подглядывает в будущее.",
                    "Причинная маска должна закрывать будущие токены; ничто в forward не должно смешивать "
                    "позиции, кроме внимания с маской.")
