"""Date filters that overflow or contradict each other give one clear line, never a traceback, over
the in-process CLI and over the daemon socket; with --json a structured error (issue 10, "Errors")."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.daemon.paths import socket_file
from indexer.daemon.server import DaemonServer
from indexer.errors import EmptyRangeError, FilterError
from indexer.query_service import SearchRequest
from indexer.timeparse import check_range, parse_when
from kith.cli.main import cli

NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("span", ["999999d", "99999999w", "9999999999y", "99999999999999999999999h"])
def test_huge_relative_spans_are_a_filter_error(span):
    with pytest.raises(FilterError, match="before year 1"):
        parse_when(span, now=NOW)


def test_an_iso_date_that_cannot_be_expressed_in_utc_is_a_filter_error():
    with pytest.raises(FilterError, match="out of range"):
        parse_when("0001-01-01T00:00:00+01:00")
    assert parse_when("100y", now=NOW).year == 1926


def test_inverted_range_is_empty_and_a_normal_range_is_fine():
    with pytest.raises(EmptyRangeError, match="range is empty") as info:
        SearchRequest(query="x", since="1d", until="30d").filters(None)
    assert info.value.code == "empty_range"
    check_range(parse_when("30d", now=NOW), parse_when("1d", now=NOW))
    check_range(parse_when("2026-01-01"), None)


def run_kith(home: Path, *args: str) -> subprocess.CompletedProcess:
    """The real console entry point in a subprocess (the fast path first, then click)."""
    return subprocess.run([sys.executable, "-c", "from kith.cli.entry import main; main()", *args,
                           "--home", str(home)], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})


@pytest.mark.parametrize("args", [["--since", "999999d"], ["--until", "99999999w"]])
def test_cli_overflow_is_one_line(tmp_path, args):
    result = run_kith(tmp_path / "home", "search", "budget", *args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "OverflowError" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("kith: error: date span")


def test_cli_inverted_range_says_empty_and_json_is_structured(tmp_path):
    runner = CliRunner()
    plain = runner.invoke(cli, ["search", "budget", "--since", "1d", "--until", "30d", "--home", str(tmp_path / "h")])
    assert plain.exit_code == 1 and "the date range is empty" in plain.output
    as_json = run_kith(tmp_path / "h", "search", "budget", "--since", "1d", "--until", "30d", "--json")
    assert as_json.returncode == 1
    error = json.loads(as_json.stdout)["error"]
    assert error["code"] == "empty_range" and "range is empty" in error["message"]


def test_daemon_answers_carry_the_error_code_to_the_fast_path(tmp_path, capsys):
    """Over a real socket: the fast path prints the daemon's user error, structured with --json."""
    from kith.cli.entry import fast_search

    home = tmp_path / "home"
    home.mkdir()
    server = DaemonServer(Path(socket_file(str(home.resolve()))))
    server.register_handler("search", lambda params: SearchRequest.from_json(params).filters(None) and [])
    server.start()
    try:
        code = fast_search(["budget", "--since", "1d", "--until", "30d", "--json", "--home", str(home)])
        out = capsys.readouterr()
        assert code == 1
        assert json.loads(out.out)["error"]["code"] == "empty_range"
        assert out.err.startswith("kith: error: the date range is empty")
        assert fast_search(["budget", "--since", "999999d", "--home", str(home)]) == 1
        assert "before year 1" in capsys.readouterr().err
    finally:
        server.stop()
