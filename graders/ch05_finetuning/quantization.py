"""Ноутбук 05_quantization: память весов (model_memory_gb), int8 absmax по строкам (quantize_absmax,
dequantize_absmax) и 4-битная квантизация блоками (quantize_blocks, dequantize_blocks)."""
from __future__ import annotations

import math

import torch

from course_utils import checks

INT8_LEVEL = 127  # симметричный диапазон int8: коды от −127 до 127
INT4_LEVEL = 7  # симметричный диапазон 4 бит: коды от −7 до 7


# --- эталонные ответы ---

def reference_model_memory_gb(n_params, bits):
    """Память весов в гигабайтах (1 ГБ = 10⁹ байт): параметры × биты / 8 бит в байте / 10⁹."""
    return n_params * bits / 8 / 1e9


def reference_quantize_absmax(w):
    """int8 absmax по строкам: коды int8 той же формы и масштабы (строк, 1) = max|строки| / 127."""
    scale = w.abs().amax(dim=1, keepdim=True) / INT8_LEVEL
    q = torch.round(w / scale).clamp(-INT8_LEVEL, INT8_LEVEL).to(torch.int8)
    return q, scale


def reference_dequantize_absmax(q, scale):
    """Обратно к float32: код × масштаб своей строки."""
    return q.to(torch.float32) * scale


def reference_quantize_blocks(w, block_size=64):
    """4 бита блоками: коды int8 в [−7, 7] той же формы, что w, и масштаб max|блока| / 7 на каждый блок
    плоского тензора (последний блок может быть короче)."""
    flat = w.flatten()
    n_blocks = math.ceil(flat.numel() / block_size)
    padded = torch.cat([flat, flat.new_zeros(n_blocks * block_size - flat.numel())])
    blocks = padded.view(n_blocks, block_size)
    scales = blocks.abs().amax(dim=1) / INT4_LEVEL
    codes = torch.round(blocks / scales[:, None]).clamp(-INT4_LEVEL, INT4_LEVEL).to(torch.int8)
    return codes.flatten()[:flat.numel()].view(w.shape), scales


def reference_dequantize_blocks(codes, scales, block_size=64):
    """Обратно к float32: каждый код × масштаб своего блока; форма — как у codes."""
    per_weight = scales.repeat_interleave(block_size)[:codes.numel()]
    return (codes.flatten().to(torch.float32) * per_weight).view(codes.shape)


# --- общие проверки ---

PAIR_HINT = "Верните пару: return codes, scales (сначала коды, потом масштабы)."


def checked_pair(function, args, name, hint=""):
    """Вызов функции студента, которая возвращает пару тензоров; возвращает эту пару."""
    result = checks.call(function, *args, name=name, hint=hint)
    checks.check_type(result, tuple, name, hint=PAIR_HINT)
    checks.check_equal(len(result), 2, f"число элементов в ответе {name}", hint=PAIR_HINT)
    first, second = result
    checks.check_type(first, torch.Tensor, f"коды из {name}")
    checks.check_type(second, torch.Tensor, f"масштабы из {name}")
    return first, second


def check_codes_dtype(codes, name):
    """Коды — torch.int8: один байт на вес."""
    if codes.dtype == torch.int8:
        return
    if codes.dtype.is_floating_point:
        hint = ("Коды остались дробными числами: после round и clamp приведите их к целым — .to(torch.int8). "
                "Иначе экономии нет: float32 занимает 4 байта.")
    elif codes.dtype == torch.uint8:
        hint = "uint8 хранит числа от 0 до 255 и без знака: отрицательные коды испортятся. Нужен torch.int8."
    else:
        hint = f"{codes.dtype} занимает больше одного байта на число: нужен torch.int8."
    checks.fail(f"{name}: ожидался dtype torch.int8, получено {codes.dtype}.", hint)


def check_scales_dtype(scales, name):
    checks.check_dtype(scales, torch.float32, name,
                       hint="Масштаб — обычное число float32: max|w| / уровень, без приведения к целым.")


