"""Грейдер ноутбука 02_rnn_memory.ipynb: шаг RNN, проход по последовательности, шаг LSTM."""
import torch

from course_utils import checks

from ._common import check_pair

NO_TANH = "Забыт tanh: сумму нужно пропустить через torch.tanh."
PAIR = "Верните пару: return h_t, c_t."


def reference_rnn_step(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(x_t @ W_xh + h_prev @ W_hh + b)


def reference_rnn_forward(xs, h0, W_xh, W_hh, b):
    h, states = h0, []
    for t in range(xs.shape[1]):
        h = reference_rnn_step(xs[:, t], h, W_xh, W_hh, b)
        states.append(h)
    return torch.stack(states, dim=1)


def reference_lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):
    a_i, a_f, a_g, a_o = (x_t @ W_x + h_prev @ W_h + b).chunk(4, dim=1)
    c_t = torch.sigmoid(a_f) * c_prev + torch.sigmoid(a_i) * torch.tanh(a_g)
    return torch.sigmoid(a_o) * torch.tanh(c_t), c_t


def check_rnn_step(rnn_step):
    """Случайный батч: форма (B, H), вход h_prev не меняется, значения сверяются с формулой."""
    torch.manual_seed(1)
    x_t, h_prev = torch.randn(3, 2), torch.randn(3, 5)
    W_xh, W_hh, b = torch.randn(2, 5), torch.randn(5, 5), torch.randn(5)
    h_copy = h_prev.clone()
    answer = checks.call(rnn_step, x_t, h_prev, W_xh, W_hh, b,
                         hint="Проверьте порядок множителей: x_t @ W_xh, а не W_xh @ x_t.")
    checks.check_type(answer, torch.Tensor, "rnn_step(...)")
    checks.check_shape(answer, (3, 5), "rnn_step(...)")
    checks.check_unchanged(h_copy, h_prev, "тензор h_prev")
    z = x_t @ W_xh + h_prev @ W_hh + b
    checks.check_close(answer, torch.tanh(z), name="rnn_step на случайных данных", atol=1e-5,
                       mistakes={"W_hh не нужно транспонировать: h_prev @ W_hh.":
                                 torch.tanh(x_t @ W_xh + h_prev @ W_hh.T + b),
                                 "Забыто смещение b.": torch.tanh(z - b),
                                 NO_TANH: z,
                                 "Нужен tanh, а не сигмоида.": torch.sigmoid(z),
                                 "Забыто прошлое состояние: добавьте h_prev @ W_hh.": torch.tanh(x_t @ W_xh + b)})


def _forward_shape_hint(shape, B: int, T: int, H: int) -> str:
    """Подсказка по неверной форме ответа rnn_forward: что именно сложено не так."""
    if len(shape) == 2:
        return "Верните все состояния h_1..h_T, сложенные вдоль оси времени, а не только последнее."
    if tuple(shape) == (T, B, H):
        return "Ось времени — вторая: torch.stack(..., dim=1)."
    if tuple(shape) == (B, T + 1, H):
        return "Начальное состояние h_0 в ответ не входит: верните T состояний h_1..h_T."
    return "Нужна форма (B, T, H): складывайте состояния вдоль оси времени, torch.stack(..., dim=1)."


