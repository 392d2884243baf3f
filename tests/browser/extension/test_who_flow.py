"""Sender, greeting, attachment names and pastes end to end: Chromium, the Gmail and Roundcube fixtures, the real service."""

from __future__ import annotations

import pytest

from .conftest import EXTENSION_ORIGIN
from .helpers import Dialog, real_service
from .test_with_service import real  # noqa: F401 - the browser paired with `service` below

pytestmark = pytest.mark.browser

SEND = {"gmail": ".T-I.aoO", "roundcube": "a.send"}
BODY = {"gmail": ".M9 [g_editable]", "roundcube": "#composebody"}
WEBMAILS = pytest.mark.parametrize("webmail", list(SEND))
STAFF_VCF = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:佐藤;美咲;;;\r\nFN:佐藤 美咲\r\n"
    "EMAIL;TYPE=INTERNET:m-sato@agency.go.jp\r\nEND:VCARD\r\n"
)
CONTACTS_VCF = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:山本;太郎;;;\r\nFN:山本 太郎\r\nORG:株式会社ABC商事\r\n"
    "EMAIL;TYPE=INTERNET:t.yamamoto@abc-shoji.co.jp\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:伊藤;美咲;;;\r\nFN:伊藤 美咲\r\nORG:A社\r\n"
    "EMAIL;TYPE=INTERNET:m.ito@a-sha.co.jp\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:髙橋;次郎;;;\r\nFN:髙橋 次郎\r\nORG:B社\r\n"
    "EMAIL;TYPE=INTERNET:j.takahashi@b-sha.co.jp\r\nEND:VCARD\r\n"
)
TAKAHASHI = {"name": "髙橋 次郎", "address": "j.takahashi@b-sha.co.jp"}


@pytest.fixture
def service(service_factory, tmp_path):
    """The real service with a staff directory and contacts at three organisations."""
    return real_service(service_factory, tmp_path, EXTENSION_ORIGIN,
                        directory=STAFF_VCF, contacts=CONTACTS_VCF)


def finding(dialog: Dialog, code: str):
    return dialog.root.locator(f'[data-atesaki="finding"][data-code="{code}"]')


@WEBMAILS
def test_a_greeting_and_a_file_for_someone_else_are_shown_in_the_dialog(real, webmail):
    page = real.open(webmail)
    page.evaluate("m => __fixture.compose(m)", {
        "to": [TAKAHASHI], "subject": "お見積り", "body": "山本様\n\nいつもお世話になっております。",
        "attachments": ["A社様_見積書.pdf"],
    })
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_rows()
    greeting = finding(dialog, "addressee_not_recipient")
    assert "山本様" in greeting.inner_text() and "t.yamamoto@abc-shoji.co.jp" in greeting.inner_text()
    assert "A社" in finding(dialog, "attachment_names_other_org").inner_text()
    assert dialog.hook("checker").count() == 1, "a greeting for someone else needs a second checker"


@WEBMAILS
def test_the_greeting_of_the_recipient_raises_nothing(real, webmail):
    page = real.open(webmail)
    page.evaluate("m => __fixture.compose(m)", {
        "to": [TAKAHASHI], "subject": "お見積り", "body": "高橋様\n\nいつもお世話になっております。",
        "attachments": ["B社様_見積書.pdf"],
    })
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_rows()
    assert finding(dialog, "addressee_not_recipient").count() == 0
    assert finding(dialog, "attachment_names_other_org").count() == 0


# Where each webmail shows who is writing: Gmail's title, Roundcube's From menu.
PERSONAL_SENDER = {
    "gmail": "document.title = 'Inbox - tanaka.home@gmail.com - Gmail'",
    "roundcube": "document.querySelector('#_from option').textContent = "
                 "'田中 一郎 <tanaka.home@gmail.com>'",
}


@WEBMAILS
def test_a_personal_account_writing_to_a_colleague_is_shown_on_the_row(real, webmail):
    page = real.open(webmail)
    page.evaluate(PERSONAL_SENDER[webmail])
    page.evaluate("m => __fixture.compose(m)", {
        "to": [{"name": "佐藤 美咲", "address": "m-sato@agency.go.jp"}], "subject": "会議"})
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_rows()
    row = dialog.root.locator('li[data-address="m-sato@agency.go.jp"]')
    assert "tanaka.home@gmail.com" in row.locator(
        '[data-atesaki="finding"][data-code="sender_identity"]').inner_text()


def paste(page, text: str, webmail: str = "gmail") -> None:
    """Paste ``text`` into the compose body as the browser reports a paste."""
    page.evaluate(
        """([text, selector]) => {
          const body = document.querySelector(selector);
          body.focus();
          const data = new DataTransfer();
          data.setData('text/plain', text);
          const event = new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true});
          if (body.dispatchEvent(event)) document.execCommand('insertText', false, text);
        }""",
        [text, BODY[webmail]],
    )


def show_thread_message(page, text: str, to: list[str]) -> None:
    """An open conversation on the page, as Gmail shows it: a message to ``to`` holding ``text``."""
    page.evaluate(
        """([text, to]) => {
          const message = document.createElement('div');
          message.className = 'adn ads';
          message.innerHTML = '<div class="gE"><span class="gD" email="boss@other-client.jp">Boss</span> to '
            + to.map((a) => `<span class="g2" email="${a}">${a}</span>`).join(' ') + '</div><div class="a3s"></div>';
          message.querySelector('.a3s').innerText = text;
          document.getElementById('main').prepend(message);
        }""",
        [text, to],
    )


def test_text_pasted_from_a_message_to_other_people_is_shown(real):
    page = real.open("gmail")
    secret = "来月の入札価格は 1,250 万円で確定しました。社外には出さないでください。"
    show_thread_message(page, secret, ["keiri@other-client.jp"])
    page.evaluate("m => __fixture.compose(m)", {
        "to": [{"name": "佐藤 美咲", "address": "m-sato@agency.go.jp"}], "subject": "共有"})
    paste(page, secret)
    page.click(SEND["gmail"])
    dialog = Dialog(page).wait_rows()
    shown = finding(dialog, "pasted_text").inner_text()
    assert "keiri@other-client.jp" in shown or "boss@other-client.jp" in shown


@WEBMAILS
def test_a_long_paste_is_shown_and_a_short_one_is_not(real, webmail):
    page = real.open(webmail)
    page.evaluate("m => __fixture.compose(m)", {
        "to": [{"name": "山本 太郎", "address": "t.yamamoto@abc-shoji.co.jp"}], "subject": "資料"})
    paste(page, "よろしくお願いします。", webmail)
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_rows()
    assert finding(dialog, "pasted_text").count() == 0
    dialog.hook("cancel").click()
    dialog.wait_closed()
    paste(page, "仕様の説明です。" * 60, webmail)
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_rows()
    assert "480" in finding(dialog, "pasted_text").inner_text()
