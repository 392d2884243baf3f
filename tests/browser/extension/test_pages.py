"""The options page, the popup and the wrong-send report, opened as the user opens them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import EXTENSION_ORIGIN
from .helpers import Dialog, wait_sent

pytestmark = pytest.mark.browser


def open_page(browser, path: str):
    """Open one of the extension's own pages in a tab."""
    page = browser.context.new_page()
    page.goto(f"{EXTENSION_ORIGIN}/{path}")
    return page


def send_one(browser, address: str = "k.sato@example.com", subject: str = "見学会") -> None:
    """Send one message through the fixture Gmail, ticking the dialog."""
    page = browser.open("gmail")
    page.evaluate(
        "([a, s]) => __fixture.compose({to: [{name: '佐藤 健二', address: a}], subject: s})",
        [address, subject],
    )
    page.click(".T-I.aoO")
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    dialog.hook("send").click()
    wait_sent(page)
    page.wait_for_timeout(200)  # the send record is written after the release


def test_options_shows_the_connection_and_a_wrong_token_is_reported(paired, stub):
    page = open_page(paired, "options/options.html")
    status = page.locator("#status")
    expect(page.locator("#status")).to_have_class("ok")
    assert stub.url in status.inner_text()
    page.fill("#token", "not-the-token")
    page.click("#save")
    expect(page.locator("#status")).to_have_class("bad")
    assert "atesaki doctor" in status.inner_text()  # what to do, not only what is wrong
    assert paired.worker.evaluate("chrome.storage.local.get('token')") == {"token": "not-the-token"}
    page.fill("#token", stub.token)
    page.click("#test")  # testing alone does not save
    expect(page.locator("#status")).to_have_class("bad")
    page.click("#save")
    expect(page.locator("#status")).to_have_class("ok")


def test_a_roundcube_host_added_in_options_works_without_a_restart(paired, stub, fixture_server):
    paired.configure(serverUrl=stub.url, token=stub.token, webmailHosts=[])
    before = paired.context.new_page()
    before.goto(f"{fixture_server}/roundcube.html")
    before.wait_for_timeout(300)
    assert before.evaluate("document.documentElement.dataset.atesaki") is None
    options = open_page(paired, "options/options.html")
    options.fill("#host", fixture_server + "/roundcube/")
    options.click("#add-host button")
    options.locator("#hosts li").filter(has_text=fixture_server).wait_for()
    page = paired.open("roundcube")  # waits for the content script's ready mark
    page.evaluate("__fixture.compose({to: [{name: '', address: 'k.sato@example.com'}]})")
    page.click("a.send")
    Dialog(page).wait_rows()


def test_options_refuses_what_is_not_a_webmail_address(paired):
    options = open_page(paired, "options/options.html")
    options.fill("#host", "ftp://files.example.jp")
    options.click("#add-host button")
    expect(options.locator("#host-error")).to_contain_text("ftp://files.example.jp")
    assert paired.worker.evaluate("chrome.storage.local.get('webmailHosts')")["webmailHosts"] == [
        paired.fixture_url
    ], "nothing was added"


def test_popup_shows_the_connection_and_the_last_check(paired, stub):
    send_one(paired)
    popup = open_page(paired, "popup/popup.html")
    expect(popup.locator("#connection")).to_have_class("ok")
    assert "confirmed" in popup.locator("#last-check").inner_text()
    assert "見学会" in popup.locator("#last-check").inner_text()


def test_wrong_send_report_records_the_incident_and_shows_the_steps(paired, stub):
    send_one(paired, "k.sato@example.com", "参加者名簿")
    page = open_page(paired, "popup/incident.html")
    page.locator("#send option").first.wait_for(state="attached")
    assert "参加者名簿" in page.locator("#send option").first.inner_text()
    page.fill("#address", "k.sato@example.com")
    page.check("input[name=what][value=wrong_person]")
    page.fill("#affected", "見学会の参加者 12 名")
    page.click("button[type=submit]")
    page.locator("#done").wait_for(state="visible")
    (incident,) = stub.calls("/v1/incidents")
    assert incident["check_id"] == "c_1"
    assert incident["address"] == "k.sato@example.com"
    assert "見学会の参加者 12 名" in incident["note"]
    steps = page.locator("#steps li").all_inner_texts()
    assert steps == [
        "Tell your supervisor today.",
        "Ask the wrong recipient to delete the message and to confirm they have deleted it.",
        "Contact the people whose data was in the message.",
    ]
    report = page.locator("#report").input_value()
    assert "k.sato@example.com" in report and "参加者名簿" in report


def test_wrong_send_report_says_when_it_could_not_be_recorded(paired, stub):
    stub.on(
        "POST",
        "/v1/incidents",
        lambda body: (500, {"ok": False, "error": "internal", "message": "disk full"}),
    )
    page = open_page(paired, "popup/incident.html")
    page.fill("#address", "k.sato@example.com")
    page.click("button[type=submit]")
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert "disk full" in error.inner_text()
    assert page.locator("#done").is_hidden()


WEBMAIL_TAB = {"url": "https://mail.google.com/mail/u/0/"}
SENDERS = {
    "webmail content script": {"tab": WEBMAIL_TAB, "url": WEBMAIL_TAB["url"]},
    "options page": {"url": f"{EXTENSION_ORIGIN}/options/options.html"},
    "another extension": {
        "id": "abcdefghijklmnopabcdefghijklmnop",
        "url": "chrome-extension://abcdefghijklmnopabcdefghijklmnop/",
    },
}


@pytest.mark.parametrize(
    ("sender", "action", "allowed"),
    [
        ("webmail content script", "check", True),
        ("webmail content script", "saveSettings", False),
        ("webmail content script", "reportIncident", False),
        ("options page", "saveSettings", True),
        ("another extension", "check", False),
    ],
)
def test_the_message_table_checks_who_is_asking(paired, stub, sender, action, allowed):
    who = {"id": paired.worker.evaluate("chrome.runtime.id"), **SENDERS[sender]}
    args = {
        "check": {"request": {"recipients": [{"field": "to", "address": "kacho@agency.go.jp"}]}},
        "saveSettings": {"values": {"token": "changed-by-a-page"}},
        "reportIncident": {"check_id": None, "address": "a@example.com", "note": ""},
    }[action]
    answer = paired.worker.evaluate(
        "([message, sender]) => AtesakiMessages.handle(message, sender)",
        [{"action": action, "args": args}, who],
    )
    assert answer["ok"] is allowed, answer
    token = paired.worker.evaluate("chrome.storage.local.get('token')")["token"]
    assert (token == "changed-by-a-page") is (allowed and action == "saveSettings")
