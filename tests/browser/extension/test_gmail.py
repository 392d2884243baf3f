"""Gmail as the real page behaves (fixture cites InboxSDK): chips by paste, collapsed rows, schedule send, pop-out."""

from __future__ import annotations

import pytest

from .helpers import (
    VISIBLE_EXTERNAL,
    Dialog,
    check_answer,
    homonym,
    pairs,
    sent,
    service_kind,
    still_nothing_sent,
    wait_sent,
)

pytestmark = pytest.mark.browser

OUTSIDER = {"name": "佐藤 健二", "address": "k.sato@example.com"}
COLLEAGUE = {"name": "", "address": "kacho@agency.go.jp"}
ALPHA = {"name": "小林", "address": "kobayashi@alpha-shoji.co.jp"}
BETA = {"name": "伊藤", "address": "ito@beta-kogyo.co.jp"}


def visible_external(stub):
    """Two external organisations in To/Cc: the move-to-Bcc finding; otherwise the default answer."""

    def answer(body):
        outsiders = {r["address"] for r in body["recipients"]
                     if r["field"] != "bcc" and not r["address"].endswith("agency.go.jp")}
        if len(outsiders) < 2:
            return check_answer(stub)(body)
        return check_answer(stub, message_findings=[VISIBLE_EXTERNAL])(body)

    return answer


def test_the_fixture_makes_chips_like_gmail_only_from_a_real_key_or_a_paste(paired):
    page = paired.open("gmail")
    page.evaluate("__fixture.compose({})")
    entry = page.locator('.anm[name="to"] input[role=combobox]')
    # What older extensions did: set the value and press Enter by script. Gmail ignores it.
    entry.evaluate("""i => { i.value = 'a@example.com';
        i.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', keyCode: 13, bubbles: true})); }""")
    assert page.evaluate("__fixture.read('0')") == [{"field": "to", "address": "a@example.com", "name": ""}]
    assert page.locator(".afV").count() == 0, "no chip from a synthetic Enter"
    entry.focus()
    page.keyboard.press("Enter")
    assert page.locator('.afV[data-hovercard-id="a@example.com"]').count() == 1
    # Removing a chip's node leaves the recipient in Gmail's own state: it would still be sent.
    page.evaluate("document.querySelector('.afV').remove()")
    assert pairs(page.evaluate("__fixture.read('0')")) == [("to", "a@example.com")]


def test_move_to_bcc_opens_a_collapsed_recipient_area_first(paired, stub):
    stub.on("POST", "/v1/check", visible_external(stub))
    page = paired.open("gmail")
    page.evaluate("m => __fixture.compose(m)", {"to": [COLLEAGUE, ALPHA], "cc": [BETA],
                                                 "collapsed": True})
    assert page.evaluate("__fixture.collapsed('0')")
    page.click(".T-I.aoO")
    dialog = Dialog(page).wait_rows()
    dialog.hook("move-to-bcc").click()
    dialog.wait_addresses(["kacho@agency.go.jp", "kobayashi@alpha-shoji.co.jp",
                           "ito@beta-kogyo.co.jp"])
    page.wait_for_function("""document.querySelector('[data-atesaki=dialog]').shadowRoot
        .querySelectorAll('li[data-field=bcc]').length === 2""")
    assert still_nothing_sent(page, 0.1)
    dialog.tick_all()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [
        ("bcc", "ito@beta-kogyo.co.jp"),
        ("bcc", "kobayashi@alpha-shoji.co.jp"),
        ("to", "kacho@agency.go.jp"),
    ]


def test_a_chip_without_its_own_remove_control_is_never_removed_behind_gmails_back(paired, stub):
    stub.on("POST", "/v1/check",
            check_answer(stub, per_address={"k.sato@example.com": [homonym()]}))
    page = paired.open("gmail")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER]})
    page.evaluate("document.querySelector('.afX').remove()")  # a Gmail build without it
    page.click(".T-I.aoO")
    dialog = Dialog(page).wait_rows()
    dialog.hook("did-you-mean").click()
    dialog.wait_error()
    assert dialog.hook("error").get_attribute("data-error") == "edit_mismatch"
    assert not dialog.send_enabled()
    assert pairs(page.evaluate("__fixture.read('0')")) == [("to", "k.sato@example.com")]
    assert sent(page) == []


