"""Plugins: built-ins through the hooks, the sample reader plugin installed into a real virtualenv,
and broken plugins reported while everything else keeps working."""
from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "plugins" / "kith-journal"
KITH = "from kith.cli.entry import main; main()"
JOURNAL = """[2026-03-01 09:15] Long walk by the river. Saw the first swallows of the year.
The water was high after the rain.

[2026-03-02 21:40] Dinner with Alice at Casa Azul. She is moving to Porto in May.

[2026-13-45 10:00] This entry has an impossible date.
"""


def run_kith(python: str | Path, *args: str, home: Path, extra_path: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), extra_path) if p),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([str(python), "-c", KITH, *args, "--home", str(home)], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory) -> Path:
    """A fresh virtualenv that sees this interpreter's packages, with the sample plugin pip-installed
    into it (the shared environment is left untouched)."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    parents = [p for p in [*site.getsitepackages(), sysconfig.get_paths()["purelib"]] if Path(p).is_dir()]
    (Path(purelib) / "_parent_env.pth").write_text("\n".join(dict.fromkeys(parents)) + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                              "--no-build-isolation", "--no-index", "-q", str(SAMPLE)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    return python


def test_builtins_register_through_the_hooks():
    from kith import plugins

    report = plugins.report()
    by_name = {p["name"]: p for p in report["plugins"]}
    assert by_name["indexer.sources.catalog"]["origin"] == "builtin"
    assert "mail.mbox" in by_name["indexer.sources.catalog"]["registered"]["readers"]
    assert by_name["agent.plugins"]["registered"] == {"planners": ["deterministic", "llm", "auto"],
                                                     "answerers": ["extractive", "generative"]}
    assert by_name["indexer.embedder_registry"]["registered"]["embedders"] == ["all-MiniLM-L6-v2", "all-MiniLM-L6-v2-int8mix"]
    assert "register_commands" in by_name["kith.cli.commands"]["hooks"]
    from indexer.sources.base import all_readers

    assert {r.name for r in all_readers()} >= {"mail.eml", "calendar.ics", "contacts.vcard"}


def test_sample_plugin_installed_in_a_virtualenv(plugin_venv, tmp_path):
    home = tmp_path / "home"
    listed = run_kith(plugin_venv, "plugins", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    journal = next(p for p in report["plugins"] if p["name"] == "journal")
    assert journal["origin"] == "entrypoint:kith-journal" and journal["version"] == "0.1.0"
    assert journal["registered"] == {"readers": ["journal.jrnl"], "kinds": ["journal"]}
    assert report["failures"] == []

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "2026.jrnl").write_text(JOURNAL)
    indexed = run_kith(plugin_venv, "index", str(notes), home=home)
    assert indexed.returncode == 0, indexed.stderr
    found = run_kith(plugin_venv, "search", "swallows by the river", "--kind", "journal", "--json", home=home)
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits and hits[0]["kind"] == "journal" and hits[0]["title"] == "Long walk by the river."
    status = json.loads(run_kith(plugin_venv, "status", "--json", home=home).stdout)
    assert status["documents"] == {"journal": 2}
    assert any("impossible" not in f["error"] and "bad timestamp" in f["error"] for f in status["failures"])

    # Without the plugin the kind is unknown, and nothing else breaks.
    bare = run_kith(sys.executable, "search", "swallows", "--kind", "journal", home=home)
    assert bare.returncode == 1 and "unknown kind 'journal'" in bare.stderr


def test_broken_plugins_are_reported_and_the_rest_keeps_working(tmp_path):
    plugins_dir = tmp_path / "plugins"
    plugins_dir.mkdir()
    (plugins_dir / "kith_broken_import.py").write_text("import a_module_that_does_not_exist\n")
    (plugins_dir / "kith_broken_hook.py").write_text(textwrap.dedent('''
        from kith.plugins import hookimpl

        @hookimpl
        def register_readers(register):
            raise RuntimeError("this reader plugin is broken")

        @hookimpl
        def register_planners(register):
            register("echo", lambda embedder: None)
    '''))
    home = tmp_path / "home"
    home.mkdir()
    (home / "kith.toml").write_text('[plugins]\nmodules = ["kith_broken_import", "kith_broken_hook"]\n')
    listed = run_kith(sys.executable, "plugins", "--json", home=home, extra_path=str(plugins_dir))
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    failures = {(f["plugin"], f["stage"]): f["error"] for f in report["failures"]}
    assert "ModuleNotFoundError" in failures[("kith_broken_import", "import")]
    assert "this reader plugin is broken" in failures[("kith_broken_hook", "register_readers")]
    hook_plugin = next(p for p in report["plugins"] if p["name"] == "kith_broken_hook")
    assert hook_plugin["registered"] == {"planners": ["echo"]}  # its other hook still counts
    catalog = next(p for p in report["plugins"] if p["name"] == "indexer.sources.catalog")
    assert "mail.eml" in catalog["registered"]["readers"]

    status = run_kith(sys.executable, "status", "--json", home=home, extra_path=str(plugins_dir))
    assert status.returncode == 0, status.stderr
    assert {f["plugin"] for f in json.loads(status.stdout)["plugin_failures"]} == {"kith_broken_import",
                                                                                  "kith_broken_hook"}
    text = run_kith(sys.executable, "status", home=home, extra_path=str(plugins_dir))
    assert "plugin kith_broken_hook failed" in text.stdout