def check_signs(codes, w, name, level):
    """Код не может иметь знак, противоположный знаку веса: такое бывает, только если число не влезло в int8."""
    flipped = (codes.to(torch.float32) * w.sign() < 0)
    if flipped.any():
        where = tuple(int(i) for i in flipped.nonzero()[0])
        checks.fail(f"{name}: код в позиции {where} имеет знак, противоположный знаку веса "
                    f"(вес {w[where].item():.4g}, код {int(codes[where])}).",
                    f"Код не поместился в int8 (от −128 до 127) и «завернулся» через край: 128 превращается в −128. "
                    f"Делите на {level}, а не на {level + 1}, и сначала ограничьте коды clamp(-{level}, {level}), "
                    f"а уже потом приводите к int8.")


def check_truncation(codes, expected, truncated, name, hint):
    """Коды, почти везде равные отброшенной дробной части (а не округлению), — ошибка «round забыли».

    Сравниваем долю совпадений, а не всё подряд: масштаб студента может отличаться от эталонного в последнем
    бите, и у отдельных весов на границе целого числа отбрасывание даст другой код."""
    if torch.equal(codes, expected):
        return
    same = (codes.to(torch.int64) == truncated.to(torch.int64)).float().mean().item()
    if same >= 0.98:
        checks.fail(f"{name}: коды не совпадают с ожидаемыми.", hint)


TRUNC_HINT = ("Коды отличаются на 1 там, где дробная часть больше 0.5: .to(torch.int8) и int() отбрасывают дробную "
              "часть, а нужно округлять к ближайшему — torch.round, потом clamp и .to(torch.int8).")


# --- model_memory_gb ---

MEMORY_HINT = "Память весов = число параметров × бит на параметр / 8 (бит в байте) / 10⁹ (байт в гигабайте)."


def memory_mistakes(n, bits):
    """Что дают типичные ошибки подсчёта памяти."""
    return {"Ответ в 8 раз больше: bits — это биты, а память считают в байтах; в байте 8 бит, поделите на 8.":
            n * bits / 1e9,
            "Ответ в 64 раза больше: биты переводят в байты делением на 8, а не умножением.": n * bits * 8 / 1e9,
            "Похоже, вы поделили на 2³⁰ — это ГиБ (гибибайты), а в курсе ГБ = 10⁹ байт. Разница 7 %, но без "
            "оговорки числа не сходятся с тем, что пишут производители памяти.": n * bits / 8 / 2 ** 30,
            "Ответ в тысячу раз больше: похоже, это мегабайты (делили на 10⁶). Нужны гигабайты: / 10⁹.":
            n * bits / 8 / 1e6,
            "Ответ в байтах: переведите в гигабайты делением на 10⁹.": n * bits / 8}


def check_model_memory_gb(model_memory_gb):
    """Пример из текста (7 млрд параметров), модель курса, дробные биты и целочисленное n_params."""
    cases = [(7e9, 32), (7e9, 16), (7e9, 8), (7e9, 4), (7_000_000_000, 4), (70e9, 16), (1_059_840, 32),
             (125e6, 16), (7e9, 4.5), (1e9, 4.127), (3, 1)]
    for n, bits in cases:
        name = f"model_memory_gb({n:g}, {bits})"
        result = checks.call(model_memory_gb, n, bits, name=name)
        checks.check_type(result, float, name, hint="Верните одно число — гигабайты (float).")
        expected = reference_model_memory_gb(n, bits)
        if result != expected and math.isclose(float(result), math.floor(expected), rel_tol=0, abs_tol=1e-12):
            checks.fail(f"{name}: ожидалось {expected:.6g}, получено {result!r}.",
                        "Дробная часть потерялась: целочисленное деление // или int() отбрасывают её. "
                        "Делите обычным /.")
        checks.check_close(result, expected, name=name, rtol=1e-9, atol=0, hint=MEMORY_HINT,
                           mistakes=memory_mistakes(n, bits))
    checks.passed("Память весов посчитана верно для всех форматов.")


# --- quantize_absmax ---

ROW_HINT = ("Масштаб свой у каждой строки: scale = w.abs().amax(dim=1, keepdim=True) / 127 — форма (строк, 1), "
            "тогда w / scale делит каждую строку на её масштаб.")


