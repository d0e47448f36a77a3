"""GRPO на проверяемой задаче (глава 6, ноутбук 4): задача, награда, крошечная политика и циклы обучения.

Задача — «максимальная цифра»: запрос ``"385172="``, правильный ответ ``"8"``. Награда проверяемая: 1, если ответ
совпал с правильным, иначе 0 — ни модели награды, ни разметки людьми. Политика — GPT-2 из
``transformers`` на 0.1 млн параметров со случайными весами и посимвольным токенизатором (12 токенов), поэтому
в начале она отвечает наугад, а ``trl.GRPOTrainer`` работает с ней так же, как с большой моделью.

Отложенные запросы (около пятой части всех строк цифр) никогда не попадают в обучение: доля верных ответов на них
показывает, выучила ли политика правило, а не запомнила ответы.

Преимущества и лосс GRPO циклу ``train_grpo`` передают снаружи (в ноутбуке — функции из упражнений). Запасные
варианты для демонстраций — ``advantages_by_loop`` и ``token_level_loss`` — считают то же другими
формулами (второй усредняет по токенам всего батча, как ``loss_type="dapo"`` в trl).
"""
from __future__ import annotations

import random
import time
import zlib
from dataclasses import dataclass

import torch

from .rl import Rollout, token_logprobs

DIGITS = "0123456789"
EOS = "<eos>"
VOCAB = [EOS, *DIGITS, "="]  # EOS — он же начало текста и дополнение, как у GPT курса
N_DIGITS = 6  # длина строки цифр в запросе
HELD_OUT_SHARE = 5  # отложена каждая пятая строка цифр (по контрольной сумме, а не по номеру)


# --- задача и награда ---

def is_held_out(prompt: str) -> bool:
    """Отложен ли запрос: решает контрольная сумма его текста, так что разделение одно и то же везде."""
    return zlib.crc32(prompt.encode()) % HELD_OUT_SHARE == 0


def make_example(rng: random.Random) -> dict:
    """Один пример: максимум ``m`` равновероятен от 1 до 9, остальные цифры — случайные от 0 до ``m``."""
    m = rng.randint(1, 9)
    digits = [rng.randint(0, m) for _ in range(N_DIGITS)]
    digits[rng.randrange(N_DIGITS)] = m
    return {"prompt": "".join(map(str, digits)) + "=", "answer": str(m)}


def make_examples(n: int, split: str, seed: int = 0) -> list[dict]:
    """``n`` разных примеров ``{"prompt", "answer"}`` из части ``"train"`` или ``"test"`` (отложенные)."""
    if split not in ("train", "test"):
        raise ValueError(f"Часть данных — 'train' или 'test', получено {split!r}.")
    rng, rows, seen = random.Random(seed), [], set()
    while len(rows) < n:
        row = make_example(rng)
        if is_held_out(row["prompt"]) == (split == "test") and row["prompt"] not in seen:
            seen.add(row["prompt"])
            rows.append(row)
    return rows


def exact_reward(responses: list[str], answers: list[str]) -> torch.Tensor:
    """Проверяемая награда: 1.0, если ответ (без пробелов по краям) равен правильному, иначе 0.0."""
    return torch.tensor([float(r.strip() == a) for r, a in zip(responses, answers, strict=True)])


def reward_for_trl(prompts, completions, answer, **kwargs) -> list[float]:
    """Та же награда в виде, который ждёт ``trl.GRPOTrainer``: столбец ``answer`` датасета приходит аргументом."""
    return exact_reward(completions, answer).tolist()


# --- токенизатор и политика ---

def make_tokenizer():
    """Посимвольный токенизатор: 10 цифр, «=» и ``<eos>``; в начало каждого текста ставит ``<eos>`` как BOS."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel({token: i for i, token in enumerate(VOCAB)}, unk_token=EOS))
    core.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    core.post_processor = processors.TemplateProcessing(single=f"{EOS} $A", special_tokens=[(EOS, 0)])
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token=EOS, eos_token=EOS, pad_token=EOS,
                                   unk_token=EOS)


def make_policy(seed: int = 0, width: int = 64, layers: int = 2, heads: int = 4):
    """GPT-2 из ``transformers`` со случайными весами: 2 блока ширины 64 — около 0.1 млн параметров, без dropout."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(VOCAB), n_positions=16, n_embd=width, n_layer=layers, n_head=heads,
                        activation_function="gelu", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        bos_token_id=0, eos_token_id=0, pad_token_id=0)
    return GPT2LMHeadModel(config).eval()


