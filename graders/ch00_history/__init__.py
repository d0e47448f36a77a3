"""Грейдеры главы 00 «История LLM»: реестры модулей её ноутбуков, собранные вместе."""
from graders import chapter_registry

MISTAKES = chapter_registry(__name__, "MISTAKES")

# Упражнения, чью первую типичную ошибку сдаёт студент «mistakes» в сквозной автопроверке: два упражнения одного
# недолгого ноутбука (баллы должны пропасть ровно за них; все ошибки всех упражнений проверяет test_notebooks.py).
E2E_MISTAKES = [
    "00_history_timeline_growth",
    "00_history_quiz_ideas",
]

# Студент «warning»: верный ответ, код которого заставляет библиотеку предупреждать
# (torch.tensor от тензора → UserWarning в stderr); он всё равно получает полный балл.
WARNING_NOTEBOOKS = ["01_perceptron.ipynb"]
WARNING_ANSWERS = {
    "00_history_perceptron_predict": (
        "def perceptron_predict(X, w, b):\n"
        "    z = torch.tensor(torch.as_tensor(X @ w + b))  # torch warns: use clone().detach()\n"
        "    return (z > 0).numpy().astype(np.int64)\n"),
}