def absmax_cases():
    """Матрицы для проверок: строки разного размаха, прямоугольная и квадратная, с точным максимумом."""
    generator = torch.Generator().manual_seed(51)
    tall = torch.randn(6, 10, generator=generator) * torch.tensor([[0.02], [0.5], [3.0], [0.1], [1.0], [7.0]])
    square = torch.randn(8, 8, generator=generator) * torch.logspace(-2, 1, 8)[:, None]
    layer = torch.randn(64, 128, generator=generator) * 0.05
    text = torch.tensor([[0.5, -1.27, 0.02, 1.0], [0.3, 0.004, -0.06, 0.1]])
    return [(text, "quantize_absmax(матрица из текста 2 × 4)"),
            (tall, "quantize_absmax(матрица 6 × 10, строки разного размаха)"),
            (square, "quantize_absmax(квадратная матрица 8 × 8)"),
            (-tall.T.contiguous(), "quantize_absmax(матрица 10 × 6 с отрицательными максимумами)"),
            (layer, "quantize_absmax(матрица 64 × 128, как в слое GPT)")]


def check_absmax_scale_shape(scale, w, name):
    rows, cols = w.shape
    if scale.numel() == 1:
        checks.fail(f"{name}: один масштаб на всю матрицу (форма {tuple(scale.shape)}), а нужен свой у каждой строки "
                    f"— форма ({rows}, 1).",
                    "Одна большая строка задаёт шаг для всех, и в строках с маленькими весами почти все коды "
                    "становятся нулями. " + ROW_HINT)
    if tuple(scale.shape) in ((1, cols), (cols,)) and rows != cols:
        checks.fail(f"{name}: масштабы посчитаны по столбцам (форма {tuple(scale.shape)}), а нужны по строкам — "
                    f"форма ({rows}, 1).", "Максимум берут вдоль оси 1 (dim=1): по всем весам одной строки. "
                    + ROW_HINT)
    if tuple(scale.shape) == (rows,):
        checks.fail(f"{name}: масштабы формы ({rows},), а нужна форма ({rows}, 1).",
                    "Добавьте keepdim=True (или [:, None]): с формой (строк, 1) масштаб делится на строку, а "
                    "форма (строк,) при делении легла бы вдоль столбцов.")
    checks.check_shape(scale, (rows, 1), f"масштабы из {name}", hint=ROW_HINT)


def check_quantize_absmax(quantize_absmax):
    """Форма и dtype кодов и масштабов, знак кодов, масштаб по строкам, округление, клампинг."""
    for w, name in absmax_cases():
        rows = w.shape[0]
        q, scale = checked_pair(quantize_absmax, (w,), name,
                                hint="Масштаб строки — форма (строк, 1) (keepdim=True): тогда w / scale делит "
                                     "построчно при любой форме матрицы.")
        checks.check_shape(q, w.shape, f"коды из {name}", hint="Коды — по одному на вес: та же форма, что у w.")
        check_codes_dtype(q, f"коды из {name}")
        check_signs(q, w, f"коды из {name}", INT8_LEVEL)
        check_absmax_scale_shape(scale, w, name)
        check_scales_dtype(scale, f"масштабы из {name}")
        absmax = w.abs().amax(dim=1, keepdim=True)
        expected_q, expected_scale = reference_quantize_absmax(w)
        checks.check_close(scale, expected_scale, name=f"масштабы из {name}", rtol=1e-5, atol=0, hint=ROW_HINT,
                           mistakes={
                               "Масштаб — max|w| / 127: тогда самый большой по модулю вес строки получает код ±127. "
                               "Вы не поделили на 127.": absmax,
                               "Делите на 127, а не на 128 или 255: симметричный диапазон int8 — от −127 до 127, "
                               "по 127 шагов в обе стороны от нуля.": absmax / 128,
                               "Делите на 127, а не на 255: 255 шагов у int8 на весь диапазон, а в одну сторону от "
                               "нуля — только 127.": absmax / 255,
                               "Один масштаб на всю матрицу, а нужен свой у каждой строки. " + ROW_HINT:
                               w.abs().max().expand(rows, 1) / INT8_LEVEL,
                               "Масштаб — максимум модуля, max|w|: возьмите w.abs() перед amax, иначе большой "
                               "отрицательный вес строки не поместится в коды от −127 до 127.":
                               w.amax(dim=1, keepdim=True) / INT8_LEVEL})
        check_truncation(q, expected_q, torch.trunc(w / expected_scale), f"коды из {name}", TRUNC_HINT)
        checks.check_close(q, expected_q, name=f"коды из {name}", atol=0, hint="Код = round(w / scale), затем "
                           "clamp(-127, 127) и только потом .to(torch.int8).", mistakes={
                               "Округляйте к ближайшему (torch.round), а не вниз (floor).":
                                   torch.floor(w / expected_scale).to(torch.int8)})
    checks.passed("int8 absmax по строкам работает на всех матрицах.")


