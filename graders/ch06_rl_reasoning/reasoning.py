"""Ноутбук 06_reasoning: голосование большинством (majority_vote), лучший из n по оценке проверяющего (best_of_n)
и замеры ноутбука на большем числе задач для benchmarks/ (reasoning_benchmark)."""
from __future__ import annotations

import numbers
import random

from course_utils import checks


# --- эталонные ответы ---

def reference_majority_vote(answers):
    """Самый частый распознанный ответ; None и '' не голосуют; при равенстве — встреченный раньше; нет — None."""
    counts = {}
    for answer in answers:
        if answer:
            counts[answer] = counts.get(answer, 0) + 1
    if not counts:
        return None
    return max(counts, key=counts.get)  # словарь помнит порядок появления, а max берёт первый из равных


def reference_best_of_n(samples, scores):
    """Образец с наибольшей оценкой; при равенстве оценок — тот, что стоит раньше."""
    best = 0
    for i in range(1, len(scores)):
        if scores[i] > scores[best]:
            best = i
    return samples[best]


# --- majority_vote ---

TIE_RULE = "При равенстве голосов побеждает ответ, который встретился в списке раньше других"
NONE_HINT = ("None — это не ответ, а попытка, из которой ответ не разобрать: она не голосует. Пропускайте её "
             "(например, `if answer:`), иначе несколько сломанных попыток перевесят верный ответ.")
EMPTY_HINT = ("Пустая строка '' — тоже нераспознанный ответ и не голосует: условие `if answer is not None` её "
              "засчитывает, а `if answer:` отбрасывает.")
ALL_NONE_HINT = ("Если распознанных ответов нет (все None или список пуст), голосовать не за что: верните None, "
                 "а не падайте на пустом Counter или max().")
COUNT_HINT = "Верните сам ответ (строку) без числа голосов: most_common(1) даёт список пар (ответ, голоса)."


def _tie_mistakes(answers) -> list[tuple[str, str]]:
    """Что дают неверные правила выбора среди равных по голосам: пары (подсказка, ответ)."""
    valid = [a for a in answers if a]
    counts = {a: valid.count(a) for a in dict.fromkeys(valid)}
    if not counts:
        return []
    top = max(counts.values())
    tied = [a for a, c in counts.items() if c == top]
    by_value = (f"{TIE_RULE}, а вы выбрали его по значению (наибольший или наименьший, как делают sorted(), max() "
                f"по паре (голоса, ответ) или сравнение чисел). Берите первый по порядку появления: словарь "
                f"помнит этот порядок, и max(counts, key=counts.get) возвращает первый из равных.")
    later = (f"{TIE_RULE}, а у вас побеждает встреченный позже: сравнение `>=` вместо `>` при обходе заменяет "
             f"лидера каждым следующим равным.")
    numbers = all(a.isdigit() for a in tied)
    last_vote = {a: max(i for i, v in enumerate(answers) if v == a) for a in tied}
    return [(by_value, max(tied)), (by_value, min(tied)),
            (by_value, max(tied, key=int) if numbers else max(tied)),
            (by_value, min(tied, key=int) if numbers else min(tied)),
            (later, tied[-1]), (later, max(tied, key=last_vote.get))]


def _check_vote(majority_vote, answers, expected, name=None):
    """Вызов, тип (строка или None) и значение с названием типичной ошибки."""
    name = name or f"majority_vote({answers!r})"
    result = checks.call(majority_vote, answers, name=name, hint=ALL_NONE_HINT if expected is None else "")
    if expected is None:
        if result is not None:
            hint = EMPTY_HINT if result == "" else ALL_NONE_HINT
            checks.fail(f"{name}: распознанных ответов нет, ожидалось None, получено {checks.describe(result)}.", hint)
        return
    if result is None:
        checks.fail(f"{name}: ожидалось {expected!r}, получено None.",
                    NONE_HINT if None in answers else "Не забыли return?")
    if isinstance(result, (tuple, list)):
        checks.fail(f"{name}: ожидалась строка {expected!r}, получено {checks.describe(result)}.", COUNT_HINT)
    checks.check_type(result, str, name, hint="Верните один из ответов списка как есть — строку.")
    if result == expected:
        return
    if result == "" and "" in answers:
        checks.fail(f"{name}: ожидалось {expected!r}, получено ''.", EMPTY_HINT)
    if result not in answers:
        checks.fail(f"{name}: ожидалось {expected!r}, получено {result!r} — такого ответа в списке нет.",
                    "Верните один из ответов списка, а не строку, собранную заново.")
    hint = checks.mistake_hint([hint for hint, wrong in _tie_mistakes(answers) if result == wrong])
    valid = [a for a in answers if a]
    if not hint and valid.count(result) == valid.count(expected):
        hint = (f"{TIE_RULE}. Порядок set() и sorted() не связан с порядком ответов в списке: считайте голоса в "
                f"dict или Counter — они помнят, какой ответ встретился раньше.")
    checks.fail(f"{name}: ожидалось {expected!r}, получено {result!r}.", hint or
                "Посчитайте голоса каждого распознанного ответа и верните ответ с наибольшим числом голосов.")