def check_rnn_forward(rnn_forward):
    """Сравнение с torch.nn.RNN при ненулевом h0 (эталонный rnn_step подставляется вместо студенческого)."""
    torch.manual_seed(3)
    B, T, D, H = 4, 7, 2, 3
    reference = torch.nn.RNN(input_size=D, hidden_size=H, batch_first=True)
    W_xh, W_hh = reference.weight_ih_l0.detach().T, reference.weight_hh_l0.detach().T
    b = (reference.bias_ih_l0 + reference.bias_hh_l0).detach()
    xs, h0 = torch.randn(B, T, D), torch.randn(B, H)
    with torch.no_grad():
        expected, _ = reference(xs, h0[None])
    answer = checks.call(rnn_forward, xs, h0, W_xh, W_hh, b, helpers=("rnn_step",))
    checks.check_type(answer, torch.Tensor, "rnn_forward(...)")
    checks.check_shape(answer, (B, T, H), "rnn_forward(...)", hint=_forward_shape_hint(answer.shape, B, T, H))
    forgetful = torch.stack([reference_rnn_step(xs[:, t], h0, W_xh, W_hh, b) for t in range(T)], dim=1)
    checks.check_close(answer, expected, name="rnn_forward с ненулевым h0", atol=1e-5,
                       mistakes={"Состояние не передаётся дальше: на каждом шаге используйте новое h, а не h0.":
                                 forgetful})


def check_lstm_step(lstm_step):
    """Сравнение с torch.nn.LSTMCell; типичные ошибки в вентилях названы по отдельности."""
    torch.manual_seed(5)
    cell = torch.nn.LSTMCell(input_size=2, hidden_size=3)
    W_x, W_h = cell.weight_ih.detach().T, cell.weight_hh.detach().T
    b = (cell.bias_ih + cell.bias_hh).detach()
    x_t, h_prev, c_prev = torch.randn(5, 2), torch.randn(5, 3), torch.randn(5, 3)
    with torch.no_grad():
        expected_h, expected_c = cell(x_t, (h_prev, c_prev))
    result = checks.call(lstm_step, x_t, h_prev, c_prev, W_x, W_h, b)
    h_t, c_t = check_pair(result, "lstm_step(...)", PAIR)
    checks.check_type(c_t, torch.Tensor, "c_t")
    checks.check_shape(c_t, (5, 3), "c_t")
    i, f, g, o = (x_t @ W_x + h_prev @ W_h + b).chunk(4, dim=1)
    checks.check_close(c_t, expected_c, name="c_t на случайных данных", atol=1e-5, mistakes={
        "Порядок частей — (i, f, g, o), как в PyTorch: кандидат g третий.":
            torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(o),
        "Кандидат g нужно умножить на вентиль записи i: c_t = f * c_prev + i * g.":
            torch.sigmoid(f) * c_prev + torch.tanh(g),
        "Старую память нужно умножить на вентиль забывания f: c_t = f * c_prev + i * g.":
            c_prev + torch.sigmoid(i) * torch.tanh(g),
        "Вентили i, f, o — это сигмоида, tanh только у кандидата g.":
            torch.tanh(f) * c_prev + torch.tanh(i) * torch.tanh(g),
    })
    checks.check_close(h_t, expected_h, name="h_t на случайных данных", atol=1e-5, mistakes={
        "Перед умножением на вентиль выдачи пропустите память через tanh: h_t = o * tanh(c_t).":
            torch.sigmoid(o) * expected_c,
    })


REFERENCES = {
    "00_history_rnn_step": reference_rnn_step,
    "00_history_rnn_forward": reference_rnn_forward,
    "00_history_lstm_step": reference_lstm_step,
}
CHECKS = {
    "00_history_rnn_step": check_rnn_step,
    "00_history_rnn_forward": check_rnn_forward,
    "00_history_lstm_step": check_lstm_step,
}
HELPERS = {"rnn_step": reference_rnn_step}

_RNN_STEP = "def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
_FORWARD = ("def rnn_forward(xs, h0, W_xh, W_hh, b):\n"
            "    h, out = h0, {first}\n"
            "    for t in range(xs.shape[1]):\n"
            "        h = rnn_step(xs[:, t], h, W_xh, W_hh, b)\n"
            "        out.append(h)\n"
            "    return torch.stack(out{dim})")
_LSTM = ("def lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):\n"
         "    a_i, a_f, a_g, a_o = (x_t @ W_x + h_prev @ W_h + b).chunk(4, dim=1)\n")
