"""Ноутбук 04_grpo: преимущества внутри группы (group_advantages) и лосс GRPO (grpo_loss).

Соглашения (они же — в docstring упражнений ноутбука):
- стандартное отклонение группы — выборочное (с поправкой Бесселя, ``torch.std`` по умолчанию), как в trl 1.16
  (``nanstd`` в ``GRPOTrainer``); статья DeepSeekMath вид std не уточняет, но упражнение следует trl, и std
  генеральной совокупности (``correction=0``) — названная ошибка; eps = 1e-4 прибавляется к std, как в trl
  (sqrt(var + eps) — другая формула: при eps = 0.5 проверка её отличает);
- лосс усредняется по токенам каждого ответа, затем по ответам — формула статьи и ``loss_type="grpo"`` в trl;
  усреднение по всем токенам батча (``loss_type="dapo"``, умолчание trl 1.16) — другая формула, и её проверка
  называет;
- KL — оценка k3 из DeepSeekMath: exp(ref − new) − (ref − new) − 1, в лосс входит со знаком «+β».
"""
from __future__ import annotations

import torch

from course_utils import checks


# --- эталонные ответы ---

def reference_group_advantages(rewards, group_size, eps=1e-4):
    """(r − среднее группы) / (выборочное std группы + eps); rewards — B·G наград, группы подряд."""
    groups = rewards.view(-1, group_size)
    mean = groups.mean(dim=1, keepdim=True)
    std = groups.std(dim=1, keepdim=True)
    return ((groups - mean) / (std + eps)).view(-1)


