"""Ноутбук 03_ppo: преимущество (advantages), обрезанный лосс PPO (ppo_clip_loss) и штраф KL (kl_penalty)."""
from __future__ import annotations

import torch

from course_utils import checks

from ._common import mistaken_values_and_gradients, value_and_gradient


# --- эталонные ответы ---

def reference_advantages(rewards, values):
    """Преимущество: награда минус предсказание критика, без градиента — тензор (B,)."""
    return (rewards - values).detach()


def reference_ppo_clip_loss(logp_new, logp_old, advantages, eps=0.2):
    """Лосс PPO: −mean(min(ratio · A, clip(ratio, 1 − eps, 1 + eps) · A)), ratio = exp(logp_new − logp_old)."""
    ratio = torch.exp(logp_new - logp_old)
    clipped = torch.clamp(ratio, 1 - eps, 1 + eps)
    return -torch.min(ratio * advantages, clipped * advantages).mean()


def reference_kl_penalty(logp_policy, logp_ref, mask):
    """Оценка KL ответа: сумма (logp_policy − logp_ref) по токенам, где mask = 1, — тензор (B,)."""
    return ((logp_policy - logp_ref) * mask).sum(dim=-1)


# --- advantages ---

NO_BASELINE_HINT = ("Это сама награда — преимущество без базовой линии. Вычтите предсказание критика: "
                    "rewards − values. Иначе каждый ответ с положительной наградой тянется вверх, даже если он хуже "
                    "обычного для этого запроса.")
ADVANTAGE_SIGN_HINT = ("Знак перепутан: преимущество — насколько награда выше ожидаемой, rewards − values, а не "
                       "values − rewards. С обратным знаком PPO будет поднимать худшие ответы.")
DETACH_HINT = ("Преимущество должно быть без градиента (.detach()): иначе лосс политики через него потянет и "
               "критика — тот станет подгонять свои предсказания под политику, а не под награды. Критик учится "
               "отдельно, своим лоссом MSE.")
MEAN_BASELINE_HINT = ("Вычтено среднее предсказание критика по батчу, а базовая линия у каждого ответа своя — "
                      "предсказание критика для его запроса: rewards − values поэлементно.")


def _advantage_cases():
    generator = torch.Generator().manual_seed(3)
    cases = [(torch.tensor([5.0, 5.0, 1.0, 2.0]), torch.tensor([3.0, 8.0, 1.5, 2.0]), "пример из текста")]
    cases.append((2 * torch.randn(16, generator=generator) + 1, torch.randn(16, generator=generator),
                  "случайный батч из 16 ответов"))
    cases.append((torch.randn(6, generator=generator, dtype=torch.float64),
                  torch.randn(6, generator=generator, dtype=torch.float64), "float64"))
    cases.append((torch.tensor([-0.7]), torch.tensor([0.4]), "батч из одного ответа"))
    return cases


def check_advantages(advantages):
    """Пример из текста, случайные батчи, float64; предсказания критика приходят с градиентом."""
    for rewards, values, label in _advantage_cases():
        name = f"advantages({label})"
        critic_output = values.clone().requires_grad_(True)  # как выход критика: с градиентом
        result = checks.call(advantages, rewards, critic_output, name=name)
        checks.check_type(result, torch.Tensor, name, hint="Верните тензор: rewards − values.")
        checks.check_shape(result, tuple(rewards.shape), name,
                           hint="Преимущество — по одному числу на ответ: форма как у rewards.")
        expected = rewards - values
        mistakes = {NO_BASELINE_HINT: rewards, ADVANTAGE_SIGN_HINT: values - rewards,
                    MEAN_BASELINE_HINT: rewards - values.mean()}
        mistakes = {hint: wrong for hint, wrong in mistakes.items() if not torch.allclose(wrong, expected)}
        checks.check_close(result.detach(), expected, name=name, atol=1e-6, mistakes=mistakes, check_dtype=False,
                           hint="Преимущество = rewards − values.")
        if result.requires_grad:
            checks.fail(f"{name}: результат связан с критиком (requires_grad=True).", DETACH_HINT)
    checks.passed("advantages верна: награда минус предсказание критика, без градиента.")


