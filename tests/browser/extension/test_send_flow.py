"""Send is held until the dialog is finished, released exactly once, and never on a failed or stale check."""

from __future__ import annotations

import pytest

from .helpers import (
    VISIBLE_EXTERNAL,
    Dialog,
    check_answer,
    homonym,
    pairs,
    sent,
    still_nothing_sent,
    wait_calls,
    wait_sent,
)

pytestmark = pytest.mark.browser

SEND = {"gmail": ".T-I.aoO", "outlook": "button[aria-label=Send]", "roundcube": "a.send"}
OUTSIDER = {"name": "佐藤 健二", "address": "k.sato@example.com"}
COLLEAGUE = {"name": "", "address": "kacho@agency.go.jp"}


def compose(page, **message) -> str:
    """Open a compose in the fixture webmail with these recipients; returns its id."""
    return page.evaluate("m => __fixture.compose(m)", message)


@pytest.mark.parametrize("webmail", ["gmail", "outlook", "roundcube"])
def test_send_is_held_until_every_recipient_is_ticked_then_goes_once(paired, stub, webmail):
    page = paired.open(webmail)
    compose(page, to=[OUTSIDER], cc=[COLLEAGUE], subject="見学会")
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_rows()
    assert sorted(dialog.addresses()) == ["k.sato@example.com", "kacho@agency.go.jp"]
    assert not dialog.send_enabled()
    dialog.hook("tick").first.check()
    assert not dialog.send_enabled(), "one row is still unticked"
    assert still_nothing_sent(page)
    dialog.tick_all()
    assert dialog.send_enabled()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [
        ("cc", "kacho@agency.go.jp"),
        ("to", "k.sato@example.com"),
    ]
    dialog.wait_closed()
    assert len(sent(page)) == 1
    # The final recipients are reported to the service after the send.
    (record,) = wait_calls(stub, "/v1/sends")
    assert record["check_id"] == "c_1"
    assert pairs(record["recipients"]) == pairs(message["recipients"])


def test_cancel_returns_to_the_compose_untouched(paired, stub):
    page = paired.open("gmail")
    compose(page, to=[OUTSIDER])
    page.click(SEND["gmail"])
    dialog = Dialog(page).wait_rows()
    dialog.hook("cancel").click()
    dialog.wait_closed()
    assert sent(page) == []
    assert pairs(page.evaluate("__fixture.read('0')")) == [("to", "k.sato@example.com")]
    assert stub.calls("/v1/sends") == []


@pytest.mark.parametrize(
    ("webmail", "keys", "focus"),
    [
        ("gmail", "Control+Enter", "[g_editable]"),
        ("gmail", "Meta+Enter", "[g_editable]"),
        ("gmail", "Enter", ".T-I.aoO"),
        ("gmail", " ", ".T-I.aoO"),
        ("outlook", "Control+Enter", "[aria-label^='Message body']"),
        ("outlook", "Alt+s", "[aria-label^='Message body']"),
        ("roundcube", "Control+Enter", "#composebody"),
    ],
    ids=[
        "gmail-ctrl-enter",
        "gmail-cmd-enter",
        "gmail-enter-on-send",
        "gmail-space-on-send",
        "outlook-ctrl-enter",
        "outlook-alt-s",
        "roundcube-ctrl-enter",
    ],
)
def test_keyboard_send_is_caught_like_the_button(paired, stub, webmail, keys, focus):
    page = paired.open(webmail)
    compose(page, to=[OUTSIDER])
    page.focus(focus)
    page.keyboard.press(keys)
    dialog = Dialog(page).wait_rows()
    assert still_nothing_sent(page)
    dialog.tick_all()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("to", "k.sato@example.com")]


def test_a_pass_verdict_sends_with_no_dialog(paired, stub):
    page = paired.open("gmail")
    page.evaluate("""new MutationObserver(() => { if (document.querySelector('[data-atesaki=dialog]')) window.__dialogSeen = true; })
                     .observe(document.documentElement, {childList: true, subtree: true})""")
    compose(page, to=[COLLEAGUE])
    page.click(SEND["gmail"])
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("to", "kacho@agency.go.jp")]
    assert page.evaluate("window.__dialogSeen") is None
    assert [r["check_id"] for r in wait_calls(stub, "/v1/sends")] == ["c_1"]


@pytest.mark.parametrize("trigger", ["click", "mouseup"])
def test_a_double_click_on_send_sends_once(paired, stub, trigger):
    page = paired.open("gmail", f"trigger={trigger}")
    compose(page, to=[COLLEAGUE])
    page.dblclick(SEND["gmail"])
    wait_sent(page)
    page.wait_for_timeout(300)
    assert len(sent(page)) == 1
    assert len(stub.calls("/v1/check")) == 1


