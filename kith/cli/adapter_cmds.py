"""`kith adapters import|list|info|remove`: LoRA adapters for an installed model (see runtime/adapter_store.py)."""
from __future__ import annotations

from typing import Any

import click

from kith.cli.common import echo_json, home_option, json_option


def _store(home: str | None) -> Any:
    from indexer.home import KithHome
    from runtime.adapter_store import AdapterStore

    return AdapterStore.for_home(KithHome.resolve(home))


def _summary(record: Any) -> dict[str, Any]:
    m = record.manifest
    return {"name": record.name, "model": m["model"], "rank": m["rank"], "alpha": m.get("alpha"),
            "targets": m["targets"], "size_bytes": m["size_bytes"], "sha256": m["sha256"],
            "imported_at": m.get("imported_at")}


@click.group("adapters")
def adapters_group() -> None:
    """LoRA adapters: one base model, many small task adapters swapped per request."""


@adapters_group.command("import")
@click.argument("source", type=click.Path(exists=True))
@click.option("--name", required=True, help="Name to call the adapter by (`kith generate --adapter NAME`).")
@click.option("--model", "model_name", help="Installed model it is for (default: the home's model).")
@click.option("--replace", is_flag=True, help="Replace an adapter of the same name.")
@home_option
@json_option
def import_cmd(source: str, name: str, model_name: str | None, replace: bool, home: str | None, as_json: bool) -> None:
    """Import SOURCE, a PEFT LoRA folder (adapter_config.json + safetensors) or an .onnx_adapter file."""
    record = _store(home).import_peft(source, name, model_name=model_name, replace=replace)
    if as_json:
        echo_json(record.manifest)
        return
    m = record.manifest
    click.echo(f"imported adapter {name!r} for model {m['model']!r}: rank {m['rank']}, "
               f"{len(m['targets'])} target modules ({', '.join(m['targets'])}), {m['size_bytes'] / 1e6:.2f} MB")


@adapters_group.command("list")
@home_option
@json_option
def list_cmd(home: str | None, as_json: bool) -> None:
    """Imported adapters."""
    records = _store(home).list()
    if as_json:
        echo_json([_summary(r) for r in records])
        return
    if not records:
        click.echo("no adapters (kith adapters import PEFT_DIR --name NAME)")
    for r in records:
        m = r.manifest
        click.echo(f"{r.name:<24} model={m['model']:<12} rank={m['rank']:<4} {m['size_bytes'] / 1e6:7.2f} MB  "
                   f"{','.join(m['targets'])}")


@adapters_group.command("info")
@click.argument("name")
@click.option("--verify", is_flag=True, help="Also check the file's sha256 against the import record.")
@home_option
@json_option
def info_cmd(name: str, verify: bool, home: str | None, as_json: bool) -> None:
    """One adapter's manifest."""
    record = _store(home).get(name)
    data = dict(record.manifest, path=str(record.path))
    if verify:
        record.verify()
        data["verified"] = True
    if as_json:
        echo_json(data)
        return
    for key in sorted(data):
        click.echo(f"{key:<16} {data[key]}")


@adapters_group.command("remove")
@click.argument("name")
@home_option
@json_option
def remove_cmd(name: str, home: str | None, as_json: bool) -> None:
    """Delete an imported adapter."""
    _store(home).remove(name)
    if as_json:
        echo_json({"removed": name})
    else:
        click.echo(f"removed adapter {name!r}")
