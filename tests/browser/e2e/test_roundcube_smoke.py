"""The bare Roundcube environment, without the extension: what the extension tests rely on."""

from __future__ import annotations

import pytest

from .servers import MAIL_ADDRESS

pytestmark = [pytest.mark.roundcube, pytest.mark.browser]


def test_send_to_cc_and_bcc_reaches_the_sink_with_bcc_only_in_the_envelope(
    webmail_user, sink, roundcube_contacts
):
    roundcube_contacts("佐藤 健二", "k.sato@example.com")
    webmail_user.compose()
    webmail_user.add_recipient("to", "佐藤", pick="k.sato@example.com")
    webmail_user.add_recipient("cc", "kacho@agency.go.jp")
    webmail_user.add_recipient("bcc", "hidden@example.org")
    webmail_user.set_subject("学校見学会について")
    webmail_user.set_body("資料をお送りします。")

    webmail_user.click_send()
    webmail_user.wait_until_sent()

    [sent] = sink.wait_for(1)
    assert sent.mail_from == MAIL_ADDRESS
    assert sorted(sent.rcpt_tos) == [
        "hidden@example.org",
        "k.sato@example.com",
        "kacho@agency.go.jp",
    ]
    assert sent.recipient_headers() == {
        "to": ["k.sato@example.com"],
        "cc": ["kacho@agency.go.jp"],
        "bcc": [],
    }
    assert "hidden@example.org" not in sent.header_addresses()
    assert sent.message["Subject"] == "学校見学会について"
    # The name picked from the address book is what Roundcube puts in the header.
    assert "佐藤 健二" in str(sent.message["To"])


def test_autocomplete_lists_every_contact_sharing_the_typed_surname(
    webmail_user, roundcube_contacts
):
    roundcube_contacts("佐藤 健二", "k.sato@example.com")
    roundcube_contacts("佐藤 美咲", "m-sato@agency.go.jp")
    roundcube_contacts("鈴木 花子", "h.suzuki@agency.go.jp")
    webmail_user.compose()
    box = webmail_user.field_input("to")
    box.fill("佐藤")
    box.press("End")

    items = webmail_user.page.locator("#rcmKSearchpane li")
    items.nth(1).wait_for()
    texts = sorted(items.all_inner_texts())
    assert texts == ["佐藤 健二 <k.sato@example.com>", "佐藤 美咲 <m-sato@agency.go.jp>"]

    # Picking one fills the field with that person only: the mistake the product prevents.
    items.filter(has_text="k.sato@example.com").click()
    assert webmail_user.recipients("to").strip() == "佐藤 健二 <k.sato@example.com>,"