# --- ppo_clip_loss ---

NOT_EXP_HINT = ("Отношение вероятностей не получено из логарифмов: разность логарифмов logp_new − logp_old — это "
                "log(π_new / π_old), а само отношение — ratio = exp(logp_new − logp_old).")
QUOTIENT_HINT = ("Отношение вероятностей не получено из логарифмов: частное логарифмов logp_new / logp_old — не "
                 "π_new / π_old. Отношение вероятностей — ratio = exp(logp_new − logp_old).")
CLIP_ADVANTAGE_HINT = ("Обрезано преимущество, а обрезают отношение вероятностей: clip(ratio, 1 − eps, 1 + eps) · A. "
                       "Преимущество остаётся как есть.")
CLIP_ADVANTAGE_ALONE_HINT = ("Обрезано преимущество и потеряно отношение вероятностей: второе слагаемое — "
                             "clip(ratio, 1 − eps, 1 + eps) · A, а не clip(A, 1 − eps, 1 + eps).")
MAX_HINT = ("Взят максимум, а нужен минимум: min(ratio · A, clip(ratio) · A) — пессимистичная оценка. С max при "
            "отрицательном преимуществе обрезка не мешает уменьшать вероятность плохого ответа как угодно сильно, "
            "а при положительном — не ограничивает рост.")
LOSS_SIGN_HINT = ("Знак лосса перепутан: цель PPO (surrogate) увеличивают, а оптимизатор лосс уменьшает — "
                  "верните минус среднее: −mean(min(...)).")
ALWAYS_CLIP_HINT = ("Взято только обрезанное слагаемое clip(ratio) · A, без минимума с ratio · A. PPO берёт "
                    "min(ratio · A, clip(ratio, 1 − eps, 1 + eps) · A): обрезка срабатывает, только когда она "
                    "уменьшает цель.")
NO_CLIP_HINT = ("Обрезки нет: это просто −mean(ratio · A). PPO берёт min(ratio · A, clip(ratio, 1 − eps, 1 + eps) · "
                "A), чтобы за одну порцию ответов политика не уходила далеко от старой.")
SUM_HINT = "Сумма вместо среднего: docstring задаёт среднее по всем элементам (.mean())."
EPS_HINT = "Обрезка не зависит от eps: границы — 1 − eps и 1 + eps, а не 0.8 и 1.2 навсегда."
CLIP_GRAPH_HINT = ("Лосс должен оставаться тензором, связанным с logp_new: .item(), float(...), .detach() или "
                   "torch.tensor(...) обрывает граф, и backward не дойдёт до политики.")


def _wrong_clip_losses():
    """Типичные ошибки: подсказка → лосс, который она даёт (функция тех же аргументов)."""
    def clip(x, eps):
        return torch.clamp(x, 1 - eps, 1 + eps)

    def surrogate(ratio, a, eps):
        return torch.min(ratio * a, clip(ratio, eps) * a)

    return {
        NOT_EXP_HINT: lambda new, old, a, eps: -surrogate(new - old, a, eps).mean(),
        QUOTIENT_HINT: lambda new, old, a, eps: -surrogate(new / old, a, eps).mean(),
        CLIP_ADVANTAGE_HINT: lambda new, old, a, eps: -torch.min(torch.exp(new - old) * a,
                                                                 torch.exp(new - old) * clip(a, eps)).mean(),
        CLIP_ADVANTAGE_ALONE_HINT: lambda new, old, a, eps: -torch.min(torch.exp(new - old) * a,
                                                                       clip(a, eps)).mean(),
        MAX_HINT: lambda new, old, a, eps: -torch.max(torch.exp(new - old) * a,
                                                      clip(torch.exp(new - old), eps) * a).mean(),
        LOSS_SIGN_HINT: lambda new, old, a, eps: surrogate(torch.exp(new - old), a, eps).mean(),
        NO_CLIP_HINT: lambda new, old, a, eps: -(torch.exp(new - old) * a).mean(),
        ALWAYS_CLIP_HINT: lambda new, old, a, eps: -(clip(torch.exp(new - old), eps) * a).mean(),
        SUM_HINT: lambda new, old, a, eps: -surrogate(torch.exp(new - old), a, eps).sum(),
        EPS_HINT: lambda new, old, a, eps: -surrogate(torch.exp(new - old), a, 0.2).mean(),
    }


