"""Ризонинг на игрушке (глава 6): сложение столбиком с черновиком и без него, крошечная модель и оценка ответов.

Задача — сложить два числа по 1–5 цифр. Запрос у обеих моделей один: ``123+989=``. Модель «сразу ответ»
учится писать только ответ ``1112.``; модель «с черновиком» сначала пишет в квадратных скобках сложение
столбиком, от младшего разряда к старшему, и только потом ответ::

    123+989=[3+9+0=12;2+8+1=11;1+9+1=11]1112.

Шаг ``2+8+1=11`` — цифра первого числа, цифра второго, перенос из прошлого разряда и их сумма двумя цифрами:
вторая цифра суммы идёт в ответ, первая — перенос в следующий разряд. Точка — конец текста (EOS).
Словарь — 16 символов; каждый символ — один токен.

Модели — ``GPT2LMHeadModel`` из transformers с маленьким конфигом (``model_config``): у обеих одинаковое число
параметров. Обученные скриптом ``scripts/train_addition.py`` модели лежат в ``data/tiny_addition/``.
"""
from __future__ import annotations

import json
import math
import random
import re
import time

import torch
import torch.nn.functional as F

from .data import data_dir

VOCAB = "0123456789+=;[]."
STOI = {ch: i for i, ch in enumerate(VOCAB)}
EOS = "."
THINK_START, THINK_END = "[", "]"
MAX_DIGITS = 5  # числа в обучении — от 1 до MAX_DIGITS цифр
CONTEXT = 72  # самый длинный пример (5 + 5 цифр с черновиком) — 65 токенов
STEP = re.compile(r"(\d)\+(\d)\+(\d)=(\d\d)")  # один шаг черновика: 2+8+1=11


# --- тексты задач ---

def prompt(a: int, b: int) -> str:
    """Запрос: ``"123+989="``."""
    return f"{a}+{b}="


def scratchpad(a: int, b: int) -> str:
    """Сложение столбиком от младшего разряда: ``"3+9+0=12;2+8+1=11;1+9+1=11"``.

    Короткое число дополняется нулями слева: у ``7+45`` шаги ``7+5+0=12;0+4+1=05``.
    """
    digits_a, digits_b = str(a)[::-1], str(b)[::-1]
    carry, steps = 0, []
    for i in range(max(len(digits_a), len(digits_b))):
        x = int(digits_a[i]) if i < len(digits_a) else 0
        y = int(digits_b[i]) if i < len(digits_b) else 0
        total = x + y + carry
        steps.append(f"{x}+{y}+{carry}={total:02d}")
        carry = total // 10
    return ";".join(steps)


def completion(a: int, b: int, cot: bool) -> str:
    """Что модель пишет после запроса: ``"1112."`` или ``"[3+9+0=12;…]1112."`` (``cot=True``)."""
    thoughts = f"{THINK_START}{scratchpad(a, b)}{THINK_END}" if cot else ""
    return f"{thoughts}{a + b}{EOS}"


def encode(text: str) -> list[int]:
    """Текст → номера токенов (по одному на символ)."""
    unknown = sorted(set(text) - set(VOCAB))
    if unknown:
        raise ValueError(f"Символов {unknown} нет в словаре {VOCAB!r}.")
    return [STOI[ch] for ch in text]


def decode(ids) -> str:
    """Номера токенов → текст."""
    return "".join(VOCAB[int(i)] for i in ids)


def random_number(rng: random.Random, digits: int) -> int:
    """Случайное число ровно из ``digits`` цифр (однозначные — от 0 до 9)."""
    return rng.randrange(0 if digits == 1 else 10 ** (digits - 1), 10 ** digits)


def problems_of_length(digits: int, n: int = 100, seed: int = 0) -> list[tuple[int, int]]:
    """``n`` задач, где оба слагаемых — ровно ``digits`` цифр (самый трудный случай этой длины)."""
    rng = random.Random(f"test-{digits}-{seed}")
    return [(random_number(rng, digits), random_number(rng, digits)) for _ in range(n)]


def random_pair(rng: random.Random, max_digits: int = MAX_DIGITS) -> tuple[int, int]:
    """Задача как в обучении: длина каждого слагаемого — от 1 до ``max_digits`` цифр, равновероятно."""
    return random_number(rng, rng.randint(1, max_digits)), random_number(rng, rng.randint(1, max_digits))


def mixed_problems(n: int, seed: int = 0, max_digits: int = MAX_DIGITS) -> list[tuple[int, int]]:
    """``n`` задач с той же смесью длин, что в обучении (``random_pair``)."""
    rng = random.Random(f"mixed-{seed}")
    return [random_pair(rng, max_digits) for _ in range(n)]


# --- ответ и проверка черновика ---

def final_answer(text: str) -> str | None:
    """Ответ из того, что написала модель: цифры после черновика до EOS; ``None``, если ответа не разобрать."""
    text = text.split(EOS, 1)[0] if EOS in text else None
    if text is None:
        return None  # модель не закончила ответ
    answer = text.rsplit(THINK_END, 1)[-1]
    return answer if answer.isdigit() else None


