"""Ноутбук 03_lora: слой LoRALinear, число параметров LoRA (lora_parameter_count), слияние слоя (merge_lora)."""
from __future__ import annotations

import math
from types import SimpleNamespace

import torch
from torch import nn

from course_utils import checks


# --- эталонные ответы ---

class ReferenceLoRALinear(nn.Module):
    """nn.Linear с LoRA: замороженный base и обучаемая поправка (alpha / r) · B · A."""

    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        self.base.requires_grad_(False)
        self.A = nn.Parameter(torch.randn(r, base.in_features) / math.sqrt(base.in_features))
        self.B = nn.Parameter(torch.zeros(base.out_features, r))
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + self.scale * (x @ self.A.T) @ self.B.T


def reference_lora_parameter_count(d_in, d_out, r):
    """Обучаемых чисел в LoRA одного слоя d_in → d_out ранга r: A (r × d_in) и B (d_out × r)."""
    return r * (d_in + d_out)


def reference_merge_lora(layer):
    """Обычный nn.Linear с весом W + (alpha / r) · B · A: считает то же, что LoRA-слой."""
    base = layer.base
    merged = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None)
    with torch.no_grad():
        merged.weight.copy_(base.weight + layer.scale * layer.B @ layer.A)
        if base.bias is not None:
            merged.bias.copy_(base.bias)
    return merged


def course_gpt():
    """GPT курса для проверок — без полосы загрузки: проверки ничего не пишут в stderr."""
    from transformers.utils import logging

    from course_utils.finetuning import load_model

    shown = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        return load_model()
    finally:
        if shown:
            logging.enable_progress_bar()


# --- LoRALinear ---

SHAPES_HINT = ("A — матрица r × d_in, B — d_out × r: тогда B · A имеет форму веса nn.Linear (d_out, d_in). "
               "Размеры берите из base.in_features и base.out_features.")
B_ZERO_HINT = ("В начале B — нули (torch.zeros): тогда поправка (alpha / r) · B · A равна нулю, и до обучения слой "
               "отвечает в точности как base. Случайная B сразу меняет выход обученной модели — до первого шага "
               "обучения.")
FROZEN_HINT = ("base должен быть заморожен: вызовите self.base.requires_grad_(False) (или выключите requires_grad у "
               "его weight и bias). Иначе оптимизатор будет менять и исходный вес W — это уже полный файнтюнинг.")
SCALE_HINT = "Масштаб поправки — alpha / r (при alpha = 2r он равен 2), а не r / alpha."


def _lora_layer(LoRALinear, d_in, d_out, r, alpha, seed):
    """Слой студента поверх nn.Linear(d_in, d_out) и копии исходных весов base."""
    torch.manual_seed(seed)
    base = nn.Linear(d_in, d_out)
    weight, bias = base.weight.detach().clone(), base.bias.detach().clone()
    name = f"LoRALinear(nn.Linear({d_in}, {d_out}), r={r}, alpha={alpha})"
    layer = checks.call(LoRALinear, base, r, alpha, name=name)
    if not isinstance(layer, nn.Module):
        checks.fail(f"{name}: ожидался модуль nn.Module, получено {checks.describe(layer)}.",
                    "LoRALinear — класс, наследник nn.Module; в __init__ первой строкой super().__init__().")
    for attribute in ("base", "A", "B", "scale"):
        if not hasattr(layer, attribute):
            checks.fail(f"{name}: у слоя нет атрибута self.{attribute}.",
                        "Сохраните исходный слой в self.base, матрицы — в self.A и self.B, масштаб — в self.scale.")
    if not isinstance(layer.base, nn.Linear) or layer.base.weight.shape != (d_out, d_in):
        checks.fail(f"{name}: self.base — не исходный слой nn.Linear({d_in}, {d_out}).", "Сохраните base как есть.")
    if layer.base is not base:
        checks.fail(f"{name}: self.base — копия слоя, а не сам слой base.",
                    "Сохраните сам слой: self.base = base. Копия удваивает память, а модель, в которую вы ставите "
                    "адаптер, продолжала бы ссылаться на старый слой.")
    if not (torch.equal(layer.base.weight, weight) and torch.equal(layer.base.bias, bias)):
        checks.fail(f"{name}: веса base изменились при создании слоя.",
                    "LoRA не трогает обученный вес W: он остаётся как был, учится только поправка.")
    return layer, name


