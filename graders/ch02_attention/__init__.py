"""Грейдеры главы 02 «Механизм внимания»: реестры модулей её ноутбуков, собранные вместе."""
from graders import chapter_registry

MISTAKES = chapter_registry(__name__, "MISTAKES")

# Упражнения, чью первую типичную ошибку сдаёт студент «mistakes» в сквозной автопроверке
# (от них не зависит ни одно другое упражнение, поэтому баллы теряются ровно за них).
E2E_MISTAKES = [
    "02_attention_sdpa_causal_mask",
    "02_attention_mha_fit_exponent",
]
