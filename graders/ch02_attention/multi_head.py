"""Ноутбук 03_multi_head: разрезать на головы и склеить, слой многоголового внимания, показатель степени."""
from __future__ import annotations

import math

import numpy as np
import torch

from course_utils import attention as reference
from course_utils import checks

from ._common import weight_mistakes, weights


def fit_power_law(lengths, values):
    """Эталон: прямая по (log T, log y); возвращает (p, c) для y = c · T^p."""
    slope, intercept = np.polyfit(np.log(lengths), np.log(values), 1)
    return float(slope), float(np.exp(intercept))


HEADS_SHAPE = "Ожидается (B, n_heads, T, d_head), где d_head = d_model // n_heads: ось голов — вторая."
TOKENS_MIXED = ("Головы получили не те признаки: в одну голову попали куски разных токенов. Голова h должна получить "
                "у каждого токена его признаки с h·d_head по (h+1)·d_head − 1: разрежьте последнюю ось на "
                "(n_heads, d_head), а потом поменяйте местами оси токенов и голов.")
STRIDED = ("Головы получили не те признаки: каждой голове достались признаки через n_heads (0, n_heads, 2·n_heads, …), "
           "а ей нужен сплошной кусок из d_head признаков подряд: голова 0 — признаки 0 … d_head − 1.")
HEADS_MIXED = ("Склеены не те числа: вектор токена собран из выходов одной головы для разных токенов, а должен — из "
               "выходов всех голов для этого токена, голова за головой. Сначала поменяйте местами оси голов и "
               "токенов, потом склейте две последние оси.")
NOT_CONTIGUOUS = "Если ошибка про view: после transpose тензор лежит в памяти не подряд, используйте reshape."


def _example():
    """Пример из текста: B = 1, T = 2, d_model = 8, два токена (0 … 7) и (10 … 17)."""
    return torch.tensor([[[0.0, 1, 2, 3, 4, 5, 6, 7], [10, 11, 12, 13, 14, 15, 16, 17]]])


def check_split_heads(split_heads):
    """Пример из текста (2 головы), случайный батч (3 головы) и одна голова."""
    torch.manual_seed(4)
    for x, n_heads in [(_example(), 2), (torch.randn(3, 5, 12), 3), (torch.randn(3, 5, 12), 1)]:
        B, T, d_model = x.shape
        d_head = d_model // n_heads
        heads = checks.call(split_heads, x, n_heads)
        name = f"split_heads(x формы {tuple(x.shape)}, {n_heads})"
        checks.check_type(heads, torch.Tensor, name)
        checks.check_shape(heads, (B, n_heads, T, d_head), name, hint=HEADS_SHAPE)
        checks.check_close(heads, reference.split_heads(x, n_heads), name=name,
                           mistakes={TOKENS_MIXED: x.reshape(B, n_heads, T, d_head),
                                     STRIDED: x.reshape(B, T, d_head, n_heads).permute(0, 3, 1, 2)})


def check_merge_heads(merge_heads):
    """Головы из примера текста и случайный батч (4 головы): обратная операция к split_heads."""
    torch.manual_seed(5)
    for heads in (reference.split_heads(_example(), 2), torch.randn(2, 4, 3, 5)):
        B, n_heads, T, d_head = heads.shape
        merged = checks.call(merge_heads, heads, hint=NOT_CONTIGUOUS)
        name = f"merge_heads(головы формы {tuple(heads.shape)})"
        checks.check_type(merged, torch.Tensor, name)
        checks.check_shape(merged, (B, T, n_heads * d_head), name, hint="Ожидается (B, T, n_heads · d_head).")
        checks.check_close(merged, reference.merge_heads(heads), name=name,
                           mistakes={HEADS_MIXED: heads.reshape(B, T, n_heads * d_head)})


