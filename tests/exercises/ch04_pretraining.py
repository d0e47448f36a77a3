"""Typical mistakes for chapter 04 «Предобучение» (one registry per notebook, merged here)."""
from exercises.ch04_pretraining_nb1 import MISTAKES as TOKENS
from exercises.ch04_pretraining_nb2 import MISTAKES as DATA
from exercises.ch04_pretraining_nb3 import MISTAKES as TRAINING
from exercises.ch04_pretraining_nb4 import MISTAKES as SCALING

MISTAKES = {**TOKENS, **DATA, **TRAINING, **SCALING}

E2E_MISTAKES = ["04_pretraining_tokens_decode", "04_pretraining_data_quality"]