def reference_grpo_loss(logprobs, old_logprobs, ref_logprobs, advantages, mask, clip_eps=0.2, beta=0.04):
    """Лосс GRPO: −[min(ρ·A, clip(ρ, 1 ± ε)·A) − β·KL_k3], среднее по токенам ответа, затем по ответам."""
    mask = mask.to(logprobs.dtype)
    ratio = torch.exp(logprobs - old_logprobs)
    advantages = advantages.unsqueeze(1)
    surrogate = torch.minimum(ratio * advantages, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * advantages)
    log_rho = ref_logprobs - logprobs
    kl = torch.exp(log_rho) - log_rho - 1
    per_token = surrogate - beta * kl
    per_sequence = (per_token * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
    return -per_sequence.mean()


# --- group_advantages ---

POPULATION_HINT = ("Это std генеральной совокупности (деление на G, unbiased=False или correction=0). В упражнении, "
                   "как в trl 1.16, — выборочное std: torch.std по умолчанию, деление на G − 1.")
RESHAPE_HINT = ("Группы лежат подряд: первые group_size наград — ответы на первый запрос, следующие — на второй. "
                "Это rewards.view(B, group_size) (или view(-1, group_size)), а не view(group_size, B): иначе в "
                "«группу» попадают ответы на разные запросы.")
BATCH_STD_HINT = ("Стандартное отклонение считается внутри каждой группы (dim=1 у view(-1, group_size)), а не по "
                  "всему батчу: преимущество сравнивает ответ только с ответами на тот же запрос.")
BATCH_MEAN_HINT = ("Среднее считается внутри каждой группы, а не по всему батчу: на лёгкий запрос все ответы "
                   "верны, и их средняя награда выше средней по батчу, но это не делает их лучше соседей.")
NAN_HINT = ("В группе с одинаковыми наградами std = 0, и деление без eps даёт 0 / 0 = NaN. Делите на (std + eps): "
            "тогда у такой группы все преимущества равны 0 — учиться в ней нечему.")
NO_SCALE_HINT = ("Вы вычли среднее, но не поделили на std группы (так делает Dr. GRPO, scale_rewards='none' в trl). "
                 "В упражнении — формула DeepSeekMath: (r − mean) / (std + eps).")
EPS_HINT = "eps прибавляется к std в знаменателе: (r − mean) / (std + eps), eps = 1e-4 по умолчанию."


def population_advantages(rewards, group_size, eps=1e-4):
    groups = rewards.view(-1, group_size)
    std = groups.std(dim=1, keepdim=True, unbiased=False)
    return ((groups - groups.mean(dim=1, keepdim=True)) / (std + eps)).view(-1)


def advantage_mistakes(rewards, group_size, eps=1e-4):
    """Что дают типичные ошибки на этих наградах (подсказка → неверный ответ)."""
    groups = rewards.view(-1, group_size)
    mean, std = groups.mean(dim=1, keepdim=True), groups.std(dim=1, keepdim=True)
    interleaved = rewards.view(group_size, -1)
    interleaved = ((interleaved - interleaved.mean(dim=0, keepdim=True))
                   / (interleaved.std(dim=0, keepdim=True) + eps)).reshape(-1)
    return {
        RESHAPE_HINT: interleaved,
        BATCH_STD_HINT: ((groups - mean) / (rewards.std() + eps)).view(-1),
        BATCH_MEAN_HINT: ((groups - rewards.mean()) / (std + eps)).view(-1),
        NO_SCALE_HINT: (groups - mean).view(-1),
    }


def _check_advantages_case(group_advantages, rewards, group_size, name, eps=None):
    args = (rewards, group_size) if eps is None else (rewards, group_size, eps)
    result = checks.call(group_advantages, *args, name=name)
    checks.check_type(result, torch.Tensor, name, hint="Верните тензор torch той же формы, что rewards.")
    if result.shape == (rewards.numel() // group_size, group_size):
        checks.fail(f"{name}: ожидалась форма {tuple(rewards.shape)}, получено {tuple(result.shape)}.",
                    "Верните плоский тензор, как rewards: (...).view(-1) в конце.")
    checks.check_shape(result, rewards.shape, name, hint="Одно преимущество на каждую награду, в том же порядке.")
    if not result.is_floating_point():
        checks.fail(f"{name}: ожидался тензор вещественных чисел, получено {result.dtype}.",
                    "Преимущества — дробные числа: считайте в float.")
    expected = reference_group_advantages(rewards, group_size, 1e-4 if eps is None else eps)
    got = result.detach().double()
    if torch.isnan(got).any():
        checks.fail(f"{name}: в ответе есть NaN.", NAN_HINT)
    mistakes = {hint: wrong.double() for hint, wrong in advantage_mistakes(rewards, group_size).items()}
    mistakes[POPULATION_HINT] = population_advantages(rewards, group_size, 1e-4 if eps is None else eps).double()
    if eps is not None:
        mistakes[EPS_HINT] = reference_group_advantages(rewards, group_size, 1e-4).double()
    checks.check_close(got, expected.double(), name=name, atol=1e-3, rtol=1e-3, mistakes=mistakes,
                       hint="Формула: (r − среднее группы) / (std группы + eps), группы — "
                            "rewards.view(-1, group_size).")


def check_group_advantages(group_advantages):
    """Пример из текста, группы с равными наградами, случайные награды 0/1 и дробные, другой eps, float64."""
    example = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    _check_advantages_case(group_advantages, example, 4, "group_advantages(награды из текста, 4)")
    generator = torch.Generator().manual_seed(6)
    cases = [((torch.rand(40, generator=generator) < 0.4).float(), 8, "group_advantages(40 наград 0/1, 8)"),
             ((torch.rand(12, generator=generator) < 0.5).float(), 3, "group_advantages(12 наград 0/1, 3)"),
             (torch.rand(18, generator=generator).double(), 6, "group_advantages(18 дробных наград float64, 6)"),
             (torch.tensor([0.5, 0.5, 0.2, 0.9]), 2, "group_advantages([0.5, 0.5, 0.2, 0.9], 2)"),
             (torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0]), 4,
              "group_advantages(12 наград, 4)")]
    for rewards, group_size, name in cases:
        _check_advantages_case(group_advantages, rewards, group_size, name)
    rewards = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 1.0])
    _check_advantages_case(group_advantages, rewards, 3, "group_advantages(награды, 3, eps=0.5)", eps=0.5)
    checks.passed("group_advantages верна: среднее и выборочное std внутри каждой группы, у группы с равными "
                  "наградами — нули.")


# --- grpo_loss ---

