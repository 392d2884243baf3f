"""The audit log: append-only, sealed hash chain, tamper cases found by `atesaki audit verify`, export."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from atesaki import store
from atesaki.store import audit

ENTRIES = [
    ("service_start", {"host": "127.0.0.1", "port": 8765}),
    ("check", {"check_id": "c_1", "verdict": "approve", "codes": ["surname_homonym"],
               "recipients": ["to:k.sato@example.com"]}),
    ("approval_granted", {"check_id": "c_1", "checker": "鈴木 花子"}),
    ("send", {"check_id": "c_1", "recipients": ["to:k.sato@example.com"]}),
    ("incident", {"incident_id": "i_1", "check_id": "c_1", "address": "k.sato@example.com",
                  "note": "別の佐藤さんに送ってしまった"}),
]


@pytest.fixture(autouse=True)
def english_terminal(monkeypatch) -> None:
    """verify speaks the terminal's language; these tests read the English messages."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")


@pytest.fixture
def logged(data_dir: Path) -> Path:
    """A data folder whose audit log holds the five ENTRIES."""
    conn = store.open_store(data_dir)
    for event, data in ENTRIES:
        with store.transaction(conn):
            audit.append(conn, event, data)
    conn.close()
    return data_dir


def tamper(data_dir: Path, *statements: str | tuple[str, tuple]) -> None:
    """Change the database file directly, as an attacker with sqlite3 would: triggers dropped.

    A statement is SQL, or (SQL, parameters).
    """
    raw = sqlite3.connect(data_dir / store.DB_NAME, isolation_level=None)
    raw.execute("DROP TRIGGER IF EXISTS audit_no_update")
    raw.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    for statement in statements:
        sql, params = statement if isinstance(statement, tuple) else (statement, ())
        raw.execute(sql, params)
    raw.close()


def head_of(data_dir: Path) -> str:
    """SEQ:HASH of the log's current head."""
    conn = store.open_store(data_dir)
    result = audit.verify(conn, data_dir)
    conn.close()
    return f"{result.head_seq}:{result.head_hash}"


def test_an_untouched_log_verifies_and_prints_its_head(logged: Path, runner) -> None:
    result = runner("audit", "verify")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "ok 5 entries"
    assert lines[1] == f"head {head_of(logged)}"


def test_an_empty_log_verifies(data_dir: Path, runner) -> None:
    result = runner("audit", "verify")
    assert result.exit_code == 0
    assert result.output.startswith("ok 0 entries")


@pytest.mark.parametrize(
    ("statements", "bad_entry", "reason"),
    [
        pytest.param(["UPDATE audit SET data = replace(data, 'approve', 'pass') WHERE seq = 2"],
                     2, "edited", id="an edited verdict is named as entry 2"),
        pytest.param(["UPDATE audit SET event = 'check' WHERE seq = 4"],
                     4, "edited", id="a changed event name is named as entry 4"),
        pytest.param(["UPDATE audit SET data = '{not json' WHERE seq = 3"],
                     3, "not valid JSON", id="broken JSON is named as entry 3"),
        pytest.param(["DELETE FROM audit WHERE seq = 3"],
                     3, "missing", id="a deleted entry in the middle is named as missing"),
        pytest.param(["DELETE FROM audit WHERE seq = 1"],
                     1, "missing", id="a deleted first entry is named as missing"),
        pytest.param(["DELETE FROM audit WHERE seq >= 4"],
                     4, "cut off", id="a cut-off tail is found against the head record"),
        pytest.param(["DELETE FROM audit"],
                     1, "cut off", id="an emptied log is found against the head record"),
        pytest.param(["UPDATE audit SET seq = 100 WHERE seq = 2",
                      "UPDATE audit SET seq = 2 WHERE seq = 3",
                      "UPDATE audit SET seq = 3 WHERE seq = 100"],
                     2, "reordered", id="two swapped entries are named as moved"),
        pytest.param(["UPDATE audit SET seq = seq + 10",
                      "UPDATE audit SET seq = CASE seq WHEN 11 THEN 1 WHEN 15 THEN 2 "
                      "ELSE seq - 9 END"],
                     2, "reordered", id="the last entry moved up is named as moved"),
        pytest.param(["UPDATE audit SET mac = '00' WHERE seq = 5"],
                     5, "seal", id="a broken seal is named"),
        pytest.param(["INSERT INTO audit (seq, ts, event, data, prev_hash, hash, mac) "
                      "SELECT 6, ts, event, data, hash, hash, mac FROM audit WHERE seq = 5"],
                     6, "edited", id="a forged entry appended at the end is named"),
        pytest.param(["DELETE FROM audit_head"],
                     5, "head record", id="a removed head record is noticed"),
        pytest.param(["DELETE FROM audit WHERE seq = 5",
                      "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit WHERE seq = 4)"],
                     4, "head record's seal", id="a cut tail with a rewritten head record is found"),
    ],
)
def test_tampering_in_the_database_file_is_found(logged: Path, runner, statements, bad_entry,
                                                  reason) -> None:
    tamper(logged, *statements)
    result = runner("audit", "verify")
    assert result.exit_code == 1, result.output
    first = result.output.splitlines()[0]
    assert first.startswith(f"FAILED entry {bad_entry}:"), first
    assert reason in first


