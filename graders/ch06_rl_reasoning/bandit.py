"""Ноутбук 01_bandit: лосс REINFORCE (reinforce_loss) и базовая линия — скользящее среднее наград (update_baseline)."""
from __future__ import annotations

import math

import torch

from course_utils import checks

from ._common import mistaken_values_and_gradients, value_and_gradient


# --- эталонные ответы ---

def reference_reinforce_loss(logits, actions, rewards, baseline=0.0):
    """Лосс REINFORCE: −mean((награда − базовая линия) · log π(выбранный ответ))."""
    log_probs = torch.log_softmax(logits, dim=-1)
    return -((rewards - baseline) * log_probs[actions]).mean()


def reference_update_baseline(baseline, rewards, momentum):
    """Новая базовая линия: momentum · старая + (1 − momentum) · средняя награда батча (число float)."""
    return momentum * baseline + (1 - momentum) * rewards.mean().item()


# --- reinforce_loss ---

SIGN_HINT = ("Знак перепутан: лосс REINFORCE — минус среднее (награда − базовая линия) · log π. Оптимизатор лосс "
             "уменьшает, а среднюю награду нужно увеличивать.")
PROBS_HINT = ("Взяты вероятности вместо логарифмов вероятностей: множитель при награде — log π(a), "
              "torch.log_softmax(logits, dim=-1)[actions].")
ALL_HINT = ("Сложены логарифмы вероятностей всех ответов, а нужен логарифм вероятности выбранного действия: "
            "log_probs[actions] — по одному числу на каждый ответ батча.")
IGNORED_HINT = ("Базовая линия не вычтена: награду умножают не саму по себе, а за вычетом базовой линии — "
                "(rewards − baseline) · log π.")
BATCH_MEAN_HINT = ("Вычтена средняя награда этого батча, а базовая линия — аргумент baseline: вычитайте "
                   "переданное значение, (rewards − baseline) · log π.")
ADDED_HINT = "Базовая линия прибавлена, а её вычитают: множитель — rewards − baseline."
SUM_HINT = ("Сумма вместо среднего: docstring задаёт среднее по батчу (.mean()), тогда шаг обучения не зависит от "
            "числа ответов в батче.")
LOGITS_HINT = ("Логиты вместо логарифмов вероятностей: логиты ещё не нормированы, log π = "
               "torch.log_softmax(logits, dim=-1).")
GRAPH_HINT = ("Лосс должен оставаться тензором, связанным с логитами: .item(), float(...), .detach() или "
              "torch.tensor(...) обрывает граф, и backward не дойдёт до логитов.")


def _wrong_losses():
    """Типичные ошибки: подсказка → лосс, который она даёт (функция тех же аргументов)."""
    def log_probs(logits):
        return torch.log_softmax(logits, dim=-1)

    return {
        SIGN_HINT: lambda lg, a, r, b: ((r - b) * log_probs(lg)[a]).mean(),
        PROBS_HINT: lambda lg, a, r, b: -((r - b) * torch.softmax(lg, dim=-1)[a]).mean(),
        ALL_HINT: lambda lg, a, r, b: -((r - b) * log_probs(lg).sum()).mean(),
        IGNORED_HINT: lambda lg, a, r, b: -(r * log_probs(lg)[a]).mean(),
        ADDED_HINT: lambda lg, a, r, b: -((r + b) * log_probs(lg)[a]).mean(),
        BATCH_MEAN_HINT: lambda lg, a, r, b: -((r - r.mean()) * log_probs(lg)[a]).mean(),
        SUM_HINT: lambda lg, a, r, b: -((r - b) * log_probs(lg)[a]).sum(),
        LOGITS_HINT: lambda lg, a, r, b: -((r - b) * lg[a]).mean(),
    }


