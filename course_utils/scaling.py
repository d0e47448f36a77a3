"""Законы масштабирования (глава 4): параметры без эмбеддингов и обучение моделей разных размеров.

``non_embedding_params`` считает «N» из законов Каплана; ``train_sizes`` обучает несколько GPT курса
одинаково (те же данные, шаги и seed) и возвращает таблицу «размер → лосс», через которую ноутбук
проводит степенной закон.
"""
from __future__ import annotations

import time

import torch
from torch import nn

from .gpt import GPT, GPTConfig
from .pretraining import dataset_loss, train_gpt

EMBEDDINGS = ("transformer.wte.", "transformer.wpe.")  # эмбеддинги токенов и позиций


def non_embedding_params(model: nn.Module) -> int:
    """Число параметров модели без эмбеддингов токенов и позиций — «N» в законах масштабирования Каплана.

    У GPT курса матрица ``lm_head`` — та же, что ``wte``, поэтому она тоже не считается.
    """
    return sum(p.numel() for name, p in model.named_parameters() if not name.startswith(EMBEDDINGS))


def train_sizes(sizes, train_ids: torch.Tensor, val_ids: torch.Tensor, *, vocab_size: int, block_size: int,
                steps: int, batch_size: int, lr: float, warmup: int = 0, eval_every: int | None = None,
                seed: int = 0, head_size: int = 16, device: str | torch.device = "cpu",
                verbose: bool = True) -> list[dict]:
    """Обучает по одной GPT курса на каждый размер ``(n_layer, n_embd)`` из ``sizes`` и возвращает таблицу.

    Все модели учатся одинаково: те же данные, число шагов, батч, скорость обучения и seed, —
    различается только размер. Число голов — ``n_embd // head_size`` (не меньше одной).

    Лосс на проверке в контрольных точках (каждые ``eval_every`` шагов; по умолчанию — до и после обучения)
    считается по всей проверочной части (``dataset_loss``): оценка по нескольким случайным батчам шумит
    на десятые доли ната, а для подбора степенного закона это слишком много. Лосс на обучении — по стольким же
    окнам обучающей части, взятым равномерно.
    Строка таблицы — словарь: ``n_layer``, ``n_embd``, ``params`` (без эмбеддингов), ``total_params``,
    ``train_loss``, ``val_loss`` (после последнего шага), ``seconds`` и ``log`` — журнал контрольных точек
    (словари ``step``, ``train_loss``, ``val_loss``, ``seconds``).
    """
    val_windows = (len(val_ids) - 1) // block_size
    table = []
    for n_layer, n_embd in sizes:
        torch.manual_seed(seed)
        config = GPTConfig(vocab_size=vocab_size, block_size=block_size, n_layer=n_layer,
                           n_head=max(1, n_embd // head_size), n_embd=n_embd)
        model = GPT(config).to(device)
        start = time.perf_counter()
        log = train_gpt(model, train_ids, val_ids, steps=steps, batch_size=batch_size, lr=lr, warmup=warmup,
                        eval_every=eval_every or steps, seed=seed,
                        evaluate=lambda m, ids: dataset_loss(m, ids, block_size, max_windows=val_windows))
        row = {"n_layer": n_layer, "n_embd": n_embd, "params": non_embedding_params(model),
               "total_params": model.num_params(), "train_loss": log[-1]["train_loss"],
               "val_loss": log[-1]["val_loss"], "seconds": time.perf_counter() - start, "log": log}
        if verbose:
            print(f"слоёв {n_layer}, ширина {n_embd:>3}: N = {row['params']:>6} (всего {row['total_params']:>6}), "
                  f"лосс на проверке {row['val_loss']:.3f}")
        table.append(row)
    return table
