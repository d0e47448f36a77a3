"""Typical mistakes for chapter 03 «Трансформеры» (one registry per notebook, merged here)."""
from exercises.ch03_transformers_nb1 import MISTAKES as ENCODER_DECODER
from exercises.ch03_transformers_nb2 import MISTAKES as BLOCK
from exercises.ch03_transformers_nb3 import MISTAKES as GPT

MISTAKES = {**ENCODER_DECODER, **BLOCK, **GPT}

E2E_MISTAKES = ["03_transformers_encdec_attend", "03_transformers_block_layer_norm", "03_transformers_gpt_greedy"]
