"""Graders of chapter 05, notebooks 01_why_finetune and 02_sft, called directly (no notebook is executed): each check
accepts its reference, rejects an unfinished answer and names every registered mistake; the visible cells of the
notebooks catch the slips the text warns about with a message that names them."""
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from course_utils import checks, finetuning
from course_utils.checks import CheckError
from graders.ch05_finetuning import sft, why_finetune
import cells
from cells import first_failure
from notebooks import SOLUTIONS, cells_by_grade_id, load, source

MODULES = [why_finetune, sft]
NOTEBOOKS = {why_finetune: "01_why_finetune.ipynb", sft: "02_sft.ipynb"}
EXERCISES = [(module, grade_id) for module in MODULES for grade_id in module.CHECKS]
MISTAKES = [(module, grade_id, name, code, fragment) for module in MODULES
            for grade_id, registry in module.MISTAKES.items() for name, (code, fragment) in registry.items()]
STUBS = {"05_finetuning_why_perplexity": "def perplexity(logits, ids):\n",
         "05_finetuning_why_replay_mix": "def replay_mix(new_ids, old_ids, share):\n",
         "05_finetuning_sft_format_instruction": "def format_instruction(instruction, output=None):\n",
         "05_finetuning_sft_labels": "def sft_labels(prompt_ids, answer_ids, eos_id):\n",
         "05_finetuning_sft_pad_batch": "def pad_batch(examples, pad_id):\n"}


def namespace() -> dict:
    """Names the setup cells of the two notebooks provide."""
    return {"torch": torch, "np": np, "math": math, "F": F, "checks": checks, "finetuning": finetuning}


def defined(code: str):
    """The function or class a solution cell defines, run as in the notebook."""
    return cells.defined(code, namespace())


def test_every_exercise_is_registered_and_has_a_stub():
    assert set(STUBS) == {grade_id for _, grade_id in EXERCISES}
    for module in MODULES:
        assert set(module.REFERENCES) == set(module.CHECKS) == set(module.MISTAKES)
        notebook = load(SOLUTIONS / "05_finetuning" / NOTEBOOKS[module])
        exercises = {grade_id for grade_id in cells_by_grade_id(notebook) if not grade_id.endswith(("_visible",
                                                                                                     "_hidden"))}
        assert exercises == set(module.CHECKS)


@pytest.mark.parametrize("module, grade_id", EXERCISES, ids=[g for _, g in EXERCISES])
def test_check_passes_the_reference(module, grade_id, capsys):
    module.CHECKS[grade_id](module.REFERENCES[grade_id])
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("module, grade_id", EXERCISES, ids=[g for _, g in EXERCISES])
def test_check_passes_the_notebook_solution(module, grade_id, capsys):
    cell = cells_by_grade_id(load(SOLUTIONS / "05_finetuning" / NOTEBOOKS[module]))[grade_id]
    module.CHECKS[grade_id](defined(source(cell)))
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("module, grade_id", EXERCISES, ids=[g for _, g in EXERCISES])
def test_check_names_an_unfinished_answer(module, grade_id):
    stub = defined(STUBS[grade_id] + "    raise NotImplementedError()")
    assert "ещё не написана" in first_failure(module.CHECKS[grade_id], stub)


@pytest.mark.parametrize("module, grade_id, mistake, code, fragment", MISTAKES,
                         ids=[f"{m[1]}-{m[2].replace(' ', '_')}" for m in MISTAKES])
def test_tests_name_the_mistake(module, grade_id, mistake, code, fragment):
    hidden = first_failure(module.CHECKS[grade_id], defined(code))
    assert fragment in hidden or fragment in visible_failure(NOTEBOOKS[module], grade_id, code)


def test_checks_write_nothing_to_stderr(capsys):
    for module, grade_id in EXERCISES:
        module.CHECKS[grade_id](module.REFERENCES[grade_id])
        for code, _ in module.MISTAKES[grade_id].values():
            with pytest.raises(CheckError):
                module.CHECKS[grade_id](defined(code))
    assert capsys.readouterr().err == ""


# --- the references are the formulas and the course's own encoding ---

def test_perplexity_of_the_worked_example_is_four():
    logits, ids = why_finetune.text_example()
    assert why_finetune.reference_perplexity(logits, ids) == pytest.approx(4.0, rel=1e-6)
    mistakes = why_finetune.perplexity_mistakes(logits, ids)
    assert sorted(round(v, 2) for v in mistakes.values() if abs(v - 4) > 1e-6)[:3] == [2.61, 5.0, 16.0]


