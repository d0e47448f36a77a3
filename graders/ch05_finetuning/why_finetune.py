"""Ноутбук 01_why_finetune: перплексия по логитам модели (perplexity), смесь с повтором старых данных (replay_mix)."""
from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from course_utils import checks


# --- эталонные ответы ---

def reference_perplexity(logits, ids):
    """Перплексия: e в степени средней кросс-энтропии предсказаний следующего токена (float)."""
    loss = F.cross_entropy(logits[:, :-1].flatten(0, 1), ids[:, 1:].flatten())
    return math.exp(loss.item())


def reference_replay_mix(new_ids, old_ids, share):
    """Новый текст и кусок старого (первые n_old токенов) так, что старые токены — доля share всей смеси."""
    n_old = round(len(new_ids) * share / (1 - share))
    return torch.cat([new_ids, old_ids[:n_old]])


# --- perplexity ---

SHIFT_HINT = ("Логиты позиции t предсказывают токен t + 1: сравнивайте logits[:, :-1] с ids[:, 1:], "
              "как делает transformers, когда вы передаёте labels = input_ids.")


def token_losses(logits, targets):
    """Кросс-энтропия каждой позиции: форма как у targets."""
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none").view(targets.shape)


def perplexity_mistakes(logits, ids) -> dict:
    """Что дают типичные ошибки подсчёта перплексии (подсказка → неверное значение)."""
    losses = token_losses(logits[:, :-1], ids[:, 1:]).double()
    mean = losses.mean().item()
    mistakes = {
        "Сначала усредните лосс по всем предсказаниям, потом возьмите exp: среднее перплексий отдельных токенов "
        "(или отдельных текстов) больше настоящей перплексии.": losses.exp().mean().item(),
        "Перплексия — e в степени лосса в натах (cross_entropy считает натуральным логарифмом); 2 в степени лосса "
        "даёт другое число: основание степени должно совпадать с основанием логарифма.": 2 ** mean,
        "Цели не сдвинуты. " + SHIFT_HINT: math.exp(F.cross_entropy(logits.flatten(0, 1), ids.flatten()).item()),
        "Цели сдвинуты не в ту сторону: модель предсказывает следующий токен, а не предыдущий. " + SHIFT_HINT:
            math.exp(F.cross_entropy(logits[:, 1:].flatten(0, 1), ids[:, :-1].flatten()).item()),
    }
    per_text = losses.mean(dim=1).exp().mean().item()
    mistakes.setdefault("Сначала усредните лосс по всем предсказаниям батча, потом возьмите exp: среднее "
                        "перплексий отдельных текстов — не перплексия батча.", per_text)
    if losses.sum().item() < 700:  # exp от большей суммы не помещается в float
        mistakes["Перплексия — e в степени среднего лосса, а не суммы: сумма растёт с длиной текста."] = (
            math.exp(losses.sum().item()))
    return mistakes


def checked_perplexity(perplexity, logits, ids, name):
    """Вызов, тип float, значение против эталона с названием типичной ошибки."""
    result = checks.call(perplexity, logits, ids, name=name)
    checks.check_type(result, float, name, hint="Перплексия — одно число float: для тензора из одного элемента "
                                                "подойдёт .item(), потом math.exp (или torch.exp(...).item()).")
    if not math.isfinite(float(result)):
        checks.fail(f"{name}: получено {float(result)}.",
                    "Перплексия — e в степени среднего лосса, а не суммы: сумма растёт с длиной текста, и её "
                    "экспонента быстро выходит за пределы float.")
    checks.check_close(result, reference_perplexity(logits, ids), name=name, atol=1e-6, rtol=1e-4,
                       hint="Перплексия = exp(средняя кросс-энтропия предсказаний следующего токена). " + SHIFT_HINT,
                       mistakes=perplexity_mistakes(logits, ids))
    return result


def text_example():
    """Пример из текста: правильным токенам модель дала вероятности 1/2 и 1/8, перплексия 4."""
    logits = torch.zeros(1, 3, 8)
    logits[0, 0, 5] = math.log(7.0)  # позиция 0: токен 5 с вероятностью 7 / 14 = 1/2
    logits[0, 2, 1] = 5.0  # последняя позиция предсказывает токен за концом текста — он не нужен
    ids = torch.tensor([[2, 5, 3]])  # позиция 1: все 8 токенов поровну, у токена 3 вероятность 1/8
    return logits, ids


