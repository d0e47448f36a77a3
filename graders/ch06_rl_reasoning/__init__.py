"""Грейдеры главы 06 «Обучение с подкреплением и ризонинг»: реестры модулей её ноутбуков, собранные вместе."""
from graders import chapter_registry

MISTAKES = chapter_registry(__name__, "MISTAKES")

# Упражнения, чью первую типичную ошибку сдаёт студент «mistakes» в сквозной автопроверке (все ошибки всех
# упражнений проверяет test_notebooks.py).
E2E_MISTAKES = [
    "06_rl_reasoning_grpo_group_advantages",
]
