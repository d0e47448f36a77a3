"""Обучение с подкреплением для языковой модели (глава 6): политика, её ответы и их логарифмы вероятностей.

Политика — GPT курса после SFT (``data/tiny_sft_lora``, глава 5), адаптер влит в веса, так что учится вся модель.
Ответы семплируются группами: ``n`` ответов на каждый запрос подряд. Батч ``Rollout`` хранит запрос и ответ
в одной строке токенов и маску ответа: логарифмы вероятностей и лоссы считаются только по токенам ответа.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .data import data_dir, sft_lora_path, tiny_gpt_path
from .finetuning import load_model, prompt_ids
from .gpt_parts import without_progress_bar


def preferences_path():
    """Пары предпочтений главы 6: ``data/preferences_ru.jsonl``."""
    return data_dir() / "preferences_ru.jsonl"


def load_preferences(split: str | None = None) -> list[dict]:
    """Пары ``{"prompt", "chosen", "rejected", "kind", "task", "split"}``: все или одной части."""
    if split not in (None, "train", "test"):
        raise ValueError(f"Часть данных — 'train', 'test' или None (все пары), получено {split!r}.")
    lines = preferences_path().read_text(encoding="utf-8").splitlines()
    return [row for row in map(json.loads, filter(str.strip, lines)) if split is None or row["split"] == split]


def load_tokenizer():
    """Токенизатор GPT курса (``<|endoftext|>`` — начало, конец текста и дополнение)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_gpt_path())


def load_policy():
    """Стартовая политика главы 6: GPT курса с влитым SFT-адаптером; все веса обучаемы, dropout выключен."""
    from peft import PeftModel

    with warnings.catch_warnings():  # peft 0.21 вызывает устаревшее is_gradient_checkpointing из transformers 5
        warnings.simplefilter("ignore", FutureWarning)
        model = PeftModel.from_pretrained(load_model(), str(sft_lora_path())).merge_and_unload()
    model.requires_grad_(True)  # peft заморозил базовые веса; после слияния учится вся модель
    return model.eval()


@dataclass
class Rollout:
    """Батч «запрос + ответ», дополненный справа: ``response_mask`` = 1 на токенах ответа (включая EOS)."""

    input_ids: torch.Tensor  # (B, L)
    attention_mask: torch.Tensor  # (B, L)
    response_mask: torch.Tensor  # (B, L)
    prompts: list[str]  # B запросов (каждый повторён n раз подряд)
    responses: list[str]  # B ответов текстом, без EOS и пробелов по краям


def encode_pairs(tokenizer, prompts: list[str], responses: list[str]) -> Rollout:
    """Готовые ответы (например, chosen/rejected из пар предпочтений) в виде батча ``Rollout``."""
    rows = []
    for prompt, response in zip(prompts, responses, strict=True):
        answer = tokenizer(" " + response)["input_ids"] + [tokenizer.eos_token_id]
        rows.append((prompt_ids(tokenizer, prompt), answer))
    return _pad(rows, prompts, list(responses), tokenizer.eos_token_id)


def _pad(rows, prompts, responses, pad_id) -> Rollout:
    length = max(len(p) + len(a) for p, a in rows)
    ids = torch.full((len(rows), length), pad_id)
    attention = torch.zeros(len(rows), length, dtype=torch.long)
    response = torch.zeros(len(rows), length, dtype=torch.long)
    for i, (p, a) in enumerate(rows):
        ids[i, :len(p) + len(a)] = torch.tensor(p + a)
        attention[i, :len(p) + len(a)] = 1
        response[i, len(p):len(p) + len(a)] = 1
    return Rollout(ids, attention, response, list(prompts), responses)


