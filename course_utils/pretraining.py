"""Предобучение (глава 4): батчи окон со сдвинутыми целями, оценка лосса, цикл обучения GPT курса
и проверка случайного выбора токена.

Этим модулем пользуются ноутбуки главы 4 и скрипт ``scripts/pretrain_gpt.py``, который обучает
модель из ``data/tiny_gpt``.
"""
from __future__ import annotations

import math
import time
from typing import Callable

import torch
from torch import nn

from . import checks


def split_documents(text: str, every: int = 10) -> tuple[str, str]:
    """Делит текст на документы (по пустой строке); каждый ``every``-й уходит в проверочную часть.

    Так в проверке есть документы всех видов, а ни один документ не попадает в обе части.
    """
    documents = [d for d in text.split("\n\n") if d.strip()]
    train = "\n\n".join(d for i, d in enumerate(documents) if i % every != every - 1)
    val = "\n\n".join(d for i, d in enumerate(documents) if i % every == every - 1)
    return train, val


def get_batch(ids: torch.Tensor, block_size: int, batch_size: int,
              generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Батч из ``batch_size`` окон со случайных мест текста и их цели (окна, сдвинутые на один токен)."""
    starts = torch.randint(len(ids) - block_size, (batch_size,), generator=generator)
    x = torch.stack([ids[s:s + block_size] for s in starts])
    y = torch.stack([ids[s + 1:s + 1 + block_size] for s in starts])
    return x, y


@torch.no_grad()
def estimate_loss(model: nn.Module, ids: torch.Tensor, block_size: int, batch_size: int = 16,
                  batches: int = 10, seed: int = 0) -> float:
    """Средний лосс модели на ``batches`` фиксированных батчах (при каждом вызове — одних и тех же)."""
    was_training = model.training
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    total = 0.0
    for _ in range(batches):
        x, y = get_batch(ids, block_size, batch_size, generator)
        total += model(x.to(device), y.to(device))[1].item()
    model.train(was_training)
    return total / batches


@torch.no_grad()
def dataset_loss(model: nn.Module, ids: torch.Tensor, block_size: int, max_windows: int | None = None,
                 batch_size: int = 64) -> float:
    """Средний лосс модели по окнам текста без перекрытия: по всем или по ``max_windows`` окнам, взятым равномерно.

    В отличие от ``estimate_loss`` со случайными батчами, здесь нет случайности: при каждом вызове — те же окна.
    """
    # Окна по block_size + 1 токенов с шагом block_size: вход — первые block_size, цели — последние.
    windows = ids.unfold(0, block_size + 1, block_size)
    x, y = windows[:, :-1], windows[:, 1:]
    if max_windows is not None and max_windows < len(x):
        keep = torch.linspace(0, len(x) - 1, max_windows).long()
        x, y = x[keep], y[keep]
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total = 0.0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size].to(device), y[start:start + batch_size].to(device)
        total += model(xb, yb)[1].item() * len(xb)
    model.train(was_training)
    return total / len(x)


def learning_rate(step: int, steps: int, max_lr: float, warmup: int = 0, min_ratio: float = 0.1) -> float:
    """Линейный разогрев за ``warmup`` шагов, затем косинусное затухание до ``min_ratio · max_lr``."""
    if step < warmup:
        return max_lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return max_lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def train_gpt(model: nn.Module, train_ids: torch.Tensor, val_ids: torch.Tensor, *, steps: int,
              batch_size: int = 16, lr: float = 1e-3, warmup: int = 0, eval_every: int = 50,
              eval_batches: int = 10, seed: int = 0, weight_decay: float = 0.1, betas=(0.9, 0.999),
              evaluate: Callable[[nn.Module, torch.Tensor], float] | None = None,
              callback: Callable[[list[dict]], None] | None = None) -> list[dict]:
    """Обучает языковую модель предсказывать следующий токен; возвращает журнал оценок.

    Каждые ``eval_every`` шагов (и после последнего) в журнал пишется словарь ``step``, ``train_loss``,
    ``val_loss``, ``seconds``, и вызывается ``callback(журнал)`` — например, чтобы перерисовать график.
    Лосс оценивает ``evaluate(model, ids)``; по умолчанию — ``estimate_loss`` на ``eval_batches`` случайных
    батчах (быстро, но с шумом); ``dataset_loss`` точнее. Модель должна возвращать ``(logits, loss)``
    при вызове ``model(x, y)``, как ``course_utils.gpt.GPT``.
    """
    if evaluate is None:
        def evaluate(model, ids):
            return estimate_loss(model, ids, model.config.block_size, batch_size, eval_batches)
    block_size = model.config.block_size
    device = next(model.parameters()).device
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay, betas=betas)
    generator = torch.Generator().manual_seed(seed)
    log, start = [], time.perf_counter()
    model.train()
    for step in range(steps + 1):
        if step % eval_every == 0 or step == steps:
            log.append({"step": step, "train_loss": evaluate(model, train_ids), "val_loss": evaluate(model, val_ids),
                        "seconds": round(time.perf_counter() - start, 1)})
            if callback is not None:
                callback(log)
        if step == steps:
            break
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, steps, lr, warmup)
        x, y = get_batch(train_ids, block_size, batch_size, generator)
        _, loss = model(x.to(device), y.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    model.eval()
    return log


# --- проверка случайного выбора токена (упражнение ноутбука «3. Обучение GPT») ---

ZERO_TEMPERATURE_HINT = ("При temperature = 0 делить на температуру нельзя (деление на ноль даёт inf и nan): "
                         "верните самый вероятный токен — logits.argmax(dim=-1, keepdim=True).")


def sampled_tokens(sample_next: Callable, logits: torch.Tensor, temperature: float, top_k: int | None = None,
                   name: str | None = None) -> torch.Tensor:
    """Вызывает ``sample_next(logits, temperature, top_k)`` с seed 0 и возвращает выбранные номера формы ``(B,)``.

    Помогает проверять случайный выбор токена: функция должна вернуть номера формы ``(B, 1)`` типа ``torch.long``
    в пределах словаря и не менять ``logits`` на месте; иначе — ``CheckError`` с подсказкой. Частоты номеров
    по тысячам копий одной строки логитов потом сравнивают с вероятностями softmax(logits / T).
    """
    name = name or f"sample_next(logits, temperature={temperature}, top_k={top_k})"
    before = logits.clone()
    torch.manual_seed(0)
    result = checks.call(sample_next, logits, temperature, top_k, name=name,
                         hint=ZERO_TEMPERATURE_HINT if temperature == 0 else "")
    checks.check_unchanged(before, logits, "тензор logits")
    checks.check_type(result, torch.Tensor, name)
    B, V = logits.shape
    if tuple(result.shape) == (B,):
        checks.fail(f"{name}: получена форма (B,) = {(B,)} вместо (B, 1) = {(B, 1)}.",
                    "Номера возвращают столбцом (B, 1), чтобы сразу дописать их к idx формы (B, T) через "
                    "torch.cat(..., dim=1): torch.multinomial(probs, 1) или argmax(dim=-1, keepdim=True).")
    checks.check_shape(result, (B, 1), name, hint="Один токен на каждую строку логитов: форма (B, 1).")
    checks.check_dtype(result, torch.long, name, hint="Номера токенов — целые torch.long, как у torch.multinomial "
                                                      "и argmax.")
    if result.min() < 0 or result.max() >= V:
        checks.fail(f"{name}: номера токенов должны лежать в 0…{V - 1}, получены от {result.min().item()} "
                    f"до {result.max().item()}.", "Возвращайте номера токенов, а не вероятности или логиты.")
    return result[:, 0]