def _loss_cases():
    """(логиты, ответы, награды, базовая линия или None — «не передавать», подпись) — от примера из текста до
    случайных политик, батча из одного ответа, float64 и базовой линии-тензора."""
    generator = torch.Generator().manual_seed(6)
    cases = [(torch.zeros(5), torch.tensor([0, 1]), torch.tensor([5.0, 2.0]), 0.0, "пример из текста, baseline=0.0"),
             (torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0]), torch.tensor([0, 1, 1, 3, 4, 2]),
              torch.tensor([5.3, 1.8, 2.4, 0.2, -0.6, 2.1]), 1.85, "политика «чаще Марсель», baseline=1.85")]
    logits = torch.randn(7, generator=generator)
    actions = torch.randint(0, 7, (16,), generator=generator)
    rewards = 3 * torch.randn(16, generator=generator) + 4
    cases.append((logits, actions, rewards, torch.tensor(2.5), "7 ответов, батч 16, baseline=torch.tensor(2.5)"))
    logits = torch.randn(4, generator=generator)
    actions = torch.randint(0, 4, (10,), generator=generator)
    rewards = torch.randn(10, generator=generator) + 11
    cases.append((logits, actions, rewards, None, "4 ответа, батч 10, baseline по умолчанию"))
    logits = torch.randn(3, generator=generator, dtype=torch.float64)
    actions = torch.tensor([2, 0, 2, 1, 2])
    rewards = torch.tensor([1.5, -2.0, 0.5, 3.0, 1.0], dtype=torch.float64)
    cases.append((logits, actions, rewards, 0.5, "float64, baseline=0.5"))
    cases.append((torch.tensor([0.3, -1.2, 0.8, 0.1, 0.0]), torch.tensor([2]), torch.tensor([4.0]), -1.0,
                  "батч из одного ответа, baseline=-1.0"))
    return cases


def _checked_loss(reinforce_loss, logits, actions, rewards, baseline, label):
    """Один вызов: тип, форма, связь с логитами, затем значение и градиент с названными ошибками."""
    name = f"reinforce_loss({label})"
    leaf = logits.clone().requires_grad_(True)
    args = (leaf, actions, rewards) if baseline is None else (leaf, actions, rewards, baseline)
    loss = checks.call(reinforce_loss, *args, name=name)
    if isinstance(loss, (int, float)) and not isinstance(loss, bool):
        checks.fail(f"{name}: получено число {checks.describe(loss)}, а нужен тензор.", GRAPH_HINT)
    checks.check_type(loss, torch.Tensor, name, hint="Верните тензор формы (): результат .mean().")
    if loss.dim() != 0:
        hint = ("Вы не усреднили по батчу: верните одно число-тензор, например (...).mean()."
                if tuple(loss.shape) == tuple(actions.shape) else "Лосс — одно число: тензор формы ().")
        checks.fail(f"{name}: ожидался тензор формы () (одно число), получено {tuple(loss.shape)}.", hint)
    if not loss.requires_grad:
        checks.fail(f"{name}: лосс не зависит от логитов (requires_grad=False).", GRAPH_HINT)
    b = 0.0 if baseline is None else baseline
    expected, expected_grad = value_and_gradient(reference_reinforce_loss, logits, actions, rewards, b)
    values, gradients = mistaken_values_and_gradients(_wrong_losses(), expected, expected_grad,
                                                      logits, actions, rewards, b)
    checks.check_close(loss.detach(), expected, name=f"значение {name}", atol=1e-5, rtol=1e-4, check_dtype=False,
                       hint="Лосс = −mean((rewards − baseline) · log_softmax(logits)[actions]).", mistakes=values)
    (gradient,) = torch.autograd.grad(loss, leaf, allow_unused=True)
    if gradient is None:
        checks.fail(f"{name}: градиент не дошёл до логитов.", GRAPH_HINT)
    checks.check_close(gradient, expected_grad, name=f"градиент {name} по логитам", atol=1e-5, rtol=1e-4,
                       check_dtype=False, hint="Градиент должен быть −mean(A · (onehot(a) − π)).", mistakes=gradients)


def check_reinforce_loss(reinforce_loss):
    """Пример из текста, случайные политики, батч из одного ответа, float64, базовая линия — число и тензор."""
    for logits, actions, rewards, baseline, label in _loss_cases():
        _checked_loss(reinforce_loss, logits, actions, rewards, baseline, label)
    checks.passed("reinforce_loss верна: значение и градиент по логитам совпали на всех примерах.")


# --- update_baseline ---

SWAPPED_HINT = ("momentum — доля старого значения: новая базовая линия = momentum · baseline + (1 − momentum) · "
                "среднее наград, а вы умножили на momentum новую награду.")
