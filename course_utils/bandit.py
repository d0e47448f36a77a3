"""Бандит «Столица Франции?» (глава 6, ноутбук 1): среда, ответы агента и опыты со многими агентами сразу.

Бандит — обучение с подкреплением в самом простом виде: одно состояние (один вопрос), несколько действий
(ответов), награда приходит сразу после действия. Политика — softmax по пяти обучаемым логитам.

- ``sample_answers`` и ``reward`` — агент выбирает ответы, среда их оценивает (с шумом);
- ``policy_gradient`` — градиент лосса REINFORCE по логитам, выписанный формулой: так можно учить
  сразу много агентов одним тензором, без autograd;
- ``train_agents``, ``gradient_spread``, ``steps_to_reach`` — опыты ноутбука, ``bandit_benchmark`` — их числа
  одним словарём (его зовёт ``scripts/bench_rl.py``);
- ``plot_policy``, ``plot_learning_curves`` — рисунки.
"""
from __future__ import annotations

import time

import torch
import torch.nn.functional as F

ANSWERS = ("Париж", "Марсель", "Лион", "Берлин", "не знаю")
PARIS = 0  # номер правильного ответа
MEAN_REWARDS = torch.tensor([5.0, 2.0, 2.0, 0.0, 0.0])  # средняя награда за каждый ответ
REWARD_NOISE = 1.0  # стандартное отклонение шума награды: одну и ту же оценку среда ставит не всегда одинаково
START_LOGITS = torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0])  # в начале агент чаще всего отвечает «Марсель»

# Настройки опытов ноутбука (их же использует bandit_benchmark).
BATCH = 8  # ответов агента за итерацию
LR = 0.1  # скорость обучения η (обычный градиентный спуск)
MOMENTUM = 0.9  # доля старого значения в скользящем среднем наград (базовой линии)
STEPS = 300  # итераций обучения
AGENTS = 50  # независимых агентов в каждом опыте
SHIFT = 10.0  # сдвиг наград во втором опыте: те же ответы, но награды 10–15 вместо 0–5


def policy(logits: torch.Tensor) -> torch.Tensor:
    """Вероятности ответов π = softmax(логиты) по последней оси."""
    return torch.softmax(logits, dim=-1)


