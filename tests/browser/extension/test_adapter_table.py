"""In real Chromium, each adapter runs where extension/adapters.json says, with the scripts it lists."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .conftest import EXTENSION_DIR, Browser, launch, serve_fixture
from .helpers import Dialog

pytestmark = pytest.mark.browser

NEW_HOST = "https://mail.example.test"  # added to Gmail's entry in the edited copy
OTHER_HOST = "https://mail.other.test"  # in no entry
MARKER = "content/table-marker.js"  # added to the run-time adapter's scripts in the edited copy


def table(folder: Path) -> dict:
    """The adapter table of an extension folder."""
    return json.loads((folder / "adapters.json").read_text(encoding="utf-8"))


def registered(browser) -> list[dict]:
    """The content scripts the worker has registered with chrome.scripting."""
    return browser.worker.evaluate("chrome.scripting.getRegisteredContentScripts()")


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> Path:
    """A copy of the extension: a host added to Gmail's entry, a script to the run-time entry, manifests rebuilt."""
    folder = Path(shutil.copytree(EXTENSION_DIR, tmp_path_factory.mktemp("edited") / "extension"))
    data = table(folder)
    gmail, *_ = data["adapters"]
    gmail["matches"].append(f"{NEW_HOST}/*")
    runtime = next(a for a in data["adapters"] if "matches" not in a)
    runtime["js"].insert(-1, MARKER)
    (folder / MARKER).write_text(
        "document.documentElement.setAttribute('data-table-marker', 'profile');\n", encoding="utf-8")
    (folder / "adapters.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_manifests.py"), "--extension", str(folder)],
                   check=True, capture_output=True, timeout=60)
    return folder


@pytest.fixture(scope="module")
def browser(playwright_session, fixture_server, tmp_path_factory, edited):
    """This module's browser: Chromium with the edited copy (the `paired` fixture pairs it)."""
    context, worker = launch(playwright_session, tmp_path_factory.mktemp("profile-edited"), extension=edited)
    for host in (NEW_HOST, OTHER_HOST):
        serve_fixture(context, host, "gmail.html")
    yield Browser(context, worker, fixture_server)
    context.close()


def test_the_registered_adapter_is_the_tables_run_time_entry(paired, fixture_server, edited):
    (entry,) = [a for a in table(edited)["adapters"] if "matches" not in a]
    (script,) = registered(paired)
    assert script["js"] == entry["js"]
    assert MARKER in script["js"]
    assert script["runAt"] == entry["run_at"]
    assert script["allFrames"] == entry["all_frames"]
    assert script["matches"] == [f"{fixture_server}/*"]  # the webmailHosts setting: the fixture host
    page = paired.open("roundcube")
    assert page.evaluate("document.documentElement.getAttribute('data-table-marker')") == "profile"


def test_a_host_added_to_the_table_gets_the_adapter_and_checks_sends(paired, stub):
    page = paired.context.new_page()
    page.goto(f"{NEW_HOST}/mail/u/0/")
    page.wait_for_selector('html[data-atesaki="ready"]', state="attached", timeout=5000)
    page.evaluate("__fixture.compose({to: [{name: '', address: 'k.sato@example.com'}], subject: '日程'})")
    page.click(".T-I.aoO")
    Dialog(page).wait_rows()
    (request,) = stub.calls("/v1/check")
    assert [r["address"] for r in request["recipients"]] == ["k.sato@example.com"]


def test_a_host_in_no_entry_gets_nothing(paired):
    page = paired.context.new_page()
    page.goto(f"{OTHER_HOST}/mail/u/0/")
    # goto waits for the load event; an injected core marks the page at document_start.
    assert page.evaluate("typeof window.__fixture") == "object"
    assert page.evaluate("document.documentElement.getAttribute('data-atesaki')") is None
