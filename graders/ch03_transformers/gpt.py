"""Ноутбук 03_gpt: прямой проход GPT, число параметров, жадная генерация, смесь экспертов, картинка как токены."""
import torch
from torch import nn

from course_utils import checks, compare
from course_utils.gpt import GPT
from course_utils.gpt_parts import GPTConfig, load_hf_weights


class ReferenceMiniGPT(GPT):
    """Эталонный GPT курса (его forward — ответ упражнения), который возвращает только логиты, как MiniGPT."""

    def forward(self, idx):
        return super().forward(idx)[0]


def reference_gpt_param_count(vocab_size, block_size, n_layer, n_embd):
    """Число параметров GPT с общей матрицей wte и lm_head."""
    C = n_embd
    return vocab_size * C + block_size * C + n_layer * (12 * C * C + 13 * C) + 2 * C


def reference_greedy_generate(model, idx, max_new_tokens):
    """Дописывает max_new_tokens самых вероятных токенов; idx: (B, T) → (B, T + max_new_tokens)."""
    block_size = model.config.block_size
    with torch.no_grad():
        for _ in range(max_new_tokens):
            next_token = model(idx[:, -block_size:])[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_token], dim=1)
    return idx


def reference_top_k_gates(router_logits, k):
    """(..., E) → (веса (..., k), номера экспертов (..., k)); веса — softmax по k выбранным оценкам."""
    top_logits, indices = torch.topk(router_logits, k, dim=-1)
    return torch.softmax(top_logits, dim=-1), indices


def reference_combine_experts(x, experts, weights, indices):
    """out[n] = Σ_j weights[n, j] · experts[indices[n, j]](x[n]); каждый эксперт считает сразу все свои токены."""
    out = torch.zeros_like(x)
    for e, expert in enumerate(experts):
        token, slot = torch.where(indices == e)
        if token.numel():
            out = out.index_add(0, token, weights[token, slot, None] * expert(x[token]))
    return out