def copy_policy(model):
    """Замороженная копия политики — опорная модель (reference) для штрафа KL."""
    from transformers import GPT2LMHeadModel

    reference = GPT2LMHeadModel(model.config)
    reference.load_state_dict(model.state_dict())
    return reference.eval().requires_grad_(False)


# --- ответы группами и их логарифмы вероятностей ---

@torch.no_grad()
def sample_groups(model, tokenizer, prompts: list[str], group_size: int, *, temperature: float = 1.0,
                  max_new_tokens: int = 1) -> Rollout:
    """По ``group_size`` ответов на каждый запрос, группы подряд (как ``course_utils.rl.sample``).

    Запросы задачи одной длины, поэтому дополнение не нужно; ответ задачи — один токен (одна цифра). Токены
    берутся из softmax(логиты / temperature) без отсечений (top-k, top-p), как в trl по умолчанию.
    """
    ids = tokenizer(prompts, return_tensors="pt")["input_ids"].repeat_interleave(group_size, dim=0)
    prompt_length = ids.shape[1]
    was_training = model.training
    model.eval()
    for _ in range(max_new_tokens):
        logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[:, -1]
        next_token = torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1)
        ids = torch.cat([ids, next_token], dim=1)
    model.train(was_training)
    response_mask = torch.zeros_like(ids)
    response_mask[:, prompt_length:] = 1
    responses = tokenizer.batch_decode(ids[:, prompt_length:], skip_special_tokens=True)
    return Rollout(ids, torch.ones_like(ids), response_mask, [p for p in prompts for _ in range(group_size)],
                   [r.strip() for r in responses])


@torch.no_grad()
def held_out_accuracy(model, tokenizer, rows: list[dict]) -> float:
    """Доля верных ответов при жадном выборе (самый вероятный токен) на примерах ``rows``."""
    ids = tokenizer([r["prompt"] for r in rows], return_tensors="pt")["input_ids"]
    predicted = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[:, -1].argmax(dim=-1)
    answers = tokenizer([r["answer"] for r in rows], add_special_tokens=False)["input_ids"]
    return (predicted == torch.tensor([a[0] for a in answers])).float().mean().item()


def pass_at_k(model, tokenizer, rows: list[dict], k: int = 8, seed: int = 0) -> dict:
    """Сколько из ``k`` ответов верны в среднем и у какой доли запросов есть хоть один верный."""
    torch.manual_seed(seed)
    batch = sample_groups(model, tokenizer, [r["prompt"] for r in rows], k)
    rewards = exact_reward(batch.responses, [r["answer"] for r in rows for _ in range(k)]).view(len(rows), k)
    return {"mean_reward": rewards.mean().item(), "pass_at_k": (rewards.max(dim=1).values > 0).float().mean().item()}


# --- запасные варианты для демонстраций (другие формулы того же) ---

def advantages_by_loop(rewards: torch.Tensor, group_size: int, eps: float = 1e-4) -> torch.Tensor:
    """Нормировка наград внутри каждой группы — циклом по группам (медленнее, зато видно каждый шаг)."""
    out = torch.empty_like(rewards, dtype=torch.float32)
    for start in range(0, len(rewards), group_size):
        group = rewards[start:start + group_size].float()
        out[start:start + group_size] = (group - group.mean()) / (group.std() + eps)
    return out