def _check_parameters(layer, name, d_in, d_out, r):
    """Типы, формы и начальные значения A и B; заморозка base; число обучаемых параметров."""
    for attribute in ("A", "B"):
        value = getattr(layer, attribute)
        if not isinstance(value, nn.Parameter):
            checks.fail(f"{name}: self.{attribute} — {checks.describe(value)}, а не nn.Parameter.",
                        "Оберните матрицу в nn.Parameter(...): только так модуль её регистрирует, и оптимизатор "
                        "её видит.")
    A, B = layer.A, layer.B
    if tuple(A.shape) == (d_in, r) and tuple(B.shape) == (r, d_out) and d_in != r:
        checks.fail(f"{name}: формы A и B перепутаны: A {tuple(A.shape)}, B {tuple(B.shape)}.", SHAPES_HINT)
    checks.check_shape(A, (r, d_in), f"self.A у {name}", hint=SHAPES_HINT)
    checks.check_shape(B, (d_out, r), f"self.B у {name}", hint=SHAPES_HINT)
    if base_trainable := [n for n, p in layer.base.named_parameters() if p.requires_grad]:
        checks.fail(f"{name}: параметры base ({', '.join(base_trainable)}) обучаются (requires_grad=True).",
                    FROZEN_HINT)
    if not (A.requires_grad and B.requires_grad):
        checks.fail(f"{name}: A и B должны обучаться (requires_grad=True).",
                    "Не замораживайте A и B: это и есть всё, что учит LoRA.")
    if bool((B != 0).any()):
        checks.fail(f"{name}: в начале матрица B не нулевая.", B_ZERO_HINT)
    if bool((A == 0).all()):
        checks.fail(f"{name}: матрица A в начале нулевая.",
                    "Если нулевые и A, и B, градиенты обеих равны нулю, и обучение не сдвинется с места. A — "
                    "случайная: torch.randn(r, d_in) / math.sqrt(d_in).")
    spread, expected = A.detach().std().item(), 1 / math.sqrt(d_in)
    # на большой матрице выборочное std точное (±3 % при 1000 числах): проверяем его с двух сторон
    low, high = (0.8, 1.25) if A.numel() >= 1000 else (0, 4)
    if not low * expected < spread < high * expected:
        size = "крупная" if spread >= high * expected else "мелкая"
        checks.fail(f"{name}: матрица A слишком {size}: стандартное отклонение {spread:.3g}, а ожидалось около "
                    f"1/√d_in = {expected:.3g}.",
                    "Возьмите нормальные случайные числа и поделите на √d_in (d_in = base.in_features, а не d_out "
                    "и не r): A = torch.randn(r, d_in) / math.sqrt(d_in) — так задано в тексте (равномерный "
                    "kaiming_uniform_, как в peft, даёт std в √3 раз меньше). Тогда x · Aᵀ того же порядка, что "
                    "и x, и обучение не разгоняется с первых шагов.")
    trainable = sum(p.numel() for p in layer.parameters() if p.requires_grad)
    if trainable != r * (d_in + d_out):
        checks.fail(f"{name}: обучаемых параметров {trainable}, а у LoRA их r · (d_in + d_out) = {r * (d_in + d_out)}.",
                    "Обучаются только A и B; всё остальное заморожено.")