def check_perplexity(perplexity):
    """Пример из текста, случайный батч из нескольких текстов, уверенная модель (перплексия около 1), большой батч."""
    logits, ids = text_example()
    checked_perplexity(perplexity, logits, ids, "perplexity для примера из текста (вероятности 1/2 и 1/8)")
    generator = torch.Generator().manual_seed(7)
    logits = torch.randn(3, 10, 50, generator=generator) * 2
    ids = torch.randint(0, 50, (3, 10), generator=generator)
    checked_perplexity(perplexity, logits, ids, "perplexity для батча из 3 текстов по 10 токенов")
    confident = torch.full((2, 6, 20), -10.0)
    ids = torch.randint(0, 20, (2, 6), generator=generator)
    confident.scatter_(2, ids[:, 1:, None], 10.0)  # каждая позиция уверенно предсказывает следующий токен
    checked_perplexity(perplexity, confident, ids, "perplexity модели, которая всегда угадывает следующий токен")
    logits = torch.randn(8, 64, 2048, generator=generator)
    ids = torch.randint(0, 2048, (8, 64), generator=generator)
    checked_perplexity(perplexity, logits, ids, "perplexity для батча 8 × 64 токенов со словарём 2048")
    checks.passed("Перплексия верна: средний лосс по сдвинутым целям, потом exp.")


# --- replay_mix ---

SHARE_HINT = ("share — доля старых токенов во всей смеси (новые + старые), а не от числа новых: "
              "n_old = n_new · share / (1 − share).")


ROUND_HINT = ("Число старых токенов округляют до ближайшего целого, round(...): int() отбрасывает дробную часть, "
              "а math.ceil округляет всегда вверх.")


def rounded(exact: float) -> set[int]:
    """Допустимые округления: round(exact); при дробной части ровно 0.5 — и вверх, и вниз (round в Python
    округляет половину к чётному, а floor(x + 0.5) — вверх); у почти целого — только оно (шум float не в счёт)."""
    if abs(exact - round(exact)) < 1e-9:
        return {round(exact)}
    if abs(exact % 1 - 0.5) < 1e-9:
        return {math.floor(exact), math.ceil(exact)}
    return {round(exact)}


def check_replay_case(replay_mix, new_ids, old_ids, share, name):
    """Один вызов replay_mix: тип → форма → новые токены в начале → число старых → кусок старого текста подряд."""
    result = checks.call(replay_mix, new_ids, old_ids, share, name=name)
    checks.check_type(result, torch.Tensor, name, hint="Склейте тензоры: torch.cat([new_ids, кусок old_ids]).")
    if result.ndim != 1:
        checks.fail(f"{name}: ожидался одномерный тензор токенов, получена форма {tuple(result.shape)}.",
                    "Смесь — один длинный текст: склейте тензоры вдоль оси 0, torch.cat([new_ids, ...]).")
    checks.check_dtype(result, torch.long, name, hint="Номера токенов — целые torch.long, как у входов.")
    n_new = len(new_ids)
    if len(result) < n_new or not torch.equal(result[:n_new], new_ids):
        checks.fail(f"{name}: смесь должна начинаться со всех {n_new} новых токенов в исходном порядке.",
                    "Сначала новые токены целиком, за ними — кусок старого текста: "
                    "torch.cat([new_ids, old_ids[:n_old]]).")
    n_old = len(result) - n_new
    exact = n_new * share / (1 - share)
    if math.floor(exact) <= n_old <= math.ceil(exact) and n_old not in rounded(exact):
        checks.fail(f"{name}: старых токенов {n_old}, а round({exact:.4g}) = {round(exact)}.", ROUND_HINT)
    if not math.floor(exact) <= n_old <= math.ceil(exact):
        got_share = n_old / len(result) if len(result) else 0.0
        hint = SHARE_HINT
        if share > 0 and n_old in (math.floor(n_new * (1 - share) / share), math.ceil(n_new * (1 - share) / share)):
            hint = "Дробь перевёрнута: " + SHARE_HINT
        checks.fail(f"{name}: старых токенов {n_old}, их доля в смеси {got_share:.0%}, а должна быть {share:.0%} "
                    f"(ожидалось около {exact:.1f} старых токенов).", hint)
    piece = result[n_new:]
    if not torch.equal(piece, old_ids[:n_old]):
        if any(torch.equal(piece, old_ids[start:start + n_old]) for start in range(len(old_ids) - n_old + 1)):
            checks.fail(f"{name}: после новых токенов должны идти первые {n_old} токенов old_ids.",
                        "Возьмите кусок старого текста с начала: old_ids[:n_old].")
        checks.fail(f"{name}: старые токены взяты не куском текста подряд.",
                    "Старый текст берут куском подряд (old_ids[:n_old]): модель учится на окнах связного текста, "
                    "а перемешанные или выбранные вразброс токены — уже не текст.")