def test_send_and_archive_is_replayed_as_send_and_archive(paired, stub):
    page = paired.open("gmail", "archive=1")
    compose(page, to=[OUTSIDER])
    page.click(".Uo")
    dialog = Dialog(page).wait_rows()
    assert sent(page) == []
    dialog.tick_all()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert message["via"] == "archive"


def test_double_pressing_the_dialogs_send_sends_once(paired, stub):
    page = paired.open("gmail")
    compose(page, to=[OUTSIDER])
    page.click(SEND["gmail"])
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    dialog.hook("send").evaluate("b => { b.click(); b.click(); }")
    wait_sent(page)
    page.wait_for_timeout(300)
    assert len(sent(page)) == 1


def test_two_gmail_compose_windows_are_checked_and_sent_separately(paired, stub):
    page = paired.open("gmail")
    first = compose(page, to=[OUTSIDER], subject="A")
    second = compose(page, to=[{"name": "", "address": "ito@beta-kogyo.co.jp"}], subject="B")
    page.locator(f'.M9[data-fixture-id="{second}"] .T-I.aoO').click()
    dialog = Dialog(page).wait_rows()
    assert dialog.addresses() == ["ito@beta-kogyo.co.jp"]
    dialog.tick_all()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert (message["compose"], message["subject"]) == (second, "B")
    assert pairs(message["recipients"]) == [("to", "ito@beta-kogyo.co.jp")]
    assert page.evaluate("__fixture.composes()") == [first], "the other compose is left alone"
    dialog.wait_closed()

    page.locator(f'.M9[data-fixture-id="{first}"] .T-I.aoO').click()
    dialog = Dialog(page).wait_rows()
    assert dialog.addresses() == ["k.sato@example.com"]
    dialog.tick_all()
    dialog.hook("send").click()
    messages = wait_sent(page, 2)
    assert [m["compose"] for m in messages] == [second, first]


def test_a_bcc_added_after_the_check_is_checked_again_before_anything_goes(paired, stub):
    page = paired.open("roundcube")
    compose(page, to=[OUTSIDER])
    page.click(SEND["roundcube"])
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    # Something (a script, an autocomplete) adds a Bcc while the dialog is open.
    page.evaluate("""() => { const t = document.getElementById('_bcc');
                     t.value = 'spy@evil.example'; t.dispatchEvent(new Event('change')); }""")
    dialog.hook("send").click()
    page.wait_for_function(
        "document.querySelector('[data-atesaki=dialog]')?.shadowRoot"
        ".querySelectorAll('[data-atesaki=tick]').length === 2"
    )
    assert sent(page) == []
    assert len(stub.calls("/v1/check")) == 2
    assert not dialog.send_enabled(), "the new list starts unticked"
    dialog.tick_all()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [
        ("bcc", "spy@evil.example"),
        ("to", "k.sato@example.com"),
    ]


@pytest.mark.parametrize("webmail", ["gmail", "roundcube"])
def test_did_you_mean_swaps_the_recipient_in_the_compose_and_checks_again(paired, stub, webmail):
    stub.on(
        "POST", "/v1/check", check_answer(stub, per_address={"k.sato@example.com": [homonym()]})
    )
    page = paired.open(webmail)
    compose(page, to=[OUTSIDER], cc=[COLLEAGUE])
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_rows()
    finding = dialog.root.locator('[data-atesaki="finding"][data-code="surname_homonym"]')
    assert "佐藤 美咲" in finding.inner_text()
    suggestion = dialog.hook("did-you-mean")
    assert "m-sato@agency.go.jp" in suggestion.inner_text()
    suggestion.click()
    # Both now internal: the second check passes and the message goes to the colleague only.
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [
        ("cc", "kacho@agency.go.jp"),
        ("to", "m-sato@agency.go.jp"),
    ]
    assert pairs(stub.calls("/v1/check")[1]["recipients"]) == pairs(message["recipients"])


def test_roundcubes_own_no_subject_prompt_after_the_check_sends_once(paired, stub):
    page = paired.open("roundcube")
    compose(page, to=[OUTSIDER], subject="")
    page.click(SEND["roundcube"])
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    dialog.hook("send").click()
    dialog.wait_closed()
    # Roundcube asks for the missing subject; its own Send continues the checked send.
    prompt = page.locator(".ui-dialog")
    prompt.locator("input").fill("資料送付")
    prompt.locator("button.send").click()
    (message,) = wait_sent(page)
    assert message["subject"] == "資料送付"
    assert pairs(message["recipients"]) == [("to", "k.sato@example.com")]
    assert len(stub.calls("/v1/check")) == 1


