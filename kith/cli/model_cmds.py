"""`kith model import|list|info|remove`, `kith generate` and `kith eval perplexity`: the on-device language model."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from kith.cli.common import echo_json, home_option, json_option, text_or_stdin


def _home(home: str | None) -> Any:
    from indexer.home import KithHome

    return KithHome.resolve(home)


def _summary(model: Any) -> dict[str, Any]:
    manifest = model.manifest
    return {
        "name": model.name,
        "architecture": manifest.get("architecture"),
        "parameters": manifest.get("parameters"),
        "context_length": manifest.get("context_length"),
        "bits_per_weight": manifest.get("bits_per_weight", {}).get("quantized_linear_layers"),
        "size_bytes": sum(size for path, size in manifest.get("files", {}).items() if path.startswith("onnx/")),
        "source": manifest.get("source", {}).get("path"),
        "corrupt": bool(manifest.get("corrupt")),
    }


@click.group("model")
def model_group() -> None:
    """Import, list, inspect and remove on-device language models."""


@model_group.command("import")
@click.argument("source", required=False)
@click.option("--name", "-n", help="Model name (default: smollm2 for the bundled model, else the source's name).")
@click.option("--replace", is_flag=True, help="Rebuild even if a model with this name exists.")
@click.option("--quant", type=click.Choice(["q4_1", "sym4"]), default="q4_1", show_default=True,
              help="q4_1: exact for Q4_1 GGUFs (asymmetric 4-bit otherwise); sym4: symmetric 4-bit, faster, less accurate.")
@click.option("--accuracy-level", type=click.IntRange(0, 4), default=4, show_default=True,
              help="4: int8 activations (fast); 0: fp32 activations (exact for a Q4_1 GGUF, slower decode).")
@click.option("--no-hf", is_flag=True, help="Do not keep the fp32 Hugging Face copy (saves disk; adapters and compression need it).")
@home_option
@json_option
@click.option("--no-lora", is_flag=True, help="Skip the LoRA-capable graph (halves import time; no adapters).")
def import_cmd(source: str | None, name: str | None, replace: bool, quant: str, accuracy_level: int, no_hf: bool,
               no_lora: bool, home: str | None, as_json: bool) -> None:
    """Import SOURCE (a .gguf file or a Hugging Face folder; nothing = the bundled SmolLM2-135M-Instruct)."""
    from runtime.importer import import_model

    model = import_model(_home(home), source, name=name, replace=replace, progress=not as_json and sys.stderr.isatty(),
                         keep_hf=not no_hf, lora=not no_lora, quant=quant, accuracy_level=accuracy_level)
    if as_json:
        echo_json(_summary(model))
    else:
        info = _summary(model)
        click.echo(f"{model.name}: {info['parameters']:,} parameters, {info['bits_per_weight']} bits/weight, "
                   f"{info['size_bytes'] / 1e6:.1f} MB in {model.path}")


@model_group.command("list")
@home_option
@json_option
def list_cmd(home: str | None, as_json: bool) -> None:
    """List installed models."""
    from runtime.model_store import ModelStore

    models = [_summary(m) for m in ModelStore.for_home(_home(home)).list()]
    if as_json:
        echo_json(models)
        return
    if not models:
        click.echo("no models installed (run `kith model import`)")
    for info in models:
        if info["corrupt"]:
            click.echo(f"{info['name']:<20} CORRUPT (remove it and import it again)")
        else:
            click.echo(f"{info['name']:<20} {info['parameters'] / 1e6:7.1f}M params  {info['bits_per_weight']} bits/w  "
                       f"{info['size_bytes'] / 1e6:7.1f} MB  ctx {info['context_length']}")


@model_group.command("info")
@click.argument("name")
@home_option
@json_option
def info_cmd(name: str, home: str | None, as_json: bool) -> None:
    """Show a model's manifest."""
    from runtime.model_store import ModelStore

    model = ModelStore.for_home(_home(home)).get(name)
    if as_json:
        echo_json(model.manifest)
    else:
        click.echo(json.dumps(model.manifest, indent=2))