VOTE_CASES = [
    (["1112", "1112", "1102"], "1112"),
    (["1102", "1112", "1112"], "1112"),
    (["12", None, None, None, "12", "7"], "12"),
    (["", "", "", "5", "5"], "5"),
    ([None, "", "8"], "8"),
    (["42"], "42"),
    ([None, None], None),
    ([], None),
    (["", None, ""], None),
    (["5", "9", "1", "7", "7", "1", "9", "5"], "5"),
    (["7", "3", "3", "7"], "7"),
    (["3", "10", "10", "3", "9", "9"], "3"),
    (["10", "9", "9", "10", None, None, None], "10"),
    (["2", "8", "2", "8", "8", "2", "4"], "2"),
]


def check_majority_vote(majority_vote):
    """Примеры с None и '', с равенством голосов (разные правила выбора дают разные ответы), случайные списки."""
    for answers, expected in VOTE_CASES:
        _check_vote(majority_vote, answers, expected)
    rng = random.Random(6)
    for trial in range(30):
        pool = [str(rng.randrange(100, 200)) for _ in range(rng.randint(1, 5))] + [None, ""]
        answers = [rng.choice(pool) for _ in range(rng.randint(1, 12))]
        _check_vote(majority_vote, answers, reference_majority_vote(answers),
                    name=f"majority_vote на случайном списке №{trial + 1} {answers!r}")
    checks.passed("majority_vote верна: считает только распознанные ответы, при равенстве голосов берёт встреченный "
                  "раньше, без ответов возвращает None.")


# --- best_of_n ---

ORDER_HINT = ("samples[i] и scores[i] — пара: найдите номер i наибольшей оценки и верните samples[i] с тем же "
              "номером; не сортируйте попытки и оценки по отдельности.")
FIRST_HINT = ("При равенстве оценок верните попытку, которая стоит раньше: сравнивайте строго (`>`), а не `>=`, "
              "и не сравнивайте пары (оценка, попытка) — при равных оценках они упорядочатся по самим попыткам.")


def _check_best(best_of_n, samples, scores, name=None):
    """Вызов и сравнение с эталоном; у неверной попытки называет, какое правило его выбрало."""
    name = name or f"best_of_n({samples!r}, {scores!r})"
    expected = reference_best_of_n(samples, scores)
    result = checks.call(best_of_n, samples, scores, name=name)
    if isinstance(result, numbers.Real) and not isinstance(result, bool) and result not in samples:
        if result == max(scores):
            checks.fail(f"{name}: получено число {result!r} — это наибольшая оценка, а нужна сама попытка "
                        f"{expected!r}.", "Верните samples[i], где i — номер наибольшей оценки.")
        if isinstance(result, numbers.Integral) and 0 <= result < len(samples):
            checks.fail(f"{name}: получен номер {result!r}, а нужна сама попытка {expected!r}.",
                        "Верните samples[i], а не i.")
    if result is None:
        checks.fail(f"{name}: ожидалась попытка {expected!r}, получено None.",
                    "Оценки бывают и отрицательными: если лучшая оценка сначала равна 0, попытка с оценкой "
                    "ниже нуля её не превзойдёт. Начните с первой попытки (best = 0) или с −inf."
                    if max(scores) < 0 else "Не забыли return?")
    checks.check_type(result, type(expected), name, hint="Верните одну из попыток как есть.")
    if result == expected:
        return
    if result not in samples:
        checks.fail(f"{name}: ожидался {expected!r}, получено {result!r} — такой попытки в списке нет.", ORDER_HINT)
    got = scores[samples.index(result)]
    if max(scores) < 0 and result == samples[0]:
        checks.fail(f"{name}: ожидался {expected!r}, получено {result!r} — первая попытка.",
                    "Все оценки здесь отрицательные: если лучшая оценка сначала равна 0, ни одна попытка её не "
                    "превзойдёт, и остаётся первая. Начните с оценки первой попытки или с −inf.")
    if len(samples) > 1 and got == min(scores) and min(scores) < max(scores):
        checks.fail(f"{name}: ожидался {expected!r}, получено {result!r} — попытка с наименьшей оценкой {got}.",
                    "Нужна попытка с наибольшей оценкой: argmax, а не argmin (max, а не min).")
    if got == max(scores):
        checks.fail(f"{name}: ожидался {expected!r}, получено {result!r}: оценки у них равны, но {expected!r} "
                    f"стоит раньше.", FIRST_HINT)
    if scores[-1] == max(scores) and scores.index(max(scores)) == len(scores) - 1:
        checks.fail(f"{name}: ожидалась последняя попытка {expected!r} (у него наибольшая оценка), получено "
                    f"{result!r}.", "Последняя попытка не рассматривается: цикл должен идти по всем номерам, "
                                    "range(len(scores)), а не range(len(scores) - 1).")
    checks.fail(f"{name}: ожидался {expected!r} (оценка {max(scores)}), получено {result!r} (оценка {got}).",
                ORDER_HINT)


