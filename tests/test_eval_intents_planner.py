"""`kith eval intents FILE --planner deterministic,llm,auto` (issue 13): the few-shot set through the plan
step, side by side. The deterministic row reproduces the router evaluation exactly; the llm row runs a tiny
random model through the real constrained plan grammar, so every prediction is one of the file's intents
or out of scope (never an ill-typed or unknown action)."""
from __future__ import annotations

import json

from click.testing import CliRunner

from kith.cli.main import cli
from tests.serve_helpers import REPO

FEWSHOT = REPO / "evals" / "intents" / "fewshot_7x10.json"


def test_planners_side_by_side(tmp_path):
    from runtime.importer import import_model
    from tests.llm_fixtures import tiny_hf_model

    home = tmp_path / "home"
    home.mkdir()
    import_model(home, str(tiny_hf_model(tmp_path / "src", context=2048)), name="tinyeval", progress=False)
    (home / "kith.toml").write_text('[runtime]\nmodel = "tinyeval"\n')
    runner = CliRunner()
    plain = json.loads(runner.invoke(cli, ["eval", "intents", str(FEWSHOT), "--json"]).stdout)
    result = runner.invoke(cli, ["eval", "intents", str(FEWSHOT), "--planner", "deterministic,llm,auto",
                                 "--limit", "8", "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["planner"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"deterministic", "llm", "auto"}
    assert all(r["n_in_scope"] + r["n_oos"] == 8 for r in rows.values())
    full = json.loads(runner.invoke(cli, ["eval", "intents", str(FEWSHOT), "--planner", "deterministic",
                                          "--json"]).stdout)[0]
    assert full["in_scope_accuracy"] == plain["in_scope_accuracy"] and full["oos_recall"] == plain["oos_recall"]
    intents = {i["name"] for i in json.loads(FEWSHOT.read_text())["intents"]} | {"out_of_scope"}
    for row in rows.values():
        for confusion in row["top_confusions"]:
            assert confusion["predicted"] in intents, confusion
    bad = runner.invoke(cli, ["eval", "intents", str(FEWSHOT), "--planner", "oracle"])
    assert bad.exit_code != 0 and "unknown planner oracle" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(cli, ["eval", "intents", str(FEWSHOT), "--planner", "llm", "--adapter", "nosuch",
                                  "--limit", "2", "--home", str(home)])
    assert missing.exit_code != 0 and "Traceback" not in missing.output
    assert "--adapter = 'nosuch' is not installed" in missing.output and "kith adapters train planner" in missing.output
