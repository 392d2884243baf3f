"""``/v1/remote-approvals`` without a working central service, and the release it grants.

The whole path through a real central service is in ``tests/central/test_central_desks.py``;
here: a PC that never joined, a PC whose central service does not answer, and the local
release token an approval from another desk becomes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from atesaki import store
from atesaki.approvals import Checker, consume_release, grant_remote
from atesaki.link.client import credential_path, write_private
from atesaki.store import audit
from tests.conftest import free_port

TO_SATO = [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}]


@pytest.fixture
def config():
    """Every message needs a second checker."""
    return {"internal_domains": ["agency.go.jp"], "policy": {"approval": "always"}}


def joined_to_nobody(data_dir) -> None:
    """A credential for a central service on a port where nothing listens."""
    write_private(credential_path(data_dir), json.dumps({
        "url": f"http://127.0.0.1:{free_port()}", "pc_id": "pc_1", "secret": "s", "name": "PC"}))


def test_a_pc_that_never_joined_offers_no_checker_at_another_desk(client):
    answer = client.get("/v1/remote-approvals/checkers")
    assert answer.status_code == 200
    assert answer.get_json() == {"ok": True, "joined": False, "checkers": []}
    inbox = client.get("/v1/remote-approvals/inbox?after=0&wait=25")  # not joined: no wait
    assert inbox.get_json()["joined"] is False and inbox.get_json()["requests"] == []
    check = client.check(TO_SATO)
    asked = client.post("/v1/remote-approvals", {"check_id": check["check_id"],
                                                  "checker": "鈴木 花子"})
    assert (asked.status_code, asked.get_json()["error"]) == (409, "not_joined")
    assert "認証アプリ" in asked.get_json()["messages"]["ja"]
    assert client.get("/v1/remote-approvals/ar_1?wait=1").status_code == 409


def test_an_unreachable_central_service_is_said_in_both_languages(client, data_dir):
    joined_to_nobody(data_dir)
    answer = client.get("/v1/remote-approvals/checkers")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["error"] == "central_unreachable"
    assert "中央サービスに接続できない" in body["messages"]["ja"]
    assert "authenticator app" in body["messages"]["en"]
    check = client.check(TO_SATO)
    asked = client.post("/v1/remote-approvals", {"check_id": check["check_id"],
                                                  "checker": "鈴木 花子"})
    assert (asked.status_code, asked.get_json()["error"]) == (503, "central_unreachable")
    # Nothing was released: the send still needs an approval.
    sent = client.post("/v1/sends", {"check_id": check["check_id"], "recipients": TO_SATO})
    assert (sent.status_code, sent.get_json()["error"]) == (403, "approval_required")


def test_only_a_check_that_needs_approval_can_be_asked_for(client, data_dir):
    joined_to_nobody(data_dir)
    (data_dir / "config.toml").write_text('internal_domains = ["agency.go.jp"]\n[policy]\napproval = "never"\n')
    check = client.check(TO_SATO)
    assert check["verdict"] != "approve"
    asked = client.post("/v1/remote-approvals", {"check_id": check["check_id"],
                                                  "checker": "鈴木 花子"})
    assert (asked.status_code, asked.get_json()["error"]) == (409, "approval_not_needed")
    unknown = client.post("/v1/remote-approvals", {"check_id": "c_nope", "checker": "x"})
    assert unknown.status_code == 404


@pytest.mark.parametrize("query", ["wait=26", "wait=-1", "wait=nan", "wait=soon", "after=-1",
                                   "after=1e3"])
def test_long_poll_parameters_are_checked(client, query):
    answer = client.get(f"/v1/remote-approvals/inbox?{query}")
    assert (answer.status_code, answer.get_json()["error"]) == (400, "bad_request")


def test_what_the_checker_would_see_is_kept_for_checks_that_need_approval_only(client, conn):
    needs = client.check(TO_SATO)
    kept = conn.execute("SELECT recipients, findings FROM check_detail WHERE check_id = ?",
                        (needs["check_id"],)).fetchone()
    [recipient] = json.loads(kept["recipients"])
    assert (recipient["field"], recipient["address"], recipient["name"]) == (
        "to", "k.sato@example.com", "佐藤 健二")
    assert "first_time" in recipient["findings"]


def test_an_approval_from_another_desk_is_a_release_token_like_a_codes(conn):
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    check = {"id": "c_1", "digest": "d" * 64, "verdict": "approve", "sent_at": None}
    with store.transaction(conn):
        conn.execute("INSERT INTO checks (id, created, kind, digest, verdict, codes, recipients) "
                     "VALUES ('c_1', ?, 'new', ?, 'approve', '[]', '[]')",
                     (now.isoformat(), "d" * 64))
    grant = grant_remote(conn, check, "ar_1", Checker("pc_2", "鈴木 花子", "", ""), now,
                         note="確認済み")
    assert grant.expires_at == (now + timedelta(minutes=5)).isoformat(timespec="seconds")
    with store.transaction(conn):
        assert not consume_release(conn, "c_1", "e" * 64, grant.release_token, now)
        assert not consume_release(conn, "c_1", "d" * 64, grant.release_token,
                                   now + timedelta(minutes=5, seconds=1))
        assert consume_release(conn, "c_1", "d" * 64, grant.release_token, now)
        assert not consume_release(conn, "c_1", "d" * 64, grant.release_token, now)
    granted = [e["data"] for e in audit.entries(conn, event="approval_granted")]
    used = [e["data"] for e in audit.entries(conn, event="approval_used")]
    assert granted[-1]["request_id"] == "ar_1" and granted[-1]["note"] == "確認済み"
    assert used[-1] == {"checker_id": None, "checker": "鈴木 花子", "check_id": "c_1",
                        "digest": "d" * 64, "request_id": "ar_1", "remote": True}


def test_the_releases_migration_keeps_tokens_already_granted(tmp_path):
    import sqlite3

    from atesaki.store.migrations import MIGRATIONS

    db = sqlite3.connect(tmp_path / "old.db")
    db.row_factory = sqlite3.Row
    before = dict(MIGRATIONS)
    for name in ("core/0001", "approvals/0001"):
        db.executescript(before[name])
    db.execute("INSERT INTO checkers (id, name, name_key, secret, created) "
               "VALUES ('k_1', '鈴木', '鈴木', 'S', 'now')")
    db.execute("INSERT INTO releases (token_hash, check_id, digest, checker_id, created, expires) "
               "VALUES ('h', 'c_1', 'd', 'k_1', 1, 2)")
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
    db.executemany("INSERT INTO migrations VALUES (?, 'then')",
                   [("core/0001",), ("approvals/0001",)])
    db.commit()
    store.migrate(db)
    store.migrate(db)  # twice: nothing changes
    row = db.execute("SELECT * FROM releases").fetchone()
    assert (row["token_hash"], row["checker_id"], row["checker_name"]) == ("h", "k_1", "鈴木")
    db.close()


def test_long_polls_past_the_cap_answer_at_once_so_checks_never_queue():
    # Each waiting poll holds one of the service's 8 threads: only LONG_POLLS may wait.
    from contextlib import ExitStack

    from atesaki.link.desk import LONG_POLLS, waiting_slot

    with ExitStack() as held:
        granted = [held.enter_context(waiting_slot(20.0)) for _ in range(LONG_POLLS)]
        assert granted == [20.0] * LONG_POLLS
        with waiting_slot(20.0) as extra:
            assert extra == 0.0
    with waiting_slot(20.0) as again:  # the slots came back
        assert again == 20.0