def check_replay_mix(replay_mix):
    """Пример из текста (300 новых, доля 25 %), доли 0 и 0.5, дробное число старых токенов, случайные тексты."""
    torch.manual_seed(0)
    new, old = torch.arange(300), torch.arange(1000, 2000)
    check_replay_case(replay_mix, new, old, 0.25, "replay_mix(300 новых токенов, 1000 старых, share=0.25)")
    check_replay_case(replay_mix, new, old, 0.0, "replay_mix(..., share=0) — без повтора")
    check_replay_case(replay_mix, new, old, 0.5, "replay_mix(..., share=0.5) — поровну")
    generator = torch.Generator().manual_seed(11)
    new = torch.randint(0, 2048, (1000,), generator=generator)
    old = torch.randint(0, 2048, (5000,), generator=generator)
    check_replay_case(replay_mix, new, old, 0.1, "replay_mix(1000 случайных новых токенов, share=0.1)")
    check_replay_case(replay_mix, new[:10], old, 0.9, "replay_mix(10 новых токенов, share=0.9)")
    check_replay_case(replay_mix, new[:10], old, 0.4, "replay_mix(10 новых токенов, share=0.4): 6.67 → 7 старых")
    check_replay_case(replay_mix, new[:7], old, 0.3, "replay_mix(7 новых токенов, share=0.3): 3.0 → 3 старых")
    checks.passed("Смесь верна: новые токены, за ними нужная доля старого текста подряд.")


# --- реестры ---

REFERENCES = {
    "05_finetuning_why_perplexity": reference_perplexity,
    "05_finetuning_why_replay_mix": reference_replay_mix,
}
CHECKS = {
    "05_finetuning_why_perplexity": check_perplexity,
    "05_finetuning_why_replay_mix": check_replay_mix,
}
HELPERS: dict = {}

_PERPLEXITY = "def perplexity(logits, ids):\n"
_LOSSES = ("    losses = torch.nn.functional.cross_entropy(logits[:, :-1].flatten(0, 1), ids[:, 1:].flatten(),\n"
           "                                               reduction='none')\n")
_REPLAY = "def replay_mix(new_ids, old_ids, share):\n"

MISTAKES = {
    "05_finetuning_why_perplexity": {
        "exp of the summed loss": (_PERPLEXITY + _LOSSES + "    return math.exp(losses.sum().item())",
                                   "среднего лосса, а не суммы"),
        "base 2 with a loss in nats": (_PERPLEXITY + _LOSSES + "    return 2 ** losses.mean().item()",
                                       "основание степени"),
        "mean of per-token perplexities": (_PERPLEXITY + _LOSSES + "    return losses.exp().mean().item()",
                                           "Сначала усредните лосс"),
        "targets not shifted": (
            _PERPLEXITY + "    loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), ids.flatten())\n"
                          "    return math.exp(loss.item())", "Цели не сдвинуты"),
        "targets shifted the wrong way": (
            _PERPLEXITY + "    loss = torch.nn.functional.cross_entropy(logits[:, 1:].flatten(0, 1), "
                          "ids[:, :-1].flatten())\n"
                          "    return math.exp(loss.item())", "не в ту сторону"),
        "tensor returned": (_PERPLEXITY + _LOSSES + "    return losses.mean().exp()", "ожидался тип float"),
    },
    "05_finetuning_why_replay_mix": {
        "share taken of the new tokens": (_REPLAY + "    n_old = round(len(new_ids) * share)\n"
                                                    "    return torch.cat([new_ids, old_ids[:n_old]])",
                                          "во всей смеси"),
        "ratio inverted": (_REPLAY + "    n_old = round(len(new_ids) * (1 - share) / share)\n"
                                     "    return torch.cat([new_ids, old_ids[:n_old]])", "Дробь перевёрнута"),
        "old tokens picked at random": (_REPLAY + "    n_old = round(len(new_ids) * share / (1 - share))\n"
                                          "    picked = torch.randperm(len(old_ids))[:n_old]\n"
                                          "    return torch.cat([new_ids, old_ids[picked]])",
                                "не куском текста подряд"),
        "old text only": (_REPLAY + "    n_old = round(len(new_ids) * share / (1 - share))\n"
                                    "    return old_ids[:n_old]", "новых токенов"),
        "list returned": (_REPLAY + "    n_old = round(len(new_ids) * share / (1 - share))\n"
                                    "    return new_ids.tolist() + old_ids[:n_old].tolist()",
                          "ожидался тип torch.Tensor"),
        "int() instead of round()": (_REPLAY + "    n_old = int(len(new_ids) * share / (1 - share))\n"
                                               "    return torch.cat([new_ids, old_ids[:n_old]])", "до ближайшего"),
        "math.ceil instead of round()": (_REPLAY + "    n_old = math.ceil(len(new_ids) * share / (1 - share))\n"
                                                   "    return torch.cat([new_ids, old_ids[:n_old]])",
                                         "до ближайшего"),
    },
}
