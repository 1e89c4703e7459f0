"""Discovery (entry point of the sample app, a kith.toml folder), the trust hash, and the CLI."""
from __future__ import annotations

import json
from importlib.metadata import entry_points

import pytest
from click.testing import CliRunner

from intents import IntentContext, auto_approve, load_registry, spec_hash
from kith.cli.main import cli

NOTE_V1 = '''
from intents import intent, Param, Effect

@intent(title="Shout", effect=Effect.SEND, phrases=["shout {text}"])
def shout(text: Param[str, "What to shout"]) -> str:
    """Shout a message (version one)."""
    return text.upper()

@intent(title="Echo", effect=Effect.READ)
def echo(text: Param[str, "What to echo"]) -> str:
    """Echo the text back."""
    return text
'''


def make_home(tmp_path, body: str = NOTE_V1):
    folder = tmp_path / "my-intents"
    folder.mkdir(exist_ok=True)
    (folder / "loud.py").write_text(body)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "kith.toml").write_text(f'[intents]\nfolder = "{folder}"\n')
    return home


def test_sample_app_is_discovered_through_the_entry_point(tmp_path):
    names = [ep.value for ep in entry_points(group="kith.intents")]
    if "kith_notes.intents" not in names:
        pytest.skip("kith-notes is not installed in this venv (pip install -e samples/apps/kith-notes)")
    registry = load_registry(tmp_path / "home")
    spec = registry.get("add_note")
    assert spec.origin == "entrypoint:kith-notes" and spec.third_party
    assert registry.get("list_notes").effect.value == "read"
    # READ: trusted on first use; WRITE: disabled until approved.
    enabled = {s.name for s in registry.list()}
    assert "list_notes" in enabled and "add_note" not in enabled
    assert registry.trust_status(spec).reason == "new"


def test_folder_intents_and_the_trust_hash(tmp_path):
    from indexer.app import KithApp

    home = make_home(tmp_path)
    registry = load_registry(home, entry_points_enabled=False)
    assert registry.errors == []
    shout = registry.get("shout")
    assert shout.origin.startswith("folder:") and shout.hash == spec_hash(shout)
    ctx = IntentContext(KithApp(registry.home))
    res = registry.call("shout", {"text": "hi"}, context=ctx, confirm=auto_approve())
    assert res.status == "failed" and res.error["type"] == "disabled" and "kith intents approve shout" in res.error["message"]
    assert registry.call("echo", {"text": "hi"}, context=ctx, confirm=None).result == "hi"  # TOFU for READ
    registry.approve("shout")
    assert registry.call("shout", {"text": "hi"}, context=ctx, confirm=auto_approve()).result == "HI"

    # The plugin changes its description: disabled again until re-approved (both READ and SEND).
    make_home(tmp_path, NOTE_V1.replace("version one", "version two").replace("Echo the text back", "Echo it"))
    changed = load_registry(home, entry_points_enabled=False)
    assert changed.get("shout").hash != shout.hash
    assert changed.trust_status(changed.get("shout")).reason == "changed"
    assert changed.trust_status(changed.get("echo")).reason == "changed"
    assert "shout" not in {s.name for s in changed.list()}
    result = CliRunner().invoke(cli, ["intents", "approve", "shout", "--home", str(home)])
    assert result.exit_code == 0, result.output
    again = load_registry(home, entry_points_enabled=False)
    assert again.trust_status(again.get("shout")).enabled


def test_registration_errors_in_a_folder_are_reported_not_fatal(tmp_path):
    home = make_home(tmp_path, NOTE_V1 + '\n@intent()\ndef broken(x: Param[str, "x"]) -> str:\n    return x\n')
    registry = load_registry(home, entry_points_enabled=False)
    assert any("loud.py" in e and "'broken'" in e and "docstring" in e for e in registry.errors)
    assert "search_mail" in registry  # the built-ins still load


def test_cli_list_show_run(tmp_path):
    home = make_home(tmp_path)
    runner = CliRunner()
    out = runner.invoke(cli, ["intents", "list", "--json", "--home", str(home)])
    assert out.exit_code == 0, out.output
    names = {row["name"]: row for row in json.loads(out.output)["intents"]}
    assert names["send_message"]["effect"] == "send" and "shout" not in names
    show = runner.invoke(cli, ["intents", "show", "send_message", "--home", str(home)])
    assert show.exit_code == 0 and "text {recipient} that {body}" in show.output and "[send]" in show.output
    run = runner.invoke(cli, ["intents", "run", "create_reminder", "--arg", "title=Call mum", "--home", str(home),
                              "--json"], input="n\n")
    assert run.exit_code == 3 and json.loads(run.output[run.output.index("{"):])["status"] == "refused"
    assert not (home / "reminders.ics").exists()
    run = runner.invoke(cli, ["intents", "run", "create_reminder", "--arg", "title=Call mum", "--arg",
                              "due=2026-11-24T10:00:00+00:00", "--yes", "--home", str(home), "--json"])
    assert run.exit_code == 0, run.output
    assert "Call mum" in (home / "reminders.ics").read_text()
    audit = runner.invoke(cli, ["intents", "audit", "--json", "--home", str(home)])
    rows = json.loads(audit.output)
    assert rows[0]["confirmed_by"] == "cli --yes" and rows[1]["status"] == "refused"