@torch.no_grad()
def sample(model, tokenizer, prompts: list[str], n: int = 1, *, temperature: float = 1.0,
           max_new_tokens: int = 12, seed: int | None = None) -> Rollout:
    """По ``n`` ответов на каждый запрос (семплирование с температурой); ответ кончается на EOS или по длине.

    Запросы одной длины идут одним батчем. С ``seed`` результат воспроизводим.
    """
    if seed is not None:
        torch.manual_seed(seed)
    was_training = model.training
    model.eval()
    eos = tokenizer.eos_token_id
    device = next(model.parameters()).device
    encoded = [prompt_ids(tokenizer, p) for p in prompts]
    answers: list[list[int]] = [[] for _ in range(len(prompts) * n)]
    by_length: dict[int, list[int]] = {}
    for i, ids in enumerate(encoded):
        by_length.setdefault(len(ids), []).append(i)
    for length, indices in by_length.items():
        x = torch.tensor([encoded[i] for i in indices for _ in range(n)], device=device)
        out = model.generate(input_ids=x, attention_mask=torch.ones_like(x), do_sample=True,
                             temperature=temperature, top_k=0, top_p=1.0, max_new_tokens=max_new_tokens,
                             eos_token_id=eos, pad_token_id=eos)
        for row, generated in enumerate(out[:, length:].tolist()):
            i, k = indices[row // n], row % n
            answers[i * n + k] = generated[:generated.index(eos) + 1] if eos in generated else generated
    model.train(was_training)
    rows = [(encoded[i // n], answers[i]) for i in range(len(answers))]
    texts = [tokenizer.decode([t for t in a if t != eos]).strip() for a in answers]
    return _pad(rows, [p for p in prompts for _ in range(n)], texts, eos)


def token_logprobs(model, batch: Rollout) -> torch.Tensor:
    """log p(токен | предыдущие) для каждого токена строки, начиная со второго: тензор (B, L − 1).

    Токен ``t`` предсказан по логитам позиции ``t − 1``, поэтому логиты сдвинуты на один шаг.
    """
    device = next(model.parameters()).device
    logits = model(input_ids=batch.input_ids.to(device), attention_mask=batch.attention_mask.to(device)).logits
    targets = batch.input_ids[:, 1:].to(device)
    return torch.gather(F.log_softmax(logits[:, :-1].float(), dim=-1), 2, targets.unsqueeze(-1)).squeeze(-1)


def response_logprob(model, batch: Rollout) -> torch.Tensor:
    """Сумма log p по токенам ответа (без запроса и дополнения) для каждой строки: тензор (B,)."""
    logprobs = token_logprobs(model, batch)
    return (logprobs * batch.response_mask[:, 1:].to(logprobs.device)).sum(dim=1)


def reward_model_path():
    """Модель награды главы 6 (``scripts/train_reward_model.py``): ``data/tiny_reward_model``."""
    return data_dir() / "tiny_reward_model"


def load_reward_model(path=None):
    """Модель награды: GPT курса с одним выходом (``AutoModelForSequenceClassification``), режим eval.

    Без аргумента — обученная модель из ``data/tiny_reward_model``; ``path=tiny_gpt_path()`` даёт необученную
    голову поверх предобученного GPT (её веса ``score`` случайны).
    """
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging

    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()  # иначе transformers печатает отчёт о новой голове score
    try:
        with without_progress_bar():
            model = AutoModelForSequenceClassification.from_pretrained(
                path or reward_model_path(), num_labels=1, pad_token_id=0,
                resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    finally:
        logging.set_verbosity(verbosity)
    return model.eval()


def rewards(reward_model, batch: Rollout) -> torch.Tensor:
    """Оценка модели награды для каждой строки батча: тензор (B,).

    Оценку даёт последний токен, который не равен токену дополнения (у нас это последний токен ответа: EOS
    совпадает с токеном дополнения и пропускается).
    """
    device = next(reward_model.parameters()).device
    out = reward_model(input_ids=batch.input_ids.to(device), attention_mask=batch.attention_mask.to(device))
    return out.logits.squeeze(-1)
