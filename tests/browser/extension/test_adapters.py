"""Each adapter reads what the webmail shows: recipients with field and name, subject, kind, body, attachments."""

from __future__ import annotations

import pytest

from .helpers import Dialog, pairs, service_kind

pytestmark = pytest.mark.browser

MESSAGE = {
    "to": [{"name": "佐藤 健二", "address": "k.sato@example.com"}],
    "cc": [{"name": "", "address": "kacho@agency.go.jp"}],
    "bcc": [{"name": "記録", "address": "kiroku@agency.go.jp"}],
    "subject": "Re: 学校見学会について",
    "body": "参加者名簿をお送りします。",
    "quote": "2026年11月1日 山田 太郎 wrote: 名簿をください",
    "attachments": ["名簿.xlsx"],
}


def first_check(stub) -> dict:
    """The first /v1/check request the service received."""
    calls = stub.calls("/v1/check")
    assert calls, "the extension never asked the service"
    return calls[0]


@pytest.mark.parametrize("webmail", ["gmail", "outlook", "roundcube"])
def test_adapter_reads_to_cc_bcc_with_names_subject_kind_body_and_attachments(
    paired, stub, webmail
):
    page = paired.open(webmail)
    page.evaluate("m => __fixture.compose(m)", MESSAGE)
    paired_send = page.locator(
        {"gmail": ".T-I.aoO", "outlook": "button[aria-label=Send]", "roundcube": "a.send"}[webmail]
    ).first
    paired_send.click()
    Dialog(page).wait_rows()
    request = first_check(stub)
    assert pairs(request["recipients"]) == [
        ("bcc", "kiroku@agency.go.jp"),
        ("cc", "kacho@agency.go.jp"),
        ("to", "k.sato@example.com"),
    ]
    names = {r["address"]: r["name"] for r in request["recipients"]}
    assert names["k.sato@example.com"] == "佐藤 健二"
    assert names["kiroku@agency.go.jp"] == "記録"
    assert request["subject"] == MESSAGE["subject"]
    assert service_kind(request) == "reply"
    assert "参加者名簿をお送りします" in request["body"]
    assert "名簿をください" in request["body"], "the quoted part is part of the body"
    assert [a["name"] for a in request["attachments"]] == ["名簿.xlsx"]
    assert request["sender"] == ("" if webmail == "outlook" else "tanaka@agency.go.jp")


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Fwd: 名簿", "forward"),
        ("転送: 名簿", "forward"),
        ("FW: minutes", "forward"),
        ("返信: 日程", "reply"),
        ("日程のご相談", "new"),
    ],
    ids=["Fwd", "転送", "FW", "返信", "new"],
)
def test_gmail_kind_comes_from_the_subject_prefix(paired, stub, subject, kind):
    page = paired.open("gmail")
    page.evaluate(
        "s => __fixture.compose({to: [{name: '', address: 'a@example.com'}], subject: s})", subject
    )
    page.click(".T-I.aoO")
    Dialog(page).wait_rows()
    request = first_check(stub)
    assert request["kind"] is None, "the extension leaves the subject to the service"
    assert service_kind(request) == kind


def test_gmail_inline_reply_sends_the_thread_recipients(paired, stub):
    page = paired.open("gmail")
    page.evaluate("""__fixture.compose({mode: 'reply', subject: 'Re: 日程', to: [{name: '', address: 'yamada@partner.example.net'}],
                     thread: ['yamada@partner.example.net', 'tanaka@agency.go.jp', 'suzuki@partner.example.net']})""")
    page.click(".T-I.aoO")
    Dialog(page).wait_rows()
    request = first_check(stub)
    assert service_kind(request) == "reply"
    assert request["thread_recipients"] == [
        "yamada@partner.example.net",
        "tanaka@agency.go.jp",
        "suzuki@partner.example.net",
    ]


def test_gmail_legacy_chips_and_typed_text_are_read(paired, stub):
    page = paired.open("gmail", "variant=legacy")
    page.evaluate("__fixture.compose({to: [{name: 'Sato, Kenji', address: 'k.sato@example.com'}]})")
    # An address typed but not yet turned into a chip still goes out with the message.
    page.fill('.anm[name="to"] input[role=combobox]', "extra@example.org")
    page.click(".T-I.aoO")
    Dialog(page).wait_rows()
    recipients = first_check(stub)["recipients"]
    assert pairs(recipients) == [("to", "extra@example.org"), ("to", "k.sato@example.com")]
    assert {r["address"]: r["name"] for r in recipients}["k.sato@example.com"] == "Sato, Kenji"


@pytest.mark.parametrize("chip", ["aria", "title"])
def test_outlook_finds_the_address_in_the_chip_label_or_title(paired, stub, chip):
    page = paired.open("outlook", f"chip={chip}")
    page.evaluate("__fixture.compose({to: [{name: '佐藤 健二', address: 'k.sato@example.com'}]})")
    page.click("button[aria-label=Send]")
    Dialog(page).wait_rows()
    assert first_check(stub)["recipients"] == [
        {"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}
    ]
