"""Zero set-up in real Chromium: the extension starts and pairs the service through the native host.

Each test gets a fresh profile with the host manifest installed into it
(``atesaki native-host install --profile``), a fresh data folder, a free port,
and no service running. Services the host starts are stopped by the PID it
recorded.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from extension.conftest import EXTENSION_ID, Browser, launch
from extension.helpers import Dialog, pairs, still_nothing_sent, wait_sent

from atesaki.cli import main
from atesaki.nativehost.host import PID_NAME, service_state
from tests.conftest import free_port, write_config

pytestmark = pytest.mark.browser

SEND = ".T-I.aoO"  # the Gmail fixture's Send button
OTHER_ID = "abcdefghijklmnopabcdefghijklmnop"
COLLEAGUE = {"name": "", "address": "m-sato@agency.go.jp"}


@pytest.fixture(scope="module")
def driver(playwright_session):
    """The run's one Playwright driver."""
    return playwright_session


@dataclass
class ZeroSetup:
    """A browser whose profile knows the host, and the data folder the host will serve."""

    data_dir: Path
    port: int
    browser: Browser

    @property
    def url(self) -> str:
        """Where the service will answer."""
        return f"http://127.0.0.1:{self.port}"

    def storage(self) -> dict:
        """The extension's local storage."""
        return self.browser.worker.evaluate(
            "() => chrome.storage.local.get(['serverUrl', 'token', 'pairedBy'])")

    def wait_paired(self, timeout: float = 25) -> dict:
        """Wait until the extension stored a token from the host."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stored = self.storage()
            if stored.get("token"):
                return stored
            time.sleep(0.2)
        raise AssertionError(f"not paired after {timeout} s: {self.storage()}; host log: "
                             f"{self.log('native-host.log')}")

    def wait_service(self, timeout: float = 25) -> None:
        """Wait until our service answers on the port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if service_state(self.port, timeout=0.5) == "ours":
                return
            time.sleep(0.2)
        raise AssertionError(f"no service after {timeout} s; {self.log('serve-output.log')}")

    def log(self, name: str) -> str:
        """One of the data folder's log files, or "" when missing."""
        path = self.data_dir / name
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def kill_service(self) -> None:
        """Stop the service the host started (by the PID it recorded)."""
        pid_file = self.data_dir / PID_NAME
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text())
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, 9)


@pytest.fixture
def zero_setup(driver, tmp_path, request):
    """Install the host into a fresh profile for ``extension_id`` (default: ours), launch Chromium."""
    extension_id = getattr(request, "param", EXTENSION_ID)
    data_dir = tmp_path / "data"
    write_config(data_dir, {"internal_domains": ["agency.go.jp"]})
    port = free_port()
    profile = tmp_path / "profile"
    done = CliRunner().invoke(main, [
        "--data-dir", str(data_dir), "native-host", "install", "--profile", str(profile),
        "--extension-id", extension_id, "--port", str(port)])
    assert done.exit_code == 0, done.output
    assert service_state(port) == "down"  # nothing runs until the extension asks
    context, worker = launch(driver, profile)
    setup = ZeroSetup(data_dir, port, Browser(context, worker, ""))
    yield setup
    context.close()
    setup.kill_service()


def compose_and_send(page, to: dict) -> None:
    page.evaluate("m => __fixture.compose(m)", {"to": [to], "subject": "Re: 会議"})
    page.click(SEND)


def test_loading_the_extension_starts_and_pairs_the_service_with_no_user_action(zero_setup):
    stored = zero_setup.wait_paired()
    assert stored["serverUrl"] == zero_setup.url
    assert stored["token"] == (zero_setup.data_dir / "token").read_text().strip()
    assert stored["pairedBy"] == "native"
    config = (zero_setup.data_dir / "config.toml").read_text(encoding="utf-8")
    assert f"chrome-extension://{EXTENSION_ID}" in config
    assert 'internal_domains = ["agency.go.jp"]' in config  # the rest of the file is kept

    page = zero_setup.browser.open("gmail")
    compose_and_send(page, COLLEAGUE)
    (message,) = wait_sent(page, timeout=10)
    assert pairs(message["recipients"]) == [("to", "m-sato@agency.go.jp")]
    # A real check ran and the send entered the service's history.
    page.wait_for_timeout(300)
    stored = zero_setup.storage()
    request = urllib.request.Request(
        f"{zero_setup.url}/v1/check", method="POST",
        data=json.dumps({"recipients": [{"field": "to", **COLLEAGUE}]}).encode(),
        headers={"Content-Type": "application/json", "X-Atesaki-Token": stored["token"]})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["recipients"][0]["sent_count"] == 1
    assert stored["token"] not in zero_setup.log("atesaki.log")
    assert stored["token"] not in zero_setup.log("native-host.log")


@pytest.mark.parametrize("zero_setup", [OTHER_ID], indirect=True, ids=["another extension ID"])
def test_an_extension_not_in_the_manifest_gets_nothing_and_cannot_send(zero_setup):
    page = zero_setup.browser.open("gmail")
    compose_and_send(page, COLLEAGUE)
    dialog = Dialog(page).wait_error(timeout=10)
    assert dialog.hook("error").get_attribute("data-error") == "not_paired"
    assert still_nothing_sent(page)
    last = zero_setup.browser.worker.evaluate("() => AtesakiNative.last()")
    assert last is not None and last["ok"] is False
    assert not zero_setup.storage().get("token")
    assert service_state(zero_setup.port) == "down"
    assert not (zero_setup.data_dir / "config.toml").read_text().count("chrome-extension://")


def test_a_killed_service_fails_closed_and_the_next_hello_brings_it_back(zero_setup):
    zero_setup.wait_paired()
    zero_setup.wait_service()
    first_pid = (zero_setup.data_dir / PID_NAME).read_text()
    zero_setup.kill_service()
    assert service_state(zero_setup.port) == "down"

    page = zero_setup.browser.open("gmail")
    compose_and_send(page, COLLEAGUE)
    dialog = Dialog(page).wait_error(timeout=10)
    assert dialog.hook("error").get_attribute("data-error") == "service_down"
    assert still_nothing_sent(page)

    # The failed call made the extension say hello again: the host started a new service.
    zero_setup.wait_service()
    assert (zero_setup.data_dir / PID_NAME).read_text() != first_pid
    dialog.hook("retry").click()
    (message,) = wait_sent(page, timeout=10)
    assert pairs(message["recipients"]) == [("to", "m-sato@agency.go.jp")]
