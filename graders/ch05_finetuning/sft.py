"""Ноутбук 02_sft: шаблон инструкции (format_instruction), метки SFT (sft_labels), батч с дополнением (pad_batch)."""
from __future__ import annotations

import torch

from course_utils import checks
from course_utils.finetuning import IGNORE_INDEX


# --- эталонные ответы ---

def reference_format_instruction(instruction, output=None):
    """Текст в шаблоне курса: «[INST] инструкция [/INST] ответ» или, без ответа, только запрос."""
    prompt = f"[INST] {instruction} [/INST]"
    return prompt if output is None else f"{prompt} {output}"


def reference_sft_labels(prompt_ids, answer_ids, eos_id):
    """Вход модели (запрос + ответ + EOS) и метки той же длины: -100 на запросе, ответ и EOS — как есть."""
    input_ids = list(prompt_ids) + list(answer_ids) + [eos_id]
    labels = [IGNORE_INDEX] * len(prompt_ids) + list(answer_ids) + [eos_id]
    return input_ids, labels


def reference_pad_batch(examples, pad_id):
    """Батч из пар (input_ids, labels) разной длины с дополнением справа: pad_id, -100 и 0 в attention_mask."""
    length = max(len(ids) for ids, _ in examples)
    batch = {"input_ids": torch.full((len(examples), length), pad_id, dtype=torch.long),
             "attention_mask": torch.zeros(len(examples), length, dtype=torch.long),
             "labels": torch.full((len(examples), length), IGNORE_INDEX, dtype=torch.long)}
    for row, (ids, labels) in enumerate(examples):
        batch["input_ids"][row, :len(ids)] = torch.tensor(ids)
        batch["attention_mask"][row, :len(ids)] = 1
        batch["labels"][row, :len(labels)] = torch.tensor(labels)
    return batch


# --- format_instruction ---

SPECIAL_HINT = ("Служебные токены начала и конца текста (<s>, </s>, <|endoftext|>) не пишут в текст: токенизатор "
                "курса разрежет «<s>» на три обычных токена, а токенизатор Llama или Mistral добавит свой BOS, и "
                "начал станет два. Номера BOS и EOS добавляют к номерам токенов в коде.")


def format_mistakes(instruction, output):
    """Что дают типичные ошибки шаблона (подсказка → неверный текст)."""
    mistakes = {"Не хватает пробелов: между [INST], инструкцией, [/INST] и ответом — по одному пробелу.":
                f"[INST]{instruction}[/INST]" + ("" if output is None else output)}
    if output is None:
        mistakes["Без ответа (output=None) верните только запрос: в текст попало слово None."] = (
            f"[INST] {instruction} [/INST] None")
        mistakes["В конце запроса лишний пробел: он принадлежит первому токену ответа (« сорок»), и запрос "
                 "должен заканчиваться на «[/INST]», как при обучении."] = f"[INST] {instruction} [/INST] "
    else:
        mistakes["Ответ идёт после запроса, а не перед ним: модель читает слева направо и отвечает на то, что уже "
                 "прочитала."] = f"{output} [INST] {instruction} [/INST]"
    return mistakes


def checked_format(format_instruction, args, name):
    """Вызов, тип str, служебные токены в тексте, затем точное сравнение с названной ошибкой."""
    result = checks.call(format_instruction, *args, name=name)
    checks.check_type(result, str, name, hint="Верните строку, например через f-строку.")
    if any(token in result for token in ("<s>", "</s>", "<|endoftext|>")):
        checks.fail(f"{name}: в тексте служебный токен: {result!r}.", SPECIAL_HINT)
    instruction, output = (list(args) + [None])[:2]
    checks.check_equal(result, reference_format_instruction(*args), name,
                       hint="Шаблон: «[INST] инструкция [/INST] ответ», без ответа — «[INST] инструкция [/INST]».",
                       mistakes=format_mistakes(instruction, output))