def _check_forward(layer, name, d_in, d_out, r, alpha, seed):
    """Выход при B = 0 совпадает с base; при случайной B — с формулой base(x) + (alpha/r)·(x Aᵀ) Bᵀ."""
    checks.check_close(layer.scale, alpha / r, name=f"self.scale у {name}", hint=SCALE_HINT,
                       mistakes={SCALE_HINT: r / alpha,
                                 "Целочисленное деление: alpha // r отбрасывает дробную часть (8 // 3 = 2), а "
                                 "масштаб — обычная дробь alpha / r.": alpha // r,
                                 "Масштаб — alpha / r, а не просто alpha: при большем ранге поправка иначе "
                                 "росла бы вместе с r.": alpha})
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(5, d_in, generator=generator)
    with torch.no_grad():
        out = checks.call(layer, x, name=f"{name}(x)")
        checks.check_type(out, torch.Tensor, f"{name}(x)", hint="forward должен вернуть тензор.")
        checks.check_shape(out, (5, d_out), f"{name}(x)", hint="Выход — (…, d_out), как у base.")
        checks.check_close(out, layer.base(x), name=f"выход {name} до обучения (B = 0)", atol=1e-5,
                           hint="При B = 0 поправка нулевая: выход равен base(x).")
        layer.B.copy_(torch.randn(d_out, r, generator=generator))  # как будто слой уже обучали
        lora_part = (x @ layer.A.T) @ layer.B.T
        expected = layer.base(x) + alpha / r * lora_part
        out = checks.call(layer, x, name=f"{name}(x)")
        checks.check_close(out, expected, name=f"выход {name} с ненулевой B", atol=1e-4, hint=(
            "forward = self.base(x) + self.scale * (x @ self.A.T) @ self.B.T."), mistakes={
            "Поправка не умножена на масштаб: base(x) + self.scale * (x @ A.T) @ B.T.": layer.base(x) + lora_part,
            SCALE_HINT: layer.base(x) + r / alpha * lora_part,
            "Забыт исходный слой: LoRA прибавляет поправку к base(x), а не заменяет его.": alpha / r * lora_part})
        batched = torch.randn(2, 3, d_in, generator=generator)
        out = checks.call(layer, batched, name=f"{name} на батче формы (2, 3, {d_in})")
        checks.check_shape(out, (2, 3, d_out), f"{name} на батче формы (2, 3, {d_in})",
                           hint="Умножайте на последнюю ось: x @ self.A.T работает для любых ведущих осей.")
    layer.zero_grad(set_to_none=True)
    checks.call(layer, x, name=f"{name}(x)").sum().backward()
    if layer.A.grad is None or layer.B.grad is None:
        checks.fail(f"{name}: градиент не дошёл до A или B.", "Выход forward должен зависеть от self.A и self.B.")


def check_lora_linear(LoRALinear):
    """Формы и начальные значения, заморозка base, масштаб (и дробный alpha / r), выход и градиенты на пяти слоях."""
    for d_in, d_out, r, alpha, seed in [(12, 7, 3, 6, 0), (8, 20, 4, 16, 1), (16, 16, 1, 4, 2), (128, 384, 8, 16, 3),
                                        (10, 6, 3, 8, 4)]:
        layer, name = _lora_layer(LoRALinear, d_in, d_out, r, alpha, seed)
        _check_parameters(layer, name, d_in, d_out, r)
        _check_forward(layer, name, d_in, d_out, r, alpha, seed)
    checks.passed("LoRALinear верен: base заморожен, B = 0 в начале, масштаб alpha / r, выход и градиенты верны.")


# --- lora_parameter_count ---

def count_mistakes(d_in, d_out, r):
    return {"Матрицы A и B складываются, а не перемножаются: r · d_in + d_out · r = r · (d_in + d_out).":
            d_in * d_out * r,
            "Это число параметров полной матрицы W (d_out × d_in); LoRA учит только A и B.": d_in * d_out,
            "Посчитана только одна матрица: A (r × d_in) и B (d_out × r) — обе обучаются.": r * d_in,
            "Посчитана только одна матрица: B (d_out × r) и A (r × d_in) — обе обучаются.": r * d_out}


def check_count(lora_parameter_count, d_in, d_out, r, name=None):
    name = name or f"lora_parameter_count({d_in}, {d_out}, {r})"
    result = checks.call(lora_parameter_count, d_in, d_out, r, name=name)
    checks.check_type(result, int, name, hint="Число параметров — целое: верните int (без деления).")
    mistakes = {hint: wrong for hint, wrong in count_mistakes(d_in, d_out, r).items()
                if wrong != r * (d_in + d_out)}
    checks.check_equal(result, r * (d_in + d_out), name, mistakes=mistakes)
    return result


def check_lora_parameter_count(lora_parameter_count):
    """Формула на разных слоях, сверка с модулем LoRA и с peft на GPT курса."""
    for d_in, d_out, r in [(1000, 1000, 4), (128, 384, 16), (512, 128, 1), (4096, 4096, 8), (7, 3, 2), (64, 32, 64)]:
        check_count(lora_parameter_count, d_in, d_out, r)
    torch.manual_seed(0)
    module = ReferenceLoRALinear(nn.Linear(40, 24), 5, 10)
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    name = "lora_parameter_count(40, 24, 5) против обучаемых параметров слоя LoRA"
    checks.check_equal(check_count(lora_parameter_count, 40, 24, 5, name=name), trainable, name)
    _check_against_peft(lora_parameter_count)
    checks.passed("lora_parameter_count верна и совпадает с тем, что насчитал peft на GPT курса.")