ZERO_HINT = ("Базовая линия всегда ноль — это преимущество без базовой линии: преимущество совпадает с самой "
             "наградой. Обновляйте baseline скользящим средним наград.")
UNCHANGED_HINT = ("Базовая линия не обновилась: верните momentum · baseline + (1 − momentum) · rewards.mean(), "
                  "а не старое значение.")
MEAN_ONLY_HINT = ("Забыто старое значение: это среднее наград одного батча, а нужно скользящее среднее — "
                  "momentum · baseline + (1 − momentum) · rewards.mean().")
SUM_REWARDS_HINT = "Взята сумма наград батча, а нужно их среднее: rewards.mean()."
WEIGHTS_HINT = ("Веса не дают в сумме 1: старое значение умножают на momentum, а среднее наград — на "
                "(1 − momentum).")
ADVANTAGE_HINT = ("Похоже, вы вернули преимущество rewards − baseline, а нужна новая базовая линия — одно число: "
                  "momentum · baseline + (1 − momentum) · rewards.mean().")


def baseline_mistakes(baseline, rewards, momentum):
    """Подсказка → число, которое даёт типичная ошибка."""
    mean = rewards.double().mean().item()
    return {ZERO_HINT: 0.0,
            UNCHANGED_HINT: baseline,
            SWAPPED_HINT: (1 - momentum) * baseline + momentum * mean,
            MEAN_ONLY_HINT: mean,
            SUM_REWARDS_HINT: momentum * baseline + (1 - momentum) * rewards.double().sum().item(),
            WEIGHTS_HINT: momentum * baseline + mean}


def _checked_update(update_baseline, baseline, rewards, momentum):
    name = f"update_baseline({baseline}, награды {[round(r, 2) for r in rewards.tolist()]}, {momentum})"
    result = checks.call(update_baseline, baseline, rewards, momentum, name=name)
    if isinstance(result, torch.Tensor) and result.numel() != 1:
        advantage = tuple(result.shape) == tuple(rewards.shape) and torch.allclose(
            result.detach().double(), rewards.double() - baseline, atol=1e-5)
        checks.fail(f"{name}: ожидалось одно число, получен тензор формы {tuple(result.shape)}.",
                    ADVANTAGE_HINT if advantage else "Усредните награды батча: rewards.mean(), а число из тензора "
                                                     "даёт .item().")
    checks.check_type(result, float, name,
                      hint="Верните одно число float: для тензора из одного элемента подойдёт .item().")
    expected = reference_update_baseline(baseline, rewards.double(), momentum)
    mistakes = {hint: wrong for hint, wrong in baseline_mistakes(baseline, rewards, momentum).items()
                if not math.isclose(wrong, expected, rel_tol=1e-6, abs_tol=1e-6)}
    checks.check_close(result, expected, name=name, atol=1e-5, rtol=1e-5, mistakes=mistakes,
                       hint="Новая базовая линия = momentum · baseline + (1 − momentum) · rewards.mean().")


def check_update_baseline(update_baseline):
    """Примеры из текста, случайные батчи, float64, крайние momentum 0 и 1, много шагов подряд."""
    generator = torch.Generator().manual_seed(7)
    cases = [(3.0, torch.tensor([4.0, 6.0]), 0.9), (0.0, torch.tensor([5.0, 2.0]), 0.9),
             (-1.5, 2 * torch.randn(16, generator=generator) + 3, 0.5),
             (12.0, 10 + 5 * torch.rand(8, generator=generator, dtype=torch.float64), 0.99),
             (2.0, torch.tensor([1.0, 2.0, 3.0, 4.0]), 0.0), (2.0, torch.tensor([1.0, 2.0, 3.0, 4.0]), 1.0),
             (0.7, torch.tensor([-3.0]), 0.8)]
    for baseline, rewards, momentum in cases:
        _checked_update(update_baseline, baseline, rewards, momentum)
    baseline = 0.0
    for _ in range(100):  # награды около 12.5: за 100 шагов скользящее среднее к ним подходит
        rewards = 10 + 5 * torch.rand(8, generator=generator)
        baseline = checks.call(update_baseline, baseline, rewards, 0.9, name="update_baseline в цикле из 100 шагов")
        checks.check_type(baseline, float, "update_baseline в цикле", hint="Верните число float (.item()).")
    if not 11.5 < baseline < 13.5:
        checks.fail(f"После 100 шагов с наградами 10–15 базовая линия равна {baseline:.3g}, а ожидалось около 12.5.",
                    "Скользящее среднее должно приближаться к средней награде.")
    checks.passed("update_baseline верна: скользящее среднее наград с долей momentum у старого значения.")