def check_format_instruction(format_instruction):
    """Пример из текста с ответом и без, другие задачи, инструкция с переносом строки и кавычками."""
    cases = [("Запиши число 47 словами.", "сорок семь"), ("Запиши число 47 словами.",),
             ("Какое число больше: 37 или 52?", "52"), ("Назови последнее слово: кот, лес, дом.",),
             ("Переведи «cat».\nОтветь одним словом.", "кошка")]
    for args in cases:
        checked_format(format_instruction, args, f"format_instruction{args!r}")
    checks.passed("Шаблон инструкции верен и с ответом, и без него.")


# --- sft_labels ---

LABELS_HINT = ("input_ids = запрос + ответ + [eos_id]; labels той же длины: -100 на каждом токене запроса, дальше "
               "ответ и eos_id как есть.")
MISTAKE_HINTS = {
    "prompt": "Запрос попал в лосс: на токенах запроса метка должна быть -100 (IGNORE_INDEX), тогда модель учится "
              "только отвечать, а не сочинять вопросы.",
    "eos_masked": "EOS замаскирован (-100): модель не получит ни одного примера, где после ответа идёт конец "
                  "текста, и не научится останавливаться. Метка EOS — сам eos_id.",
    "eos_missing": "В конце нет EOS: допишите eos_id и во вход, и в метки — по нему модель учится "
                   "останавливаться.",
    "shifted": "Метки сдвинуты на один токен вручную: модели transformers сдвигают метки сами (логиты позиции t "
               "сравниваются с labels[t + 1]), поэтому labels выравнивают с input_ids один к одному.",
    "pad_value": "Токены запроса помечают числом -100 (IGNORE_INDEX): именно его пропускает cross_entropy, "
                 "а 0 или eos_id — настоящие номера токенов.",
}


def labels_mistakes(prompt_ids, answer_ids, eos_id) -> dict:
    """Неверные пары (input_ids, labels), которые дают типичные ошибки (подсказка → пара)."""
    p, a, e, n = list(prompt_ids), list(answer_ids), eos_id, len(prompt_ids)
    ids = p + a + [e]
    return {MISTAKE_HINTS["prompt"]: (ids, list(ids)),
            MISTAKE_HINTS["eos_masked"]: (ids, [IGNORE_INDEX] * n + a + [IGNORE_INDEX]),
            MISTAKE_HINTS["eos_missing"]: (p + a, [IGNORE_INDEX] * n + a),
            MISTAKE_HINTS["shifted"]: (ids, [IGNORE_INDEX] * (n - 1) + a + [e, IGNORE_INDEX]),
            MISTAKE_HINTS["pad_value"]: (ids, [e] * n + a + [e])}


def checked_labels(sft_labels, prompt_ids, answer_ids, eos_id, name):
    """Тип (пара списков целых) → длины → значения с названием типичной ошибки."""
    result = checks.call(sft_labels, prompt_ids, answer_ids, eos_id, name=name)
    pair_hint = "Верните пару списков: return input_ids, labels."
    checks.check_type(result, tuple, name, hint=pair_hint)
    checks.check_equal(len(result), 2, f"число элементов в ответе {name}", hint=pair_hint)
    for part, value in zip(("input_ids", "labels"), result):
        checks.check_type(value, list, f"{part} из {name}",
                          hint="Верните списки целых чисел: номера токенов склеивают как списки, p + a + [eos_id].")
        for item in value:
            checks.check_type(item, int, f"элемент {part} из {name}",
                              hint="Номера токенов и метки — целые числа int.")
    expected = reference_sft_labels(prompt_ids, answer_ids, eos_id)
    got = tuple(result)
    for hint, wrong in labels_mistakes(prompt_ids, answer_ids, eos_id).items():
        if got == wrong and got != expected:
            checks.fail(f"{name}: получено input_ids = {got[0]}, labels = {got[1]}.", hint)
    input_ids, labels = got
    if len(labels) != len(input_ids):
        checks.fail(f"{name}: длина labels {len(labels)}, а input_ids — {len(input_ids)}.",
                    "Метки выравнивают с входом один к одному: у каждого токена input_ids своя метка. " + LABELS_HINT)
    checks.check_equal(input_ids, expected[0], f"input_ids из {name}", hint=LABELS_HINT)
    checks.check_equal(labels, expected[1], f"labels из {name}", hint=LABELS_HINT)