def reference_image_to_tokens(image, patch_size, projection):
    """(B, H, W) → (B, (H/p)·(W/p), C): патчи p×p построчно, каждый вытянут и спроецирован."""
    B, H, W = image.shape
    p = patch_size
    patches = image.reshape(B, H // p, p, W // p, p).permute(0, 1, 3, 2, 4).reshape(B, -1, p * p)
    return projection(patches)


# --- упражнение 1: прямой проход ---

def _gpt_variant(gpt, idx, positions=True, residual=True, final_norm=True):
    """Логиты GPT с типичной ошибкой в forward — чтобы назвать её в сообщении."""
    x = gpt.transformer.wte(idx)
    if positions:
        x = x + gpt.transformer.wpe(torch.arange(idx.shape[1]))
    for block in gpt.transformer.h:
        x = (x if residual else 0) + block.attn(block.ln_1(x))
        x = (x if residual else 0) + block.mlp(block.ln_2(x))
    return gpt.lm_head(gpt.transformer.ln_f(x) if final_norm else x)


def _check_logits(model, reference, idx, name):
    """Тип → форма → причинность → значения логитов модели студента."""
    (B, T), V = idx.shape, reference.config.vocab_size
    with torch.no_grad():
        logits = checks.call(model, idx, name="MiniGPT(...)(idx)")
        checks.check_type(logits, torch.Tensor, name, hint="forward возвращает один тензор логитов.")
        if tuple(logits.shape) == (B, V, T):
            checks.fail(f"{name}: получена форма (B, vocab_size, T) = {(B, V, T)} вместо (B, T, vocab_size).",
                        "Логиты не нужно транспонировать: lm_head действует на последнюю ось.")
        checks.check_shape(logits, (B, T, V), name, hint="Логиты — (B, T, vocab_size): lm_head после ln_f.")
        compare.check_causal(model, idx, name)
        checks.check_close(logits, reference(idx), name=name, atol=1e-5, mistakes={
            "Забыты эмбеддинги позиций: прибавьте wpe(torch.arange(T)) к wte(idx).":
                _gpt_variant(reference, idx, positions=False),
            "Забыта последняя нормализация: lm_head применяют к ln_f(x).":
                _gpt_variant(reference, idx, final_norm=False),
            "Забыты остаточные связи: в блоке x = x + attn(ln_1(x)), затем x = x + mlp(ln_2(x)).":
                _gpt_variant(reference, idx, residual=False)})


def check_mini_gpt(MiniGPT):
    config = GPTConfig(vocab_size=50, block_size=12, n_layer=3, n_head=2, n_embd=24)
    hf_model = compare.hf_gpt2(config, seed=5)
    model = checks.call(MiniGPT, config, name="MiniGPT(config)")
    checks.call(load_hf_weights, model, hf_model, name="load_hf_weights(MiniGPT(config), GPT-2)",
                hint="Не меняйте конструктор: имена слоёв должны совпадать с GPT-2.")
    reference = ReferenceMiniGPT(config)
    load_hf_weights(reference, hf_model)
    model.eval()
    reference.eval()
    idx = torch.randint(0, 50, (3, 12), generator=torch.Generator().manual_seed(6))
    _check_logits(model, reference, idx, "логиты на полном контекстном окне")
    _check_logits(model, reference, idx[:1, :5], "логиты для одного короткого текста")


# --- упражнение 2: число параметров ---

def _count_mistakes(V, T, L, C):
    """Что дают типичные ошибки подсчёта."""
    right = reference_gpt_param_count(V, T, L, C)
    return {"Общая матрица wte и lm_head считается один раз: lm_head не добавляет параметров.": right + V * C,
            "Не забудьте смещения (bias) линейных слоёв: 9C на блок.": right - L * 9 * C,
            "Не забудьте параметры LayerNorm: 2C у каждой нормализации (две в блоке и ln_f).":
                right - L * 4 * C - 2 * C,
            "Не забудьте последний LayerNorm ln_f после блоков: ещё 2C.": right - 2 * C,
            "У LayerNorm два вектора, масштаб (weight) и смещение (bias): 2C, а не C.": right - L * 2 * C - C,
            "У lm_head нет смещения (bias=False): он не добавляет параметров.": right + V,
            "Не забудьте эмбеддинги позиций wpe: block_size × n_embd.": right - T * C}


def check_gpt_param_count(gpt_param_count):
    hf_model = compare.hf_gpt2(GPTConfig(vocab_size=100, block_size=24, n_layer=3, n_head=3, n_embd=48))
    checks.check_equal(checks.call(gpt_param_count, 100, 24, 3, 48), sum(p.numel() for p in hf_model.parameters()),
                       "число параметров по сравнению с GPT2LMHeadModel", mistakes=_count_mistakes(100, 24, 3, 48))
    checks.check_equal(checks.call(gpt_param_count, 50257, 1024, 12, 768), 124_439_808, "число параметров GPT-2 small",
                       mistakes=_count_mistakes(50257, 1024, 12, 768))
    checks.check_equal(checks.call(gpt_param_count, 10, 4, 0, 8), 10 * 8 + 4 * 8 + 2 * 8, "модель без блоков",
                       mistakes=_count_mistakes(10, 4, 0, 8))


# --- упражнение 3: жадная генерация ---

def _greedy_variant(model, idx, steps, position=-1, crop_start=False):
    """Жадная генерация с ошибкой: логиты не той позиции или окно из первых, а не последних токенов."""
    size = model.config.block_size
    with torch.no_grad():
        for _ in range(steps):
            context = idx[:, :size] if crop_start else idx[:, -size:]
            idx = torch.cat([idx, model(context)[:, position, :].argmax(-1, keepdim=True)], dim=1)
    return idx.tolist()


def check_greedy_generate(greedy_generate):
    hf_model = compare.hf_gpt2(GPTConfig(vocab_size=30, block_size=8, n_layer=2, n_head=2, n_embd=16), seed=8)
    with torch.no_grad():
        for parameter in hf_model.parameters():  # крупные веса, чтобы прогнозы разных позиций различались
            parameter.mul_(20)
    model = compare.LogitsOnly(hf_model)
    prompt = torch.randint(0, 30, (3, 6), generator=torch.Generator().manual_seed(9))
    short = checks.call(greedy_generate, model, prompt[:, :3].clone(), 4,
                        hint="Новый токен дописывайте справа, по оси времени: torch.cat([idx, next_token], dim=1).")
    checks.check_type(short, torch.Tensor, "greedy_generate(model, idx, 4)")
    checks.check_shape(short, (3, 7), "greedy_generate(model, idx, 4)",
                       hint="Ответ — исходные токены и max_new_tokens новых: (B, T + max_new_tokens).")
    checks.check_dtype(short, torch.int64, "greedy_generate(model, idx, 4)",
                       hint="Номера токенов — целые: argmax даёт int64.")
    checks.check_equal(short.tolist(), reference_greedy_generate(model, prompt[:, :3], 4).tolist(),
                       "токены короткого текста", mistakes={
                           "Следующий токен предсказывают логиты последней позиции: logits[:, -1, :], а не [:, 0, :].":
                               _greedy_variant(model, prompt[:, :3], 4, position=0)})
    name = "greedy_generate за пределами контекстного окна"
    generated = checks.call(greedy_generate, model, prompt.clone(), 10,
                            hint="Модель видит не больше block_size токенов: подавайте ей idx[:, -block_size:].")
    checks.check_shape(generated, (3, 16), name)
    checks.check_equal(generated.tolist(), reference_greedy_generate(model, prompt, 10).tolist(), name, mistakes={
        "Следующий токен предсказывают логиты последней позиции: logits[:, -1, :], а не [:, 0, :].":
            _greedy_variant(model, prompt, 10, position=0),
        "Модели подают последние block_size токенов, idx[:, -block_size:], а не первые.":
            _greedy_variant(model, prompt, 10, crop_start=True)})
    checks.check_shape(checks.call(greedy_generate, model, prompt[:, :1], 0), (3, 1),
                       "greedy_generate(..., max_new_tokens=0)")


# --- упражнения 4 и 5: смесь экспертов ---

def _gate_mistakes(logits, k):
    """Веса, которые дают типичные ошибки маршрутизатора."""
    top_logits, indices = torch.topk(logits, k, dim=-1)
    return {"Веса нужно пересчитать по выбранным k экспертам: softmax берут по k оценкам, а не по всем E.":
            torch.softmax(logits, dim=-1).gather(-1, indices),
            "Веса — это softmax от выбранных оценок, а не сами оценки.": top_logits}


def check_top_k_gates(top_k_gates):
    torch.manual_seed(12)
    logits = torch.randn(3, 5, 8)
    expected_weights, expected_indices = reference_top_k_gates(logits, 3)
    result = checks.call(top_k_gates, logits, 3)
    checks.check_type(result, tuple, "top_k_gates(...)", hint="Верните пару: return weights, indices.")
    checks.check_equal(len(result), 2, "число возвращённых тензоров", hint="Верните пару: return weights, indices.")
    weights, indices = result
    checks.check_type(indices, torch.Tensor, "номера экспертов")
    checks.check_dtype(indices, torch.int64, "номера экспертов",
                       hint="Номера экспертов — целые; верните пару в порядке (weights, indices).")
    checks.check_shape(indices, (3, 5, 3), "номера экспертов для (B, T, E)",
                       hint="Выбирайте по последней оси (экспертов).")
    checks.check_equal(indices.tolist(), expected_indices.tolist(), "номера экспертов для (B, T, E)",
                       hint="Выбирают k наибольших оценок по последней оси, по убыванию.",
                       mistakes={"Выбирают экспертов с наибольшими оценками, а не с наименьшими.":
                                 torch.topk(logits, 3, dim=-1, largest=False).indices.tolist()})
    checks.check_close(weights, expected_weights, name="веса для (B, T, E)", atol=1e-5,
                       mistakes=_gate_mistakes(logits, 3))
    weights, _ = checks.call(top_k_gates, logits[0], 1)
    checks.check_close(weights, torch.ones(5, 1), name="веса при k = 1", atol=1e-6,
                       hint="Единственный выбранный эксперт получает вес 1.", mistakes=_gate_mistakes(logits[0], 1))


def _combined(x, experts, weights, indices, by_slot=False):
    """Σ_j weights[n, j] · expert(x[n]) циклом по токенам; by_slot — эксперт по номеру места j (ошибка)."""
    return torch.stack([sum(weights[n, j] * experts[j if by_slot else int(indices[n, j])](x[n])
                            for j in range(indices.shape[1])) for n in range(len(x))])


def _combine_mistakes(x, experts, weights, indices):
    """Что дают типичные ошибки сложения экспертов."""
    return {"Ответы экспертов складывают с весами маршрутизатора: weights[n, j] · expert(x[n]).":
            _combined(x, experts, torch.ones_like(weights), indices),
            "Токен n обрабатывает эксперт indices[n, j], а не эксперт с номером j: experts[indices[n, j]](x[n]).":
            _combined(x, experts, weights, indices, by_slot=True),
            "Вес weights[n, j] относится к эксперту indices[n, j], а не к эксперту с номером j.":
            _combined(x, experts, weights.flip(-1), indices),
            "Складывают ответы всех k выбранных экспертов, а не только первого.":
            _combined(x, experts, weights * (torch.arange(weights.shape[1]) == 0), indices)}


def check_combine_experts(combine_experts):
    torch.manual_seed(13)
    experts = nn.ModuleList(nn.Linear(6, 6) for _ in range(4))
    x = torch.randn(20, 6)
    with torch.no_grad():
        for k in (2, 1):
            weights, indices = reference_top_k_gates(torch.randn(20, 4), k)
            name = f"выход для 20 токенов, 4 экспертов и k = {k}"
            result = checks.call(combine_experts, x, experts, weights, indices)
            checks.check_type(result, torch.Tensor, name)
            checks.check_shape(result, (20, 6), name, hint="Выход той же формы, что x: (N, C).")
            checks.check_close(result, reference_combine_experts(x, experts, weights, indices), name=name, atol=1e-5,
                               mistakes=_combine_mistakes(x, experts, weights, indices))


# --- упражнение 6: картинка как токены ---

def _patch_mistakes(image, p, projection):
    """Что дают типичные ошибки нарезки на патчи."""
    B, H, W = image.shape
    grid = image.reshape(B, H // p, p, W // p, p)
    return {"Обычный reshape нарезает картинку полосами строк, а не квадратами: сначала reshape(B, H/p, p, W/p, p), "
            "потом permute(0, 1, 3, 2, 4).": projection(image.reshape(B, -1, p * p)),
            "Патчи нумеруются построчно: сначала слева направо, потом сверху вниз.":
            projection(grid.permute(0, 3, 1, 2, 4).reshape(B, -1, p * p)),
            "Пиксели внутри патча идут построчно: сначала ось строк патча, потом столбцов.":
            projection(grid.permute(0, 1, 3, 4, 2).reshape(B, -1, p * p))}


def check_image_to_tokens(image_to_tokens):
    torch.manual_seed(21)
    cases = [(torch.rand(3, 28, 28), 7, nn.Linear(49, 12), "токены трёх картинок 28×28, патчи 7×7"),
             (torch.rand(2, 8, 12), 4, nn.Linear(16, 5), "токены прямоугольной картинки 8×12")]
    with torch.no_grad():
        for images, p, projection, name in cases:
            B, H, W = images.shape
            result = checks.call(image_to_tokens, images, p, projection)
            checks.check_type(result, torch.Tensor, name)
            checks.check_shape(result, (B, H * W // p ** 2, projection.out_features), name,
                               hint="Ответ — (B, число патчей, C): не теряйте ось батча и не забудьте спроецировать "
                                    "патчи: projection(patches).")
            expected = projection(images.unfold(1, p, p).unfold(2, p, p).reshape(B, -1, p * p))
            checks.check_close(result, expected, name=name, atol=1e-5, mistakes=_patch_mistakes(images, p, projection))


REFERENCES = {
    "03_transformers_gpt_forward": ReferenceMiniGPT,
    "03_transformers_gpt_param_count": reference_gpt_param_count,
    "03_transformers_gpt_greedy": reference_greedy_generate,
    "03_transformers_gpt_top_k_gates": reference_top_k_gates,
    "03_transformers_gpt_combine": reference_combine_experts,
    "03_transformers_gpt_image_tokens": reference_image_to_tokens,
}
CHECKS = {
    "03_transformers_gpt_forward": check_mini_gpt,
    "03_transformers_gpt_param_count": check_gpt_param_count,
    "03_transformers_gpt_greedy": check_greedy_generate,
    "03_transformers_gpt_top_k_gates": check_top_k_gates,
    "03_transformers_gpt_combine": check_combine_experts,
    "03_transformers_gpt_image_tokens": check_image_to_tokens,
}
HELPERS = {}

_INIT = ("class MiniGPT(nn.Module):\n"
         "    def __init__(self, config):\n"
         "        super().__init__()\n"
         "        self.config = config\n"
         "        self.transformer = nn.ModuleDict(dict(\n"
         "            wte=nn.Embedding(config.vocab_size, config.n_embd),\n"
         "            wpe=nn.Embedding(config.block_size, config.n_embd),\n"
         "            h=nn.ModuleList(nn.ModuleDict(dict(\n"
         "                ln_1=nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps),\n"
         "                attn=CausalSelfAttention(config),\n"
         "                ln_2=nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps),\n"
         "                mlp=MLP(config),\n"
         "            )) for _ in range(config.n_layer)),\n"
         "            ln_f=nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps),\n"
         "        ))\n"
         "        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)\n"
         "        self.lm_head.weight = self.transformer.wte.weight\n\n"
         "    def forward(self, idx):\n"
         "        B, T = idx.shape\n")
_EMBEDDINGS = "        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))\n"
_BLOCKS = ("        for block in self.transformer.h:\n"
           "            x = x + block.attn(block.ln_1(x))\n"
           "            x = x + block.mlp(block.ln_2(x))\n")
_COUNT = "def gpt_param_count(vocab_size, block_size, n_layer, n_embd):\n    V, T, L, C = vocab_size, block_size, n_layer, n_embd\n"
_GREEDY = "def greedy_generate(model, idx, max_new_tokens):\n    block_size = model.config.block_size\n"
_GREEDY_LOOP = "    with torch.no_grad():\n        for _ in range(max_new_tokens):\n"
_GATES = "def top_k_gates(router_logits, k):\n"
_COMBINE = "def combine_experts(x, experts, weights, indices):\n    out = torch.zeros_like(x)\n"
_PATCHES = "def image_to_tokens(image, patch_size, projection):\n    B, H, W = image.shape\n    p = patch_size\n"

MISTAKES = {
    "03_transformers_gpt_forward": {
        "causal mask missing (own attention without the mask)": (
            _INIT + _EMBEDDINGS +
            "        for block in self.transformer.h:\n"
            "            C = x.shape[-1]\n"
            "            q, k, v = (split_heads(t, block.attn.n_head)\n"
            "                       for t in block.attn.c_attn(block.ln_1(x)).split(C, dim=2))\n"
            "            x = x + block.attn.c_proj(merge_heads(attention(q, k, v)[0]))\n"
            "            x = x + block.mlp(block.ln_2(x))\n"
            "        return self.lm_head(self.transformer.ln_f(x))", "подглядывает в будущее"),
        "final norm over the whole sequence": (
            _INIT + _EMBEDDINGS + _BLOCKS + "        return self.lm_head(F.layer_norm(x, x.shape[1:]))",
            "подглядывает в будущее"),
        "logits shape transposed": (
            _INIT + _EMBEDDINGS + _BLOCKS + "        return self.lm_head(self.transformer.ln_f(x)).transpose(1, 2)",
            "вместо (B, T, vocab_size)"),
        "position embeddings forgotten": (
            _INIT + "        x = self.transformer.wte(idx)\n" + _BLOCKS +
            "        return self.lm_head(self.transformer.ln_f(x))", "Забыты эмбеддинги позиций"),
        "final LayerNorm forgotten": (_INIT + _EMBEDDINGS + _BLOCKS + "        return self.lm_head(x)",
                                      "Забыта последняя нормализация"),
        "residuals forgotten": (
            _INIT + _EMBEDDINGS +
            "        for block in self.transformer.h:\n"
            "            x = block.attn(block.ln_1(x))\n"
            "            x = block.mlp(block.ln_2(x))\n"
            "        return self.lm_head(self.transformer.ln_f(x))", "Забыты остаточные связи"),
        "hidden states returned instead of logits": (
            _INIT + _EMBEDDINGS + _BLOCKS + "        return self.transformer.ln_f(x)", "ожидалась форма"),
    },
    "03_transformers_gpt_param_count": {
        "tied embedding counted twice": (
            _COUNT + "    return 2 * V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C",
            "считается один раз"),
        "biases forgotten": (_COUNT + "    return V * C + T * C + L * (12 * C * C + 4 * C) + 2 * C",
                             "смещения (bias)"),
        "LayerNorms forgotten": (_COUNT + "    return V * C + T * C + L * (12 * C * C + 9 * C)",
                                 "параметры LayerNorm"),
        "final ln_f forgotten": (_COUNT + "    return V * C + T * C + L * (12 * C * C + 13 * C)",
                                 "последний LayerNorm ln_f"),
        "LayerNorm bias forgotten": (
            _COUNT + "    return V * C + T * C + L * (12 * C * C + 11 * C) + C",
            "масштаб (weight) и смещение (bias)"),
        "lm_head bias counted": (
            _COUNT + "    return V * C + V + T * C + L * (12 * C * C + 13 * C) + 2 * C",
            "У lm_head нет смещения"),
        "position embeddings forgotten": (_COUNT + "    return V * C + L * (12 * C * C + 13 * C) + 2 * C",
                                          "эмбеддинги позиций wpe"),
        "float instead of int": (
            _COUNT + "    return float(V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C)",
            "ожидался тип int"),
    },
    "03_transformers_gpt_greedy": {
        "no crop to block_size": (_GREEDY + _GREEDY_LOOP +
                                  "            next_token = model(idx)[:, -1, :].argmax(dim=-1, keepdim=True)\n"
                                  "            idx = torch.cat([idx, next_token], dim=1)\n"
                                  "    return idx", "idx[:, -block_size:]"),
        "logits of the first position": (_GREEDY + _GREEDY_LOOP +
                                         "            logits = model(idx[:, -block_size:])\n"
                                         "            next_token = logits[:, 0, :].argmax(dim=-1, keepdim=True)\n"
                                         "            idx = torch.cat([idx, next_token], dim=1)\n"
                                         "    return idx", "логиты последней позиции"),
        "cropped to the first block_size tokens": (_GREEDY + _GREEDY_LOOP +
                                                   "            logits = model(idx[:, :block_size])[:, -1, :]\n"
                                                   "            next_token = logits.argmax(dim=-1, keepdim=True)\n"
                                                   "            idx = torch.cat([idx, next_token], dim=1)\n"
                                                   "    return idx", "а не первые"),
        "appended along the batch axis": (_GREEDY + _GREEDY_LOOP +
                                          "            logits = model(idx[:, -block_size:])\n"
                                          "            next_token = logits[:, -1, :].argmax(dim=-1, keepdim=True)\n"
                                          "            idx = torch.cat([idx, next_token], dim=0)\n"
                                          "    return idx", "по оси времени"),
        "only the new tokens returned": (_GREEDY + "    new = []\n" + _GREEDY_LOOP +
                                         "            logits = model(idx[:, -block_size:])\n"
                                         "            next_token = logits[:, -1, :].argmax(dim=-1, keepdim=True)\n"
                                         "            idx = torch.cat([idx, next_token], dim=1)\n"
                                         "            new.append(next_token)\n"
                                         "    return torch.cat(new, dim=1)", "Ответ — исходные токены и"),
    },
    "03_transformers_gpt_top_k_gates": {
        "not renormalised over the top-k": (
            _GATES + "    indices = torch.topk(router_logits, k, dim=-1).indices\n"
                     "    return torch.softmax(router_logits, dim=-1).gather(-1, indices), indices",
            "пересчитать по выбранным k"),
        "raw logits as weights": (_GATES + "    top_logits, indices = torch.topk(router_logits, k, dim=-1)\n"
                                           "    return top_logits, indices", "а не сами оценки"),
        "smallest experts chosen": (
            _GATES + "    top_logits, indices = torch.topk(router_logits, k, dim=-1, largest=False)\n"
                     "    return torch.softmax(top_logits, dim=-1), indices", "наибольшими оценками"),
        "pair in the wrong order": (_GATES + "    top_logits, indices = torch.topk(router_logits, k, dim=-1)\n"
                                             "    return indices, torch.softmax(top_logits, dim=-1)",
                                    "порядке (weights, indices)"),
    },
    "03_transformers_gpt_combine": {
        "unweighted sum": (_COMBINE +
                           "    for e, expert in enumerate(experts):\n"
                           "        token, slot = torch.where(indices == e)\n"
                           "        if token.numel():\n"
                           "            out = out.index_add(0, token, expert(x[token]))\n"
                           "    return out", "с весами маршрутизатора"),
        "expert chosen by the slot number": (_COMBINE +
                                             "    for n in range(x.shape[0]):\n"
                                             "        for j in range(indices.shape[1]):\n"
                                             "            out[n] += weights[n, j] * experts[j](x[n])\n"
                                             "    return out", "обрабатывает эксперт indices[n, j]"),
        "weight of slot j given to expert j": (_COMBINE +
                                               "    for e, expert in enumerate(experts):\n"
                                               "        token, slot = torch.where(indices == e)\n"
                                               "        if token.numel():\n"
                                               "            w = weights[token, 1 - slot, None]\n"
                                               "            out = out.index_add(0, token, w * expert(x[token]))\n"
                                               "    return out", "относится к эксперту indices[n, j]"),
        "only the first expert": (_COMBINE +
                                  "    for n in range(x.shape[0]):\n"
                                  "        out[n] = weights[n, 0] * experts[int(indices[n, 0])](x[n])\n"
                                  "    return out", "всех k выбранных"),
    },
    "03_transformers_gpt_image_tokens": {
        "plain reshape": (_PATCHES + "    return projection(image.reshape(B, -1, p * p))", "полосами строк"),
        "patches column by column": (_PATCHES +
                                     "    patches = image.reshape(B, H // p, p, W // p, p).permute(0, 3, 1, 2, 4)\n"
                                     "    return projection(patches.reshape(B, -1, p * p))",
                                     "Патчи нумеруются построчно"),
        "pixels inside a patch column by column": (
            _PATCHES + "    patches = image.reshape(B, H // p, p, W // p, p).permute(0, 1, 3, 4, 2)\n"
                       "    return projection(patches.reshape(B, -1, p * p))", "Пиксели внутри патча"),
        "projection forgotten": (
            _PATCHES + "    patches = image.reshape(B, H // p, p, W // p, p).permute(0, 1, 3, 2, 4)\n"
                       "    return patches.reshape(B, -1, p * p)", "спроецировать патчи"),
    },
}
