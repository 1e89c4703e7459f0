"""`kith adapters train ...`: adapters trained on this machine (accuracy recovery; task adapters)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from kith.cli.common import echo_json, home_option, json_option


def _bar():
    from tqdm import tqdm

    tty = sys.stderr.isatty()
    state: dict[str, tqdm] = {}

    def update(done: int, total: int, loss: float) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, initial=done - 1, desc="training", unit="step", file=sys.stderr,
                                      mininterval=0.5 if tty else 5.0)
        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


@click.group("train")
def train_group() -> None:
    """Train an adapter on this machine (nothing leaves it)."""


@train_group.command("recovery")
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False),
              help="The compressed model folder (from `kith compress`).")
@click.option("--teacher", "teacher_dir", required=True, type=click.Path(file_okay=False),
              help="The reference model folder it was compressed from.")
@click.option("--calibration", required=True, type=click.Path(dir_okay=False), help="Text to distill on.")
@click.option("-o", "--out", "out", type=click.Path(file_okay=False),
              help="PEFT folder to write (default: MODEL/recovery-adapter).")
@click.option("--steps", default=200, show_default=True)
@click.option("--rank", default=16, show_default=True)
@click.option("--learning-rate", default=5e-4, show_default=True)
@click.option("--schedule", type=click.Choice(["constant", "linear"]), default="constant", show_default=True,
              help="Learning rate: constant, or linear (a warmup over 6% of the steps, then a decay to zero).")
@click.option("--seq-len", default=128, show_default=True)
@click.option("--batch-size", default=4, show_default=True)
@click.option("--from", "start_from", type=click.Path(file_okay=False), help="Continue from a PEFT adapter.")
@home_option
@json_option
def recovery_cmd(model_dir: str, teacher_dir: str, calibration: str, out: str | None, steps: int, rank: int,
                 learning_rate: float, schedule: str, seq_len: int, batch_size: int, start_from: str | None, home: str | None,
                 as_json: bool) -> None:
    """Distill a rank-16 LoRA that brings a compressed model back toward its reference.

    Checkpoints every 10 steps next to the output: run the same command again to resume.
    """
    from training.distill import train_recovery
    from training.lora_trainer import LoraSettings

    target = Path(out) if out else Path(model_dir) / "recovery-adapter"
    settings = LoraSettings(rank=rank, alpha=2 * rank, steps=steps, learning_rate=learning_rate, schedule=schedule)
    say = (lambda m: None) if as_json else (lambda m: click.echo(m, err=True))
    summary = train_recovery(model_dir, teacher_dir, calibration, target, settings, seq_len=seq_len,
                             batch_size=batch_size, start_from=start_from, progress=_bar(), stage=say)
    summary["out"] = str(target)
    if as_json:
        echo_json(summary)
    else:
        click.echo(f"held-out KL {summary['heldout_kl_before']:.4f} -> {summary['heldout_kl_after']:.4f} "
                   f"in {summary['steps']} steps ({summary['seconds']:.0f} s); adapter in {target}")
        click.echo(f"next: kith adapters import {target} --name NAME --model MODEL_NAME")


def _task_command(task: str, help_text: str, steps: int = 150, examples: int = 400, schedule: str = "constant") -> None:
    @train_group.command(task, help=help_text)
    @click.option("--model", "model_name", help="Installed model to train on (default: the home's model).")
    @click.option("--steps", default=steps, show_default=True,
                  help="Optimizer steps at batch 2 (10-20 min for SmolLM2-135M on 2 cores).")
    @click.option("--examples", default=examples, show_default=True, help="Examples to synthesize (a tenth is held out).")
    @click.option("--rank", default=16, show_default=True)
    @click.option("--learning-rate", default=5e-4, show_default=True)
    @click.option("--schedule", type=click.Choice(["constant", "linear"]), default=schedule, show_default=True,
                  help="Learning rate: constant, or linear (a warmup over 6% of the steps, then a decay to zero).")
    @click.option("--batch-size", default=2, show_default=True)
    @click.option("--from", "start_from", type=click.Path(file_okay=False),
                  help="Continue from a PEFT adapter (e.g. the accuracy-recovery adapter of a compressed base).")
    @click.option("--name", "import_as", help=f"Adapter name to import it as (default: {task}).")
    @click.option("--intents", "intents_file", type=click.Path(exists=True, dir_okay=False),
                  help="planner only: train on this `kith eval intents` FILE's phrases instead of the installed intents.")
    @click.option("--clinc", is_flag=True, help="--intents FILE is CLINC150 data_full.json.")
    @home_option
    @json_option
    def command(model_name: str | None, steps: int, examples: int, rank: int, learning_rate: float, schedule: str,
                batch_size: int, start_from: str | None, import_as: str | None, intents_file: str | None,
                clinc: bool, home: str | None, as_json: bool) -> None:
        from evals.eval_intents import IntentDataset
        from indexer.app import KithApp
        from training.lora_trainer import LoraSettings
        from training.task_adapters import train_task_adapter

        if intents_file and task != "planner":
            raise click.UsageError("--intents is for `kith adapters train planner` only")
        intents = IntentDataset.open(intents_file, clinc) if intents_file else None
        app = KithApp(home)
        try:
            settings = LoraSettings(rank=rank, alpha=2 * rank, steps=steps, learning_rate=learning_rate, schedule=schedule)
            say = (lambda m: None) if as_json else (lambda m: click.echo(m, err=True))
            summary = train_task_adapter(app, task, settings, model_name=model_name, examples=examples,
                                         batch_size=batch_size, start_from=start_from, import_as=import_as,
                                         intents=intents, progress=_bar(), stage=say)
        finally:
            app.close()
        if as_json:
            echo_json(summary)
        else:
            click.echo(f"{task}: held-out loss {summary['heldout_loss_before']:.4f} -> "
                       f"{summary['heldout_loss_after']:.4f} in {summary['steps']} steps ({summary['seconds']:.0f} s); "
                       f"adapter {summary['adapter']!r} imported")


_task_command("planner", "Train the planner adapter from this home's intents, people, places and clock.\n\n"
              "Checkpoints every 10 steps: run the same command again to resume. Imported as adapter `planner`, "
              "which `kith ask --planner llm` and `kith eval tools` activate.", steps=300, examples=900)
_task_command("answer", "Train the answer adapter from this home's own documents (cited, grounded targets).\n\n"
              "Checkpoints every 10 steps: run the same command again to resume. Imported as adapter `answer`, "
              "which `kith ask --answerer generative` activates.")
_task_command("summarize", "Train the summarize adapter from this home's threads and conversations (cited targets).\n\n"
              "Checkpoints every 10 steps: run the same command again to resume. Imported as adapter `summarize`, "
              "which `kith summarize --mode generative` and the summarize_thread intent activate.")
