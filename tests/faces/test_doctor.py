"""``atesaki doctor`` against a real service over a real socket: ready, and each way a PC is not."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from atesaki.cli import main
from atesaki.store import open_store
from tests.conftest import INTERNAL, LiveService, write_config

ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
OTHER_ORIGIN = "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba"
KEY_PACKAGES = ("atesaki", "python", "flask", "flask-cors", "werkzeug", "waitress", "pyotp",
                "jellyfish", "tldextract")


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """A user's home with Chromium in it and no session bus (so autostart uses an XDG entry)."""
    path = tmp_path / "home"
    (path / ".config" / "chromium").mkdir(parents=True)
    (tmp_path / "run").mkdir()
    return {"HOME": str(path), "XDG_CONFIG_HOME": str(path / ".config"),
            "XDG_RUNTIME_DIR": str(tmp_path / "run"),
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'run' / 'no-bus'}",
            "LC_ALL": "C.UTF-8"}


def atesaki(data_dir: Path, env: dict[str, str], *args: str):
    """Run the CLI in this process with the user's environment."""
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], env=env)


def doctor(data_dir: Path, env: dict[str, str], *args: str) -> tuple[int, dict, dict]:
    """``atesaki doctor --json``: (exit code, the JSON, its checks by name)."""
    result = atesaki(data_dir, env, "doctor", "--json", *args)
    report = json.loads(result.output)
    return result.exit_code, report, {c["name"]: c for c in report["checks"]}


def failing(checks: dict) -> set[str]:
    """The names of the checks that failed."""
    return {name for name, check in checks.items() if not check["ok"]}


@pytest.fixture
def ready(service_factory, home) -> LiveService:
    """A PC set up as the README says: a paired service, the native host, autostart."""
    service = service_factory({"internal_domains": INTERNAL, "extension_origins": [ORIGIN]})
    port = str(service.port)
    assert atesaki(service.data_dir, home, "native-host", "install", "--browser", "chromium",
                   "--port", port).exit_code == 0
    assert atesaki(service.data_dir, home, "autostart", "enable", "--port", port).exit_code == 0
    service.data_dir.chmod(0o700)  # the test's folder is made by pytest, not by Atesaki
    return service


def test_a_ready_pc_passes_every_check_and_leaves_no_trace(ready, home):
    code, report, checks = doctor(ready.data_dir, home)  # the port comes from the native host
    assert code == 0, report
    assert report["ok"] is True
    assert {"config", "service", f"cors:{ORIGIN}", "native_host:chromium", "autostart",
            "file_modes", "database"} <= set(checks)
    assert all(set(c) >= {"name", "ok", "detail"} for c in report["checks"])
    assert set(KEY_PACKAGES) <= set(report["versions"])
    assert "missing" not in report["versions"].values()
    # The CORS probe's POST is refused before the check runs: no history, no audit entry.
    with sqlite3.connect(ready.data_dir / "atesaki.db") as conn:
        assert conn.execute("SELECT count(*) FROM checks").fetchone()[0] == 0
    exported = ready.cli("audit", "export", "--format", "jsonl").stdout.splitlines()
    assert {json.loads(line)["event"] for line in exported} == {"service_start"}


@pytest.mark.parametrize("lang, ready_line", [
    ("C.UTF-8", "This PC is ready."),
    ("ja_JP.UTF-8", "この PC は準備ができています。"),
], ids=["in English", "in Japanese"])
def test_the_screen_says_the_pc_is_ready_in_the_users_language(ready, home, lang, ready_line):
    result = atesaki(ready.data_dir, {**home, "LC_ALL": lang}, "doctor")
    assert result.exit_code == 0, result.output
    assert ready_line in result.output
    assert "[NG]" not in result.output


def test_a_stopped_service_is_named_with_what_to_do(ready, home):
    ready.stop()
    result = atesaki(ready.data_dir, home, "doctor")
    assert result.exit_code == 1
    service_line = next(line for line in result.output.splitlines() if "Service" in line)
    assert service_line.startswith("[NG]") and f"127.0.0.1:{ready.port}" in service_line
    assert "atesaki serve" in result.output
    code, _report, checks = doctor(ready.data_dir, home)
    assert code == 1
    assert failing(checks) == {"service"}


def test_a_world_readable_token_fails_with_the_chmod_to_run(ready, home):
    token = ready.data_dir / "token"
    token.chmod(0o644)
    code, report, checks = doctor(ready.data_dir, home)
    assert code == 1 and report["ok"] is False
    assert failing(checks) == {"file_modes"}
    assert str(token) in checks["file_modes"]["detail"]
    assert f"chmod 600 {token}" in checks["file_modes"]["fix"]