BEST_CASES = [
    (["a", "b", "c"], [0.2, 0.9, 0.5]),
    (["d", "a", "c", "b"], [0.5, 0.9, 0.1, 0.3]),
    (["1112", "1102", "1113"], [0.4, 0.6, 1.0]),
    (["x", "y", "z"], [-3.0, -1.0, -2.0]),
    (["m", "c", "z", "a", "k"], [0.1, 1.0, 1.0, 1.0, 1.0]),
    (["q", "b", "p"], [0.5, 0.5, 0.5]),
    (["solo"], [0.3]),
    (["s1", "s2", "s3", "s4"], [1, 3, 2, 3]),
    (["zz", "aa", "mm"], [0.7, 0.1, 0.4]),
]


def check_best_of_n(best_of_n):
    """Примеры: лучший в начале, в середине и в конце, отрицательные и равные оценки, случайные списки."""
    for samples, scores in BEST_CASES:
        _check_best(best_of_n, samples, scores)
    rng = random.Random(7)
    for trial in range(20):
        n = rng.randint(2, 10)
        samples = [f"{rng.randrange(1000, 10000)}." for _ in range(n)]
        samples = list(dict.fromkeys(samples)) or ["0."]
        scores = [rng.choice([0.0, 0.25, 0.5, 0.75, 1.0]) for _ in samples]
        _check_best(best_of_n, samples, scores, name=f"best_of_n на случайном примере №{trial + 1} "
                                                     f"({samples!r}, {scores!r})")
    checks.passed("best_of_n верна: возвращает попытку с наибольшей оценкой, при равенстве — стоящую раньше.")


# --- реестры ---

REFERENCES = {
    "06_rl_reasoning_reasoning_majority_vote": reference_majority_vote,
    "06_rl_reasoning_reasoning_best_of_n": reference_best_of_n,
}
CHECKS = {
    "06_rl_reasoning_reasoning_majority_vote": check_majority_vote,
    "06_rl_reasoning_reasoning_best_of_n": check_best_of_n,
}
HELPERS: dict = {}

_VOTE = "def majority_vote(answers):\n"
_BEST = "def best_of_n(samples, scores):\n"

