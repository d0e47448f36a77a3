"""DPO (глава 6): пары предпочтений одним батчем, короткий цикл обучения, неявные награды и сверка с trl.

Функции лосса и логарифма вероятности ответа сюда не входят — их пишут в ноутбуке ``05_dpo``. Цикл обучения
принимает их аргументами: ``loss_fn(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta)`` и
``logprob_fn(model, batch)`` → тензор (B,) с log π(ответ | запрос) каждой строки батча.
"""
from __future__ import annotations

import copy
import tempfile
import time
import warnings
from contextlib import contextmanager
from typing import Callable

import torch
from torch import nn

from .rl import Rollout, encode_pairs


def preference_batch(tokenizer, rows: list[dict]) -> Rollout:
    """Пары ``rows`` одним батчем из 2·B строк: сначала все chosen, потом все rejected (так батч складывает и trl).

    Запрос каждой пары повторён дважды; ``logprob_fn(model, batch).chunk(2)`` даёт log π chosen и rejected.
    """
    prompts = [row["prompt"] for row in rows]
    answers = [row["chosen"] for row in rows] + [row["rejected"] for row in rows]
    return encode_pairs(tokenizer, prompts + prompts, answers)


def from_logits(sequence_logprob: Callable) -> Callable:
    """``logprob_fn(model, batch)`` из функции ``sequence_logprob(logits, input_ids, response_mask)``."""
    def logprob_fn(model: nn.Module, batch: Rollout) -> torch.Tensor:
        device = next(model.parameters()).device
        ids = batch.input_ids.to(device)
        logits = model(input_ids=ids, attention_mask=batch.attention_mask.to(device)).logits
        return sequence_logprob(logits, ids, batch.response_mask.to(device))

    return logprob_fn


@torch.no_grad()
def pair_logprobs(logprob_fn: Callable, model: nn.Module, batch: Rollout) -> tuple[torch.Tensor, torch.Tensor]:
    """(log π(chosen), log π(rejected)) для батча из ``preference_batch``, без градиента."""
    chosen, rejected = logprob_fn(model, batch).float().cpu().chunk(2)
    return chosen, rejected


def preference_report(policy_logps, reference_logps, kinds: list[str], beta: float) -> dict[str, dict[str, float]]:
    """Неявные награды β · (log π − log π_ref) на парах: по видам пар (``kinds``) и по всем (``"all"``).

    ``accuracy`` — доля пар, где награда chosen строго больше (ничья — ошибка, как в ноутбуке 2 и в trl),
    ``margin`` — средний зазор наград chosen − rejected, ``chosen``/``rejected`` — средние награды,
    ``logprob_chosen``/``logprob_rejected`` — средние log π ответов у политики, ``logprob_accuracy`` — доля пар,
    где сама политика даёт chosen больше вероятности, чем rejected.
    """
    (chosen, rejected), (ref_chosen, ref_rejected) = policy_logps, reference_logps
    reward_chosen, reward_rejected = beta * (chosen - ref_chosen), beta * (rejected - ref_rejected)
    report = {}
    for kind in ["all", *dict.fromkeys(kinds)]:
        rows = torch.tensor([kind in ("all", k) for k in kinds])
        c, r = reward_chosen[rows], reward_rejected[rows]
        report[kind] = {"pairs": int(rows.sum()), "accuracy": (c > r).float().mean().item(),
                        "margin": (c - r).mean().item(), "chosen": c.mean().item(), "rejected": r.mean().item(),
                        "logprob_chosen": chosen[rows].mean().item(), "logprob_rejected": rejected[rows].mean().item(),
                        "logprob_accuracy": (chosen[rows] > rejected[rows]).float().mean().item()}
    return report