# --- dequantize_absmax ---

def check_dequantize_absmax(dequantize_absmax):
    """Форма и dtype результата, умножение на масштаб своей строки."""
    for w, name in absmax_cases():
        q, scale = reference_quantize_absmax(w)
        name = name.replace("quantize_absmax(", "dequantize_absmax(коды и масштабы: ")
        result = checks.call(dequantize_absmax, q, scale, name=name,
                             hint="Масштаб формы (строк, 1) умножается на коды построчно: q * scale, без "
                                  "транспонирования.")
        checks.check_type(result, torch.Tensor, name)
        checks.check_shape(result, q.shape, name, hint="Вес восстанавливается поэлементно: форма — как у кодов.")
        checks.check_dtype(result, torch.float32, name,
                           hint="Восстановленные веса — float32: q.to(torch.float32) * scale. Целый тип потеряет "
                                "дробную часть, float64 займёт вдвое больше памяти.")
        expected = reference_dequantize_absmax(q, scale)
        mistakes = {"Получились сами коды: умножьте их на масштаб строки — вес ≈ код × scale.": q.to(torch.float32),
                    "Коды надо умножать на масштаб, а не делить: при квантизации делили w / scale, обратно — "
                    "q * scale.": q.to(torch.float32) / scale,
                    "Лишнее деление на 127: масштаб уже равен max|w| / 127, вес = код × scale.": expected / 127,
                    "Лишнее умножение на 127: масштаб уже равен max|w| / 127, вес = код × scale.": expected * 127}
        if q.shape[0] == q.shape[1]:
            mistakes["Масштаб приложен к столбцам, а нужно построчно: каждая строка умножается на свой scale "
                     "формы (строк, 1), без .T и view(1, -1)."] = q.to(torch.float32) * scale.T
        checks.check_close(result, expected, name=name, rtol=1e-6, atol=1e-7, mistakes=mistakes)
    checks.passed("Обратное преобразование int8 → float32 верно.")


# --- quantize_blocks ---

BLOCK_HINT = ("Вытяните w в одну строку (flatten), режьте на блоки по block_size подряд, последний блок может быть "
              "короче; у каждого блока масштаб max|блока| / 7, код = round(w / масштаб своего блока), "
              "clamp(-7, 7), .to(torch.int8).")
PARTIAL_HINT = ("Длина плоского тензора не обязана делиться на block_size: последний блок тогда неполный, но и у "
                "него есть свой масштаб. Дополните плоский тензор нулями до целого числа блоков (а коды потом "
                "обрежьте) или обработайте хвост отдельно.")


PAD_VALUE_HINT = ("Неполный блок дополняют нулями (torch.zeros): дополнение другим числом, например единицами, "
                  "меняет max|блока| и масштаб хвоста.")


def padded_with_ones_scales(w, block_size):
    """Масштабы блоков, если дополнить плоский тензор единицами, а не нулями (ошибка)."""
    flat = w.flatten()
    padded = torch.cat([flat, torch.ones((-len(flat)) % block_size)])
    return padded.view(-1, block_size).abs().amax(dim=1) / INT4_LEVEL