@pytest.mark.parametrize(
    "per_recipient", [False, True], ids=["message-finding", "recipient-findings"]
)
@pytest.mark.parametrize("webmail", ["gmail", "roundcube"])
def test_move_external_recipients_to_bcc(paired, stub, webmail, per_recipient):
    def answer(body):
        visible = {
            r["address"].split("@")[1]
            for r in body["recipients"]
            if r["field"] != "bcc" and not r["address"].endswith("agency.go.jp")
        }
        if len(visible) < 2:
            return check_answer(stub)(body)
        if per_recipient:  # the real service reports it on each external recipient
            outsiders = {
                r["address"]: [VISIBLE_EXTERNAL]
                for r in body["recipients"]
                if r["field"] != "bcc" and not r["address"].endswith("agency.go.jp")
            }
            return check_answer(stub, per_address=outsiders)(body)
        return check_answer(stub, message_findings=[VISIBLE_EXTERNAL])(body)

    stub.on("POST", "/v1/check", answer)
    page = paired.open(webmail)
    compose(
        page,
        to=[COLLEAGUE, {"name": "小林", "address": "kobayashi@alpha-shoji.co.jp"}],
        cc=[{"name": "伊藤", "address": "ito@beta-kogyo.co.jp"}],
    )
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_rows()
    shown = dialog.root.locator('[data-code="visible_external_recipients"]').count()
    assert shown == (2 if per_recipient else 1)
    dialog.hook("move-to-bcc").click()
    page.wait_for_function(
        "document.querySelector('[data-atesaki=dialog]')?.shadowRoot"
        ".querySelector('[data-atesaki=move-to-bcc]') === null"
    )
    dialog.wait_rows()
    assert still_nothing_sent(page, 0.1)
    dialog.tick_all()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [
        ("bcc", "ito@beta-kogyo.co.jp"),
        ("bcc", "kobayashi@alpha-shoji.co.jp"),
        ("to", "kacho@agency.go.jp"),
    ]


def test_a_block_verdict_never_enables_send(paired, stub):
    invalid = {
        "code": "invalid_address",
        "severity": "block",
        "message": "The address does not parse.",
    }
    stub.on(
        "POST",
        "/v1/check",
        check_answer(stub, verdict="block", per_address={"k.sato@example.com": [invalid]}),
    )
    page = paired.open("gmail")
    compose(page, to=[OUTSIDER])
    page.click(SEND["gmail"])
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    assert not dialog.send_enabled()
    assert dialog.root.locator('[data-code="invalid_address"]').count() == 1
    assert still_nothing_sent(page)


def test_findings_use_the_browser_language_message(paired, stub):
    stub.on(
        "POST", "/v1/check", check_answer(stub, per_address={"k.sato@example.com": [homonym()]})
    )
    page = paired.open("gmail")
    compose(page, to=[OUTSIDER])
    page.click(SEND["gmail"])
    dialog = Dialog(page).wait_rows()
    text = dialog.root.locator('[data-code="surname_homonym"]').inner_text()
    assert text == "Same surname as 佐藤 美咲 <m-sato@agency.go.jp>."
    assert dialog.root.locator(".history").inner_text() == "Never sent to before"
    assert stub.requests[0]["headers"]["Accept-Language"].startswith("en")


@pytest.mark.parametrize(
    ("breakage", "error"),
    [
        ("down", "service_down"),
        ("token", "unauthorized"),
        ("unpaired", "not_paired"),
        ("slow", "timeout"),
    ],
    ids=["service-down", "wrong-token", "never-paired", "no-answer-in-3s"],
)
def test_when_the_check_cannot_be_done_nothing_is_sent_and_retry_works(
    paired, stub, breakage, error
):
    if breakage == "down":
        paired.configure(serverUrl="http://127.0.0.1:9", token=stub.token)
    elif breakage == "token":
        paired.configure(serverUrl=stub.url, token="wrong")
    elif breakage == "unpaired":
        paired.configure(serverUrl=stub.url)
    else:
        stub.delay = 3.5
    page = paired.open("gmail")
    compose(page, to=[OUTSIDER])
    page.click(SEND["gmail"])
    dialog = Dialog(page).wait_error()
    assert dialog.hook("error").get_attribute("data-error") == error
    assert dialog.hook("error").inner_text().strip()
    assert not dialog.send_enabled()
    assert sent(page) == []

    # Put it right, then Retry: the real check runs and the send can go.
    stub.delay = 0
    paired.configure(serverUrl=stub.url, token=stub.token)
    dialog.hook("retry").click()
    dialog.wait_rows()
    dialog.tick_all()
    dialog.hook("send").click()
    wait_sent(page)
    assert len(sent(page)) == 1