HEADS = 4
HELPER_NAMES = ("split_heads", "merge_heads")
MASK_INVERTED = ("Маска перевёрнута: в нашей маске True — «смотреть можно», поэтому -inf ставится там, где "
                 "mask == False (~mask). У PyTorch в attn_mask наоборот.")
NO_MASK = "Без маски (mask=None) смотреть можно на все токены: применяйте маску, только если mask is not None."


def _expected(mha, x, mask):
    """Веса, выход и выходы типичных ошибок — на весах слоя студента, через эталонные split_heads/merge_heads."""
    with torch.no_grad():
        q, k, v = (reference.split_heads(W(x), HEADS) for W in (mha.W_q, mha.W_k, mha.W_v))
        attn = weights(q, k, mask)
        weight_variants = weight_mistakes(q, k, mask, d_name="d_head")
        weight_variants["Делите оценки на √d_head — размер одной головы (последняя ось q после разрезания), "
                        "а не на √d_model."] = weights(q, k, mask, divisor=math.sqrt(x.shape[-1]))
        output_variants = {
            "Забыта выходная проекция: верните self.W_o(...) от склеенных голов.": reference.merge_heads(attn @ v),
            "Веса умножены не на значения: выход головы — веса @ v, где v = split_heads(self.W_v(x)).":
                mha.W_o(reference.merge_heads(attn @ q)),
        }
        return attn, mha.W_o(reference.merge_heads(attn @ v)), weight_variants, output_variants


def _check_call(mha, x, mask, label: str, hint: str = ""):
    """Вызов слоя: пара (выход, веса), формы и значения против эталона."""
    B, T, d_model = x.shape
    args = (x,) if mask is None else (x, mask)
    result = checks.call(mha, *args, name=f"MultiHeadAttention(...)({label})", hint=hint, helpers=HELPER_NAMES)
    checks.check_type(result, tuple, "MultiHeadAttention(...)(x)", hint="Верните пару: return output, weights.")
    checks.check_equal(len(result), 2, "число возвращённых значений", hint="Верните пару: return output, weights.")
    output, attn = result
    expected_weights, expected_output, weight_variants, output_variants = _expected(mha, x, mask)
    checks.check_shape(attn, (B, HEADS, T, T), f"веса, {label}",
                       hint="Веса — по головам: (B, n_heads, T, T); режьте на self.n_heads голов.")
    if mask is not None and torch.isnan(attn).any():
        checks.fail(f"веса, {label}: в ответе есть NaN — в какой-то строке закрыты все ключи.", MASK_INVERTED)
    checks.check_close(attn, expected_weights, name=f"веса, {label}", atol=1e-5, mistakes=weight_variants)
    checks.check_shape(output, (B, T, d_model), f"выход, {label}", hint="Выход — (B, T, d_model), как вход.")
    checks.check_close(output, expected_output, name=f"выход, {label}", atol=1e-5, mistakes=output_variants)


def check_multi_head_attention(MultiHeadAttention):
    """4 головы, d_model = 12: с причинной маской, без маски и на батче из одной последовательности."""
    torch.manual_seed(9)
    mha = checks.call(MultiHeadAttention, 12, HEADS, name=f"MultiHeadAttention(12, {HEADS})")
    x = torch.randn(2, 6, 12)
    mask = torch.ones(6, 6, dtype=torch.bool).tril()
    _check_call(mha, x, mask, "x, причинная маска")
    _check_call(mha, x, None, "x без маски", hint=NO_MASK)
    _check_call(mha, x[:1], mask, "одна последовательность, причинная маска")


