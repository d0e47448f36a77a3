"""Ноутбук 01_encoder_decoder: входы декодера (сдвиг вправо) и внимание декодера на энкодер."""
import torch

from course_utils import checks


def reference_decoder_inputs(targets, bos_id):
    """Входы декодера при подаче правильных токенов: bos_id, затем targets без последнего токена; форма (B, T)."""
    bos = torch.full_like(targets[:, :1], bos_id)
    return torch.cat([bos, targets[:, :-1]], dim=1)


def reference_attend(decoder_state, encoder_states):
    """Внимание состояния декодера (B, H) на состояния энкодера (B, T, H) → (контекст (B, H), веса (B, T))."""
    weights = torch.softmax(torch.einsum("bh,bth->bt", decoder_state, encoder_states), dim=-1)
    return torch.einsum("bt,bth->bh", weights, encoder_states), weights


def check_decoder_inputs(decoder_inputs):
    generator = torch.Generator().manual_seed(3)
    targets = torch.randint(0, 10, (3, 5), generator=generator)
    targets_copy = targets.clone()
    answer = checks.call(decoder_inputs, targets, 11)
    name = "decoder_inputs для батча (3, 5)"
    checks.check_type(answer, torch.Tensor, name)
    length_hints = {(3, 4): "Впереди каждой строки должен стоять bos_id, а отбрасывается последний токен ответа: "
                            "длина не меняется.",
                    (3, 6): "Последний токен ответа на вход не попадает: отбросьте его, targets[:, :-1]."}
    checks.check_shape(answer, (3, 5), name, hint=length_hints.get(tuple(answer.shape), "Ответ той же формы (B, T): "
                       "bos_id в начале каждой строки, последний токен отброшен."))
    checks.check_dtype(answer, torch.int64, name,
                       hint="Токены — целые номера: создайте <bos> той же природы, что targets, "
                            "например torch.full_like.")
    bos = torch.full((3, 1), 11)
    checks.check_equal(answer.tolist(), reference_decoder_inputs(targets_copy, 11).tolist(), name, mistakes={
        "Сдвигать нужно по оси времени (dim=1, внутри каждой строки), а не по оси батча: сейчас сдвинуты целые "
        "примеры.": torch.cat([torch.full((1, 5), 11), targets_copy[:-1]], dim=0).tolist(),
        "Вход не сдвинут: так декодер видит тот самый токен, который должен предсказать.": targets_copy.tolist(),
        "Сдвиг не в ту сторону: bos_id стоит в начале, а отбрасывается последний токен, targets[:, :-1].":
            torch.cat([targets_copy[:, 1:], bos], dim=1).tolist(),
        "bos_id не заменяет первый токен ответа, а встаёт перед ним: весь ответ сдвигается вправо.":
            torch.cat([bos, targets_copy[:, 1:]], dim=1).tolist(),
        "Используйте переданный bos_id, а не константу.": reference_decoder_inputs(targets_copy, 10).tolist()})
    checks.check_unchanged(targets_copy, targets, "тензор targets")
    answer = checks.call(decoder_inputs, torch.tensor([[7], [2]]), 11)
    checks.check_equal(answer.tolist(), [[11], [11]], "decoder_inputs для ответов из одного токена",
                       hint="Из ответа длины 1 на вход декодера попадает только <bos>.")


def check_attend(attend):
    torch.manual_seed(8)
    state, states = torch.randn(4, 5), torch.randn(4, 6, 5)
    state_copy, states_copy = state.clone(), states.clone()
    scores = torch.einsum("bh,bth->bt", state_copy, states_copy)
    expected_context, expected_weights = reference_attend(state_copy, states_copy)
    result = checks.call(attend, state, states, hint="Сверьте формы: состояние (B, H), состояния энкодера (B, T, H).")
    checks.check_type(result, tuple, "attend(...)", hint="Верните пару: return context, weights.")
    checks.check_equal(len(result), 2, "число возвращённых тензоров", hint="Верните пару: return context, weights.")
    context, weights = result
    checks.check_type(weights, torch.Tensor, "веса")
    checks.check_shape(weights, (4, 6), "веса для батча",
                       hint="Веса — по одному числу на позицию энкодера: форма (B, T). "
                            "Верните пару (context, weights).")
    checks.check_close(weights, expected_weights, name="веса для батча", atol=1e-5, mistakes={
        "Здесь внимание без деления на √H: оценка — просто скалярное произведение.":
            torch.softmax(scores / 5 ** 0.5, dim=-1),
        "Softmax нужен по позициям энкодера (последняя ось), а не по оси батча.": torch.softmax(scores, dim=0),
        "Оценки нужно превратить в веса: softmax по позициям энкодера (dim=-1).": scores,
        "Веса должны давать в сумме 1: после exp поделите на сумму по строке.": scores.exp(),
        "Каждый пример батча смотрит только на свои состояния энкодера: оценка — скалярное произведение внутри "
        "примера b.": torch.softmax(state_copy @ states_copy[0].T, dim=-1)})
    checks.check_type(context, torch.Tensor, "контекст")
    checks.check_shape(context, (4, 5), "контекст для батча",
                       hint="Контекст — взвешенная сумма состояний энкодера по позициям T (ось 1 у encoder_states): "
                            "форма (B, H).")
    checks.check_close(context, expected_context, name="контекст для батча", atol=1e-5, mistakes={
        "Контекст — взвешенная сумма состояний энкодера, а не простое среднее: умножьте состояние j на вес j.":
            states_copy.mean(dim=1)})
    checks.check_unchanged(state_copy, state, "тензор decoder_state")
    checks.check_unchanged(states_copy, states, "тензор encoder_states")
    # Одна позиция энкодера: весь вес на ней, контекст равен её состоянию
    context, weights = checks.call(attend, state, states[:, :1])
    checks.check_close(weights, torch.ones(4, 1), name="веса при T = 1", atol=1e-6)
    checks.check_close(context, states_copy[:, 0], name="контекст при T = 1", atol=1e-6)


