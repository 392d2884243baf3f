"""The send delay: a background countdown with Undo; Undo, a closed compose or tab send nothing."""

from __future__ import annotations

import time

import pytest

from .helpers import Dialog, check_answer, homonym, pairs, sent, wait_calls, wait_sent

pytestmark = pytest.mark.browser

SEND = {"gmail": ".T-I.aoO", "roundcube": "a.send"}
OUTSIDER = {"name": "佐藤 健二", "address": "k.sato@example.com"}
COLLEAGUE = {"name": "", "address": "kacho@agency.go.jp"}
UNDO = '[data-atesaki="undo"]'
DELAY = 2


def delayed(stub, seconds: int = DELAY, **answer):
    """Answer checks as the stub does, with ``send_delay`` added (as policy.send_delay gives it)."""
    inner = check_answer(stub, **answer)

    def handler(body):
        status, result = inner(body)
        result["send_delay"] = seconds
        return status, result

    stub.on("POST", "/v1/check", handler)


def compose(page, **message) -> str:
    return page.evaluate("m => __fixture.compose(m)", message)


@pytest.mark.parametrize("webmail", ["gmail", "roundcube"])
def test_the_send_waits_with_undo_shown_then_goes_once(paired, stub, webmail):
    delayed(stub)
    page = paired.open(webmail)
    compose(page, to=[COLLEAGUE], subject="会議室")
    page.click(SEND[webmail])  # internal only: a pass, no dialog, but the delay still holds it
    page.locator(UNDO).wait_for(state="visible", timeout=3000)
    assert sent(page) == [] and stub.calls("/v1/sends") == []
    (message,) = wait_sent(page, timeout=DELAY + 3)
    assert pairs(message["recipients"]) == [("to", "kacho@agency.go.jp")]
    assert page.locator(UNDO).count() == 0, "Undo goes once the message is released"
    assert len(wait_calls(stub, "/v1/sends")) == 1


def test_without_a_delay_the_send_goes_at_once(paired, stub):
    page = paired.open("gmail")
    compose(page, to=[COLLEAGUE])
    page.click(SEND["gmail"])
    wait_sent(page, timeout=2)
    assert page.locator(UNDO).count() == 0


@pytest.mark.parametrize("webmail", ["gmail", "roundcube"])
def test_undo_leaves_the_compose_as_it_was_and_the_next_send_is_checked_again(paired, stub, webmail):
    delayed(stub)
    page = paired.open(webmail)
    compose(page, to=[OUTSIDER], cc=[COLLEAGUE], subject="見学会", body="本文です。")
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    dialog.hook("send").click()
    page.locator(UNDO).click(timeout=3000)
    time.sleep(DELAY + 0.5)
    assert sent(page) == [] and stub.calls("/v1/sends") == []
    assert pairs(page.evaluate("__fixture.read('0')")) == [
        ("cc", "kacho@agency.go.jp"), ("to", "k.sato@example.com")]
    page.click(SEND[webmail])
    Dialog(page).wait_rows()
    assert len(stub.calls("/v1/check")) == 2, "no approval or tick carries over an Undo"


def test_the_countdown_does_not_hold_the_page(paired, stub):
    delayed(stub, seconds=3)
    page = paired.open("gmail")
    compose(page, to=[COLLEAGUE], subject="first")
    second = compose(page, to=[OUTSIDER], subject="second")
    page.click(f'.M9[data-fixture-id="0"] {SEND["gmail"]}')
    page.locator(UNDO).wait_for(state="visible", timeout=3000)
    # The user goes on typing and checks the other message while the first counts down.
    body = page.locator(f'.M9[data-fixture-id="{second}"] [g_editable]')
    body.click()
    page.keyboard.type("typing goes on")
    assert "typing goes on" in body.inner_text()
    page.click(f'.M9[data-fixture-id="{second}"] {SEND["gmail"]}')
    dialog = Dialog(page).wait_rows()
    (first,) = wait_sent(page, timeout=5)
    assert first["subject"] == "first", "the first goes while the second's dialog is open"
    dialog.tick_all()
    dialog.hook("send").click()
    messages = wait_sent(page, count=2, timeout=6)
    assert [m["subject"] for m in messages] == ["first", "second"]


def test_closing_the_compose_during_the_countdown_sends_nothing(paired, stub):
    delayed(stub)
    page = paired.open("gmail")
    compose(page, to=[COLLEAGUE])
    page.click(SEND["gmail"])
    page.locator(UNDO).wait_for(state="visible", timeout=3000)
    page.evaluate("document.querySelector('.M9').closest('.AD').remove()")
    time.sleep(DELAY + 0.7)
    assert sent(page) == [] and stub.calls("/v1/sends") == []


def test_closing_the_tab_during_the_countdown_sends_nothing(paired, stub):
    delayed(stub)
    page = paired.open("gmail")
    compose(page, to=[COLLEAGUE])
    page.click(SEND["gmail"])
    page.locator(UNDO).wait_for(state="visible", timeout=3000)
    page.close()
    time.sleep(DELAY + 0.7)
    assert stub.calls("/v1/sends") == [], "nothing recorded: the message never left"


def test_undo_after_a_swap_keeps_the_swapped_recipient_and_sends_nothing(paired, stub):
    delayed(stub, per_address={"k.sato@example.com": [homonym()]})
    page = paired.open("gmail")
    compose(page, to=[OUTSIDER], cc=[COLLEAGUE])
    page.click(SEND["gmail"])
    dialog = Dialog(page).wait_rows()
    dialog.hook("did-you-mean").click()  # both internal now: the re-check passes
    page.locator(UNDO).click(timeout=4000)
    time.sleep(DELAY + 0.5)
    assert sent(page) == []
    assert pairs(page.evaluate("__fixture.read('0')")) == [
        ("cc", "kacho@agency.go.jp"), ("to", "m-sato@agency.go.jp")]


def approving(stub):
    delayed(stub, verdict="approve")
    stub.on("GET", "/v1/checkers",
            lambda body: (200, {"checkers": [{"id": "k1", "name": "鈴木 花子"}]}))
    stub.on("POST", "/v1/approvals",
            lambda body: (200, {"ok": True, "release_token": "r_1", "expires_at": "2099-01-01T00:00:00Z"}))


def approve(page):
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    dialog.hook("checker").select_option("k1")
    dialog.hook("code").fill("123456")
    dialog.hook("send").click()


def test_undo_after_an_approval_records_and_sends_nothing(paired, stub):
    approving(stub)
    page = paired.open("gmail")
    compose(page, to=[OUTSIDER])
    page.click(SEND["gmail"])
    approve(page)
    page.locator(UNDO).click(timeout=4000)
    time.sleep(DELAY + 0.5)
    assert sent(page) == [] and stub.calls("/v1/sends") == []
    assert pairs(page.evaluate("__fixture.read('0')")) == [("to", "k.sato@example.com")]


def test_an_approved_send_is_recorded_with_its_release_token_when_the_time_is_up(paired, stub):
    approving(stub)
    page = paired.open("gmail")
    compose(page, to=[OUTSIDER])
    page.click(SEND["gmail"])
    approve(page)
    page.locator(UNDO).wait_for(state="visible", timeout=3000)
    assert stub.calls("/v1/sends") == []
    wait_sent(page, timeout=DELAY + 3)
    (record,) = stub.calls("/v1/sends")
    assert record["release_token"] == "r_1"
