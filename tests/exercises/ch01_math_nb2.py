"""Typical mistakes for notebook 2 of chapter 01 (merged by ch01_math.py)."""

MISTAKES = {
    "01_math_grad_central_difference": {
        "forward difference": ("def central_difference(f, x, h=1e-5):\n"
                               "    return (f(x + h) - f(x)) / h", "разность вперёд"),
        "division by h instead of 2h": ("def central_difference(f, x, h=1e-5):\n"
                                        "    return (f(x + h) - f(x - h)) / h", "нужно делить на 2h"),
        "backward difference": ("def central_difference(f, x, h=1e-5):\n"
                                "    return (f(x) - f(x - h)) / h", "разность назад"),
        "operator precedence": ("def central_difference(f, x, h=1e-5):\n"
                                "    return (f(x + h) - f(x - h)) / 2 * h", "/ (2 * h)"),
        "step h ignored": ("def central_difference(f, x, h=1e-5):\n"
                           "    return (f(x + 1e-5) - f(x - 1e-5)) / 2e-5", "шаг h, переданный в функцию"),
    },
    "01_math_grad_numerical_gradient": {
        "in-place nudge without restoring": ("def numerical_gradient(f, w, h=1e-5):\n"
                                             "    grad = torch.zeros_like(w)\n"
                                             "    for i in range(w.shape[0]):\n"
                                             "        w[i] += h\n"
                                             "        f_plus = f(w)\n"
                                             "        w[i] -= 2 * h\n"
                                             "        grad[i] = (f_plus - f(w)) / (2 * h)\n"
                                             "    return grad", "на месте"),
        "alias instead of a copy": ("def numerical_gradient(f, w, h=1e-5):\n"
                                    "    grad = torch.zeros_like(w)\n"
                                    "    for i in range(w.shape[0]):\n"
                                    "        w_plus, w_minus = w, w.clone()\n"
                                    "        w_plus[i] += h\n"
                                    "        w_minus[i] -= h\n"
                                    "        grad[i] = (f(w_plus) - f(w_minus)) / (2 * h)\n"
                                    "    return grad", "на месте"),
        "nudge and restore by arithmetic": ("def numerical_gradient(f, w, h=1e-5):\n"
                                            "    grad = torch.zeros_like(w)\n"
                                            "    for i in range(w.shape[0]):\n"
                                            "        w[i] += h\n"
                                            "        f_plus = f(w)\n"
                                            "        w[i] -= 2 * h\n"
                                            "        f_minus = f(w)\n"
                                            "        w[i] += h\n"
                                            "        grad[i] = (f_plus - f_minus) / (2 * h)\n"
                                            "    return grad", "в последних знаках"),
        "forward difference": ("def numerical_gradient(f, w, h=1e-5):\n"
                               "    grad = torch.zeros_like(w)\n"
                               "    for i in range(w.shape[0]):\n"
                               "        shift = torch.zeros_like(w)\n"
                               "        shift[i] = h\n"
                               "        grad[i] = (f(w + shift) - f(w)) / h\n"
                               "    return grad", "разность вперёд"),
        "all coordinates shifted at once": ("def numerical_gradient(f, w, h=1e-5):\n"
                                            "    return torch.full_like(w, float((f(w + h) - f(w - h)) / (2 * h)))",
                                            "по одной координате"),
        "float32 result": ("def numerical_gradient(f, w, h=1e-5):\n"
                           "    grad = torch.zeros(w.shape[0])\n"
                           "    for i in range(w.shape[0]):\n"
                           "        shift = torch.zeros_like(w)\n"
                           "        shift[i] = h\n"
                           "        grad[i] = (f(w + shift) - f(w - shift)) / (2 * h)\n"
                           "    return grad", "torch.zeros_like(w)"),
        "list returned": ("def numerical_gradient(f, w, h=1e-5):\n"
                          "    grad = []\n"
                          "    for i in range(w.shape[0]):\n"
                          "        shift = torch.zeros_like(w)\n"
                          "        shift[i] = h\n"
                          "        grad.append(float((f(w + shift) - f(w - shift)) / (2 * h)))\n"
                          "    return grad", "ожидался тип torch.Tensor"),
    },
    "01_math_grad_gd_step": {
        "plus instead of minus": ("def gd_step(w, grad, lr):\n    return w + lr * grad", "Знак перепутан"),
        "in-place update": ("def gd_step(w, grad, lr):\n    w -= lr * grad\n    return w", "на месте"),
        "learning rate ignored": ("def gd_step(w, grad, lr):\n    return w - grad", "скорость обучения"),
        "in-place sub_": ("def gd_step(w, grad, lr):\n    return w.sub_(lr * grad)", "на месте"),
    },
    "01_math_grad_descent": {
        "path without w0": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                            "    w, path = w0, []\n"
                            "    for _ in range(steps):\n"
                            "        w = gd_step(w, grad_fn(w), lr)\n"
                            "        path.append(w)\n"
                            "    return torch.stack(path)", "steps + 1"),
        "same tensor appended (aliasing)": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                                            "    w = w0.clone()\n"
                                            "    path = [w]\n"
                                            "    for _ in range(steps):\n"
                                            "        w -= lr * grad_fn(w)\n"
                                            "        path.append(w)\n"
                                            "    return torch.stack(path)", "Все строки пути одинаковые"),
        "in-place update of w0": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                                  "    w = w0\n"
                                  "    path = [w.clone()]\n"
                                  "    for _ in range(steps):\n"
                                  "        w -= lr * grad_fn(w)\n"
                                  "        path.append(w.clone())\n"
                                  "    return torch.stack(path)", "на месте"),
        "gradient only at w0": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                                "    w, path = w0, [w0]\n"
                                "    for _ in range(steps):\n"
                                "        w = gd_step(w, grad_fn(w0), lr)\n"
                                "        path.append(w)\n"
                                "    return torch.stack(path)", "пересчитывать в каждой новой точке"),
        "one step too many": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                              "    w, path = w0, [w0]\n"
                              "    for _ in range(steps + 1):\n"
                              "        w = gd_step(w, grad_fn(w), lr)\n"
                              "        path.append(w)\n"
                              "    return torch.stack(path)", "steps + 1"),
        "list of points returned": ("def gradient_descent(grad_fn, w0, lr, steps):\n"
                                    "    w, path = w0, [w0]\n"
                                    "    for _ in range(steps):\n"
                                    "        w = gd_step(w, grad_fn(w), lr)\n"
                                    "        path.append(w)\n"
                                    "    return path", "torch.stack"),
    },
}
