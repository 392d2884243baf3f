"""A webmail nobody wrote an adapter for, covered by an administrator's site profile alone."""

from __future__ import annotations

import pytest

from .helpers import Dialog, check_answer, homonym, pairs, still_nothing_sent, wait_sent

pytestmark = pytest.mark.browser

# What an administrator writes for the in-house webmail (docs/site-profiles.md).
PLAINMAIL = {
    "id": "plainmail",
    "name": "庁内メール",
    "compose": "#mailform",
    "fields": {
        "to": {"text": "input[name=to]"},
        "cc": {"text": "input[name=cc]"},
        "bcc": {"text": "input[name=bcc]"},
    },
    "send": "#send-btn",
    "shortcuts": ["Ctrl+Enter"],
    "subject": "input[name=subject]",
    "body": "textarea[name=body]",
    "attachments": "#files li",
    "from": "#from",
}


@pytest.fixture
def profiled(browser, stub, fixture_server):
    """The browser paired with the stub; the fixture host listed, the profile in storage."""
    profile = {**PLAINMAIL, "hosts": [f"{fixture_server}/plainmail"]}
    browser.configure(serverUrl=stub.url, token=stub.token, webmailHosts=[fixture_server],
                      siteProfiles=[profile])
    yield browser
    browser.close_pages()


def test_the_incident_case_is_caught_on_a_webmail_covered_only_by_a_profile(profiled, stub):
    stub.on("POST", "/v1/check",
            check_answer(stub, per_address={"k.sato@example.com": [homonym()]}))
    page = profiled.open("plainmail")
    page.evaluate("m => __fixture.compose(m)", {
        "to": [{"name": "佐藤 健二", "address": "k.sato@example.com"}],
        "cc": [{"name": "", "address": "kacho@agency.go.jp"}],
        "subject": "参加者名簿", "body": "名簿をお送りします。", "attachments": ["名簿.xlsx"]})
    page.click("#send-btn")
    dialog = Dialog(page).wait_rows()
    (request,) = stub.calls("/v1/check")
    assert pairs(request["recipients"]) == [("cc", "kacho@agency.go.jp"),
                                            ("to", "k.sato@example.com")]
    assert request["sender"] == "tanaka@agency.go.jp"
    assert request["subject"] == "参加者名簿"
    assert [a["name"] for a in request["attachments"]] == ["名簿.xlsx"]
    assert still_nothing_sent(page)
    # The colleague with the same surname was meant: one click puts her in the To field.
    dialog.hook("did-you-mean").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("cc", "kacho@agency.go.jp"),
                                            ("to", "m-sato@agency.go.jp")]


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
