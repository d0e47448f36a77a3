"""data/tiny_gpt: the course GPT pretrained by scripts/pretrain_gpt.py loads offline, in both formats."""
import hashlib
import json
import math

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from course_utils.data import load_text
from course_utils.gpt import GPT
from course_utils.pretraining import estimate_loss, split_documents
from notebooks import ROOT

CHECKPOINT = ROOT / "data" / "tiny_gpt"


def test_checkpoint_is_small_and_recorded():
    weights = CHECKPOINT / "model.safetensors"
    assert weights.stat().st_size <= 10 * 2**20, "a checkpoint is at most 10 MB (docs/authoring.md §6)"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert digest in (ROOT / "data" / "README.md").read_text(encoding="utf-8"), \
        "data/README.md must record the sha256 of data/tiny_gpt/model.safetensors"


def test_checkpoint_reproduces_the_loss_in_its_training_log():
    """The saved weights are the logged best step: its held-out and training losses are recomputed the way
    scripts/pretrain_gpt.py measured them (train_gpt's default evaluation: 10 fixed batches of 16 windows)."""
    report = json.loads((CHECKPOINT / "training_log.json").read_text(encoding="utf-8"))
    tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT, local_files_only=True)
    train_ids, val_ids = (torch.tensor(tokenizer(part, verbose=False)["input_ids"])
                          for part in split_documents(load_text()))
    model = GPT.from_pretrained(CHECKPOINT)
    best = next(entry for entry in report["log"] if entry["step"] == report["best_step"])
    val_loss = estimate_loss(model, val_ids, model.config.block_size, report["batch_size"])
    assert val_loss == pytest.approx(report["best_val_loss"], abs=1e-4) == best["val_loss"]
    assert estimate_loss(model, train_ids, model.config.block_size, report["batch_size"]) == \
        pytest.approx(best["train_loss"], abs=1e-4)
    assert val_loss < math.log(model.config.vocab_size) - 5  # far below guessing: ln 2048 ≈ 7.62


def test_sampling_is_reproducible_with_a_generator():
    model = GPT.from_pretrained(CHECKPOINT)
    prompt = torch.tensor([[5, 17, 300]]).repeat(2, 1)
    runs = [model.generate(prompt, 20, temperature=0.8, top_k=20, generator=torch.Generator().manual_seed(0))
            for _ in range(2)]
    assert torch.equal(runs[0], runs[1]) and not torch.equal(runs[0][0], runs[0][1])


def test_loads_offline_with_transformers_and_as_course_gpt():
    tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT, local_files_only=True)
    hf_model = AutoModelForCausalLM.from_pretrained(CHECKPOINT, local_files_only=True).eval()
    ours = GPT.from_pretrained(CHECKPOINT).eval()
    ids = tokenizer("Внимание позволяет каждому токену смотреть на другие.", return_tensors="pt").input_ids
    assert tokenizer.decode(ids[0]) == "Внимание позволяет каждому токену смотреть на другие."
    with torch.no_grad():
        assert torch.allclose(ours(ids)[0], hf_model(ids).logits, atol=1e-4)
    generated = ours.generate(ids, max_new_tokens=10, temperature=0)
    assert generated.shape == (1, ids.shape[1] + 10)
    assert tokenizer.model_max_length == ours.config.block_size == 64
