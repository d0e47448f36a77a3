"""course_utils.finetuning: the [INST] template, labels that train the answer and its end, right padding, the
training loop that touches only trainable parameters, greedy answers and exact match."""
import pytest
import torch
from transformers import AutoTokenizer

from course_utils import finetuning as ft
from course_utils.data import tiny_gpt_path


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(tiny_gpt_path())


ROW = {"instruction": "Столица Франции?", "output": "Париж", "task": "capital", "split": "train"}


def test_load_sft_splits():
    train, test = ft.load_sft("train"), ft.load_sft("test")
    assert len(train) == 580 and len(test) == 142 and len(ft.load_sft()) == 722
    with pytest.raises(ValueError, match="train"):
        ft.load_sft("valid")


def test_encoding_masks_the_prompt_and_keeps_the_end(tokenizer):
    ids, labels = ft.encode_example(tokenizer, ROW)
    prompt = ft.prompt_ids(tokenizer, ROW["instruction"])
    assert ids[0] == tokenizer.bos_token_id and ids[:len(prompt)] == prompt and len(ids) == len(labels)
    assert labels[:len(prompt)] == [ft.IGNORE_INDEX] * len(prompt)
    assert labels[len(prompt):] == ids[len(prompt):] and labels[-1] == tokenizer.eos_token_id
    assert tokenizer.decode(ids[len(prompt):-1]) == " Париж"
    assert tokenizer.decode(ids[1:-1]) == "[INST] Столица Франции? [/INST] Париж"


def test_chat_template_gives_the_same_ids(tokenizer):
    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt_path())
    tokenizer.chat_template = ft.CHAT_TEMPLATE
    messages = [{"role": "user", "content": ROW["instruction"]}, {"role": "assistant", "content": ROW["output"]}]
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert ids == ft.encode_example(tokenizer, ROW)[0]


def test_collate_pads_on_the_right(tokenizer):
    short = ft.encode_example(tokenizer, ROW)
    long = ft.encode_example(tokenizer, {**ROW, "instruction": "Какой город — столица Франции?"})
    batch = ft.collate([short, long], pad_id=7)
    n = len(short[0])
    assert batch["input_ids"].shape == (2, len(long[0]))
    assert batch["input_ids"][0, n:].eq(7).all() and batch["labels"][0, n:].eq(ft.IGNORE_INDEX).all()
    assert batch["attention_mask"][0].tolist() == [1] * n + [0] * (len(long[0]) - n)
    assert batch["attention_mask"][1].eq(1).all()


def test_training_changes_only_trainable_parameters_and_lowers_the_loss(tokenizer):
    torch.manual_seed(0)
    model = ft.load_model()
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(".h.3." in name)
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    log = ft.train_sft(model, tokenizer, ft.load_sft("train")[:64], steps=30, lr=2e-3, batch_size=8, log_every=10)
    assert [entry["step"] for entry in log] == [10, 20, 30] and log[-1]["loss"] < log[0]["loss"]
    assert all(torch.equal(p, frozen[n]) for n, p in model.named_parameters() if n in frozen)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    with pytest.raises(ValueError, match="обучаемых"):
        ft.train_sft(model, tokenizer, [ROW], steps=1)


def test_exact_match_compares_whole_answers(tokenizer, monkeypatch):
    rows = [ROW, {**ROW, "instruction": "Назови столицу Франции.", "task": "other"}]
    monkeypatch.setattr(ft, "generate_answers", lambda model, tok, instructions: ["Париж", "Париж Франции"])
    assert ft.exact_match(None, tokenizer, rows) == {"all": 0.5, "capital": 1.0, "other": 0.0}


def test_generated_answers_stop_at_the_end_token(tokenizer):
    model = ft.load_model()
    answers = ft.generate_answers(model, tokenizer, [ROW["instruction"], "Назови последнее слово: кот, лес, дом."],
                                  max_new_tokens=5)
    assert len(answers) == 2 and all(isinstance(a, str) and "<|endoftext|>" not in a for a in answers)
