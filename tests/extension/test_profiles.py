"""Site profiles on fixture pages: a webmail read from data alone, a broken profile blocking, the options page.

The real proof is SOGo (tests/e2e/test_sogo_profile.py); these run without it, in seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import EXTENSION_DIR, EXTENSION_ORIGIN
from .helpers import Dialog, pairs, still_nothing_sent, wait_sent

pytestmark = pytest.mark.browser

ROUNDCUBE = json.loads(
    (EXTENSION_DIR / "content" / "profiles" / "roundcube.json").read_text(encoding="utf-8")
)
SOGO = json.loads(
    (Path(EXTENSION_DIR).parent / "docs" / "profiles" / "sogo.json").read_text(encoding="utf-8")
)
OUTSIDER = {"name": "佐藤 健二", "address": "k.sato@example.com"}


def site_profile(origin: str, **changes) -> dict:
    """The Roundcube profile as an administrator's site profile for `origin` (an in-house webmail)."""
    profile = json.loads(json.dumps(ROUNDCUBE))
    profile.update(id="intranet", name="Intranet mail", hosts=[origin], **changes)
    return profile


@pytest.fixture
def with_profiles(browser, stub):
    """Configure the browser with these site profiles (no webmailHosts): `configure([profile, …])`."""

    def configure(profiles: list[dict]) -> None:
        browser.configure(serverUrl=stub.url, token=stub.token, siteProfiles=profiles)

    yield configure
    browser.close_pages()


def test_a_site_profile_alone_makes_a_webmail_checked(browser, with_profiles, stub, fixture_server):
    with_profiles([site_profile(fixture_server)])
    page = browser.open("roundcube")
    expect(page.locator("html")).to_have_attribute("data-atesaki-profile", "intranet")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER], "subject": "見学会"})
    page.click("a.send")
    dialog = Dialog(page).wait_rows()
    assert stub.calls("/v1/check")[0]["recipients"] == [{"field": "to", **OUTSIDER}]
    dialog.tick_all()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("to", OUTSIDER["address"])]


def test_a_profile_for_another_port_leaves_this_page_alone(
    browser, with_profiles, stub, fixture_server
):
    other = fixture_server.rsplit(":", 1)[0] + ":1"
    with_profiles([site_profile(other)])
    page = browser.context.new_page()
    page.goto(f"{fixture_server}/roundcube.html")
    # The content script runs on every loopback page (one pattern), but no profile claims this one.
    expect(page.locator("html")).to_have_attribute("data-atesaki", "ready")
    page.wait_for_timeout(300)
    assert page.locator("html").get_attribute("data-atesaki-profile") is None
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER], "subject": "見学会"})
    page.click("a.send")
    wait_sent(page)
    assert stub.calls("/v1/check") == []
    assert not Dialog(page).is_open()


def test_a_broken_site_profile_blocks_every_send_and_names_the_fault(
    browser, with_profiles, stub, fixture_server
):
    broken = site_profile(fixture_server)
    broken["sned"] = broken.pop("send")
    with_profiles([broken])
    page = browser.open("roundcube")
    expect(page.locator("html")).to_have_attribute("data-atesaki-profile", "broken")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER], "subject": "見学会"})
    page.click("a.send")
    error = Dialog(page).wait_error().hook("error")
    assert "intranet" in error.inner_text() and "sned" in error.inner_text()
    assert stub.calls("/v1/check") == []
    assert still_nothing_sent(page)


def open_options(browser):
    """The options page, as the user opens it."""
    page = browser.context.new_page()
    page.goto(f"{EXTENSION_ORIGIN}/options/options.html")
    return page


@pytest.mark.parametrize(
    ("text", "path", "code"),
    [
        ('{"id": "x",', "", "json"),
        (json.dumps({**SOGO, "sned": SOGO["send"]}), "sned", "unknown"),
        (json.dumps({**SOGO, "hosts": ["mail.example.jp"]}), "hosts[0]", "host"),
        (
            json.dumps([SOGO, {**SOGO, "compose": {"root": "#mailEditor >"}}]),
            "[1].compose.root",
            "selector",
        ),
    ],
    ids=["not-json", "unknown-key", "bad-host", "bad-selector-in-a-list"],
)
def test_the_options_page_refuses_a_faulty_profile_naming_where(
    browser, with_profiles, text, path, code
):
    with_profiles([])
    page = open_options(browser)
    page.fill("#profiles", text)
    page.click("#save-profiles")
    problem = page.locator(f'#profile-errors li[data-code="{code}"]')
    expect(problem).to_have_attribute("data-path", path)
    expect(problem).not_to_be_empty()
    expect(page.locator("#profiles-saved")).to_be_hidden()
    assert browser.worker.evaluate("chrome.storage.local.get('siteProfiles')") == {
        "siteProfiles": []
    }


def test_a_profile_saved_on_the_options_page_is_stored_and_registered(
    browser, with_profiles, fixture_server
):
    with_profiles([])
    page = open_options(browser)
    profile = site_profile(fixture_server)
    page.fill("#profiles", json.dumps(profile, ensure_ascii=False))
    page.click("#save-profiles")
    expect(page.locator("#profiles-saved")).to_be_visible()
    assert browser.worker.evaluate("chrome.storage.local.get('siteProfiles')") == {
        "siteProfiles": [profile]
    }
    patterns = browser.worker.evaluate(
        "async () => (await chrome.scripting.getRegisteredContentScripts()).flatMap(s => s.matches)"
    )
    assert patterns == ["http://127.0.0.1/*"]
    # Reopened, the page shows what is stored, ready to edit.
    assert json.loads(open_options(browser).locator("#profiles").input_value()) == [profile]
