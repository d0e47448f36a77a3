"""LoRA своими руками для GPT курса (глава 5): адаптеры на слоях ``Conv1D`` и обучаемая строка эмбеддинга.

Линейные слои GPT курса (формат GPT-2 из transformers) — не ``nn.Linear``, а ``Conv1D``. Считают они то же самое,
``x @ W + b``, но вес хранят транспонированным: форма ``(d_in, d_out)``, а у ``nn.Linear`` — ``(d_out, d_in)``.
Упражнение ноутбука «3. LoRA своими руками» оборачивает ``nn.Linear``; здесь — обёртка для ``Conv1D`` и функции,
которые собирают из таких слоёв LoRA-модель: её учит цикл ``finetuning.train_sft``, а ноутбук «4. То же с peft
и Trainer» сверяет её с библиотекой peft.

Обозначения — как в статье LoRA: вес W заморожен, обучается поправка ΔW = (α/r)·B·A, где A — матрица r × d_in,
B — d_out × r, и в начале B = 0, поэтому до обучения модель отвечает в точности как исходная.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from transformers.pytorch_utils import Conv1D

from .finetuning import IGNORE_INDEX, collate, encode_example

GPT2_TARGETS = ("c_attn", "c_proj", "c_fc")  # все линейные слои блоков GPT курса


class LoRAConv1D(nn.Module):
    """Слой ``Conv1D`` с LoRA: ``base(x) + (α/r)·(x Aᵀ) Bᵀ``; ``base`` заморожен, обучаются только A и B."""

    def __init__(self, base: Conv1D, r: int, alpha: float):
        super().__init__()
        if not isinstance(base, Conv1D):
            raise TypeError(f"LoRAConv1D оборачивает слой Conv1D из transformers, получено {type(base).__name__}. "
                            "Для nn.Linear нужна своя обёртка: у него вес хранится транспонированным.")
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"Ранг r — целое число ≥ 1, получено {r!r}.")
        d_in, d_out = base.weight.shape  # у Conv1D вес (d_in, d_out)
        self.base = base.requires_grad_(False)
        self.A = nn.Parameter(torch.empty(r, d_in))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))  # так же, как nn.Linear и peft
        self.B = nn.Parameter(torch.zeros(d_out, r))  # B = 0: в начале поправка равна нулю
        self.r, self.alpha, self.scale = r, alpha, alpha / r

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + self.scale * (x @ self.A.T) @ self.B.T

    def delta_weight(self) -> torch.Tensor:
        """Поправка к весу ``Conv1D``: (α/r)·(B·A)ᵀ. B·A имеет форму (d_out, d_in), а вес Conv1D — (d_in, d_out),
        поэтому поправку транспонируем."""
        return self.scale * (self.B @ self.A).T

    def merged(self) -> Conv1D:
        """Обычный ``Conv1D`` с весом W + ΔW: считает то же самое, но без лишних умножений на A и B."""
        d_in, d_out = self.base.weight.shape
        layer = Conv1D(d_out, d_in)
        with torch.no_grad():
            layer.weight.copy_(self.base.weight + self.delta_weight())
            layer.bias.copy_(self.base.bias)
        return layer

    def extra_repr(self) -> str:
        d_in, d_out = self.base.weight.shape
        return f"d_in={d_in}, d_out={d_out}, r={self.r}, alpha={self.alpha}"


class TrainableTokens(nn.Module):
    """Эмбеддинг, у которого обучаются только строки токенов ``token_ids``, а остальные заморожены.

    Так делает и peft (``LoraConfig(trainable_token_indices=...)``): новые значения строк хранятся отдельно
    (``rows``) и при каждом проходе вставляются в замороженную матрицу. Зачем это нужно: при предобучении GPT курса
    ни разу не предсказывал токен конца текста (EOS), его строка эмбеддинга для этого не обучена, а LoRA на
    линейных слоях её не меняет.
    """

    def __init__(self, embedding: nn.Embedding, token_ids):
        super().__init__()
        self.base = embedding.requires_grad_(False)
        self.register_buffer("token_ids", torch.tensor(list(token_ids), dtype=torch.long), persistent=False)
        self.rows = nn.Parameter(embedding.weight[self.token_ids].detach().clone())

    def full_weight(self) -> torch.Tensor:
        """Матрица эмбеддингов, в которой строки ``token_ids`` заменены обучаемыми ``rows``."""
        return self.base.weight.index_copy(0, self.token_ids, self.rows)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return F.embedding(ids, self.full_weight())


class TiedHead(nn.Module):
    """Выходной слой, связанный с эмбеддингами (tied): логиты = h · Eᵀ, где E — матрица ``TrainableTokens``."""

    def __init__(self, tokens: TrainableTokens):
        super().__init__()
        self.tokens = tokens

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return F.linear(h, self.tokens.full_weight())


def add_lora(model: nn.Module, r: int, alpha: float, targets=GPT2_TARGETS, token_ids=()) -> nn.Module:
    """Превращает GPT курса (``finetuning.load_model()``) в LoRA-модель и возвращает её же (меняет на месте).

    Все веса замораживаются; каждый ``Conv1D``, чьё короткое имя есть в ``targets``, заменяется на
    ``LoRAConv1D(слой, r, alpha)``. Если заданы ``token_ids``, строки эмбеддингов этих токенов становятся
    обучаемыми (``TrainableTokens``), а связанный с эмбеддингами выходной слой читает ту же матрицу.
    """
    model.requires_grad_(False)
    chosen = [(name, module) for name, module in model.named_modules()
              if isinstance(module, Conv1D) and name.rsplit(".", 1)[-1] in targets]
    if not chosen:
        raise ValueError(f"В модели нет слоёв Conv1D с именами {list(targets)}: LoRA некуда добавить.")
    for name, module in chosen:
        parent_name, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent_name), child, LoRAConv1D(module, r, alpha))
    if token_ids:
        if model.get_output_embeddings().weight is not model.get_input_embeddings().weight:
            raise ValueError("add_lora(token_ids=...) рассчитан на модель со связанными эмбеддингами (как GPT курса).")
        tokens = TrainableTokens(model.get_input_embeddings(), token_ids)
        model.set_input_embeddings(tokens)
        model.lm_head = TiedHead(tokens)
    return model


def lora_layers(model: nn.Module) -> dict[str, LoRAConv1D]:
    """Слои ``LoRAConv1D`` модели по их полным именам."""
    return {name: module for name, module in model.named_modules() if isinstance(module, LoRAConv1D)}


def copy_from_peft(model: nn.Module, peft_model: nn.Module, adapter: str = "default") -> None:
    """Переносит в LoRA-модель из ``add_lora`` матрицы A, B и обучаемые строки эмбеддинга peft-модели.

    У peft матрицы лежат в ``<слой>.lora_A[adapter].weight`` (r × d_in) и ``<слой>.lora_B[adapter].weight``
    (d_out × r) — те же формы, что у A и B здесь; масштаб α/r — в ``<слой>.scaling[adapter]``.
    """
    inner = peft_model.get_base_model()
    with torch.no_grad():
        for name, layer in lora_layers(model).items():
            theirs = inner.get_submodule(name)
            if not math.isclose(layer.scale, theirs.scaling[adapter]):
                raise ValueError(f"{name}: масштаб α/r здесь {layer.scale}, а в peft {theirs.scaling[adapter]}. "
                                 "Создайте модель с теми же r и alpha, что в LoraConfig.")
            layer.A.copy_(theirs.lora_A[adapter].weight)
            layer.B.copy_(theirs.lora_B[adapter].weight)
        tokens = model.get_input_embeddings()
        if isinstance(tokens, TrainableTokens):
            adapter_layer = inner.get_input_embeddings().token_adapter
            if adapter_layer.token_indices[adapter] != tokens.token_ids.tolist():
                raise ValueError("Обучаемые токены здесь и в peft разные: сверьте token_ids и trainable_token_indices.")
            tokens.rows.copy_(adapter_layer.trainable_tokens_delta[adapter])


@torch.no_grad()
def answer_losses(model: nn.Module, tokenizer, rows: list[dict]) -> dict[str, float]:
    """Средний лосс (нат на токен) на токенах ответа примеров ``rows``: всего, на токене EOS и на остальных.

    Доля точных ответов говорит «да или нет» и на коротком обучении почти всегда близка к нулю; лосс меняется
    плавно, и по нему видно, какой части ответа модель уже научилась. Отдельная цифра для EOS показывает, умеет
    ли модель вовремя остановиться.
    """
    model.eval()
    batch = collate([encode_example(tokenizer, row) for row in rows], tokenizer.eos_token_id)
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
    targets = batch["labels"][:, 1:]  # токен t предсказывается в позиции t - 1
    loss = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=IGNORE_INDEX, reduction="none")
    answer = targets != IGNORE_INDEX
    eos = targets == tokenizer.eos_token_id
    return {"answer": loss[answer].mean().item(), "eos": loss[eos].mean().item(),
            "other": loss[answer & ~eos].mean().item()}


def long_runs() -> dict:
    """Цифры долгих обучений LoRA на GPT курса из ``benchmarks/lora.json`` (его пишет ``scripts/bench_lora.py``).

    В ноутбуках модели успевают обучиться лишь на сотню итераций; здесь — те же конфигурации на 600 итераций:
    ``report["targets"]`` (какие слои, со строкой EOS и без) и ``report["ranks"]`` (r = 1, 4, 16).
    """
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "lora.json"
    if not path.is_file():
        raise FileNotFoundError(f"Нет файла {path}: работайте из клона репозитория курса или пересоберите его "
                                "командой «python scripts/bench_lora.py» (около 15 минут на CPU).")
    return json.loads(path.read_text(encoding="utf-8"))
