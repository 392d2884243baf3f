"""Incident reporting, service side: recent sends for the form, the report in Markdown/HTML/JSON."""

from __future__ import annotations

import pytest

from atesaki.ui.report import STEPS
from atesaki.web.incidents import incident_details

INTERNAL_TO = [{"field": "to", "address": "m-sato@agency.go.jp", "name": "佐藤 美咲"}]
EXTERNAL_TO = [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"},
               {"field": "cc", "address": "tanaka@agency.go.jp"}]


def send(client, recipients) -> str:
    """Check and send (as the extension does); returns the check id."""
    checked = client.check(recipients)
    response = client.post("/v1/sends", {"check_id": checked["check_id"],
                                         "recipients": recipients})
    assert response.status_code == 200, response.get_json()
    return checked["check_id"]


def report_incident(client, **body) -> str:
    """POST /v1/incidents; returns the incident id."""
    response = client.post("/v1/incidents", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["incident_id"]


def test_recent_sends_lists_what_was_sent_newest_first(client) -> None:
    first = send(client, INTERNAL_TO)
    second = send(client, [EXTERNAL_TO[1]])
    client.check(EXTERNAL_TO)  # checked but never sent: not offered
    sends = client.get("/v1/recent-sends").get_json()["sends"]
    assert [s["check_id"] for s in sends] == [second, first]
    assert sends[1]["recipients"] == [
        {"field": "to", "address": "m-sato@agency.go.jp", "internal": True}]
    assert set(sends[0]) == {"check_id", "sent_at", "verdict", "recipients"}  # no bodies, no names


def test_recent_sends_honours_its_limit(client) -> None:
    for _ in range(3):
        send(client, INTERNAL_TO)
    assert len(client.get("/v1/recent-sends?limit=2").get_json()["sends"]) == 2


# "²" is a digit to str.isdigit() but not a number to int(): the fuzzer's 500.
@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "%C2%B2"])
def test_recent_sends_rejects_a_bad_limit_by_name(client, limit: str) -> None:
    response = client.get(f"/v1/recent-sends?limit={limit}")
    assert response.status_code == 400
    assert response.get_json()["field"] == "limit"


@pytest.mark.parametrize("path", ["/v1/recent-sends", "/v1/incidents/i_x/report"])
def test_incident_endpoints_need_the_token(client, path: str) -> None:
    response = client.raw.get(path, headers={"Host": "127.0.0.1:8765"})
    assert response.status_code == 401


def test_the_markdown_report_has_both_languages_and_the_steps(client) -> None:
    check_id = send(client, INTERNAL_TO)
    incident_id = report_incident(client, check_id=check_id, address="m-sato@agency.go.jp",
                                  note="佐藤 健二さん宛ての資料を別の佐藤さんに送った")
    response = client.get(f"/v1/incidents/{incident_id}/report")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    text = response.get_data(as_text=True)
    assert "# 誤送信の報告" in text and "# Report of a message sent to the wrong person" in text
    for step in STEPS:
        assert step.ja in text and step.en in text
    assert incident_id in text and check_id in text
    assert "m-sato@agency.go.jp" in text
    assert "佐藤 健二さん宛ての資料" in text


@pytest.mark.parametrize(("lang", "present", "absent"), [
    pytest.param("ja", "今すぐ行うこと", "What to do now", id="Japanese only"),
    pytest.param("en", "What to do now", "今すぐ行うこと", id="English only"),
])
def test_the_report_in_one_language(client, lang, present, absent) -> None:
    incident_id = report_incident(client, address="k.sato@example.com")
    text = client.get(f"/v1/incidents/{incident_id}/report?lang={lang}").get_data(as_text=True)
    assert present in text and absent not in text


def test_the_html_report_is_printable_and_escapes_what_the_user_wrote(client) -> None:
    incident_id = report_incident(client, address="x@example.com",
                                  note="<script>alert(1)</script> 誤送信")
    response = client.get(f"/v1/incidents/{incident_id}/report?format=html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert STEPS[0].ja in html and STEPS[0].en in html
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp


def test_the_markdown_report_escapes_markup(client) -> None:
    incident_id = report_incident(client, note="[click](http://evil.example) <img src=x>")
    text = client.get(f"/v1/incidents/{incident_id}/report?lang=en").get_data(as_text=True)
    assert "[click](" not in text
    assert "\\<img" in text and text.count("<img") == text.count("\\<img")


def test_the_json_report_gives_steps_in_both_languages(client) -> None:
    incident_id = report_incident(client, address="k.sato@example.com")
    body = client.get(f"/v1/incidents/{incident_id}/report?format=json").get_json()
    assert body["incident_id"] == incident_id
    assert body["steps"] == [step.as_dict() for step in STEPS]
    assert body["audit_seq"] >= 1 and len(body["audit_hash"]) == 64


@pytest.mark.parametrize(("query", "field"), [
    pytest.param("format=pdf", "format", id="unknown format"),
    pytest.param("lang=fr", "lang", id="unknown language"),
])
def test_the_report_rejects_bad_options_by_name(client, query: str, field: str) -> None:
    incident_id = report_incident(client, address="k.sato@example.com")
    response = client.get(f"/v1/incidents/{incident_id}/report?{query}")
    assert response.status_code == 400 and response.get_json()["field"] == field


def test_an_unknown_incident_is_404(client) -> None:
    response = client.get("/v1/incidents/i_nope/report")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_incident"


def test_the_report_shows_what_and_who_when_the_form_sent_them(app, client) -> None:
    # Until api.py passes the guided form's fields through, write the entry as it would.
    from atesaki import store
    from atesaki.store import audit

    conn = app.extensions["atesaki"].conn()
    with store.transaction(conn):
        audit.append(conn, "incident", {
            "incident_id": "i_form", "check_id": None, "address": "k.sato@example.com",
            "note": "", "what": "wrong_attachment", "affected": ["山田 太郎", "鈴木 一郎"]})
    text = client.get("/v1/incidents/i_form/report").get_data(as_text=True)
    assert "添付ファイルを間違えた" in text and "Wrong attachment" in text
    assert "山田 太郎, 鈴木 一郎" in text


@pytest.mark.parametrize(("body", "expected"), [
    pytest.param({}, {}, id="nothing extra"),
    pytest.param({"what": "wrong_recipient", "affected": "山田さん"},
                 {"what": "wrong_recipient", "affected": "山田さん"}, id="text fields"),
    pytest.param({"affected": ["a", "b"]}, {"affected": ["a", "b"]}, id="a list of people"),
])
def test_incident_details_accepts_the_form_fields(body, expected) -> None:
    assert incident_details(body) == expected


@pytest.mark.parametrize(("body", "field"), [
    pytest.param({"what": 3}, "what", id="what must be text"),
    pytest.param({"affected": [1]}, "affected", id="affected must be text"),
    pytest.param({"affected": ["x"] * 201}, "affected", id="at most 200 people"),
])
def test_incident_details_names_the_bad_field(body, field) -> None:
    from atesaki.web.errors import APIError

    with pytest.raises(APIError) as caught:
        incident_details(body)
    assert caught.value.status == 400 and caught.value.extra["field"] == field
