"""Outlook on the web as the real page behaves: name-only chips, collapsed replies, the reading pane."""

from __future__ import annotations

import pytest

from .helpers import (
    VISIBLE_EXTERNAL,
    Dialog,
    check_answer,
    homonym,
    pairs,
    service_kind,
    still_nothing_sent,
)

pytestmark = pytest.mark.browser

SATO = {"name": "佐藤 健二", "address": "k.sato@example.com"}
SEND = "button[aria-label=Send]"


def recipients_checked(stub) -> list[dict]:
    calls = stub.calls("/v1/check")
    assert calls, "the extension never asked the service"
    return calls[0]["recipients"]


def test_a_name_only_chip_picked_from_the_suggestions_is_read_with_its_address(paired, stub):
    page = paired.open("outlook", "chip=name")
    page.evaluate("__fixture.compose({})")
    page.click('[aria-label="To"]')
    page.keyboard.type("佐藤 健")
    page.click('[role=option][aria-label^="佐藤 健二"]')
    assert page.locator("[class*=_EType_RECIPIENT_ENTITY]").get_attribute("aria-label") == (
        "佐藤 健二, Available"), "the chip itself shows only the name"
    page.click(SEND)
    Dialog(page).wait_rows()
    assert recipients_checked(stub) == [
        {"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}]
    assert stub.calls("/v1/resolve") == [], "a remembered pick needs no lookup"


def test_a_name_only_chip_is_resolved_by_the_service_against_the_staff_directory(paired, stub):
    stub.on("POST", "/v1/resolve", lambda body: (200, {"resolved": [
        {"name": n, "address": "k-sato@agency.go.jp" if n == "佐藤 健二" else None}
        for n in body["names"]]}))
    stub.on("POST", "/v1/check", check_answer(stub, verdict="confirm"))
    page = paired.open("outlook", "chip=name")
    page.evaluate("m => __fixture.compose(m)", {"to": [SATO]})
    page.click(SEND)
    Dialog(page).wait_rows()
    assert stub.calls("/v1/resolve") == [{"names": ["佐藤 健二"]}]
    assert recipients_checked(stub) == [
        {"field": "to", "address": "k-sato@agency.go.jp", "name": "佐藤 健二"}]
    assert "findings" not in stub.calls("/v1/check")[0]


def test_a_name_and_address_label_gives_the_address(paired, stub):
    page = paired.open("outlook", "chip=angle")
    page.evaluate("m => __fixture.compose(m)", {"to": [SATO]})
    page.click(SEND)
    Dialog(page).wait_rows()
    assert recipients_checked(stub) == [
        {"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}]


def test_collapsed_recipients_of_a_reply_are_revealed_before_reading(paired, stub):
    page = paired.open("outlook")
    page.evaluate("m => __fixture.compose(m)", {
        "to": [SATO], "cc": [{"name": "", "address": "kacho@agency.go.jp"}],
        "subject": "RE: 日程", "quote": "From: 佐藤 健二", "collapsed": True})
    assert page.locator("[id$=_TO]").count() == 0, "the fields are not drawn yet"
    page.click(SEND)
    dialog = Dialog(page).wait_rows()
    assert pairs(recipients_checked(stub)) == [
        ("cc", "kacho@agency.go.jp"), ("to", "k.sato@example.com")]
    assert service_kind(stub.calls("/v1/check")[0]) == "reply"
    dialog.tick_all()
    dialog.hook("send").click()
    page.wait_for_function("window.__sent.length === 1")


@pytest.mark.parametrize("keys", ["Control+Enter", "Alt+s"])
def test_a_shortcut_in_the_reading_pane_opens_no_check(paired, stub, keys):
    page = paired.open("outlook")
    page.evaluate("m => __fixture.compose(m)", {"to": [SATO]})  # a draft open elsewhere
    page.evaluate("__fixture.readingPane({to: [{name: '佐藤 健二', address: 'k.sato@example.com'}],"
                  " body: 'Hello'})")
    page.focus("#pane .body")
    page.keyboard.press(keys)
    page.wait_for_timeout(300)
    assert not Dialog(page).is_open()
    assert stub.calls("/v1/check") == []
    assert still_nothing_sent(page, 0.1)


def test_outlook_shows_the_right_address_to_copy_instead_of_changing_recipients(paired, stub):
    def answer(body):
        return check_answer(stub, per_address={"k.sato@example.com": [homonym()]},
                            message_findings=[VISIBLE_EXTERNAL])(body)

    stub.on("POST", "/v1/check", answer)
    page = paired.open("outlook")
    page.evaluate("m => __fixture.compose(m)", {
        "to": [SATO, {"name": "伊藤", "address": "ito@beta-kogyo.co.jp"}]})
    page.click(SEND)
    dialog = Dialog(page).wait_rows()
    copy = dialog.root.locator('[data-atesaki="did-you-mean-copy"][data-address="m-sato@agency.go.jp"]')
    assert copy.locator("input").input_value() == "m-sato@agency.go.jp"
    assert dialog.hook("did-you-mean").count() == 0
    assert dialog.hook("move-to-bcc").count() == 0
    assert pairs(page.evaluate("__fixture.read('0')")) == [
        ("to", "ito@beta-kogyo.co.jp"), ("to", "k.sato@example.com")]


def test_a_popped_out_compose_window_is_checked(paired, stub):
    page = paired.open("outlook")
    # Outlook pops a compose out into an about:blank child window and draws it from the opener.
    with page.context.expect_page() as opened:
        page.evaluate("window.__popout = window.open('', 'compose', 'width=700,height=600')")
    popout = opened.value
    popout.wait_for_selector('html[data-atesaki="ready"]', state="attached", timeout=5000)
    page.evaluate("""() => {
        const doc = window.__popout.document;
        doc.body.innerHTML = `<div id="MSG_9_TO" role="group"><div contenteditable="true" aria-label="To">
            <span class="_EType_RECIPIENT_ENTITY_x1" contenteditable="false" aria-label="佐藤 健二 k.sato@example.com">
            <span class="textContainer-390">佐藤 健二</span></span></div></div>
            <input id="MSG_9_SUBJECT" value="見学会">
            <button class="fui-SplitButton__primaryActionButton" aria-label="Send">Send</button>`;
        doc.querySelector('button').addEventListener('click', () =>
            __record({webmail: 'outlook', compose: 'popout', via: 'click', subject: '見学会',
                      recipients: [{field: 'to', address: 'k.sato@example.com', name: '佐藤 健二'}]}));
    }""")
    popout.click("button[aria-label=Send]")
    dialog = Dialog(popout).wait_rows()
    assert recipients_checked(stub) == [
        {"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}]
    assert page.evaluate("window.__sent") == []
    dialog.tick_all()
    dialog.hook("send").click()
    page.wait_for_function("window.__sent.length === 1")
