"""Typical mistakes for chapter 02 «Механизм внимания» (one registry per notebook, merged here)."""
from exercises.ch02_attention_nb1 import MISTAKES as WHY_ATTENTION
from exercises.ch02_attention_nb2 import MISTAKES as SCALED_DOT_PRODUCT
from exercises.ch02_attention_nb3 import MISTAKES as MULTI_HEAD

MISTAKES = {**WHY_ATTENTION, **SCALED_DOT_PRODUCT, **MULTI_HEAD}

E2E_MISTAKES = ["02_attention_sdpa_causal_mask", "02_attention_mha_fit_exponent"]
