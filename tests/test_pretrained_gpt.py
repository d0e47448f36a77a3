"""data/tiny_gpt: the course GPT pretrained by scripts/pretrain_gpt.py loads offline, in both formats."""
import hashlib
import json

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from course_utils.gpt import GPT
from notebooks import ROOT

CHECKPOINT = ROOT / "data" / "tiny_gpt"


def test_checkpoint_is_small_and_recorded():
    weights = CHECKPOINT / "model.safetensors"
    assert weights.stat().st_size <= 10 * 2**20, "a checkpoint is at most 10 MB (COURSE_GUIDE §6)"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert digest in (ROOT / "data" / "README.md").read_text(encoding="utf-8"), \
        "data/README.md must record the sha256 of data/tiny_gpt/model.safetensors"


def test_training_log_shows_learning():
    log = json.loads((CHECKPOINT / "training_log.json").read_text(encoding="utf-8"))
    first, best = log["log"][0], log["best_val_loss"]
    assert first["val_loss"] > 7.0  # ≈ log(2048): an untrained model guesses uniformly
    assert best < 3.0 and best == min(entry["val_loss"] for entry in log["log"])


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