def test_perplexity_matches_the_loss_of_the_hf_model():
    """exp of the loss transformers computes with labels = input_ids (it shifts inside) is the reference."""
    model = finetuning.load_model().eval()
    ids = torch.randint(0, 2048, (2, 20), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        output = model(input_ids=ids, labels=ids)
    assert why_finetune.reference_perplexity(output.logits, ids) == pytest.approx(math.exp(output.loss.item()),
                                                                                  rel=1e-5)


def test_replay_mix_share_of_the_mixture():
    mix = why_finetune.reference_replay_mix(torch.arange(300), torch.arange(1000, 2000), 0.25)
    assert len(mix) == 400 and (mix >= 1000).sum().item() / len(mix) == 0.25


def test_sft_references_agree_with_the_course_encoding():
    """format_instruction, sft_labels and pad_batch give what course_utils.finetuning feeds train_sft."""
    from transformers import AutoTokenizer

    from course_utils.data import tiny_gpt_path

    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt_path(), local_files_only=True)
    rows = finetuning.load_sft("test")[:20]
    examples = []
    for row in rows:
        assert sft.reference_format_instruction(row["instruction"]) == finetuning.format_prompt(row["instruction"])
        text = sft.reference_format_instruction(row["instruction"], row["output"])
        prompt = finetuning.prompt_ids(tokenizer, row["instruction"])
        answer = tokenizer(" " + row["output"])["input_ids"]
        pair = sft.reference_sft_labels(prompt, answer, tokenizer.eos_token_id)
        assert pair == finetuning.encode_example(tokenizer, row)
        assert pair[0][1:-1] == tokenizer(text)["input_ids"]
        examples.append(pair)
    ours, course = sft.reference_pad_batch(examples, 0), finetuning.collate(examples, 0)
    assert ours.keys() == course.keys() and all(torch.equal(ours[k], course[k]) for k in ours)


# --- visible cells: the slips the text warns about are caught already there, and named ---

def visible_failure(notebook: str, grade_id: str, code: str) -> str:
    """The message the visible test cell of ``grade_id`` fails with after the answer ``code``."""
    return cells.visible_failure(SOLUTIONS / "05_finetuning" / notebook, grade_id, code, namespace())


@pytest.mark.parametrize("notebook, grade_id, mistake", [
    ("01_why_finetune.ipynb", "05_finetuning_why_perplexity", "exp of the summed loss"),
    ("01_why_finetune.ipynb", "05_finetuning_why_perplexity", "base 2 with a loss in nats"),
    ("01_why_finetune.ipynb", "05_finetuning_why_perplexity", "mean of per-token perplexities"),
    ("01_why_finetune.ipynb", "05_finetuning_why_perplexity", "targets not shifted"),
    ("01_why_finetune.ipynb", "05_finetuning_why_replay_mix", "share taken of the new tokens"),
    ("02_sft.ipynb", "05_finetuning_sft_format_instruction", "spaces missing"),
    ("02_sft.ipynb", "05_finetuning_sft_format_instruction", "<s> and </s> written into the text"),
    ("02_sft.ipynb", "05_finetuning_sft_format_instruction", "answer before the prompt"),
    ("02_sft.ipynb", "05_finetuning_sft_format_instruction", "None written when there is no answer"),
    ("02_sft.ipynb", "05_finetuning_sft_labels", "prompt tokens left in the loss"),
    ("02_sft.ipynb", "05_finetuning_sft_labels", "EOS masked"),
    ("02_sft.ipynb", "05_finetuning_sft_labels", "EOS missing"),
    ("02_sft.ipynb", "05_finetuning_sft_labels", "labels shifted by one by hand"),
    ("02_sft.ipynb", "05_finetuning_sft_pad_batch", "labels padded with pad_id"),
    ("02_sft.ipynb", "05_finetuning_sft_pad_batch", "left padding"),
    ("02_sft.ipynb", "05_finetuning_sft_pad_batch", "attention mask of ones"),
])
def test_visible_cell_names_the_slip(notebook, grade_id, mistake):
    module = {name: module for module, name in NOTEBOOKS.items()}[notebook]
    code, fragment = module.MISTAKES[grade_id][mistake]
    assert fragment in visible_failure(notebook, grade_id, code)


def test_e2e_mistake_of_the_chapter_is_the_prompt_in_the_loss():
    """The end-to-end `mistakes` student submits the first registered mistake of sft_labels."""
    from graders import ch05_finetuning

    assert "05_finetuning_sft_labels" in ch05_finetuning.E2E_MISTAKES
    assert next(iter(sft.MISTAKES["05_finetuning_sft_labels"])) == "prompt tokens left in the loss"
