"""`kith compress MODEL --recipe R -o OUT` and `kith compress report OUT`."""
from __future__ import annotations

import sys

import click

from kith.cli.common import echo_json, json_option


class _CompressGroup(click.Group):
    """`kith compress MODEL ...` runs the `run` subcommand; `kith compress report OUT` the report."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _progress():
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}
    tty = sys.stderr.isatty()

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="step", mininterval=0.5 if tty else 5.0,
                                     file=sys.stderr, leave=tty)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


@click.group("compress", cls=_CompressGroup)
def compress_group() -> None:
    """Compress a model's weights: palettization, linear quantization, pruning, mixed bits.

    \b
    kith compress MODEL --recipe NAME|FILE.toml -o OUT [--calibration TEXTFILE]
    kith compress report OUT [--json]
    kith compress recipes
    """


@compress_group.command("run")
@click.argument("model", type=click.Path(file_okay=False))
@click.option("--recipe", "recipe_name", required=True, help="A built-in recipe name or a TOML file.")
@click.option("-o", "--out", "out", required=True, type=click.Path(), help="New folder for the compressed model.")
@click.option("--calibration", type=click.Path(dir_okay=False), help="Text file for sensitivity statistics.")
@click.option("--windows", default=32, show_default=True, help="Calibration windows of 256 tokens.")
@json_option
def run_cmd(model: str, recipe_name: str, out: str, calibration: str | None, windows: int, as_json: bool) -> None:
    """Compress MODEL (a Hugging Face or sentence-transformers folder) into OUT."""
    from compress.pipeline import compress_model
    from compress.recipe import load_recipe
    from compress.report import format_report

    recipe = load_recipe(recipe_name)
    report = compress_model(model, recipe, out, calibration, progress=_progress(), max_windows=windows)
    if as_json:
        echo_json({k: v for k, v in report.items() if k != "layers"} | {"out": out})
    else:
        click.echo(format_report(report, top=12))
        click.echo(f"wrote {out} (`kith compress report {out}` for every layer)")


@compress_group.command("report")
@click.argument("out", type=click.Path(file_okay=False))
@json_option
def report_cmd(out: str, as_json: bool) -> None:
    """Bits per weight, size and per-layer rows of a compressed model folder."""
    from compress.report import format_report, load_report

    report = load_report(out)
    echo_json(report) if as_json else click.echo(format_report(report))


@compress_group.command("recipes")
@json_option
def recipes_cmd(as_json: bool) -> None:
    """List the built-in recipes."""
    from compress.recipe import load_recipe, named_recipes

    items = [{"name": n, "description": load_recipe(n).description} for n in named_recipes()]
    if as_json:
        echo_json(items)
    else:
        for item in items:
            click.echo(f"{item['name']:<22} {item['description']}")
