"""Each PC's audit chain at the central service: the outbox, faults, refused batches, verify."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from atesaki import store
from atesaki.link import client, forward
from atesaki.store import audit

pytest_plugins = ["servers.postgres", "servers.central"]
pytestmark = pytest.mark.servers


@pytest.fixture(autouse=True)
def english_terminal(monkeypatch) -> None:
    """The commands speak the terminal's language; these tests read the English messages."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")


def joined_pc(central, folder: Path, name: str = "総務課 PC-01") -> Path:
    """A PC data folder joined to ``central``."""
    client.join(folder, central.url, central.enrol(name), central.certificate.cert)
    return folder


def log_entries(data_dir: Path, count: int, start: int = 0) -> None:
    """Append ``count`` check entries to the PC's local audit log."""
    conn = store.open_store(data_dir)
    try:
        with store.transaction(conn):
            for i in range(start, start + count):
                audit.append(conn, "check", {"check_id": f"c_{i}", "verdict": "confirm",
                                             "recipients": [f"to:user{i}@example.com"]})
    finally:
        conn.close()


def central_rows(central, sql: str, *args) -> list[tuple]:
    with psycopg.connect(central.database_url) as conn:
        return conn.execute(sql, args).fetchall()


def held(central) -> int:
    return central_rows(central, "SELECT count(*) FROM audit_entries")[0][0]


def verify(central) -> subprocess.CompletedProcess:
    return central.cli("audit", "verify")


def test_the_outbox_sends_every_entry_once_and_the_chain_verifies(central, tmp_path):
    pc = joined_pc(central, tmp_path / "pc")
    log_entries(pc, 120)
    first = forward.forward(pc, batch=50)
    assert (first.sent, first.duplicates, first.batches, first.pending) == (120, 0, 3, 0)
    again = forward.forward(pc)
    assert (again.sent, again.batches) == (0, 0)
    assert held(central) == 120
    done = verify(central)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok 120 entries\t総務課 PC-01" in done.stdout
    # The local chain is untouched.
    assert audit.verify(store.open_store(pc)).count == 120


def test_central_down_for_a_day_loses_nothing_and_sends_nothing_twice(central, tmp_path):
    pc = joined_pc(central, tmp_path / "pc")
    log_entries(pc, 10)
    forward.forward(pc)
    central.stop()
    log_entries(pc, 400, start=10)  # a day's work while the central service is away
    with pytest.raises(client.LinkError) as down:
        forward.forward(pc)
    assert down.value.code == "unreachable"
    assert forward.load_state(pc)["acknowledged"] == 10
    assert json.loads(subprocess.run(
        [sys.executable, "-m", "atesaki", "--data-dir", str(pc), "link", "status", "--json"],
        capture_output=True, text=True, check=False).stdout)["pending"] == 400
    central.start()
    back = forward.forward(pc)
    assert (back.sent, back.duplicates, back.pending) == (400, 0, 0)
    assert held(central) == 410
    assert verify(central).returncode == 0


def test_a_batch_whose_answer_was_lost_is_not_counted_twice(central, tmp_path):
    pc = joined_pc(central, tmp_path / "pc")
    log_entries(pc, 30)
    link = client.load_link(pc)
    # The central service took these 20 but the PC never heard back.
    link.call("GET", "audit/head")
    forward.save_state(pc, {"pc_id": link.pc_id, "acknowledged": 0})
    link.call("POST", "audit/batches", {"batch_id": uuid.uuid4().hex,
                                        "entries": forward.local_entries(pc, 0, 20)})
    done = forward.forward(pc)
    assert (done.sent, done.duplicates) == (10, 20)
    assert held(central) == 30
    assert verify(central).returncode == 0


def test_a_central_crash_in_the_middle_of_forwarding_loses_and_doubles_nothing(central, tmp_path):
    pc = joined_pc(central, tmp_path / "pc")
    log_entries(pc, 3000)
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["done"] = forward.forward(pc, batch=25)
        except client.LinkError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while forward.load_state(pc).get("acknowledged", 0) < 100 and time.monotonic() < deadline:
        time.sleep(0.01)
    central.kill()  # a crash, not a clean stop: a batch may be cut off mid-request
    worker.join(30)
    assert "error" in outcome, "the crash came too late to interrupt forwarding"
    acknowledged = forward.load_state(pc)["acknowledged"]
    assert 0 < acknowledged < 3000
    assert held(central) in (acknowledged, acknowledged + 25)  # the cut batch: all or nothing
    central.start()
    rest = forward.forward(pc, batch=500)
    assert rest.sent + rest.duplicates == 3000 - acknowledged
    assert held(central) == 3000
    assert verify(central).returncode == 0


