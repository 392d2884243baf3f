"""Approval from the checker's own desk, in Chromium: the dialog asks, the other desk decides.

A real central service (two instances on a real PostgreSQL) and two real PC services:
the sender's, which the browser is paired with, joined through instance A, and the
checker's, joined through B. The checker decides through their PC's local API, or
through the extension's approvals page when the browser is the checker's.
"""

from __future__ import annotations

import time

import pytest

from atesaki.link import client

from .conftest import EXTENSION_ID, EXTENSION_ORIGIN
from .helpers import Dialog, pairs, real_service, still_nothing_sent, wait_sent

pytest_plugins = ["servers.postgres", "servers.central"]
pytestmark = [pytest.mark.browser, pytest.mark.servers]

SEND = ".T-I.aoO"
OUTSIDER = {"name": "佐藤 健二", "address": "k.sato@example.com"}
APPROVALS_PAGE = f"chrome-extension://{EXTENSION_ID}/popup/approvals.html"


@pytest.fixture
def desks(central_factory, service_factory, tmp_path):
    """(instance A, instance B, the sender's PC service, the checker's PC service)."""
    first, second = central_factory(), central_factory()
    sender = real_service(service_factory, tmp_path, EXTENSION_ORIGIN)
    checker = real_service(service_factory, tmp_path, EXTENSION_ORIGIN)
    for pc, instance, name, email in ((sender, first, "田中 一郎", "tanaka@agency.go.jp"),
                                      (checker, second, "鈴木 花子", "suzuki@agency.go.jp")):
        client.join(pc.data_dir, instance.url, instance.enrol(name, "--email", email),
                    instance.certificate.cert)
    return first, second, sender, checker


@pytest.fixture
def at_sender(browser, desks, fixture_server):
    """The browser paired with the sender's service."""
    _first, _second, sender, _checker = desks
    browser.configure(serverUrl=sender.url, token=sender.token, webmailHosts=[fixture_server])
    yield browser
    browser.close_pages()


def open_dialog(browser) -> tuple:
    page = browser.open("gmail")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER], "subject": "学校見学会のご案内"})
    page.click(SEND)
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    dialog.hook("remote").wait_for(state="visible")
    return page, dialog


def waiting_request(checker) -> dict:
    """The one request waiting at the checker's desk (asked just before)."""
    status, _, inbox = checker.request("GET", "/v1/remote-approvals/inbox?after=0&wait=10",
                                       timeout=20)
    assert status == 200, inbox
    [request] = inbox["requests"]
    return request


