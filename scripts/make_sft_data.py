"""Данные главы 05 (файнтюнинг): инструкции на русском и текст в новом для модели жанре.

1. ``data/sft_ru.jsonl`` — по строке на пример: ``{"instruction", "output", "task", "split"}``. Пять семейств задач,
   которые модель в миллион параметров выучивает за несколько минут; тестовая часть (``split = "test"``) требует
   обобщения, а не памяти:
   - ``number_words`` — «Запиши число 47 словами.» → «сорок семь»: в тесте числа, которых не было в обучении
     (все десятки и единицы в обучении встречаются);
   - ``number_digits`` — обратная задача: «Запиши цифрами: сорок семь.» → «47», с тем же разбиением чисел;
   - ``compare`` — «Какое число больше: 37 или 52?» → «52»: в тесте новые пары;
   - ``last_word`` — «Назови последнее слово: кот, лес, дом.» → «дом»: в тесте новые тройки слов;
   - ``capital`` — «Столица Франции?» → «Париж» по фиксированному списку из 12 стран: факты в обучении есть все,
     а в тесте вопрос задан формулировками, которых модель не видела.
2. ``data/domain_weather.txt`` — сводки погоды из шаблонов (жанр, которого нет в корпусе предобучения):
   документы через пустую строку, каждый десятый — отложенная часть для перплексии.

Всё детерминировано (seed в ``SEED``). Usage: python scripts/make_sft_data.py
"""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SFT_PATH = ROOT / "data" / "sft_ru.jsonl"
DOMAIN_PATH = ROOT / "data" / "domain_weather.txt"
SEED = 505
TEST_SHARE = 0.2

UNITS = ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
TEENS = ["десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать", "шестнадцать",
         "семнадцать", "восемнадцать", "девятнадцать"]
TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят",
        "девяносто"]
CAPITALS = {"Франции": "Париж", "Германии": "Берлин", "Италии": "Рим", "Испании": "Мадрид", "Японии": "Токио",
            "Китая": "Пекин", "Египта": "Каир", "Канады": "Оттава", "Австралии": "Канберра", "Бразилии": "Бразилиа",
            "Турции": "Анкара", "Польши": "Варшава"}
CAPITAL_TRAIN = ["Столица {}?", "Назови столицу {}.", "Какой город — столица {}?", "Напиши столицу {}."]
CAPITAL_TEST = ["Скажи, какой город является столицей {}.", "Как называется столица {}?"]
WORDS = ("кот дом лес мир сад сыр чай нос сон мяч стол стул нож шар лук мост путь гриб снег лёд дуб ключ хлеб рука "
         "нога окно море поле небо гора река книга лампа ручка сова лиса рыба птица трава вода зима лето осень весна "
         "утро вечер ночь день слово текст модель сеть").split()
CITIES = ["Москве", "Казани", "Самаре", "Томске", "Иркутске", "Мурманске", "Сочи", "Перми", "Омске", "Твери"]
SKIES = ["ясно", "облачно", "пасмурно", "небольшой дождь", "снег", "переменная облачность", "туман"]
WINDS = ["северный", "южный", "западный", "восточный", "северо-западный", "юго-восточный"]
DAYS = ["Сегодня", "Завтра", "В субботу", "В воскресенье", "В понедельник"]


def number_in_words(n: int) -> str:
    """Число от 0 до 99 словами: 47 → «сорок семь»."""
    if n < 10:
        return UNITS[n]
    if n < 20:
        return TEENS[n - 10]
    tens, units = divmod(n, 10)
    return TENS[tens] if units == 0 else f"{TENS[tens]} {UNITS[units]}"


def held_out_numbers(rng: random.Random) -> set[int]:
    """Числа 20–99 для теста: каждое слово десятков и единиц остаётся и в обучении."""
    candidates = [n for n in range(21, 100) if n % 10]
    return set(rng.sample(candidates, round(TEST_SHARE * len(candidates))))


def examples(rng: random.Random) -> list[dict]:
    rows = []

    def add(task: str, instruction: str, output: str, split: str) -> None:
        rows.append({"instruction": instruction, "output": output, "task": task, "split": split})

    test_numbers = held_out_numbers(rng)
    for n in range(100):
        split = "test" if n in test_numbers else "train"
        add("number_words", f"Запиши число {n} словами.", number_in_words(n), split)
        add("number_digits", f"Запиши цифрами: {number_in_words(n)}.", str(n), split)
    compare_pairs = set()
    while len(compare_pairs) < 250:
        a, b = rng.sample(range(10, 100), 2)
        compare_pairs.add((a, b))
    for i, (a, b) in enumerate(sorted(compare_pairs)):
        add("compare", f"Какое число больше: {a} или {b}?", str(max(a, b)), "test" if i % 5 == 0 else "train")
    triples = set()
    while len(triples) < 200:
        triples.add(tuple(rng.sample(WORDS, 3)))
    for i, triple in enumerate(sorted(triples)):
        add("last_word", f"Назови последнее слово: {', '.join(triple)}.", triple[-1], "test" if i % 5 == 0 else "train")
    for country, capital in CAPITALS.items():
        for template in CAPITAL_TRAIN:
            add("capital", template.format(country), capital, "train")
        for template in CAPITAL_TEST:
            add("capital", template.format(country), capital, "test")
    rng.shuffle(rows)
    return rows


def weather_report(rng: random.Random) -> str:
    day, city = rng.choice(DAYS), rng.choice(CITIES)
    low = rng.randint(-25, 20)
    high = low + rng.randint(2, 10)
    sign = lambda t: f"+{t}" if t > 0 else str(t)  # noqa: E731
    return (f"{day} в {city} {rng.choice(SKIES)}, днём {sign(high)}, ночью {sign(low)}. "
            f"Ветер {rng.choice(WINDS)}, {rng.randint(1, 12)} м/с. "
            f"Давление {rng.randint(735, 775)} мм рт. ст., влажность {rng.randint(40, 95)} %.")


def domain_text(rng: random.Random, n_documents: int = 600) -> str:
    return "\n\n".join(weather_report(rng) for _ in range(n_documents)) + "\n"


def main() -> None:
    rng = random.Random(SEED)
    rows = examples(rng)
    SFT_PATH.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    DOMAIN_PATH.write_text(domain_text(rng), encoding="utf-8")
    for path in (SFT_PATH, DOMAIN_PATH):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} байт, sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")
    for split in ("train", "test"):
        print(f"{split}: {sum(r['split'] == split for r in rows)} примеров")


if __name__ == "__main__":
    main()
