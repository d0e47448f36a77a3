"""Очистка текстов для обучения (глава 4): точные и почти-дубликаты, фильтры качества и языка.

Здесь лежат эталонные ответы упражнений ноутбука «4.2. Данные» и маленький «грязный» набор документов,
на котором их удобно пробовать. Всё написано как можно проще: это учебные версии, а не быстрые.

- ``normalize``, ``text_hash``, ``deduplicate`` — точные дубликаты (с точностью до регистра и пробелов);
- ``word_shingles``, ``jaccard_similarity``, ``near_duplicate_pairs``, ``remove_near_duplicates`` — почти-дубликаты;
- ``document_stats``, ``quality_problems``, ``is_good_document`` — фильтры качества и языка;
- ``clean_documents`` — весь конвейер: что осталось и что убрал каждый шаг;
- ``to_mojibake``, ``make_messy_documents`` — «кракозябры» и грязная выборка для опытов.

Пригодится и в главе 5: те же функции чистят данные для файнтюнинга.
"""
from __future__ import annotations

import hashlib
import random
import textwrap
from collections import Counter

# ---------------------------------------------------------------------------------------------------------------
# Точные дубликаты
# ---------------------------------------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """Нормальная форма текста: нижний регистр, любые пробелы и переносы строк → один пробел, без краёв.

    ``"  Кошка\\tСПИТ\\n"`` → ``"кошка спит"``. Тексты с одной нормальной формой считаем одинаковыми.
    """
    return " ".join(text.lower().split())


def text_hash(text: str) -> str:
    """Отпечаток нормальной формы текста: 32 шестнадцатеричные цифры MD5.

    Хранить и сравнивать короткие отпечатки дешевле, чем целые тексты. Криптостойкость здесь не нужна,
    поэтому подходит быстрый MD5.
    """
    return hashlib.md5(normalize(text).encode("utf-8")).hexdigest()


def deduplicate(documents: list[str]) -> list[str]:
    """Убирает точные дубликаты: оставляет ПЕРВОЕ вхождение каждого текста, в исходном порядке.

    Тексты сравниваются по ``text_hash`` (регистр и пробелы не важны), а в ответ идут исходные тексты.
    Входной список не меняется.
    """
    seen: set[str] = set()
    unique = []
    for document in documents:
        fingerprint = text_hash(document)
        if fingerprint not in seen:
            seen.add(fingerprint)
            unique.append(document)
    return unique


# ---------------------------------------------------------------------------------------------------------------
# Почти-дубликаты
# ---------------------------------------------------------------------------------------------------------------


def word_shingles(text: str, k: int = 3) -> set[tuple[str, ...]]:
    """Множество «черепиц» (shingles) — кортежей из ``k`` слов подряд нормальной формы текста.

    ``"Кошка спит на окне"``, k=3 → ``{("кошка", "спит", "на"), ("спит", "на", "окне")}``.
    Если слов меньше ``k``, единственная черепица — весь кортеж слов; у пустого текста черепиц нет.
    Знаки препинания остаются частью слов.
    """
    words = normalize(text).split()
    if not words:
        return set()
    if len(words) < k:
        return {tuple(words)}
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


def jaccard(set_a: set, set_b: set) -> float:
    """Мера Жаккара |A ∩ B| / |A ∪ B|: 1 — множества совпадают, 0 — общих элементов нет (два пустых → 1.0)."""
    union = set_a | set_b
    if not union:
        return 1.0
    return len(set_a & set_b) / len(union)


def jaccard_similarity(text_a: str, text_b: str, k: int = 3) -> float:
    """Сходство двух текстов: мера Жаккара их множеств словесных черепиц длины ``k``."""
    return jaccard(word_shingles(text_a, k), word_shingles(text_b, k))


def near_duplicate_pairs(documents: list[str], threshold: float = 0.5, k: int = 3) -> list[tuple[int, int, float]]:
    """Все пары ``(i, j, сходство)`` с ``i < j`` и сходством Жаккара не меньше ``threshold``.

    Сравнивает каждую пару — n² / 2 сравнений; для миллиардов документов вместо этого берут MinHash.
    """
    shingles = [word_shingles(d, k) for d in documents]
    pairs = []
    for i in range(len(documents)):
        for j in range(i + 1, len(documents)):
            similarity = jaccard(shingles[i], shingles[j])
            if similarity >= threshold:
                pairs.append((i, j, similarity))
    return pairs


def _near_duplicate_positions(documents: list[str], threshold: float, k: int) -> list[int]:
    """Номера документов, похожих (≥ threshold) на один из уже оставленных ранее."""
    kept_shingles: list[set] = []
    removed = []
    for i, document in enumerate(documents):
        shingles = word_shingles(document, k)
        if any(jaccard(shingles, other) >= threshold for other in kept_shingles):
            removed.append(i)
        else:
            kept_shingles.append(shingles)
    return removed


def remove_near_duplicates(documents: list[str], threshold: float = 0.5, k: int = 3) -> list[str]:
    """Жадно убирает почти-дубликаты: документ уходит, если он похож на один из уже оставленных."""
    removed = set(_near_duplicate_positions(documents, threshold, k))
    return [d for i, d in enumerate(documents) if i not in removed]


# ---------------------------------------------------------------------------------------------------------------
# Фильтры качества и языка
# ---------------------------------------------------------------------------------------------------------------
MIN_WORDS = 20             # короче — обрывок: меню, подпись, «Читать далее…»
MIN_LETTER_SHARE = 0.7     # доля букв среди непробельных символов: ниже — мусор из символов, цифр, разметки
MIN_RUSSIAN_SHARE = 0.8    # доля русских букв (а–я, ё) среди всех букв: ниже — другой язык или кракозябры
MAX_LINE_REPEATS = 2       # одна и та же строка три раза и больше — спам
RUSSIAN_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")


def document_stats(text: str) -> dict:
    """Числа, по которым судят о качестве: слова, доля букв, доля русских букв, самый частый повтор строки."""
    non_space = [c for c in text if not c.isspace()]
    letters = [c for c in non_space if c.isalpha()]
    russian = [c for c in letters if c in RUSSIAN_LETTERS]
    lines = Counter(line.strip() for line in text.splitlines() if line.strip())
    return {
        "words": len(text.split()),
        "letter_share": len(letters) / len(non_space) if non_space else 0.0,
        "russian_share": len(russian) / len(letters) if letters else 0.0,
        "max_line_repeats": max(lines.values(), default=0),
    }


# Названия правил; в этом же порядке конвейер ищет первую причину отказа.
RULES = ("короткий текст", "повтор строк", "мало букв", "не русский язык")


def quality_problems(text: str) -> list[str]:
    """Какие правила нарушает документ (пустой список — документ хороший)."""
    stats = document_stats(text)
    problems = []
    if stats["words"] < MIN_WORDS:
        problems.append("короткий текст")
    if stats["max_line_repeats"] > MAX_LINE_REPEATS:
        problems.append("повтор строк")
    if stats["letter_share"] < MIN_LETTER_SHARE:
        problems.append("мало букв")
    if stats["russian_share"] < MIN_RUSSIAN_SHARE:
        problems.append("не русский язык")
    return problems


def is_good_document(text: str) -> bool:
    """Проходит ли документ все четыре правила: ≥ 20 слов, ≥ 70 % букв, ≥ 80 % русских букв, строка ≤ 2 раз."""
    return not quality_problems(text)


# ---------------------------------------------------------------------------------------------------------------
# Весь конвейер
# ---------------------------------------------------------------------------------------------------------------
STAGES = ("точные дубли", *RULES, "почти-дубли")


def clean_documents(documents: list[str], threshold: float = 0.5, k: int = 3) -> tuple[list[int], dict[str, list[int]]]:
    """Конвейер очистки: точные дубли → правила качества → почти-дубли.

    Дешёвые шаги идут первыми, дорогое попарное сравнение — последним, по тому, что осталось.
    Возвращает номера оставленных документов и словарь «шаг → номера документов, которые он убрал»
    (шаги в порядке ``STAGES``; документ, нарушивший несколько правил, записан за первым из них).
    """
    removed: dict[str, list[int]] = {stage: [] for stage in STAGES}
    seen: set[str] = set()
    passed = []
    for i, document in enumerate(documents):
        fingerprint = text_hash(document)
        if fingerprint in seen:
            removed["точные дубли"].append(i)
            continue
        seen.add(fingerprint)
        problems = quality_problems(document)
        if problems:
            removed[problems[0]].append(i)
        else:
            passed.append(i)
    near = set(_near_duplicate_positions([documents[i] for i in passed], threshold, k))
    removed["почти-дубли"] = [i for position, i in enumerate(passed) if position in near]
    kept = [i for position, i in enumerate(passed) if position not in near]
    return kept, removed


# ---------------------------------------------------------------------------------------------------------------
# Грязная выборка для опытов
# ---------------------------------------------------------------------------------------------------------------


def to_mojibake(text: str, wrong_encoding: str = "cp1252") -> str:
    """«Кракозябры»: текст записали в UTF-8, а прочитали в другой кодировке.

    ``to_mojibake("привет")`` → ``"Ð¿Ñ€Ð¸Ð²ÐµÑ‚"`` (прочитали как cp1252),
    ``to_mojibake("привет", "cp1251")`` → ``"РїСЂРёРІРµС‚"``. Байт, которого в этой кодировке нет,
    читаем как latin-1 — так делают браузеры.
    """
    characters = []
    for byte in text.encode("utf-8"):
        try:
            characters.append(bytes([byte]).decode(wrong_encoding))
        except UnicodeDecodeError:
            characters.append(chr(byte))
    return "".join(characters)


# Хорошие документы: текст и две замены «слово → слово» для почти-дубликатов.
GOOD_DOCUMENTS = (
    ("Байкал — самое глубокое озеро на планете: в самом глубоком месте до дна больше полутора километров. "
     "В нём хранится около пятой части всей пресной поверхностной воды Земли, а зимой лёд на озере бывает "
     "настолько прозрачным, что сквозь него видно камни на дне.",
     (("прозрачным", "чистым"), ("камни", "водоросли"))),
    ("Чтобы испечь простой хлеб, достаточно муки, воды, соли и дрожжей. Тесто нужно хорошо вымесить и оставить "
     "в тёплом месте на час или два, пока оно не увеличится примерно вдвое. Потом его формуют, дают ещё "
     "немного подняться и ставят в горячую духовку.",
     (("вымесить", "промесить"), ("горячую", "разогретую"))),
    ("Трансформер обрабатывает все токены последовательности одновременно, а не по одному, как рекуррентная "
     "сеть. Поэтому его удобно обучать на видеокартах: тысячи одинаковых умножений матриц выполняются "
     "параллельно. Порядок слов модель узнаёт из позиционных эмбеддингов, которые прибавляются к эмбеддингам "
     "токенов.",
     (("видеокартах", "ускорителях"), ("тысячи", "миллионы"))),
    ("Московское метро открылось в 1935 году: первая линия шла от станции «Сокольники» до «Парка культуры» "
     "с ответвлением к «Смоленской». Сегодня это одна из самых загруженных подземных дорог мира, а многие её "
     "станции похожи на подземные дворцы с мозаиками, витражами и люстрами.",
     (("загруженных", "оживлённых"), ("люстрами", "скульптурами"))),
    ("Кошки спят в среднем от двенадцати до шестнадцати часов в сутки. Большую часть этого времени они "
     "проводят в лёгкой дремоте и просыпаются от малейшего шороха. Такой режим достался им от диких предков, "
     "которым нужно было беречь силы между охотами.",
     (("двенадцати", "десяти"), ("шороха", "звука"))),
    ("Градиентный спуск шаг за шагом сдвигает параметры модели туда, где функция потерь убывает быстрее "
     "всего. Если шаг слишком маленький, обучение тянется очень долго; если слишком большой, лосс начинает "
     "скакать и даже расти. Подобрать скорость обучения — одна из первых забот при обучении любой сети.",
     (("долго", "медленно"), ("скакать", "прыгать"))),
    ("Фотосинтез идёт в хлоропластах листьев. Растение поглощает углекислый газ и воду, а энергия солнечного "
     "света превращает их в глюкозу и кислород. Именно благодаря этому процессу в атмосфере Земли есть "
     "кислород, которым мы дышим.",
     (("глюкозу", "сахар"), ("листьев", "растений"))),
    ("В шахматах есть правило трёхкратного повторения: если одна и та же позиция возникла на доске три раза, "
     "игрок может потребовать ничью. Ещё одно правило позволяет закончить партию вничью после пятидесяти ходов "
     "подряд без взятий и без ходов пешкой. Оба правила не дают игре тянуться бесконечно.",
     (("потребовать", "объявить"), ("бесконечно", "вечно"))),
    ("Токенизатор разбивает текст на куски, которые знает модель: целые слова, части слов или отдельные байты. "
     "Частые слова обычно становятся одним токеном, а редкие распадаются на несколько. От того, как устроен "
     "словарь, зависит, сколько токенов займёт один и тот же текст на разных языках.",
     (("Частые", "Популярные"), ("распадаются", "разбиваются"))),
    ("В конце июня в Санкт-Петербурге стоят белые ночи: солнце опускается за горизонт ненадолго и неглубоко, "
     "и небо остаётся светлым до утра. Туристы специально приезжают в это время, чтобы посмотреть, как "
     "разводят мосты над Невой.",
     (("Туристы", "Путешественники"), ("разводят", "поднимают"))),
    ("Хорошая привычка при отладке программы — сначала воспроизвести ошибку на самом маленьком примере. Когда "
     "пример помещается на экран, легче напечатать промежуточные значения и увидеть, где они расходятся с "
     "ожидаемыми. Часто уже на этом шаге становится понятно, что перепутан порядок аргументов.",
     (("привычка", "практика"), ("перепутан", "спутан"))),
    ("Чай в Россию впервые привезли в семнадцатом веке как подарок монгольского хана царю Михаилу Фёдоровичу. "
     "Поначалу напиток считали лекарством, но постепенно он стал привычным, и к девятнадцатому веку самовар "
     "стоял почти в каждом доме.",
     (("лекарством", "снадобьем"), ("самовар", "чайник"))),
    ("Обучение с учителем требует размеченных примеров: к каждой картинке кто-то должен подписать, что на ней "
     "изображено. Языковой модели на этапе предобучения разметка не нужна: правильный ответ — следующее слово — "
     "уже есть в самом тексте. Поэтому её можно учить на огромных объёмах обычных текстов.",
     (("огромных", "гигантских"), ("картинке", "фотографии"))),
    ("Весной на реках начинается ледоход: лёд трескается, льдины сталкиваются и медленно плывут вниз по "
     "течению. Иногда они застревают на поворотах и в узких местах, образуя заторы, из-за которых вода быстро "
     "поднимается и заливает берега.",
     (("медленно", "неспешно"), ("заливает", "затапливает"))),
)

# Приписки, которые сайты-перепечатчики добавляют в конец чужого текста.
FOOTERS = (
    "Подписывайтесь на наш канал, чтобы не пропустить новые статьи.",
    "Источник: открытые материалы из интернета.",
    "А вы знали об этом раньше? Пишите в комментариях!",
)

ENGLISH_DOCUMENTS = (
    "The Common Crawl archive holds billions of web pages collected since 2008. Before a language model can "
    "learn from it, the text has to be extracted from HTML, filtered by language and quality, and deduplicated.",
    "Simple bread needs only flour, water, salt and yeast. Knead the dough well, leave it in a warm place for an "
    "hour or two until it doubles in size, then shape it and bake it in a hot oven.",
    "Subscribe to our newsletter and get the latest news about technology, science and business delivered "
    "straight to your inbox every single morning, completely free of charge.",
)

SPAM_DOCUMENTS = (
    "СКИДКИ ДО 90% ТОЛЬКО СЕГОДНЯ!!!\nЖми сюда: http://super-skidki.example/sale?id=777\n" * 4,
    "Заработок в интернете от 5000 рублей в день!\nБез вложений и без обмана!\n"
    "Пиши в телеграм: @bogatstvo_bot\n" * 3,
)

SHORT_DOCUMENTS = (
    "Читать далее…",
    "Главная | Новости | Контакты | Войти",
    "Спасибо, очень полезная статья!",
    "Страница не найдена. Вернуться на главную.",
)


def _symbol_junk(rng: random.Random, n_words: int = 30) -> str:
    """Случайные «слова» из символов и цифр — так выглядят остатки сломанных файлов."""
    alphabet = "#$%&*+=<>~^|/\\@!?0123456789"
    return " ".join("".join(rng.choice(alphabet) for _ in range(rng.randint(2, 7))) for _ in range(n_words))


def _html_junk(rng: random.Random, n_blocks: int = 8) -> str:
    """Обрывки HTML-разметки, из которой не вынули текст."""
    return " ".join(f'<div class="c{rng.randint(1, 99)}"><a href="/p?id={rng.randint(100, 999)}">&nbsp;</a></div>'
                    for _ in range(n_blocks))


def _exact_variant(text: str, how: str, rng: random.Random) -> str:
    """Тот же текст, отличающийся только регистром или пробелами."""
    if how == "нижний регистр":
        return text.lower()
    if how == "верхний регистр":
        return text.upper()
    if how == "двойные пробелы":
        return "".join("  " if c == " " and rng.random() < 0.3 else c for c in text)
    if how == "переносы строк":
        return textwrap.fill(text, width=60)
    return "\t  " + text + "  \n\n"  # пробелы и табуляция по краям


EXACT_VARIANTS = ("нижний регистр", "верхний регистр", "двойные пробелы", "переносы строк", "пробелы по краям")


def _near_variant(text: str, substitutions, how: str, rng: random.Random) -> str:
    """Почти тот же текст: одно или два слова заменены либо в конце появилась приписка перепечатчика."""
    if how == "одно слово":
        old, new = rng.choice(substitutions)
        return text.replace(old, new, 1)
    if how == "два слова":
        for old, new in substitutions:
            text = text.replace(old, new, 1)
        return text
    return text + " " + rng.choice(FOOTERS)


NEAR_VARIANTS = ("одно слово", "два слова", "другая концовка", "одно слово")

KINDS = ("хороший", "точный дубль", "почти дубль", "английский", "кракозябры", "мусор", "спам", "короткий")


def make_messy_documents(seed: int = 0, with_kinds: bool = False):
    """Маленькая грязная выборка (36 документов), похожая на сырые данные из интернета.

    В ней 14 хороших русских текстов и: 5 точных дублей (другой регистр или пробелы), 4 почти-дубля
    (одно-два слова заменены или в конце добавлена приписка), 3 английских текста, 2 текста с кракозябрами
    (UTF-8, прочитанный как cp1252 и как cp1251), 2 набора мусора (символы, HTML), 2 рекламных спама
    с повторами строк и 4 слишком коротких обрывка. Каждый дубль стоит после своего оригинала.

    ``seed`` выбирает, какие тексты дублируются и как, и перемешивает порядок. С ``with_kinds=True``
    возвращает пару ``(documents, kinds)``, где ``kinds[i]`` — вид документа из ``KINDS``.
    """
    rng = random.Random(seed)
    order = list(range(len(GOOD_DOCUMENTS)))
    rng.shuffle(order)
    exact_sources, near_sources, broken_sources = order[:5], order[5:9], order[9:11]

    items = [(i, "хороший", text) for i, (text, _) in enumerate(GOOD_DOCUMENTS)]  # (семья, вид, текст)
    for source, how in zip(exact_sources, rng.sample(EXACT_VARIANTS, len(EXACT_VARIANTS))):
        items.append((source, "точный дубль", _exact_variant(GOOD_DOCUMENTS[source][0], how, rng)))
    for source, how in zip(near_sources, NEAR_VARIANTS):
        text, substitutions = GOOD_DOCUMENTS[source]
        items.append((source, "почти дубль", _near_variant(text, substitutions, how, rng)))
    items += [(None, "английский", text) for text in ENGLISH_DOCUMENTS]
    items += [(None, "кракозябры", to_mojibake(GOOD_DOCUMENTS[source][0], encoding))
              for source, encoding in zip(broken_sources, ("cp1252", "cp1251"))]
    items += [(None, "мусор", _symbol_junk(rng)), (None, "мусор", _html_junk(rng))]
    items += [(None, "спам", text) for text in SPAM_DOCUMENTS]
    items += [(None, "короткий", text) for text in SHORT_DOCUMENTS]

    rng.shuffle(items)
    for family in set(exact_sources) | set(near_sources):  # оригинал — на первое место среди своей семьи
        positions = [p for p, item in enumerate(items) if item[0] == family]
        original = next(p for p in positions if items[p][1] == "хороший")
        items[positions[0]], items[original] = items[original], items[positions[0]]

    documents = [text for _, _, text in items]
    if with_kinds:
        return documents, [kind for _, kind, _ in items]
    return documents