def _check_against_peft(lora_parameter_count):
    """Сумма по слоям Conv1D GPT курса против print_trainable_parameters у peft (r = 4, c_attn и c_fc)."""
    import warnings

    from peft import LoraConfig, get_peft_model
    from transformers.pytorch_utils import Conv1D

    model = course_gpt()
    targets = ("c_attn", "c_fc")
    shapes = [tuple(m.weight.shape) for n, m in model.named_modules()
              if isinstance(m, Conv1D) and n.rsplit(".", 1)[-1] in targets]  # вес Conv1D — (d_in, d_out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=list(targets),
                                                      fan_in_fan_out=True, task_type="CAUSAL_LM"))
    expected = peft_model.get_nb_trainable_parameters()[0]
    total = sum(check_count(lora_parameter_count, d_in, d_out, 4) for d_in, d_out in shapes)
    checks.check_equal(total, expected, "сумма lora_parameter_count по слоям c_attn и c_fc GPT курса (r = 4) "
                                        "против peft")


# --- merge_lora ---

TRANSPOSE_HINT = ("Поправку не нужно транспонировать: B · A уже имеет форму веса nn.Linear (d_out, d_in). "
                  "Транспонировать её приходится только для Conv1D из GPT-2, у которого вес хранится как (d_in, d_out).")
MERGE_SHAPE_HINT = ("Формы не сходятся. nn.Linear(d_in, d_out) — сначала число входов (base.in_features), потом "
                    "выходов; вес у него формы (d_out, d_in), как у B · A, поэтому поправку не транспонируют "
                    "(это нужно только для Conv1D из GPT-2).")
MERGE_SCALE_HINT = "Поправку умножают на масштаб: W + self.scale · B · A, где scale = alpha / r."


def _merge_case(d_in, d_out, r, alpha, seed):
    """LoRA-слой с ненулевой B, как после обучения (эталонный класс: упражнение оценивается само по себе)."""
    torch.manual_seed(seed)
    layer = ReferenceLoRALinear(nn.Linear(d_in, d_out), r, alpha)
    with torch.no_grad():
        layer.B.normal_()
    return layer


def check_merged(merge_lora, layer, name):
    """merge_lora(layer): nn.Linear тех же размеров, выход совпадает со слоем LoRA, слой не изменился."""
    d_out, d_in = layer.base.weight.shape
    saved = {key: value.detach().clone() for key, value in layer.state_dict().items()}
    merged = checks.call(merge_lora, layer, name=name, hint=MERGE_SHAPE_HINT if d_in != d_out else "")
    if not isinstance(merged, nn.Linear):
        checks.fail(f"{name}: ожидался слой nn.Linear, получено {checks.describe(merged)}.",
                    "Создайте новый nn.Linear(d_in, d_out) и запишите в него веса W + (alpha / r) · B · A.")
    if merged is layer.base:
        checks.fail(f"{name} вернула сам self.base.",
                    "Верните новый слой: base — часть LoRA-слоя, и менять его нельзя.")
    changed = [key for key, value in layer.state_dict().items() if not torch.equal(value, saved[key])]
    if changed:
        checks.fail(f"{name} изменила LoRA-слой на месте ({', '.join(changed)}).",
                    "Не меняйте слой, который сливаете, — ни base, ни A и B: после этого он считал бы иначе (а "
                    "изменённый base получил бы поправку дважды). Создайте новый nn.Linear и запишите в него "
                    "W + scale · B · A.")
    checks.check_shape(merged.weight, (d_out, d_in), f"вес слоя из {name}", hint=MERGE_SHAPE_HINT)
    if merged.bias is None:
        checks.fail(f"{name}: у слоя нет смещения (bias).", "Смещение LoRA не меняет: скопируйте base.bias.")
    W = layer.base.weight.detach()
    delta = (layer.B @ layer.A).detach()
    with torch.no_grad():
        mistakes = {MERGE_SCALE_HINT: W + delta, "Вес не изменился: прибавьте поправку (alpha / r) · B · A.": W}
        if d_in == d_out:  # у прямоугольного слоя транспонированная поправка даже не прибавится к W
            mistakes[TRANSPOSE_HINT] = W + layer.scale * delta.T
        checks.check_close(merged.weight.detach(), W + layer.scale * delta, name=f"вес слоя из {name}", atol=1e-5,
                           mistakes=mistakes)
        checks.check_close(merged.bias.detach(), layer.base.bias.detach(), name=f"смещение слоя из {name}",
                           atol=1e-6, hint="Смещение LoRA не меняет: скопируйте base.bias как есть.")
        x = torch.randn(6, d_in, generator=torch.Generator().manual_seed(d_in))
        checks.check_close(merged(x), layer(x), name=f"выход слоя из {name} против LoRA-слоя", atol=1e-4)


