"""Эталонный GPT курса (глава 3): небольшой, читаемый, в духе nanoGPT.

Собранные ``Block`` и ``GPT`` — ответы упражнений главы 3; ими пользуются главы о предобучении, файнтюнинге и RL.
Готовые детали (``GPTConfig``, ``CausalSelfAttention``, ``MLP``, ``load_hf_weights``) лежат в ``gpt_parts``,
и отсюда их тоже можно импортировать. Имена слоёв совпадают с GPT-2 из Hugging Face, поэтому модель
переводится в формат ``transformers`` и обратно одной функцией: ``GPT.from_hf(hf_model)``, ``model.to_hf()``,
``model.save_pretrained(path)``, ``GPT.from_pretrained(path)``.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .gpt_parts import (_CONV1D_WEIGHTS, MLP, CausalSelfAttention, GPTConfig, load_hf_weights,
                        without_progress_bar)

__all__ = ["GPT", "Block", "GPTConfig", "CausalSelfAttention", "MLP", "load_hf_weights"]


class Block(nn.Module):
    """Блок трансформера с нормализацией до подслоя (pre-norm) и остаточными связями."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """Decoder-only трансформер: эмбеддинги токенов и позиций → блоки → LayerNorm → логиты словаря."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList(Block(config) for _ in range(config.n_layer)),
            ln_f=nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # общие веса входа и выхода, как в GPT-2
        self.apply(self._init_weights)
        for name, parameter in self.named_parameters():  # масштаб проекций в остаточный поток, как в GPT-2
            if name.endswith("c_proj.weight"):
                nn.init.normal_(parameter, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_params(self) -> int:
        """Число обучаемых параметров (общая матрица эмбеддингов считается один раз)."""
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        """idx: (B, T) номера токенов → (логиты (B, T, vocab_size), лосс или None)."""
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"Последовательность длиной {T} длиннее контекстного окна {self.config.block_size}.")
        positions = torch.arange(T, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(positions))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return logits, loss

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """Дописывает max_new_tokens токенов; temperature = 0 — жадный выбор самого вероятного.

        При temperature > 0 логиты обрабатывают процессоры из transformers, как в ``hf_model.generate``:
        деление на температуру и, если задан ``top_k``, отсечение всех токенов, кроме ``top_k`` самых вероятных;
        затем токен тянется случайно из softmax (``generator`` — для воспроизводимости).
        """
        from transformers import LogitsProcessorList, TemperatureLogitsWarper, TopKLogitsWarper

        warpers = LogitsProcessorList()
        if temperature != 0:
            warpers.append(TemperatureLogitsWarper(float(temperature)))
            if top_k is not None:
                warpers.append(TopKLogitsWarper(top_k))
        for _ in range(max_new_tokens):
            logits = self(idx[:, -self.config.block_size:])[0][:, -1, :]
            if temperature == 0:
                next_ids = logits.argmax(dim=-1, keepdim=True)
            else:
                next_ids = torch.multinomial(torch.softmax(warpers(idx, logits), dim=-1), 1, generator=generator)
            idx = torch.cat([idx, next_ids], dim=1)
        return idx

    # --- формат Hugging Face GPT-2 ---

    def hf_config(self):
        """Такой же размер модели в виде transformers.GPT2Config."""
        from transformers import GPT2Config

        c = self.config
        return GPT2Config(vocab_size=c.vocab_size, n_positions=c.block_size, n_embd=c.n_embd, n_layer=c.n_layer,
                          n_head=c.n_head, layer_norm_epsilon=c.layer_norm_eps, activation_function="gelu_new",
                          resid_pdrop=c.dropout, embd_pdrop=c.dropout, attn_pdrop=0.0,
                          bos_token_id=None, eos_token_id=None, pad_token_id=None)

    def to_hf(self):
        """Копия модели в виде transformers.GPT2LMHeadModel (веса те же, логиты совпадают)."""
        from transformers import GPT2LMHeadModel

        hf_model = GPT2LMHeadModel(self.hf_config())
        hf_state = hf_model.state_dict()
        with torch.no_grad():
            for name, value in self.state_dict().items():
                hf_state[name].copy_(value.T if name.endswith(_CONV1D_WEIGHTS) else value)
        return hf_model.eval()

    @classmethod
    def from_hf(cls, hf_model) -> "GPT":
        """Наш GPT с весами из transformers.GPT2LMHeadModel."""
        hf_config = hf_model.config
        model = cls(GPTConfig(vocab_size=hf_config.vocab_size, block_size=hf_config.n_positions,
                              n_embd=hf_config.n_embd, n_layer=hf_config.n_layer, n_head=hf_config.n_head,
                              layer_norm_eps=hf_config.layer_norm_epsilon))
        load_hf_weights(model, hf_model)
        return model

    def save_pretrained(self, path) -> None:
        """Сохраняет в формате Hugging Face: потом AutoModelForCausalLM.from_pretrained(path)."""
        self.to_hf().save_pretrained(path)

    @classmethod
    def from_pretrained(cls, path) -> "GPT":
        """Загружает модель из локальной папки в формате Hugging Face (без скачивания и без полоски прогресса)."""
        from transformers import GPT2LMHeadModel

        with without_progress_bar():
            return cls.from_hf(GPT2LMHeadModel.from_pretrained(path, local_files_only=True))
