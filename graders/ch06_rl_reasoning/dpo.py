"""Ноутбук 05_dpo: логарифм вероятности ответа по логитам (sequence_logprob) и лосс DPO (dpo_loss).

Эталоны отсюда обучают и долгий прогон ``scripts/dpo_long_run.py`` (``data/dpo_long_run.json``).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from course_utils import checks

from ._common import mistaken_values_and_gradients, value_and_gradient


# --- эталонные ответы ---

def reference_sequence_logprob(logits, input_ids, response_mask):
    """log π(ответ | запрос) каждой строки: сумма log p токенов ответа; токен t предсказан логитами позиции t − 1."""
    log_probs = torch.log_softmax(logits[:, :-1], dim=-1)
    tokens = torch.gather(log_probs, 2, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    return (tokens * response_mask[:, 1:].to(tokens.dtype)).sum(dim=1)


def reference_dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):
    """−mean log σ(β · [(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))])."""
    margin = (policy_chosen - ref_chosen) - (policy_rejected - ref_rejected)
    return -F.logsigmoid(beta * margin).mean()


# --- sequence_logprob ---

ALL_TOKENS_HINT = ("Сложены логарифмы вероятностей всех токенов строки, вместе с запросом и дополнением. "
                   "Нужны только токены ответа: умножьте на response_mask[:, 1:] перед суммой.")
NO_SHIFT_HINT = ("Нет сдвига на один токен: токен t предсказывают логиты позиции t − 1, а не t. Возьмите "
                 "logits[:, :-1] и сравнивайте их с input_ids[:, 1:].")
MASK_SHIFT_HINT = ("Маска не сдвинута вместе с токенами: логиты logits[:, :-1] предсказывают input_ids[:, 1:], "
                   "значит и маска — response_mask[:, 1:], а не response_mask[:, :-1].")
MEAN_HINT = ("Среднее вместо суммы: log π(ответа) — сумма log p по его токенам (вероятность ответа — произведение "
             "вероятностей токенов). Не делите на длину ответа.")
PROBS_HINT = ("Сложены вероятности токенов, а нужны их логарифмы: torch.log_softmax(..., dim=-1), а не "
              "torch.softmax.")
LOGITS_HINT = ("Взяты сами логиты, а нужны логарифмы вероятностей: логиты ещё не нормированы, сначала "
               "torch.log_softmax(logits, dim=-1).")
AXIS_HINT = ("Нормировка не по той оси: распределение следующего токена — по словарю, последней оси: "
             "torch.log_softmax(logits, dim=-1).")
GRAPH_LOGPROB_HINT = ("Результат должен оставаться связанным с логитами: без .item(), .detach(), .tolist() и "
                      "torch.no_grad() — по нему DPO делает backward.")


def _token_logprobs(logits, input_ids, dim=-1):
    """log p токенов input_ids[:, 1:] по логитам позиций 0 … L − 2: (B, L − 1)."""
    log_probs = torch.log_softmax(logits[:, :-1], dim=dim)
    return torch.gather(log_probs, 2, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)


def _wrong_logprobs():
    """Типичные ошибки: подсказка → функция с той же сигнатурой, которая эту ошибку делает."""
    def gathered(values, ids):
        return torch.gather(values, 2, ids.unsqueeze(-1)).squeeze(-1)

    return {
        ALL_TOKENS_HINT: lambda lg, ids, m: _token_logprobs(lg, ids).sum(dim=1),
        NO_SHIFT_HINT: lambda lg, ids, m: (gathered(torch.log_softmax(lg, dim=-1), ids) * m).sum(dim=1),
        MASK_SHIFT_HINT: lambda lg, ids, m: (_token_logprobs(lg, ids) * m[:, :-1]).sum(dim=1),
        MEAN_HINT: lambda lg, ids, m: (_token_logprobs(lg, ids) * m[:, 1:]).sum(dim=1) / m[:, 1:].sum(dim=1),
        PROBS_HINT: lambda lg, ids, m: (gathered(torch.softmax(lg[:, :-1], dim=-1), ids[:, 1:]) * m[:, 1:]).sum(1),
        LOGITS_HINT: lambda lg, ids, m: (gathered(lg[:, :-1], ids[:, 1:]) * m[:, 1:]).sum(dim=1),
        AXIS_HINT: lambda lg, ids, m: (_token_logprobs(lg, ids, dim=1) * m[:, 1:]).sum(dim=1),
    }


def text_example():
    """Пример из текста: словарь из 3 токенов, строка [0, 1, 2, 0] — запрос [0, 1] (BOS и слово), ответ [2, EOS].

    Логиты позиции 1 дают токену 2 вероятность 2/4, логиты позиции 2 дают токену 0 вероятность 3/5:
    log π(ответа) = ln 0.5 + ln 0.6 ≈ −1.204.
    """
    logits = torch.tensor([[[0.0, 0.0, 0.0], [0.0, 0.0, math.log(2)], [math.log(3), 0.0, 0.0], [0.0, 0.0, 0.0]]])
    return logits, torch.tensor([[0, 1, 2, 0]]), torch.tensor([[0, 0, 1, 1]])


def _logprob_cases():
    """(логиты, токены, маска ответа, подпись): пример из текста, батчи с запросами разной длины и дополнением
    справа, float64, строка, где ответ занимает всё после BOS."""
    cases = [(*text_example(), "пример из текста")]
    generator = torch.Generator().manual_seed(65)
    shapes = [(4, 9, 11, torch.float32), (3, 7, 5, torch.float64), (6, 12, 50, torch.float32)]
    for batch, length, vocab, dtype in shapes:
        logits = 2 * torch.randn(batch, length, vocab, generator=generator, dtype=dtype)
        ids = torch.randint(1, vocab, (batch, length), generator=generator)
        ids[:, 0] = 0  # BOS
        mask = torch.zeros(batch, length, dtype=torch.long)
        for row in range(batch):
            prompt = int(torch.randint(2, length - 3, (1,), generator=generator))
            end = int(torch.randint(prompt + 1, length + 1, (1,), generator=generator))
            mask[row, prompt:end] = 1
            ids[row, end - 1] = 0  # EOS — последний токен ответа
            ids[row, end:] = 0  # дополнение справа тем же токеном
        label = f"батч {batch} строк длины {length}, словарь {vocab}" + (", float64" if dtype == torch.float64 else "")
        cases.append((logits, ids, mask, label))
    logits = torch.randn(2, 5, 4, generator=generator)
    cases.append((logits, torch.tensor([[0, 3, 1, 2, 0], [0, 2, 2, 0, 0]]),
                  torch.tensor([[0, 1, 1, 1, 1], [0, 1, 1, 1, 0]]), "ответ сразу после BOS"))
    return cases


def _checked_logprob(sequence_logprob, logits, ids, mask, label):
    name = f"sequence_logprob({label})"
    leaf = logits.clone().requires_grad_(True)
    result = checks.call(sequence_logprob, leaf, ids, mask, name=name)
    if isinstance(result, (int, float, list)) and not isinstance(result, bool):
        checks.fail(f"{name}: получено {checks.describe(result)}, а нужен тензор формы ({len(ids)},).",
                    GRAPH_LOGPROB_HINT)
    checks.check_type(result, torch.Tensor, name, hint="Верните тензор формы (B,): по числу на строку батча.")
    if tuple(result.shape) != (len(ids),):
        hint = ("Сложите по оси длины: .sum(dim=1) — по одному числу на строку." if result.dim() == 2 else
                "Нужно по одному числу на строку батча: не складывайте по оси батча.")
        checks.fail(f"{name}: ожидалась форма ({len(ids)},), получено {tuple(result.shape)}.", hint)
    if not result.is_floating_point():
        checks.fail(f"{name}: ожидались вещественные числа, получен dtype {result.dtype}.",
                    "Логарифмы вероятностей — числа float: не переводите их в целые.")
    if not result.requires_grad:
        checks.fail(f"{name}: результат не зависит от логитов (requires_grad=False).", GRAPH_LOGPROB_HINT)
    expected, expected_gradient = value_and_gradient(reference_sequence_logprob, logits, ids, mask)
    values, gradients = mistaken_values_and_gradients(_wrong_logprobs(), expected, expected_gradient,
                                                      logits, ids, mask)
    checks.check_close(result.detach(), expected, name=f"значение {name}", atol=1e-5, rtol=1e-4, check_dtype=False,
                       hint="log π(ответа) = Σ по токенам ответа log_softmax(logits[:, :-1])[input_ids[:, 1:]].",
                       mistakes=values)
    (gradient,) = torch.autograd.grad(result.sum(), leaf, allow_unused=True)
    if gradient is None:
        checks.fail(f"{name}: градиент не дошёл до логитов.", GRAPH_LOGPROB_HINT)
    checks.check_close(gradient, expected_gradient, name=f"градиент {name} по логитам", atol=1e-5, rtol=1e-4,
                       check_dtype=False, hint="Логиты позиций запроса и дополнения не должны влиять на результат.",
                       mistakes=gradients)



def check_sequence_logprob(sequence_logprob):
    """Пример из текста, батчи с дополнением, float64, ответ сразу после BOS; значение и градиент по логитам."""
    for logits, ids, mask, label in _logprob_cases():
        _checked_logprob(sequence_logprob, logits, ids, mask, label)
    checks.passed("sequence_logprob верна: сумма log p токенов ответа со сдвигом на один токен.")


# --- dpo_loss ---

BETA_OUTSIDE_HINT = ("β стоит не на месте: он умножает разность логарифмов отношений внутри σ — "
                     "−log σ(β · Δ), а не −β · log σ(Δ).")
BETA_CHOSEN_HINT = ("β умножает только слагаемое chosen, а нужно всю разность: β · [(log π(y_w) − log π_ref(y_w)) "
                    "− (log π(y_l) − log π_ref(y_l))].")
BETA_REJECTED_HINT = ("β умножает только слагаемое rejected, а нужно всю разность: β · [(log π(y_w) − "
                      "log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))].")
NO_REFERENCE_HINT = ("Нет опорной модели: в DPO сравнивают не log π(y_w) и log π(y_l), а их изменения "
                     "относительно опорной модели: log π(y) − log π_ref(y).")
SWAPPED_HINT = ("chosen и rejected перепутаны: лосс мал, когда неявная награда chosen больше, — из слагаемого "
                "chosen вычитают слагаемое rejected.")
SIGN_HINT = ("Знак перепутан: лосс — минус log σ(...). Сейчас он отрицательный, и оптимизатор, уменьшая его, "
             "стал бы предпочитать rejected.")
SUM_HINT = "Сумма вместо среднего: docstring задаёт среднее по батчу пар (.mean())."
NO_LOG_HINT = ("Забыт логарифм: лосс DPO — −log σ(β · Δ), а не −σ(β · Δ); у пар, где модель уверенно ошибается, "
               "σ почти не меняется, и градиент пропадает.")
RATIO_HINT = ("Логарифмы вероятностей поделены друг на друга, а их надо вычесть: log(π / π_ref) = log π − "
              "log π_ref.")
GRAPH_LOSS_HINT = ("Лосс должен оставаться тензором, связанным с log π политики: .item(), float(...), .detach() "
                   "или torch.tensor(...) обрывает граф, и backward не дойдёт до модели.")


def _wrong_losses():
    """Типичные ошибки: подсказка → лосс с той же сигнатурой."""
    def margin(pc, pr, rc, rr):
        return (pc - rc) - (pr - rr)

    return {
        BETA_OUTSIDE_HINT: lambda pc, pr, rc, rr, b: -(b * F.logsigmoid(margin(pc, pr, rc, rr))).mean(),
        BETA_CHOSEN_HINT: lambda pc, pr, rc, rr, b: -F.logsigmoid(b * (pc - rc) - (pr - rr)).mean(),
        BETA_REJECTED_HINT: lambda pc, pr, rc, rr, b: -F.logsigmoid((pc - rc) - b * (pr - rr)).mean(),
        NO_REFERENCE_HINT: lambda pc, pr, rc, rr, b: -F.logsigmoid(b * (pc - pr)).mean(),
        SWAPPED_HINT: lambda pc, pr, rc, rr, b: -F.logsigmoid(b * margin(pr, pc, rr, rc)).mean(),
        SIGN_HINT: lambda pc, pr, rc, rr, b: F.logsigmoid(b * margin(pc, pr, rc, rr)).mean(),
        SUM_HINT: lambda pc, pr, rc, rr, b: -F.logsigmoid(b * margin(pc, pr, rc, rr)).sum(),
        NO_LOG_HINT: lambda pc, pr, rc, rr, b: -torch.sigmoid(b * margin(pc, pr, rc, rr)).mean(),
        RATIO_HINT: lambda pc, pr, rc, rr, b: -F.logsigmoid(b * (pc / rc - pr / rr)).mean(),
    }


def _loss_cases():
    """(π chosen, π rejected, π_ref chosen, π_ref rejected, β, подпись): пример из текста, старт (π = π_ref),
    случайные батчи с умеренными разностями (там log(sigmoid(x)) ещё точен), float64, β — целое число."""
    cases = [(torch.tensor([-5.0]), torch.tensor([-9.0]), torch.tensor([-7.0]), torch.tensor([-8.0]), 0.1,
              "пример из текста, β = 0.1")]
    generator = torch.Generator().manual_seed(66)
    ref_c, ref_r = -20 * torch.rand(4, generator=generator) - 3, -20 * torch.rand(4, generator=generator) - 3
    cases.append((ref_c.clone(), ref_r.clone(), ref_c, ref_r, 0.1, "начало обучения: π = π_ref, β = 0.1"))
    for batch, beta, dtype in [(8, 0.1, torch.float32), (16, 0.5, torch.float32), (5, 2.0, torch.float64),
                               (6, 1, torch.float32)]:
        ref_c = -25 * torch.rand(batch, generator=generator, dtype=dtype) - 2
        ref_r = -25 * torch.rand(batch, generator=generator, dtype=dtype) - 2
        pol_c = ref_c + 3 * torch.randn(batch, generator=generator, dtype=dtype) + 1
        pol_r = ref_r + 3 * torch.randn(batch, generator=generator, dtype=dtype) - 1
        label = f"батч {batch} пар, β = {beta}" + (", float64" if dtype == torch.float64 else "")
        cases.append((pol_c, pol_r, ref_c, ref_r, beta, label))
    return cases


def _value_and_gradients(loss_fn, pc, pr, rc, rr, beta):
    """Значение лосса и его градиенты по log π chosen и log π rejected политики."""
    leaf_c, leaf_r = pc.detach().clone().requires_grad_(True), pr.detach().clone().requires_grad_(True)
    loss = loss_fn(leaf_c, leaf_r, rc, rr, beta)
    grad_c, grad_r = torch.autograd.grad(loss, (leaf_c, leaf_r))
    return loss.detach(), torch.cat([grad_c, grad_r])


def _checked_loss(dpo_loss, pc, pr, rc, rr, beta, label):
    name = f"dpo_loss({label})"
    leaf_c, leaf_r = pc.clone().requires_grad_(True), pr.clone().requires_grad_(True)
    loss = checks.call(dpo_loss, leaf_c, leaf_r, rc, rr, beta, name=name)
    if isinstance(loss, (int, float)) and not isinstance(loss, bool):
        checks.fail(f"{name}: получено число {checks.describe(loss)}, а нужен тензор.", GRAPH_LOSS_HINT)
    checks.check_type(loss, torch.Tensor, name, hint="Верните тензор формы (): результат .mean().")
    if loss.dim() != 0:
        hint = ("Вы не усреднили по батчу пар: верните одно число-тензор, (...).mean()."
                if tuple(loss.shape) == tuple(pc.shape) else "Лосс — одно число: тензор формы ().")
        checks.fail(f"{name}: ожидался тензор формы () (одно число), получено {tuple(loss.shape)}.", hint)
    if not loss.requires_grad:
        checks.fail(f"{name}: лосс не зависит от log π политики (requires_grad=False).", GRAPH_LOSS_HINT)
    expected, expected_gradient = _value_and_gradients(reference_dpo_loss, pc, pr, rc, rr, beta)
    values, gradients = {}, {}
    for hint, wrong in _wrong_losses().items():
        value, gradient = _value_and_gradients(wrong, pc, pr, rc, rr, beta)
        if not torch.allclose(value.double(), expected.double(), atol=1e-5, rtol=1e-4):
            values[hint] = value
        if not torch.allclose(gradient.double(), expected_gradient.double(), atol=1e-6, rtol=1e-4):
            gradients[hint] = gradient
    checks.check_close(loss.detach(), expected, name=f"значение {name}", atol=1e-5, rtol=1e-4, check_dtype=False,
                       hint="Лосс = −mean log σ(β · [(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))]).",
                       mistakes=values)
    grad_c, grad_r = torch.autograd.grad(loss, (leaf_c, leaf_r), allow_unused=True)
    if grad_c is None or grad_r is None:
        checks.fail(f"{name}: градиент не дошёл до log π политики (chosen или rejected).", GRAPH_LOSS_HINT)
    checks.check_close(torch.cat([grad_c, grad_r]), expected_gradient, name=f"градиент {name} по log π политики",
                       atol=1e-6, rtol=1e-4, check_dtype=False, mistakes=gradients,
                       hint="Градиент по log π(y_w) равен −β · σ(−β · Δ) / B, по log π(y_l) — тому же с плюсом.")


def check_dpo_loss(dpo_loss):
    """Пример из текста, старт (лосс ln 2), случайные батчи, разные β, float64; значение и градиенты."""
    for pc, pr, rc, rr, beta, label in _loss_cases():
        _checked_loss(dpo_loss, pc, pr, rc, rr, beta, label)
    checks.passed("dpo_loss верна: значение и градиенты совпали на всех примерах.")


# --- реестры ---

REFERENCES = {
    "06_rl_reasoning_dpo_sequence_logprob": reference_sequence_logprob,
    "06_rl_reasoning_dpo_loss": reference_dpo_loss,
}
CHECKS = {
    "06_rl_reasoning_dpo_sequence_logprob": check_sequence_logprob,
    "06_rl_reasoning_dpo_loss": check_dpo_loss,
}
HELPERS: dict = {}

_LOGPROB = "def sequence_logprob(logits, input_ids, response_mask):\n"
_SHIFTED = ("    log_probs = torch.log_softmax(logits[:, :-1], dim=-1)\n"
            "    tokens = torch.gather(log_probs, 2, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)\n")
_LOSS = ("def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):\n"
         "    chosen = policy_chosen - ref_chosen\n"
         "    rejected = policy_rejected - ref_rejected\n")

MISTAKES = {
    "06_rl_reasoning_dpo_sequence_logprob": {
        "prompt tokens summed too": (_LOGPROB + _SHIFTED + "    return tokens.sum(dim=1)\n", "вместе с запросом"),
        "softmax over the positions (wrong axis)": (
            _LOGPROB + "    log_probs = torch.log_softmax(logits[:, :-1], dim=1)\n"
            "    tokens = torch.gather(log_probs, 2, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)\n"
            "    return (tokens * response_mask[:, 1:]).sum(dim=1)\n", "не по той оси"),
        "no shift": (_LOGPROB
                     + "    log_probs = torch.log_softmax(logits, dim=-1)\n"
                     + "    tokens = torch.gather(log_probs, 2, input_ids.unsqueeze(-1)).squeeze(-1)\n"
                     + "    return (tokens * response_mask).sum(dim=1)\n", "Нет сдвига на один токен"),
        "mask not shifted": (_LOGPROB + _SHIFTED + "    return (tokens * response_mask[:, :-1]).sum(dim=1)\n",
                             "Маска не сдвинута"),
        "mean instead of sum": (_LOGPROB + _SHIFTED
                                + "    mask = response_mask[:, 1:]\n"
                                + "    return (tokens * mask).sum(dim=1) / mask.sum(dim=1)\n",
                                "Среднее вместо суммы"),
        "probabilities instead of log": (
            _LOGPROB
            + "    probs = torch.softmax(logits[:, :-1], dim=-1)\n"
            + "    tokens = torch.gather(probs, 2, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)\n"
            + "    return (tokens * response_mask[:, 1:]).sum(dim=1)\n", "Сложены вероятности токенов"),
        "raw logits": (_LOGPROB
                       + "    tokens = torch.gather(logits[:, :-1], 2, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)\n"
                       + "    return (tokens * response_mask[:, 1:]).sum(dim=1)\n", "Взяты сами логиты"),
        "detached result": (_LOGPROB + _SHIFTED + "    return (tokens * response_mask[:, 1:]).sum(dim=1).detach()\n",
                            "requires_grad=False"),
    },
    "06_rl_reasoning_dpo_loss": {
        "beta outside the log-sigmoid": (
            _LOSS + "    return -(beta * F.logsigmoid(chosen - rejected)).mean()\n", "β стоит не на месте"),
        "beta on the chosen term only": (
            _LOSS + "    return -F.logsigmoid(beta * chosen - rejected).mean()\n", "β умножает только слагаемое"),
        "reference log-probs missing": (
            _LOSS + "    return -F.logsigmoid(beta * (policy_chosen - policy_rejected)).mean()\n",
            "Нет опорной модели"),
        "chosen and rejected swapped": (
            _LOSS + "    return -F.logsigmoid(beta * (rejected - chosen)).mean()\n", "chosen и rejected перепутаны"),
        "sign reversed": (_LOSS + "    return F.logsigmoid(beta * (chosen - rejected)).mean()\n", "Знак перепутан"),
        "sum instead of mean": (_LOSS + "    return -F.logsigmoid(beta * (chosen - rejected)).sum()\n",
                                "Сумма вместо среднего"),
        "sigmoid without log": (_LOSS + "    return -torch.sigmoid(beta * (chosen - rejected)).mean()\n",
                                "Забыт логарифм"),
        "python float returned": (
            _LOSS + "    return -F.logsigmoid(beta * (chosen - rejected)).mean().item()\n", "а нужен тензор"),
    },
}