def _clip_cases():
    """(logp_new, logp_old, A, eps или None — «не передавать», подпись)."""
    generator = torch.Generator().manual_seed(5)
    old = torch.log(torch.tensor([0.4, 0.4, 0.4, 0.4]))
    new = torch.log(torch.tensor([0.6, 0.2, 0.6, 0.2]))
    cases = [(new, old, torch.tensor([2.0, 2.0, -1.0, -1.0]), None, "пример из текста, eps по умолчанию")]
    old = -3 * torch.rand(32, generator=generator) - 0.1
    new = old + 0.5 * torch.randn(32, generator=generator)
    cases.append((new, old, torch.randn(32, generator=generator), 0.2, "32 токена, eps=0.2"))
    cases.append((new, old, 3 * torch.randn(32, generator=generator) + 0.5, 0.1, "32 токена, eps=0.1"))
    old = -2 * torch.rand(4, 6, generator=generator, dtype=torch.float64) - 0.1
    new = old + 0.4 * torch.randn(4, 6, generator=generator, dtype=torch.float64)
    cases.append((new, old, torch.randn(4, 6, generator=generator, dtype=torch.float64), 0.3,
                  "форма (4, 6), float64, eps=0.3"))
    old = -torch.rand(5, generator=generator) - 0.5
    cases.append((old.clone(), old, torch.tensor([1.0, -2.0, 0.5, 3.0, -1.0]), 0.2,
                  "первая эпоха: logp_new = logp_old"))
    return cases


def _checked_clip_loss(ppo_clip_loss, logp_new, logp_old, advantages, eps, label):
    name = f"ppo_clip_loss({label})"
    leaf = logp_new.clone().requires_grad_(True)
    args = (leaf, logp_old, advantages) if eps is None else (leaf, logp_old, advantages, eps)
    loss = checks.call(ppo_clip_loss, *args, name=name)
    if isinstance(loss, (int, float)) and not isinstance(loss, bool):
        checks.fail(f"{name}: получено число {checks.describe(loss)}, а нужен тензор.", CLIP_GRAPH_HINT)
    checks.check_type(loss, torch.Tensor, name, hint="Верните тензор формы (): результат .mean().")
    if loss.dim() != 0:
        checks.fail(f"{name}: ожидался тензор формы () (одно число), получено {tuple(loss.shape)}.",
                    "Лосс — одно число: усредните по всем элементам, (...).mean().")
    if not loss.requires_grad:
        checks.fail(f"{name}: лосс не зависит от logp_new (requires_grad=False).", CLIP_GRAPH_HINT)
    e = 0.2 if eps is None else eps
    expected, expected_grad = value_and_gradient(reference_ppo_clip_loss, logp_new, logp_old, advantages, e)
    values, gradients = mistaken_values_and_gradients(_wrong_clip_losses(), expected, expected_grad,
                                                      logp_new, logp_old, advantages, e)
    checks.check_close(loss.detach(), expected, name=f"значение {name}", atol=1e-5, rtol=1e-4, check_dtype=False,
                       mistakes=values, hint=("Лосс = −mean(min(ratio · A, clip(ratio, 1 − eps, 1 + eps) · A)), "
                                              "ratio = exp(logp_new − logp_old)."))
    (gradient,) = torch.autograd.grad(loss, leaf, allow_unused=True)
    if gradient is None:
        checks.fail(f"{name}: градиент не дошёл до logp_new.", CLIP_GRAPH_HINT)
    checks.check_close(gradient, expected_grad, name=f"градиент {name} по logp_new", atol=1e-5, rtol=1e-4,
                       check_dtype=False, mistakes=gradients, hint=(
                           "Там, где обрезанное слагаемое меньше, градиент по logp_new равен нулю: оно не зависит "
                           "от политики. Берите torch.min от двух слагаемых, а не выбирайте одно по условию."))


