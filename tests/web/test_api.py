"""The /v1 endpoints through Flask's test client: checks, verdicts, sends, incidents, errors."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from atesaki import store
from atesaki.store import people

SATO = {"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}
COLLEAGUE = {"field": "to", "address": "m-sato@agency.go.jp", "name": "佐藤 美咲"}


def codes(recipient: dict) -> set[str]:
    return {f["code"] for f in recipient["findings"]}


def remember_send(app, *addresses: str) -> None:
    """Put addresses into the send history as if the user had mailed them."""
    conn = app.extensions["atesaki"].conn()
    with store.transaction(conn):
        people.record_send(conn, [(a, "") for a in addresses], "2026-11-01T09:00:00+00:00")
        store.bump_generation(conn)


def test_check_answers_the_contract_shape(client):
    body = client.check([SATO], sender="tanaka@agency.go.jp", kind="new", subject="見学会")
    assert body["check_id"].startswith("c_")
    assert len(body["digest"]) == 64
    assert body["verdict"] in ("pass", "confirm", "approve", "block")
    (recipient,) = body["recipients"]
    assert {k: recipient[k] for k in ("field", "address", "name", "internal", "known",
                                      "sent_count", "last_sent")} == {
        "field": "to", "address": "k.sato@example.com", "name": "佐藤 健二",
        "internal": False, "known": False, "sent_count": 0, "last_sent": None}
    for finding in recipient["findings"]:
        assert set(finding) >= {"code", "severity", "message", "related"}


def test_a_new_message_to_a_never_mailed_outsider_needs_a_second_checker(client):
    body = client.check([SATO], kind="new")
    assert body["verdict"] == "approve"
    assert {"external", "first_time", "not_in_address_book"} <= codes(body["recipients"][0])


def test_an_internal_colleague_already_mailed_passes_without_a_dialog(app, client):
    remember_send(app, "m-sato@agency.go.jp")
    body = client.check([COLLEAGUE], kind="reply")
    recipient = body["recipients"][0]
    assert recipient["internal"] is True
    assert recipient["sent_count"] == 1
    assert "first_time" not in codes(recipient)
    assert body["verdict"] in ("pass", "confirm")


def test_a_reply_to_a_known_outsider_only_needs_ticking(app, client):
    remember_send(app, "k.sato@example.com")
    body = client.check([SATO], kind="reply", thread_recipients=["k.sato@example.com"])
    assert body["verdict"] == "confirm"


@pytest.mark.parametrize(
    ("subject", "kind"),
    [("転: 資料", "forward"), ("資料", "reply"), ("Re: 資料", "reply")],
    ids=["転 is a forward", "no prefix is a reply", "Re is a reply"],
)
def test_a_quoted_compose_is_a_reply_unless_its_subject_says_forward(client, subject, kind):
    body = client.check([SATO], subject=subject, quoted=True)
    assert body["kind"] == kind
    forward = {f["code"] for f in body["findings"]} & {"forward_external"}
    assert forward == ({"forward_external"} if kind == "forward" else set())


def test_quoted_must_be_true_or_false(client):
    response = client.post("/v1/check", {"recipients": [SATO], "quoted": "yes"})
    assert response.status_code == 400
    assert response.get_json()["field"] == "quoted"


def test_garbage_address_blocks_and_never_500s(client):
    body = client.check([{"field": "to", "address": "佐藤さん"}, SATO])
    assert body["verdict"] == "block"
    assert codes(body["recipients"][0]) == {"invalid_address"}


@pytest.fixture
def config():
    return {"internal_domains": ["agency.go.jp"], "blocked_domains": ["competitor.example"],
            "policy": {"large_audience": 3, "visible_external_orgs": 2}}


def test_blocked_domain_and_its_subdomains_block(client):
    body = client.check([{"field": "to", "address": "a@mail.competitor.example"}])
    assert body["verdict"] == "block"
    assert "blocked_domain" in codes(body["recipients"][0])


def test_two_external_organisations_in_to_and_cc_see_each_other(client):
    body = client.check([SATO, {"field": "cc", "address": "head@school.ed.jp"}])
    assert all("visible_external_recipients" in codes(r) for r in body["recipients"])
    hidden = client.check([SATO, {"field": "bcc", "address": "head@school.ed.jp"}])
    assert not any("visible_external_recipients" in codes(r) for r in hidden["recipients"])


def test_two_gmail_users_are_two_organisations(client):
    body = client.check([{"field": "to", "address": "a@gmail.com"},
                         {"field": "to", "address": "b@gmail.com"}])
    assert all("visible_external_recipients" in codes(r) for r in body["recipients"])


def test_more_recipients_than_the_setting_is_a_large_audience(client):
    recipients = [{"field": "bcc", "address": f"u{i}@agency.go.jp"} for i in range(4)]
    body = client.check(recipients)
    assert "large_audience" in {f["code"] for f in body["findings"]}


def test_messages_come_in_the_callers_language(client):
    ja = client.check([SATO])
    en = client.post("/v1/check", {"recipients": [SATO]},
                     headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()
    ja_message = ja["recipients"][0]["findings"][0]["message"]
    en_message = en["recipients"][0]["findings"][0]["message"]
    assert ja_message != en_message
    assert en_message.isascii()


def test_the_check_is_stored_without_the_body(app, client):
    body = client.check([SATO], body="秘密の本文 090-1234-5678", subject="件名")
    conn = app.extensions["atesaki"].conn()
    row = conn.execute("SELECT * FROM checks WHERE id = ?", (body["check_id"],)).fetchone()
    assert row["digest"] == body["digest"]
    dump = "\n".join(conn.iterdump())
    assert "秘密の本文" not in dump and "090-1234-5678" not in dump


def send(client, check: dict, recipients: list[dict], **extra):
    return client.post("/v1/sends", {"check_id": check["check_id"], "recipients": recipients,
                                     **extra})


def test_a_send_enters_history_so_the_next_check_knows_it(app, client):
    first = client.check([COLLEAGUE])
    assert send(client, first, [COLLEAGUE]).get_json() == {"ok": True}
    second = client.check([COLLEAGUE])
    recipient = second["recipients"][0]
    assert recipient["sent_count"] == 1
    assert recipient["last_sent"]
    assert "first_time" not in codes(recipient)


def test_a_changed_recipient_list_is_refused(client):
    check = client.check([COLLEAGUE])
    response = send(client, check, [COLLEAGUE, {"field": "bcc", "address": "x@evil.example"}])
    assert response.status_code == 409
    assert response.get_json()["error"] == "recipients_changed"


def test_the_same_list_in_another_order_and_case_is_the_same_send(client):
    recipients = [COLLEAGUE, {"field": "cc", "address": "b@agency.go.jp"}]
    check = client.check(recipients)
    reordered = [{"field": "CC", "address": "b@AGENCY.go.jp"}, COLLEAGUE]
    assert send(client, check, reordered).status_code == 200


def test_a_blocked_check_cannot_be_sent(client):
    recipients = [{"field": "to", "address": "not an address"}]
    check = client.check(recipients)
    response = send(client, check, recipients)
    assert (response.status_code, response.get_json()["error"]) == (403, "blocked")


def test_an_approve_verdict_without_a_release_token_is_refused(client):
    check = client.check([SATO], kind="new")
    assert check["verdict"] == "approve"
    response = send(client, check, [SATO])
    assert (response.status_code, response.get_json()["error"]) == (403, "approval_required")
    response = send(client, check, [SATO], release_token="made-up")
    assert (response.status_code, response.get_json()["error"]) == (403, "approval_required")


def test_a_check_is_sent_at_most_once(client):
    check = client.check([COLLEAGUE])
    assert send(client, check, [COLLEAGUE]).status_code == 200
    again = send(client, check, [COLLEAGUE])
    assert (again.status_code, again.get_json()["error"]) == (409, "already_sent")


def test_an_unknown_check_is_404(client):
    response = client.post("/v1/sends", {"check_id": "c_nope", "recipients": [COLLEAGUE]})
    assert (response.status_code, response.get_json()["error"]) == (404, "unknown_check")


def test_an_old_check_has_expired(app, client):
    from datetime import UTC, datetime, timedelta

    check = client.check([COLLEAGUE])
    app.config["CLOCK"] = lambda: datetime.now(UTC) + timedelta(hours=2)
    assert send(client, check, [COLLEAGUE]).status_code == 404


def test_an_incident_is_recorded_in_the_audit_log_at_once(app, client):
    check = client.check([SATO])
    response = client.post("/v1/incidents", {"check_id": check["check_id"],
                                             "address": "k.sato@example.com",
                                             "note": "佐藤美咲さん宛てのつもりでした"})
    assert response.status_code == 201
    conn = app.extensions["atesaki"].conn()
    row = conn.execute("SELECT event, data FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    assert row["event"] == "incident"
    assert json.loads(row["data"])["check_id"] == check["check_id"]


def test_an_incident_for_an_unknown_check_is_404(client):
    response = client.post("/v1/incidents", {"check_id": "c_nope", "address": "a@b.jp"})
    assert response.status_code == 404


def test_every_check_and_send_is_audited(app, client):
    check = client.check([COLLEAGUE])
    send(client, check, [COLLEAGUE])
    conn = app.extensions["atesaki"].conn()
    events = [r[0] for r in conn.execute("SELECT event FROM audit ORDER BY seq")]
    assert events[-2:] == ["check", "send"]
    data = json.loads(conn.execute("SELECT data FROM audit WHERE event = 'check'").fetchone()[0])
    assert data["digest"] == check["digest"]
    assert data["recipients"] == ["to:m-sato@agency.go.jp"]


def test_checks_from_several_threads_at_once_are_each_stored_and_audited(app, client):
    """Checks share one store connection (it keeps SQLite's cache warm): taken in turn,
    so none is lost and the audit chain stays whole."""
    import threading

    from atesaki.store import audit
    from tests.conftest import ApiClient

    failures, ids = [], []

    def user(n: int) -> None:
        mine = ApiClient(app)
        for i in range(12):
            response = mine.post("/v1/check", {"recipients": [
                {"field": "to", "address": f"u{n}-{i}@partner.example"}, COLLEAGUE]})
            if response.status_code != 200:
                failures.append(response.get_json())
            else:
                ids.append(response.get_json()["check_id"])

    users = [threading.Thread(target=user, args=(n,)) for n in range(4)]
    for thread in users:
        thread.start()
    for thread in users:
        thread.join()
    assert failures == []
    conn = app.extensions["atesaki"].conn()
    stored = {r[0] for r in conn.execute("SELECT id FROM checks")}
    assert len(ids) == 48 and stored >= set(ids)
    assert audit.verify(conn).ok


def test_an_edit_to_config_toml_is_followed_by_the_next_check(app, client, data_dir):
    """Settings are read once per request, never once per service."""
    import os
    import time

    outsider = {"field": "to", "address": "a@rival.example"}
    assert client.check([outsider])["verdict"] != "block"
    path = data_dir / "config.toml"
    path.write_text('internal_domains = ["agency.go.jp"]\nblocked_domains = ["rival.example"]\n')
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert client.check([outsider])["verdict"] == "block"


ERRORS = [
    pytest.param("post", "/v1/check", "not json", 415, id="415 not json"),
    pytest.param("post", "/v1/check", {"recipients": 1}, 400, id="400 bad field"),
    pytest.param("get", "/v1/nowhere", None, 404, id="404 unknown path"),
    pytest.param("get", "/v1/check", None, 405, id="405 wrong method"),
    pytest.param("post", "/v1/sends", {"check_id": "c_x", "recipients": []}, 404, id="404 check"),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), ERRORS)
def test_one_error_shape_everywhere(client, method, path, body, status):
    if body == "not json":
        response = client.raw.post(path, data="x", headers=client.headers(
            {"Content-Type": "text/plain"}))
    elif method == "post":
        response = client.post(path, body)
    else:
        response = client.get(path)
    assert response.status_code == status
    error = response.get_json()
    assert set(error) - {"field"} == {"ok", "error", "message", "messages", "status"}
    assert error["ok"] is False and error["status"] == status
    assert error["message"] and set(error["messages"]) == {"ja", "en"}


def test_the_database_holds_no_token(app, client, data_dir):
    client.check([SATO])
    dump = "\n".join(sqlite3.connect(data_dir / "atesaki.db").iterdump())
    assert client.token not in dump


def test_a_display_name_with_an_emoji_comes_back_as_written(client):
    # "\ud83d\ude00" in the JSON text: a surrogate pair, as a browser writes 😀.
    body = '{"recipients": [{"field": "to", "address": "k.sato@example.com", ' \
           '"name": "佐藤 健二 \\ud83d\\ude00"}]}'
    response = client.raw.post("/v1/check", data=body.encode(), headers=client.headers(
        {"Content-Type": "application/json"}))
    assert response.status_code == 200
    assert response.get_json()["recipients"][0]["name"] == "佐藤 健二 😀"
    assert "😀".encode() in response.data  # UTF-8 as it is, not \\u escapes


any_text = st.text(st.characters(blacklist_categories=()))  # lone surrogates included
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@hyp_settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values)
def test_responses_read_as_the_standard_librarys_json(app, value):
    """orjson writes the responses: what a client reads is what json.dumps would say."""
    with app.app_context():
        text = app.json.response(value).get_data()
    assert json.loads(text) == value
    if "\\u" not in text.decode():  # text orjson wrote: byte for byte the same
        assert text.decode() == json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def test_warm_up_prepares_a_check_without_changing_it(app, client):
    """What the service builds in the background after start-up (indexes, detector,
    name matcher, common surnames) gives the same answer as building it on demand."""
    remember_send(app, "m-sato@agency.go.jp")
    before = client.check([SATO])
    app.extensions["atesaki"].warm_up()
    after = client.check([SATO])
    assert [r["findings"] for r in after["recipients"]] == [
        r["findings"] for r in before["recipients"]
    ]