def block_cases():
    """Тензоры для проверок: неполный последний блок (и с маленькими весами), деление нацело, одномерный, блок по
    умолчанию."""
    generator = torch.Generator().manual_seed(52)
    ragged = torch.randn(5, 30, generator=generator) * torch.tensor([[0.01], [0.2], [1.0], [0.05], [3.0]])
    even = torch.randn(8, 64, generator=generator) * torch.logspace(-2, 0.5, 8)[:, None]
    flat = torch.randn(100, generator=generator) * torch.linspace(0.1, 2.0, 100)
    layer = torch.randn(3, 100, generator=generator) * torch.tensor([[0.02], [0.1], [0.5]])
    text = torch.tensor([0.7, -0.1, 0.04, 0.36, -0.014, 0.002, 0.0035, -0.006])
    small_tail = torch.randn(70, generator=generator) * torch.cat([torch.ones(64), torch.full((6,), 0.01)])
    return [(ragged, 64, "quantize_blocks(матрица 5 × 30, block_size=64: последний блок из 22 весов)"),
            (text, 4, "quantize_blocks(8 весов из текста, block_size=4)"),
            (even, 64, "quantize_blocks(матрица 8 × 64, block_size=64)"),
            (flat, 16, "quantize_blocks(вектор из 100 весов, block_size=16)"),
            (layer, None, "quantize_blocks(матрица 3 × 100, размер блока по умолчанию)"),
            (small_tail, 64, "quantize_blocks(вектор из 70 весов, block_size=64: хвост из 6 маленьких весов)")]


def check_block_scales_shape(scales, w, block_size, name):
    n_blocks = math.ceil(w.numel() / block_size)
    if scales.numel() == 1 and n_blocks > 1:
        checks.fail(f"{name}: один масштаб на весь тензор, а нужен свой у каждого из {n_blocks} блоков.",
                    "С одним масштабом на 4 бита почти все веса округляются к нулю: блоки и нужны, чтобы шаг "
                    "подстраивался под веса рядом. " + BLOCK_HINT)
    if scales.numel() == w.numel() // block_size != n_blocks:
        checks.fail(f"{name}: масштабов {scales.numel()}, а блоков {n_blocks}: последний неполный блок "
                    f"из {w.numel() % block_size} весов остался без масштаба.", PARTIAL_HINT)
    if w.ndim == 2 and scales.numel() == w.shape[0] != n_blocks:
        checks.fail(f"{name}: масштабов {scales.numel()} — по одному на строку, а блоков в плоском тензоре "
                    f"{n_blocks} (по {block_size} подряд).", BLOCK_HINT)
    checks.check_shape(scales, (n_blocks,), f"масштабы из {name}",
                       hint=f"Масштабы — одномерный тензор: по одному числу на блок, всего ceil({w.numel()} / "
                            f"{block_size}) = {n_blocks}.")


def check_block_levels(codes, name):
    """Коды 4 бит — от −7 до 7."""
    largest = int(codes.to(torch.int64).abs().max())
    if largest <= INT4_LEVEL and int(codes.min()) >= -INT4_LEVEL:
        return
    if largest == 8:
        checks.fail(f"{name}: встречается код ±8.", "Симметричная 4-битная сетка — коды от −7 до 7 (15 уровней, "
                    "ноль посередине): масштаб max|блока| / 7, а не / 8, и clamp(-7, 7).")
    if largest > 8:
        checks.fail(f"{name}: коды доходят до {largest}.", "Диапазон от 0 до 15 — это 4 бита без знака; у "
                    "чисел со знаком коды от −7 до 7: масштаб max|блока| / 7, а не / 15, и clamp(-7, 7).")


def check_quantize_blocks(quantize_blocks):
    """Формы, dtype и диапазон кодов, масштаб на каждый блок плоского тензора, неполный последний блок."""
    for w, block_size, name in block_cases():
        args = (w,) if block_size is None else (w, block_size)
        block_size = block_size or 64
        codes, scales = checked_pair(quantize_blocks, args, name, hint=PARTIAL_HINT if w.numel() % block_size else "")
        checks.check_shape(codes, w.shape, f"коды из {name}",
                           hint="Коды — по одному на вес, той же формы, что w: после работы с блоками обрежьте "
                                "дополнение и сделайте .reshape(w.shape).")
        check_codes_dtype(codes, f"коды из {name}")
        check_block_scales_shape(scales, w, block_size, name)
        check_block_levels(codes, f"коды из {name}")
        check_signs(codes, w, f"коды из {name}", INT4_LEVEL)
        check_scales_dtype(scales, f"масштабы из {name}")
        expected_codes, expected_scales = reference_quantize_blocks(w, block_size)
        absmax = expected_scales * INT4_LEVEL
        checks.check_close(scales, expected_scales, name=f"масштабы из {name}", rtol=1e-5, atol=0, hint=BLOCK_HINT,
                           mistakes={PAD_VALUE_HINT: padded_with_ones_scales(w, block_size),
                                     "Масштаб блока — max|блока| / 7: иначе самый большой вес не получит код ±7.":
                                     absmax,
                                     "Делите на 7, а не на 8: коды 4 бит со знаком — от −7 до 7, уровней ±8 в "
                                     "симметричной сетке нет.": absmax / 8,
                                     "Делите на 7, а не на 15: от 0 до 15 — это 4 бита без знака, а коды со знаком "
                                     "— от −7 до 7.": absmax / 15})
        ratio = w.flatten() / expected_scales.repeat_interleave(block_size)[:w.numel()]
        check_truncation(codes, expected_codes, torch.trunc(ratio).view(w.shape), f"коды из {name}", TRUNC_HINT)
        checks.check_close(codes, expected_codes, name=f"коды из {name}", atol=0, hint=BLOCK_HINT)
    checks.passed("4-битная квантизация блоками верна, и с неполным последним блоком тоже.")