def test_an_entry_rewritten_with_a_recomputed_hash_fails_on_its_seal(logged: Path, runner) -> None:
    # The attacker knows the hash scheme but not the key in audit.key.
    raw = sqlite3.connect(logged / store.DB_NAME)
    seq, ts, event, data, prev = raw.execute(
        "SELECT seq, ts, event, data, prev_hash FROM audit WHERE seq = 5").fetchone()
    forged = data.replace("別の佐藤さん", "だれか")
    raw.close()
    forged_hash = audit.entry_hash(seq, ts, event, forged, prev)
    tamper(logged, ("UPDATE audit SET data = ?, hash = ? WHERE seq = 5", (forged, forged_hash)),
           ("UPDATE audit_head SET hash = ?", (forged_hash,)))
    result = runner("audit", "verify")
    assert result.exit_code == 1
    assert result.output.startswith("FAILED entry 5:")
    assert "seal" in result.output


def test_a_written_down_head_catches_a_tail_cut_with_its_head_record(logged: Path, runner) -> None:
    written_down = head_of(logged)
    # Cut the last entry AND drop the head record: only the written-down hash remains.
    tamper(logged, "DELETE FROM audit WHERE seq = 5", "DELETE FROM audit_head")
    result = runner("audit", "verify", "--head", written_down)
    assert result.exit_code == 1
    assert result.output.startswith("FAILED entry ")


def test_a_written_down_head_still_verifies_after_more_entries(logged: Path, runner) -> None:
    written_down = head_of(logged)
    conn = store.open_store(logged)
    audit.append(conn, "service_stop", {"port": 8765})
    conn.close()
    result = runner("audit", "verify", "--head", written_down)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok 6 entries")
    # A bare hash works as well as SEQ:HASH.
    assert runner("audit", "verify", "--head", written_down.split(":")[1]).exit_code == 0


def test_a_head_that_was_never_in_the_log_fails(logged: Path, runner) -> None:
    result = runner("audit", "verify", "--head", "3:" + "ab" * 32)
    assert result.exit_code == 1
    assert result.output.startswith("FAILED entry 3:")


def test_verify_fails_when_the_key_is_gone(logged: Path, runner) -> None:
    (logged / audit.KEY_NAME).unlink()
    result = runner("audit", "verify")
    assert result.exit_code == 1
    assert "audit.key" in result.output


def test_verify_speaks_japanese_in_a_japanese_terminal(logged: Path, runner, monkeypatch) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    tamper(logged, "DELETE FROM audit WHERE seq = 2")
    result = runner("audit", "verify")
    assert result.exit_code == 1
    assert result.output.startswith("FAILED 記録 2: 削除されています")


def test_verify_json_names_the_bad_entry(logged: Path, runner) -> None:
    tamper(logged, "DELETE FROM audit WHERE seq = 2")
    result = runner("audit", "verify", "--json")
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert body["ok"] is False
    assert body["bad_seq"] == 2
    assert set(body["problem"]) == {"ja", "en"}


