"""data/tiny_sft_lora: the chapter-05 LoRA adapter made by scripts/train_sft_lora.py loads offline with peft, is
small, is recorded in data/README.md, and reproduces the exact match written in its training log."""
import json

import pytest
from peft import PeftModel
from transformers import AutoTokenizer

from course_utils.data import sft_lora_path, tiny_gpt_path
from course_utils.finetuning import exact_match, load_model, load_sft
from test_corpus_tokenizer import recorded_sha256, sha256

ADAPTER = sft_lora_path()
FILES = ["adapter_model.safetensors", "adapter_config.json"]


@pytest.fixture(scope="module")
def report() -> dict:
    return json.loads((ADAPTER / "training_log.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", FILES)
def test_adapter_files_are_small_and_recorded(name):
    assert (ADAPTER / name).stat().st_size <= 2 * 2**20, "the adapter is at most 2 MB"
    assert sha256(ADAPTER / name) == recorded_sha256(name)


def test_adapter_reproduces_its_logged_exact_match(report):
    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt_path())
    model = PeftModel.from_pretrained(load_model(), str(ADAPTER))
    test = load_sft("test")
    assert exact_match(model, tokenizer, test) == report["exact_match"]["test"]
    assert report["exact_match"]["test"]["all"] >= 0.75  # the base model answers none of them
    assert exact_match(load_model(), tokenizer, test)["all"] == 0.0