def check_ppo_clip_loss(ppo_clip_loss):
    """Пример из текста, случайные токены с разными eps, форма (4, 6) во float64, первая эпоха (ratio = 1)."""
    for logp_new, logp_old, advantages, eps, label in _clip_cases():
        _checked_clip_loss(ppo_clip_loss, logp_new, logp_old, advantages, eps, label)
    checks.passed("ppo_clip_loss верна: значение и градиент по logp_new совпали на всех примерах.")


# --- kl_penalty ---

KL_SIGN_HINT = ("Знак (направление) перепутан: оценка KL(π ‖ π_ref) на токене — logp_policy − logp_ref. Ответы "
                "семплирует политика, поэтому KL положителен, когда политика уверена в своих ответах больше, чем "
                "опорная модель.")
KL_MASK_HINT = ("Маска не учтена: сложены и токены запроса, и токены дополнения. Умножьте разность на mask: "
                "считать KL нужно только по токенам ответа.")
KL_PADDED_MEAN_HINT = ("Среднее по всей длине строки вместе с дополнением: число зависит от того, сколько "
                       "дополнения в батче. Нужна сумма по токенам ответа: ((...) * mask).sum(dim=-1).")
KL_RESPONSE_MEAN_HINT = ("Среднее по токенам ответа, а docstring задаёт сумму: KL ответа целиком — сумма KL его "
                         "токенов, .sum(dim=-1).")
KL_K3_HINT = ("Это оценка k3 = exp(r) − r − 1 (её берёт GRPO), а docstring задаёт простую оценку "
              "logp_policy − logp_ref, как в InstructGPT: она идёт в награду, а не в лосс.")
KL_ALL_HINT = "Сложено всё в одно число, а нужно по числу на ответ: сумма по последней оси, .sum(dim=-1)."


def kl_mistakes(logp_policy, logp_ref, mask):
    mask = mask.to(logp_policy.dtype)
    diff = logp_policy - logp_ref
    r = logp_ref - logp_policy
    return {KL_SIGN_HINT: ((logp_ref - logp_policy) * mask).sum(dim=-1),
            KL_MASK_HINT: diff.sum(dim=-1),
            KL_PADDED_MEAN_HINT: (diff * mask).mean(dim=-1),
            KL_RESPONSE_MEAN_HINT: (diff * mask).sum(dim=-1) / mask.sum(dim=-1).clamp(min=1),
            KL_K3_HINT: ((torch.exp(r) - r - 1) * mask).sum(dim=-1)}


def _kl_cases():
    """(logp_policy, logp_ref, mask, подпись): маска ответа посередине строки, как у Rollout, и дополнение справа."""
    generator = torch.Generator().manual_seed(8)
    cases = [(torch.log(torch.tensor([[0.9, 0.5, 0.8, 0.6, 0.7], [0.4, 0.3, 0.9, 0.7, 0.1]])),
              torch.log(torch.tensor([[0.9, 0.5, 0.4, 0.3, 0.9], [0.4, 0.3, 0.6, 0.5, 0.5]])),
              torch.tensor([[0, 0, 1, 1, 0], [0, 0, 1, 1, 1]]), "пример из текста, mask типа long")]
    rows, length = 6, 14
    mask = torch.zeros(rows, length)
    for i, (start, size) in enumerate([(4, 3), (5, 9), (3, 1), (6, 5), (4, 10), (5, 2)]):
        mask[i, start:start + size] = 1
    policy = -4 * torch.rand(rows, length, generator=generator)
    reference = policy + torch.randn(rows, length, generator=generator)
    reference[mask == 0] += 3 * torch.randn(int((mask == 0).sum()), generator=generator)  # чужие токены отличаются
    cases.append((policy, reference, mask, "6 строк разной длины, mask типа float"))
    policy = -3 * torch.rand(3, 9, generator=generator, dtype=torch.float64)
    reference = policy - torch.rand(3, 9, generator=generator, dtype=torch.float64)
    mask = torch.tensor([[0, 0, 1, 1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1, 1, 1, 1]])
    cases.append((policy, reference, mask, "float64"))
    return cases