# --- dequantize_blocks ---

def check_dequantize_blocks(dequantize_blocks):
    """Каждый код умножается на масштаб своего блока; неполный последний блок; форма кодов сохраняется."""
    for w, block_size, name in block_cases():
        codes, scales = reference_quantize_blocks(w, block_size or 64)
        name = name.replace("quantize_blocks(", "dequantize_blocks(коды и масштабы: ")
        args = (codes, scales) if block_size is None else (codes, scales, block_size)
        block_size = block_size or 64
        result = checks.call(dequantize_blocks, *args, name=name,
                             hint=PARTIAL_HINT if codes.numel() % block_size else "")
        checks.check_type(result, torch.Tensor, name)
        checks.check_shape(result, codes.shape, name,
                           hint="Верните веса той же формы, что коды: в конце .view(codes.shape).")
        checks.check_dtype(result, torch.float32, name, hint="Восстановленные веса — float32.")
        expected = reference_dequantize_blocks(codes, scales, block_size)
        flat = codes.flatten().to(torch.float32)
        tiled = scales.repeat(block_size)[:codes.numel()]
        checks.check_close(result, expected, name=name, rtol=1e-6, atol=1e-7, hint=BLOCK_HINT, mistakes={
            "Получились сами коды: умножьте каждый на масштаб его блока.": flat.view(codes.shape),
            "Масштабы разложены не по порядку: scales.repeat(k) повторяет весь список по кругу, а блоку нужны "
            "block_size копий своего масштаба подряд — scales.repeat_interleave(block_size).":
                (flat * tiled).view(codes.shape),
            "Коды надо умножать на масштаб блока, а не делить.":
                (flat / scales.repeat_interleave(block_size)[:codes.numel()]).view(codes.shape)})
    checks.passed("Обратное преобразование блоков верно, и с неполным последним блоком тоже.")


# --- реестры ---

REFERENCES = {
    "05_finetuning_quant_memory": reference_model_memory_gb,
    "05_finetuning_quant_absmax": reference_quantize_absmax,
    "05_finetuning_quant_dequantize_absmax": reference_dequantize_absmax,
    "05_finetuning_quant_blocks": reference_quantize_blocks,
    "05_finetuning_quant_dequantize_blocks": reference_dequantize_blocks,
}
CHECKS = {
    "05_finetuning_quant_memory": check_model_memory_gb,
    "05_finetuning_quant_absmax": check_quantize_absmax,
    "05_finetuning_quant_dequantize_absmax": check_dequantize_absmax,
    "05_finetuning_quant_blocks": check_quantize_blocks,
    "05_finetuning_quant_dequantize_blocks": check_dequantize_blocks,
}
HELPERS: dict = {}

_MEMORY = "def model_memory_gb(n_params, bits):\n"
_ABSMAX = "def quantize_absmax(w):\n"
_ROW_SCALE = "    scale = w.abs().amax(dim=1, keepdim=True) / 127\n"
_ROUND = "    q = torch.round(w / scale).clamp(-127, 127).to(torch.int8)\n    return q, scale"
_DEQ = "def dequantize_absmax(q, scale):\n"
_BLOCKS = ("def quantize_blocks(w, block_size=64):\n"
           "    flat = w.flatten()\n"
           "    n = -(-flat.numel() // block_size)\n"
           "    blocks = torch.cat([flat, flat.new_zeros(n * block_size - flat.numel())]).view(n, block_size)\n")
