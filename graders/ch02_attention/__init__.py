"""Грейдеры главы 02 «Механизм внимания»: реестры модулей её ноутбуков, собранные вместе."""
from graders import chapter_registry

MISTAKES = chapter_registry(__name__, "MISTAKES")

# Упражнения, чью первую типичную ошибку сдаёт студент «mistakes» в сквозной автопроверке: два упражнения одного
# недолгого ноутбука (баллы должны пропасть ровно за них; все ошибки всех упражнений проверяет test_notebooks.py).
E2E_MISTAKES = [
    "02_attention_sdpa_qkv",
    "02_attention_sdpa_causal_mask",
]
