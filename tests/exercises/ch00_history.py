"""Typical mistakes for chapter 00 «История LLM»."""

MISTAKES = {
    "00_history_perceptron_predict": {
        "bias forgotten": ("def perceptron_predict(X, w, b):\n    return (X @ w > 0).astype(np.int64)",
                           "забыто смещение"),
        ">= instead of >": ("def perceptron_predict(X, w, b):\n    return (X @ w + b >= 0).astype(np.int64)",
                            "строгое сравнение"),
        "booleans returned": ("def perceptron_predict(X, w, b):\n    return X @ w + b > 0", ".astype"),
        "raw sums returned": ("def perceptron_predict(X, w, b):\n    return X @ w + b", "dtype float64"),
        "column instead of vector": (
            "def perceptron_predict(X, w, b):\n    return (X @ w[:, None] + b > 0).astype(np.int64)",
            "ожидалась форма (2,)"),
    },
    "00_history_perceptron_update": {
        "sign flipped": ("def perceptron_update(w, b, x, y, lr):\n"
                         "    e = perceptron_predict(x[None], w, b)[0] - y\n"
                         "    return w + lr * e * x, b + lr * e", "Знак перепутан"),
        "bias not updated": ("def perceptron_update(w, b, x, y, lr):\n"
                             "    e = y - perceptron_predict(x[None], w, b)[0]\n"
                             "    return w + lr * e * x, b", "Смещение тоже нужно обновлять"),
        "in-place edit": ("def perceptron_update(w, b, x, y, lr):\n"
                          "    e = y - perceptron_predict(x[None], w, b)[0]\n"
                          "    w += lr * e * x\n"
                          "    return w, b + lr * e", "на месте"),
        "learning rate ignored": ("def perceptron_update(w, b, x, y, lr):\n"
                                  "    e = y - perceptron_predict(x[None], w, b)[0]\n"
                                  "    return w + e * x, b + e", "значения не совпадают"),
        "always updates": ("def perceptron_update(w, b, x, y, lr):\n"
                           "    return w + lr * x * (1 if y == 1 else -1), b + lr * (1 if y == 1 else -1)",
                           "веса после верного ответа"),
    },
    "00_history_xor_two_layer": {
        "hard-coded answer": ("def xor_two_layer(X):\n    return np.array([0, 1, 1, 0])", "не зашивайте ответ"),
        "only OR": ("def xor_two_layer(X):\n    return perceptron_predict(X, np.array([1.0, 1.0]), -0.5)",
                    "Получилось OR"),
    },
    "00_history_rnn_step": {
        "W_hh transposed": ("def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
                            "    return torch.tanh(x_t @ W_xh + h_prev @ W_hh.T + b)", "не нужно транспонировать"),
        "tanh forgotten": ("def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
                           "    return x_t @ W_xh + h_prev @ W_hh + b", "Забыт tanh"),
        "sigmoid instead of tanh": ("def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
                                    "    return torch.sigmoid(x_t @ W_xh + h_prev @ W_hh + b)", "а не сигмоида"),
        "previous state ignored": ("def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
                                   "    return torch.tanh(x_t @ W_xh + b)", "Забыто прошлое состояние"),
        "factors swapped": ("def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
                            "    return torch.tanh(W_xh @ x_t + h_prev @ W_hh + b)", "упала с ошибкой RuntimeError"),
        "in-place edit of h_prev": ("def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
                                    "    h_prev += x_t @ W_xh\n"
                                    "    return torch.tanh(h_prev @ W_hh + b)", "значения не совпадают"),
    },
    "00_history_rnn_forward": {
        "time stacked first": ("def rnn_forward(xs, h0, W_xh, W_hh, b):\n"
                               "    h, out = h0, []\n"
                               "    for t in range(xs.shape[1]):\n"
                               "        h = rnn_step(xs[:, t], h, W_xh, W_hh, b)\n"
                               "        out.append(h)\n"
                               "    return torch.stack(out)", "torch.stack(..., dim=1)"),
        "state not carried": ("def rnn_forward(xs, h0, W_xh, W_hh, b):\n"
                              "    return torch.stack([rnn_step(xs[:, t], h0, W_xh, W_hh, b)\n"
                              "                        for t in range(xs.shape[1])], dim=1)", "Состояние не передаётся"),
        "h0 included": ("def rnn_forward(xs, h0, W_xh, W_hh, b):\n"
                        "    h, out = h0, [h0]\n"
                        "    for t in range(xs.shape[1]):\n"
                        "        h = rnn_step(xs[:, t], h, W_xh, W_hh, b)\n"
                        "        out.append(h)\n"
                        "    return torch.stack(out, dim=1)", "ожидалась форма (2, 5, 4), получено (2, 6, 4)"),
        "only the last state": ("def rnn_forward(xs, h0, W_xh, W_hh, b):\n"
                                "    h = h0\n"
                                "    for t in range(xs.shape[1]):\n"
                                "        h = rnn_step(xs[:, t], h, W_xh, W_hh, b)\n"
                                "    return h", "вдоль оси времени"),
    },
    "00_history_lstm_step": {
        "input gate forgotten": ("def lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):\n"
                                 "    a_i, a_f, a_g, a_o = (x_t @ W_x + h_prev @ W_h + b).chunk(4, dim=1)\n"
                                 "    c = torch.sigmoid(a_f) * c_prev + torch.tanh(a_g)\n"
                                 "    return torch.sigmoid(a_o) * torch.tanh(c), c", "гейт записи i"),
        "no tanh on the cell": ("def lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):\n"
                                "    a_i, a_f, a_g, a_o = (x_t @ W_x + h_prev @ W_h + b).chunk(4, dim=1)\n"
                                "    c = torch.sigmoid(a_f) * c_prev + torch.sigmoid(a_i) * torch.tanh(a_g)\n"
                                "    return torch.sigmoid(a_o) * c, c", "h_t = o * tanh(c_t)"),
        "tanh gates": ("def lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):\n"
                       "    a_i, a_f, a_g, a_o = (x_t @ W_x + h_prev @ W_h + b).chunk(4, dim=1)\n"
                       "    c = torch.tanh(a_f) * c_prev + torch.tanh(a_i) * torch.tanh(a_g)\n"
                       "    return torch.tanh(a_o) * torch.tanh(c), c", "Гейты i, f, o — это сигмоида"),
        "gate order i, f, o, g": ("def lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):\n"
                                  "    a_i, a_f, a_o, a_g = (x_t @ W_x + h_prev @ W_h + b).chunk(4, dim=1)\n"
                                  "    c = torch.sigmoid(a_f) * c_prev + torch.sigmoid(a_i) * torch.tanh(a_g)\n"
                                  "    return torch.sigmoid(a_o) * torch.tanh(c), c", "кандидат g третий"),
        "returns h only": ("def lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):\n"
                           "    a_i, a_f, a_g, a_o = (x_t @ W_x + h_prev @ W_h + b).chunk(4, dim=1)\n"
                           "    c = torch.sigmoid(a_f) * c_prev + torch.sigmoid(a_i) * torch.tanh(a_g)\n"
                           "    return torch.sigmoid(a_o) * torch.tanh(c)", "return h_t, c_t"),
    },
    "00_history_timeline_growth": {
        "ratio divided by years": ("def yearly_growth(params_start, params_end, years):\n"
                                   "    return float(params_end / params_start / years)", "корень степени years"),
        "total growth": ("def yearly_growth(params_start, params_end, years):\n"
                         "    return float(params_end / params_start)", "возведите в степень 1 / years"),
        "off by one year": ("def yearly_growth(params_start, params_end, years):\n"
                            "    return float((params_end / params_start) ** (1 / (years + 1)))", "ожидалось 10"),
    },
    "00_history_quiz_dates": {
        "wrong year": ("perceptron_year, transformer_year, gpt3_billions = 1958, 2017, 175\n"
                       "chronology = ['backpropagation', 'LSTM', 'AlexNet', 'GPT-3', 'ChatGPT']", "неверный"),
        "wrong order": ("perceptron_year, transformer_year, gpt3_billions = 1957, 2017, 175\n"
                        "chronology = ['LSTM', 'backpropagation', 'AlexNet', 'GPT-3', 'ChatGPT']", "неверный"),
        "year as string": ("perceptron_year, transformer_year, gpt3_billions = '1957', 2017, 175\n"
                           "chronology = ['backpropagation', 'LSTM', 'AlexNet', 'GPT-3', 'ChatGPT']",
                           "ожидался тип int"),
    },
    "00_history_quiz_ideas": {
        "wrong choice": ("why_xor, lstm_idea, transformer_idea, o1_idea = 'a', 'b', 'a', 'c'", "неверный"),
        "letter not in options": ("why_xor, lstm_idea, transformer_idea, o1_idea = 'b', 'd', 'a', 'c'",
                                  "ожидался один из вариантов"),
    },
}

E2E_MISTAKES = ["00_history_perceptron_update", "00_history_lstm_step", "00_history_timeline_growth",
                "00_history_quiz_ideas"]

# A right answer whose code makes the library warn (torch.tensor on a tensor → UserWarning on stderr).
WARNING_NOTEBOOKS = ["01_perceptron.ipynb"]
WARNING_ANSWERS = {
    "00_history_perceptron_predict": (
        "def perceptron_predict(X, w, b):\n"
        "    z = torch.tensor(torch.as_tensor(X @ w + b))  # torch warns: use clone().detach()\n"
        "    return (z > 0).numpy().astype(np.int64)\n"),
}