RATIO_HINT = ("ratio — отношение вероятностей π_new / π_old = exp(logprobs − old_logprobs). Разность (или "
              "частное) логарифмов — ещё не отношение вероятностей: возьмите torch.exp от разности.")
QUOTIENT_HINT = ("Частное логарифмов logprobs / old_logprobs — не отношение вероятностей: возьмите torch.exp от "
                 "разности, ratio = exp(logprobs − old_logprobs).")
CLIP_ADVANTAGE_HINT = ("Обрезают отношение вероятностей, а не преимущество: "
                       "torch.clamp(ratio, 1 − clip_eps, 1 + clip_eps) * advantages.")
MINMAX_HINT = ("В цели берут минимум из ratio·A и clip(ratio)·A (пессимистичную оценку), а лосс — это цель со "
               "знаком минус: −min(...). Похоже, min и max перепутаны.")
KL_SIGN_HINT = ("Штраф KL уменьшает цель: цель = min(...) − β·KL, лосс = −цель = −min(...) + β·KL. Похоже, "
                "знак у β·KL обратный — так политика поощрялась бы уходить от опорной модели.")
KL_ARGS_HINT = ("Оценка k3 из DeepSeekMath: exp(ref − new) − (ref − new) − 1, где ref − new = ref_logprobs − "
                "logprobs. Похоже, ref и new поменяны местами.")
KL_MISSING_HINT = "Штраф β·KL к опорной модели не вошёл в лосс: добавьте + beta * kl на каждом токене."
MASK_HINT = ("Токены запроса и дополнения попали в среднее: умножьте на mask и делите на mask.sum(dim=1), а не на "
             "число всех позиций.")
TOKEN_MEAN_HINT = ("Это среднее по всем токенам батча сразу (loss_type='dapo' в trl). В упражнении — формула "
                   "статьи (loss_type='grpo'): сначала среднее по токенам каждого ответа, (x * mask).sum(dim=1) / "
                   "mask.sum(dim=1), затем среднее по ответам.")
SIGN_HINT = "Верните лосс — цель со знаком минус: оптимизатор минимизирует, а цель GRPO нужно увеличивать."
BROADCAST_HINT = ("advantages имеет форму (B,), а логарифмы — (B, T): одно преимущество на весь ответ. Добавьте "
                  "ось: advantages[:, None] (или unsqueeze(1)), иначе (B, T) * (B,) умножает по оси токенов "
                  "или падает с ошибкой размеров.")


def loss_mistakes(logprobs, old, ref, advantages, mask, clip_eps, beta):
    """Что дают типичные ошибки (подсказка → неверный лосс)."""
    mask = mask.to(logprobs.dtype)
    A = advantages.unsqueeze(1)
    log_rho = ref - logprobs
    kl = torch.exp(log_rho) - log_rho - 1
    kl_swapped = torch.exp(-log_rho) + log_rho - 1

    def per_sequence_mean(per_token):
        return ((per_token * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)).mean()

    def loss_from(ratio, A=A, kl=kl, sign=-1.0, reduce=torch.minimum, clip_advantage=False):
        clipped = ratio * torch.clamp(A, 1 - clip_eps, 1 + clip_eps) if clip_advantage else \
            torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * A
        return -per_sequence_mean(reduce(ratio * A, clipped) + sign * beta * kl)

    ratio = torch.exp(logprobs - old)
    surrogate = torch.minimum(ratio * A, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * A)
    mistakes = {
        RATIO_HINT: loss_from(logprobs - old),
        CLIP_ADVANTAGE_HINT: loss_from(ratio, clip_advantage=True),
        MINMAX_HINT: loss_from(ratio, reduce=torch.maximum),
        KL_SIGN_HINT: loss_from(ratio, sign=1.0),
        KL_ARGS_HINT: loss_from(ratio, kl=kl_swapped),
        MASK_HINT: -(surrogate - beta * kl).mean(dim=1).mean(),
        TOKEN_MEAN_HINT: -((surrogate - beta * kl) * mask).sum() / mask.sum(),
        SIGN_HINT: -reference_grpo_loss(logprobs, old, ref, advantages, mask, clip_eps, beta),
    }
    if beta:
        mistakes[KL_MISSING_HINT] = -per_sequence_mean(surrogate)
    if logprobs.shape[0] == logprobs.shape[1]:
        mistakes[BROADCAST_HINT] = loss_from(ratio, A=advantages.unsqueeze(0))
    if torch.all((logprobs - old).abs() > 1e-9):
        mistakes[QUOTIENT_HINT] = loss_from(logprobs / old)
    return mistakes


