"""Typical mistakes for notebook 4 of chapter 04 «Предобучение» (scaling laws: 6ND, fitting a power law)."""

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