def scratchpad_score(text: str) -> float:
    """Оценка проверяющего (verifier) от 0 до 1: доля выполненных проверок черновика.

    Проверки: у каждого шага верна сумма ``x + y + c``; перенос ``c`` равен первой цифре суммы прошлого шага
    (у первого шага — 0); ответ собран из шагов (последний перенос, затем вторые цифры сумм от старшего
    разряда к младшему). Цифры слагаемых с запросом **не сверяются**: проверяется согласованность рассуждения,
    а не то, что модель верно переписала условие. Нет черновика или ответа — оценка 0.
    """
    answer = final_answer(text)
    if answer is None or THINK_START not in text or THINK_END not in text:
        return 0.0
    body = text[text.index(THINK_START) + 1:text.rindex(THINK_END)]
    steps = [STEP.fullmatch(part) for part in body.split(";")]
    if not body or not all(steps):
        return 0.0
    passed, carry, digits = 0, 0, []
    for step in steps:
        x, y, c, total = (int(g) for g in step.groups())
        passed += (x + y + c == total) + (c == carry)
        carry = total // 10
        digits.append(str(total % 10))
    assembled = ("1" if carry else "") + "".join(reversed(digits))
    passed += answer == assembled
    return passed / (2 * len(steps) + 1)


# --- модель ---

def model_config(**overrides):
    """Конфиг GPT-2 игрушечной модели: 3 блока, 4 головы, ширина 96, окно 72 токена, словарь 16."""
    from transformers import GPT2Config

    eos = STOI[EOS]
    settings = dict(vocab_size=len(VOCAB), n_positions=CONTEXT, n_embd=96, n_layer=3, n_head=4,
                    resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                    bos_token_id=eos, eos_token_id=eos, pad_token_id=eos)
    settings.update(overrides)
    return GPT2Config(**settings)


def new_model(seed: int = 0, **overrides):
    """Необученная модель со случайными весами (seed задаёт их)."""
    from transformers import GPT2LMHeadModel

    torch.manual_seed(seed)
    return GPT2LMHeadModel(model_config(**overrides))


def addition_path():
    """Папка с обученными моделями: ``data/tiny_addition``."""
    return data_dir() / "tiny_addition"


def load_addition_model(kind: str):
    """Обученная модель ``"direct"`` (сразу ответ) или ``"cot"`` (с черновиком), режим eval."""
    from transformers import GPT2LMHeadModel

    from .gpt_parts import without_progress_bar

    if kind not in ("direct", "cot"):
        raise ValueError(f"Модель — 'direct' или 'cot', получено {kind!r}.")
    with without_progress_bar():
        model = GPT2LMHeadModel.from_pretrained(addition_path() / kind, local_files_only=True)
    return model.eval()


def training_log() -> dict:
    """Журнал обучения обеих моделей (``data/tiny_addition/training_log.json``)."""
    return json.loads((addition_path() / "training_log.json").read_text(encoding="utf-8"))


# --- обучение ---

def make_batch(pairs, cot: bool):
    """Батч для обучения: ``(input_ids, labels)``, дополненные справа EOS.

    Метки — только на токенах ответа (после ``=`` запроса, включая EOS); на запросе и дополнении метка −100,
    и лосс их не считает.
    """
    rows = [(encode(prompt(a, b)), encode(completion(a, b, cot))) for a, b in pairs]
    length = max(len(p) + len(c) for p, c in rows)
    input_ids = torch.full((len(rows), length), STOI[EOS])
    labels = torch.full((len(rows), length), -100)
    for i, (p, c) in enumerate(rows):
        input_ids[i, :len(p) + len(c)] = torch.tensor(p + c)
        labels[i, len(p):len(p) + len(c)] = torch.tensor(c)
    return input_ids, labels