def test_a_swap_that_does_not_come_out_as_meant_is_refused(paired, stub):
    stub.on("POST", "/v1/check",
            check_answer(stub, per_address={"k.sato@example.com": [homonym()]}))
    page = paired.open("gmail")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER]})
    # Gmail's autocomplete turns the pasted address into someone else's chip.
    page.evaluate("""document.querySelector('.anm[name=to] input').addEventListener('paste', () =>
        setTimeout(() => __fixture.add('0', 'to', {name: '', address: 'other@example.org'}), 0))""")
    page.click(".T-I.aoO")
    dialog = Dialog(page).wait_rows()
    dialog.hook("did-you-mean").click()
    dialog.wait_error()
    assert dialog.hook("error").get_attribute("data-error") == "edit_mismatch"
    assert still_nothing_sent(page)


def test_schedule_send_is_checked_like_send_and_stays_scheduled(paired, stub):
    page = paired.open("gmail")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER]})
    page.click(".hG")
    page.click('[selector="scheduledSend"]')
    dialog = Dialog(page).wait_rows()
    assert page.locator(".schedule-picker").count() == 0, "the time picker waits for the check"
    dialog.tick_all()
    dialog.hook("send").click()
    page.click(".schedule-picker .pick")
    (message,) = wait_sent(page)
    assert message["via"] == "schedule"
    assert pairs(message["recipients"]) == [("to", "k.sato@example.com")]


def test_an_inboxsdk_extensions_button_is_not_taken_for_gmails_send(paired, stub):
    page = paired.open("gmail", "sdk=1")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER]})
    page.click(".inboxsdk__compose_sendButton")
    assert page.evaluate("window.__sdkClicks") == 1
    assert not Dialog(page).is_open()
    page.click(".T-I.aoO:not(.inboxsdk__compose_sendButton)")
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert message["via"] == "click"
    assert page.evaluate("window.__sdkClicks") == 1, "the release pressed Gmail's Send"


def test_a_popout_compose_window_is_checked(paired, stub):
    page = paired.open("gmail", "")
    page.goto("https://mail.google.com/mail/u/0/popout?ver=1")
    page.wait_for_selector('html[data-atesaki="ready"]', state="attached")
    assert page.evaluate("document.body.classList.contains('popout')")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER], "subject": "見学会"})
    page.focus("[g_editable]")
    page.keyboard.press("Control+Enter")
    dialog = Dialog(page).wait_rows()
    assert stub.calls("/v1/check")[0]["subject"] == "見学会"
    dialog.tick_all()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("to", "k.sato@example.com")]


def test_did_you_mean_in_an_inline_reply_changes_gmails_own_recipients(paired, stub):
    stub.on("POST", "/v1/check",
            check_answer(stub, per_address={"k.sato@example.com": [homonym()]}))
    page = paired.open("gmail")
    page.evaluate("""__fixture.compose({mode: 'reply', subject: 'Re: 日程', collapsed: true,
        to: [{name: '佐藤 健二', address: 'k.sato@example.com'}],
        thread: ['k.sato@example.com', 'tanaka@agency.go.jp']})""")
    page.click(".ip.adB .T-I.aoO")
    dialog = Dialog(page).wait_rows()
    dialog.hook("did-you-mean").click()
    (message,) = wait_sent(page)  # the colleague is internal: the new check passes
    assert pairs(message["recipients"]) == [("to", "m-sato@agency.go.jp")]
    assert service_kind(stub.calls("/v1/check")[1]) == "reply"


def test_schedule_send_chosen_with_the_keyboard_is_checked_too(paired, stub):
    page = paired.open("gmail")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER]})
    page.click(".hG")
    page.focus('[selector="scheduledSend"]')
    page.keyboard.press("Enter")
    dialog = Dialog(page).wait_rows()
    assert page.locator(".schedule-picker").count() == 0
    dialog.tick_all()
    dialog.hook("send").click()
    page.click(".schedule-picker .pick")
    (message,) = wait_sent(page)
    assert message["via"] == "schedule"