def check_fit_power_law(fit_power_law):
    """Пример из текста (p = 2, c = 3) и зашумлённые точки закона 0.02 · T^1.5."""
    noisy = np.array([100.0, 300.0, 1000.0, 3000.0])
    for lengths, values in [([1, 2, 4], [3, 12, 48]), (noisy, 0.02 * noisy ** 1.5 * np.array([1.1, 0.95, 1.02, 0.98]))]:
        result = checks.call(fit_power_law, lengths, values)
        checks.check_type(result, tuple, "fit_power_law(...)", hint="Верните пару: return p, c.")
        checks.check_equal(len(result), 2, "число возвращённых значений", hint="Верните пару: return p, c.")
        p, c = result
        log_x, log_y = np.log(lengths), np.log(values)
        expected_p, log_c = np.polyfit(log_x, log_y, 1)
        expected_c = np.exp(log_c)
        points = ", ".join(f"{T:g}" for T in lengths)
        checks.check_close(p, expected_p, name=f"показатель p для T = ({points})", atol=1e-6,
                           mistakes={"Оси перепутаны: по x — log T, по y — log значения.":
                                     np.polyfit(log_y, log_x, 1)[0],
                                     "Порядок ответа — (p, c): сначала показатель, потом множитель.": expected_c,
                                     "Логарифм нужен для обеих величин, а не только для значений.":
                                     np.polyfit(lengths, log_y, 1)[0],
                                     "Подбирайте прямую по логарифмам, а не по самим числам.":
                                     np.polyfit(lengths, values, 1)[0]})
        checks.check_close(c, expected_c, name=f"множитель c для T = ({points})", rtol=1e-6,
                           mistakes={"polyfit возвращает log c: верните np.exp(свободного члена).": log_c})


_CLASS = ("class MultiHeadAttention(nn.Module):\n"
          "    def __init__(self, d_model, n_heads):\n"
          "        super().__init__()\n"
          "        self.n_heads = n_heads\n"
          "        self.W_q, self.W_k = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)\n"
          "        self.W_v, self.W_o = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)\n\n"
          "    def forward(self, x, mask=None):\n")
_SPLIT = "        q, k, v = (split_heads(W(x), self.n_heads) for W in (self.W_q, self.W_k, self.W_v))\n"
_SCORES = "        s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
_MASKED = "        if mask is not None:\n            s = s.masked_fill(~mask, float('-inf'))\n"
_SOFTMAX = "        w = torch.softmax(s, dim=-1)\n"
_RETURN = "        return self.W_o(merge_heads(w @ v)), w"


def _forward(*lines: str) -> str:
    """Код класса-ошибки: общий __init__, разрезание на головы и строки forward."""
    return _CLASS + _SPLIT + "".join(lines)


REFERENCES = {"02_attention_mha_split_heads": reference.split_heads,
              "02_attention_mha_merge_heads": reference.merge_heads,
              "02_attention_mha_module": reference.MultiHeadAttention,
              "02_attention_mha_fit_exponent": fit_power_law}
CHECKS = {"02_attention_mha_split_heads": check_split_heads, "02_attention_mha_merge_heads": check_merge_heads,
          "02_attention_mha_module": check_multi_head_attention, "02_attention_mha_fit_exponent": check_fit_power_law}