# --- реестры ---

REFERENCES = {
    "06_rl_reasoning_bandit_reinforce_loss": reference_reinforce_loss,
    "06_rl_reasoning_bandit_baseline": reference_update_baseline,
}
CHECKS = {
    "06_rl_reasoning_bandit_reinforce_loss": check_reinforce_loss,
    "06_rl_reasoning_bandit_baseline": check_update_baseline,
}
HELPERS: dict = {}

_LOSS = "def reinforce_loss(logits, actions, rewards, baseline=0.0):\n"
_LOG = "    log_probs = torch.log_softmax(logits, dim=-1)\n"
_UPDATE = "def update_baseline(baseline, rewards, momentum):\n"

MISTAKES = {
    "06_rl_reasoning_bandit_reinforce_loss": {
        "sign flipped (gradient ascent on the loss)": (
            _LOSS + _LOG + "    return ((rewards - baseline) * log_probs[actions]).mean()\n", "Знак перепутан"),
        "probabilities instead of log-probabilities": (
            _LOSS + "    probs = torch.softmax(logits, dim=-1)\n"
            "    return -((rewards - baseline) * probs[actions]).mean()\n", "вероятности вместо логарифмов"),
        "log-probs of all actions summed": (
            _LOSS + _LOG + "    return -((rewards - baseline) * log_probs.sum()).mean()\n", "выбранного действия"),
        "baseline ignored": (_LOSS + _LOG + "    return -(rewards * log_probs[actions]).mean()\n",
                             "Базовая линия не вычтена"),
        "baseline added": (_LOSS + _LOG + "    return -((rewards + baseline) * log_probs[actions]).mean()\n",
                           "Базовая линия прибавлена"),
        "sum instead of mean": (_LOSS + _LOG + "    return -((rewards - baseline) * log_probs[actions]).sum()\n",
                                "Сумма вместо среднего"),
        "logits instead of log-probabilities": (
            _LOSS + "    return -((rewards - baseline) * logits[actions]).mean()\n", "Логиты вместо логарифмов"),
        "loss.item() breaks the graph": (
            _LOSS + _LOG + "    return -((rewards - baseline) * log_probs[actions]).mean().item()\n",
            "обрывает граф"),
        "batch mean subtracted instead of the baseline argument": (
            _LOSS + _LOG + "    return -((rewards - rewards.mean()) * log_probs[actions]).mean()\n", "аргумент baseline"),
        "one-hot made in float32 (breaks on float64 input)": (
            _LOSS + _LOG + "    onehot = torch.nn.functional.one_hot(actions, len(logits)).float()\n"
            "    return -((rewards - baseline) * (onehot @ log_probs)).mean()\n", "разных типов"),
    },
    "06_rl_reasoning_bandit_baseline": {
        "momentum applied to the new reward instead of the old baseline": (
            _UPDATE + "    return (1 - momentum) * baseline + momentum * rewards.mean().item()\n",
            "доля старого значения"),
        "advantage without a baseline (baseline kept at zero)": (_UPDATE + "    return 0.0\n",
                                                                 "преимущество без базовой линии"),
        "baseline never updated": (_UPDATE + "    return baseline\n", "не обновилась"),
        "batch mean only (old baseline forgotten)": (_UPDATE + "    return rewards.mean().item()\n",
                                                     "Забыто старое значение"),
        "rewards summed": (_UPDATE + "    return momentum * baseline + (1 - momentum) * rewards.sum().item()\n",
                           "сумма наград"),
        "weights do not sum to one": (_UPDATE + "    return momentum * baseline + rewards.mean().item()\n",
                                      "в сумме 1"),
        "advantage returned instead of the baseline": (_UPDATE + "    return rewards - baseline\n",
                                                       "вернули преимущество"),
        "tensor instead of a number": (
            _UPDATE + "    return momentum * baseline + (1 - momentum) * rewards.mean()\n", ".item()"),
    },
}