def token_level_loss(logprobs, old_logprobs, ref_logprobs, advantages, mask, clip_eps=0.2, beta=0.04):
    """Лосс GRPO с усреднением по всем токенам ответов батча (``loss_type="dapo"`` в trl 1.16).

    Когда у всех ответов одна длина (в задаче ноутбука — один токен), совпадает с формулой статьи.
    """
    mask = mask.float()
    ratio = torch.exp(logprobs - old_logprobs)
    advantages = advantages[:, None]
    surrogate = torch.minimum(ratio * advantages, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * advantages)
    log_rho = ref_logprobs - logprobs
    kl = torch.exp(log_rho) - log_rho - 1
    return ((beta * kl - surrogate) * mask).sum() / mask.sum().clamp(min=1)


# --- свой цикл GRPO ---

@dataclass
class GRPOSettings:
    """Настройки обучения; те же числа получает ``trl.GRPOConfig`` в ``train_with_trl``."""

    steps: int = 60
    prompts_per_step: int = 32
    group_size: int = 8
    lr: float = 3e-3
    beta: float = 0.04
    clip_eps: float = 0.2
    updates_per_batch: int = 1  # μ в статье: сколько шагов оптимизатора на одной порции ответов
    temperature: float = 1.0
    max_grad_norm: float = 1.0
    eval_every: int = 10
    seed: int = 0


def train_grpo(model, tokenizer, advantages_fn, loss_fn, settings: GRPOSettings = GRPOSettings(),
               test_rows: list[dict] | None = None, on_log=None) -> list[dict]:
    """Обучает политику ``model`` методом GRPO на задаче «максимальная цифра»; возвращает журнал.

    Шаг: взять ``prompts_per_step`` обучающих запросов → по ``group_size`` ответов на каждый → награды →
    ``advantages_fn(rewards, group_size)`` → ``updates_per_batch`` шагов AdamW по ``loss_fn(...)``.
    Журнал — список ``{"step", "seconds", "reward", "accuracy"}``: средняя награда ответов шага и доля верных
    ответов на отложенных запросах (её замер не входит в секунды).
    """
    s = settings
    test_rows = test_rows if test_rows is not None else make_examples(300, "test", seed=1)
    train_rows = make_examples(s.steps * s.prompts_per_step, "train", seed=s.seed + 2)
    reference = copy_policy(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=s.lr, weight_decay=0.0)
    torch.manual_seed(s.seed)
    log, seconds, rewards_seen = [], 0.0, []
    log.append({"step": 0, "seconds": 0.0, "reward": float("nan"),
                "accuracy": held_out_accuracy(model, tokenizer, test_rows)})
    for step in range(1, s.steps + 1):
        start = time.perf_counter()
        rows = train_rows[(step - 1) * s.prompts_per_step: step * s.prompts_per_step]
        batch = sample_groups(model, tokenizer, [r["prompt"] for r in rows], s.group_size,
                              temperature=s.temperature)
        rewards = exact_reward(batch.responses, [r["answer"] for r in rows for _ in range(s.group_size)])
        advantages = advantages_fn(rewards, s.group_size)
        mask = batch.response_mask[:, 1:]
        with torch.no_grad():
            ref = token_logprobs(reference, batch)
            old = token_logprobs(model, batch) if s.updates_per_batch > 1 else None
        model.train()
        for _ in range(s.updates_per_batch):
            logprobs = token_logprobs(model, batch)
            old = logprobs.detach() if old is None else old  # μ = 1: политика ещё не менялась, ratio = 1
            loss = loss_fn(logprobs, old, ref, advantages, mask, s.clip_eps, s.beta)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), s.max_grad_norm)
            optimizer.step()
        model.eval()
        seconds += time.perf_counter() - start
        rewards_seen.append(rewards.mean().item())
        if step % s.eval_every == 0 or step == s.steps:
            log.append({"step": step, "seconds": round(seconds, 2),
                        "reward": sum(rewards_seen) / len(rewards_seen),
                        "accuracy": held_out_accuracy(model, tokenizer, test_rows)})
            rewards_seen = []
            if on_log is not None:
                on_log(log)
    return log


# --- то же обучение в trl ---

