"""Файнтюнинг (глава 5): инструкции в шаблоне ``[INST] … [/INST]``, метки для SFT, короткий цикл обучения
и доля точных ответов на отложенных инструкциях.

Этим модулем пользуются ноутбуки глав 5–6 и скрипт ``scripts/train_sft_lora.py``, который обучает
адаптер из ``data/tiny_sft_lora``. Модель — любая ``AutoModelForCausalLM`` из transformers (в том числе
обёрнутая peft): она принимает ``input_ids``, ``attention_mask``, ``labels`` и возвращает ``.loss``.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Callable

import torch
from torch import nn

from .data import sft_path, tiny_gpt_path
from .gpt_parts import without_progress_bar
from .pretraining import learning_rate

PROMPT_TEMPLATE = "[INST] {instruction} [/INST]"
IGNORE_INDEX = -100  # метка, которую cross_entropy в transformers пропускает
# Тот же шаблон для tokenizer.apply_chat_template: роли user → [INST] … [/INST], assistant → ответ и конец текста.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'user' %}[INST] {{ message['content'] }} [/INST]"
    "{% elif message['role'] == 'assistant' %} {{ message['content'] }}{{ eos_token }}{% endif %}"
    "{% endfor %}")


def load_sft(split: str | None = None) -> list[dict]:
    """Примеры из ``data/sft_ru.jsonl``: все или одной части (``"train"`` или ``"test"``)."""
    if split not in (None, "train", "test"):
        raise ValueError(f"Часть данных — 'train', 'test' или None (все примеры), получено {split!r}.")
    rows = [json.loads(line) for line in sft_path().read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if split is None or row["split"] == split]


def load_model(path=None, dropout: float = 0.0, **kwargs):
    """GPT курса (или другая модель из папки) для файнтюнинга; dropout по умолчанию выключен.

    Остальные аргументы уходят в ``from_pretrained`` (например, ``quantization_config``).
    """
    from transformers import AutoModelForCausalLM

    with without_progress_bar():
        model = AutoModelForCausalLM.from_pretrained(path or tiny_gpt_path(), resid_pdrop=dropout,
                                                     embd_pdrop=dropout, attn_pdrop=dropout, **kwargs)
    model.loss_type = "ForCausalLM"  # GPT2LMHeadModel не называет свой лосс, и transformers предупреждает в stderr
    return model


def format_prompt(instruction: str) -> str:
    """Инструкция в шаблоне курса: ``[INST] инструкция [/INST]``; ответ модели пойдёт после пробела."""
    return PROMPT_TEMPLATE.format(instruction=instruction)


def prompt_ids(tokenizer, instruction: str) -> list[int]:
    """Токены запроса: токен начала текста (BOS) и инструкция в шаблоне."""
    return [tokenizer.bos_token_id] + tokenizer(format_prompt(instruction))["input_ids"]


def encode_example(tokenizer, row: dict) -> tuple[list[int], list[int]]:
    """Пример для SFT: ``(input_ids, labels)``. Запрос в метках заменён на -100, ответ и EOS — сохранены."""
    prompt = prompt_ids(tokenizer, row["instruction"])
    answer = tokenizer(" " + row["output"])["input_ids"] + [tokenizer.eos_token_id]
    return prompt + answer, [IGNORE_INDEX] * len(prompt) + answer


def collate(examples: list[tuple[list[int], list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """Батч из примеров разной длины: дополняет справа (pad в input_ids, -100 в labels, 0 в attention_mask)."""
    length = max(len(ids) for ids, _ in examples)
    batch = {"input_ids": torch.full((len(examples), length), pad_id),
             "attention_mask": torch.zeros(len(examples), length, dtype=torch.long),
             "labels": torch.full((len(examples), length), IGNORE_INDEX)}
    for i, (ids, labels) in enumerate(examples):
        batch["input_ids"][i, :len(ids)] = torch.tensor(ids)
        batch["attention_mask"][i, :len(ids)] = 1
        batch["labels"][i, :len(labels)] = torch.tensor(labels)
    return batch


def train_sft(model: nn.Module, tokenizer, rows: list[dict], *, steps: int, lr: float = 2e-3,
              batch_size: int = 16, warmup: int = 20, seed: int = 0, log_every: int = 25,
              encode: Callable = encode_example, callback: Callable[[list[dict]], None] | None = None) -> list[dict]:
    """Обучает обучаемые параметры модели на примерах ``rows``; возвращает журнал ``{step, loss, seconds}``.

    Батч — ``batch_size`` случайных примеров (генератор с ``seed``), лосс — только по меткам ответа. Оптимизатор
    AdamW без weight decay, разогрев ``warmup`` шагов и косинус до 0.1·lr. Замороженные параметры
    (``requires_grad=False``) не меняются: так тот же цикл учит и всю модель, и LoRA-адаптер.
    """
    trainable = [p for p in model.parameters() if p.requires_grad]
    if not trainable:
        raise ValueError("У модели нет обучаемых параметров: все заморожены (requires_grad=False).")
    encoded = [encode(tokenizer, row) for row in rows]
    optimizer = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.0)
    generator = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    log, start, window = [], time.perf_counter(), []
    model.train()
    for step in range(1, steps + 1):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step - 1, steps, lr, warmup)
        picked = torch.randint(len(encoded), (batch_size,), generator=generator).tolist()
        batch = collate([encoded[i] for i in picked], tokenizer.eos_token_id)
        loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        window.append(loss.item())
        if step % log_every == 0 or step == steps:
            log.append({"step": step, "loss": sum(window) / len(window),
                        "seconds": round(time.perf_counter() - start, 1)})
            window = []
            if callback is not None:
                callback(log)
    model.eval()
    return log


@torch.no_grad()
def generate_answers(model: nn.Module, tokenizer, instructions: list[str], max_new_tokens: int = 12) -> list[str]:
    """Жадные ответы модели на инструкции (до EOS или ``max_new_tokens`` токенов), без шаблона и пробелов по краям.

    Запросы одной длины идут одним батчем, поэтому дополнять их не нужно.
    """
    model.eval()
    device = next(model.parameters()).device
    by_length = defaultdict(list)
    for i, instruction in enumerate(instructions):
        ids = prompt_ids(tokenizer, instruction)
        by_length[len(ids)].append((i, ids))
    answers = [""] * len(instructions)
    eos = tokenizer.eos_token_id
    for length, group in by_length.items():
        x = torch.tensor([ids for _, ids in group], device=device)
        out = model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=max_new_tokens,
                             do_sample=False, eos_token_id=eos, pad_token_id=eos)
        for (i, _), row in zip(group, out[:, length:].tolist()):
            answers[i] = tokenizer.decode(row[:row.index(eos)] if eos in row else row).strip()
    return answers


def exact_match(model: nn.Module, tokenizer, rows: list[dict]) -> dict[str, float]:
    """Доля точных ответов: ``{"all": …, "<семейство>": …}`` — ответ модели совпадает с ``output`` целиком."""
    answers = generate_answers(model, tokenizer, [row["instruction"] for row in rows])
    hits, totals = defaultdict(int), defaultdict(int)
    for row, answer in zip(rows, answers):
        for key in ("all", row["task"]):
            totals[key] += 1
            hits[key] += answer == row["output"]
    return {key: round(hits[key] / totals[key], 3) for key in totals}