def test_approve_sends_nothing_until_the_service_grants_the_code(paired, stub):
    stub.on("POST", "/v1/check", check_answer(stub, verdict="approve"))
    stub.on(
        "GET", "/v1/checkers", lambda body: (200, {"checkers": [{"id": "k1", "name": "鈴木 花子"}]})
    )
    refusals = [
        (403, {"ok": False, "error": "bad_code", "message": "The code is wrong.", "status": 403}),
        (
            409,
            {
                "ok": False,
                "error": "code_reused",
                "message": "This code was used already.",
                "status": 409,
            },
        ),
        (
            429,
            {
                "ok": False,
                "error": "locked",
                "message": "Locked for 14 more minutes.",
                "status": 429,
            },
        ),
        (200, {"ok": True, "release_token": "r_1", "expires_at": "2026-11-27T10:00:00Z"}),
    ]
    stub.on("POST", "/v1/approvals", lambda body: refusals.pop(0))
    page = paired.open("gmail")
    compose(page, to=[OUTSIDER])
    page.click(SEND["gmail"])
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    assert not dialog.send_enabled(), "approve needs a checker and a code"
    dialog.hook("checker").select_option(label="鈴木 花子")
    seen = []
    for expected in ["wrong code", "already been used", "locked"]:
        dialog.hook("code").fill("123456")
        assert dialog.send_enabled()
        dialog.hook("send").click()
        message = dialog.hook("approval-error")
        message.wait_for(state="visible")
        page.wait_for_function(
            "t => document.querySelector('[data-atesaki=dialog]').shadowRoot"
            ".querySelector('[data-atesaki=approval-error]').textContent.toLowerCase().includes(t)",
            arg=expected,
        )
        seen.append(message.inner_text())
        assert sent(page) == []
    assert "14 more minutes" in seen[2], "the service's own message is shown"
    dialog.hook("code").fill("654321")
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert [b["code"] for b in stub.calls("/v1/approvals")] == ["123456"] * 3 + ["654321"]
    assert stub.calls("/v1/approvals")[0] == {"check_id": "c_1", "checker": "k1", "code": "123456"}
    (record,) = stub.calls("/v1/sends")
    assert record["release_token"] == "r_1"


def test_a_lookalike_domain_offers_the_real_domain(paired, stub):
    lookalike = {
        "code": "lookalike_domain",
        "severity": "high",
        "message": "gmial.com imitates gmail.com.",
        "related": [{"domain": "gmail.com"}],
    }
    stub.on("POST", "/v1/check", check_answer(stub, per_address={"k.sato@gmial.com": [lookalike]}))
    page = paired.open("gmail")
    compose(page, to=[{"name": "佐藤 健二", "address": "k.sato@gmial.com"}])
    page.click(SEND["gmail"])
    dialog = Dialog(page).wait_rows()
    dialog.root.locator('[data-atesaki="did-you-mean"][data-address="k.sato@gmail.com"]').click()
    dialog.wait_addresses(["k.sato@gmail.com"])
    assert pairs(page.evaluate("__fixture.read('0')")) == [("to", "k.sato@gmail.com")]
    assert sent(page) == []


def test_an_expired_check_is_done_again_rather_than_sent(paired, stub):
    stub.on("POST", "/v1/check", check_answer(stub, verdict="approve"))
    stub.on(
        "GET", "/v1/checkers", lambda body: (200, {"checkers": [{"id": "k1", "name": "鈴木 花子"}]})
    )
    expired = {
        "ok": False,
        "error": "not_found",
        "message": "unknown or expired check",
        "status": 404,
    }
    stub.on("POST", "/v1/approvals", lambda body: (404, expired))
    page = paired.open("gmail")
    compose(page, to=[OUTSIDER])
    page.click(SEND["gmail"])
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    dialog.hook("checker").select_option(label="鈴木 花子")
    dialog.hook("code").fill("123456")
    dialog.hook("send").click()
    wait_calls(stub, "/v1/check", 2)
    dialog.wait_rows()
    assert not dialog.send_enabled(), "the new check starts unticked"
    assert still_nothing_sent(page)


def test_cancel_while_checking_means_a_late_pass_sends_nothing(paired, stub):
    stub.delay = 1.0
    page = paired.open("gmail")
    compose(page, to=[COLLEAGUE])  # internal only: the answer will be `pass`
    page.click(SEND["gmail"])
    dialog = Dialog(page)
    dialog.hook("cancel").wait_for(state="visible", timeout=2000)
    assert dialog.hook("tick").count() == 0, "while checking there is nothing to tick"
    dialog.hook("cancel").click()
    wait_calls(stub, "/v1/check")
    page.wait_for_timeout(1300)  # the pass arrives after the cancel
    assert sent(page) == []
    assert stub.calls("/v1/sends") == []