def test_the_database_going_away_means_retry_later_then_nothing_lost(central, postgres, tmp_path):
    pc = joined_pc(central, tmp_path / "pc")
    log_entries(pc, 50)
    forward.forward(pc)
    postgres.stop()
    try:
        log_entries(pc, 50, start=50)
        with pytest.raises(client.LinkError) as away:
            forward.forward(pc)
        assert (away.value.status, away.value.code) == (503, "database_unavailable")
    finally:
        postgres.start()
    back = forward.forward(pc)
    assert (back.sent, back.duplicates) == (50, 0)
    assert held(central) == 100
    assert verify(central).returncode == 0


# -- refused batches ----------------------------------------------------------------------


@pytest.fixture
def pc_link(central, tmp_path):
    """A joined PC with 5 local entries, 3 of them already at the central service."""
    pc = joined_pc(central, tmp_path / "pc")
    log_entries(pc, 5)
    link = client.load_link(pc)
    link.call("POST", "audit/batches", {"batch_id": uuid.uuid4().hex,
                                        "entries": forward.local_entries(pc, 0, 3)})
    return pc, link


def test_a_forged_entry_is_refused_with_its_batch(pc_link, central):
    pc, link = pc_link
    entries = forward.local_entries(pc, 3, 2)
    entries[1]["data"] = entries[1]["data"].replace("user4", "someone-else")
    with pytest.raises(client.LinkError) as forged:
        link.call("POST", "audit/batches", {"batch_id": uuid.uuid4().hex, "entries": entries})
    assert (forged.value.status, forged.value.code) == (422, "forged")
    assert held(central) == 3  # the good entry before it was not taken either


def test_a_rewritten_entry_with_a_recomputed_hash_is_refused(pc_link, central):
    pc, link = pc_link
    entry = forward.local_entries(pc, 1, 1)[0]
    entry["data"] = entry["data"].replace("user1", "someone-else")
    entry["hash"] = audit.entry_hash(entry["seq"], entry["ts"], entry["event"], entry["data"],
                                     entry["prev_hash"])
    with pytest.raises(client.LinkError) as changed:
        link.call("POST", "audit/batches", {"batch_id": uuid.uuid4().hex, "entries": [entry]})
    assert (changed.value.status, changed.value.code) == (409, "chain_conflict")


def test_an_entry_that_does_not_follow_the_chain_is_refused(pc_link, central):
    pc, link = pc_link
    skipped = forward.local_entries(pc, 4, 1)  # entry 5 without entry 4
    with pytest.raises(client.LinkError) as gap:
        link.call("POST", "audit/batches", {"batch_id": uuid.uuid4().hex, "entries": skipped})
    assert (gap.value.status, gap.value.code) == (422, "chain_broken")
    assert gap.value.body["expected_seq"] == 4


def test_a_replayed_batch_is_refused(pc_link, central):
    pc, link = pc_link
    body = {"batch_id": uuid.uuid4().hex, "entries": forward.local_entries(pc, 3, 2)}
    assert link.call("POST", "audit/batches", body)["accepted"] == 2
    with pytest.raises(client.LinkError) as replay:
        link.call("POST", "audit/batches", body)
    assert (replay.value.status, replay.value.code) == (409, "replayed")


def test_a_batch_without_a_credential_is_refused(pc_link, central):
    pc, _link = pc_link
    response = central.post("audit/batches", {"batch_id": uuid.uuid4().hex,
                                              "entries": forward.local_entries(pc, 3, 2)})
    assert response.status_code == 401
    assert held(central) == 3