@model_group.command("remove")
@click.argument("name")
@home_option
@json_option
def remove_cmd(name: str, home: str | None, as_json: bool) -> None:
    """Remove an installed model."""
    from runtime.model_store import ModelStore

    ModelStore.for_home(_home(home)).remove(name)
    if as_json:
        echo_json({"removed": name})
    else:
        click.echo(f"removed {name}")


def _constraint(json_schema: str | None, grammar: str | None, regex: str | None) -> Any:
    from runtime.errors import BadConstraint
    from runtime.generator import Constraint

    given = [value for value in (json_schema, grammar, regex) if value]
    if len(given) > 1:
        raise BadConstraint("give at most one of --json-schema, --grammar and --regex")
    if json_schema:
        text = Path(json_schema).read_text(encoding="utf-8")
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadConstraint(f"{json_schema} is not valid JSON: {exc}") from exc
        return Constraint.json_schema(text)
    if grammar:
        return Constraint.lark(Path(grammar).read_text(encoding="utf-8"))
    if regex:
        return Constraint.regex(regex)
    return None


@click.command("generate")
@click.argument("prompt", required=False)
@click.option("--system", "-s", help="System message.")
@click.option("--model", "-m", "model_name", help="Installed model (default: [runtime] model in kith.toml, or smollm2).")
@click.option("--adapter", "-a", help="LoRA adapter to activate for this request.")
@click.option("--max-tokens", type=click.IntRange(1), default=256, show_default=True)
@click.option("--temperature", "-t", type=click.FloatRange(0.0), default=0.0, show_default=True, help="0 = greedy.")
@click.option("--top-p", type=click.FloatRange(0.0, 1.0), default=1.0, show_default=True)
@click.option("--seed", type=int, help="Random seed for sampling.")
@click.option("--stop", multiple=True, help="Stop when this text is produced (repeatable).")
@click.option("--json-schema", type=click.Path(exists=True, dir_okay=False), help="Constrain the output to this JSON Schema.")
@click.option("--grammar", type=click.Path(exists=True, dir_okay=False), help="Constrain the output to this Lark grammar.")
@click.option("--regex", help="Constrain the output to this regular expression.")
@click.option("--threads", type=click.IntRange(1), help="Intra-op threads (default: [runtime] threads, or 2); runs in-process.")
@click.option("--no-daemon", is_flag=True, help="Load the model in this process even if the daemon is running.")
@home_option
@json_option
def generate_cmd(prompt: str | None, system: str | None, model_name: str | None, adapter: str | None, max_tokens: int,
                 temperature: float, top_p: float, seed: int | None, stop: tuple[str, ...], json_schema: str | None,
                 grammar: str | None, regex: str | None, threads: int | None, no_daemon: bool, home: str | None,
                 as_json: bool) -> None:
    """Generate a reply to PROMPT (or - for standard input) with the on-device model."""
    from runtime.generator import GenerationResult, TokenChunk, load_generator

    text = text_or_stdin(prompt)
    constraint = _constraint(json_schema, grammar, regex)
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": text}]
    options = dict(adapter=adapter, max_tokens=max_tokens, temperature=temperature, top_p=top_p, seed=seed,
                   stop=stop, constraint=constraint)
    streaming = sys.stdout.isatty() and not as_json
    if threads is None and not no_daemon:
        result = _generate_via_daemon(home, model_name, messages, options, streaming)
        if result is not None:
            if as_json:
                echo_json(result)
            else:
                click.echo("" if streaming else result["text"])
            return
    generator = load_generator(_home(home), model_name, adapter_provider=_adapter_provider(home, model_name),
                               threads=threads)
    if as_json:
        echo_json(generator.generate(messages, **options).to_json())  # type: ignore[arg-type]
        return
    result = None
    for item in generator.stream(messages, **options):  # type: ignore[arg-type]
        if isinstance(item, TokenChunk) and streaming:
            click.echo(item.text, nl=False)
            sys.stdout.flush()
        elif isinstance(item, GenerationResult):
            result = item
    if result is not None:
        click.echo("" if streaming else result.text)


