"""Zero set-up pairing: the worker says hello to the native host at start-up and when the service stops answering."""

from __future__ import annotations

import json
import stat
import sys

import pytest

from .conftest import EXTENSION_ORIGIN, Browser, launch
from .helpers import Dialog, wait_sent

pytestmark = pytest.mark.browser

HOST_SCRIPT = """#!{python}
import json, struct, sys
with open({log!r}, "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
length = struct.unpack("<I", sys.stdin.buffer.read(4))[0]
message = json.loads(sys.stdin.buffer.read(length))
answer = {{"serverUrl": {url!r}, "token": {token!r}}} if message.get("type") == "hello" else {{}}
data = json.dumps(answer).encode()
sys.stdout.buffer.write(struct.pack("<I", len(data)) + data)
sys.stdout.buffer.flush()
"""


def install_host(profile, tmp_path, url: str, token: str):
    """A stand-in `jp.atesaki.host` in this profile's NativeMessagingHosts/; returns its call log."""
    log = tmp_path / "host-calls.log"
    script = tmp_path / "host.py"
    script.write_text(HOST_SCRIPT.format(python=sys.executable, log=str(log), url=url, token=token))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    hosts = profile / "NativeMessagingHosts"
    hosts.mkdir(parents=True)
    manifest = {
        "name": "jp.atesaki.host",
        "description": "test host",
        "path": str(script),
        "type": "stdio",
        "allowed_origins": [f"{EXTENSION_ORIGIN}/"],
    }
    (hosts / "jp.atesaki.host.json").write_text(json.dumps(manifest))
    return log


def wait_for_token(worker, token: str) -> None:
    """Wait until the extension has stored this token."""
    worker.evaluate(
        """async (token) => {
            for (let i = 0; i < 100; i++) {
                if ((await chrome.storage.local.get('token')).token === token) return;
                await new Promise((r) => setTimeout(r, 50));
            }
            throw new Error('the token never arrived');
        }""",
        token,
    )


def test_a_fresh_browser_pairs_itself_through_the_native_host(
    playwright_session, fixture_server, stub, tmp_path
):
    profile = tmp_path / "profile"
    log = install_host(profile, tmp_path, stub.url, stub.token)
    context, worker = launch(playwright_session, profile)
    try:
        wait_for_token(worker, stub.token)
        stored = worker.evaluate("chrome.storage.local.get(['serverUrl', 'pairedBy'])")
        assert stored == {"serverUrl": stub.url, "pairedBy": "native"}
        # The browser passes the caller's origin to the host.
        assert json.loads(log.read_text().splitlines()[0])[0] == f"{EXTENSION_ORIGIN}/"
        page = Browser(context, worker, fixture_server).open("gmail")
        page.evaluate("__fixture.compose({to: [{name: '', address: 'kacho@agency.go.jp'}]})")
        page.click(".T-I.aoO")
        wait_sent(page)
        assert len(stub.calls("/v1/check")) == 1
    finally:
        context.close()


def test_a_refused_token_makes_the_extension_ask_again_and_retry_works(
    playwright_session, fixture_server, stub, tmp_path
):
    profile = tmp_path / "profile"
    log = install_host(profile, tmp_path, stub.url, stub.token)
    context, worker = launch(playwright_session, profile)
    try:
        wait_for_token(worker, stub.token)
        browser = Browser(context, worker, fixture_server)
        browser.worker.evaluate("chrome.storage.local.set({token: 'stale'})")
        page = browser.open("gmail")
        page.evaluate("__fixture.compose({to: [{name: '', address: 'k.sato@example.com'}]})")
        page.click(".T-I.aoO")
        dialog = Dialog(page).wait_error()
        assert dialog.hook("error").get_attribute("data-error") == "unauthorized"
        assert page.evaluate("window.__sent") == []
        wait_for_token(worker, stub.token)
        assert len(log.read_text().splitlines()) >= 2, "a second hello after the refusal"
        dialog.hook("retry").click()
        dialog.wait_rows()
        dialog.tick_all()
        dialog.hook("send").click()
        wait_sent(page)
    finally:
        context.close()


def test_a_send_right_after_start_up_does_not_wait_for_the_policy_service(
    playwright_session, fixture_server, stub, tmp_path
):
    # Chromium answers managed storage only ~5 s after start-up; the first check must not wait.
    context, worker = launch(playwright_session, tmp_path / "profile")
    try:
        browser = Browser(context, worker, fixture_server)
        worker.evaluate(
            "s => chrome.storage.local.set(s)", {"serverUrl": stub.url, "token": stub.token}
        )
        page = browser.open("gmail")
        page.evaluate("__fixture.compose({to: [{name: '', address: 'k.sato@example.com'}]})")
        page.click(".T-I.aoO")
        Dialog(page).wait_rows(timeout=1.0)
    finally:
        context.close()
