"""Typical mistakes for notebook 1 of chapter 03 «Трансформеры» (encoder–decoder, attention of the decoder)."""

_SHIFT = "def decoder_inputs(targets, bos_id):\n"
_ATTEND = "def attend(decoder_state, encoder_states):\n"
_SCORES = "    scores = torch.einsum('bh,bth->bt', decoder_state, encoder_states)\n"

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
        "softmax over the batch axis": (_ATTEND + _SCORES + "    weights = torch.softmax(scores, dim=0)\n"
                                        "    return torch.einsum('bt,bth->bh', weights, encoder_states), weights",
                                        "а не по оси батча"),
        "no softmax": (_ATTEND + _SCORES + "    return torch.einsum('bt,bth->bh', scores, encoder_states), scores",
                       "Оценки нужно превратить в веса"),
        "context from the wrong axis": (_ATTEND + _SCORES + "    weights = torch.softmax(scores, dim=-1)\n"
                                        "    return (weights.unsqueeze(-1) * encoder_states).sum(-1), weights",
                                        "Контекст — взвешенная сумма состояний энкодера по позициям T"),
        "weights not normalized": (_ATTEND + _SCORES + "    weights = scores.exp()\n"
                                   "    return torch.einsum('bt,bth->bh', weights, encoder_states), weights",
                                   "Веса должны давать в сумме 1"),
        "scaled by sqrt(H)": (_ATTEND + _SCORES + "    weights = torch.softmax(scores / decoder_state.shape[-1] ** 0.5,"
                                                  " dim=-1)\n"
                              "    return torch.einsum('bt,bth->bh', weights, encoder_states), weights",
                              "без деления на √H"),
        "context is a plain mean": (_ATTEND + _SCORES + "    weights = torch.softmax(scores, dim=-1)\n"
                                    "    return encoder_states.mean(dim=1), weights",
                                    "а не простое среднее"),
        "batch mixed in scores": (_ATTEND + "    scores = decoder_state @ encoder_states[0].T\n"
                                  "    weights = torch.softmax(scores, dim=-1)\n"
                                  "    return torch.einsum('bt,bth->bh', weights, encoder_states), weights",
                                  "Каждый пример батча смотрит только на свои состояния"),
        "wrong return order": (_ATTEND + _SCORES + "    weights = torch.softmax(scores, dim=-1)\n"
                               "    return weights, torch.einsum('bt,bth->bh', weights, encoder_states)",
                               "Веса — по одному числу на позицию энкодера"),
    },
}