def loss_case(batch, length, seed, shift=0.6):
    """Случайный батч: логарифмы вероятностей (B, T), маска ответа с нулями запроса и дополнения, преимущества (B,)."""
    generator = torch.Generator().manual_seed(seed)
    logprobs = -3 * torch.rand(batch, length, generator=generator) - 0.05
    old = logprobs + shift * torch.randn(batch, length, generator=generator)
    ref = logprobs + 0.5 * torch.randn(batch, length, generator=generator)
    advantages = torch.randn(batch, generator=generator)
    mask = torch.zeros(batch, length, dtype=torch.long)
    for row in range(batch):
        start = int(torch.randint(1, length // 2, (1,), generator=generator))
        end = int(torch.randint(start + 1, length + 1, (1,), generator=generator))
        mask[row, start:end] = 1
    return logprobs, old, ref, advantages, mask


def _check_loss_case(grpo_loss, case, clip_eps, beta, name):
    logprobs, old, ref, advantages, mask = case
    own = logprobs.clone().requires_grad_(True)
    loss = checks.call(grpo_loss, own, old, ref, advantages, mask, clip_eps, beta, name=name, hint=BROADCAST_HINT
                       if logprobs.shape[0] != logprobs.shape[1] else "")
    checks.check_type(loss, torch.Tensor, name, hint="Верните тензор-скаляр (без .item()): по нему считают градиент.")
    if loss.dim() != 0:
        checks.fail(f"{name}: ожидался скаляр (тензор формы ()), получено {tuple(loss.shape)}.",
                    "В конце усредните по ответам: .mean().")
    if not loss.is_floating_point():
        checks.fail(f"{name}: ожидалось вещественное число, получено {loss.dtype}.", "")
    if torch.isnan(loss).item():
        checks.fail(f"{name}: лосс равен NaN.", "Проверьте деление на mask.sum(dim=1) и exp от разностей логарифмов.")
    expected = reference_grpo_loss(logprobs, old, ref, advantages, mask, clip_eps, beta)
    mistakes = loss_mistakes(logprobs, old, ref, advantages, mask, clip_eps, beta)
    checks.check_close(loss.detach().double().item(), expected.double().item(), name=name, atol=1e-5, rtol=1e-4,
                       mistakes={h: v.item() for h, v in mistakes.items()},
                       hint="Лосс: −среднее по ответам от (среднего по токенам ответа от min(ρ·A, clip(ρ)·A) − β·KL).")
    if not loss.requires_grad:
        checks.fail(f"{name}: у лосса нет градиента по logprobs.",
                    "Не отсоединяйте logprobs (без .detach(), .item(), torch.tensor(...)): по лоссу делают backward.")
    (grad,) = torch.autograd.grad(loss, own)
    wanted = logprobs.clone().requires_grad_(True)
    (expected_grad,) = torch.autograd.grad(
        reference_grpo_loss(wanted, old, ref, advantages, mask, clip_eps, beta), wanted)
    checks.check_close(grad.double(), expected_grad.double(), name=f"градиент {name} по logprobs", atol=1e-5,
                       rtol=1e-4, check_dtype=False,
                       hint="Значение верное, а градиент — нет: old_logprobs и ref_logprobs — константы, "
                            "градиент идёт только через logprobs (ratio и KL).")


def check_grpo_loss(grpo_loss):
    """Пример из текста, случайные батчи разной формы (маска, обрезка с обеих сторон), β = 0, ratio = 1, B = T."""
    lp = torch.log(torch.tensor([[0.5, 0.6, 0.3, 0.5], [0.5, 0.2, 0.5, 0.5]]))
    old = torch.log(torch.tensor([[0.1, 0.4, 1 / 3, 0.9], [0.9, 0.4, 0.1, 0.1]]))
    ref = torch.log(torch.tensor([[0.9, 0.6, 0.3, 0.1], [0.2, 0.4, 0.9, 0.9]]))
    mask = torch.tensor([[0, 1, 1, 0], [0, 1, 0, 0]])
    example = (lp, old, ref, torch.tensor([1.5, -0.5]), mask)
    _check_loss_case(grpo_loss, example, 0.2, 0.1, "grpo_loss(пример из текста, clip_eps=0.2, beta=0.1)")
    cases = [(loss_case(6, 9, 0), 0.2, 0.04, "grpo_loss(случайный батч 6 × 9, clip_eps=0.2, beta=0.04)"),
             (loss_case(5, 12, 1), 0.1, 0.0, "grpo_loss(случайный батч 5 × 12, clip_eps=0.1, beta=0)"),
             (loss_case(7, 7, 2), 0.3, 0.5, "grpo_loss(случайный батч 7 × 7, clip_eps=0.3, beta=0.5)")]
    for case, clip_eps, beta, name in cases:
        _check_loss_case(grpo_loss, case, clip_eps, beta, name)
    logprobs, _, ref, advantages, mask = loss_case(4, 6, 3)
    _check_loss_case(grpo_loss, (logprobs, logprobs.clone(), ref, advantages, mask), 0.2, 0.04,
                     "grpo_loss(old_logprobs = logprobs, первый шаг на свежих ответах)")
    logprobs, old, ref, advantages, mask = loss_case(3, 5, 4)
    _check_loss_case(grpo_loss, (logprobs.double(), old.double(), ref.double(), advantages.double(), mask.float()),
                     0.2, 0.04, "grpo_loss(тензоры float64, маска float)")
    checks.passed("grpo_loss верна: ratio = exp(разности логарифмов), обрезка ratio, минимум, штраф β·KL, "
                  "среднее по токенам ответа, затем по ответам.")


REFERENCES = {
    "06_rl_reasoning_grpo_group_advantages": reference_group_advantages,
    "06_rl_reasoning_grpo_loss": reference_grpo_loss,
}
CHECKS = {
    "06_rl_reasoning_grpo_group_advantages": check_group_advantages,
    "06_rl_reasoning_grpo_loss": check_grpo_loss,
}
HELPERS: dict = {}

_ADV = "def group_advantages(rewards, group_size, eps=1e-4):\n"
_GROUPS = "    groups = rewards.view(-1, group_size)\n"
_LOSS = ("def grpo_loss(logprobs, old_logprobs, ref_logprobs, advantages, mask, clip_eps=0.2, beta=0.04):\n"
         "    mask = mask.float()\n")
_RATIO = "    ratio = torch.exp(logprobs - old_logprobs)\n"
_A = "    A = advantages[:, None]\n"
_SURROGATE = "    surrogate = torch.minimum(ratio * A, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * A)\n"
_KL = ("    log_rho = ref_logprobs - logprobs\n"
       "    kl = torch.exp(log_rho) - log_rho - 1\n")
_PER_SEQUENCE = "    per_sequence = ((surrogate - beta * kl) * mask).sum(dim=1) / mask.sum(dim=1)\n"
_RETURN = "    return -per_sequence.mean()\n"

MISTAKES = {
    "06_rl_reasoning_grpo_group_advantages": {
        "std of the whole batch": (
            _ADV + _GROUPS
            + "    return ((groups - groups.mean(dim=1, keepdim=True)) / (rewards.std() + eps)).view(-1)\n",
            "не по всему батчу"),
        "mean of the whole batch": (
            _ADV + _GROUPS
            + "    return ((groups - rewards.mean()) / (groups.std(dim=1, keepdim=True) + eps)).view(-1)\n",
            "Среднее считается внутри каждой группы"),
        "no eps: NaN on equal rewards": (
            _ADV + _GROUPS + "    mean, std = groups.mean(dim=1, keepdim=True), groups.std(dim=1, keepdim=True)\n"
            + "    return ((groups - mean) / std).view(-1)\n", "Делите на (std + eps)"),
        "groups interleaved: view(G, B)": (
            _ADV + "    groups = rewards.view(group_size, -1)\n"
            + "    mean, std = groups.mean(dim=0, keepdim=True), groups.std(dim=0, keepdim=True)\n"
            + "    return ((groups - mean) / (std + eps)).reshape(-1)\n", "а не view(group_size, B)"),
        "not divided by std (Dr. GRPO)": (
            _ADV + _GROUPS + "    return (groups - groups.mean(dim=1, keepdim=True)).view(-1)\n",
            "не поделили на std"),
        "population std": (
            _ADV + _GROUPS + "    mean = groups.mean(dim=1, keepdim=True)\n"
            + "    std = groups.std(dim=1, keepdim=True, unbiased=False)\n"
            + "    return ((groups - mean) / (std + eps)).view(-1)\n", "std генеральной совокупности"),
        "returns (B, G)": (
            _ADV + _GROUPS + "    mean, std = groups.mean(dim=1, keepdim=True), groups.std(dim=1, keepdim=True)\n"
            + "    return (groups - mean) / (std + eps)\n", "Верните плоский тензор"),
    },
    "06_rl_reasoning_grpo_loss": {
        "ratio not exponentiated": (
            _LOSS + "    ratio = logprobs - old_logprobs\n" + _A + _SURROGATE + _KL + _PER_SEQUENCE + _RETURN,
            "возьмите torch.exp от разности"),
        "ratio as a quotient of log-probs": (
            _LOSS + "    ratio = logprobs / old_logprobs\n" + _A + _SURROGATE + _KL + _PER_SEQUENCE + _RETURN,
            "возьмите torch.exp от разности"),
        "clip on the advantage": (
            _LOSS + _RATIO + _A
            + "    surrogate = torch.minimum(ratio * A, ratio * torch.clamp(A, 1 - clip_eps, 1 + clip_eps))\n"
            + _KL + _PER_SEQUENCE + _RETURN, "Обрезают отношение вероятностей, а не преимущество"),
        "min and max swapped": (
            _LOSS + _RATIO + _A
            + "    surrogate = torch.maximum(ratio * A, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * A)\n"
            + _KL + _PER_SEQUENCE + _RETURN, "min и max перепутаны"),
        "KL sign reversed": (
            _LOSS + _RATIO + _A + _SURROGATE + _KL
            + "    per_sequence = ((surrogate + beta * kl) * mask).sum(dim=1) / mask.sum(dim=1)\n" + _RETURN,
            "знак у β·KL обратный"),
        "KL arguments swapped": (
            _LOSS + _RATIO + _A + _SURROGATE
            + "    log_rho = logprobs - ref_logprobs\n    kl = torch.exp(log_rho) - log_rho - 1\n"
            + _PER_SEQUENCE + _RETURN, "ref и new поменяны местами"),
        "mask ignored": (
            _LOSS + _RATIO + _A + _SURROGATE + _KL + "    return -(surrogate - beta * kl).mean(dim=1).mean()\n",
            "Токены запроса и дополнения попали в среднее"),
        "token-level mean (dapo)": (
            _LOSS + _RATIO + _A + _SURROGATE + _KL
            + "    return -((surrogate - beta * kl) * mask).sum() / mask.sum()\n", "loss_type='dapo'"),
        "objective returned, not the loss": (
            _LOSS + _RATIO + _A + _SURROGATE + _KL + _PER_SEQUENCE + "    return per_sequence.mean()\n",
            "цель со знаком минус"),
        "advantages not unsqueezed": (
            _LOSS + _RATIO + "    A = advantages\n" + _SURROGATE + _KL + _PER_SEQUENCE + _RETURN,
            "advantages[:, None]"),
        "KL forgotten": (
            _LOSS + _RATIO + _A + _SURROGATE
            + "    per_sequence = (surrogate * mask).sum(dim=1) / mask.sum(dim=1)\n" + _RETURN, "Штраф β·KL"),
        "loss detached": (
            _LOSS + _RATIO + _A + _SURROGATE + _KL + _PER_SEQUENCE
            + "    return torch.tensor(-per_sequence.mean().item())\n", "нет градиента"),
    },
}
