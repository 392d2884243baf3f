"""On a real Roundcube: the send delay with Undo, a greeting for someone else, a pasted text,
a mailing list from the directory.

What was really sent is read at the SMTP sink, as in test_roundcube_extension.py.
"""

from __future__ import annotations

import time
import tomllib

import pytest
from playwright.sync_api import expect

from tests.conftest import write_config

from .test_roundcube_extension import (
    QUIET_SECONDS,
    assert_exactly_one,
    assert_nothing_sent,
    confirm_and_send,
)
from .webmail import AtesakiDialog

pytestmark = [pytest.mark.roundcube, pytest.mark.browser]

DELAY = 3
UNDO = '[data-atesaki="undo"]'


@pytest.fixture
def delayed(atesaki):
    """The service's policy.send_delay set to DELAY seconds (config.toml is followed live)."""
    config = tomllib.loads((atesaki.data_dir / "config.toml").read_text(encoding="utf-8"))
    write_config(atesaki.data_dir, {**config, "policy": {"send_delay": DELAY}})
    return atesaki


def colleague_message(user, body: str = "会議室を予約しました。") -> None:
    user.compose()
    user.wait_protected()
    user.set_subject("会議室")
    user.set_body(body)
    user.add_recipient("to", "kacho@agency.go.jp")


def test_undo_during_the_countdown_sends_nothing_and_the_next_send_goes_after_it(
    protected_user, sink, delayed
):
    user = protected_user
    colleague_message(user)
    user.click_send()
    undo = user.page.locator(UNDO)
    expect(undo).to_be_visible()
    undo.click()
    time.sleep(DELAY)
    assert_nothing_sent(sink)
    assert "kacho@agency.go.jp" in user.recipients("to")
    assert "会議室を予約しました。" in user.page.locator("#composebody").input_value()

    user.click_send()
    expect(undo).to_be_visible()
    started = time.monotonic()
    user.wait_until_sent(timeout=DELAY + 10)
    assert time.monotonic() - started >= DELAY - 1, "held for the delay"
    assert assert_exactly_one(sink).rcpt_tos == ["kacho@agency.go.jp"]
    expect(undo).to_have_count(0)


def test_closing_the_tab_during_the_countdown_sends_nothing(protected_user, sink, delayed):
    user = protected_user
    colleague_message(user)
    user.click_send()
    expect(user.page.locator(UNDO)).to_be_visible()
    user.page.close(run_before_unload=False)
    time.sleep(DELAY)
    time.sleep(QUIET_SECONDS)
    assert sink.received() == []


def test_a_greeting_for_someone_else_is_shown_and_needs_a_checker(
    protected_user, sink, roundcube_contacts
):
    user = protected_user
    roundcube_contacts("佐藤 健二", "k.sato@example.com")
    user.compose()
    user.wait_protected()
    user.set_subject("お見積り")
    user.set_body("山本様\n\nいつもお世話になっております。")
    user.add_recipient("to", "佐藤", pick="k.sato@example.com")
    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    expect(dialog.finding("addressee_not_recipient").first).to_contain_text("山本様")
    dialog.tick_all()
    assert dialog.needs_code()
    assert_nothing_sent(sink)


def test_a_long_paste_into_the_body_is_shown(protected_user, sink):
    user = protected_user
    colleague_message(user, body="")
    text = "前のスレッドの内容です。" * 40
    user.page.evaluate(
        """(text) => {
          const area = document.querySelector('#composebody');
          area.focus();
          const data = new DataTransfer();
          data.setData('text/plain', text);
          const event = new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true});
          if (area.dispatchEvent(event)) document.execCommand('insertText', false, text);
        }""",
        text,
    )
    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    expect(dialog.finding("pasted_text").first).to_contain_text(str(len(text)))
    assert_nothing_sent(sink)


def test_undo_after_an_approval_sends_nothing_and_the_next_send_asks_again(
    protected_user, sink, roundcube_contacts, checker, delayed
):
    user = protected_user
    roundcube_contacts("佐藤 健二", "k.sato@example.com")
    user.compose()
    user.wait_protected()
    user.set_subject("資料送付")
    user.set_body("資料をお送りします。")
    user.add_recipient("to", "佐藤", pick="k.sato@example.com")
    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    dialog.tick_all()
    assert dialog.needs_code(), "a first message to an outsider needs a second checker"
    dialog.enter_code(checker.code(), checker=checker.name)
    dialog.send_button().click()
    user.page.locator(UNDO).click()
    time.sleep(DELAY)
    assert_nothing_sent(sink)
    assert "k.sato@example.com" in user.recipients("to")
    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    dialog.tick_all()
    assert dialog.needs_code() and not dialog.send_enabled(), "the approval is not reused"


def test_a_directory_list_shows_its_size_and_counts_as_its_members(
    protected_user, sink, checker, atesaki, tmp_path
):
    lists = tmp_path / "lists.csv"
    lists.write_text("Name,E-mail Address,Kind,Members\n職員 全員,all-staff@agency.go.jp,list,40\n",
                     encoding="utf-8")
    done = atesaki.cli("import", "directory", str(lists))
    assert done.returncode == 0, done.stdout + done.stderr
    # The administrator's threshold: 30 people or more need a second checker.
    config = tomllib.loads((atesaki.data_dir / "config.toml").read_text(encoding="utf-8"))
    write_config(atesaki.data_dir, {**config, "policy": {"approval": "never",
                                                         "approve_recipients": 30}})
    user = protected_user
    user.compose()
    user.wait_protected()
    user.set_subject("全体連絡")
    user.set_body("来週の避難訓練のお知らせです。")
    user.add_recipient("to", "all-staff@agency.go.jp")
    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    expect(dialog.root.locator('[data-atesaki="mailing-list"]')).to_have_text(
        "メーリングリスト・40 名")
    expect(dialog.finding("approval_rule").first).to_contain_text("40 人")
    dialog.tick_all()
    assert dialog.needs_code(), "one address, but it reaches 40 people"
    assert_nothing_sent(sink)
    confirm_and_send(dialog, checker)
    user.wait_until_sent()
    assert assert_exactly_one(sink).rcpt_tos == ["all-staff@agency.go.jp"]