def sample_answers(logits: torch.Tensor, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` ответов агента (номера из ``ANSWERS``), выбранных с вероятностями политики.

    Логиты формы (K,) дают тензор (n,); логиты (S, K) — S агентов сразу — дают (S, n).
    """
    return torch.multinomial(policy(logits.detach()), n, replacement=True, generator=generator)


def reward(actions: torch.Tensor, generator: torch.Generator | None = None, *, shift: float = 0.0,
           noise: float = REWARD_NOISE) -> torch.Tensor:
    """Награда среды за каждый ответ: средняя награда ответа + ``shift`` + гауссов шум; форма как у ``actions``."""
    return MEAN_REWARDS[actions] + shift + noise * torch.randn(actions.shape, generator=generator)


def expected_reward(logits: torch.Tensor, *, shift: float = 0.0) -> torch.Tensor:
    """Средняя награда политики: Σ π(a) · r(a) (по последней оси логитов)."""
    return (policy(logits) * (MEAN_REWARDS + shift)).sum(dim=-1)


def policy_gradient(logits: torch.Tensor, actions: torch.Tensor, advantages: torch.Tensor) -> torch.Tensor:
    """Градиент лосса REINFORCE −mean(A · log π(a)) по логитам, выписанный формулой.

    Для softmax производная log π(a) по логитам равна onehot(a) − π, поэтому градиент —
    −mean_i A_i · (onehot(a_i) − π). Формы: логиты (..., K), ответы и преимущества (..., B) → (..., K).
    """
    probs = policy(logits.detach())
    onehot = F.one_hot(actions, probs.shape[-1]).to(probs.dtype)
    return -(advantages.unsqueeze(-1) * (onehot - probs.unsqueeze(-2))).mean(dim=-2)


def train_agents(*, use_baseline: bool, shift: float = 0.0, agents: int = AGENTS, steps: int = STEPS,
                 batch: int = BATCH, lr: float = LR, momentum: float = MOMENTUM,
                 start_logits: torch.Tensor = START_LOGITS, seed: int = 0) -> torch.Tensor:
    """Учит ``agents`` независимых агентов одновременно; возвращает их политики: тензор (agents, steps + 1, K).

    Каждая итерация — как в ноутбуке: ``batch`` ответов, награды, шаг градиентного спуска по логитам. Базовая линия —
    скользящее среднее наград; в начале она равна средней награде первого батча. Без неё преимущество — сама
    награда. Градиент считает ``policy_gradient`` — то же, что autograd выводит из лосса REINFORCE.
    """
    generator = torch.Generator().manual_seed(seed)
    logits = start_logits.repeat(agents, 1)
    history = [policy(logits)]
    baseline = None
    for _ in range(steps):
        actions = sample_answers(logits, batch, generator)
        rewards = reward(actions, generator, shift=shift)
        if baseline is None:
            baseline = rewards.mean(dim=1)
        advantages = rewards - baseline.unsqueeze(1) if use_baseline else rewards
        logits = logits - lr * policy_gradient(logits, actions, advantages)
        baseline = momentum * baseline + (1 - momentum) * rewards.mean(dim=1)
        history.append(policy(logits))
    return torch.stack(history, dim=1)


def gradient_spread(baseline: float, *, shift: float = 0.0, logits: torch.Tensor = START_LOGITS,
                    batches: int = 20_000, batch: int = BATCH, seed: int = 1) -> tuple[torch.Tensor, float]:
    """Средний градиент REINFORCE по логитам и его дисперсия на ``batches`` случайных батчах одной политики.

    Дисперсия — сумма дисперсий пяти компонент градиента (след ковариационной матрицы): насколько градиент
    одного батча в среднем отклоняется от настоящего.
    """
    generator = torch.Generator().manual_seed(seed)
    many = logits.expand(batches, -1)
    actions = sample_answers(many, batch, generator)
    rewards = reward(actions, generator, shift=shift)
    gradients = policy_gradient(many, actions, rewards - baseline)
    return gradients.mean(dim=0), gradients.var(dim=0).sum().item()


def steps_to_reach(curve: torch.Tensor, level: float = 0.9) -> int | None:
    """Первый шаг, на котором ``curve`` (например, средняя по агентам P(«Париж»)) достигла ``level``; иначе None."""
    reached = (curve >= level).nonzero()
    return int(reached[0, 0]) if len(reached) else None


def bandit_benchmark() -> dict:
    """Числа ноутбука одним словарём (для ``scripts/bench_rl.py`` и ``benchmarks/``): дисперсия градиента и
    число итераций до P(«Париж») ≥ 0.9 (по средней кривой агентов) с базовой линией и без, для наград 0–5 и 10–15.

    Около секунды на одном потоке — зовите после ``course_utils.setup()``: на двух потоках занятой машины мелкие
    операции torch мешают друг другу, и та же работа идёт в десятки раз дольше.
    """
    start = time.perf_counter()
    result = {"settings": {"answers": list(ANSWERS), "mean_rewards": MEAN_REWARDS.tolist(),
                           "reward_noise": REWARD_NOISE, "start_p_paris": round(policy(START_LOGITS)[PARIS].item(), 4),
                           "batch": BATCH, "lr": LR, "momentum": MOMENTUM, "steps": STEPS, "agents": AGENTS}}
    for name, shift in (("rewards_0_5", 0.0), ("rewards_10_15", SHIFT)):
        row = {}
        for kind, use_baseline in (("without_baseline", False), ("with_baseline", True)):
            baseline = expected_reward(START_LOGITS, shift=shift).item() if use_baseline else 0.0
            _, variance = gradient_spread(baseline, shift=shift)
            probs = train_agents(use_baseline=use_baseline, shift=shift)[:, :, PARIS]
            row[kind] = {"gradient_variance": round(variance, 4),
                         "steps_to_p090": steps_to_reach(probs.mean(dim=0)),
                         "final_p_paris": round(probs[:, -1].mean().item(), 4),
                         "agents_at_p090": round((probs[:, -1] >= 0.9).float().mean().item(), 4)}
        result[name] = row
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


def plot_policy(ax, probs, title: str) -> None:
    """Столбики: вероятность каждого ответа."""
    probs = torch.as_tensor(probs).detach()
    bars = ax.bar(ANSWERS, probs.tolist(), color=["#00798c"] + ["#d1495b"] * (len(ANSWERS) - 1))
    ax.bar_label(bars, fmt="%.2f")
    ax.set_ylim(0, 1.1)
    ax.set_title(title)
    ax.set_xlabel("ответ агента")
    ax.set_ylabel("вероятность π(ответ)")


def plot_learning_curves(ax, runs: dict, title: str, level: float = 0.9) -> None:
    """Подпись → P(«Париж») агентов, тензор (agents, steps + 1): линия — среднее по агентам, полоса — от 10-го до
    90-го процентиля (насколько агенты расходятся); пунктир — уровень ``level``."""
    for label, paris in runs.items():
        paris = torch.as_tensor(paris).detach()
        low, high = torch.quantile(paris, torch.tensor([0.1, 0.9]), dim=0)
        line, = ax.plot(paris.mean(dim=0).tolist(), label=label)
        ax.fill_between(range(paris.shape[1]), low.tolist(), high.tolist(), color=line.get_color(), alpha=0.2)
    ax.axhline(level, color="grey", linestyle="--", linewidth=1)
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.set_xlabel("итерация")
    ax.set_ylabel("P(«Париж»)")
    ax.legend(loc="lower right")
