"""Грейдер ноутбука 03_timeline_quiz.ipynb: среднегодовой рост моделей и викторина.

Правильные ответы викторины хранятся только здесь: в ноутбуке студента их нет ни в каком виде.
"""
from course_utils import checks, quiz

ROOT = "Рост за год — это корень степени years из отношения, а не отношение, делённое на years."
TOTAL = "Это общий рост за все годы; нужен рост за один год: возведите в степень 1 / years."
OFF_BY_ONE = "Степень должна быть 1 / years, а не 1 / (years + 1)."

DATES = {"perceptron_year": 1957, "transformer_year": 2017, "gpt3_billions": 175,
         "chronology": ["backpropagation", "LSTM", "AlexNet", "GPT-3", "ChatGPT"]}
IDEAS = {"why_xor": "b", "lstm_idea": "b", "transformer_idea": "a", "o1_idea": "c"}
CHOICES = {"a", "b", "c"}


def reference_yearly_growth(params_start, params_end, years):
    return float((params_end / params_start) ** (1 / years))


def check_yearly_growth(yearly_growth):
    """Рост от AlexNet до GPT-3, рост без изменения размера и пример, где видно 1 / (years + 1)."""
    answer = checks.call(yearly_growth, 60e6, 175e9, 8)
    checks.check_type(answer, float, "yearly_growth(60e6, 175e9, 8)")
    ratio = 175e9 / 60e6
    checks.check_close(answer, ratio ** (1 / 8), name="рост от AlexNet до GPT-3", rtol=1e-9,
                       mistakes={ROOT: ratio / 8, TOTAL: ratio, OFF_BY_ONE: ratio ** (1 / 9)})
    checks.check_close(checks.call(yearly_growth, 5.0, 5.0, 3), 1.0, name="рост без изменения размера", rtol=1e-9)
    checks.check_close(checks.call(yearly_growth, 1.0, 8.0, 3), 2.0, name="yearly_growth(1, 8, 3)", rtol=1e-9,
                       mistakes={OFF_BY_ONE: 8.0 ** 0.25})


def _check_quiz(answers, expected: dict, check_format) -> None:
    """Сначала формат каждого ответа, потом правильность; неверные ответы перечисляются, верные не раскрываются."""
    if answers is None:
        checks.fail("Ответы викторины не переданы (получено None).")
    checks.check_type(answers, tuple, "ответы викторины")
    checks.check_equal(len(answers), len(expected), "число ответов викторины")
    for (question, right), answer in zip(expected.items(), answers):
        if answer is None:
            checks.fail(f"Вопрос «{question}»: ответ не заполнен (получено None).", "Впишите свой ответ вместо None.")
        check_format(question, answer, right)
    wrong = [f"{question} = {answer!r}" for (question, right), answer in zip(expected.items(), answers)
             if answer != right]
    if wrong:
        checks.fail(f"Викторина: верно {len(expected) - len(wrong)} из {len(expected)}; неверный ответ: "
                    f"{'; '.join(wrong)}.", "Перечитайте таблицу вех и ноутбуки 1–2 — там есть всё нужное.")


def _check_date_format(question, answer, right) -> None:
    """Тип как у правильного ответа, и без подклассов: их ``==`` мог бы отвечать True на что угодно."""
    checks.check_type(answer, type(right), question)
    items = answer if isinstance(answer, list) else [answer]
    if type(answer) is not type(right) or any(type(item) not in (int, str) for item in items):
        checks.fail(f"Вопрос «{question}»: ожидалось обычное значение типа {type(right).__name__}, "
                    f"получено {checks.describe(answer)}.", "Впишите ответ литералом, например 1999 или ['a', 'b'].")


def _check_idea_format(question, answer, right) -> None:
    quiz.check_choice(question, answer, CHOICES)


def check_quiz_dates(answers):
    """answers = (perceptron_year, transformer_year, gpt3_billions, chronology)."""
    _check_quiz(answers, DATES, _check_date_format)


def check_quiz_ideas(answers):
    """answers = (why_xor, lstm_idea, transformer_idea, o1_idea)."""
    _check_quiz(answers, IDEAS, _check_idea_format)


REFERENCES = {
    "00_history_timeline_growth": reference_yearly_growth,
    "00_history_quiz_dates": tuple(DATES.values()),
    "00_history_quiz_ideas": tuple(IDEAS.values()),
}
CHECKS = {
    "00_history_timeline_growth": check_yearly_growth,
    "00_history_quiz_dates": check_quiz_dates,
    "00_history_quiz_ideas": check_quiz_ideas,
}
HELPERS = {}

_GROWTH = "def yearly_growth(params_start, params_end, years):\n"
_CHRONOLOGY = "chronology = ['backpropagation', 'LSTM', 'AlexNet', 'GPT-3', 'ChatGPT']"
MISTAKES = {
    "00_history_timeline_growth": {
        "ratio divided by years": (_GROWTH + "    return float(params_end / params_start / years)",
                                   "корень степени years"),
        "total growth": (_GROWTH + "    return float(params_end / params_start)", "возведите в степень 1 / years"),
        "off by one year": (_GROWTH + "    return float((params_end / params_start) ** (1 / (years + 1)))",
                            "1 / (years + 1)"),
        "numpy array returned": (_GROWTH + "    return np.array([(params_end / params_start) ** (1 / years)])",
                                 "ожидался тип float"),
    },
    "00_history_quiz_dates": {
        "wrong year": ("perceptron_year, transformer_year, gpt3_billions = 1958, 2017, 175\n" + _CHRONOLOGY,
                       "perceptron_year = 1958"),
        "wrong order": ("perceptron_year, transformer_year, gpt3_billions = 1957, 2017, 175\n"
                        "chronology = ['LSTM', 'backpropagation', 'AlexNet', 'GPT-3', 'ChatGPT']", "неверный ответ"),
        "year as string": ("perceptron_year, transformer_year, gpt3_billions = '1957', 2017, 175\n" + _CHRONOLOGY,
                           "ожидался тип int"),
        "left unfilled": ("perceptron_year, transformer_year, gpt3_billions = 1957, 2017, 175\nchronology = None",
                          "не заполнен"),
    },
    "00_history_quiz_ideas": {
        "wrong choice": ("why_xor, lstm_idea, transformer_idea, o1_idea = 'a', 'b', 'a', 'c'", "why_xor = 'a'"),
        "letter not in options": ("why_xor, lstm_idea, transformer_idea, o1_idea = 'b', 'd', 'a', 'c'",
                                  "ожидался один из вариантов"),
        "capital letter": ("why_xor, lstm_idea, transformer_idea, o1_idea = 'B', 'b', 'a', 'c'",
                           "ожидался один из вариантов"),
    },
}
