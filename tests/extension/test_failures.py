"""A misbehaving service ends every Send in the dialog's error state: the cause, what to do, nothing sent."""

from __future__ import annotations

import json

import pytest

from .helpers import Dialog, api_error, misbehaving, still_nothing_sent

pytestmark = pytest.mark.browser

OUTSIDER = {"name": "佐藤 健二", "address": "k.sato@example.com"}


SERVICES = {
    "500-plain": (500, b"Internal Server Error", "text/plain"),
    "500-api-shape": (
        500,
        api_error(500, "internal_error", "database disk image is malformed"),
        "application/json",
    ),
    "403-bad-origin": (
        403,
        api_error(403, "bad_origin", "Requests from this origin are not allowed."),
        "application/json",
    ),
    "200-not-json": (200, b"<html><body>Welcome to nginx!</body></html>", "text/html"),
    "200-wrong-shape": (200, json.dumps({"status": "ok"}).encode(), "application/json"),
}

# What the error names for each service, and the words that show it (English UI).
CAUSES = {
    "500-plain": ("server_error", ["internal error", "HTTP 500"]),
    "500-api-shape": ("server_error", ["internal error", "HTTP 500", "database disk image is malformed"]),
    "403-bad-origin": ("bad_origin", ["not paired"]),
    "200-not-json": ("bad_response", ["cannot be read", "text/html"]),
    "200-wrong-shape": ("bad_response", ["cannot be read", "unexpected content"]),
}


@pytest.mark.parametrize("service", list(SERVICES))
@pytest.mark.parametrize("webmail", ["gmail", "roundcube"])
def test_a_misbehaving_service_shows_the_cause_and_atesaki_doctor_and_sends_nothing(
    browser, fixture_server, service, webmail
):
    code, words = CAUSES[service]
    with misbehaving(*SERVICES[service]) as (url, seen):
        browser.configure(serverUrl=url, token="stub-token", webmailHosts=[fixture_server])
        try:
            page = browser.open(webmail)
            page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER], "subject": "見学会"})
            page.click({"gmail": ".T-I.aoO", "roundcube": "a.send"}[webmail])
            dialog = Dialog(page).wait_error()
            error = dialog.hook("error")
            assert error.get_attribute("data-error") == code
            text = error.inner_text()
            for word in words:
                assert word in text
            assert "atesaki doctor" in text
            if code == "bad_origin":
                assert "atesaki native-host install" in text
                assert "atesaki pair --origin chrome-extension://" in text
            assert "POST /v1/check" in seen, "the failure came from the service, not from the extension"
            assert dialog.hook("send").is_disabled()
            assert still_nothing_sent(page)

            dialog.hook("cancel").click()
            dialog.wait_closed()
            assert page.evaluate("window.__sent") == []
            # A second try meets the same service: the error again, never a pass.
            page.click({"gmail": ".T-I.aoO", "roundcube": "a.send"}[webmail])
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
        browser.configure(serverUrl=url, token="stub-token", webmailHosts=[fixture_server])
        try:
            page = browser.open("roundcube")
            page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER]})
            page.click("a.send")
            dialog = Dialog(page).wait_error()
            error = dialog.hook("error")
            # Not "service down": the service answered, the browser refused the answer.
            assert error.get_attribute("data-error") == "refused"
            text = error.inner_text()
            assert "CORS" in text
            assert "atesaki native-host install" in text
            assert "atesaki doctor" in text
            assert "POST /v1/check" in seen
            assert still_nothing_sent(page)
            dialog.hook("cancel").click()
            dialog.wait_closed()
            assert page.evaluate("window.__sent") == []
        finally:
            browser.close_pages()
