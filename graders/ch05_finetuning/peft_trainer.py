"""Ноутбук 04_peft_trainer: имена слоёв, на которые можно поставить LoRA (linear_layer_names), и доля обучаемых
параметров (trainable_share)."""
from __future__ import annotations

import warnings

import torch
from torch import nn
from transformers.pytorch_utils import Conv1D

from course_utils import checks
from graders.ch05_finetuning.lora import course_gpt


# --- эталонные ответы ---

def reference_linear_layer_names(model):
    """Отсортированные короткие имена слоёв nn.Linear и Conv1D модели, кроме выходного слоя (lm_head)."""
    head = model.get_output_embeddings()
    return sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                   if isinstance(module, (nn.Linear, Conv1D)) and module is not head})


def reference_trainable_share(model):
    """Доля обучаемых параметров модели в процентах (как в print_trainable_parameters у peft)."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return 100 * trainable / total


# --- модели для проверок: крошечные, собраны из конфигов (ничего не скачивается) ---

def tiny_mistral(seed: int = 0):
    from transformers import AutoModelForCausalLM, MistralConfig

    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(MistralConfig(
        vocab_size=2048, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2))


def tiny_opt(seed: int = 1):
    from transformers import AutoModelForCausalLM, OPTConfig

    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(OPTConfig(
        vocab_size=100, hidden_size=16, num_hidden_layers=1, ffn_dim=32, num_attention_heads=2,
        word_embed_proj_dim=16, max_position_embeddings=32))


def tiny_bert_decoder(seed: int = 2):
    """BERT-декодер (BertLMHeadModel): выходной слой называется cls.predictions.decoder, а не lm_head."""
    from transformers import BertConfig, BertLMHeadModel

    torch.manual_seed(seed)
    return BertLMHeadModel(BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                      intermediate_size=32, max_position_embeddings=32, is_decoder=True))


def tiny_mistral_backbone(seed: int = 3):
    """Mistral без выходного слоя (MistralModel): get_output_embeddings() — None, исключать нечего."""
    from transformers import MistralConfig, MistralModel

    torch.manual_seed(seed)
    return MistralModel(MistralConfig(vocab_size=100, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                      num_attention_heads=2, num_key_value_heads=1))


def with_lora(model, **config):
    """peft-модель с LoRA (предупреждения peft о Conv1D не печатаются)."""
    from peft import LoraConfig, get_peft_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", **config))


# --- linear_layer_names ---

HEAD_HINT = ("Выходной слой lm_head (model.get_output_embeddings()) в список не входит: он огромный (словарь × "
             "ширина), у GPT курса связан с эмбеддингами, и LoRA на него обычно не ставят — peft с "
             "target_modules='all-linear' тоже его пропускает.")
SHORT_HINT = ("Нужны короткие имена — последняя часть после точки ('c_attn', а не 'transformer.h.0.attn.c_attn'): "
              "именно их перечисляют в target_modules, и peft найдёт такой слой в каждом блоке.")
CONV1D_HINT = ("В GPT-2 линейные слои — Conv1D из transformers.pytorch_utils, а не nn.Linear: проверяйте "
               "isinstance(module, (nn.Linear, Conv1D)).")
HEAD_NAME_HINT = ("Выходной слой ищите по model.get_output_embeddings(), а не по имени 'lm_head': у других "
                  "архитектур он называется иначе (у BertLMHeadModel — decoder).")
HEAD_LAST_HINT = ("Выходной слой ищите по model.get_output_embeddings() (у модели без выходного слоя это None), а не "
                  "как последний линейный слой: порядок модулей у архитектур разный.")
EMBEDDING_HINT = "Эмбеддинги (nn.Embedding) — не линейные слои: в список идут только nn.Linear и Conv1D."


def names_mistakes(model) -> dict:
    """Что дают типичные ошибки на модели ``model``."""
    head = model.get_output_embeddings()
    layers = [(name, module) for name, module in model.named_modules() if isinstance(module, (nn.Linear, Conv1D))]
    short = lambda pairs: sorted({name.rsplit(".", 1)[-1] for name, _ in pairs})  # noqa: E731
    embeddings = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Embedding)]
    no_head = [(n, m) for n, m in layers if m is not head]
    return {HEAD_HINT: short(layers),
            HEAD_NAME_HINT: short([(n, m) for n, m in layers if n.rsplit(".", 1)[-1] != "lm_head"]),
            HEAD_LAST_HINT: short(layers[:-1]),
            SHORT_HINT: sorted(n for n, _ in no_head),
            CONV1D_HINT: short([(n, m) for n, m in no_head if isinstance(m, nn.Linear)]),
            EMBEDDING_HINT: short(no_head + embeddings)}


def check_names_on(linear_layer_names, model, name):
    result = checks.call(linear_layer_names, model, name=name)
    checks.check_type(result, list, name, hint="Верните список строк: sorted(...) возвращает list.")
    for item in result:
        checks.check_type(item, str, f"элемент ответа {name}", hint="В списке — имена слоёв, строки.")
    expected = reference_linear_layer_names(model)
    if len(set(result)) != len(result):
        checks.fail(f"{name}: в списке есть повторы ({len(result)} имён, разных — {len(set(result))}).",
                    "Каждое имя — один раз: слой c_attn есть в каждом блоке, но в target_modules его пишут однажды. "
                    "Соберите имена в множество set, потом sorted.")
    if sorted(result) == expected and result != expected:
        checks.fail(f"{name}: имена верные, но не по алфавиту: {result}.", "Верните sorted(...).")
    checks.check_equal(result, expected, name, mistakes={hint: wrong for hint, wrong in names_mistakes(model).items()
                                                         if wrong != expected})


def check_linear_layer_names(linear_layer_names):
    """GPT курса (Conv1D), крошечные Mistral, OPT и BERT-декодер из конфигов (nn.Linear; у OPT ещё fc1/fc2 и
    out_proj, у BERT выходной слой — decoder) и Mistral без выходного слоя."""
    check_names_on(linear_layer_names, course_gpt(), "linear_layer_names(GPT курса)")
    check_names_on(linear_layer_names, tiny_mistral(), "linear_layer_names(маленькая Mistral)")
    check_names_on(linear_layer_names, tiny_opt(), "linear_layer_names(маленькая OPT)")
    check_names_on(linear_layer_names, tiny_bert_decoder(),
                   "linear_layer_names(маленький BERT-декодер: выходной слой cls.predictions.decoder)")
    check_names_on(linear_layer_names, tiny_mistral_backbone(),
                   "linear_layer_names(Mistral без выходного слоя, MistralModel)")
    checks.passed("linear_layer_names верна для GPT-2 (Conv1D), Mistral, OPT, BERT-декодера и модели без выходного слоя.")


# --- trainable_share ---

PERCENT_HINT = "Нужны проценты, как в print_trainable_parameters: умножьте долю на 100."
FROZEN_COUNT_HINT = ("Посчитаны замороженные параметры, а нужны обучаемые: p.requires_grad == True "
                     "(замороженные — requires_grad == False).")
DENOMINATOR_HINT = "Делите на все параметры модели (обучаемые + замороженные), а не только на замороженные."
NUMEL_HINT = ("Считайте числа, а не тензоры: у каждого параметра p.numel() элементов; len(list(model.parameters())) "
              "— это число тензоров.")


def share_mistakes(model) -> dict:
    params = list(model.parameters())
    trainable = sum(p.numel() for p in params if p.requires_grad)
    total = sum(p.numel() for p in params)
    mistakes = {PERCENT_HINT: trainable / total, FROZEN_COUNT_HINT: 100 * (total - trainable) / total,
                NUMEL_HINT: 100 * sum(p.requires_grad for p in params) / len(params)}
    if total != trainable:
        mistakes[DENOMINATOR_HINT] = 100 * trainable / (total - trainable)
    return mistakes


def check_share_on(trainable_share, model, name, expected=None):
    result = checks.call(trainable_share, model, name=name)
    checks.check_type(result, float, name, hint="Верните одно число — проценты (float).")
    expected = reference_trainable_share(model) if expected is None else expected
    checks.check_close(result, expected, name=name, atol=1e-9, rtol=1e-6, mistakes=share_mistakes(model),
                       hint="Доля = 100 · (обучаемые параметры) / (все параметры); считайте p.numel().")


def check_trainable_share(trainable_share):
    """peft-модели (сверка с get_nb_trainable_parameters), целиком обучаемая и целиком замороженная модели."""
    peft_gpt = with_lora(course_gpt(), r=8, lora_alpha=16, target_modules=["c_attn"], fan_in_fan_out=True)
    trainable, total = peft_gpt.get_nb_trainable_parameters()
    check_share_on(trainable_share, peft_gpt, "trainable_share(GPT курса с LoRA r = 8 на c_attn)",
                   expected=100 * trainable / total)
    peft_mistral = with_lora(tiny_mistral(), r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    trainable, total = peft_mistral.get_nb_trainable_parameters()
    check_share_on(trainable_share, peft_mistral, "trainable_share(маленькая Mistral с LoRA на q_proj, v_proj)",
                   expected=100 * trainable / total)
    torch.manual_seed(2)
    net = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 3))
    check_share_on(trainable_share, net, "trainable_share(сеть, у которой обучается всё)")
    net[0].requires_grad_(False)
    check_share_on(trainable_share, net, "trainable_share(сеть с замороженным первым слоем)")
    net.requires_grad_(False)
    check_share_on(trainable_share, net, "trainable_share(полностью замороженная сеть)")
    checks.passed("trainable_share совпадает с тем, что печатает peft.")


# --- реестры ---

REFERENCES = {
    "05_finetuning_peft_layer_names": reference_linear_layer_names,
    "05_finetuning_peft_trainable_share": reference_trainable_share,
}
CHECKS = {
    "05_finetuning_peft_layer_names": check_linear_layer_names,
    "05_finetuning_peft_trainable_share": check_trainable_share,
}
HELPERS: dict = {}

_NAMES = "def linear_layer_names(model):\n"
_SHARE = "def trainable_share(model):\n"
_TOTAL = "    total = sum(p.numel() for p in model.parameters())\n"

MISTAKES = {
    "05_finetuning_peft_layer_names": {
        "lm_head included": (_NAMES + "    return sorted({name.rsplit('.', 1)[-1] for name, module in model.named_modules()"
                             "\n                   if isinstance(module, (nn.Linear, Conv1D))})\n", "lm_head"),
        "full dotted names": (_NAMES + "    head = model.get_output_embeddings()\n"
                              "    return sorted(name for name, module in model.named_modules()\n"
                              "                  if isinstance(module, (nn.Linear, Conv1D)) and module is not head)\n",
                              "короткие имена"),
        "Conv1D forgotten": (_NAMES + "    head = model.get_output_embeddings()\n"
                             "    return sorted({name.rsplit('.', 1)[-1] for name, module in model.named_modules()\n"
                             "                   if isinstance(module, nn.Linear) and module is not head})\n",
                             "Conv1D из transformers"),
        "embeddings included": (_NAMES + "    head = model.get_output_embeddings()\n"
                                "    return sorted({name.rsplit('.', 1)[-1] for name, module in model.named_modules()\n"
                                "                   if isinstance(module, (nn.Linear, Conv1D, nn.Embedding))"
                                " and module is not head})\n", "Эмбеддинги (nn.Embedding)"),
        "duplicates kept": (_NAMES + "    head = model.get_output_embeddings()\n"
                            "    return sorted(name.rsplit('.', 1)[-1] for name, module in model.named_modules()\n"
                            "                  if isinstance(module, (nn.Linear, Conv1D)) and module is not head)\n",
                            "есть повторы"),
        "head found by its name": (_NAMES + "    return sorted({name.rsplit('.', 1)[-1] for name, module in "
                                   "model.named_modules()\n"
                                   "                   if isinstance(module, (nn.Linear, Conv1D)) and "
                                   "not name.endswith('lm_head')})\n", "а не по имени"),
        "last linear layer dropped": (_NAMES + "    layers = [name for name, module in model.named_modules()\n"
                                      "              if isinstance(module, (nn.Linear, Conv1D))][:-1]\n"
                                      "    return sorted({name.rsplit('.', 1)[-1] for name in layers})\n",
                                      "последний линейный слой"),
    },
    "05_finetuning_peft_trainable_share": {
        "frozen parameters counted": (_SHARE + "    frozen = sum(p.numel() for p in model.parameters() "
                                      "if not p.requires_grad)\n" + _TOTAL + "    return 100 * frozen / total\n",
                                      "Посчитаны замороженные"),
        "ratio, not percent": (_SHARE + "    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)\n"
                               + _TOTAL + "    return trainable / total\n", "умножьте долю на 100"),
        "divided by frozen only": (_SHARE + "    trainable = sum(p.numel() for p in model.parameters() "
                                   "if p.requires_grad)\n" + _TOTAL + "    return 100 * trainable / (total - trainable)\n",
                                   "Делите на все параметры"),
        "tensors counted, not numbers": (_SHARE + "    params = list(model.parameters())\n"
                                         "    return 100 * sum(p.requires_grad for p in params) / len(params)\n",
                                         "Считайте числа, а не тензоры"),
    },
}
