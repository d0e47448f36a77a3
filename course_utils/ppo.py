"""PPO для языковой модели (глава 6, ноутбук 3): четыре модели, критик, цикл обучения и его проверка.

Политика (актор) — модель после SFT (``course_utils.rl.load_policy``), опорная модель (reference) — её
замороженная копия, оценку ответа ставит модель награды ``data/tiny_reward_model``, критик — линейная голова на
признаках запроса у опорной модели. Запросы — инструкции ``data/sft_ru.jsonl``: у них есть правильные ответы, и
по ним видно, растёт ли вместе с оценкой и настоящая точность.

Преимущества, лосс PPO и штраф KL циклу ``train_ppo`` передают снаружи (в ноутбуке — функции из упражнений).
Запасные варианты для демонстраций — ``advantages_detached``, ``clipped_surrogate_loss`` и ``kl_sum`` — считают
то же другими формулами. ``frozen_log`` прогоняет те же запросы через политику, которая не учится; ``evaluate``
проверяет политику на отложенных инструкциях; ``ppo_benchmark`` — долгие обучения для ``benchmarks/``.
"""
from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from .finetuning import exact_match, prompt_ids
from .rl import (Rollout, load_policy, load_reward_model, load_tokenizer, reward_model_path, rewards, sample,
                 token_logprobs)


# --- запасные варианты для демонстраций (другие формулы того же) ---

