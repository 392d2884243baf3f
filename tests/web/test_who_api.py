"""The message-wide checks through the service: From identities remembered, pastes, the send delay."""

from __future__ import annotations

import pytest

from atesaki.importers.mail import import_history
from tests.conftest import DATA, write_config

MAIL = DATA / "mail"


def codes_of(result: dict) -> dict[str, set[str]]:
    found = {r["address"]: {f["code"] for f in r["findings"]} for r in result["recipients"]}
    found[""] = {f["code"] for f in result["findings"]}
    return found


def test_imported_history_remembers_which_identity_wrote_where(app, client, conn):
    import_history(conn, MAIL / "Sent.mbox")  # every message From tanaka@agency.go.jp
    rows = conn.execute("SELECT sender, domain FROM sender_history ORDER BY domain").fetchall()
    assert ("tanaka@agency.go.jp", "example.com") in [tuple(r) for r in rows]
    result = client.check([{"field": "to", "address": "k.sato@example.com"}],
                          sender="tanaka.home@gmail.com", kind="reply")
    assert "sender_identity" in codes_of(result)["k.sato@example.com"]
    same = client.check([{"field": "to", "address": "k.sato@example.com"}],
                        sender="tanaka@agency.go.jp", kind="reply")
    assert "sender_identity" not in codes_of(same)["k.sato@example.com"]


def test_a_recorded_send_teaches_the_identity(client):
    to = [{"field": "to", "address": "a@client.co.jp"}]
    check = client.check(to, sender="tanaka@agency.go.jp", kind="reply")
    assert check["verdict"] != "approve", check
    assert client.post("/v1/sends", {"check_id": check["check_id"], "recipients": to}).status_code == 200
    other = client.check([{"field": "to", "address": "b@client.co.jp"}],
                         sender="someone@gmail.com", kind="reply")
    (finding,) = [f for f in other["recipients"][0]["findings"] if f["code"] == "sender_identity"]
    assert finding["related"] == [{"address": "tanaka@agency.go.jp"}]


def test_a_greeting_for_someone_else_needs_a_second_checker(client, conn):
    from atesaki.store import people  # contacts through the real importer's store API

    with conn:
        people.add_history(conn, "t.yamamoto@abc-shoji.co.jp", "山本 太郎", "2024-01-01T00:00:00+00:00")
    result = client.check([{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}],
                          body="山本様\n\nいつもお世話になっております。", kind="reply")
    (finding,) = [f for f in result["findings"] if f["code"] == "addressee_not_recipient"]
    assert finding["severity"] == "high" and result["verdict"] == "approve"
    assert finding["related"][0]["address"] == "t.yamamoto@abc-shoji.co.jp"


def test_pastes_reported_by_the_extension_become_a_finding(client):
    result = client.check([{"field": "to", "address": "suzuki@agency.go.jp"}],
                          pastes=[{"length": 20, "from_page": True, "addresses": ["x@other.jp"]}])
    assert "pasted_text" in codes_of(result)[""]
    bad = client.post("/v1/check", {"recipients": [{"address": "suzuki@agency.go.jp"}],
                                    "pastes": [{"length": "long"}]})
    assert bad.status_code == 400 and bad.get_json()["field"] == "pastes"


def test_the_send_delay_is_off_by_default(client):
    assert client.check([{"field": "to", "address": "suzuki@agency.go.jp"}])["send_delay"] == 0


@pytest.mark.parametrize(("value", "accepted"), [(10, True), (60, True), (61, False), (-1, False)],
                         ids=["ten seconds", "the most", "too long", "negative"])
def test_the_send_delay_comes_with_the_verdict(app, client, data_dir, value, accepted):
    write_config(data_dir, {"internal_domains": ["agency.go.jp"], "policy": {"send_delay": value}})
    result = client.check([{"field": "to", "address": "suzuki@agency.go.jp"}])
    assert result["send_delay"] == (value if accepted else 0)


@pytest.mark.parametrize(("body", "verdict"), [
    ({"sender": "tanaka.home@gmail.com"}, "confirm"),
    ({"pastes": [{"length": 900}]}, "confirm"),
    ({"sender": "tanaka@agency.go.jp"}, "pass"),
], ids=["a personal account to a colleague", "a long paste to a colleague", "ordinary internal mail"])
def test_what_the_user_did_is_shown_even_on_internal_mail(app, client, body, verdict):
    from atesaki.store import people

    conn = app.extensions["atesaki"].conn()
    with conn:
        people.add_history(conn, "suzuki@agency.go.jp", "", "2024-01-01T00:00:00+00:00")
    result = client.check([{"field": "to", "address": "suzuki@agency.go.jp"}], kind="reply", **body)
    assert result["verdict"] == verdict


def test_importing_old_history_again_adds_the_from_pairings_without_counting_twice(conn):
    import_history(conn, MAIL / "Sent.mbox")
    conn.execute("DELETE FROM sender_history")  # as a store from before From was remembered
    before = conn.execute("SELECT address, count FROM history ORDER BY address").fetchall()
    again = import_history(conn, MAIL / "Sent.mbox")
    assert again.imported == 0
    assert conn.execute("SELECT address, count FROM history ORDER BY address").fetchall() == before
    rows = conn.execute("SELECT sender, domain, count FROM sender_history").fetchall()
    assert ("tanaka@agency.go.jp", "example.com", 1) in [tuple(r) for r in rows]


@pytest.mark.parametrize("source", ["Sent.mbox", "eml", "Maildir"])
def test_every_history_format_remembers_the_from_identity(conn, source):
    import_history(conn, MAIL / source)
    senders = {row[0] for row in conn.execute("SELECT sender FROM sender_history")}
    assert senders == {"tanaka@agency.go.jp"}
