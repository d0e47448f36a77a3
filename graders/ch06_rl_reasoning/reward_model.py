"""Ноутбук 02_reward_model: лосс Брэдли — Терри (bradley_terry_loss) и точность на парах (pairwise_accuracy)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from course_utils import checks


# --- эталонные ответы ---

def reference_bradley_terry_loss(r_chosen, r_rejected):
    """Лосс Брэдли — Терри: mean(−log σ(r_chosen − r_rejected)) — тензор формы () с градиентом по наградам."""
    return -F.logsigmoid(r_chosen - r_rejected).mean()


def reference_pairwise_accuracy(r_chosen, r_rejected):
    """Доля пар, где r_chosen > r_rejected строго (ничья — ошибка модели), — число float."""
    return (r_chosen > r_rejected).double().mean().item()


# --- bradley_terry_loss ---

SWAP_HINT = ("chosen и rejected перепутаны: лосс −log σ(r_chosen − r_rejected) мал, когда выбранный людьми ответ "
             "получил награду больше. С −log σ(r_rejected − r_chosen) модель учится спорить с людьми.")
NO_LOG_HINT = ("Нет логарифма: взята вероятность σ(r_chosen − r_rejected) (или 1 − σ), а лосс — минус её логарифм, "
               "−log σ(r_chosen − r_rejected). Без логарифма градиент почти исчезает на парах, где модель ошибается "
               "сильнее всего.")
SIGN_HINT = ("Забыт минус: log σ(Δ) ≤ 0, и его минимизация толкает разность наград вниз. Лосс — "
             "−log σ(r_chosen − r_rejected).")
SUM_HINT = ("Сумма вместо среднего: docstring задаёт среднее по парам (.mean()), тогда величина шага не зависит от "
            "числа пар в батче.")
MSE_HINT = ("Это регрессия (MSE) к меткам 1 и 0, а не модель Брэдли — Терри: лосс смотрит только на разность наград "
            "в паре, −log σ(r_chosen − r_rejected). Метки 1/0 задали бы наградам абсолютную шкалу, которой у "
            "предпочтений нет.")
SEPARATE_HINT = ("Каждый ответ классифицирован отдельно (−log σ(r_chosen) − log(1 − σ(r_rejected))), а люди "
                 "сравнивали ответы между собой: лосс зависит только от разности, −log σ(r_chosen − r_rejected), и "
                 "не меняется, если прибавить к обеим наградам одно и то же число.")
GRAPH_HINT = ("Лосс должен остаться тензором, связанным с наградами: .item(), float(...), .detach() или "
              "torch.tensor(...) обрывают граф, и backward не дойдёт до модели награды.")
LOSS_HINT = "Лосс = mean(−log σ(r_chosen − r_rejected)); удобно через torch.nn.functional.logsigmoid."


def _wrong_losses():
    """Типичные ошибки: подсказка → лосс, который она даёт (функция тех же аргументов)."""
    return {
        SWAP_HINT: lambda c, r: -F.logsigmoid(r - c).mean(),
        NO_LOG_HINT: lambda c, r: -torch.sigmoid(c - r).mean(),
        NO_LOG_HINT + " ": lambda c, r: (1 - torch.sigmoid(c - r)).mean(),
        SIGN_HINT: lambda c, r: F.logsigmoid(c - r).mean(),
        SUM_HINT: lambda c, r: -F.logsigmoid(c - r).sum(),
        MSE_HINT: lambda c, r: ((c - 1) ** 2 + r ** 2).mean(),
        MSE_HINT + " ": lambda c, r: ((torch.sigmoid(c - r) - 1) ** 2).mean(),
        MSE_HINT + "  ": lambda c, r: F.mse_loss(torch.cat([c, r]), torch.cat([torch.ones_like(c),
                                                                             torch.zeros_like(r)])),
        SEPARATE_HINT: lambda c, r: -(F.logsigmoid(c) + F.logsigmoid(-r)).mean(),
    }


def _value_and_gradients(loss_fn, r_chosen, r_rejected):
    """Значение лосса и его градиенты по обеим наградам (на копиях)."""
    chosen = r_chosen.detach().clone().requires_grad_(True)
    rejected = r_rejected.detach().clone().requires_grad_(True)
    loss = loss_fn(chosen, rejected)
    grad_chosen, grad_rejected = torch.autograd.grad(loss, (chosen, rejected))
    return loss.detach(), grad_chosen, grad_rejected


def _loss_cases():
    """(r_chosen, r_rejected, подпись): пример из текста, случайные батчи, одна пара, float64, большие награды."""
    generator = torch.Generator().manual_seed(62)
    cases = [(torch.tensor([2.0, 1.0, 0.0]), torch.tensor([0.5, 1.0, 2.0]), "пример из текста")]
    chosen = 2 * torch.randn(32, generator=generator) + 0.5
    cases.append((chosen, chosen - 4 * torch.randn(32, generator=generator), "32 случайные пары"))
    cases.append((torch.tensor([0.7]), torch.tensor([-1.3]), "одна пара"))
    chosen = torch.randn(10, generator=generator, dtype=torch.float64)
    cases.append((chosen, torch.randn(10, generator=generator, dtype=torch.float64), "float64, 10 пар"))
    chosen = 30 + 3 * torch.randn(16, generator=generator)  # награды далеко от нуля, разности умеренные
    cases.append((chosen, chosen + torch.linspace(-20, 20, 16), "награды около 30, разности от −20 до 20"))
    return cases


def _checked_loss(bradley_terry_loss, r_chosen, r_rejected, label):
    """Один вызов: тип, форма, связь с наградами, затем значение и градиенты с названными ошибками."""
    name = f"bradley_terry_loss({label})"
    chosen = r_chosen.clone().requires_grad_(True)
    rejected = r_rejected.clone().requires_grad_(True)
    loss = checks.call(bradley_terry_loss, chosen, rejected, name=name)
    if isinstance(loss, (int, float)) and not isinstance(loss, bool):
        checks.fail(f"{name}: получено число {checks.describe(loss)}, а нужен тензор.", GRAPH_HINT)
    checks.check_type(loss, torch.Tensor, name, hint="Верните тензор формы (): результат .mean().")
    if loss.dim() != 0:
        hint = ("Вы не усреднили по парам: верните один тензор-число, (...).mean()."
                if tuple(loss.shape) == tuple(r_chosen.shape) else "Лосс — одно число: тензор формы ().")
        checks.fail(f"{name}: ожидался тензор формы () (одно число), получено {tuple(loss.shape)}.", hint)
    if not loss.requires_grad:
        checks.fail(f"{name}: лосс не зависит от наград (requires_grad=False).", GRAPH_HINT)
    expected, grad_chosen, grad_rejected = _value_and_gradients(reference_bradley_terry_loss, r_chosen, r_rejected)
    values = {}
    for hint, wrong in _wrong_losses().items():
        value, _, _ = _value_and_gradients(wrong, r_chosen, r_rejected)
        if not torch.allclose(value.double(), expected.double(), atol=1e-5, rtol=1e-4):
            values[hint] = value  # одинаковые подсказки различаются пробелами в конце
    checks.check_close(loss.detach(), expected, name=f"значение {name}", atol=1e-5, rtol=1e-4, check_dtype=False,
                       hint=LOSS_HINT, mistakes=values)
    gradients = torch.autograd.grad(loss, (chosen, rejected), allow_unused=True)
    if any(g is None for g in gradients):
        checks.fail(f"{name}: градиент не дошёл до r_chosen или r_rejected.", GRAPH_HINT)
    for gradient, want, which in zip(gradients, (grad_chosen, grad_rejected), ("r_chosen", "r_rejected")):
        checks.check_close(gradient, want, name=f"градиент {name} по {which}", atol=1e-6, rtol=1e-4,
                           check_dtype=False, hint="Градиент по r_chosen — −(1 − σ(Δ)) / B, по r_rejected — "
                                                   "+(1 − σ(Δ)) / B, где Δ = r_chosen − r_rejected.")


def _check_shift(bradley_terry_loss):
    """Прибавим к обеим наградам 5: у модели Брэдли — Терри лосс не меняется."""
    r_chosen, r_rejected = torch.tensor([1.0, -0.5, 2.0, 0.3]), torch.tensor([0.2, 0.5, -1.0, 0.3])
    name = "bradley_terry_loss после сдвига обеих наград на 5"
    base = checks.call(bradley_terry_loss, r_chosen, r_rejected, name="bradley_terry_loss")
    shifted = checks.call(bradley_terry_loss, r_chosen + 5, r_rejected + 5, name=name)
    checks.check_close(float(shifted), float(base), name=name, atol=1e-5, rtol=1e-5, hint=SEPARATE_HINT)


def check_bradley_terry_loss(bradley_terry_loss):
    """Пример из текста, случайные батчи, одна пара, float64, большие награды; градиенты; сдвиг наград."""
    for r_chosen, r_rejected, label in _loss_cases():
        _checked_loss(bradley_terry_loss, r_chosen, r_rejected, label)
    _check_shift(bradley_terry_loss)
    checks.passed("bradley_terry_loss верна: значение и градиенты совпали, сдвиг наград лосс не меняет.")


# --- pairwise_accuracy ---

TIE_HINT = ("Ничья засчитана как верный ответ (≥ вместо >): если модель дала обоим ответам одну награду, она их не "
            "различила. Считайте r_chosen > r_rejected строго.")
COUNT_HINT = "Это число верных пар, а нужна их доля: поделите на число пар (или возьмите .mean())."
PERCENT_HINT = "Это проценты, а нужна доля от 0 до 1: не умножайте на 100."
SWAP_ACCURACY_HINT = ("chosen и rejected перепутаны: верная пара — где награда выбранного людьми ответа больше, "
                      "r_chosen > r_rejected.")
MEANS_HINT = ("Сравнены средние награды, а нужна доля пар: сравните награды внутри каждой пары (r_chosen > "
              "r_rejected поэлементно) и усредните.")
TENSOR_HINT = ("Верните число float, а не тензор: превратите долю в число через .item() (или float(...)). Число "
               "удобно печатать и складывать в таблицы.")
SIGN_ACCURACY_HINT = ("Это среднее знаков sign(r_chosen − r_rejected): неверная пара даёт −1, ничья 0. Нужна доля "
                      "верных пар от 0 до 1: (r_chosen > r_rejected).float().mean().")
ACCURACY_HINT = "Точность = (r_chosen > r_rejected).float().mean().item()."


def accuracy_mistakes(r_chosen, r_rejected):
    """Подсказка → число, которое даёт типичная ошибка."""
    won = (r_chosen > r_rejected).double()
    return {TIE_HINT: (r_chosen >= r_rejected).double().mean().item(),
            COUNT_HINT: won.sum().item(),
            PERCENT_HINT: 100 * won.mean().item(),
            SWAP_ACCURACY_HINT: (r_rejected > r_chosen).double().mean().item(),
            MEANS_HINT: float(r_chosen.double().mean() > r_rejected.double().mean()),
            SIGN_ACCURACY_HINT: torch.sign(r_chosen.double() - r_rejected.double()).mean().item()}


def _checked_accuracy(pairwise_accuracy, r_chosen, r_rejected, label):
    name = f"pairwise_accuracy({label})"
    result = checks.call(pairwise_accuracy, r_chosen, r_rejected, name=name)
    if isinstance(result, torch.Tensor):
        checks.fail(f"{name}: получен тензор {checks.describe(result)}, а ожидалось число float.", TENSOR_HINT)
    if isinstance(result, bool):
        checks.fail(f"{name}: получено {result!r}, а ожидалась доля — число float.", ACCURACY_HINT)
    checks.check_type(result, float, name, hint=TENSOR_HINT)
    expected = reference_pairwise_accuracy(r_chosen, r_rejected)
    mistakes = {hint: wrong for hint, wrong in accuracy_mistakes(r_chosen, r_rejected).items()
                if not math.isclose(wrong, expected, abs_tol=1e-6)}
    checks.check_close(result, expected, name=name, atol=1e-6, rtol=1e-6, hint=ACCURACY_HINT, mistakes=mistakes)


def _accuracy_cases():
    """(r_chosen, r_rejected, подпись): пример из текста с ничьей, случайные батчи с ничьими, одна пара, float64."""
    generator = torch.Generator().manual_seed(63)
    cases = [(torch.tensor([2.0, 1.0, 0.0, 3.0]), torch.tensor([0.5, 1.0, 2.0, -1.0]), "пример из текста")]
    chosen = torch.randint(-3, 4, (200,), generator=generator).float()  # целые награды: много ничьих
    cases.append((chosen, torch.randint(-3, 4, (200,), generator=generator).float() - 1, "200 пар, есть ничьи"))
    chosen = torch.randn(37, generator=generator, dtype=torch.float64)
    cases.append((chosen, chosen - torch.randn(37, generator=generator, dtype=torch.float64) - 0.8, "float64, 37 пар"))
    chosen = torch.tensor([0.1, 5.0, -0.2, 4.0, 3.0, 2.0, 6.0])  # средние говорят «верно», пары — чаще нет
    cases.append((chosen, torch.tensor([0.3, -9.0, 0.0, 4.5, 3.5, 2.5, 6.5]), "7 пар"))
    cases += [(torch.tensor([1.5]), torch.tensor([1.5]), "одна пара, ничья"),
              (torch.tensor([0.2]), torch.tensor([-0.4]), "одна верная пара")]
    return cases


def check_pairwise_accuracy(pairwise_accuracy):
    """Пример из текста, случайные батчи с ничьими, float64, пары, где средние обманывают, одна пара."""
    for r_chosen, r_rejected, label in _accuracy_cases():
        _checked_accuracy(pairwise_accuracy, r_chosen, r_rejected, label)
    checks.passed("pairwise_accuracy верна: доля пар, где chosen получил строго больше, — число float.")


# --- реестры ---

REFERENCES = {
    "06_rl_reasoning_reward_model_bradley_terry_loss": reference_bradley_terry_loss,
    "06_rl_reasoning_reward_model_pairwise_accuracy": reference_pairwise_accuracy,
}
CHECKS = {
    "06_rl_reasoning_reward_model_bradley_terry_loss": check_bradley_terry_loss,
    "06_rl_reasoning_reward_model_pairwise_accuracy": check_pairwise_accuracy,
}
HELPERS: dict = {}

_LOSS = "def bradley_terry_loss(r_chosen, r_rejected):\n"
_ACCURACY = "def pairwise_accuracy(r_chosen, r_rejected):\n"

MISTAKES = {
    "06_rl_reasoning_reward_model_bradley_terry_loss": {
        "chosen and rejected swapped": (
            _LOSS + "    return -torch.nn.functional.logsigmoid(r_rejected - r_chosen).mean()\n", "перепутаны"),
        "sigmoid without log": (_LOSS + "    return -torch.sigmoid(r_chosen - r_rejected).mean()\n",
                                "Нет логарифма"),
        "one minus sigmoid": (_LOSS + "    return (1 - torch.sigmoid(r_chosen - r_rejected)).mean()\n",
                              "Нет логарифма"),
        "minus forgotten": (_LOSS + "    return torch.log(torch.sigmoid(r_chosen - r_rejected)).mean()\n",
                            "Забыт минус"),
        "sum instead of mean": (_LOSS + "    return -torch.nn.functional.logsigmoid(r_chosen - r_rejected).sum()\n",
                                "Сумма вместо среднего"),
        "MSE of the rewards to labels 1 and 0": (
            _LOSS + "    return ((r_chosen - 1) ** 2 + r_rejected ** 2).mean()\n", "регрессия (MSE)"),
        "MSE of the probability to label 1": (
            _LOSS + "    return ((torch.sigmoid(r_chosen - r_rejected) - 1) ** 2).mean()\n", "регрессия (MSE)"),
        "each answer classified on its own": (
            _LOSS + "    logsigmoid = torch.nn.functional.logsigmoid\n"
                    "    return -(logsigmoid(r_chosen) + logsigmoid(-r_rejected)).mean()\n",
            "классифицирован отдельно"),
        "loss.item() breaks the graph": (
            _LOSS + "    return -torch.nn.functional.logsigmoid(r_chosen - r_rejected).mean().item()\n",
            "обрывают граф"),
    },
    "06_rl_reasoning_reward_model_pairwise_accuracy": {
        "ties counted as correct (>= instead of >)": (
            _ACCURACY + "    return (r_chosen >= r_rejected).float().mean().item()\n", "Ничья засчитана"),
        "count instead of share": (_ACCURACY + "    return (r_chosen > r_rejected).sum().item()\n", "доля"),
        "mean of signs": (_ACCURACY + "    return (r_chosen - r_rejected).sign().mean().item()\n", "среднее знаков"),
        "tensor instead of a float": (_ACCURACY + "    return (r_chosen > r_rejected).float().mean()\n", ".item()"),
        "percent instead of share": (
            _ACCURACY + "    return 100 * (r_chosen > r_rejected).float().mean().item()\n", "проценты"),
        "chosen and rejected swapped": (
            _ACCURACY + "    return (r_rejected > r_chosen).float().mean().item()\n", "перепутаны"),
        "means compared instead of pairs": (
            _ACCURACY + "    return float(r_chosen.mean() > r_rejected.mean())\n", "средние"),
    },
}
