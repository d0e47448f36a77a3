"""Ноутбук 02_scaled_dot_product: проекции Q, K, V, внимание softmax(QKᵀ/√d_k)V с маской, причинная маска."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from course_utils import attention as reference
from course_utils import checks

from ._common import weight_mistakes, weights


def project_qkv(X, W_q, W_k, W_v):
    """Эталон: (X @ W_q, X @ W_k, X @ W_v)."""
    return X @ W_q, X @ W_k, X @ W_v


MASK_NONE = "Если дело в маске: её может и не быть (mask=None) — применяйте её, только если mask is not None."
LAST_TWO_AXES = ("Если дело в транспонировании: транспонируйте только две последние оси, k.transpose(-2, -1) "
                 "(k.T на батче переворачивает все оси).")
PAIR = "Верните пару: return output, weights."


def _check_tuple(result, length: int, name: str, hint: str) -> None:
    checks.check_type(result, tuple, name, hint=hint)
    checks.check_equal(len(result), length, f"{name}: число возвращённых значений", hint=hint)


def check_project_qkv(project_qkv):
    """Пример из текста и батч из трёх последовательностей (d_v ≠ d_k): форма и значения Q, K, V по очереди."""
    torch.manual_seed(11)
    example = (torch.tensor([[[1.0, 0.0], [0.0, 1.0]]]), torch.tensor([[2.0], [1.0]]), torch.tensor([[0.5], [3.0]]),
               torch.eye(2))
    for X, W_q, W_k, W_v in [example, (torch.randn(3, 5, 4), torch.randn(4, 2), torch.randn(4, 2), torch.randn(4, 3))]:
        result = checks.call(project_qkv, X, W_q, W_k, W_v,
                             hint="Эмбеддинги стоят слева: Q = X @ W_q, а не W_q @ X.")
        _check_tuple(result, 3, "project_qkv(...)", "Верните три тензора: return Q, K, V.")
        for tensor, letter in zip(result, "QKV"):
            checks.check_type(tensor, torch.Tensor, letter)
            if tensor.dim() < X.dim():
                checks.fail(f"{letter}: ожидалась форма (B, T, d) с {X.dim()} осями, получено {tuple(tensor.shape)}.",
                            "Потеряна ось батча: умножайте весь X, а не одну его последовательность.")
        Q, K, V = result
        B, T, _ = X.shape
        order = "Порядок ответа — (Q, K, V): "
        checks.check_close(Q, X @ W_q, name="Q", atol=1e-5)
        checks.check_shape(K, (B, T, W_k.shape[1]), "K", hint=order + "K = X @ W_k.")
        checks.check_close(K, X @ W_k, name="K", atol=1e-5,
                           mistakes={"K получается из W_k, а сейчас — из W_q.": X @ W_q,
                                     order + "на месте K сейчас стоит V.": X @ W_v})
        checks.check_shape(V, (B, T, W_v.shape[1]), "V", hint=order + "V = X @ W_v, у W_v своя ширина d_v.")
        checks.check_close(V, X @ W_v, name="V", atol=1e-5)


def check_attention(attention):
    """Пример из текста; батч без маски; оси (B, H, T, d) при T_q ≠ T_k; маска с закрытыми ключами.
    Сначала веса (в них видна ошибка в формуле), потом выход — против F.scaled_dot_product_attention."""
    torch.manual_seed(7)
    cases = [(torch.tensor([[2.0]]), torch.tensor([[0.5], [3.0]]), torch.tensor([[10.0], [20.0]]), None,
              "пример из текста", MASK_NONE),
             (torch.randn(2, 5, 8), torch.randn(2, 5, 8), torch.randn(2, 5, 3), None, "батч (B, T, d)", LAST_TWO_AXES),
             (torch.randn(2, 3, 4, 16), torch.randn(2, 3, 6, 16), torch.randn(2, 3, 6, 5), None,
              "головы (B, H, T, d), T_q ≠ T_k", LAST_TWO_AXES),
             (torch.randn(2, 3, 4, 16), torch.randn(2, 3, 6, 16), torch.randn(2, 3, 6, 5),
              torch.tensor([[True, False, True, False, False, True]] * 4), "маска: ключи 1, 3, 4 закрыты", "")]
    for q, k, v, mask, name, hint in cases:
        result = checks.call(attention, q, k, v, mask, hint=hint)
        _check_tuple(result, 2, "attention(...)", PAIR)
        output, attn = result
        checks.check_type(attn, torch.Tensor, f"веса, {name}")
        checks.check_shape(attn, (*q.shape[:-1], k.shape[-2]), f"веса, {name}",
                           hint="Веса имеют форму (..., T_q, T_k).")
        mistakes = weight_mistakes(q, k, mask)
        mistakes["Делить нужно на √d_k — размер запросов и ключей (последняя ось), а не на √T."] = \
            weights(q, k, mask, divisor=math.sqrt(k.shape[-2]))
        mistakes["Делить нужно на √d_k — размер запросов и ключей, а не значений (d_v)."] = \
            weights(q, k, mask, divisor=math.sqrt(v.shape[-1]))
        checks.check_close(attn, weights(q, k, mask), name=f"веса, {name}", atol=1e-5, mistakes=mistakes)
        checks.check_close(output, F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                           name=f"выход, {name} (по сравнению с F.scaled_dot_product_attention)", atol=1e-5,
                           hint="Выход — веса @ v.")


INVERTED = "Маска перевёрнута: True должно стоять там, где смотреть можно — на диагонали и ниже."


def check_causal_mask(causal_mask):
    """Пример из текста (T = 3), T = 6 и T = 1: булев нижний треугольник вместе с диагональю."""
    for T in (3, 6, 1):
        mask = checks.call(causal_mask, T)
        name = f"causal_mask({T})"
        checks.check_type(mask, torch.Tensor, name)
        checks.check_shape(mask, (T, T), name)
        checks.check_dtype(mask, torch.bool, name, hint="Нужна булева маска: dtype=torch.bool.")
        expected = torch.ones(T, T).tril().bool()
        checks.check_equal(mask.tolist(), expected.tolist(), name,
                           mistakes={"Маска транспонирована: так токен видит будущее. Нужен нижний треугольник (tril).":
                                     expected.T.tolist(),
                                     "Токен должен видеть и сам себя: диагональ тоже True.":
                                     torch.ones(T, T).tril(diagonal=-1).bool().tolist(),
                                     "Сдвиг на одну диагональ вверх (diagonal=1): так токен видит следующий за ним. "
                                     "Нужен tril без сдвига — диагональ и ниже.":
                                     torch.ones(T, T).tril(diagonal=1).bool().tolist(),
                                     INVERTED: (~expected).tolist()})


_ATTENTION = "def attention(q, k, v, mask=None):\n"
_SCORES = "    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
_MASKED = "    if mask is not None:\n        s = s.masked_fill(~mask, float('-inf'))\n"
_RETURN = "    w = torch.softmax(s, dim=-1)\n    return w @ v, w"

REFERENCES = {"02_attention_sdpa_qkv": project_qkv, "02_attention_sdpa_forward": reference.attention,
              "02_attention_sdpa_causal_mask": reference.causal_mask}
CHECKS = {"02_attention_sdpa_qkv": check_project_qkv, "02_attention_sdpa_forward": check_attention,
          "02_attention_sdpa_causal_mask": check_causal_mask}
HELPERS = {}
MISTAKES = {
    "02_attention_sdpa_qkv": {
        "weights on the left": ("def project_qkv(X, W_q, W_k, W_v):\n    return W_q @ X, W_k @ X, W_v @ X",
                                "а не W_q @ X"),
        "wrong order": ("def project_qkv(X, W_q, W_k, W_v):\n    return X @ W_q, X @ W_v, X @ W_k",
                        "Порядок ответа — (Q, K, V)"),
        "batch dimension dropped": ("def project_qkv(X, W_q, W_k, W_v):\n    return X[0] @ W_q, X[0] @ W_k, X[0] @ W_v",
                                    "Потеряна ось батча"),
        "all three from W_q": ("def project_qkv(X, W_q, W_k, W_v):\n    return X @ W_q, X @ W_q, X @ W_q",
                               "K получается из W_k"),
        "a list instead of a tuple": ("def project_qkv(X, W_q, W_k, W_v):\n    return [X @ W_q, X @ W_k, X @ W_v]",
                                      "Верните три тензора"),
    },
    "02_attention_sdpa_forward": {
        "no scale": (_ATTENTION + "    s = q @ k.transpose(-2, -1)\n" + _MASKED + _RETURN,
                     "Не хватает деления оценок на √d_k"),
        "scale by d_k": (_ATTENTION + "    s = q @ k.transpose(-2, -1) / q.shape[-1]\n" + _MASKED + _RETURN,
                         "а не на d_k"),
        "multiplied by sqrt(d_k)": (_ATTENTION + "    s = q @ k.transpose(-2, -1) * math.sqrt(q.shape[-1])\n" + _MASKED
                                    + _RETURN, "а не умножать"),
        "scale by sqrt(T)": (_ATTENTION + "    s = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-2])\n" + _MASKED
                             + _RETURN, "а не на √T"),
        "scale by sqrt(d_v)": (_ATTENTION + "    s = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])\n" + _MASKED
                               + _RETURN, "а не значений"),
        "softmax over queries": (_ATTENTION + _SCORES + _MASKED + "    w = torch.softmax(s, dim=-2)\n"
                                                                  "    return w @ v, w",
                                 "Softmax берётся по последней оси"),
        "mask after softmax": (_ATTENTION + _SCORES + "    w = torch.softmax(s, dim=-1)\n"
                                                      "    if mask is not None:\n        w = w * mask\n"
                                                      "    return w @ v, w", "Маску нужно применять до softmax"),
        "mask with zero": (_ATTENTION + _SCORES + "    if mask is not None:\n        s = s.masked_fill(~mask, 0.0)\n"
                           + _RETURN, "ставьте -inf, а не 0"),
        "mask inverted": (_ATTENTION + _SCORES + "    if mask is not None:\n"
                                                 "        s = s.masked_fill(mask, float('-inf'))\n" + _RETURN,
                          "Маска перевёрнута"),
        "mask ignored": (_ATTENTION + _SCORES + _RETURN, "Маска не применена"),
        "mask applied unconditionally": (_ATTENTION + _SCORES + "    s = s.masked_fill(~mask, float('-inf'))\n"
                                         + _RETURN, "только если mask is not None"),
        "k.T on batches": (_ATTENTION + "    s = q @ k.T / math.sqrt(q.shape[-1])\n" + _MASKED + _RETURN,
                           "транспонируйте только две последние оси"),
        "only the output": (_ATTENTION + _SCORES + _MASKED + "    return torch.softmax(s, dim=-1) @ v",
                            "Верните пару"),
    },
    "02_attention_sdpa_causal_mask": {
        "transposed (future leak)": ("def causal_mask(T):\n    return torch.triu(torch.ones(T, T, dtype=torch.bool))",
                                     "Маска транспонирована"),
        "one diagonal too many (sees the next token)": (
            "def causal_mask(T):\n    return torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=1)",
            "следующий за ним"),
        "diagonal excluded": ("def causal_mask(T):\n"
                              "    return torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)",
                              "видеть и сам себя"),
        "inverted (PyTorch's convention)": ("def causal_mask(T):\n"
                                            "    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)",
                                            "Маска перевёрнута"),
        "float mask": ("def causal_mask(T):\n    return torch.tril(torch.ones(T, T))", "dtype=torch.bool"),
        "off by one in size": ("def causal_mask(T):\n    return torch.tril(torch.ones(T + 1, T + 1, dtype=torch.bool))",
                               "ожидалась форма (3, 3)"),
    },
}