def trl_config(settings: GRPOSettings, output_dir: str):
    """``GRPOConfig`` с настройками ``settings``: те же числа, что у ``train_grpo``, и та же формула лосса.

    Шесть умолчаний trl 1.16 здесь заменены: ``loss_type="dapo"`` → ``"grpo"`` (усреднение из статьи),
    ``beta=0.0`` → ``settings.beta``, ``use_bias_correction_kl=True`` → ``False`` (штраф KL как в статье, без
    умножения на ratio из DeepSeek-V3.2), ``bf16=True`` и ``gradient_checkpointing=True`` → ``False`` (на CPU
    bfloat16 и пересчёт активаций только замедляют крошечную модель), ``max_completion_length=512`` → 1.
    """
    import warnings

    from trl import GRPOConfig

    s = settings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # transformers 5 переименовывает gradient_checkpointing
        return GRPOConfig(
            output_dir=output_dir, use_vllm=False, use_cpu=True, report_to="none", disable_tqdm=True,
            max_steps=s.steps, per_device_train_batch_size=s.prompts_per_step * s.group_size,
            num_generations=s.group_size, max_completion_length=1, temperature=s.temperature, top_k=0,
            learning_rate=s.lr, lr_scheduler_type="constant", weight_decay=0.0, max_grad_norm=s.max_grad_norm,
            beta=s.beta, epsilon=s.clip_eps, num_iterations=s.updates_per_batch, loss_type="grpo",
            scale_rewards="group", logging_steps=s.eval_every, save_strategy="no", seed=s.seed, data_seed=s.seed,
            shuffle_dataset=False, bf16=False, gradient_checkpointing=False, use_bias_correction_kl=False)


