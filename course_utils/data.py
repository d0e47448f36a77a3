"""Данные курса: маленькие наборы, которые генерируются на лету из seed, и загрузка текстов для предобучения."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

# Четыре угла квадрата — входы логических функций И, ИЛИ, исключающее ИЛИ (XOR).
LOGIC_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
LOGIC_TARGETS = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}


def make_blobs(n_per_class: int = 40, gap: float = 3.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Два облака точек на плоскости, которые можно разделить прямой: X (2n, 2), y (2n,)."""
    rng = np.random.default_rng(seed)
    X0 = rng.normal(loc=(-gap / 2, -gap / 4), scale=0.7, size=(n_per_class, 2))
    X1 = rng.normal(loc=(gap / 2, gap / 4), scale=0.7, size=(n_per_class, 2))
    X = np.vstack([X0, X1])
    y = np.array([0] * n_per_class + [1] * n_per_class)
    return X, y


def make_recall_batch(n: int, distance: int, n_keys: int = 4, n_fillers: int = 8,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Задача «вспомни первый токен»: последовательности [ключ, шум × distance] и ответ — ключ.

    Ключи — токены 0..n_keys-1, шум — токены n_keys..n_keys+n_fillers-1. Возвращает
    x формы (n, distance + 1) и y формы (n,). Угадывание наугад даёт точность 1 / n_keys.
    """
    keys = torch.randint(0, n_keys, (n, 1), generator=generator)
    fillers = torch.randint(n_keys, n_keys + n_fillers, (n, distance), generator=generator)
    return torch.cat([keys, fillers], dim=1), keys.squeeze(1)


def make_lookup_batch(n: int, length: int, n_symbols: int = 10, generator: torch.Generator | None = None,
                      positions: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Задача «какой токен стоял на позиции p?»: последовательности [t_0, …, t_{length-1}, вопрос], ответ — t_p.

    Символы — токены 0..n_symbols-1; вопрос о позиции p (счёт с нуля) — токен n_symbols + p, поэтому
    словарь занимает n_symbols + length токенов. ``positions`` формы (n,) задаёт позиции вопросов,
    иначе они случайные. Возвращает x формы (n, length + 1) и y формы (n,). Наугад — точность 1 / n_symbols.
    """
    symbols = torch.randint(0, n_symbols, (n, length), generator=generator)
    if positions is None:
        positions = torch.randint(0, length, (n,), generator=generator)
    question = (n_symbols + positions).unsqueeze(1)
    return torch.cat([symbols, question], dim=1), symbols[torch.arange(n), positions]


# ---------------------------------------------------------------------------------------------------------------
# Корпус текста для главы 4 (предобучение)
# ---------------------------------------------------------------------------------------------------------------
DATA_DIR_ENV = "COURSE_DATA_DIR"


def data_dir() -> Path:
    """Папка ``data/`` курса: из ``COURSE_DATA_DIR``, иначе рядом с ``course_utils`` в клоне репозитория.

    Если пакет установлен не из клона (``pip install .`` копирует только код), папки рядом нет: тогда ошибка
    с подсказкой, а не «файл не найден» где-то внутри загрузчика.
    """
    candidates = [Path(os.environ[DATA_DIR_ENV])] if os.environ.get(DATA_DIR_ENV) else []
    candidates.append(Path(__file__).resolve().parent.parent / "data")
    for folder in candidates:
        if (folder / "corpus_ru.txt").is_file():
            return folder
    raise FileNotFoundError(
        f"Не найдена папка data/ курса (искали: {', '.join(str(c) for c in candidates)}). Работайте из клона "
        f"репозитория (pip install -e .) или укажите путь к его папке data в переменной {DATA_DIR_ENV}.")


def corpus_path() -> Path:
    """Путь к корпусу курса ``data/corpus_ru.txt``."""
    return data_dir() / "corpus_ru.txt"


PROSE_BYTES = 80_188  # корпус начинается с прозы глав 00–03 (столько байт UTF-8), дальше — грамматика


def corpus_parts() -> tuple[str, str]:
    """Две части корпуса курса: (проза глав 00–03, предложения из грамматики) — у них разная статистика."""
    data = corpus_path().read_bytes()
    return data[:PROSE_BYTES].decode("utf-8"), data[PROSE_BYTES:].decode("utf-8").lstrip("\n")


def tokenizer_path() -> Path:
    """Папка BPE-токенизатора курса (2048 токенов): ``AutoTokenizer.from_pretrained(tokenizer_path())``."""
    return data_dir() / "tokenizer"


def tiny_gpt_path() -> Path:
    """Папка предобученного GPT курса: ``GPT.from_pretrained(tiny_gpt_path())`` или ``AutoModelForCausalLM``."""
    return data_dir() / "tiny_gpt"


def sft_path() -> Path:
    """Инструкции главы 5: ``data/sft_ru.jsonl`` (по JSON-объекту на строку)."""
    return data_dir() / "sft_ru.jsonl"


def domain_text_path() -> Path:
    """Текст нового для модели жанра (сводки погоды) для файнтюнинга на домен в главе 5."""
    return data_dir() / "domain_weather.txt"


def sft_lora_path() -> Path:
    """LoRA-адаптер, который превращает GPT курса в модель, следующую инструкциям (глава 5; старт главы 6)."""
    return data_dir() / "tiny_sft_lora"


def load_text(path: str | Path | None = None) -> str:
    """Текст для обучения модели: корпус курса или ваш собственный файл.

    Без аргумента возвращает корпус курса (``data/corpus_ru.txt``, его собирает ``scripts/make_corpus.py``).
    С путём — текст этого файла в кодировке UTF-8: например, вашей любимой книги или корпуса,
    скачанного в Colab. Если файла нет, это папка, файл пустой или не в UTF-8, — ошибка с подсказкой.
    """
    if path is None:
        path = corpus_path()
        if not path.is_file():
            raise FileNotFoundError(
                f"Корпус курса не найден: ожидался файл {path}. Соберите его командой "
                "«python scripts/make_corpus.py» в корне репозитория или передайте путь к своему тексту: "
                "load_text('моя_книга.txt').")
    if not isinstance(path, (str, Path)):
        raise TypeError(f"Ожидался путь к текстовому файлу (str или Path), получено {type(path).__name__}: "
                        f"{path!r}. Передайте имя файла, например load_text('моя_книга.txt').")
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"Файл не найден: ожидался текстовый файл, получен путь {str(path)!r}, которого нет "
            f"(текущая папка — {Path.cwd()}). Проверьте имя и папку; в Colab сначала загрузите файл.")
    if path.is_dir():
        raise FileNotFoundError(
            f"Ожидался текстовый файл, а {str(path)!r} — папка. Укажите сам файл внутри неё, "
            "например load_text('папка/книга.txt').")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"Файл {str(path)!r} не в кодировке UTF-8: байт {error.start} ({data[error.start]:#04x}) "
            "не читается. Пересохраните файл как UTF-8 (в редакторе: «Сохранить как…» → UTF-8) или "
            "перекодируйте его, например так: Path('new.txt').write_text(Path('old.txt').read_text(encoding='cp1251'), "
            "encoding='utf-8').") from None
    text = text.removeprefix("\ufeff")  # метка BOM, которую добавляет Блокнот Windows
    if not text.strip():
        raise ValueError(
            f"Файл {str(path)!r} пустой ({len(data)} байт, текста нет): обучать модель не на чем. "
            "Проверьте, что файл сохранился целиком, или выберите другой.")
    return text