def test_a_corrupted_database_fails_its_integrity_check(data_dir, home):
    conn = open_store(data_dir)
    conn.execute("CREATE TABLE filler (x TEXT)")
    conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 200)
    conn.close()  # the last connection checkpoints the WAL into the file
    path = data_dir / "atesaki.db"
    with path.open("r+b") as fh:  # scribble over the middle of the file's b-tree pages
        fh.seek(os.path.getsize(path) // 2)
        fh.write(b"\xa5" * 4096)
    code, _report, checks = doctor(data_dir, home)
    assert code == 1
    assert checks["database"]["ok"] is False
    assert str(path) in checks["database"]["detail"]
    assert "backup" in checks["database"]["fix"]


def test_an_origin_the_service_does_not_answer_is_named(service_factory, home, tmp_path):
    # The native host hands out a port where an Atesaki with our token runs, but that
    # service was set up with another data folder: it answers OTHER_ORIGIN, not ORIGIN.
    elsewhere = service_factory({"internal_domains": INTERNAL, "extension_origins": [OTHER_ORIGIN]})
    data_dir = tmp_path / "ours"
    write_config(data_dir, {"extension_origins": [ORIGIN, OTHER_ORIGIN]})
    (data_dir / "token").write_text(elsewhere.token, encoding="utf-8")
    code, _report, checks = doctor(data_dir, home, "--port", str(elsewhere.port))
    assert code == 1
    assert checks["service"]["ok"] is True
    assert checks[f"cors:{OTHER_ORIGIN}"]["ok"] is True
    wrong = checks[f"cors:{ORIGIN}"]
    assert wrong["ok"] is False
    assert "403" in wrong["detail"] and ORIGIN in wrong["fix"]
    screen = atesaki(data_dir, home, "doctor", "--port", str(elsewhere.port)).output
    assert f"[NG] CORS {ORIGIN}" in screen


def test_no_paired_origin_says_how_to_pair(service_factory, home):
    service = service_factory({"internal_domains": INTERNAL})
    code, _report, checks = doctor(service.data_dir, home, "--port", str(service.port))
    assert code == 1
    assert checks["cors"]["ok"] is False
    assert "atesaki native-host install" in checks["cors"]["fix"]
    assert "atesaki pair" in checks["cors"]["fix"]


@pytest.mark.parametrize("first_command", [
    ("token",),
    ("pair", "--origin", ORIGIN),
    ("native-host", "install", "--browser", "chromium"),
], ids=["atesaki token", "atesaki pair", "atesaki native-host install"])
def test_a_data_folder_atesaki_makes_passes_the_file_check(tmp_path, home, first_command):
    data_dir = tmp_path / "new" / "atesaki"
    assert atesaki(data_dir, home, *first_command).exit_code == 0
    _code, _report, checks = doctor(data_dir, home, "--port", "1")
    assert checks["file_modes"]["ok"] is True, checks["file_modes"]


GOOD_PREFLIGHT = {"Access-Control-Allow-Origin": ORIGIN,
                  "Access-Control-Allow-Headers": "Content-Type, X-Atesaki-Token, Accept-Language"}


@pytest.mark.parametrize("status, headers, refused", [
    (200, GOOD_PREFLIGHT, None),
    (204, {**GOOD_PREFLIGHT, "Access-Control-Allow-Headers": "*"}, None),
    (500, GOOD_PREFLIGHT, "HTTP 500"),
    (200, {**GOOD_PREFLIGHT, "Access-Control-Allow-Origin": OTHER_ORIGIN}, OTHER_ORIGIN),
    (200, {**GOOD_PREFLIGHT, "Access-Control-Allow-Origin": f"{ORIGIN}, {OTHER_ORIGIN}"}, ORIGIN),
    (200, {"Access-Control-Allow-Origin": ORIGIN}, "content-type, x-atesaki-token"),
    (200, {**GOOD_PREFLIGHT, "Access-Control-Allow-Headers": "Content-Type"}, "x-atesaki-token"),
], ids=[
    "the service's own answer passes",
    "a wildcard for headers is enough without credentials",
    "a server error is refused",
    "another origin is refused",
    "two origins in one header are refused",
    "no allowed headers: JSON and the token are refused",
    "the token header not allowed is refused",
])
def test_a_preflight_is_judged_as_a_browser_would(status, headers, refused):
    from atesaki.doctor import Reply, preflight_problem

    problem = preflight_problem(Reply(status, headers), ORIGIN)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and refused in problem.en