HELPERS = {"split_heads": reference.split_heads, "merge_heads": reference.merge_heads}
MISTAKES = {
    "02_attention_mha_split_heads": {
        "reshape without transpose": ("def split_heads(x, n_heads):\n"
                                      "    B, T, d = x.shape\n"
                                      "    return x.view(B, n_heads, T, d // n_heads)", "куски разных токенов"),
        "split into strided features": ("def split_heads(x, n_heads):\n"
                                        "    B, T, d = x.shape\n"
                                        "    return x.view(B, T, d // n_heads, n_heads).permute(0, 3, 1, 2)",
                                        "признаки через n_heads"),
        "heads axis last": ("def split_heads(x, n_heads):\n"
                            "    B, T, d = x.shape\n"
                            "    return x.view(B, T, n_heads, d // n_heads)",
                            "поменяйте местами оси токенов и голов"),
    },
    "02_attention_mha_merge_heads": {
        "reshape without transpose": ("def merge_heads(x):\n"
                                      "    B, H, T, d = x.shape\n"
                                      "    return x.reshape(B, T, H * d)", "собран из выходов одной головы"),
        "heads not merged": ("def merge_heads(x):\n    return x.transpose(1, 2)", "ожидалась форма (1, 2, 8)"),
        "view after transpose": ("def merge_heads(x):\n"
                                 "    B, H, T, d = x.shape\n"
                                 "    return x.transpose(1, 2).view(B, T, H * d)", "используйте reshape"),
    },
    "02_attention_mha_module": {
        "output projection forgotten": (_forward(_SCORES, _MASKED, _SOFTMAX, "        return merge_heads(w @ v), w"),
                                        "Забыта выходная проекция"),
        "heads not split": (_CLASS + "        q, k, v = self.W_q(x), self.W_k(x), self.W_v(x)\n" + _SCORES + _MASKED
                            + _SOFTMAX + "        return self.W_o(w @ v), w", "Веса — по головам"),
        "n_heads hard-coded": (_CLASS + _SPLIT.replace("self.n_heads", "2") + _SCORES + _MASKED + _SOFTMAX + _RETURN,
                               "режьте на self.n_heads голов"),
        "mask ignored": (_forward(_SCORES, _SOFTMAX, _RETURN), "Маска не применена"),
        "mask inverted": (_forward(_SCORES, "        if mask is not None:\n",
                                   "            s = s.masked_fill(mask, float('-inf'))\n", _SOFTMAX, _RETURN),
                          "Маска перевёрнута"),
        "mask required": (_forward(_SCORES, "        s = s.masked_fill(~mask, float('-inf'))\n", _SOFTMAX, _RETURN),
                          "только если mask is not None"),
        "scaled by d_model": (_forward("        s = q @ k.transpose(-2, -1) / math.sqrt(x.shape[-1])\n", _MASKED,
                                       _SOFTMAX, _RETURN), "а не на √d_model"),
        "no scale": (_forward("        s = q @ k.transpose(-2, -1)\n", _MASKED, _SOFTMAX, _RETURN),
                     "Не хватает деления оценок на √d_head"),
        "mask with zero": (_forward(_SCORES, "        if mask is not None:\n",
                                    "            s = s.masked_fill(~mask, 0.0)\n", _SOFTMAX, _RETURN),
                           "ставьте -inf, а не 0"),
        "only the output": (_forward(_SCORES, _MASKED, _SOFTMAX, "        return self.W_o(merge_heads(w @ v))"),
                            "Верните пару"),
        "queries used as values": (_forward(_SCORES, _MASKED, _SOFTMAX,
                                            "        return self.W_o(merge_heads(w @ q)), w"),
                                   "Веса умножены не на значения"),
    },
    "02_attention_mha_fit_exponent": {
        "axes swapped": ("def fit_power_law(lengths, values):\n"
                         "    slope, intercept = np.polyfit(np.log(values), np.log(lengths), 1)\n"
                         "    return float(slope), float(np.exp(intercept))", "Оси перепутаны"),
        "log c returned": ("def fit_power_law(lengths, values):\n"
                           "    slope, intercept = np.polyfit(np.log(lengths), np.log(values), 1)\n"
                           "    return float(slope), float(intercept)", "верните np.exp"),
        "(c, p) order": ("def fit_power_law(lengths, values):\n"
                         "    slope, intercept = np.polyfit(np.log(lengths), np.log(values), 1)\n"
                         "    return float(np.exp(intercept)), float(slope)", "Порядок ответа — (p, c)"),
        "no logs": ("def fit_power_law(lengths, values):\n"
                    "    slope, intercept = np.polyfit(lengths, values, 1)\n"
                    "    return float(slope), float(intercept)", "по логарифмам, а не по самим числам"),
        "log only of the values": ("def fit_power_law(lengths, values):\n"
                                   "    slope, intercept = np.polyfit(np.asarray(lengths, float), np.log(values), 1)\n"
                                   "    return float(slope), float(np.exp(intercept))", "для обеих величин"),
    },
}
