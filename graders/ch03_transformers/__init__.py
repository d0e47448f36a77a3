"""Грейдеры главы 03 «Трансформеры»: реестры модулей её ноутбуков, собранные вместе."""
from graders import chapter_registry

MISTAKES = chapter_registry(__name__, "MISTAKES")

# Упражнения, чью первую типичную ошибку сдаёт студент «mistakes» в сквозной автопроверке
# (от них не зависит ни одно другое упражнение, поэтому баллы теряются ровно за них).
E2E_MISTAKES = [
    "03_transformers_encdec_attend",
    "03_transformers_block_layer_norm",
    "03_transformers_gpt_greedy",
]