def train(model, cot: bool, steps: int, *, batch_size: int = 64, lr: float = 2e-3, warmup: int = 50,
          seed: int = 0, eval_every: int | None = None, evaluate=None, callback=None) -> list[dict]:
    """Учит модель писать ответ (и черновик, если ``cot``) на случайных задачах; возвращает журнал.

    AdamW, разогрев ``warmup`` шагов и косинусное затухание до 0.1 · ``lr``. Каждая итерация — новый батч
    случайных задач (1–5 цифр), так что модель не видит один пример дважды. Каждые ``eval_every`` шагов
    в журнал пишется ``{"step", "loss", "tokens", "seconds"}`` и то, что вернул ``evaluate(model)`` (словарь).
    """
    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1)
    log, tokens, start = [], 0, time.perf_counter()
    model.train()
    for step in range(1, steps + 1):
        progress = max(0, step - warmup) / max(1, steps - warmup)
        scale = min(1.0, step / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for group in optimizer.param_groups:
            group["lr"] = lr * scale
        pairs = [random_pair(rng) for _ in range(batch_size)]
        input_ids, labels = make_batch(pairs, cot)
        loss = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        tokens += input_ids.numel()
        if eval_every and (step % eval_every == 0 or step == steps):
            entry = {"step": step, "loss": round(loss.item(), 4), "tokens": tokens,
                     "seconds": round(time.perf_counter() - start, 1)}
            if evaluate is not None:
                model.eval()
                entry.update(evaluate(model))
                model.train()
            log.append(entry)
            if callback is not None:
                callback(log)
    model.eval()
    return log


# --- генерация и оценка ---

@torch.no_grad()
def complete(model, prompts: list[str], n: int = 1, *, temperature: float = 0.0, think_budget: int | None = None,
             max_new_tokens: int = CONTEXT, seed: int = 0) -> list[str]:
    """По ``n`` продолжений каждого запроса (подряд: сначала все ``n`` для первого запроса, и т. д.).

    ``temperature = 0`` — жадный выбор самого вероятного токена, иначе семплирование из softmax(логиты / T).
    ``think_budget = k`` — бюджет на рассуждение: если за ``k`` токенов после ``[`` модель не закрыла черновик,
    вместо следующего токена ставится ``]``, и модель обязана сразу писать ответ: после ``]`` ей разрешены только
    цифры и EOS (иначе она может продолжить черновик после скобки). Генерация строки кончается на EOS.

    Все запросы идут одним батчем: короткие дополнены слева (маска внимания их пропускает, а номера позиций
    считаются от первого токена запроса), ключи и значения прошлых токенов хранятся в кеше (StaticCache).
    """
    from transformers import StaticCache

    generator = torch.Generator().manual_seed(seed)
    eos, start, end = STOI[EOS], STOI[THINK_START], STOI[THINK_END]
    encoded = [encode(text) for text in prompts for _ in range(n)]
    length = max(map(len, encoded))
    x = torch.tensor([[eos] * (length - len(ids)) + ids for ids in encoded])
    mask = (x != eos).long()  # в запросах EOS нет: единицы — токены запроса, нули — дополнение слева
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
    steps = min(max_new_tokens, CONTEXT - length)
    cache = StaticCache(config=model.config, max_cache_len=length + steps)
    generated = torch.empty(len(x), 0, dtype=torch.long)
    done = torch.zeros(len(x), dtype=torch.bool)
    thinking = torch.full((len(x),), -1)  # сколько токенов черновика написано; −1 — не открыт, −2 — закрыт
    not_answer = torch.tensor([not (ch.isdigit() or ch == EOS) for ch in VOCAB])  # запрещено после «]» с бюджетом
    step_input, step_positions = x, positions
    for _ in range(steps):
        logits = model(input_ids=step_input, attention_mask=mask, position_ids=step_positions, cache=cache,
                       use_cache=True).logits[:, -1, :]
        if think_budget is not None:
            logits = logits.masked_fill((thinking == -2)[:, None] & not_answer, float("-inf"))
        if temperature == 0:
            token = logits.argmax(dim=-1)
        else:
            token = torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator).squeeze(1)
        if think_budget is not None:
            token = torch.where(thinking == think_budget, torch.full_like(token, end), token)
        token = torch.where(done, torch.full_like(token, eos), token)
        thinking = torch.where(token == start, 0, torch.where(token == end, -2, thinking))
        thinking = torch.where((thinking >= 0) & (token != start), thinking + 1, thinking)
        generated = torch.cat([generated, token[:, None]], dim=1)
        done |= token == eos
        if bool(done.all()):
            break
        mask = torch.cat([mask, torch.ones(len(x), 1, dtype=torch.long)], dim=1)
        step_input, step_positions = token[:, None], step_positions[:, -1:] + 1
    texts = [decode(ids) for ids in generated.tolist()]
    return [text[:text.index(EOS) + 1] if EOS in text else text for text in texts]


def accuracy(model, pairs, **kwargs) -> float:
    """Доля задач, на которые модель отвечает верно (по умолчанию — жадно, один ответ на задачу)."""
    texts = complete(model, [prompt(a, b) for a, b in pairs], **kwargs)
    return sum(final_answer(t) == str(a + b) for t, (a, b) in zip(texts, pairs)) / len(pairs)


def accuracy_by_digits(model, n: int = 100, max_digits: int = MAX_DIGITS, seed: int = 0) -> dict[int, float]:
    """Жадная точность на ``n`` задачах для каждой длины слагаемых 1…``max_digits`` (все задачи — одним батчем)."""
    pairs = [pair for d in range(1, max_digits + 1) for pair in problems_of_length(d, n, seed)]
    texts = complete(model, [prompt(a, b) for a, b in pairs])
    right = [final_answer(t) == str(a + b) for t, (a, b) in zip(texts, pairs)]
    return {d: sum(right[(d - 1) * n:d * n]) / n for d in range(1, max_digits + 1)}