def advantages_detached(rewards: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """Преимущество «награда минус предсказание критика» без градиента: ``torch.sub`` над отсоединёнными копиями."""
    return torch.sub(rewards.detach(), values.detach())


def clipped_surrogate_loss(logp_new, logp_old, advantages, eps: float = 0.2) -> torch.Tensor:
    """Лосс PPO через максимум штрафов: −min(a, b) = max(−a, −b)."""
    ratio = (logp_new - logp_old).exp()
    return torch.maximum(-ratio * advantages, -ratio.clamp(1 - eps, 1 + eps) * advantages).mean()


def kl_sum(logp_policy, logp_ref, mask) -> torch.Tensor:
    """Сумма ``logp_policy − logp_ref`` по токенам, где ``mask`` = 1, — через ``torch.where``."""
    difference = torch.where(mask.bool(), logp_policy - logp_ref, torch.zeros_like(logp_policy))
    return difference.sum(dim=-1)


# --- опорная модель и критик ---

def copy_policy(model, trainable: bool = False):
    """Копия политики: замороженная — опорная модель (reference) для штрафа KL, обучаемая — новая политика."""
    from transformers import GPT2LMHeadModel

    copy = GPT2LMHeadModel(model.config)
    copy.load_state_dict(model.state_dict())
    return copy.eval().requires_grad_(trainable)


def last_prompt_position(batch: Rollout) -> torch.Tensor:
    """Номер последнего токена запроса в каждой строке: перед ним — весь запрос, после — ответ. Форма (B,)."""
    return batch.response_mask.argmax(dim=1) - 1


@torch.no_grad()
def reference_pass(reference, batch: Rollout) -> tuple[torch.Tensor, torch.Tensor]:
    """Один проход опорной модели: её log p токенов (B, L − 1) и признаки запроса для критика (B, d).

    Признаки — скрытое состояние последнего слоя на последнем токене запроса: опорная модель заморожена,
    поэтому одному и тому же запросу всегда соответствуют одни и те же признаки.
    """
    out = reference(input_ids=batch.input_ids, attention_mask=batch.attention_mask, output_hidden_states=True)
    targets = batch.input_ids[:, 1:].unsqueeze(-1)
    logprobs = torch.gather(F.log_softmax(out.logits[:, :-1].float(), dim=-1), 2, targets).squeeze(-1)
    hidden = out.hidden_states[-1]
    features = hidden[torch.arange(len(hidden)), last_prompt_position(batch)]
    return logprobs, features


class Critic(nn.Module):
    """Критик: линейная голова, которая по признакам запроса предсказывает награду за ответ на него — (B, d) → (B,)."""

    def __init__(self, width: int):
        super().__init__()
        self.head = nn.Linear(width, 1)  # width чисел веса и одно смещение; в начале все нули: V(x) = 0
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(features).squeeze(-1)


# --- цикл PPO ---

@dataclass
class PPOSettings:
    """Настройки обучения PPO; по умолчанию — первое обучение ноутбука (с поводком)."""

    steps: int = 25
    prompts_per_step: int = 16  # один ответ на запрос
    epochs: int = 2  # сколько шагов оптимизатора на одной порции ответов (ratio ≠ 1 со второго)
    lr: float = 5e-5
    critic_lr: float = 3e-2
    beta: float = 0.3  # вес штрафа KL в награде; 0 — без поводка
    clip_eps: float = 0.2
    temperature: float = 1.0
    max_new_tokens: int = 12
    max_grad_norm: float = 1.0
    critic_steps: int = 4  # шагов Adam критика на одной порции ответов
    length_groups: int = 2  # из скольких групп запросов одной длины набирать батч (см. pick_prompts)
    seed: int = 0


@dataclass
class PPOParts:
    """Всё, что нужно для обучения: политика, опорная модель, модель награды, токенизатор, критик."""

    policy: nn.Module
    reference: nn.Module
    reward_model: nn.Module
    tokenizer: object
    critic: Critic


def make_parts() -> PPOParts:
    """Политика после SFT (``rl.load_policy``), её замороженная копия, модель награды и критик с нулями."""
    policy = load_policy()
    return PPOParts(policy, copy_policy(policy), load_reward_model().requires_grad_(False), load_tokenizer(),
                    Critic(policy.config.n_embd))


def restart(parts: PPOParts) -> PPOParts:
    """Те же опорная модель, модель награды и токенизатор, но политика — снова модель после SFT (копия
    опорной), и критик новый: для второго обучения с теми же моделями, без повторной загрузки."""
    return PPOParts(copy_policy(parts.reference, trainable=True), parts.reference, parts.reward_model,
                    parts.tokenizer, Critic(parts.reference.config.n_embd))


def prompt_groups(rows: list[dict], tokenizer) -> list[list[dict]]:
    """Запросы, разложенные по длине в токенах: ``sample`` генерирует запросы одной длины одним батчем."""
    groups: dict[int, list[dict]] = {}
    for row in rows:
        groups.setdefault(len(prompt_ids(tokenizer, row["instruction"])), []).append(row)
    return [groups[length] for length in sorted(groups)]


def pick_prompts(groups: list[list[dict]], k: int, rng: random.Random, n_groups: int = 2) -> list[dict]:
    """``k`` запросов из ``n_groups`` случайных групп одной длины (группа выбирается с вероятностью, пропорциональной
    её размеру). Так генерация идёт ``n_groups`` батчами, а не десятком: итерация втрое быстрее."""
    chosen = rng.choices(range(len(groups)), weights=[len(g) for g in groups], k=n_groups)
    per_group = [k // n_groups + (i < k % n_groups) for i in range(n_groups)]
    picked = []
    for index, count in zip(chosen, per_group):
        group = groups[index]
        picked += rng.sample(group, count) if count <= len(group) else rng.choices(group, k=count)
    return picked


def response_lengths(batch: Rollout) -> torch.Tensor:
    """Число токенов ответа (с EOS) в каждой строке: (B,)."""
    return batch.response_mask.sum(dim=1).float()


def train_ppo(parts: PPOParts, rows: list[dict], advantages_fn, loss_fn, kl_fn,
              settings: PPOSettings = PPOSettings(), on_log=None, score_fn=None) -> list[dict]:
    """Обучает политику ``parts.policy`` методом PPO на запросах ``rows``; возвращает журнал по итерациям.

    Итерация: ``prompts_per_step`` запросов → по одному ответу → оценка модели награды (или
    ``score_fn(batch, rows)``), штраф ``kl_fn(logp_old, logp_ref, mask)`` и награда ``score − beta · kl`` →
    предсказание критика и ``advantages_fn(награда, предсказание)`` → ``epochs`` шагов AdamW по
    ``loss_fn(logp_new, logp_old, advantages, clip_eps)`` на токенах ответов → шаг критика (MSE с наградой).

    Журнал — ``{"step", "score", "kl", "reward", "value", "value_loss", "clipped", "exact", "length", "seconds"}``:
    средние по ответам итерации. ``exact`` — доля ответов, совпавших с ``output``; ``clipped`` — доля токенов,
    у которых отношение вероятностей на последней эпохе вышло за [1 − ε, 1 + ε].
    """
    s = settings
    policy, critic = parts.policy, parts.critic
    optimizer = torch.optim.AdamW(policy.parameters(), lr=s.lr, weight_decay=0.0)
    critic_optimizer = torch.optim.Adam(critic.parameters(), lr=s.critic_lr)
    rng, groups = random.Random(s.seed), prompt_groups(rows, parts.tokenizer)
    log, seconds = [], 0.0
    for step in range(1, s.steps + 1):
        start = time.perf_counter()
        picked = pick_prompts(groups, s.prompts_per_step, rng, s.length_groups)
        batch = sample(policy, parts.tokenizer, [r["instruction"] for r in picked], 1, temperature=s.temperature,
                       max_new_tokens=s.max_new_tokens, seed=s.seed * 100_003 + step)
        mask = batch.response_mask[:, 1:].float()
        on = mask.bool()
        policy.train()
        logp_new = token_logprobs(policy, batch)  # до первого шага политика ещё старая: это и есть logp_old
        logp_old = logp_new.detach()
        with torch.no_grad():
            score = rewards(parts.reward_model, batch) if score_fn is None else score_fn(batch, picked)
            logp_ref, features = reference_pass(parts.reference, batch)
            values = critic(features)
            kl = kl_fn(logp_old, logp_ref, mask)
            reward = score - s.beta * kl
        advantage = advantages_fn(reward, values)
        token_advantage = advantage[:, None].expand_as(mask)
        for epoch in range(s.epochs):
            if epoch > 0:
                logp_new = token_logprobs(policy, batch)
            loss = loss_fn(logp_new[on], logp_old[on], token_advantage[on], s.clip_eps)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(policy.parameters(), s.max_grad_norm)
            optimizer.step()
        policy.eval()
        ratio = (logp_new.detach()[on] - logp_old[on]).exp()
        clipped = ((ratio - 1).abs() > s.clip_eps).float().mean().item()
        for _ in range(s.critic_steps):
            value_loss = F.mse_loss(critic(features), reward)
            critic_optimizer.zero_grad(set_to_none=True)
            value_loss.backward()
            critic_optimizer.step()
        seconds += time.perf_counter() - start
        log.append({"step": step, "score": score.mean().item(), "kl": kl.mean().item(),
                    "reward": reward.mean().item(), "value": values.mean().item(),
                    "value_loss": F.mse_loss(values, reward).item(), "clipped": clipped,
                    "exact": share_exact(batch.responses, picked),
                    "length": response_lengths(batch).mean().item(), "seconds": round(seconds, 2)})
        if on_log is not None:
            on_log(log)
    return log


@torch.no_grad()
def frozen_log(parts: PPOParts, rows: list[dict], settings: PPOSettings = PPOSettings(), score_fn=None) -> list[dict]:
    """Журнал «без обучения» для сравнения: те же запросы и seed генерации, что у ``train_ppo`` с этими
    ``settings``, но отвечает опорная модель (политика после SFT, которая не учится). KL здесь ноль."""
    s = settings
    rng, groups = random.Random(s.seed), prompt_groups(rows, parts.tokenizer)
    log = []
    for step in range(1, s.steps + 1):
        picked = pick_prompts(groups, s.prompts_per_step, rng, s.length_groups)
        batch = sample(parts.reference, parts.tokenizer, [r["instruction"] for r in picked], 1,
                       temperature=s.temperature, max_new_tokens=s.max_new_tokens, seed=s.seed * 100_003 + step)
        score = rewards(parts.reward_model, batch) if score_fn is None else score_fn(batch, picked)
        log.append({"step": step, "score": score.mean().item(), "kl": 0.0,
                    "exact": share_exact(batch.responses, picked), "length": response_lengths(batch).mean().item()})
    return log


def share_exact(responses: list[str], rows: list[dict]) -> float:
    """Доля ответов, которые целиком совпали с правильными (``output``)."""
    return sum(answer == row["output"] for answer, row in zip(responses, rows, strict=True)) / len(rows)


# --- журнал и графики ---

def window_mean(log: list[dict], key: str, first: int | None = None, last: int | None = None) -> float:
    """Среднее ``key`` по первым ``first`` или последним ``last`` итерациям журнала."""
    part = log[:first] if first is not None else log[-last:]
    return sum(entry[key] for entry in part) / len(part)


def rolling(values: list[float], window: int) -> list[float]:
    """Скользящее среднее по ``window`` последним точкам (в начале — по тем, что есть)."""
    return [sum(values[max(0, i - window + 1):i + 1]) / len(values[max(0, i - window + 1):i + 1])
            for i in range(len(values))]


def plot_runs(runs: dict[str, list[dict]], frozen: list[dict], window: int = 5):
    """Три графика по журналам ``train_ppo`` — скользящие средние по ``window`` итерациям: оценка модели награды,
    KL к опорной модели и доля точных ответов в батче.

    ``frozen`` — журнал ``frozen_log`` на тех же запросах: политика после SFT, которая не учится. Запросы итераций
    разные, и одни семейства оцениваются выше других; поэтому оценку показываем как разность с ``frozen`` —
    прирост от обучения, а долю точных ответов — рядом с серой линией ``frozen``.
    """
    import matplotlib.pyplot as plt

    fig, (ax_score, ax_kl, ax_exact) = plt.subplots(1, 3, figsize=(13, 3.8))
    steps = [e["step"] for e in frozen]
    ax_score.axhline(0, ls="--", color="gray", lw=1.5, label="после SFT, без обучения")
    ax_exact.plot(steps, rolling([e["exact"] for e in frozen], window), "--", color="gray", lw=1.5,
                  label="после SFT, без обучения")
    for name, log in runs.items():
        gain = [e["score"] - f["score"] for e, f in zip(log, frozen, strict=True)]
        ax_score.plot(steps, rolling(gain, window), lw=2, label=name)
        ax_kl.plot(steps, rolling([e["kl"] for e in log], window), lw=2, label=name)
        ax_exact.plot(steps, rolling([e["exact"] for e in log], window), lw=2, label=name)
    for ax, title, ylabel in [(ax_score, "оценка модели награды", "прирост средней оценки к SFT"),
                              (ax_kl, "KL к опорной модели", "KL на ответ, нат"),
                              (ax_exact, "точные ответы", "доля точных ответов в батче")]:
        ax.set_title(title)
        ax.set_xlabel("итерация PPO")
        ax.set_ylabel(ylabel)
    ax_score.legend()
    fig.suptitle(f"Те же запросы в каждой итерации; скользящее среднее по {window} итерациям", fontsize=10)
    fig.tight_layout()
    return fig


# --- оценка и долгие обучения ---

@torch.no_grad()
def evaluate(parts: PPOParts, rows: list[dict], kl_fn=kl_sum, samples: int = 4, seed: int = 1, policy=None,
             greedy: bool = True) -> dict:
    """Политика (``parts.policy`` или ``policy``) на запросах ``rows``: по ``samples`` ответов на запрос (T = 1) —
    средняя оценка модели награды, KL к опорной модели, доля точных ответов, длина в токенах и самые
    частые ответы; с ``greedy`` — ещё доля точных жадных ответов (``exact_match``)."""
    policy = parts.policy if policy is None else policy
    batch = sample(policy, parts.tokenizer, [r["instruction"] for r in rows], samples, seed=seed)
    mask = batch.response_mask[:, 1:].float()
    logp_ref, _ = reference_pass(parts.reference, batch)
    counts = Counter(batch.responses)
    result = {"score": round(rewards(parts.reward_model, batch).mean().item(), 4),
              "kl": round(kl_fn(token_logprobs(policy, batch), logp_ref, mask).mean().item(), 4),
              "exact_sampled": round(share_exact(batch.responses, [r for r in rows for _ in range(samples)]), 4),
              "length": round(response_lengths(batch).mean().item(), 3),
              "most_common": [[answer, round(n / len(batch.responses), 3)] for answer, n in counts.most_common(5)]}
    if greedy:
        result["exact_greedy"] = exact_match(policy, parts.tokenizer, rows)["all"]
    return result


BENCHMARK_RUNS = {
    "leash": PPOSettings(steps=150, lr=5e-5, beta=0.3),  # первое обучение ноутбука, но в 6 раз дольше
    "no_leash": PPOSettings(steps=150, lr=5e-5, beta=0.0),  # тот же шаг без поводка
    "no_leash_fast": PPOSettings(steps=150, lr=5e-4, beta=0.0),  # без поводка и с шагом в 10 раз больше
}
SHOWN = 8  # сколько отложенных инструкций показать с ответами


def ppo_benchmark(steps: int | None = None) -> dict:
    """Долгие обучения PPO для ``benchmarks/`` (их зовёт ``scripts/bench_rl.py``): ``BENCHMARK_RUNS`` по 150
    итераций (или ``steps``), каждое с политики после SFT. Для политики после SFT и после каждого обучения —
    ``evaluate`` на всех отложенных инструкциях и жадные ответы на ``SHOWN`` из них; для обучений ещё журнал
    (скользящие средние по 10 итерациям) и время. 5–10 минут на одном потоке CPU; зовите после
    ``course_utils.setup()`` (один поток: так числа воспроизводятся).
    """
    from .finetuning import generate_answers, load_sft

    start = time.perf_counter()
    train_rows, test_rows = load_sft("train"), load_sft("test")
    base = make_parts()
    shown = test_rows[:: len(test_rows) // SHOWN][:SHOWN]

    def answers(policy):
        return dict(zip([r["instruction"] for r in shown], generate_answers(policy, base.tokenizer,
                                                                           [r["instruction"] for r in shown])))

    result = {"reward_model_test_accuracy": json.loads(
                  (reward_model_path() / "training_log.json").read_text(encoding="utf-8"))["test_accuracy"],
              "shown": {r["instruction"]: r["output"] for r in shown},
              "sft": {"eval": evaluate(base, test_rows), "greedy_answers": answers(base.policy)}, "runs": {}}
    for name, settings in BENCHMARK_RUNS.items():
        settings = replace(settings, steps=steps or settings.steps)
        parts = restart(base)
        torch.manual_seed(settings.seed)
        log = train_ppo(parts, train_rows, advantages_detached, clipped_surrogate_loss, kl_sum, settings)
        curve = {key: [round(v, 3) for v in rolling([e[key] for e in log], 10)[9::10]]
                 for key in ("score", "kl", "exact", "length")}
        result["runs"][name] = {"settings": asdict(settings), "eval": evaluate(parts, test_rows),
                                "greedy_answers": answers(parts.policy), "curve_every_10": curve,
                                "train_seconds": log[-1]["seconds"]}
    result["seconds"] = round(time.perf_counter() - start, 1)
    return result
