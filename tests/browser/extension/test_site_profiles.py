"""A webmail nobody wrote an adapter for, covered by an administrator's site profile alone.

Fixture pages, in seconds: an in-house webmail, the Roundcube page under a site profile, a
broken profile blocking, the options page. The proof on a real webmail is SOGo
(tests/browser/e2e/test_sogo_profile.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import EXTENSION_DIR, EXTENSION_ORIGIN
from .helpers import Dialog, check_answer, homonym, pairs, still_nothing_sent, wait_sent

pytestmark = pytest.mark.browser

# What an administrator writes for the in-house webmail (docs/site-profiles.md, example 3).
PLAINMAIL = {
    "id": "plainmail",
    "name": "庁内メール",
    "compose": {"root": "#mailform"},
    "recipients": {
        "to": {"text": "input[name=to]"},
        "cc": {"text": "input[name=cc]"},
        "bcc": {"text": "input[name=bcc]"},
    },
    "send": {"buttons": "#send-btn", "shortcuts": ["Ctrl+Enter"]},
    "subject": "input[name=subject]",
    "body": {"text": "textarea[name=body]"},
    "attachments": {"item": "#files li"},
    "from": "#from",
}


@pytest.fixture
def profiled(browser, stub, fixture_server):
    """The browser paired with the stub; the fixture host listed, the profile in storage."""
    profile = {**PLAINMAIL, "hosts": [f"{fixture_server}/plainmail"]}
    browser.configure(
        serverUrl=stub.url, token=stub.token, webmailHosts=[fixture_server], siteProfiles=[profile]
    )
    yield browser
    browser.close_pages()


def test_the_incident_case_is_caught_on_a_webmail_covered_only_by_a_profile(profiled, stub):
    stub.on(
        "POST", "/v1/check", check_answer(stub, per_address={"k.sato@example.com": [homonym()]})
    )
    page = profiled.open("plainmail")
    page.evaluate(
        "m => __fixture.compose(m)",
        {
            "to": [{"name": "佐藤 健二", "address": "k.sato@example.com"}],
            "cc": [{"name": "", "address": "kacho@agency.go.jp"}],
            "subject": "参加者名簿",
            "body": "名簿をお送りします。",
            "attachments": ["名簿.xlsx"],
        },
    )
    page.click("#send-btn")
    dialog = Dialog(page).wait_rows()
    (request,) = stub.calls("/v1/check")
    assert pairs(request["recipients"]) == [
        ("cc", "kacho@agency.go.jp"),
        ("to", "k.sato@example.com"),
    ]
    assert request["sender"] == "tanaka@agency.go.jp"
    assert request["subject"] == "参加者名簿"
    assert [a["name"] for a in request["attachments"]] == ["名簿.xlsx"]
    assert still_nothing_sent(page)
    # The colleague with the same surname was meant: one click puts her in the To field.
    dialog.hook("did-you-mean").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [
        ("cc", "kacho@agency.go.jp"),
        ("to", "m-sato@agency.go.jp"),
    ]


def test_the_profiles_shortcut_is_caught_and_emptied_fields_never_pass(profiled, stub):
    page = profiled.open("plainmail")
    page.evaluate("m => __fixture.compose(m)", {"to": [], "subject": "x"})
    page.focus("textarea[name=body]")
    page.keyboard.press("Control+Enter")
    dialog = Dialog(page)
    dialog.root.locator('[data-code="unreadable_recipient"]').wait_for(state="visible")
    assert not dialog.send_enabled()
    assert still_nothing_sent(page)


def test_without_a_profile_the_page_is_left_to_the_built_in_roundcube_profile(paired, stub):
    page = paired.open("roundcube")
    page.evaluate("m => __fixture.compose(m)", {"to": [{"name": "", "address": "a@example.com"}]})
    page.click("a.send")
    Dialog(page).wait_rows()
    assert pairs(stub.calls("/v1/check")[0]["recipients"]) == [("to", "a@example.com")]


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
    # Reopened, the page shows what is stored, ready to edit (it asks the worker first).
    stored = open_options(browser).locator("#profiles")
    expect(stored).not_to_have_value("")
    assert json.loads(stored.input_value()) == [profile]