MISTAKES = {
    "00_history_rnn_step": {
        "W_hh transposed": (_RNN_STEP + "    return torch.tanh(x_t @ W_xh + h_prev @ W_hh.T + b)",
                            "не нужно транспонировать"),
        "tanh forgotten": (_RNN_STEP + "    return x_t @ W_xh + h_prev @ W_hh + b", "Забыт tanh"),
        "sigmoid instead of tanh": (_RNN_STEP + "    return torch.sigmoid(x_t @ W_xh + h_prev @ W_hh + b)",
                                    "а не сигмоида"),
        "previous state ignored": (_RNN_STEP + "    return torch.tanh(x_t @ W_xh + b)", "Забыто прошлое состояние"),
        "bias forgotten": (_RNN_STEP + "    return torch.tanh(x_t @ W_xh + h_prev @ W_hh)", "Забыто смещение b"),
        "factors swapped": (_RNN_STEP + "    return torch.tanh(W_xh @ x_t + h_prev @ W_hh + b)",
                            "x_t @ W_xh, а не W_xh @ x_t"),
        "in-place edit of h_prev": (_RNN_STEP + "    h_prev += x_t @ W_xh\n    return torch.tanh(h_prev @ W_hh + b)",
                                    "на месте"),
    },
    "00_history_rnn_forward": {
        "time stacked first": (_FORWARD.format(first="[]", dim=""), "torch.stack(..., dim=1)"),
        "state not carried": ("def rnn_forward(xs, h0, W_xh, W_hh, b):\n"
                              "    return torch.stack([rnn_step(xs[:, t], h0, W_xh, W_hh, b)\n"
                              "                        for t in range(xs.shape[1])], dim=1)",
                              "Состояние не передаётся"),
        "h0 included": (_FORWARD.format(first="[h0]", dim=", dim=1"), "h_0 в ответ не входит"),
        "only the last state": ("def rnn_forward(xs, h0, W_xh, W_hh, b):\n"
                                "    h = h0\n"
                                "    for t in range(xs.shape[1]):\n"
                                "        h = rnn_step(xs[:, t], h, W_xh, W_hh, b)\n"
                                "    return h", "а не только последнее"),
    },
    "00_history_lstm_step": {
        "input gate forgotten": (_LSTM + "    c = torch.sigmoid(a_f) * c_prev + torch.tanh(a_g)\n"
                                         "    return torch.sigmoid(a_o) * torch.tanh(c), c", "вентиль записи i"),
        "forget gate forgotten": (_LSTM + "    c = c_prev + torch.sigmoid(a_i) * torch.tanh(a_g)\n"
                                          "    return torch.sigmoid(a_o) * torch.tanh(c), c", "вентиль забывания f"),
        "no tanh on the cell": (_LSTM + "    c = torch.sigmoid(a_f) * c_prev + torch.sigmoid(a_i) * torch.tanh(a_g)\n"
                                        "    return torch.sigmoid(a_o) * c, c", "h_t = o * tanh(c_t)"),
        "tanh gates": (_LSTM + "    c = torch.tanh(a_f) * c_prev + torch.tanh(a_i) * torch.tanh(a_g)\n"
                               "    return torch.tanh(a_o) * torch.tanh(c), c", "Вентили i, f, o — это сигмоида"),
        "gate order i, f, o, g": ("def lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):\n"
                                  "    a_i, a_f, a_o, a_g = (x_t @ W_x + h_prev @ W_h + b).chunk(4, dim=1)\n"
                                  "    c = torch.sigmoid(a_f) * c_prev + torch.sigmoid(a_i) * torch.tanh(a_g)\n"
                                  "    return torch.sigmoid(a_o) * torch.tanh(c), c", "кандидат g третий"),
        "returns h only": (_LSTM + "    c = torch.sigmoid(a_f) * c_prev + torch.sigmoid(a_i) * torch.tanh(a_g)\n"
                                   "    return torch.sigmoid(a_o) * torch.tanh(c)", "return h_t, c_t"),
    },
}