def check_sft_labels(sft_labels):
    """Пример из текста, настоящие токены примера, ответ из одного токена, пустой ответ, другой eos_id."""
    checked_labels(sft_labels, [0, 11, 12, 13], [21, 22], 0, "sft_labels(пример из текста)")
    checked_labels(sft_labels, [0, 59, 41, 46, 994, 61, 1198, 403, 1586], [284, 1205, 757], 0,
                   "sft_labels(запрос из 9 токенов, ответ из 3)")
    checked_labels(sft_labels, [5, 6, 7], [8], 2, "sft_labels([5, 6, 7], [8], eos_id=2)")
    checked_labels(sft_labels, [1, 2], [], 3, "sft_labels с пустым ответом")
    generator = torch.Generator().manual_seed(5)
    prompt = torch.randint(1, 2048, (20,), generator=generator).tolist()
    answer = torch.randint(1, 2048, (7,), generator=generator).tolist()
    checked_labels(sft_labels, prompt, answer, 0, "sft_labels(случайный запрос из 20 токенов, ответ из 7)")
    checks.passed("Метки верны: запрос замаскирован, ответ и EOS остались, сдвига нет.")


# --- pad_batch ---

KEYS = ("input_ids", "attention_mask", "labels")
PAD_HINT = ("Дополняйте справа до длины самого длинного примера: input_ids — pad_id, labels — -100, "
            "attention_mask — 1 на настоящих токенах и 0 на дополнении.")


def left_padded(examples, pad_id):
    """То же, что эталон, но с дополнением слева."""
    batch = reference_pad_batch([(ids[::-1], labels[::-1]) for ids, labels in examples], pad_id)
    return {key: value.flip(1) for key, value in batch.items()}


def pad_mistakes(examples, pad_id) -> dict:
    """Ключ → {подсказка: неверный тензор} для типичных ошибок дополнения."""
    right = reference_pad_batch(examples, pad_id)
    left = left_padded(examples, pad_id)
    label_pad = right["input_ids"].where(right["attention_mask"].bool(), torch.tensor(pad_id))
    label_pad = right["labels"].where(right["attention_mask"].bool(), label_pad)
    by_id = ("Маскируйте по позиции (где кончается пример), а не по номеру токена: pad_id совпадает с EOS, и "
             "сравнение input_ids == pad_id заденет настоящий EOS в конце примера — модель не научится "
             "останавливаться.")
    pad_positions = right["input_ids"] == pad_id
    side = "Дополнение должно быть справа, а не слева: при обучении настоящие токены стоят с начала строки, как в " \
           "примерах, и позиции у них те же."
    return {"input_ids": {side: left["input_ids"]},
            "attention_mask": {side: left["attention_mask"],
                               "attention_mask — маска настоящих токенов: 1 на токенах примера и 0 на дополнении, "
                               "а не единицы везде.": torch.ones_like(right["attention_mask"]),
                               by_id: (~pad_positions).long()},
            "labels": {side: left["labels"],
                       "На местах дополнения метка -100, а не pad_id: иначе модель учится предсказывать токены "
                       "дополнения (а при pad = eos — выдавать EOS снова и снова).": label_pad,
                       by_id: right["labels"].masked_fill(pad_positions, -100)}}


def checked_batch(pad_batch, examples, pad_id, name):
    """Тип dict → ключи → тензоры (B, L) типа long → значения с названной ошибкой."""
    result = checks.call(pad_batch, examples, pad_id, name=name)
    checks.check_type(result, dict, name, hint='Верните словарь {"input_ids": ..., "attention_mask": ..., '
                                                '"labels": ...}.')
    if set(result) != set(KEYS):
        checks.fail(f"{name}: ключи словаря {sorted(result)}, ожидались {sorted(KEYS)}.",
                    "Модель получает батч как model(**batch): ключи — ровно имена её аргументов.")
    expected = reference_pad_batch(examples, pad_id)
    mistakes = pad_mistakes(examples, pad_id)
    shape = tuple(expected["input_ids"].shape)
    for key in KEYS:
        value = result[key]
        checks.check_type(value, torch.Tensor, f"{name}[{key!r}]", hint="Соберите тензор: torch.full, torch.zeros.")
        checks.check_shape(value, shape, f"{name}[{key!r}]",
                           hint="Форма (число примеров, длина самого длинного примера): дополняйте до самого "
                                "длинного примера батча, а не до фиксированной длины.")
        checks.check_dtype(value, torch.long, f"{name}[{key!r}]",
                           hint="Номера, метки и маска — целые torch.long: torch.zeros(...) по умолчанию float32, "
                                "передайте dtype=torch.long.")
        checks.check_close(value, expected[key], name=f"{name}[{key!r}]", atol=0, rtol=0, hint=PAD_HINT,
                           mistakes=mistakes[key])