def _generate_via_daemon(home: str | None, model_name: str | None, messages: list[dict[str, str]],
                         options: dict[str, Any], streaming: bool) -> dict[str, Any] | None:
    """Generate on the running daemon's warm model; ``None`` when no daemon answers (then run in-process)."""
    from indexer.daemon.client import DaemonError, DaemonUnavailable, stream
    from indexer.errors import KithError

    constraint = options.get("constraint")
    params = dict(options, messages=messages, model=model_name, stop=list(options.get("stop") or ()),
                  constraint={"kind": constraint.kind, "data": constraint.data} if constraint else None)
    result = None
    started = False
    try:
        for item in stream(home, "generate", params, timeout=600):
            started = True
            if "text" in item and streaming:
                click.echo(item["text"], nl=False)
                sys.stdout.flush()
            elif "queued" in item and streaming:
                click.echo(f"(waiting for {item['queued']} generation(s) ahead)", err=True)
            elif "result" in item:
                result = item["result"]
    except DaemonUnavailable:
        if started:
            raise KithError("the daemon stopped during generation") from None
        return None
    except DaemonError as exc:
        error = KithError(str(exc))
        error.code = getattr(exc, "code", "error")
        raise error from None
    result = result or {}
    result["engine"] = "daemon"
    return result


def _adapter_provider(home: str | None, model_name: str | None) -> Any:
    """The adapter manager for the model (it opens the LoRA graph only when an adapter is requested)."""
    from runtime.adapter_manager import provider_for

    return provider_for(_home(home), model_name)


@click.command("perplexity")
@click.argument("textfile", type=click.Path(exists=True, dir_okay=False))
@click.option("--model", "-m", "model_name", help="Installed model (default: smollm2).")
@click.option("--adapter", "-a", help="Score with this LoRA adapter active.")
@click.option("--window", type=click.IntRange(2), default=512, show_default=True, help="Tokens per scored window.")
@click.option("--max-tokens", type=click.IntRange(2), default=20000, show_default=True, help="Score at most this many tokens.")
@click.option("--reference", is_flag=True, help="Also score the fp32 Hugging Face copy with transformers (slow).")
@click.option("--threads", type=click.IntRange(1), help="Intra-op threads (default 2).")
@home_option
@json_option
def perplexity_cmd(textfile: str, model_name: str | None, adapter: str | None, window: int, max_tokens: int,
                   reference: bool, threads: int | None, home: str | None, as_json: bool) -> None:
    """Perplexity of a model over TEXTFILE in non-overlapping windows (lower is better)."""
    from runtime.errors import CorruptModel
    from runtime.generator import load_generator
    from runtime.model_store import ModelStore
    from runtime.perplexity import model_perplexity, reference_perplexity, tokenize

    kith_home = _home(home)
    generator: Any = load_generator(kith_home, model_name, adapter_provider=_adapter_provider(home, model_name),
                                    threads=threads)
    ids = tokenize(generator, Path(textfile).read_text(encoding="utf-8"), max_tokens)
    results = [model_perplexity(generator, ids, window=window, adapter=adapter).to_json()]
    if reference:
        hf_dir = ModelStore.for_home(kith_home).get(generator.name).hf_dir
        if hf_dir is None:
            raise CorruptModel(f"model {generator.name!r} was imported with --no-hf; no fp32 reference to score")
        results.append(reference_perplexity(hf_dir, ids, window=min(window, generator.context_length),
                                            threads=threads or 2).to_json())
    if as_json:
        echo_json(results if reference else results[0])
        return
    for item in results:
        label = item["model"] + (f" + {item['adapter']}" if item["adapter"] else "")
        click.echo(f"{label}: perplexity {item['perplexity']:.3f} over {item['tokens_scored']} tokens "
                   f"({item['windows']} windows of {item['window']}, {item['seconds']:.1f}s)")
