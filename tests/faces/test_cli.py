"""The command line: serve refuses remote hosts, token, pair, check, exit codes."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("host", ["0.0.0.0",  # noqa: S104 - the point of the test
                                  "192.168.1.10", "example.com", "::"])
def test_serve_refuses_a_non_loopback_host(runner, host):
    result = runner("serve", "--host", host)
    assert result.exit_code == 2
    assert "--allow-remote" in result.output


def test_token_prints_the_same_token_as_the_service_uses(runner, app):
    result = runner("token")
    assert result.exit_code == 0
    assert result.output.strip() == app.extensions["atesaki"].token


def test_pair_adds_the_origin(runner, data_dir):
    origin = "chrome-extension://" + "p" * 32
    assert runner("pair", "--origin", origin).exit_code == 0
    assert origin in (data_dir / "config.toml").read_text()
    bad = runner("pair", "--origin", "https://evil.example")
    assert bad.exit_code == 2


def test_check_reads_a_request_and_prints_the_response(runner, data_dir):
    request = {"kind": "new", "recipients": [
        {"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}]}
    result = runner("check", "-", input=json.dumps(request, ensure_ascii=False))
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["verdict"] == "approve"
    assert body["recipients"][0]["address"] == "k.sato@example.com"


def test_check_with_broken_json_exits_2_naming_the_input(runner):
    result = runner("check", "-", input="{nope")
    assert result.exit_code == 2
    assert "not valid JSON" in result.output


def test_help_lists_the_contract_commands(runner):
    result = runner("--help")
    for command in ("serve", "token", "pair", "check", "import"):
        assert command in result.output


def test_help_loads_neither_the_web_stack_nor_the_network_clients():
    # `atesaki --help` is what a user types first: it must not pay for Flask, requests,
    # psycopg or segno, which only some commands need (issue 19's lazy CLI).
    import subprocess
    import sys

    heavy = ("flask", "werkzeug", "requests", "psycopg", "segno", "waitress", "cheroot")
    code = ("import sys, atesaki.cli; "
            f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    assert loaded == []
