"""Грейдеры главы 04 «Предобучение»: реестры модулей её ноутбуков, собранные вместе."""
from graders import chapter_registry

MISTAKES = chapter_registry(__name__, "MISTAKES")

# Упражнения, чью первую типичную ошибку сдаёт студент «mistakes» в сквозной автопроверке
# (от них не зависит ни одно другое упражнение, поэтому баллы теряются ровно за них).
E2E_MISTAKES = [
    "04_pretraining_tokens_decode",
    "04_pretraining_data_quality",
]