MISTAKES = {
    "06_rl_reasoning_reasoning_majority_vote": {
        "tie broken by value (sorted)": (
            _VOTE + "    counts = Counter(a for a in answers if a)\n"
                    "    if not counts:\n"
                    "        return None\n"
                    "    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]\n",
            "по значению"),
        "tie broken by value (max of pairs)": (
            _VOTE + "    counts = Counter(a for a in answers if a)\n"
                    "    return max(counts, key=lambda a: (counts[a], a)) if counts else None\n", "по значению"),
        "later answer wins a tie (>=)": (
            _VOTE + "    counts = Counter(a for a in answers if a)\n"
                    "    best = None\n"
                    "    for answer, votes in counts.items():\n"
                    "        if best is None or votes >= counts[best]:\n"
                    "            best = answer\n"
                    "    return best\n", "встреченный позже"),
        "max over a set (order of a set is arbitrary)": (
            _VOTE + "    valid = [a for a in answers if a]\n"
                    "    return max(set(valid), key=valid.count) if valid else None\n", "встретился в списке раньше"),
        "None counted as an answer": (
            _VOTE + "    if not any(answers):\n"
                    "        return None\n"
                    "    return Counter(answers).most_common(1)[0][0]\n", "None — это не ответ"),
        "empty string counted": (
            _VOTE + "    counts = Counter(a for a in answers if a is not None)\n"
                    "    return counts.most_common(1)[0][0] if counts else None\n", "Пустая строка"),
        "crashes when nothing parsed": (
            _VOTE + "    return Counter(a for a in answers if a).most_common(1)[0][0]\n", "верните None"),
        "returns (answer, votes)": (
            _VOTE + "    counts = Counter(a for a in answers if a)\n"
                    "    return counts.most_common(1)[0] if counts else None\n", "без числа голосов"),
    },
    "06_rl_reasoning_reasoning_best_of_n": {
        "returns the score": (_BEST + "    return max(scores)\n", "наибольшая оценка, а нужна сама попытка"),
        "returns the index": (_BEST + "    return scores.index(max(scores))\n", "а не i"),
        "argmin": (_BEST + "    return samples[scores.index(min(scores))]\n", "argmax, а не argmin"),
        "samples sorted apart from scores": (
            _BEST + "    return sorted(samples)[scores.index(max(scores))]\n", "samples[i] и scores[i] — пара"),
        "later sample wins a tie (>=)": (
            _BEST + "    best = 0\n"
                    "    for i in range(len(scores)):\n"
                    "        if scores[i] >= scores[best]:\n"
                    "            best = i\n"
                    "    return samples[best]\n", "стоит раньше"),
        "ties broken by the sample (max of pairs)": (
            _BEST + "    return max(zip(scores, samples))[1]\n", "стоит раньше"),
        "last sample skipped (off by one)": (
            _BEST + "    best = 0\n"
                    "    for i in range(len(scores) - 1):\n"
                    "        if scores[i] > scores[best]:\n"
                    "            best = i\n"
                    "    return samples[best]\n", "Последняя попытка не рассматривается"),
        "best score starts at 0": (
            _BEST + "    best_sample, best_score = None, 0\n"
                    "    for sample, score in zip(samples, scores):\n"
                    "        if score > best_score:\n"
                    "            best_sample, best_score = sample, score\n"
                    "    return best_sample\n", "отрицательными"),
        "scores sorted in place": (
            _BEST + "    i = scores.index(max(scores))\n"
                    "    scores.sort()\n"
                    "    return samples[i]\n", "на месте"),
        "best score starts at 0 with the first sample": (
            _BEST + "    best_sample, best_score = samples[0], 0\n"
                    "    for sample, score in zip(samples, scores):\n"
                    "        if score > best_score:\n"
                    "            best_sample, best_score = sample, score\n"
                    "    return best_sample\n", "−inf"),
        "returns numpy's index": (_BEST + "    import numpy as np\n"
                                          "    return np.argmax(scores)\n", "а не i"),
    },
}


# --- замеры для benchmarks/ (их вызывает scripts/train_addition.py --bench или scripts/bench_rl.py) ---

def scaling_curves(samples, truth, ns, vote=reference_majority_vote, best=reference_best_of_n) -> dict:
    """Точность при n попытках на задачу: голосование, лучший из n по оценке черновика и pass@n.

    ``samples`` — по N попыток на задачу; для каждого n попытки делятся на N / n непересекающихся групп,
    и точность усредняется по группам и задачам.
    """
    from course_utils import reasoning

    answers = [[reasoning.final_answer(s) for s in group] for group in samples]
    scores = [[reasoning.scratchpad_score(s) for s in group] for group in samples]
    curves = {"majority_vote": [], "best_of_n": [], "pass_at_n": []}
    for n in ns:
        hits = {name: [] for name in curves}
        for texts, found, marks, right in zip(samples, answers, scores, truth):
            for start in range(0, len(texts) - n + 1, n):
                group = slice(start, start + n)
                hits["majority_vote"].append(vote(found[group]) == right)
                hits["best_of_n"].append(reasoning.final_answer(best(texts[group], marks[group])) == right)
                hits["pass_at_n"].append(right in found[group])
        for name in curves:
            curves[name].append(round(sum(hits[name]) / len(hits[name]), 4))
    return curves