def train_dpo(policy: nn.Module, reference: nn.Module, tokenizer, rows: list[dict], *, loss_fn: Callable,
              logprob_fn: Callable, beta: float = 0.1, steps: int = 30, batch_size: int = 16, lr: float = 5e-5,
              seed: int = 0, log_every: int = 5, callback: Callable[[int], None] | None = None) -> list[dict]:
    """Учит ``policy`` на парах ``rows`` лоссом ``loss_fn``; опорная модель ``reference`` не меняется.

    Батч — ``batch_size`` случайных пар (генератор с ``seed``), AdamW без weight decay с постоянной скоростью
    обучения, норма градиента обрезается до 1 (как в trl). Журнал — записи ``{step, loss, accuracy, chosen,
    rejected, seconds}``: средние за последние ``log_every`` шагов; ``accuracy``, ``chosen`` и ``rejected`` —
    точность и неявные награды на обучающих батчах. ``callback(step)``, если задан, зовётся после каждого шага
    (например, чтобы изредка мерить политику на отложенных парах).
    """
    trainable = [p for p in policy.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.0)
    generator = torch.Generator().manual_seed(seed)
    reference.eval()
    policy.train()
    log, window, start = [], [], time.perf_counter()
    for step in range(1, steps + 1):
        picked = torch.randint(len(rows), (batch_size,), generator=generator).tolist()
        batch = preference_batch(tokenizer, [rows[i] for i in picked])
        policy_chosen, policy_rejected = logprob_fn(policy, batch).chunk(2)
        with torch.no_grad():
            ref_chosen, ref_rejected = logprob_fn(reference, batch).chunk(2)
        loss = loss_fn(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        chosen = beta * (policy_chosen - ref_chosen).detach()
        rejected = beta * (policy_rejected - ref_rejected).detach()
        window.append((loss.item(), (chosen > rejected).float().mean().item(), chosen.mean().item(),
                       rejected.mean().item()))
        if step % log_every == 0 or step == steps:
            means = [sum(column) / len(window) for column in zip(*window)]
            log.append({"step": step, **dict(zip(("loss", "accuracy", "chosen", "rejected"), means)),
                        "seconds": round(time.perf_counter() - start, 1)})
            window = []
        if callback is not None:
            callback(step)
            policy.train()
    policy.eval()
    return log


@contextmanager
def _quiet():
    """Без полосок datasets/transformers и предупреждений об устаревших именах: trl пишет их в stderr."""
    import datasets
    from transformers.utils import logging

    bars = datasets.is_progress_bar_enabled(), logging.is_progress_bar_enabled()
    verbosity = logging.get_verbosity()
    datasets.disable_progress_bars()
    logging.disable_progress_bar()
    logging.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.set_verbosity(verbosity)
        if bars[0]:
            datasets.enable_progress_bars()
        if bars[1]:
            logging.enable_progress_bar()


def trl_dpo_loss(policy: nn.Module, reference: nn.Module, tokenizer, batch: Rollout, beta: float,
                 bf16: bool = False) -> float:
    """Лосс DPO, который считает ``trl.DPOTrainer`` (``loss_type="sigmoid"``) на том же батче ``preference_batch``.

    Тренер строится на копиях моделей (он меняет их ``forward``) и крошечном наборе-заглушке: нам нужен только его
    ``compute_loss``. Для точной сверки нужен ``bf16=False``: DPOConfig по умолчанию включает смешанную точность
    bfloat16 даже на CPU, и опорная модель тогда считает в bf16 (``bf16=True`` покажет, насколько это меняет лосс).
    """
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    with _quiet(), tempfile.TemporaryDirectory() as folder:
        config = DPOConfig(output_dir=folder, beta=beta, loss_type=["sigmoid"], bf16=bf16, use_cpu=True,
                           report_to="none", disable_tqdm=True, save_strategy="no", logging_strategy="no")
        stub = Dataset.from_list([{"prompt": "1", "chosen": "2", "rejected": "3"}])
        trainer = DPOTrainer(model=copy.deepcopy(policy).cpu(), ref_model=copy.deepcopy(reference).cpu(),
                             args=config, train_dataset=stub, processing_class=tokenizer)
        inputs = {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask,
                  "completion_mask": batch.response_mask}
        with torch.no_grad():
            return trainer.compute_loss(trainer.model, inputs).item()


def long_run_path():
    """Журнал долгого прогона DPO (``scripts/dpo_long_run.py``): ``data/dpo_long_run.json``."""
    from .data import data_dir

    return data_dir() / "dpo_long_run.json"


def long_run() -> dict:
    """Долгий прогон DPO при β = 0.1 и β = 0.5: конфигурация и точки замеров каждые 40 шагов."""
    import json

    return json.loads(long_run_path().read_text(encoding="utf-8"))
