"""Task adapters trained on this machine: `kith adapters train planner|answer|summarize`.

Supervised fine-tuning of a LoRA on an installed model's fp32 Hugging Face folder (``HOME/models/NAME/hf``):
the loss is the next-token cross-entropy on the assistant's target tokens only (the prompt, rendered with
the model's own chat template exactly as the runtime renders it, is context). The data comes from
`training.planner_data` (the user's intents, people, places and clock, plus the tool-call format of
`training.tool_data`), `training.answer_data` and `training.summary_data` (the user's own documents).
A tenth of the examples is held out: the loss on it before and after training is reported. The shared loop (`training.lora_trainer`) gives the progress bar and resumable checkpoints;
`--from ADAPTER` continues from a PEFT folder (for example the accuracy-recovery adapter of a compressed
base, so that one active adapter carries both). The finished PEFT folder is imported into the runtime
under the task's name (`planner`, `answer`, `summarize`), which the LLM planner, the generative answerer
and the generative summarizer activate.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import torch

from training.errors import TrainingError
from training.lora_trainer import LoraSettings, attach_lora, train

TASKS = ("planner", "answer", "summarize")
PROMPT_VARIANTS = 6  # planner prompts: the home's clock and owner, and five others
TOOL_SHARE = 0.6  # of the planner examples: the tool-call format (`kith serve`, `kith eval tools`)
MAX_TOKENS = 1024
Stage = Callable[[str], None]


def task_examples(app: Any, task: str, count: int, seed: int = 0,
                  intents: Any = None) -> list[tuple[list[dict[str, str]], str]]:
    """(messages, target) pairs for `task`, synthesized from this home's intents and index. ``intents`` (an
    `evals.eval_intents.IntentDataset`) replaces the installed intents with an evaluation file's training
    phrases, for `kith eval intents --planner llm` (its test questions are never used)."""
    if task == "planner":
        from agent.llm_planner import LlmPlanner
        from agent.plan import PlanContext
        from agent.executor import known_places, load_registry_for
        if intents is not None:
            from evals.eval_intents_llm import EvalRegistry

            registry = EvalRegistry(intents)
        else:
            registry = load_registry_for(app)
        owner = app.home.config.get("owner") or {}
        context = PlanContext(now=datetime.now(timezone.utc).astimezone(), owner=owner if isinstance(owner, dict) else {},
                              registry=registry, known_places=known_places(app), app=app)
        planned, pairs = _planner_pairs(LlmPlanner(None, None), registry, context, app.store.person_names(200), seed)
        if intents is None:
            pairs += _tool_pairs(registry, planned, int(count * TOOL_SHARE), seed)
    elif task == "answer":
        from training.answer_data import answer_examples

        pairs = [(e.messages, e.target) for e in answer_examples(app.store, count=count, seed=seed)]
    elif task == "summarize":
        from training.summary_data import summary_examples

        pairs = [(e.messages, e.target) for e in summary_examples(app.store, app.embedder, count=count, seed=seed)]
    else:
        raise TrainingError(f"unknown task {task!r}; train one of: {', '.join(TASKS)} (or `recovery`)")
    if len(pairs) < 4:
        raise TrainingError(f"not enough {task} training data in this home ({len(pairs)} examples): index your "
                            "mail, messages and calendar first (`kith index PATH`)")
    random.Random(seed).shuffle(pairs)
    return pairs[:count]


def _varied_contexts(context: Any, seed: int) -> list[Any]:
    """The home's own planning context, then `PROMPT_VARIANTS - 1` with another clock and owner: the prompt
    carries both, and an adapter that only ever saw one learns to key on it (trained in one home and used in
    another, or a month later, it put ordinary questions out of scope)."""
    from dataclasses import replace

    from training.tool_data import NAMES

    rng = random.Random(seed)
    owners = [dict(context.owner or {})] + [{"name": name} for name in NAMES] + [{}]
    out = [context]
    for _ in range(PROMPT_VARIANTS - 1):
        now = context.now + timedelta(days=rng.randint(-540, 540))
        now = now.replace(hour=rng.randint(6, 22), minute=rng.choice((0, 5, 17, 30, 48)))
        out.append(replace(context, now=now, owner=rng.choice(owners)))
    return out


def _planner_pairs(prompt: Any, registry: Any, context: Any, people: list[str],
                   seed: int) -> tuple[list[Any], list[tuple[list[dict[str, str]], str]]]:
    """Planner examples (and their chat pairs) spread over varied contexts, as many as one context yields;
    each example's dates are filled from its own context's clock."""
    from training.planner_data import PlannerData

    rng = random.Random(seed)
    pooled: list[tuple[Any, Any]] = []
    wanted = 0
    for index, variant in enumerate(_varied_contexts(context, seed)):
        made = PlannerData(registry, variant.now, people, variant.known_places, seed=seed + index).examples()
        wanted = wanted or len(made)
        pooled += [(example, variant) for example in made]
    chosen = rng.sample(pooled, min(wanted, len(pooled)))
    return [e for e, _ in chosen], [(prompt.messages(e.question, v), e.target) for e, v in chosen]


def _tool_pairs(registry: Any, planned: list[Any], count: int, seed: int) -> list[tuple[list[dict[str, str]], str]]:
    """`count` tool-call examples: the user's intents as tools (with and without the right one), then generic."""
    from agent.oos_pool import OOS_POOL
    from training.tool_data import generic_examples, intent_examples

    rng = random.Random(seed)
    from_intents = intent_examples(registry, planned, rng, rng.sample(list(OOS_POOL), min(20, len(OOS_POOL))))
    rng.shuffle(from_intents)
    chosen = from_intents[: count // 3]  # two thirds everyday functions: the skill, not the intents
    chosen += generic_examples(rng, count - len(chosen))
    return [(messages, target) for messages, target, _kind in chosen]


def encode(tokenizer: Any, messages: list[dict[str, str]], target: str,
           max_tokens: int = MAX_TOKENS) -> tuple[torch.Tensor, torch.Tensor]:
    """Input ids and labels (-100 on the prompt) for one example, the prompt cut from its start if too long."""
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    target_ids = tokenizer(target, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    prompt_ids = prompt_ids[-max(max_tokens - len(target_ids), 1):]
    ids = torch.tensor(prompt_ids + target_ids)
    labels = torch.tensor([-100] * len(prompt_ids) + target_ids)
    return ids, labels


def batch_loss(model: Any, batch: list[tuple[torch.Tensor, torch.Tensor]], pad_id: int) -> torch.Tensor:
    width = max(len(ids) for ids, _ in batch)
    ids = torch.full((len(batch), width), pad_id)
    labels = torch.full((len(batch), width), -100)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (i, lab) in enumerate(batch):
        ids[row, : len(i)], labels[row, : len(lab)], mask[row, : len(i)] = i, lab, 1
    return model(input_ids=ids, attention_mask=mask, labels=labels).loss


def heldout_loss(model: Any, examples: list[tuple[torch.Tensor, torch.Tensor]], pad_id: int) -> float:
    model.eval()
    with torch.no_grad():
        return sum(float(batch_loss(model, [e], pad_id)) for e in examples) / max(len(examples), 1)


def train_task_adapter(app: Any, task: str, settings: LoraSettings, *, model_name: str | None = None,
                       examples: int = 400, batch_size: int = 2, start_from: str | Path | None = None,
                       out_dir: Path | None = None, import_as: str | None = None, intents: Any = None,
                       progress: Callable[[int, int, float], None] | None = None,
                       stage: Stage | None = None) -> dict[str, Any]:
    """Trains the `task` adapter for the home's model, imports it into the runtime, and returns a summary."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from runtime.adapter_store import AdapterStore
    from runtime.model_store import ModelStore

    say = stage or (lambda _m: None)
    models = ModelStore.for_home(app.home)
    installed = models.get(model_name or models.default_name())
    hf = installed.path / "hf"
    if not (hf / "config.json").is_file():
        raise TrainingError(f"model {installed.name!r} has no fp32 Hugging Face folder ({hf}); re-import it with "
                            "`kith model import` (it keeps hf/ by default)")
    pairs = task_examples(app, task, examples, seed=settings.seed, intents=intents)
    tokenizer = AutoTokenizer.from_pretrained(str(hf))
    context = json.loads((hf / "config.json").read_text()).get("max_position_embeddings") or MAX_TOKENS
    encoded = [encode(tokenizer, m, t, min(MAX_TOKENS, int(context))) for m, t in pairs]
    heldout = max(2, len(encoded) // 10)
    test, train_set = encoded[:heldout], encoded[heldout:]
    say(f"{task}: {len(train_set)} training and {len(test)} held-out examples synthesized from this home")
    model = AutoModelForCausalLM.from_pretrained(str(hf), dtype=torch.float32)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    lora = attach_lora(model, settings, start_from)
    before = heldout_loss(lora, test, pad)
    rng = random.Random(settings.seed)

    def step_loss(step: int) -> torch.Tensor:
        lora.train()
        return batch_loss(lora, [train_set[rng.randrange(len(train_set))] for _ in range(batch_size)], pad)

    target = out_dir or app.home.path / "training" / f"{import_as or task}-{installed.name}"
    config = {"kind": task, "model": installed.name, "examples": len(encoded), "batch_size": batch_size,
              "from": str(start_from)}
    result = train(lora, step_loss, settings, target, config, progress)
    after = heldout_loss(lora, test, pad)
    summary = {"task": task, "model": installed.name, "heldout_loss_before": before, "heldout_loss_after": after,
               "examples": len(encoded), "out": str(target), "steps": result["steps"],
               "resumed_from": result["resumed_from"], "seconds": result["seconds"]}
    (target / "kith_training.json").write_text(json.dumps({**config, **summary}, indent=1))
    name = import_as or task
    record = AdapterStore.for_home(app.home).import_peft(target, name, model_name=installed.name, replace=True)
    summary["adapter"] = record.name
    say(f"held-out loss {before:.4f} -> {after:.4f}; imported as adapter {name!r} for {installed.name!r}")
    return summary
