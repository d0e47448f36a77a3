"""Ноутбук 04_scaling_laws: вычисления на обучение (6ND) и степенной закон по точкам."""
from __future__ import annotations

import math

import numpy as np

from course_utils import checks


# --- эталонные ответы ---

def reference_training_flops(n_params, n_tokens):
    """Оценка вычислений на обучение в FLOP: 6 · N · D (2 FLOP на параметр и токен в прямом проходе, 4 — в обратном)."""
    return 6.0 * n_params * n_tokens


def reference_fit_power_law(n, loss):
    """(a, alpha) в loss ≈ a · n^(−alpha): прямая по методу наименьших квадратов в координатах (ln n, ln loss)."""
    slope, intercept = np.polyfit(np.log(np.asarray(n, dtype=float)), np.log(np.asarray(loss, dtype=float)), 1)
    return float(math.exp(intercept)), float(-slope)


# --- training_flops ---

def flops_mistakes(n_params, n_tokens):
    """Что дают типичные ошибки подсчёта FLOP."""
    return {"Это только прямой проход (2·N·D). При обучении есть и обратный проход, он вдвое дороже прямого: "
            "всего 6·N·D.": 2 * n_params * n_tokens,
            "Посчитаны умножения-сложения (3·N·D), а не FLOP: каждая пара «умножить и прибавить» — это 2 операции.":
            3 * n_params * n_tokens,
            "Забыт множитель 6: на каждый токен каждый параметр стоит 6 FLOP (2 — прямой проход, 4 — обратный).":
            n_params * n_tokens,
            "Параметры и токены нужно перемножить, а не сложить: каждый токен проходит через все параметры.":
            n_params + n_tokens}


def check_training_flops(training_flops):
    """Пример из текста, GPT-3, Chinchilla, целые числа, числа numpy и ноль токенов."""
    cases = [(1e6, 2e7, "примера из текста (N = 10⁶, D = 2·10⁷)"),
             (175e9, 300e9, "GPT-3 (175 млрд параметров, 300 млрд токенов)"),
             (70e9, 1.4e12, "Chinchilla (70 млрд параметров, 1.4 трлн токенов)"),
             (1_000, 500, "целых чисел: 1000 параметров, 500 токенов"),
             (np.float64(3e5), np.int64(7_000), "чисел numpy")]
    for n_params, n_tokens, what in cases:
        name = f"FLOP для {what}"
        flops = checks.call(training_flops, n_params, n_tokens, name=name)
        checks.check_type(flops, float, name)
        checks.check_close(flops, reference_training_flops(float(n_params), float(n_tokens)), name=name,
                           mistakes=flops_mistakes(float(n_params), float(n_tokens)))
    checks.check_close(checks.call(training_flops, 5e6, 0, name="FLOP при нуле токенов"), 0.0,
                       name="FLOP при нуле токенов", hint="Без токенов нет и вычислений: оценка пропорциональна D.")
    checks.passed("6ND верно для всех моделей.")


# --- fit_power_law ---