def test_a_batch_with_a_wrong_or_revoked_credential_is_refused(pc_link, central):
    pc, link = pc_link
    body = {"batch_id": uuid.uuid4().hex, "entries": forward.local_entries(pc, 3, 2)}
    wrong = central.post("audit/batches", body,
                         headers={"Authorization": f"Bearer {link.pc_id}.not-the-secret"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "bad_credential")
    assert central.cli("revoke", link.pc_id).returncode == 0
    with pytest.raises(client.LinkError) as revoked:
        link.call("POST", "audit/batches", body)
    assert (revoked.value.status, revoked.value.code) == (401, "revoked")
    assert held(central) == 3


@pytest.mark.parametrize("change, said", [
    ({"seq": 2**63}, ("entry 1 needs a seq of 1 to 2^63-1", "1 件目の seq")),
    ({"seq": 0}, ("entry 1 needs a seq of 1 to 2^63-1", "1 件目の seq")),
    ({"data": '{"note": "a\u0000b"}'}, ("entry 1 (seq 4) contains a NUL", "1 件目 (seq 4) に NUL")),
    ({"event": "check\u0000"}, ("entry 1 (seq 4) contains a NUL", "1 件目 (seq 4) に NUL")),
])
def test_an_entry_the_database_cannot_hold_is_a_bad_batch_not_a_crash(pc_link, central,
                                                                      change, said):
    """A seq past bigint or a NUL (jsonb refuses it) is refused by name, not a 500."""
    pc, link = pc_link
    entry = {**forward.local_entries(pc, 3, 1)[0], **change}
    # A hash that matches, so only the value itself can be what is refused.
    entry["hash"] = audit.entry_hash(entry["seq"], entry["ts"], entry["event"], entry["data"],
                                     entry["prev_hash"])
    with pytest.raises(client.LinkError) as refused:
        link.call("POST", "audit/batches", {"batch_id": uuid.uuid4().hex, "entries": [entry]})
    assert (refused.value.status, refused.value.code) == (400, "bad_batch")
    assert said[0] in refused.value.body["messages"]["en"]
    assert said[1] in refused.value.body["messages"]["ja"]
    assert held(central) == 3


# -- central audit verify finds what was done to the database ------------------------------


def tamper(central, *statements: str) -> None:
    """Change the central database directly, as its administrator could (triggers off)."""
    with psycopg.connect(central.database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE audit_entries DISABLE TRIGGER USER")
        for sql in statements:
            conn.execute(sql)
        conn.execute("ALTER TABLE audit_entries ENABLE TRIGGER USER")


@pytest.fixture
def two_pcs(central, tmp_path):
    """Two PCs whose 6 and 4 entries are all at the central service."""
    first = joined_pc(central, tmp_path / "a", "総務課 PC-01")
    second = joined_pc(central, tmp_path / "b", "経理課 PC-02")
    log_entries(first, 6)
    log_entries(second, 4)
    forward.forward(first)
    forward.forward(second)
    return client.load_link(first).pc_id, client.load_link(second).pc_id


@pytest.mark.parametrize(("change", "said"), [
    pytest.param("UPDATE audit_entries SET data = replace(data, 'user3', 'someone') "
                 "WHERE pc_id = '{pc}' AND seq = 4", "entry 4: its content does not match",
                 id="an edited entry is named"),
    pytest.param("DELETE FROM audit_entries WHERE pc_id = '{pc}' AND seq = 3",
                 "entry 3: is missing (deleted)", id="a dropped entry is named"),
    pytest.param("UPDATE audit_entries SET seq = -seq WHERE pc_id = '{pc}' AND seq IN (2, 3);"
                 "UPDATE audit_entries SET seq = 5 + seq WHERE pc_id = '{pc}' AND seq < 0",
                 "entry 2: its content does not match", id="two swapped entries are found"),
    pytest.param("DELETE FROM audit_entries WHERE pc_id = '{pc}' AND seq = 6",
                 "entry 6: is missing: entries 6 to 6 were cut off", id="a cut tail is found"),
])
def test_central_audit_verify_names_the_pc_and_entry(central, two_pcs, change, said):
    first, second = two_pcs
    assert verify(central).returncode == 0
    tamper(central, *change.format(pc=first).split(";"))
    done = verify(central)
    assert done.returncode == 1
    assert f"FAILED 総務課 PC-01 ({first}) {said}" in done.stdout
    assert f"ok 4 entries\t経理課 PC-02 ({second})" in done.stdout


def test_the_central_log_refuses_updates_and_deletes(central, two_pcs):
    first, _ = two_pcs
    with psycopg.connect(central.database_url) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute("DELETE FROM audit_entries WHERE pc_id = %s", (first,))


# -- the local service forwards on its own --------------------------------------------------


def test_a_running_pc_service_forwards_its_checks(central, service_factory, monkeypatch):
    monkeypatch.setenv("ATESAKI_LINK_INTERVAL", "0.3")
    live = service_factory()
    live.stop()
    joined_pc(central, live.data_dir)
    live.start()
    status, _, _ = live.request("POST", "/v1/check", {
        "recipients": [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}]})
    assert status == 200
    deadline = time.monotonic() + 15
    events: list[str] = []
    while time.monotonic() < deadline:
        events = [r[0] for r in central_rows(central, "SELECT event FROM audit_entries ORDER BY seq")]
        if "check" in events:
            break
        time.sleep(0.1)
    assert "check" in events, events
    assert verify(central).returncode == 0