_BLOCK_CODES = "    codes = torch.round(blocks / scales[:, None]).clamp({lo}, {hi}).to(torch.int8)\n"
_BLOCK_RETURN = "    return codes.flatten()[:flat.numel()].view(w.shape), scales"
_DEQ_BLOCKS = "def dequantize_blocks(codes, scales, block_size=64):\n"

MISTAKES = {
    "05_finetuning_quant_memory": {
        "bits treated as bytes (no division by 8)": (_MEMORY + "    return n_params * bits / 1e9", "в 8 раз"),
        "multiplied by 8 instead of dividing": (_MEMORY + "    return n_params * bits * 8 / 1e9", "в 64 раза"),
        "GiB instead of GB without saying": (_MEMORY + "    return n_params * bits / 8 / 2 ** 30", "ГиБ"),
        "megabytes": (_MEMORY + "    return n_params * bits / 8 / 1e6", "мегабайты"),
        "integer division": (_MEMORY + "    return n_params * bits // 8 // 10 ** 9", "Дробная часть"),
    },
    "05_finetuning_quant_absmax": {
        "absmax of the whole tensor": (_ABSMAX + "    scale = w.abs().max() / 127\n" + _ROUND,
                                       "один масштаб на всю матрицу"),
        "absmax of the whole tensor, broadcast to rows": (
            _ABSMAX + "    scale = (w.abs().max() / 127).expand(w.shape[0], 1).clone()\n" + _ROUND,
            "Один масштаб на всю матрицу"),
        "absmax over columns (dim=0)": (_ABSMAX + "    scale = w.abs().amax(dim=0, keepdim=True) / 127\n" + _ROUND,
                                        "по столбцам"),
        "scale without keepdim": (_ABSMAX + "    scale = w.abs().amax(dim=1) / 127\n"
                                  "    q = torch.round(w / scale[:, None]).clamp(-127, 127).to(torch.int8)\n"
                                  "    return q, scale", "keepdim=True"),
        "rounding by truncation": (_ABSMAX + _ROW_SCALE + "    return (w / scale).to(torch.int8), scale",
                                   "отбрасывают дробную часть"),
        "divided by 128, cast without clamping (wraps to -128)": (
            _ABSMAX + "    scale = w.abs().amax(dim=1, keepdim=True) / 128\n"
            "    return torch.round(w / scale).to(torch.int8), scale", "не поместился в int8"),
        "cast before clamping": (_ABSMAX + "    scale = w.abs().amax(dim=1, keepdim=True) / 128\n"
                                 "    return torch.round(w / scale).to(torch.int8).clamp(-127, 127), scale",
                                 "не поместился в int8"),
        "no division by 127": (_ABSMAX + "    scale = w.abs().amax(dim=1, keepdim=True)\n" + _ROUND,
                               "не поделили на 127"),
        "codes left as float": (_ABSMAX + _ROW_SCALE + "    return torch.round(w / scale).clamp(-127, 127), scale",
                                "остались дробными"),
        "unsigned codes": (_ABSMAX + _ROW_SCALE +
                           "    return torch.round(w / scale).clamp(-127, 127).to(torch.uint8), scale", "без знака"),
        "max without abs": (_ABSMAX + "    scale = w.amax(dim=1, keepdim=True) / 127\n" + _ROUND,
                            "w.abs() перед amax"),
    },
    "05_finetuning_quant_dequantize_absmax": {
        "scale forgotten": (_DEQ + "    return q.to(torch.float32)", "умножьте их на масштаб"),
        "divided by the scale": (_DEQ + "    return q / scale", "а не делить"),
        "extra division by 127": (_DEQ + "    return q * scale / 127", "Лишнее деление на 127"),
        "scale applied to columns": (_DEQ + "    return q * scale.T", "построчно"),
        "integer result": (_DEQ + "    return (q * scale).round().to(torch.int32)", "float32"),
        "extra multiplication by 127": (_DEQ + "    return q * scale * 127", "Лишнее умножение на 127"),
    },
    "05_finetuning_quant_blocks": {
        "one scale for the whole tensor": (
            "def quantize_blocks(w, block_size=64):\n"
            "    scales = (w.abs().max() / 7).reshape(1)\n"
            "    return torch.round(w / scales).clamp(-7, 7).to(torch.int8), scales", "один масштаб на весь тензор"),
        "levels ±8": (_BLOCKS + "    scales = blocks.abs().amax(dim=1) / 8\n" + _BLOCK_CODES.format(lo=-8, hi=8) +
                      _BLOCK_RETURN, "±8"),
        "levels ±8, clamped to [-8, 7]": (_BLOCKS + "    scales = blocks.abs().amax(dim=1) / 8\n" +
                                          _BLOCK_CODES.format(lo=-8, hi=7) + _BLOCK_RETURN, "±8"),
        "levels ±15": (_BLOCKS + "    scales = blocks.abs().amax(dim=1) / 15\n" + _BLOCK_CODES.format(lo=-15, hi=15) +
                       _BLOCK_RETURN, "без знака"),
        "partial block padded with ones": (
            _BLOCKS.replace("flat.new_zeros", "flat.new_ones") + "    scales = blocks.abs().amax(dim=1) / 7\n"
            + _BLOCK_CODES.format(lo=-7, hi=7) + _BLOCK_RETURN, "дополняют нулями"),
        "last partial block forgotten": (
            "def quantize_blocks(w, block_size=64):\n"
            "    flat = w.flatten()\n"
            "    n = flat.numel() // block_size\n"
            "    blocks = flat[:n * block_size].view(n, block_size)\n"
            "    scales = blocks.abs().amax(dim=1) / 7\n"
            "    codes = torch.round(blocks / scales[:, None]).clamp(-7, 7).to(torch.int8).flatten()\n"
            "    codes = torch.cat([codes, torch.zeros(flat.numel() - codes.numel(), dtype=torch.int8)])\n"
            "    return codes.view(w.shape), scales", "неполный блок"),
        "reshape fails on a partial last block": (
            "def quantize_blocks(w, block_size=64):\n"
            "    blocks = w.reshape(-1, block_size)\n"
            "    scales = blocks.abs().amax(dim=1) / 7\n"
            "    codes = torch.round(blocks / scales[:, None]).clamp(-7, 7).to(torch.int8)\n"
            "    return codes.view(w.shape), scales", "последний блок тогда неполный"),
        "one scale per row": (
            "def quantize_blocks(w, block_size=64):\n"
            "    scales = w.abs().amax(dim=-1) / 7\n"
            "    codes = torch.round(w / scales[..., None]).clamp(-7, 7).to(torch.int8)\n"
            "    return codes, scales.flatten()", "по одному на строку"),
        "rounding by truncation": (_BLOCKS + "    scales = blocks.abs().amax(dim=1) / 7\n"
                                   "    codes = (blocks / scales[:, None]).clamp(-7, 7).to(torch.int8)\n" +
                                   _BLOCK_RETURN, "отбрасывают дробную часть"),
        "flat codes": (_BLOCKS + "    scales = blocks.abs().amax(dim=1) / 7\n" + _BLOCK_CODES.format(lo=-7, hi=7) +
                       "    return codes.flatten()[:flat.numel()], scales", "той же формы, что w"),
    },
    "05_finetuning_quant_dequantize_blocks": {
        "scale forgotten": (_DEQ_BLOCKS + "    return codes.to(torch.float32)", "Получились сами коды"),
        "scales tiled with repeat": (
            _DEQ_BLOCKS + "    per_weight = scales.repeat(block_size)[:codes.numel()]\n"
            "    return (codes.flatten() * per_weight).view(codes.shape)", "repeat_interleave"),
        "view fails on a partial last block": (
            _DEQ_BLOCKS + "    blocks = codes.reshape(-1, block_size).to(torch.float32)\n"
            "    return (blocks * scales[:, None]).view(codes.shape)", "последний блок тогда неполный"),
        "flat result": (_DEQ_BLOCKS + "    per_weight = scales.repeat_interleave(block_size)[:codes.numel()]\n"
                        "    return codes.flatten() * per_weight", "той же формы, что коды"),
        "divided by the scale": (
            _DEQ_BLOCKS + "    per_weight = scales.repeat_interleave(block_size)[:codes.numel()]\n"
            "    return (codes.flatten() / per_weight).view(codes.shape)", "а не делить"),
    },
}