def check_kl_penalty(kl_penalty):
    """Пример из текста, строки с дополнением разной длины, маски long и float, float64, KL к самой себе — ноль."""
    for logp_policy, logp_ref, mask, label in _kl_cases():
        name = f"kl_penalty({label})"
        result = checks.call(kl_penalty, logp_policy, logp_ref, mask, name=name)
        checks.check_type(result, torch.Tensor, name, hint="Верните тензор: по одному числу на ответ.")
        rows = logp_policy.shape[0]
        if result.dim() == 0:
            checks.fail(f"{name}: ожидался тензор формы ({rows},), получено одно число.", KL_ALL_HINT)
        checks.check_shape(result, (rows,), name, hint="По одному числу на строку: сумма по последней оси.")
        expected = reference_kl_penalty(logp_policy, logp_ref, mask)
        mistakes = {hint: wrong for hint, wrong in kl_mistakes(logp_policy, logp_ref, mask).items()
                    if not torch.allclose(wrong, expected, atol=1e-5)}
        checks.check_close(result.detach(), expected, name=name, atol=1e-5, rtol=1e-5, check_dtype=False,
                           mistakes=mistakes, hint="KL ответа = ((logp_policy − logp_ref) * mask).sum(dim=-1).")
    same = -2 * torch.rand(2, 7, generator=torch.Generator().manual_seed(9))
    mask = torch.tensor([[0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1, 1]])
    result = checks.call(kl_penalty, same, same.clone(), mask, name="kl_penalty(политика = опорная модель)")
    checks.check_close(result.detach(), torch.zeros(2), name="kl_penalty(политика = опорная модель)",
                       atol=1e-6, check_dtype=False,
                       hint="Пока политика совпадает с опорной моделью, штраф KL равен нулю.")
    checks.passed("kl_penalty верна: сумма logp_policy − logp_ref по токенам ответа.")


# --- реестры ---

REFERENCES = {
    "06_rl_reasoning_ppo_advantages": reference_advantages,
    "06_rl_reasoning_ppo_clipped_objective": reference_ppo_clip_loss,
    "06_rl_reasoning_ppo_kl_penalty": reference_kl_penalty,
}
CHECKS = {
    "06_rl_reasoning_ppo_advantages": check_advantages,
    "06_rl_reasoning_ppo_clipped_objective": check_ppo_clip_loss,
    "06_rl_reasoning_ppo_kl_penalty": check_kl_penalty,
}
HELPERS: dict = {}

_ADV = "def advantages(rewards, values):\n"
_CLIP = "def ppo_clip_loss(logp_new, logp_old, advantages, eps=0.2):\n"
_RATIO = "    ratio = torch.exp(logp_new - logp_old)\n"
_CLIPPED = "    clipped = torch.clamp(ratio, 1 - eps, 1 + eps)\n"
_KL = "def kl_penalty(logp_policy, logp_ref, mask):\n"

