"""A misbehaving service ends every Send in the dialog's error state: the cause, what to do, nothing sent."""

from __future__ import annotations

import json

import pytest

from .helpers import Dialog, api_error, misbehaving, still_nothing_sent

pytestmark = pytest.mark.browser

OUTSIDER = {"name": "佐藤 健二", "address": "k.sato@example.com"}
SEND = {"gmail": ".T-I.aoO", "roundcube": "a.send"}
DOCTOR = "atesaki doctor"
PAIRING = ["atesaki native-host install", "atesaki pair --origin chrome-extension://", DOCTOR]

# Each misbehaving service: its one answer to everything, the error code the dialog names,
# and the words (English UI) that must be in the error, cause and what to do.
SERVICES = {
    "500-plain": (
        (500, b"Internal Server Error", "text/plain"),
        "server_error",
        ["internal error", "HTTP 500", DOCTOR],
    ),
    "500-api-shape": (
        (500, api_error(500, "internal_error", "database disk image is malformed"), "application/json"),
        "server_error",
        ["internal error", "HTTP 500", "database disk image is malformed", DOCTOR],
    ),
    "403-bad-origin": (
        (403, api_error(403, "bad_origin", "Requests from this origin are not allowed."), "application/json"),
        "bad_origin",
        ["not paired", *PAIRING],
    ),
    "200-not-json": (
        (200, b"<html><body>Welcome to nginx!</body></html>", "text/html"),
        "bad_response",
        ["cannot be read", "text/html", DOCTOR],
    ),
    "200-wrong-shape": (
        (200, json.dumps({"status": "ok"}).encode(), "application/json"),
        "bad_response",
        ["cannot be read", "unexpected content", DOCTOR],
    ),
}


def send_and_fail_closed(browser, fixture_server, url: str, webmail: str, code: str, words: list[str]):
    """Press Send against the service at `url`: the error names `code` with `words`, nothing goes, Cancel closes."""
    browser.configure(serverUrl=url, token="stub-token", webmailHosts=[fixture_server])
    page = browser.open(webmail)
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER], "subject": "見学会"})
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_error()
    error = dialog.hook("error")
    assert error.get_attribute("data-error") == code
    text = error.inner_text()
    for word in words:
        assert word in text
    assert dialog.hook("send").is_disabled()
    assert still_nothing_sent(page)
    dialog.hook("cancel").click()
    dialog.wait_closed()
    assert page.evaluate("window.__sent") == []
    return page


@pytest.mark.parametrize("service", list(SERVICES))
@pytest.mark.parametrize("webmail", ["gmail", "roundcube"])
def test_a_misbehaving_service_shows_the_cause_and_what_to_do_and_sends_nothing(
    browser, fixture_server, service, webmail
):
    answer, code, words = SERVICES[service]
    with misbehaving(*answer) as (url, seen):
        try:
            page = send_and_fail_closed(browser, fixture_server, url, webmail, code, words)
            assert "POST /v1/check" in seen, "the failure came from the service, not from the extension"
            # A second try meets the same service: the error again, never a pass.
            page.click(SEND[webmail])
            Dialog(page).wait_error()
            assert still_nothing_sent(page)
        finally:
            browser.close_pages()


def test_an_answer_the_browser_refuses_by_cors_is_named_and_offers_pairing(browser, fixture_server):
    # 127.0.0.2 is loopback but outside the manifest's host permissions, so CORS applies, as for a
    # service the extension may not call; the service refuses the origin with no CORS headers,
    # and Chromium hands the extension a network error, not the 403.
    body = api_error(403, "bad_origin", "Requests from this origin are not allowed.")
    with misbehaving(403, body, "application/json", host="127.0.0.2") as (url, seen):
        try:
            # Not "service down": the service answered, the browser refused the answer.
            send_and_fail_closed(browser, fixture_server, url, "roundcube", "refused", ["CORS", *PAIRING])
            assert "POST /v1/check" in seen
        finally:
            browser.close_pages()


def test_a_request_dropped_without_an_answer_is_not_called_service_down(browser, fixture_server):
    health = json.dumps({"ok": True}).encode()
    with misbehaving(200, health, "application/json", drop_posts=True) as (url, seen):
        try:
            words = ["closed the connection without answering", DOCTOR]
            send_and_fail_closed(browser, fixture_server, url, "gmail", "no_answer", words)
            assert "POST /v1/check" in seen
        finally:
            browser.close_pages()