def check_merge_lora(merge_lora):
    """Квадратный слой (ошибка с транспонированием не падает, а даёт другие числа), прямоугольные, r = 1."""
    for d_in, d_out, r, alpha, seed in [(10, 10, 2, 4, 0), (12, 5, 3, 12, 1), (6, 16, 1, 2, 2), (128, 384, 8, 16, 3)]:
        check_merged(merge_lora, _merge_case(d_in, d_out, r, alpha, seed),
                     f"merge_lora(LoRA-слой {d_in} → {d_out}, r={r}, alpha={alpha})")
    stand_in = _merge_case(7, 9, 2, 6, 4)
    duck = SimpleNamespace(base=stand_in.base, A=stand_in.A, B=stand_in.B, scale=stand_in.scale)
    merged = checks.call(merge_lora, duck, name="merge_lora(объект с полями base, A, B, scale)",
                         hint="merge_lora читает только layer.base, layer.A, layer.B и layer.scale.")
    with torch.no_grad():
        x = torch.randn(4, 7)
        checks.check_close(merged(x), stand_in(x), name="выход слоя из merge_lora(объект с полями base, A, B, scale)",
                           atol=1e-4)
    checks.passed("merge_lora верна: новый nn.Linear с весом W + (alpha / r) · B · A считает то же, что LoRA-слой.")


# --- реестры ---

REFERENCES = {
    "05_finetuning_lora_layer": ReferenceLoRALinear,
    "05_finetuning_lora_count": reference_lora_parameter_count,
    "05_finetuning_lora_merge": reference_merge_lora,
}
CHECKS = {
    "05_finetuning_lora_layer": check_lora_linear,
    "05_finetuning_lora_count": check_lora_parameter_count,
    "05_finetuning_lora_merge": check_merge_lora,
}
HELPERS: dict = {}

_CLASS = ("class LoRALinear(nn.Module):\n"
          "    def __init__(self, base, r, alpha):\n"
          "        super().__init__()\n"
          "        self.base = base\n")
_FREEZE = "        self.base.requires_grad_(False)\n"
_A = "        self.A = nn.Parameter(torch.randn(r, base.in_features) / math.sqrt(base.in_features))\n"
_B = "        self.B = nn.Parameter(torch.zeros(base.out_features, r))\n"
_SCALE = "        self.scale = alpha / r\n"
_FORWARD = ("    def forward(self, x):\n"
            "        return self.base(x) + self.scale * (x @ self.A.T) @ self.B.T\n")
_COUNT = "def lora_parameter_count(d_in, d_out, r):\n"
_MERGE = ("def merge_lora(layer):\n"
          "    base = layer.base\n"
          "    merged = nn.Linear(base.in_features, base.out_features)\n"
          "    with torch.no_grad():\n")
_BIAS = "        merged.bias.copy_(base.bias)\n    return merged\n"