REFERENCES = {
    "03_transformers_encdec_shift_right": reference_decoder_inputs,
    "03_transformers_encdec_attend": reference_attend,
}
CHECKS = {
    "03_transformers_encdec_shift_right": check_decoder_inputs,
    "03_transformers_encdec_attend": check_attend,
}
HELPERS = {}

_SHIFT = "def decoder_inputs(targets, bos_id):\n"
_ATTEND = "def attend(decoder_state, encoder_states):\n"
_SCORES = "    scores = torch.einsum('bh,bth->bt', decoder_state, encoder_states)\n"
_CONTEXT = "    return torch.einsum('bt,bth->bh', weights, encoder_states), weights"

MISTAKES = {
    "03_transformers_encdec_shift_right": {
        "not shifted (decoder sees the answer)": (_SHIFT + "    return targets.clone()", "Вход не сдвинут"),
        "shifted the wrong way": (_SHIFT + "    bos = torch.full_like(targets[:, :1], bos_id)\n"
                                           "    return torch.cat([targets[:, 1:], bos], dim=1)",
                                  "Сдвиг не в ту сторону"),
        "bos missing": (_SHIFT + "    return targets[:, :-1]", "Впереди каждой строки должен стоять bos_id"),
        "bos added, last token kept": (_SHIFT + "    bos = torch.full_like(targets[:, :1], bos_id)\n"
                                                "    return torch.cat([bos, targets], dim=1)",
                                       "Последний токен ответа на вход не попадает"),
        "bos replaces the first token": (_SHIFT + "    bos = torch.full_like(targets[:, :1], bos_id)\n"
                                                  "    return torch.cat([bos, targets[:, 1:]], dim=1)",
                                         "не заменяет первый токен"),
        "batch axis mixed up": (_SHIFT + "    bos = torch.full_like(targets[:1], bos_id)\n"
                                         "    return torch.cat([bos, targets[:-1]], dim=0)",
                                "а не по оси батча"),
        "hard-coded bos": (_SHIFT + "    bos = torch.full_like(targets[:, :1], 10)\n"
                                    "    return torch.cat([bos, targets[:, :-1]], dim=1)",
                           "Используйте переданный bos_id"),
        "float bos": (_SHIFT + "    bos = torch.full((targets.shape[0], 1), float(bos_id))\n"
                               "    return torch.cat([bos, targets[:, :-1].float()], dim=1)",
                      "Токены — целые номера"),
        "shifted in place": (_SHIFT + "    targets[:, 1:] = targets[:, :-1].clone()\n"
                                      "    targets[:, 0] = bos_id\n    return targets",
                             "изменила входной тензор targets"),
    },
    "03_transformers_encdec_attend": {
        "softmax over the batch axis": (_ATTEND + _SCORES + "    weights = torch.softmax(scores, dim=0)\n" + _CONTEXT,
                                        "а не по оси батча"),
        "no softmax": (_ATTEND + _SCORES + "    weights = scores\n" + _CONTEXT, "Оценки нужно превратить в веса"),
        "context from the wrong axis": (_ATTEND + _SCORES + "    weights = torch.softmax(scores, dim=-1)\n"
                                        "    return (weights.unsqueeze(-1) * encoder_states).sum(-1), weights",
                                        "Контекст — взвешенная сумма состояний энкодера по позициям T"),
        "weights not normalized": (_ATTEND + _SCORES + "    weights = scores.exp()\n" + _CONTEXT,
                                   "Веса должны давать в сумме 1"),
        "scaled by sqrt(H)": (_ATTEND + _SCORES + "    H = decoder_state.shape[-1]\n"
                              "    weights = torch.softmax(scores / H ** 0.5, dim=-1)\n" + _CONTEXT,
                              "без деления на √H"),
        "context is a plain mean": (_ATTEND + _SCORES + "    weights = torch.softmax(scores, dim=-1)\n"
                                    "    return encoder_states.mean(dim=1), weights",
                                    "а не простое среднее"),
        "batch mixed in scores": (_ATTEND + "    scores = decoder_state @ encoder_states[0].T\n"
                                  "    weights = torch.softmax(scores, dim=-1)\n" + _CONTEXT,
                                  "Каждый пример батча смотрит только на свои состояния"),
        "wrong return order": (_ATTEND + _SCORES + "    weights = torch.softmax(scores, dim=-1)\n"
                               "    return weights, torch.einsum('bt,bth->bh', weights, encoder_states)",
                               "Веса — по одному числу на позицию энкодера"),
    },
}
