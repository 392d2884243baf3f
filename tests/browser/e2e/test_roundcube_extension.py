"""The whole product on a real Roundcube: the extension in Chromium, the service, Dovecot, a sink.

Each test is a story a user would tell, checked where it matters: at the SMTP sink,
which sees every envelope (Bcc included) that Roundcube really sent.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT

from .servers import MAIL_ADDRESS, SmtpSink
from .webmail import SENT_TOAST, AtesakiDialog, RoundcubeUser, deliver_to_inbox

pytestmark = [pytest.mark.roundcube, pytest.mark.browser]

DOCS = ROOT / "docs"


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the dialog screenshots go: docs/ with ATESAKI_E2E_SCREENSHOTS=1, else a temp folder.

    The tracked pictures in docs/ change only when someone means to refresh them.
    """
    return DOCS if os.environ.get("ATESAKI_E2E_SCREENSHOTS") == "1" else tmp_path


# How long "nothing arrives" is watched: a Roundcube send reaches the sink in ~0.3 s here.
QUIET_SECONDS = 1.5
# Dialog actions beyond the contract's hooks, named by the extension's dialog.js.
SUGGESTION = '[data-atesaki="did-you-mean"]'
MOVE_TO_BCC = '[data-atesaki="move-to-bcc"]'


def assert_nothing_sent(sink: SmtpSink) -> None:
    """Nothing reached the SMTP server, watched for QUIET_SECONDS."""
    time.sleep(QUIET_SECONDS)
    assert [m.rcpt_tos for m in sink.received()] == []


def assert_exactly_one(sink: SmtpSink):
    """Exactly one message arrived (and no second one follows); return it."""
    sink.wait_for(1)
    time.sleep(QUIET_SECONDS)
    sent = sink.received()
    assert len(sent) == 1, [m.rcpt_tos for m in sent]
    return sent[0]


def forward_from_partner(user: RoundcubeUser, mail_stack) -> None:
    """Open Roundcube's forward of a real message from an outside partner."""
    uid = deliver_to_inbox(
        mail_stack.dovecot,
        sender="山田 太郎 <yamada@partner.example.net>",
        to=MAIL_ADDRESS,
        subject="学校見学会の参加者名簿",
        body="参加者名簿を添付します。ご確認ください。",
    )
    user.compose(forward_uid=uid)
    user.wait_protected()


def new_message(user: RoundcubeUser, subject: str = "打ち合わせの件") -> None:
    """Open a new message with a subject and a body (an empty body makes Roundcube ask)."""
    user.compose()
    user.wait_protected()
    user.set_subject(subject)
    user.set_body("よろしくお願いいたします。")