def least_squares_line(x, y):
    """Наклон и пересечение прямой y ≈ slope · x + intercept по методу наименьших квадратов (формулы из учебника)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    slope = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    return float(slope), float(y.mean() - slope * x.mean())


def power_law_mistakes(n, loss):
    """Что дают типичные ошибки подбора: подсказки для alpha и для a."""
    ln_n, ln_loss = np.log(n), np.log(loss)
    slope, intercept = least_squares_line(ln_n, ln_loss)
    linear_slope, linear_intercept = least_squares_line(n, loss)
    _, intercept_10 = least_squares_line(np.log10(n), np.log10(loss))
    alpha_mistakes = {
        "Вернули наклон прямой, а он отрицательный: alpha = −наклон, ведь ln loss = ln a − alpha · ln n.": slope,
        "Прямую проводят через логарифмы (ln n, ln loss), а не через сами n и loss.": -linear_slope,
        "Логарифмы взяты по разным основаниям (log10 для одной оси, ln для другой): берите одинаковые.":
        -slope * math.log(10),
        "Логарифмы взяты по разным основаниям (ln для одной оси, log10 для другой): берите одинаковые.":
        -slope / math.log(10),
        "Прямую нужно провести по всем точкам методом наименьших квадратов, а не через две крайние.":
        -(ln_loss[-1] - ln_loss[0]) / (ln_n[-1] - ln_n[0])}
    if np.ptp(ln_loss) > 0:  # если loss не меняется, регрессия «наоборот» не определена
        swapped_slope, _ = least_squares_line(ln_loss, ln_n)
        alpha_mistakes["Оси перепутаны: регрессируют ln loss по ln n — polyfit(ln n, ln loss, 1), "
                       "а не наоборот."] = -swapped_slope
    a_mistakes = {
        "Пересечение прямой — это ln a: верните a = exp(пересечение).": intercept,
        "Пересечение посчитано в log10, а возведено через exp: для log10 нужно 10 ** пересечение.":
        math.exp(intercept_10),
        "Пересечение посчитано в ln, а возведено как 10 ** пересечение: для ln нужно exp(пересечение).":
        10 ** intercept,
        "Прямую проводят через логарифмы (ln n, ln loss), а не через сами n и loss.": linear_intercept}
    return alpha_mistakes, a_mistakes


def linear_error(n, loss, a, alpha):
    """Сумма квадратов ошибок в самих loss (не в логарифмах) для закона a · n^(−alpha)."""
    return float(np.sum((np.asarray(loss, dtype=float) - a * np.asarray(n, dtype=float) ** -alpha) ** 2))


def checked_power_law(fit_power_law, n, loss, name, atol=1e-6, rtol=1e-4):
    """Тип → длина → порядок → alpha → a для ответа fit_power_law(n, loss); возвращает (a, alpha)."""
    result = checks.call(fit_power_law, n, loss, name=f"fit_power_law(...) для {name}")
    checks.check_type(result, tuple, f"fit_power_law(...) для {name}", hint="Верните кортеж: return a, alpha.")
    checks.check_equal(len(result), 2, f"число значений в ответе для {name}", hint="Верните кортеж: return a, alpha.")
    a, alpha = result
    checks.check_type(a, float, f"a для {name}")
    checks.check_type(alpha, float, f"alpha для {name}")
    right_a, right_alpha = reference_fit_power_law(n, loss)
    if math.isclose(a, right_alpha, rel_tol=rtol) and math.isclose(alpha, right_a, rel_tol=rtol):
        checks.fail(f"fit_power_law(...) для {name}: ожидалось (a, alpha) = ({right_a:.4g}, {right_alpha:.4g}), "
                    f"получено ({a:.4g}, {alpha:.4g}).",
                    "Порядок ответа — (a, alpha): сначала множитель, потом показатель.")
    alpha_mistakes, a_mistakes = power_law_mistakes(n, loss)
    if not math.isclose(alpha, right_alpha, rel_tol=rtol, abs_tol=atol) and a > 0:
        named = any(math.isclose(alpha, wrong, rel_tol=rtol, abs_tol=atol) for wrong in alpha_mistakes.values())
        if not named and linear_error(n, loss, a, alpha) < linear_error(n, loss, right_a, right_alpha):
            checks.fail(f"alpha для {name}: ожидалось {right_alpha:.6g}, получено {alpha:.6g}.",
                        "Похоже, параметры подбирались в обычных координатах: ошибка в самих loss у вас меньше, чем у "
                        "нужного ответа. Подбирайте прямую по методу наименьших квадратов в логарифмах.")
    checks.check_close(alpha, right_alpha, name=f"alpha для {name}", atol=atol, rtol=rtol, mistakes=alpha_mistakes)
    checks.check_close(a, right_a, name=f"a для {name}", atol=atol, rtol=rtol, mistakes=a_mistakes)
    return a, alpha


def check_fit_power_law(fit_power_law):
    """Пример из текста, точный закон, 12 точек с шумом, две точки списками и лосс, который не меняется."""
    n_text = [1e3, 1e4, 1e5]
    checked_power_law(fit_power_law, n_text, [5 * n ** -0.1 for n in n_text], "примера из текста")
    n_exact = np.array([10.0, 100.0, 1e3, 1e4, 1e5])
    checked_power_law(fit_power_law, n_exact, 8.0 * n_exact ** -0.25, "точного закона 8 · n^(−0.25)")
    rng = np.random.default_rng(7)
    n_noisy = np.logspace(3, 9, 12)
    loss_noisy = 3.2 * n_noisy ** -0.07 * np.exp(rng.normal(0.0, 0.03, size=12))
    checked_power_law(fit_power_law, n_noisy, loss_noisy, "12 точек с шумом")
    checked_power_law(fit_power_law, list(n_noisy[:2]), list(loss_noisy[:2]), "двух точек, переданных списками")
    _, alpha = checked_power_law(fit_power_law, [1e4, 1e6, 1e8], [2.0, 2.0, 2.0], "лосса, который не меняется")
    checks.check_close(alpha, 0.0, name="alpha для лосса, который не меняется", atol=1e-9)
    checks.passed("Степенной закон подобран верно для всех наборов точек.")


# --- реестры ---

REFERENCES = {
    "04_pretraining_scaling_flops": reference_training_flops,
    "04_pretraining_scaling_fit_power_law": reference_fit_power_law,
}
CHECKS = {
    "04_pretraining_scaling_flops": check_training_flops,
    "04_pretraining_scaling_fit_power_law": check_fit_power_law,
}
HELPERS: dict = {}

_FLOPS = "def training_flops(n_params, n_tokens):\n"
_FIT = ("def fit_power_law(n, loss):\n"
        "    n, loss = np.asarray(n, dtype=float), np.asarray(loss, dtype=float)\n")

MISTAKES = {
    "04_pretraining_scaling_flops": {
        "forward pass only (2ND)": (_FLOPS + "    return 2.0 * n_params * n_tokens", "только прямой проход"),
        "multiply-adds instead of FLOP (3ND)": (_FLOPS + "    return 3.0 * n_params * n_tokens",
                                                "умножения-сложения"),
        "factor 6 forgotten (ND)": (_FLOPS + "    return float(n_params * n_tokens)", "Забыт множитель 6"),
        "sum instead of product (N + D)": (_FLOPS + "    return float(n_params + n_tokens)",
                                           "перемножить, а не сложить"),
        "a tensor instead of a number": (_FLOPS + "    return torch.tensor(6.0 * n_params * n_tokens)",
                                         "ожидался тип float"),
        "nothing returned": (_FLOPS + "    flops = 6.0 * n_params * n_tokens", "не забыли return"),
    },
    "04_pretraining_scaling_fit_power_law": {
        "slope returned instead of alpha": (_FIT +
                                            "    slope, intercept = np.polyfit(np.log(n), np.log(loss), 1)\n"
                                            "    return float(np.exp(intercept)), float(slope)",
                                            "alpha = −наклон"),
        "straight line through raw n and loss": (_FIT +
                                                 "    slope, intercept = np.polyfit(n, loss, 1)\n"
                                                 "    return float(intercept), float(-slope)",
                                                 "а не через сами n и loss"),
        "least squares in linear space (grid search)": (_FIT +
                                                        "    best = None\n"
                                                        "    for alpha in np.linspace(0.0, 1.0, 20001):\n"
                                                        "        basis = n ** -alpha\n"
                                                        "        a = float(basis @ loss / (basis @ basis))\n"
                                                        "        error = float(np.sum((loss - a * basis) ** 2))\n"
                                                        "        if best is None or error < best[0]:\n"
                                                        "            best = (error, a, float(alpha))\n"
                                                        "    return best[1], best[2]",
                                                        "в обычных координатах"),
        "intercept not exponentiated": (_FIT +
                                        "    slope, intercept = np.polyfit(np.log(n), np.log(loss), 1)\n"
                                        "    return float(intercept), float(-slope)",
                                        "a = exp(пересечение)"),
        "log10 intercept exponentiated with e": (_FIT +
                                                 "    slope, intercept = np.polyfit(np.log10(n), np.log10(loss), 1)\n"
                                                 "    return float(np.exp(intercept)), float(-slope)",
                                                 "для log10 нужно 10 ** пересечение"),
        "axes swapped": (_FIT +
                         "    slope, intercept = np.polyfit(np.log(loss), np.log(n), 1)\n"
                         "    return float(np.exp(intercept)), float(-slope)",
                         "Оси перепутаны"),
        "mixed log bases": (_FIT +
                            "    slope, intercept = np.polyfit(np.log10(n), np.log(loss), 1)\n"
                            "    return float(np.exp(intercept)), float(-slope)",
                            "по разным основаниям"),
        "line through the two end points": (_FIT +
                                            "    x, y = np.log(n), np.log(loss)\n"
                                            "    slope = (y[-1] - y[0]) / (x[-1] - x[0])\n"
                                            "    return float(np.exp(y[0] - slope * x[0])), float(-slope)",
                                            "а не через две крайние"),
        "(alpha, a) in the wrong order": (_FIT +
                                          "    slope, intercept = np.polyfit(np.log(n), np.log(loss), 1)\n"
                                          "    return float(-slope), float(np.exp(intercept))",
                                          "Порядок ответа — (a, alpha)"),
        "numpy array returned": (_FIT +
                                 "    slope, intercept = np.polyfit(np.log(n), np.log(loss), 1)\n"
                                 "    return np.array([np.exp(intercept), -slope])",
                                 "ожидался тип tuple"),
    },
}
