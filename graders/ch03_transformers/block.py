"""Ноутбук 02_block: позиционное кодирование, эмбеддинги с позициями, LayerNorm и блок pre-norm."""
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn import functional as F

from course_utils import checks
from course_utils.gpt import Block
from course_utils.gpt_parts import GPTConfig


def reference_positional_encoding(T, d_model):
    """Синусоидальные позиции (T, d_model), float32: PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos."""
    positions = torch.arange(T, dtype=torch.float32).unsqueeze(1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)
    angles = positions / 10000 ** (two_i / d_model)
    pe = torch.zeros(T, d_model)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)
    return pe


def reference_embed(idx, token_embedding, pe):
    """(B, T) номера токенов → (B, T, d_model): эмбеддинг токена плюс вектор его позиции pe[t]."""
    return token_embedding(idx) + pe[:idx.shape[1]]


def reference_layer_norm(x, weight, bias, eps=1e-5):
    """Нормализация по последней оси: (x - μ) / √(σ² + eps) · weight + bias, σ² — смещённая дисперсия."""
    mean = x.mean(dim=-1, keepdim=True)
    variance = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(variance + eps) * weight + bias


def _pe_variant(T, d_model, start=0, exponent=lambda i, d: 2 * i / d, swap=False, halves=False):
    """Позиционное кодирование с типичной ошибкой — чтобы назвать её в сообщении."""
    angles = torch.tensor([[pos / 10000 ** exponent(i, d_model) for i in range(d_model // 2)]
                           for pos in range(start, start + T)], dtype=torch.float64)
    first, second = (torch.cos(angles), torch.sin(angles)) if swap else (torch.sin(angles), torch.cos(angles))
    if halves:
        return torch.cat([first, second], dim=1).float()
    return torch.stack([first, second], dim=2).reshape(T, d_model).float()


_PE_MISTAKES = {
    "Синус и косинус перепутаны: в чётных столбцах (0, 2, …) — sin, в нечётных — cos.": dict(swap=True),
    "Показатель степени — 2i/d_model, где i — номер пары; у вас, похоже, i/d_model.":
        dict(exponent=lambda i, d: i / d),
    "Позиции считаются с нуля: первая строка должна быть (0, 1, 0, 1, …).": dict(start=1),
    "sin и cos должны чередоваться по столбцам (pe[:, 0::2] и pe[:, 1::2]), а не идти двумя половинами.":
        dict(halves=True),
}


def check_positional_encoding(positional_encoding):
    pe = checks.call(positional_encoding, 50, 16)
    checks.check_type(pe, torch.Tensor, "positional_encoding(50, 16)")
    checks.check_shape(pe, (50, 16), "positional_encoding(50, 16)")  # строка — позиция, столбец — признак
    checks.check_dtype(pe, torch.float32, "positional_encoding(50, 16)",
                       hint="Создавайте тензоры с dtype=torch.float32 (или верните pe.float()).")
    checks.check_close(pe, reference_positional_encoding(50, 16), name="positional_encoding(50, 16)", atol=1e-5,
                       mistakes={hint: _pe_variant(50, 16, **kwargs) for hint, kwargs in _PE_MISTAKES.items()})
    pe = checks.call(positional_encoding, 1, 2)
    checks.check_shape(pe, (1, 2), "positional_encoding(1, 2)")
    checks.check_close(pe, torch.tensor([[0.0, 1.0]]), name="positional_encoding(1, 2)", atol=1e-6)


_EMBED_HINT = "Возьмите столько строк таблицы позиций, сколько токенов в фразе: pe[:T], где T = idx.shape[1]."
_BATCH_AXIS = "Позиция взята по номеру фразы в батче, а не по номеру токена: pe[:T] складывается вдоль оси T."


def check_embed(embed):
    torch.manual_seed(2)
    token_embedding = nn.Embedding(11, 6)
    pe = torch.randn(16, 6)  # обученная таблица позиций, как wpe в GPT-2, а не синусы
    pe_before = pe.clone()
    for B, T in [(4, 4), (2, 5), (1, 1)]:  # B = T: ошибка с осью батча даёт неверные числа, а не падение
        idx = torch.randint(0, 11, (B, T))
        name = f"эмбеддинги с обученной таблицей позиций, B = {B}, T = {T}"
        x = checks.call(embed, idx, token_embedding, pe, hint=_EMBED_HINT)
        checks.check_type(x, torch.Tensor, name)
        checks.check_shape(x, (B, T, 6), name, hint=_EMBED_HINT)
        tokens = token_embedding(idx).detach()
        mistakes = {
            "Позиционное кодирование прибавлено дважды: его прибавляют к эмбеддингам один раз.": tokens + 2 * pe[:T],
            "Позиции не добавлены: прибавьте pe[:T] к эмбеддингам токенов.": tokens,
            "Эмбеддинги и позиции надо сложить, а не перемножить.": tokens * pe[:T],
            "Используйте переданную таблицу pe, а не вычисляйте позиции заново.":
                tokens + reference_positional_encoding(T, 6)}
        if B == T:  # иначе такая сумма даже не складывается
            mistakes[_BATCH_AXIS] = tokens + pe[:T].unsqueeze(1)
        checks.check_close(x.detach(), tokens + pe[:T], name=name, atol=1e-6, hint=_EMBED_HINT, mistakes=mistakes)
        checks.check_unchanged(pe_before, pe, "тензор pe")


class BuiltinLayerNormUsed(RuntimeError):
    """Студент вызвал готовую нормализацию вместо своей формулы."""


@contextmanager
def _without_builtin_layer_norm():
    """На время блока F.layer_norm, nn.LayerNorm, torch.layer_norm и torch.native_layer_norm бросают понятную
    ошибку."""
    def forbidden(*args, **kwargs):
        raise BuiltinLayerNormUsed("готовые F.layer_norm и nn.LayerNorm здесь не годятся — они эталон теста")

    saved = F.layer_norm, torch.layer_norm, torch.native_layer_norm
    F.layer_norm = torch.layer_norm = torch.native_layer_norm = forbidden
    try:
        yield
    finally:
        F.layer_norm, torch.layer_norm, torch.native_layer_norm = saved


def _normalized(x, dim=-1, correction=0, eps=1e-5, eps_outside=False):
    """Нормализация с типичной ошибкой (без weight и bias) — чтобы назвать её в сообщении."""
    mean = x.mean(dim=dim, keepdim=True)
    variance = x.var(dim=dim, keepdim=True, correction=correction)
    return (x - mean) / (variance.sqrt() + eps) if eps_outside else (x - mean) / (variance + eps).sqrt()


BUILTIN_NORMS = ("layer_norm", "LayerNorm", "native_layer_norm", "group_norm", "GroupNorm", "RMSNorm", "rms_norm")
OWN_FORMULA_HINT = "Напишите формулу сами: среднее, смещённая дисперсия, eps под корнем, затем weight и bias."


def check_layer_norm(layer_norm):
    checks.check_not_using(layer_norm, BUILTIN_NORMS, OWN_FORMULA_HINT)
    torch.manual_seed(3)
    x = 0.003 * torch.randn(4, 5, 16)  # маленькие числа: здесь видно, где стоит eps
    weight, bias = torch.randn(16), torch.randn(16)
    x_before, weight_before = x.clone(), weight.clone()
    with _without_builtin_layer_norm():
        y = checks.call(layer_norm, x, weight, bias, hint="Напишите формулу сами: среднее, смещённая дисперсия, "
                                                           "eps под корнем, затем weight и bias.")
    checks.check_type(y, torch.Tensor, "layer_norm(x, weight, bias)")
    checks.check_shape(y, (4, 5, 16), "layer_norm для (4, 5, 16)",
                       hint="Форма не должна меняться: берите mean с keepdim=True.")
    checks.check_close(y, F.layer_norm(x, (16,), weight, bias), name="layer_norm маленьких чисел", atol=1e-5,
                       mistakes={
                           "eps прибавляется под корнем: √(σ² + eps), а не √σ² + eps.":
                               _normalized(x, eps_outside=True) * weight + bias,
                           "Дисперсия смещённая: делите на d, а не на d - 1 (torch.var по умолчанию делит на d - 1; "
                           "нужен correction=0).": _normalized(x, correction=1) * weight + bias,
                           "Нормализуйте по последней оси (признаки одного токена), а не по оси батча.":
                               _normalized(x, dim=0) * weight + bias,
                           "Нормализуйте по последней оси (признаки одного токена), а не по оси токенов.":
                               _normalized(x, dim=1) * weight + bias,
                           "Забыты weight и bias: после нормализации умножьте на weight и прибавьте bias.":
                               _normalized(x),
                           "Забыто смещение bias: после умножения на weight прибавьте bias.": _normalized(x) * weight,
                           "Забыт масштаб weight: нормализованный x умножают на weight, потом прибавляют bias.":
                               _normalized(x) + bias})
    checks.check_unchanged(x_before, x, "тензор x")
    checks.check_unchanged(weight_before, weight, "тензор weight")
    with _without_builtin_layer_norm():
        y = checks.call(layer_norm, x, weight, bias, 0.5)
    checks.check_close(y, F.layer_norm(x, (16,), weight, bias, eps=0.5), name="layer_norm с eps = 0.5", atol=1e-5,
                       hint="Используйте аргумент eps, а не число 1e-5.")
    with _without_builtin_layer_norm():
        y = checks.call(layer_norm, torch.full((2, 8), 3.0), torch.ones(8), torch.zeros(8))
    checks.check_close(y, torch.zeros(2, 8), name="layer_norm токена с одинаковыми признаками", atol=1e-5,
                       hint="Когда дисперсия 0, eps под корнем спасает от деления на ноль.")


def _block_pair(TransformerBlock, config, seed):
    """Блок студента и эталонный Block с одинаковыми весами; у нормализаций случайные weight и bias."""
    torch.manual_seed(seed)
    mine = checks.call(TransformerBlock, config, name="TransformerBlock(config)")
    with torch.no_grad():
        for norm in (mine.ln_1, mine.ln_2):
            norm.weight.copy_(1 + 0.5 * torch.randn(config.n_embd))
            norm.bias.copy_(0.5 * torch.randn(config.n_embd))
    reference = Block(config)
    reference.load_state_dict(mine.state_dict())
    return mine.eval(), reference.eval()


def _block_mistakes(b, x):
    """Выходы блока с типичными ошибками — чтобы назвать их в сообщении."""
    with torch.no_grad():
        post = b.ln_1(x + b.attn(x))
        pre = x + b.attn(b.ln_1(x))
        after = x + b.ln_1(b.attn(x))
        return {
            "Это post-norm: нормализация после сложения, LN(x + attn(x)). Нужен pre-norm: x + attn(ln_1(x)).":
                b.ln_2(post + b.mlp(post)),
            "Забыты остаточные связи: прибавьте вход подслоя к его выходу, x = x + ...":
                b.mlp(b.ln_2(b.attn(b.ln_1(x)))),
            "Остаточная связь нужна вокруг обоих подслоёв: x = x + mlp(ln_2(x)).": b.mlp(b.ln_2(pre)),
            "Для FFN нужен свой LayerNorm ln_2, а использован ln_1.": pre + b.mlp(b.ln_1(pre)),
            "Нормализация применяется к входу подслоя, а не к его выходу: x + attn(ln_1(x)).":
                after + b.ln_2(b.mlp(after)),
            "Сначала внимание, потом FFN.": (lambda g: g + b.attn(b.ln_2(g)))(x + b.mlp(b.ln_1(x))),
            "Оба подслоя получили один и тот же вход x: FFN применяют к результату первой остаточной связи, "
            "x = x + attn(ln_1(x)), потом x = x + mlp(ln_2(x)).": pre + b.mlp(b.ln_2(x)),
        }


def check_transformer_block(TransformerBlock):
    config = GPTConfig(n_embd=24, n_head=3)
    mine, reference = _block_pair(TransformerBlock, config, seed=5)
    x = 2 * torch.randn(3, 7, 24)
    x_before = x.clone()
    name = "TransformerBlock(...)(x)"
    with torch.no_grad():
        out = checks.call(mine, x, name=name)
        expected = reference(x)
    checks.check_type(out, torch.Tensor, name, hint="forward должен вернуть тензор: return x.")
    checks.check_shape(out, (3, 7, 24), "выход блока", hint="Выход блока той же формы, что и вход.")
    checks.check_unchanged(x_before, x, "тензор x")
    checks.check_close(out, expected, name="выход блока с 3 головами", atol=1e-5,
                       mistakes=_block_mistakes(reference, x))
    # Градиент должен доходить до входа и до всех весов блока
    x_grad = torch.randn(1, 4, 24, requires_grad=True)
    checks.call(mine, x_grad, name=name).sum().backward()
    checks.check_close(x_grad.grad, torch.autograd.grad(reference(x_grad).sum(), x_grad)[0],
                       name="градиент по входу блока", atol=1e-4)
    unused = [name for name, p in mine.named_parameters() if p.grad is None]
    if unused:
        checks.fail(f"Веса {', '.join(unused)} не участвуют в вычислении.", "Используйте все четыре слоя блока.")


REFERENCES = {
    "03_transformers_block_positional_encoding": reference_positional_encoding,
    "03_transformers_block_embed": reference_embed,
    "03_transformers_block_layer_norm": reference_layer_norm,
    "03_transformers_block_pre_norm": Block,  # эталонный блок курса: на нём построен GPT следующих глав
}
CHECKS = {
    "03_transformers_block_positional_encoding": check_positional_encoding,
    "03_transformers_block_embed": check_embed,
    "03_transformers_block_layer_norm": check_layer_norm,
    "03_transformers_block_pre_norm": check_transformer_block,
}
HELPERS = {}

_PE = "def positional_encoding(T, d_model):\n"
_PE_ANGLES = ("    positions = torch.arange(T, dtype=torch.float32).unsqueeze(1)\n"
              "    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)\n"
              "    angles = positions / 10000 ** (two_i / d_model)\n")
_PE_FILL = ("    pe = torch.zeros(T, d_model)\n"
            "    pe[:, 0::2] = torch.sin(angles)\n"
            "    pe[:, 1::2] = torch.cos(angles)\n"
            "    return pe\n")
_EMBED = "def embed(idx, token_embedding, pe):\n"
_LN = "def layer_norm(x, weight, bias, eps=1e-5):\n"
_LN_STATS = ("    mean = x.mean(dim=-1, keepdim=True)\n"
             "    variance = ((x - mean) ** 2).mean(dim=-1, keepdim=True)\n")
_BLOCK = ("class TransformerBlock(nn.Module):\n"
          "    def __init__(self, config):\n"
          "        super().__init__()\n"
          "        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps)\n"
          "        self.attn = CausalSelfAttention(config)\n"
          "        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps)\n"
          "        self.mlp = MLP(config)\n\n"
          "    def forward(self, x):\n")

MISTAKES = {
    "03_transformers_block_positional_encoding": {
        "sin and cos swapped": (_PE + _PE_ANGLES + "    pe = torch.zeros(T, d_model)\n"
                                "    pe[:, 0::2] = torch.cos(angles)\n"
                                "    pe[:, 1::2] = torch.sin(angles)\n"
                                "    return pe", "Синус и косинус перепутаны"),
        "exponent i/d instead of 2i/d": (_PE + "    positions = torch.arange(T, dtype=torch.float32).unsqueeze(1)\n"
                                         "    i = torch.arange(d_model // 2, dtype=torch.float32)\n"
                                         "    angles = positions / 10000 ** (i / d_model)\n" + _PE_FILL,
                                         "Показатель степени — 2i/d_model"),
        "positions start at 1": (_PE + "    positions = torch.arange(1, T + 1, dtype=torch.float32).unsqueeze(1)\n"
                                 "    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)\n"
                                 "    angles = positions / 10000 ** (two_i / d_model)\n" + _PE_FILL,
                                 "Позиции считаются с нуля"),
        "shape (d_model, T)": (_PE + _PE_ANGLES + _PE_FILL.replace("return pe", "return pe.T"), "оси переставлены"),
        "sin and cos as two halves": (_PE + _PE_ANGLES +
                                      "    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)",
                                      "должны чередоваться"),
        "float64": (_PE + "    positions = torch.arange(T, dtype=torch.float64).unsqueeze(1)\n"
                    "    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)\n"
                    "    angles = positions / 10000 ** (two_i / d_model)\n"
                    "    pe = torch.zeros(T, d_model, dtype=torch.float64)\n"
                    "    pe[:, 0::2] = torch.sin(angles)\n"
                    "    pe[:, 1::2] = torch.cos(angles)\n"
                    "    return pe", "dtype=torch.float32"),
    },
    "03_transformers_block_embed": {
        "positional encoding added twice": (_EMBED + "    T = idx.shape[1]\n"
                                            "    x = token_embedding(idx) + pe[:T]\n"
                                            "    return x + pe[:T]", "прибавлено дважды"),
        "positions forgotten": (_EMBED + "    return token_embedding(idx)", "Позиции не добавлены"),
        "broadcast along the batch axis": (_EMBED + "    T = idx.shape[1]\n"
                                           "    return token_embedding(idx) + pe[:T].unsqueeze(1)",
                                           "по номеру фразы в батче"),
        "sliced by the batch size": (_EMBED + "    return token_embedding(idx) + pe[:idx.shape[0]]", "pe[:T], где T"),
        "whole table added": (_EMBED + "    return token_embedding(idx) + pe", "pe[:T], где T"),
        "multiplied instead of added": (_EMBED + "    return token_embedding(idx) * pe[:idx.shape[1]]",
                                        "сложить, а не перемножить"),
        "own sinusoid instead of pe": (_EMBED + "    T, d = idx.shape[1], pe.shape[1]\n"
                                                "    return token_embedding(idx) + positional_encoding(T, d)",
                                       "переданную таблицу pe"),
    },
    "03_transformers_block_layer_norm": {
        "unbiased variance": (_LN + "    mean = x.mean(dim=-1, keepdim=True)\n"
                              "    return (x - mean) / torch.sqrt(x.var(dim=-1, keepdim=True) + eps) * weight + bias",
                              "Дисперсия смещённая"),
        "normalized over the batch axis": (_LN + "    mean = x.mean(dim=0, keepdim=True)\n"
                                           "    variance = ((x - mean) ** 2).mean(dim=0, keepdim=True)\n"
                                           "    return (x - mean) / torch.sqrt(variance + eps) * weight + bias",
                                           "Нормализуйте по последней оси"),
        "normalized over the token axis": (_LN + "    mean = x.mean(dim=-2, keepdim=True)\n"
                                           "    variance = ((x - mean) ** 2).mean(dim=-2, keepdim=True)\n"
                                           "    return (x - mean) / torch.sqrt(variance + eps) * weight + bias",
                                           "Нормализуйте по последней оси"),
        "eps outside the root": (_LN + "    mean = x.mean(dim=-1, keepdim=True)\n"
                                 "    std = ((x - mean) ** 2).mean(dim=-1, keepdim=True).sqrt()\n"
                                 "    return (x - mean) / (std + eps) * weight + bias", "eps прибавляется под корнем"),
        "weight and bias forgotten": (_LN + _LN_STATS + "    return (x - mean) / torch.sqrt(variance + eps)",
                                      "Забыты weight и bias"),
        "bias forgotten": (_LN + _LN_STATS + "    return (x - mean) / torch.sqrt(variance + eps) * weight",
                           "Забыто смещение bias"),
        "input changed in place": (_LN + "    x -= x.mean(dim=-1, keepdim=True)\n"
                                   "    variance = (x ** 2).mean(dim=-1, keepdim=True)\n"
                                   "    return x / torch.sqrt(variance + eps) * weight + bias",
                                   "изменила входной тензор x на месте"),
        "eps ignored": (_LN + _LN_STATS + "    return (x - mean) / torch.sqrt(variance + 1e-5) * weight + bias",
                        "аргумент eps"),
        "built-in F.layer_norm": (_LN + "    return F.layer_norm(x, x.shape[-1:], weight, bias, eps)",
                                  "готовые F.layer_norm и nn.LayerNorm здесь не годятся"),
        "built-in torch.native_layer_norm": (
            _LN + "    return torch.native_layer_norm(x, x.shape[-1:], weight, bias, eps)[0]", "готов"),
    },
    "03_transformers_block_pre_norm": {
        "post-norm instead of pre-norm": (_BLOCK + "        x = self.ln_1(x + self.attn(x))\n"
                                          "        return self.ln_2(x + self.mlp(x))", "Это post-norm"),
        "residuals forgotten": (_BLOCK + "        x = self.attn(self.ln_1(x))\n"
                                "        return self.mlp(self.ln_2(x))", "Забыты остаточные связи"),
        "second residual forgotten": (_BLOCK + "        x = x + self.attn(self.ln_1(x))\n"
                                      "        return self.mlp(self.ln_2(x))", "вокруг обоих подслоёв"),
        "same LayerNorm twice": (_BLOCK + "        x = x + self.attn(self.ln_1(x))\n"
                                 "        return x + self.mlp(self.ln_1(x))", "свой LayerNorm ln_2"),
        "norm applied to the sublayer output": (_BLOCK + "        x = x + self.ln_1(self.attn(x))\n"
                                                "        return x + self.ln_2(self.mlp(x))",
                                                "к входу подслоя, а не к его выходу"),
        "input changed in place": (_BLOCK + "        x += self.attn(self.ln_1(x))\n"
                                   "        x += self.mlp(self.ln_2(x))\n"
                                   "        return x", "на месте"),
        "feed-forward first": (_BLOCK + "        x = x + self.mlp(self.ln_1(x))\n"
                               "        return x + self.attn(self.ln_2(x))", "Сначала внимание"),
        "both sublayers read the block input": (_BLOCK + "        h = x + self.attn(self.ln_1(x))\n"
                                                "        return h + self.mlp(self.ln_2(x))",
                                                "Оба подслоя получили один и тот же вход x"),
    },
}