MISTAKES = {
    "06_rl_reasoning_ppo_advantages": {
        "advantage without a baseline (returns rewards)": (_ADV + "    return rewards.detach()\n",
                                                           "без базовой линии"),
        "sign reversed": (_ADV + "    return (values - rewards).detach()\n", "Знак перепутан"),
        "values not detached (actor loss trains the critic)": (_ADV + "    return rewards - values\n",
                                                               "без градиента (.detach())"),
        "batch-mean value as the baseline": (_ADV + "    return (rewards - values.mean()).detach()\n",
                                             "среднее предсказание критика"),
        "critic output changed in place": (_ADV + "    result = values.detach()\n"
                                                  "    result.neg_().add_(rewards)\n"
                                                  "    return result\n", "на месте"),
    },
    "06_rl_reasoning_ppo_clipped_objective": {
        "ratio as a log-prob difference (not exponentiated)": (
            _CLIP + "    ratio = logp_new - logp_old\n" + _CLIPPED
            + "    return -torch.min(ratio * advantages, clipped * advantages).mean()\n", "не получено из логарифмов"),
        "ratio as a quotient of log-probs": (
            _CLIP + "    ratio = logp_new / logp_old\n" + _CLIPPED
            + "    return -torch.min(ratio * advantages, clipped * advantages).mean()\n", "не получено из логарифмов"),
        "advantage clipped instead of the ratio": (
            _CLIP + _RATIO
            + "    return -torch.min(ratio * advantages, ratio * torch.clamp(advantages, 1 - eps, 1 + eps)).mean()\n",
            "Обрезано преимущество"),
        "max instead of min": (
            _CLIP + _RATIO + _CLIPPED + "    return -torch.max(ratio * advantages, clipped * advantages).mean()\n",
            "максимум, а нужен минимум"),
        "loss sign (surrogate returned)": (
            _CLIP + _RATIO + _CLIPPED + "    return torch.min(ratio * advantages, clipped * advantages).mean()\n",
            "Знак лосса перепутан"),
        "no clipping": (_CLIP + _RATIO + "    return -(ratio * advantages).mean()\n", "Обрезки нет"),
        "clipped term alone (no min)": (_CLIP + _RATIO + _CLIPPED + "    return -(clipped * advantages).mean()\n",
                                        "без минимума"),
        "eps ignored (0.2 hard-coded)": (
            _CLIP + _RATIO + "    clipped = torch.clamp(ratio, 0.8, 1.2)\n"
            + "    return -torch.min(ratio * advantages, clipped * advantages).mean()\n", "не зависит от eps"),
        "sum instead of mean": (
            _CLIP + _RATIO + _CLIPPED + "    return -torch.min(ratio * advantages, clipped * advantages).sum()\n",
            "Сумма вместо среднего"),
        "loss.item() breaks the graph": (
            _CLIP + _RATIO + _CLIPPED
            + "    return -torch.min(ratio * advantages, clipped * advantages).mean().item()\n", "обрывает граф"),
    },
    "06_rl_reasoning_ppo_kl_penalty": {
        "direction reversed (logp_ref − logp_policy)": (
            _KL + "    return ((logp_ref - logp_policy) * mask).sum(dim=-1)\n", "Знак (направление) перепутан"),
        "mask ignored (prompt and padding counted)": (_KL + "    return (logp_policy - logp_ref).sum(dim=-1)\n",
                                                      "Маска не учтена"),
        "mean over the whole padded length": (
            _KL + "    return ((logp_policy - logp_ref) * mask).mean(dim=-1)\n", "вместе с дополнением"),
        "mean over response tokens instead of the sum": (
            _KL + "    return ((logp_policy - logp_ref) * mask).sum(dim=-1) / mask.sum(dim=-1)\n",
            "Среднее по токенам ответа"),
        "k3 estimator instead of the one in the docstring": (
            _KL + "    r = logp_ref - logp_policy\n    return ((torch.exp(r) - r - 1) * mask).sum(dim=-1)\n",
            "оценка k3"),
        "summed over the whole batch": (_KL + "    return ((logp_policy - logp_ref) * mask).sum()\n",
                                        "по числу на ответ"),
    },
}
