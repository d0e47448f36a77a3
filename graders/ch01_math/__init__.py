"""Грейдеры главы 01 «Математика нейросетей»: реестры модулей её ноутбуков, собранные вместе."""
from graders import chapter_registry

MISTAKES = chapter_registry(__name__, "MISTAKES")

# Упражнения, чью первую типичную ошибку сдаёт студент «mistakes» в сквозной автопроверке
# (от них не зависит ни одно другое упражнение, поэтому баллы теряются ровно за них).
E2E_MISTAKES = [
    "01_math_linalg_sentence_vectors",
    "01_math_grad_descent",
    "01_math_loss_cross_entropy",
]
