"""Typical mistakes for chapter 01 «Математика нейросетей» (one registry per notebook, merged here)."""
from exercises.ch01_math_nb1 import MISTAKES as LINEAR_ALGEBRA
from exercises.ch01_math_nb2 import MISTAKES as GRADIENT_DESCENT
from exercises.ch01_math_nb3 import MISTAKES as LOSS_BACKPROP

MISTAKES = {**LINEAR_ALGEBRA, **GRADIENT_DESCENT, **LOSS_BACKPROP}

E2E_MISTAKES = ["01_math_linalg_sentence_vectors", "01_math_grad_descent", "01_math_loss_cross_entropy"]