def check_pad_batch(pad_batch):
    """Пример из текста, pad_id не 0, один пример (дополнять нечего), метки с -100 из sft_labels."""
    examples = [([0, 11, 12, 13, 21, 22, 0], [-100, -100, -100, -100, 21, 22, 0]),
                ([0, 14, 23, 0], [-100, -100, 23, 0]),
                ([0, 15, 16, 24, 25, 0], [-100, -100, -100, 24, 25, 0])]
    checked_batch(pad_batch, examples, 0, "pad_batch(пример из текста, pad_id=0)")
    checked_batch(pad_batch, examples, 7, "pad_batch(пример из текста, pad_id=7)")
    checked_batch(pad_batch, examples[1:2], 0, "pad_batch(один пример)")
    generator = torch.Generator().manual_seed(9)
    batch = []
    for length in (12, 5, 30, 18):
        ids = torch.randint(1, 2048, (length,), generator=generator).tolist()
        cut = int(torch.randint(1, length, (1,), generator=generator))
        batch.append((ids, [-100] * cut + ids[cut:]))
    checked_batch(pad_batch, batch, 3, "pad_batch(4 случайных примера длиной 12, 5, 30, 18)")
    checks.passed("Батч верен: дополнение справа, -100 в метках и 0 в маске на местах дополнения.")


# --- реестры ---

REFERENCES = {
    "05_finetuning_sft_format_instruction": reference_format_instruction,
    "05_finetuning_sft_labels": reference_sft_labels,
    "05_finetuning_sft_pad_batch": reference_pad_batch,
}
CHECKS = {
    "05_finetuning_sft_format_instruction": check_format_instruction,
    "05_finetuning_sft_labels": check_sft_labels,
    "05_finetuning_sft_pad_batch": check_pad_batch,
}
HELPERS: dict = {}

_FORMAT = "def format_instruction(instruction, output=None):\n"
_LABELS = "def sft_labels(prompt_ids, answer_ids, eos_id):\n    input_ids = prompt_ids + answer_ids + [eos_id]\n"
_PAD = ("def pad_batch(examples, pad_id):\n"
        "    length = max(len(ids) for ids, _ in examples)\n"
        "    input_ids, mask, labels = [], [], []\n"
        "    for ids, lab in examples:\n"
        "        extra = length - len(ids)\n")
_PAD_END = ("    return {'input_ids': torch.tensor(input_ids), 'attention_mask': torch.tensor(mask),\n"
            "            'labels': torch.tensor(labels)}")

