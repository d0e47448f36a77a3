"""Benchmark report of chapter 06: every method of the chapter, run longer than a notebook allows.

Usage: python scripts/bench_rl.py [--only SECTION …]   (writes benchmarks/rl.{json,md}; about 10 minutes on 2 cores)

Sections: the bandit (gradient variance and speed with and without a baseline); the reward model (held-out pairwise
accuracy, from the log of scripts/train_reward_model.py); PPO with and without the KL penalty; GRPO, the course's
loop against trl.GRPOTrainer on the same task over several seeds; DPO (the long run of scripts/dpo_long_run.py,
read from data/dpo_long_run.json, which that script makes); reasoning (answer directly vs with written steps, by
number of digits; majority vote and best-of-n vs n). Like the other benchmarks, this is a report and never fails
on a number.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils import bandit, grpo, ppo, setup  # noqa: E402
from course_utils.dpo import long_run_path  # noqa: E402
from course_utils.rl import reward_model_path  # noqa: E402
from graders.ch06_rl_reasoning.reasoning import reasoning_benchmark, reasoning_benchmark_markdown  # noqa: E402

OUT = ROOT / "benchmarks"


def table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def bandit_section(report: dict) -> list[str]:
    s = report["settings"]
    rows = []
    for name, label in (("rewards_0_5", "0–5"), ("rewards_10_15", "10–15")):
        for kind, text in (("without_baseline", "нет"), ("with_baseline", "да")):
            r = report[name][kind]
            rows.append([label, text, r["gradient_variance"], r["steps_to_p090"], r["final_p_paris"],
                         r["agents_at_p090"]])
    return [f"Политика — softmax над {len(s['answers'])} ответами на «Столица Франции?», старт P(Париж) = "
            f"{s['start_p_paris']}; батч {s['batch']}, η = {s['lr']}, {s['agents']} агентов по {s['steps']} итераций. "
            "Награды 10–15 — те же 0–5, сдвинутые на 10.", ""] + table(
        ["награды", "базовая линия", "дисперсия градиента", "итераций до P ≥ 0.9", "P(Париж) в конце",
         "доля агентов ≥ 0.9"], rows)


def reward_model_section(log: dict) -> list[str]:
    before, after, train = log["test_accuracy_before"], log["test_accuracy"], log["train_accuracy"]
    return [f"`scripts/train_reward_model.py`: {log['steps']} шагов по {log['batch']} пар, lr {log['lr']}, "
            "тело — SFT-политика. Точность на парах — доля пар, где chosen получил больше rejected.", ""] + table(
        ["пары", "до обучения", "после", "на обучающих"],
        [[kind, before[kind], after[kind], train[kind]] for kind in ("all", "wrong", "rude")])


def grpo_section(report: dict) -> list[str]:
    rows = [[r["kind"], r["seed"], r["start_accuracy"], round(r["final_accuracy"], 3), r["step_to_target"],
             r["seconds_to_target"] and round(r["seconds_to_target"], 1), round(r["seconds"], 1)]
            for r in report["runs"]]
    summary = report["summary"]
    lines = ["Задача «максимальная цифра», политика — GPT-2 на 101 888 параметров со случайными весами; 300 "
             "отложенных запросов. Свой цикл — формулы статьи DeepSeekMath; trl — `GRPOTrainer(use_vllm=False)` "
             "с теми же настройками.", ""]
    lines += table(["цикл", "seed", "точность в начале", "в конце", "шаг до 0.8", "секунд до 0.8", "секунд всего"],
                   rows)
    lines += ["", "Среднее: " + "; ".join(
        f"{kind}: точность в конце {s['mean_final_accuracy']:.3f}, медиана шагов до 0.8 — "
        f"{s['median_step_to_target']}, {s['mean_seconds_per_step']:.3f} с/шаг" for kind, s in summary.items())]
    return lines


def ppo_section(report: dict) -> list[str]:
    rows = [["после SFT", "—", "—", *evaluation_cells(report["sft"]["eval"])]]
    rows += [[name, r["settings"]["beta"], r["settings"]["lr"], *evaluation_cells(r["eval"])]
             for name, r in report["runs"].items()]
    steps = next(iter(report["runs"].values()))["settings"]["steps"]
    return [f"PPO от SFT-политики с моделью награды `data/tiny_reward_model`, {steps} итераций, оценка на всех "
            "отложенных инструкциях SFT: средняя оценка модели награды, KL к опорной модели (нат на ответ), доля "
            "точных ответов (семплированных и жадных) и самые частые ответы.", ""] + table(
        ["политика", "β (KL)", "lr", "оценка", "KL", "точных (семпл)", "точных (жадно)", "частые ответы"], rows)


def evaluation_cells(e: dict) -> list:
    common = ", ".join(f"«{answer}» {share:.0%}" for answer, share in e["most_common"][:3])
    return [round(e["score"], 2), round(e["kl"], 2), round(e["exact_sampled"], 2), e["exact_greedy"], common]


def dpo_section(report: dict) -> list[str]:
    c = report["config"]
    rows = []
    for run in report["runs"]:
        for point in run["points"]:
            p = point["preferences"]
            rows.append([run["beta"], point["step"], p["all"]["accuracy"], p["wrong"]["accuracy"],
                         p["rude"]["accuracy"], p["all"]["margin"], point["exact_match"]])
    trl = "; ".join(f"β = {r['beta']}: |наш − trl| = {r['loss_own_vs_trl']['abs_diff']:.1e}" for r in report["runs"])
    return [f"DPO от SFT-политики: {c['steps']} шагов по {c['batch_size']} пар, lr {c['lr']}, seed {c['seed']} "
            "(`scripts/dpo_long_run.py` → `data/dpo_long_run.json`). Точность — доля отложенных пар, где неявная "
            "награда chosen больше; точных ответов — на отложенных инструкциях SFT.", ""] + table(
        ["β", "шаг", "точность на парах", "wrong", "rude", "зазор", "точных ответов"], rows) + [
        "", f"Лосс на 16 отложенных парах: {trl}."]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# Section → (title, how to measure it, how to write it in markdown), in the report's order.
SECTIONS = {
    "bandit": ("Бандит: REINFORCE с базовой линией и без", bandit.bandit_benchmark, bandit_section),
    "reward_model": ("Модель награды", lambda: read_json(reward_model_path() / "training_log.json"),
                     reward_model_section),
    "ppo": ("PPO с поводком KL и без", ppo.ppo_benchmark, ppo_section),
    "grpo": ("GRPO: свой цикл и trl", grpo.grpo_benchmark, grpo_section),
    "dpo": ("DPO", lambda: read_json(long_run_path()), dpo_section),
    "reasoning": ("Ризонинг: черновик и масштабирование во время ответа", reasoning_benchmark,
                  reasoning_benchmark_markdown),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS),
                        help="re-measure only these sections and keep the others from benchmarks/rl.json")
    args = parser.parse_args()
    setup(seed=0)
    path = OUT / "rl.json"
    report = read_json(path) if args.only and path.exists() else {}
    report["machine"] = {"cpu": platform.machine(), "cpu_threads": torch.get_num_threads()}
    for name, (_, measure, _) in SECTIONS.items():
        if args.only is None or name in args.only:
            started = time.perf_counter()
            report[name] = measure()
            report.setdefault("seconds", {})[name] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")
    write_markdown(json.loads(text))  # from the JSON, as a later --only run will read it


def write_markdown(report: dict) -> None:
    lines = ["# Обучение с подкреплением и ризонинг: бенчмарк главы 06", "",
             f"Машина: {report['machine']['cpu']}, потоков torch: {report['machine']['cpu_threads']}. Время секций, с: "
             + ", ".join(f"{k} {v}" for k, v in report["seconds"].items())
             + ". Пересобрать: `python scripts/bench_rl.py` (одну секцию: `--only grpo`)."]
    for name, (title, _, render) in SECTIONS.items():
        if name in report:
            lines += ["", f"## {title}", ""] + render(report[name])
    (OUT / "rl.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