MISTAKES = {
    "05_finetuning_lora_layer": {
        "B initialised randomly": (
            _CLASS + _FREEZE + _A
            + "        self.B = nn.Parameter(torch.randn(base.out_features, r) / math.sqrt(r))\n"
            + _SCALE + _FORWARD, "B не нулевая"),
        "scale r / alpha": (_CLASS + _FREEZE + _A + _B + "        self.scale = r / alpha\n" + _FORWARD,
                            "а не r / alpha"),
        "base left trainable": (_CLASS + _A + _B + _SCALE + _FORWARD, "base должен быть заморожен"),
        "A and B shapes swapped": (
            _CLASS + _FREEZE
            + "        self.A = nn.Parameter(torch.randn(base.in_features, r) / math.sqrt(base.in_features))\n"
            + "        self.B = nn.Parameter(torch.zeros(r, base.out_features))\n"
            + _SCALE
            + "    def forward(self, x):\n"
            + "        return self.base(x) + self.scale * (x @ self.A) @ self.B\n", "формы A и B перепутаны"),
        "A not scaled by 1/sqrt(d_in)": (
            _CLASS + _FREEZE + "        self.A = nn.Parameter(torch.randn(r, base.in_features))\n" + _B + _SCALE
            + _FORWARD, "матрица A слишком крупная"),
        "A and B both zero": (
            _CLASS + _FREEZE + "        self.A = nn.Parameter(torch.zeros(r, base.in_features))\n" + _B + _SCALE
            + _FORWARD, "матрица A в начале нулевая"),
        "scale forgotten in forward": (
            _CLASS + _FREEZE + _A + _B + _SCALE
            + "    def forward(self, x):\n"
            + "        return self.base(x) + (x @ self.A.T) @ self.B.T\n", "не умножена на масштаб"),
        "A and B plain tensors": (
            _CLASS + _FREEZE
            + "        self.A = torch.randn(r, base.in_features) / math.sqrt(base.in_features)\n"
            + "        self.B = torch.zeros(base.out_features, r)\n" + _SCALE + _FORWARD, "а не nn.Parameter"),
        "scale by integer division": (_CLASS + _FREEZE + _A + _B + "        self.scale = alpha // r\n" + _FORWARD,
                                      "Целочисленное деление"),
        "A scaled by 1/sqrt(d_out)": (
            _CLASS + _FREEZE + "        self.A = nn.Parameter(torch.randn(r, base.in_features) / "
                               "math.sqrt(base.out_features))\n" + _B + _SCALE + _FORWARD, "а не d_out"),
        "base copied": (_CLASS.replace("self.base = base\n", "self.base = nn.Linear(base.in_features, "
                                       "base.out_features)\n        self.base.load_state_dict(base.state_dict())\n")
                        + _FREEZE + _A + _B + _SCALE + _FORWARD, "копия слоя"),
    },
    "05_finetuning_lora_count": {
        "product instead of sum": (_COUNT + "    return d_in * d_out * r\n", "складываются, а не перемножаются"),
        "only A counted": (_COUNT + "    return r * d_in\n", "только одна матрица"),
        "full matrix": (_COUNT + "    return d_in * d_out\n", "полной матрицы W"),
        "float result": (_COUNT + "    return r * (d_in + d_out) / 1\n", "верните int"),
    },
    "05_finetuning_lora_merge": {
        "update transposed (Conv1D habit)": (
            _MERGE + "        merged.weight.copy_(base.weight + layer.scale * (layer.B @ layer.A).T)\n" + _BIAS,
            "не нужно транспонировать"),
        "scale forgotten": (_MERGE + "        merged.weight.copy_(base.weight + layer.B @ layer.A)\n" + _BIAS,
                            "умножают на масштаб"),
        "bias not copied": (
            _MERGE + "        merged.weight.copy_(base.weight + layer.scale * layer.B @ layer.A)\n    return merged\n",
            "скопируйте base.bias"),
        "base changed in place": (
            "def merge_lora(layer):\n"
            "    with torch.no_grad():\n"
            "        layer.base.weight += layer.scale * layer.B @ layer.A\n"
            "    return layer.base\n", "вернула сам self.base"),
        "nn.Linear(d_out, d_in)": (_MERGE.replace("nn.Linear(base.in_features, base.out_features)",
                                                  "nn.Linear(base.out_features, base.in_features)")
                                   + "        merged.weight.copy_(base.weight + layer.scale * layer.B @ layer.A)\n"
                                   + _BIAS, "сначала число входов"),
        "B scaled in place": (
            _MERGE + "        merged.weight.copy_(base.weight + layer.B.mul_(layer.scale) @ layer.A)\n" + _BIAS,
            "ни base, ни A и B"),
        "bias=False": (_MERGE.replace("base.out_features)", "base.out_features, bias=False)")
                       + "        merged.weight.copy_(base.weight + layer.scale * layer.B @ layer.A)\n"
                       + "    return merged\n", "смещени"),
    },
}