def train_with_trl(model, tokenizer, settings: GRPOSettings = GRPOSettings(), test_rows: list[dict] | None = None,
                   on_log=None) -> list[dict]:
    """Та же задача и те же настройки в ``trl.GRPOTrainer``; журнал в формате ``train_grpo``.

    ``loss_type="grpo"`` — усреднение из статьи (по токенам ответа, затем по ответам), ``scale_rewards="group"`` —
    деление на стандартное отклонение группы. trl строит опорную модель для KL по пути к весам, поэтому
    стартовая политика сохраняется во временную папку. ``model`` обучается на месте.
    """
    import tempfile
    import warnings

    from datasets import Dataset
    from transformers import TrainerCallback
    from transformers.trainer_callback import PrinterCallback
    from trl import GRPOTrainer

    from .gpt_parts import without_progress_bar

    s = settings
    test_rows = test_rows if test_rows is not None else make_examples(300, "test", seed=1)
    train_rows = make_examples(s.steps * s.prompts_per_step, "train", seed=s.seed + 2)
    log = [{"step": 0, "seconds": 0.0, "reward": float("nan"),
            "accuracy": held_out_accuracy(model, tokenizer, test_rows)}]

    class HeldOutAccuracy(TrainerCallback):
        """При каждой записи журнала trl (раз в ``eval_every`` шагов) — доля верных на отложенных запросах.

        trl пишет в журнал среднюю награду за шаги с прошлой записи. Время замера в секунды не входит.
        """

        def __init__(self):
            self.seconds, self.started = 0.0, None

        def on_train_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "reward" in logs:
                self.record(state.global_step, logs["reward"])

        def on_train_end(self, args, state, control, **kwargs):
            if log[-1]["step"] != state.global_step:
                self.record(state.global_step, float("nan"))

        def record(self, step, reward):
            self.seconds += time.perf_counter() - self.started
            log.append({"step": step, "seconds": round(self.seconds, 2), "reward": reward,
                        "accuracy": held_out_accuracy(trainer.model, tokenizer, test_rows)})
            if on_log is not None:
                on_log(log)
            self.started = time.perf_counter()

    with tempfile.TemporaryDirectory() as folder, without_progress_bar(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # transformers 5 переименовывает gradient_checkpointing
        model.save_pretrained(folder)
        config = trl_config(s, folder)
        trainer = GRPOTrainer(model=folder, reward_funcs=reward_for_trl, args=config,
                              train_dataset=Dataset.from_list(train_rows), processing_class=tokenizer,
                              callbacks=[HeldOutAccuracy()])
        trainer.remove_callback(PrinterCallback)  # при disable_tqdm=True Trainer печатает журнал каждого шага
        trainer.train()
    trained = trainer.model
    model.load_state_dict(trained.state_dict())
    return log


# --- почему не модель после SFT и долгий замер ---

def sft_policy_probe(n_prompts: int = 20, k: int = 8, seed: int = 0) -> dict:
    """Модель после SFT на знакомом виде инструкций («Какое число больше») и на новом («…меньше»).

    Для каждого вида: доля верных среди ``k`` ответов и доля запросов, где верен хотя бы один (pass@k).
    """
    from .rl import load_policy, load_tokenizer, sample

    rng = random.Random(seed)
    pairs = []
    while len(pairs) < n_prompts:
        a, b = rng.randint(10, 99), rng.randint(10, 99)
        if a != b:
            pairs.append((a, b))
    policy, tokenizer = load_policy(), load_tokenizer()
    result = {}
    for word, pick in (("больше", max), ("меньше", min)):
        prompts = [f"Какое число {word}: {a} или {b}?" for a, b in pairs]
        batch = sample(policy, tokenizer, prompts, n=k, seed=seed)
        answers = [str(pick(a, b)) for a, b in pairs for _ in range(k)]
        rewards = exact_reward(batch.responses, answers).view(n_prompts, k)
        result[word] = {"mean_reward": rewards.mean().item(),
                        "pass_at_k": (rewards.max(dim=1).values > 0).float().mean().item(),
                        "example": (prompts[0], batch.responses[:k])}
    return result


def grpo_benchmark(seeds=(0, 1, 2, 3), steps: int = 150, target: float = 0.8) -> dict:
    """Долгий замер: свой цикл и trl на одной задаче, несколько seed; для ``scripts/bench_rl.py``.

    Для каждого запуска — журнал (шаг, секунды обучения, награда, доля верных на 300 отложенных запросах),
    первый шаг и секунды, где доля верных ≥ ``target``, и доля в конце. Преимущества и лосс своего цикла —
    формулы статьи (здесь они записаны через запасные варианты модуля: для ответа из одного токена
    ``token_level_loss`` совпадает с формулой статьи).
    """
    import platform

    from .gpt_parts import without_progress_bar

    tokenizer = make_tokenizer()
    test_rows = make_examples(300, "test", seed=1)
    runs = []
    for seed in seeds:
        settings = GRPOSettings(steps=steps, seed=seed)
        for kind in ("own", "trl"):
            policy = make_policy(seed)
            with without_progress_bar():
                log = (train_grpo(policy, tokenizer, advantages_by_loop, token_level_loss, settings, test_rows)
                       if kind == "own" else train_with_trl(policy, tokenizer, settings, test_rows))
            reached = next((e for e in log if e["accuracy"] >= target), None)
            runs.append({"kind": kind, "seed": seed, "log": log, "final_accuracy": log[-1]["accuracy"],
                         "start_accuracy": log[0]["accuracy"], "seconds": log[-1]["seconds"],
                         "step_to_target": reached and reached["step"],
                         "seconds_to_target": reached and reached["seconds"]})
    summary = {}
    for kind in ("own", "trl"):
        mine = [r for r in runs if r["kind"] == kind]
        hit = [r for r in mine if r["step_to_target"] is not None]
        summary[kind] = {"runs": len(mine), "reached_target": len(hit),
                         "mean_final_accuracy": sum(r["final_accuracy"] for r in mine) / len(mine),
                         "mean_seconds_per_step": sum(r["seconds"] for r in mine) / (steps * len(mine)),
                         "median_step_to_target": sorted(r["step_to_target"] for r in hit)[len(hit) // 2]
                         if hit else None}
    return {"task": f"максимальная цифра из {N_DIGITS}, награда 0/1, 300 отложенных запросов",
            "settings": {k: v for k, v in vars(GRPOSettings(steps=steps)).items() if k != "seed"},
            "target": target, "torch_threads": torch.get_num_threads(), "machine": platform.processor() or
            platform.machine(), "runs": runs, "summary": summary}
