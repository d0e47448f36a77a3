"""Квантизация весов (глава 5): обвязка вокруг квантизаторов, которые вы пишете в ноутбуке «Квантизация и QLoRA».

Квантизатор здесь — функция ``roundtrip(w) -> w_hat``: матрица весов туда (в int8 или 4 бита) и обратно во float32.
Модуль прогоняет через неё веса линейных слоёв GPT, меряет ошибку весов и лосс на ответах, время прямого
прохода, а для необязательной части с настоящей моделью — кодирует примеры её шаблоном чата и проверяет,
можно ли её скачать.
"""
from __future__ import annotations

import copy
import socket

import torch
from torch import nn

from .finetuning import IGNORE_INDEX, collate, encode_example
from .timing import best_time


def linear_layers(model: nn.Module) -> dict[str, nn.Module]:
    """Линейные слои блоков трансформера: ``nn.Linear`` и ``Conv1D`` из GPT-2 (без эмбеддингов и lm_head).

    Именно их квантуют bitsandbytes и QLoRA; таблица эмбеддингов (она же lm_head у GPT курса) остаётся во float32.
    """
    from transformers.pytorch_utils import Conv1D

    return {name: module for name, module in model.named_modules()
            if isinstance(module, (nn.Linear, Conv1D)) and not name.endswith("lm_head")}


def linear_weight(layer: nn.Module) -> torch.Tensor:
    """Матрица весов слоя в форме ``nn.Linear``: (выходы, входы). У ``Conv1D`` из GPT-2 она хранится
    транспонированной, (входы, выходы), поэтому её разворачиваем: строка — это один выход слоя."""
    weight = layer.weight.detach()
    return weight if isinstance(layer, nn.Linear) else weight.T


def with_quantized_weights(model: nn.Module, roundtrip) -> nn.Module:
    """Копия модели, где вес каждого линейного слоя заменён на ``roundtrip(вес)`` (туда и обратно).

    Матрица передаётся в форме (выходы, входы), поэтому «масштаб на строку» — это масштаб на выход слоя.
    Исходная модель не меняется.
    """
    quantized = copy.deepcopy(model)
    for layer in linear_layers(quantized).values():
        restored = roundtrip(linear_weight(layer).contiguous()).to(layer.weight.dtype)
        layer.weight.data = restored if isinstance(layer, nn.Linear) else restored.T.contiguous()
    return quantized


def weight_error(model: nn.Module, roundtrip) -> dict[str, float]:
    """Ошибка весов линейных слоёв после ``roundtrip``: средняя |w − ŵ| и она же, делённая на среднюю |w|."""
    total_error, total_size, count = 0.0, 0.0, 0
    for layer in linear_layers(model).values():
        weight = linear_weight(layer).contiguous()
        total_error += (roundtrip(weight) - weight).abs().sum().item()
        total_size += weight.abs().sum().item()
        count += weight.numel()
    return {"mean_abs": total_error / count, "relative": total_error / total_size}


@torch.no_grad()
def answer_loss(model: nn.Module, tokenizer, rows: list[dict], batch_size: int = 64) -> float:
    """Средняя кросс-энтропия на токенах ответа (и EOS) по примерам ``rows``, в натах на токен.

    Запрос в метках закрыт (-100), как при SFT: модель оценивают только по тому, что она должна ответить.
    """
    model.eval()
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for start in range(0, len(rows), batch_size):
        batch = collate([encode_example(tokenizer, row) for row in rows[start:start + batch_size]],
                        tokenizer.eos_token_id)
        logits = model(input_ids=batch["input_ids"].to(device),
                       attention_mask=batch["attention_mask"].to(device)).logits.float()
        labels = batch["labels"][:, 1:].to(device)
        losses = nn.functional.cross_entropy(logits[:, :-1].transpose(1, 2), labels, ignore_index=IGNORE_INDEX,
                                             reduction="sum")
        total += losses.item()
        count += int((labels != IGNORE_INDEX).sum())
    return total / count


@torch.no_grad()
def forward_seconds(model: nn.Module, input_ids: torch.Tensor) -> float:
    """Время одного прямого прохода по батчу ``input_ids`` (лучшее из нескольких замеров, см. ``timing.best_time``)."""
    model.eval()
    return best_time(lambda: model(input_ids=input_ids), repeat=5)


# ---------------------------------------------------------------------------------------------------------------
# Необязательная часть: настоящая модель в Colab
# ---------------------------------------------------------------------------------------------------------------
HUB_HOST = "huggingface.co"


def hub_reachable(timeout: float = 3.0) -> bool:
    """Открывается ли соединение с хабом Hugging Face (порт 443) за ``timeout`` секунд."""
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


def real_model_skip_reason(run: bool) -> str | None:
    """Почему настоящую модель сейчас не запускаем (строка по-русски), или None, если запускать можно.

    Сеть проверяется только после явного согласия (``run=True``) и при наличии видеокарты.
    """
    if not run:
        return ("RUN_REAL_MODEL = False: настоящую модель не скачиваем. Чтобы запустить эту часть в Colab с GPU, "
                "поставьте RUN_REAL_MODEL = True и выполните ячейку ещё раз.")
    if not torch.cuda.is_available():
        return ("Пропускаем: нет видеокарты CUDA. 4-битная модель на миллиард параметров на процессоре училась бы "
                "часами; в Colab выберите «Среда выполнения → Сменить среду → GPU».")
    if not hub_reachable():
        return f"Пропускаем: нет сети — {HUB_HOST} не отвечает, скачать модель нельзя."
    return None


def chat_example(tokenizer, row: dict) -> tuple[list[int], list[int]]:
    """Пример для SFT в шаблоне чата модели: ``(input_ids, labels)``; запрос в метках закрыт (-100).

    Запрос — сообщение пользователя с приглашением ассистенту (``add_generation_prompt``); ответ — то, что шаблон
    дописывает после него, когда в диалоге есть реплика ассистента (там и токен конца реплики).
    """
    question = [{"role": "user", "content": row["instruction"]}]
    prompt = tokenizer.apply_chat_template(question, tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(question + [{"role": "assistant", "content": row["output"]}],
                                         tokenize=False)
    if not full.startswith(prompt):
        raise ValueError("Шаблон чата модели меняет запрос, когда в диалоге появляется ответ: разрезать пример на "
                         "запрос и ответ по тексту нельзя.")
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(full[len(prompt):], add_special_tokens=False)["input_ids"]
    return prompt_ids + answer_ids, [IGNORE_INDEX] * len(prompt_ids) + answer_ids


@torch.no_grad()
def chat_answers(model: nn.Module, tokenizer, instructions: list[str], max_new_tokens: int = 16) -> list[str]:
    """Жадные ответы чат-модели на инструкции, по одной (без дополнения), без пробелов по краям."""
    model.eval()
    device = next(model.parameters()).device
    answers = []
    for instruction in instructions:
        text = tokenizer.apply_chat_template([{"role": "user", "content": instruction}], tokenize=False,
                                             add_generation_prompt=True)
        ids = torch.tensor([tokenizer(text, add_special_tokens=False)["input_ids"]], device=device)
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                             do_sample=False, pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
        answers.append(tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip())
    return answers