MISTAKES = {
    "05_finetuning_sft_format_instruction": {
        "spaces missing": (_FORMAT + "    prompt = f'[INST]{instruction}[/INST]'\n"
                                     "    return prompt if output is None else prompt + output", "пробел"),
        "<s> and </s> written into the text": (
            _FORMAT + "    prompt = f'<s>[INST] {instruction} [/INST]'\n"
                      "    return prompt if output is None else f'{prompt} {output}</s>'", "<s>"),
        "answer before the prompt": (_FORMAT + "    prompt = f'[INST] {instruction} [/INST]'\n"
                                               "    return prompt if output is None else f'{output} {prompt}'",
                                     "перед ним"),
        "None written when there is no answer": (_FORMAT + "    return f'[INST] {instruction} [/INST] {output}'",
                                                 "None"),
        "trailing space after [/INST]": (_FORMAT + "    prompt = f'[INST] {instruction} [/INST] '\n"
                                                   "    return prompt if output is None else prompt + output",
                                         "лишний пробел"),
    },
    "05_finetuning_sft_labels": {
        "prompt tokens left in the loss": (_LABELS + "    return input_ids, list(input_ids)", "Запрос попал в лосс"),
        "EOS masked": (_LABELS + "    return input_ids, [-100] * len(prompt_ids) + answer_ids + [-100]",
                       "EOS замаскирован"),
        "EOS missing": ("def sft_labels(prompt_ids, answer_ids, eos_id):\n"
                        "    return prompt_ids + answer_ids, [-100] * len(prompt_ids) + answer_ids", "нет EOS"),
        "labels shifted by one by hand": (
            _LABELS + "    labels = [-100] * len(prompt_ids) + answer_ids + [eos_id]\n"
                      "    return input_ids, labels[1:] + [-100]", "сдвинуты на один токен"),
        "prompt marked with the EOS id instead of -100": (
            _LABELS + "    return input_ids, [eos_id] * len(prompt_ids) + answer_ids + [eos_id]", "-100"),
        "prompt list extended in place": (
            "def sft_labels(prompt_ids, answer_ids, eos_id):\n"
            "    labels = [-100] * len(prompt_ids) + answer_ids + [eos_id]\n"
            "    prompt_ids.extend(answer_ids + [eos_id])\n"
            "    return prompt_ids, labels", "на месте"),
    },
    "05_finetuning_sft_pad_batch": {
        "labels padded with pad_id": (_PAD + "        input_ids.append(ids + [pad_id] * extra)\n"
                                             "        mask.append([1] * len(ids) + [0] * extra)\n"
                                             "        labels.append(lab + [pad_id] * extra)\n" + _PAD_END,
                                      "а не pad_id"),
        "left padding": (_PAD + "        input_ids.append([pad_id] * extra + ids)\n"
                                "        mask.append([0] * extra + [1] * len(ids))\n"
                                "        labels.append([-100] * extra + lab)\n" + _PAD_END, "справа, а не слева"),
        "attention mask of ones": (_PAD + "        input_ids.append(ids + [pad_id] * extra)\n"
                                          "        mask.append([1] * length)\n"
                                          "        labels.append(lab + [-100] * extra)\n" + _PAD_END,
                                   "а не единицы везде"),
        "float attention mask": ("def pad_batch(examples, pad_id):\n"
                                 "    length = max(len(ids) for ids, _ in examples)\n"
                                 "    input_ids = torch.full((len(examples), length), pad_id)\n"
                                 "    mask = torch.zeros(len(examples), length)\n"
                                 "    labels = torch.full((len(examples), length), -100)\n"
                                 "    for i, (ids, lab) in enumerate(examples):\n"
                                 "        input_ids[i, :len(ids)] = torch.tensor(ids)\n"
                                 "        mask[i, :len(ids)] = 1\n"
                                 "        labels[i, :len(lab)] = torch.tensor(lab)\n"
                                 "    return {'input_ids': input_ids, 'attention_mask': mask, 'labels': labels}",
                                 "dtype=torch.long"),
        "padded to a fixed length of 64": (_PAD.replace("max(len(ids) for ids, _ in examples)", "64") +
                                           "        input_ids.append(ids + [pad_id] * extra)\n"
                                           "        mask.append([1] * len(ids) + [0] * extra)\n"
                                           "        labels.append(lab + [-100] * extra)\n" + _PAD_END,
                                           "самого длинного примера"),
        "attention mask by token id (pad = EOS)": (
            _PAD + "        input_ids.append(ids + [pad_id] * extra)\n"
                   "        labels.append(lab + [-100] * extra)\n"
                   "    ids = torch.tensor(input_ids)\n"
                   "    return {'input_ids': ids, 'attention_mask': (ids != pad_id).long(), "
                   "'labels': torch.tensor(labels)}", "по позиции"),
        "labels masked by token id (pad = EOS)": (
            _PAD + "        input_ids.append(ids + [pad_id] * extra)\n"
                   "        mask.append([1] * len(ids) + [0] * extra)\n"
                   "        labels.append(lab + [pad_id] * extra)\n"
                   "    ids, lab = torch.tensor(input_ids), torch.tensor(labels)\n"
                   "    return {'input_ids': ids, 'attention_mask': torch.tensor(mask), "
                   "'labels': lab.masked_fill(ids == pad_id, -100)}", "по позиции"),
    },
}