def worker_until(browser, script: str, timeout: float, arg=None):
    """Evaluate ``script`` in the extension's worker until it gives something true (or time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        value = browser.worker.evaluate(script, arg)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def remote_state(dialog) -> str | None:
    return dialog.hook("remote-status").get_attribute("data-state")


def wait_state(dialog, state: str, timeout: float = 10.0) -> None:
    dialog.page.wait_for_function(
        """(want) => { const root = document.querySelector('[data-atesaki=dialog]')?.shadowRoot;
            const status = root && root.querySelector('[data-atesaki="remote-status"]');
            return status && status.dataset.state === want; }""",
        arg=state, timeout=timeout * 1000)


def test_the_dialog_asks_a_checker_and_sends_once_they_approve(at_sender, desks):
    _first, _second, sender, checker = desks
    page, dialog = open_dialog(at_sender)
    assert not dialog.send_enabled(), "an approve verdict waits for a checker"
    picker = dialog.hook("remote-checker")
    assert picker.locator("option").all_inner_texts()[1:] == ["鈴木 花子"]
    picker.select_option(label="鈴木 花子")
    dialog.hook("ask-checker").click()
    wait_state(dialog, "waiting")
    assert "鈴木 花子" in dialog.hook("remote-status").inner_text()
    request = waiting_request(checker)
    assert request["subject"] == "学校見学会のご案内"
    assert [(r["field"], r["address"]) for r in request["recipients"]] == [
        ("to", "k.sato@example.com")]
    assert not dialog.send_enabled()
    assert still_nothing_sent(page)

    status, _, done = checker.request(
        "POST", f"/v1/remote-approvals/{request['id']}/decision",
        {"decision": "approve", "note": "確認しました"})
    assert status == 200, done
    wait_state(dialog, "approved")
    assert "確認しました" in dialog.hook("remote-note").inner_text()
    assert dialog.send_enabled()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("to", "k.sato@example.com")]
    # The sender's service recorded the send with the release token from the other desk.
    exported = sender.cli("audit", "export", "--format", "jsonl").stdout
    assert '"event":"approval_used"' in exported.replace(" ", "")
    assert '"event":"send"' in exported.replace(" ", "")


def test_a_refusal_shows_the_checkers_note_and_nothing_is_sent(at_sender, desks):
    _first, _second, _sender, checker = desks
    page, dialog = open_dialog(at_sender)
    dialog.hook("remote-checker").select_option(label="鈴木 花子")
    dialog.hook("ask-checker").click()
    wait_state(dialog, "waiting")
    request = waiting_request(checker)
    checker.request("POST", f"/v1/remote-approvals/{request['id']}/decision",
                    {"decision": "refuse", "note": "佐藤さん違いではありませんか"})
    wait_state(dialog, "refused")
    assert "佐藤さん違いではありませんか" in dialog.hook("remote-note").inner_text()
    assert not dialog.send_enabled()
    assert still_nothing_sent(page)
    # The user may ask again (another checker, or the same after fixing the recipients).
    assert not dialog.hook("remote-checker").is_disabled()


def test_the_central_service_down_is_said_in_the_dialog_and_codes_still_work(at_sender, desks):
    first, second, sender, _checker = desks
    first.stop()
    second.stop()
    page, dialog = open_dialog(at_sender)
    error = dialog.hook("remote-error")
    error.wait_for(state="visible")
    assert "central service" in error.inner_text()
    assert dialog.hook("code").is_visible()
    assert dialog.hook("checker").is_visible()


def test_the_checkers_browser_shows_a_badge_and_approves_on_its_page(browser, desks,
                                                                     fixture_server):
    _first, _second, sender, checker = desks
    browser.configure(serverUrl=checker.url, token=checker.token, webmailHosts=[fixture_server])
    try:
        status, _, check = sender.request("POST", "/v1/check", {
            "sender": "tanaka@agency.go.jp", "kind": "new", "subject": "見積書の送付",
            "recipients": [{"field": "to", **OUTSIDER}], "body": "秘密の本文"})
        assert check["verdict"] == "approve"
        status, _, asked = sender.request("POST", "/v1/remote-approvals", {
            "check_id": check["check_id"], "checker": "鈴木 花子", "subject": "見積書の送付"})
        assert status == 201, asked
        assert worker_until(browser, "async () => await chrome.action.getBadgeText({}) === '1'", 30), \
            "the worker's inbox did not show the request on the badge"
        notes = browser.worker.evaluate("() => chrome.notifications.getAll()")
        assert f"atesaki-request:{asked['request_id']}" in notes

        popup = browser.context.new_page()
        popup.goto(f"chrome-extension://{EXTENSION_ID}/popup/popup.html")
        count = popup.locator('[data-atesaki="inbox-count"]')
        count.wait_for(state="visible", timeout=10_000)
        assert "1" in count.inner_text()
        popup.close()

        page = browser.context.new_page()
        page.goto(APPROVALS_PAGE)
        item = page.locator(f'[data-atesaki="request"][data-request-id="{asked["request_id"]}"]')
        item.wait_for(state="visible", timeout=10_000)
        text = item.inner_text()
        assert "見積書の送付" in text and "k.sato@example.com" in text and "田中 一郎" in text
        assert item.locator('[data-atesaki="request-finding"][data-code="first_time"]').count() == 1
        assert "秘密の本文" not in page.content()
        item.locator('[data-atesaki="request-note"]').fill("宛先を確かめました")
        item.locator('[data-atesaki="request-approve"]').click()
        page.wait_for_function(
            "id => document.querySelector(`[data-request-id=\"${id}\"]`).dataset.state === 'approved'",
            arg=asked["request_id"], timeout=10_000)
        status, _, state = sender.request(
            "GET", f"/v1/remote-approvals/{asked['request_id']}?wait=0")
        assert (state["status"], state["note"]) == ("approved", "宛先を確かめました")
        assert worker_until(browser, "async () => await chrome.action.getBadgeText({}) === ''", 10), \
            "the badge still counts a decided request"
    finally:
        browser.close_pages()


def test_another_service_starts_the_inbox_cursor_again(browser, desks, fixture_server):
    """The cursor kept from the last service would hide the next one's requests from notice."""
    _first, _second, sender, checker = desks
    browser.configure(serverUrl=sender.url, token=sender.token, webmailHosts=[fixture_server])
    try:
        assert worker_until(browser, "async () => (await chrome.storage.local.get('inboxCursor'))"
                                     ".inboxCursor !== undefined", 10), "the inbox never looked"
        # The last central service had counted far past where the next one starts.
        browser.worker.evaluate("() => chrome.storage.local.set({ inboxCursor: 100000 })")
        browser.worker.evaluate("(s) => chrome.storage.local.set(s)",
                                {"serverUrl": checker.url, "token": checker.token})
        status, _, check = sender.request("POST", "/v1/check", {
            "sender": "tanaka@agency.go.jp", "kind": "new", "subject": "会議室の予約",
            "recipients": [{"field": "to", **OUTSIDER}], "body": "本文"})
        status, _, asked = sender.request("POST", "/v1/remote-approvals", {
            "check_id": check["check_id"], "checker": "鈴木 花子", "subject": "会議室の予約"})
        assert status == 201, asked
        assert worker_until(browser, "async (id) => id in await chrome.notifications.getAll()", 30,
                            f"atesaki-request:{asked['request_id']}"), \
            "the checker was not notified of the new request"
    finally:
        browser.close_pages()


def test_a_service_answering_waiting_at_once_is_not_polled_in_a_busy_loop(paired, stub):
    """A service that answers ``waiting`` without waiting gets a poll a second, not a flood."""
    stub.on("POST", "/v1/check",
            lambda body: (200, {**stub.default_check(body)[1], "verdict": "approve"}))
    stub.on("GET", "/v1/remote-approvals/checkers", lambda body: (200, {
        "ok": True, "joined": True, "checkers": [{"id": "pc_2", "name": "鈴木 花子"}]}))
    stub.on("POST", "/v1/remote-approvals", lambda body: (201, {
        "ok": True, "request_id": "ar_1", "checker": {"id": "pc_2", "name": "鈴木 花子"}}))
    stub.on("GET", "/v1/remote-approvals/ar_1", lambda body: (200, {"ok": True, "status": "waiting"}))
    _page, dialog = open_dialog(paired)
    dialog.hook("remote-checker").select_option(label="鈴木 花子")
    dialog.hook("ask-checker").click()
    wait_state(dialog, "waiting")
    def asked() -> int:
        return sum(r["path"].startswith("/v1/remote-approvals/ar_1?") for r in stub.requests)

    started = asked()
    time.sleep(3)
    polls = asked() - started
    # At most one a second (4 allows for where the 3 s fall); a busy loop makes hundreds.
    assert 1 <= polls <= 4, f"{polls} polls in 3 s"