def reasoning_benchmark(problems: int = 500, hard_problems: int = 200, samples: int = 64,
                        temperatures=(0.7, 1.0)) -> dict:
    """Ноутбук 06_reasoning на большем числе задач: точность обеих моделей по длине чисел, масштабирование во время
    ответа (n = 1…``samples`` попыток, две температуры) и бюджет на рассуждение. Около 4 минут на 2 ядрах."""
    import time

    import torch

    from course_utils import reasoning

    torch.set_num_threads(1)
    start = time.perf_counter()
    models = {kind: reasoning.load_addition_model(kind) for kind in ("direct", "cot")}
    report = {"parameters": models["cot"].num_parameters(), "problems_per_length": problems,
              "accuracy_by_digits": {kind: reasoning.accuracy_by_digits(model, n=problems, seed=11)
                                     for kind, model in models.items()}}
    hard = reasoning.problems_of_length(reasoning.MAX_DIGITS, n=hard_problems, seed=12)
    truth = [str(a + b) for a, b in hard]
    ns = [2 ** i for i in range(samples.bit_length()) if 2 ** i <= samples]
    scaling = {"problems": hard_problems, "digits": reasoning.MAX_DIGITS, "samples": samples, "n": ns,
               "greedy": reasoning.accuracy(models["cot"], hard)}
    for temperature in temperatures:
        flat = reasoning.complete(models["cot"], [reasoning.prompt(a, b) for a, b in hard], n=samples,
                                  temperature=temperature, seed=13)
        grouped = [flat[i * samples:(i + 1) * samples] for i in range(hard_problems)]
        scaling[f"T={temperature}"] = {"tokens_per_sample": round(sum(map(len, flat)) / len(flat), 1),
                                       **scaling_curves(grouped, truth, ns)}
    report["test_time_scaling"] = scaling
    mixed = reasoning.mixed_problems(problems, seed=14)
    budgets = list(range(0, 46, 3))
    report["thinking_budget"] = {
        "problems": problems, "budgets": budgets,
        "accuracy": [reasoning.accuracy(models["cot"], mixed, think_budget=k) for k in budgets],
        "direct_accuracy": reasoning.accuracy(models["direct"], mixed)}
    report["minutes"] = round((time.perf_counter() - start) / 60, 2)
    return report


def reasoning_benchmark_markdown(report: dict) -> list[str]:
    """Строки markdown для benchmarks/rl.md из словаря ``reasoning_benchmark()``."""
    digits = sorted(report["accuracy_by_digits"]["cot"], key=int)
    lines = [f"Одна модель ({report['parameters']:,} параметров), два формата ответа, одинаковое число токенов обучения; "
             f"жадная точность на {report['problems_per_length']} задачах каждой длины (оба слагаемых этой длины):", "",
             "| модель \\ цифр в слагаемом | " + " | ".join(digits) + " |",
             "|---|" + "---|" * len(digits)]
    for kind, name in (("direct", "сразу ответ"), ("cot", "с черновиком")):
        lines.append(f"| {name} | " + " | ".join(f"{report['accuracy_by_digits'][kind][d]:.3f}" for d in digits) + " |")
    scaling = report["test_time_scaling"]
    lines += ["", f"Масштабирование во время ответа: {scaling['problems']} задач «{scaling['digits']} цифр + "
                  f"{scaling['digits']} цифр», до {scaling['samples']} попыток модели с черновиком; жадный ответ "
                  f"{scaling['greedy']:.3f}.", "",
              "| температура, способ | " + " | ".join(f"n = {n}" for n in scaling["n"]) + " |",
              "|---|" + "---|" * len(scaling["n"])]
    for key in (k for k in scaling if k.startswith("T=")):
        for method, name in (("majority_vote", "голосование"), ("best_of_n", "лучший из n"), ("pass_at_n", "pass@n")):
            lines.append(f"| {key}, {name} | " + " | ".join(f"{v:.3f}" for v in scaling[key][method]) + " |")
    budget = report["thinking_budget"]
    lines += ["", f"Бюджет на рассуждение ({budget['problems']} задач с длинами 1–5 цифр; сразу ответ — "
                  f"{budget['direct_accuracy']:.3f}):", "",
              "| бюджет k | " + " | ".join(str(k) for k in budget["budgets"]) + " |",
              "|---|" + "---|" * len(budget["budgets"]),
              "| точность | " + " | ".join(f"{v:.3f}" for v in budget["accuracy"]) + " |"]
    return lines