@pytest.mark.parametrize("statement", [
    pytest.param("UPDATE audit SET data = '{}' WHERE seq = 1", id="update is refused"),
    pytest.param("DELETE FROM audit WHERE seq = 1", id="delete is refused"),
    pytest.param("DELETE FROM audit", id="emptying the table is refused"),
])
def test_triggers_refuse_changes(logged: Path, statement: str) -> None:
    conn = store.open_store(logged)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute(statement)
    assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == len(ENTRIES)
    conn.close()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_key_is_private_and_made_once(logged: Path) -> None:
    path = logged / audit.KEY_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text()
    conn = store.open_store(logged)
    audit.append(conn, "sync", {"source": "carddav"})
    conn.close()
    assert path.read_text() == before
    assert len(before) == 64


def test_secrets_never_reach_the_log(data_dir: Path) -> None:
    conn = store.open_store(data_dir)
    audit.append(conn, "approval_refused", {
        "check_id": "c_9", "code": "123456", "release_token": "rt_secret",
        "nested": [{"body": "本文", "password": "pw", "checker": "鈴木"}],
    })
    stored = conn.execute("SELECT data FROM audit").fetchone()[0]
    conn.close()
    assert "123456" not in stored and "rt_secret" not in stored
    assert "本文" not in stored and "pw" not in stored
    assert json.loads(stored) == {"check_id": "c_9", "nested": [{"checker": "鈴木"}]}


def test_concurrent_writers_keep_one_unbroken_chain(data_dir: Path) -> None:
    store.open_store(data_dir).close()

    def write(n: int) -> None:
        conn = store.connect(data_dir)
        for i in range(15):
            with store.transaction(conn):
                audit.append(conn, "check", {"writer": n, "i": i})
        conn.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conn = store.open_store(data_dir)
    result = audit.verify(conn, data_dir)
    conn.close()
    assert result.ok and result.count == 60


def test_export_csv_has_every_entry_with_its_hashes(logged: Path, runner) -> None:
    result = runner("audit", "export", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["event"] for r in rows] == [event for event, _ in ENTRIES]
    assert json.loads(rows[4]["data"])["note"] == "別の佐藤さんに送ってしまった"
    assert all(len(r["hash"]) == 64 and len(r["mac"]) == 64 for r in rows)
    assert rows[1]["prev_hash"] == rows[0]["hash"]


def test_export_jsonl_gives_one_object_a_line(logged: Path, runner) -> None:
    result = runner("audit", "export", "--format", "jsonl")
    assert result.exit_code == 0
    items = [json.loads(line) for line in result.output.splitlines()]
    assert [i["seq"] for i in items] == [1, 2, 3, 4, 5]
    assert items[2]["data"] == {"check_id": "c_1", "checker": "鈴木 花子"}
    assert "鈴木" in result.output  # Japanese stays readable, not \u escapes


def test_export_filters_by_event(logged: Path, runner) -> None:
    result = runner("audit", "export", "--format", "jsonl", "--event", "incident")
    assert [json.loads(line)["event"] for line in result.output.splitlines()] == ["incident"]


@pytest.mark.parametrize("args", [
    pytest.param(["--format", "xml"], id="unknown format"),
    pytest.param(["--since", "last tuesday"], id="unreadable date"),
])
def test_export_bad_options_exit_2(logged: Path, runner, args) -> None:
    result = runner("audit", "export", *args)
    assert result.exit_code == 2
    assert "--format" in result.output or "--since" in result.output


def test_service_events_are_chained_by_the_api(client, app) -> None:
    checked = client.check([{"field": "to", "address": "m-sato@agency.go.jp"}])
    client.post("/v1/sends", {"check_id": checked["check_id"],
                              "recipients": [{"field": "to", "address": "m-sato@agency.go.jp"}]})
    client.post("/v1/incidents", {"check_id": checked["check_id"], "note": "test"})
    conn = app.extensions["atesaki"].conn()
    events = [e["event"] for e in audit.entries(conn)]
    assert events[-3:] == ["check", "send", "incident"]
    assert audit.verify(conn).ok
