"""A recipient the extension could not read never passes: the check blocks and the send is refused."""

from __future__ import annotations

import pytest

from tests.web.test_api import remember_send

COLLEAGUE = {"field": "to", "address": "m-sato@agency.go.jp", "name": "佐藤 美咲"}


def unreadable(**report) -> dict:
    return {"code": "unreadable_recipient", **report}


@pytest.mark.parametrize(
    ("recipients", "report", "text"),
    [
        ([COLLEAGUE], unreadable(field="cc", name="佐藤 健二", reason="unresolved"), "佐藤 健二"),
        ([COLLEAGUE], unreadable(field="to", name="Kenji", reason="no_address"), "Kenji"),
        ([COLLEAGUE], unreadable(reason="count_mismatch", shown=3, read=1), "3"),
        ([], unreadable(reason="none_read"), "No recipient"),
    ],
    ids=["a-name-only-chip", "a-chip-with-no-address", "fewer-read-than-shown", "none-read"],
)
def test_a_reported_unreadable_recipient_blocks_even_an_otherwise_passing_message(
    app, client, recipients, report, text
):
    remember_send(app, "m-sato@agency.go.jp")
    assert client.check([COLLEAGUE], kind="reply")["verdict"] in ("pass", "confirm")
    body = client.post(
        "/v1/check", {"recipients": recipients, "kind": "reply", "findings": [report]},
        headers={"Accept-Language": "en"},
    ).get_json()
    assert body["verdict"] == "block"
    (finding,) = body["findings"]
    assert (finding["code"], finding["severity"]) == ("unreadable_recipient", "block")
    assert text in finding["message"]
    assert finding["messages"]["ja"] and finding["messages"]["en"]
    send = client.post("/v1/sends", {"check_id": body["check_id"], "recipients": recipients})
    assert (send.status_code, send.get_json()["error"]) == (403, "blocked")


@pytest.mark.parametrize(
    "findings",
    [
        [{"code": "external"}],
        [{"reason": "none_read"}],
        "unreadable_recipient",
        [unreadable(field="from")],
    ],
    ids=["another-code", "no-code", "not-a-list", "bad-field"],
)
def test_a_client_may_report_nothing_but_unreadable_recipients(client, findings):
    response = client.post("/v1/check", {"recipients": [COLLEAGUE], "findings": findings})
    assert response.status_code == 400
    assert response.get_json()["field"].startswith("findings")