def wrong(code: str) -> str:
    """A six-digit code that is not `code`."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def confirm_and_send(dialog: AtesakiDialog, checker) -> None:
    """Tick every recipient, enter a second checker's code when asked, press the dialog's Send."""
    dialog.tick_all()
    if dialog.needs_code():
        dialog.enter_code(checker.code(), checker=checker.name)
    expect(dialog.send_button()).to_be_enabled()
    dialog.send_button().click()


def finish_after_change(user: RoundcubeUser, dialog: AtesakiDialog, address: str, checker) -> None:
    """After a swap or a move in the dialog, the extension checks again: finish and send.

    The new check may pass outright (the message goes at once) or show the dialog again
    with a row for `address`; wait for whichever happens, then confirm if asked.
    """
    new_row = dialog.root.locator(f'li[data-address="{address}"] [data-atesaki="tick"]')
    sent = user.page.locator(SENT_TOAST)
    expect(new_row.or_(sent).first).to_be_visible()
    if not sent.first.is_visible():
        confirm_and_send(dialog, checker)
    user.wait_until_sent()


def test_the_incident_is_held_until_every_recipient_is_ticked_and_a_checker_approves(
    protected_user, mail_stack, sink, roundcube_contacts, checker, screenshots
):
    user = protected_user
    roundcube_contacts("佐藤 健二", "k.sato@example.com")
    forward_from_partner(user, mail_stack)
    user.add_recipient("to", "佐藤", pick="k.sato@example.com")
    user.add_recipient("bcc", "kiroku@agency.go.jp")

    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    homonym = dialog.finding("surname_homonym")
    expect(homonym.first).to_be_visible()
    expect(dialog.root).to_contain_text("佐藤 美咲")
    dialog.screenshot(str(screenshots / "roundcube-dialog-ja.png"))

    assert dialog.ticks().count() == 2
    assert not dialog.send_enabled()
    dialog.ticks().first.check()
    assert not dialog.send_enabled(), "one recipient is still unticked"
    dialog.tick_all()
    assert dialog.needs_code(), "a surname homonym needs a second checker"
    assert not dialog.send_enabled(), "no code entered yet"
    assert sink.received() == []

    dialog.enter_code(wrong(checker.code()), checker=checker.name)
    dialog.send_button().click()
    assert_nothing_sent(sink)
    assert dialog.is_open(), "a wrong code must keep the dialog open"

    dialog.enter_code(checker.code(), checker=checker.name)
    dialog.send_button().click()
    user.wait_until_sent()

    sent = assert_exactly_one(sink)
    assert sorted(sent.rcpt_tos) == ["k.sato@example.com", "kiroku@agency.go.jp"]
    assert sent.recipient_headers() == {"to": ["k.sato@example.com"], "cc": [], "bcc": []}


def test_did_you_mean_swaps_to_the_colleague_and_the_message_goes_only_to_her(
    protected_user, mail_stack, sink, roundcube_contacts, checker
):
    user = protected_user
    roundcube_contacts("佐藤 健二", "k.sato@example.com")
    forward_from_partner(user, mail_stack)
    user.add_recipient("to", "佐藤", pick="k.sato@example.com")

    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    suggestion = dialog.root.locator(SUGGESTION).filter(has_text="佐藤 美咲")
    suggestion.first.click()

    # Roundcube's own field now holds the colleague, not the outsider.
    expect(user.page.locator("#compose_to li.recipient")).to_have_count(1)
    assert "m-sato@agency.go.jp" in user.recipients("to")
    assert "k.sato@example.com" not in user.recipients("to")
    finish_after_change(user, dialog, "m-sato@agency.go.jp", checker)

    sent = assert_exactly_one(sink)
    assert sent.rcpt_tos == ["m-sato@agency.go.jp"]
    assert "k.sato@example.com" not in sent.header_addresses()


def test_a_cc_added_after_the_check_is_checked_again_never_sent_on_the_old_approval(
    protected_user, sink, roundcube_contacts, checker, enrol_checker
):
    user = protected_user
    # Enrolled now so the dialog's checker list holds both; the first checker's code of
    # this time step is spent on the first round, a colleague approves the second.
    colleague = enrol_checker("高橋 次郎")
    roundcube_contacts("佐藤 健二", "k.sato@example.com")
    user.compose()
    user.wait_protected()
    user.set_body("資料をお送りします。")
    user.add_recipient("to", "佐藤", pick="k.sato@example.com")

    # First round: everything approved, but Roundcube itself stops the send (no subject)
    # and the user cancels its prompt to add a Cc instead.
    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    confirm_and_send(dialog, checker)
    prompt = user.page.locator(".ui-dialog:visible")
    prompt.wait_for()
    prompt.locator("button.cancel, button:has-text('キャンセル')").first.click()
    assert_nothing_sent(sink)

    user.set_subject("資料送付")
    user.add_recipient("cc", "kacho@agency.go.jp")
    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    expect(dialog.root).to_contain_text("kacho@agency.go.jp")
    assert dialog.ticks().count() == 2
    assert not dialog.send_enabled(), "the new list starts unticked"
    assert_nothing_sent(sink)

    confirm_and_send(dialog, colleague)
    user.wait_until_sent()
    sent = assert_exactly_one(sink)
    assert sorted(sent.rcpt_tos) == ["k.sato@example.com", "kacho@agency.go.jp"]


def test_with_the_service_stopped_send_sends_nothing_and_the_dialog_says_why(
    protected_user, sink, atesaki, screenshots
):
    user = protected_user
    new_message(user)
    user.add_recipient("to", "k.sato@example.com")
    atesaki.stop()

    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    error = dialog.hook("error")
    expect(error).to_be_visible()
    assert error.inner_text().strip(), "the dialog must say why nothing can be sent"
    dialog.screenshot(str(screenshots / "roundcube-service-down-ja.png"))
    send = dialog.send_button()
    assert send.count() == 0 or not dialog.send_enabled()
    assert_nothing_sent(sink)


def test_keyboard_send_is_intercepted_like_the_button(protected_user, sink, checker):
    user = protected_user
    new_message(user)
    user.add_recipient("to", "k.sato@example.com")

    # Roundcube 1.6 has no send shortcut of its own: from the keyboard, a person tabs to
    # Send and presses Enter or Space, which fires the button's click.
    for key in ("Enter", "Space"):
        user.send_button().focus()
        user.page.keyboard.press(key)
        dialog = AtesakiDialog(user.page).wait_open()
        assert_nothing_sent(sink)
        dialog.hook("cancel").click()
        dialog.wait_closed()

    # Ctrl+Enter, the send shortcut of other webmails, is taken as a Send too: checked first.
    user.page.locator("#composebody").press("Control+Enter")
    dialog = AtesakiDialog(user.page).wait_open()
    assert sink.received() == []
    confirm_and_send(dialog, checker)
    user.wait_until_sent()
    assert assert_exactly_one(sink).rcpt_tos == ["k.sato@example.com"]


def send_to_a_colleague_and_two_outsiders(
    user: RoundcubeUser, subject: str, outsider: str
) -> AtesakiDialog:
    """A new message to a colleague and `outsider` in To and 伊藤 of beta-kogyo in Cc; Send."""
    new_message(user, subject=subject)
    user.add_recipient("to", "kacho@agency.go.jp")
    user.add_recipient("to", outsider)
    user.add_recipient("cc", "伊藤 <ito@beta-kogyo.co.jp>")
    user.click_send()
    return AtesakiDialog(user.page).wait_open()


def test_move_to_bcc_hides_two_outside_organisations_from_each_other(
    protected_user, sink, checker, screenshots
):
    user = protected_user
    dialog = send_to_a_colleague_and_two_outsiders(
        user, "合同説明会のご案内", "小林 <kobayashi@alpha-shoji.co.jp>"
    )
    expect(dialog.finding("visible_external_recipients").first).to_be_visible()
    dialog.screenshot(str(screenshots / "roundcube-move-to-bcc-ja.png"))
    dialog.root.locator(MOVE_TO_BCC).first.click()

    # Roundcube's own fields changed: the outsiders are in Bcc now.
    expect(user.page.locator("#compose_bcc li.recipient")).to_have_count(2)
    assert "kobayashi@alpha-shoji.co.jp" not in user.recipients("to")
    assert "ito@beta-kogyo.co.jp" not in user.recipients("cc")
    finish_after_change(user, dialog, "ito@beta-kogyo.co.jp", checker)

    sent = assert_exactly_one(sink)
    assert sorted(sent.rcpt_tos) == [
        "ito@beta-kogyo.co.jp",
        "kacho@agency.go.jp",
        "kobayashi@alpha-shoji.co.jp",
    ]
    assert sent.recipient_headers() == {"to": ["kacho@agency.go.jp"], "cc": [], "bcc": []}
    assert "kobayashi@alpha-shoji.co.jp" not in sent.header_addresses()
    assert "ito@beta-kogyo.co.jp" not in sent.header_addresses()


def test_administrators_rules_show_the_note_and_hold_outsiders_until_they_are_in_bcc(
    protected_user, sink, checker, atesaki
):
    # The administrator adds rules while the service runs: it follows config.toml.
    note = "学校宛て: 児童生徒の個人情報は送らないこと"
    config = atesaki.data_dir / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[policy]\nvisible_external_action = "bcc"\n\n'
        f'[[attention_domains]]\ndomain = "ed.jp"\nnote = "{note}"\n',
        encoding="utf-8",
    )
    user = protected_user
    dialog = send_to_a_colleague_and_two_outsiders(
        user, "見学会のご案内", "山本 <yamamoto@east.school.ed.jp>"
    )
    expect(dialog.finding("attention_domain")).to_contain_text(note)
    dialog.tick_all()
    expect(dialog.send_button()).to_be_disabled()  # block: two outsiders see each other
    assert_nothing_sent(sink)
    dialog.root.locator(MOVE_TO_BCC).first.click()

    expect(user.page.locator("#compose_bcc li.recipient")).to_have_count(2)
    finish_after_change(user, dialog, "ito@beta-kogyo.co.jp", checker)
    sent = assert_exactly_one(sink)
    assert sorted(sent.rcpt_tos) == [
        "ito@beta-kogyo.co.jp",
        "kacho@agency.go.jp",
        "yamamoto@east.school.ed.jp",
    ]
    assert sent.recipient_headers() == {"to": ["kacho@agency.go.jp"], "cc": [], "bcc": []}


def test_roundcube_no_subject_prompt_after_the_check_sends_once(protected_user, sink, checker):
    user = protected_user
    user.compose()
    user.wait_protected()
    user.set_body("資料をお送りします。")
    user.add_recipient("to", "k.sato@example.com")

    user.click_send()
    confirm_and_send(AtesakiDialog(user.page).wait_open(), checker)
    # Checked and approved; now Roundcube itself asks for the missing subject. Typing one
    # and pressing its "send" is the normal way on: the recipients cannot change meanwhile.
    prompt = user.page.locator(".ui-dialog:visible")
    prompt.locator("input").fill("資料送付")
    prompt.locator("button.mainaction.send").click()
    user.wait_until_sent()

    sent = assert_exactly_one(sink)
    assert sent.rcpt_tos == ["k.sato@example.com"]
    assert sent.message["Subject"] == "資料送付"
