"""The administrator's rules end to end: Chromium, the Gmail and Roundcube fixture pages, the real service.

Attention notes on the row, always-approve domains that need a code, outsiders held until
they are in Bcc, directory lists shown with their size, and the send delay's Undo.
"""

from __future__ import annotations

import time

import pytest

from tests.conftest import write_config

from .conftest import EXTENSION_ORIGIN
from .helpers import Dialog, pairs, real_service, sent, still_nothing_sent, wait_sent
from .test_with_service import enrol, real  # noqa: F401 - the browser paired with `service` below

pytestmark = pytest.mark.browser

SEND = {"gmail": ".T-I.aoO", "roundcube": "a.send"}
WEBMAILS = pytest.mark.parametrize("webmail", list(SEND))
NOTE = "学校宛て: 児童生徒の個人情報は送らないこと"
STAFF_VCF = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:佐藤;美咲;;;\r\nFN:佐藤 美咲\r\n"
    "EMAIL;TYPE=INTERNET:m-sato@agency.go.jp\r\nEND:VCARD\r\n"
)
LISTS_CSV = "Name,E-mail Address,Kind,Members\n職員 全員,all-staff@agency.go.jp,list,40\n"
COLLEAGUE = {"name": "佐藤 美咲", "address": "m-sato@agency.go.jp"}
TEACHER = {"name": "山本 一郎", "address": "head@east.school.ed.jp"}
PRESS = {"name": "", "address": "desk@press.example"}
ALPHA = {"name": "小林", "address": "kobayashi@alpha-shoji.co.jp"}
BETA = {"name": "伊藤", "address": "ito@beta-kogyo.co.jp"}
ALL_STAFF = {"name": "職員 全員", "address": "all-staff@agency.go.jp"}
RULES = {
    "internal_domains": ["agency.go.jp"],
    "extension_origins": [EXTENSION_ORIGIN],
    # "never": whatever needs a code here needs it by the administrator's rule alone.
    "policy": {"approval": "never", "approve_domains": ["press.example"],
               "visible_external_action": "bcc", "large_audience": 15},
    "attention_domains": [{"domain": "ed.jp", "note": NOTE}],
}


@pytest.fixture
def service(service_factory, tmp_path):
    """The real service under the administrator's rules, with a staff directory and one list."""
    live = real_service(service_factory, tmp_path, EXTENSION_ORIGIN, directory=STAFF_VCF)
    lists = tmp_path / "lists.csv"
    lists.write_text(LISTS_CSV, encoding="utf-8")
    done = live.cli("import", "directory", str(lists))
    assert done.returncode == 0, done.stdout + done.stderr
    write_config(live.data_dir, RULES)  # the running service follows config.toml
    return live


def compose_and_send(page, webmail: str, **message) -> Dialog:
    page.evaluate("m => __fixture.compose(m)", {"subject": "ご案内", **message})
    page.click(SEND[webmail])
    return Dialog(page)


def row(dialog: Dialog, address: str):
    return dialog.root.locator(f'li[data-address="{address}"]')


@WEBMAILS
def test_the_administrators_note_is_on_the_row_of_an_attention_domain(real, webmail):
    page = real.open(webmail)
    dialog = compose_and_send(page, webmail, to=[TEACHER, COLLEAGUE]).wait_rows()
    note = row(dialog, TEACHER["address"]).locator(
        '[data-atesaki="finding"][data-code="attention_domain"]')
    assert NOTE in note.inner_text()
    assert row(dialog, COLLEAGUE["address"]).locator('[data-code="attention_domain"]').count() == 0
    assert dialog.hook("code").count() == 0, "a note asks for care, not for a checker"


@WEBMAILS
def test_an_always_approve_domain_sends_nothing_until_a_checkers_code(real, service, webmail):
    checker = enrol(service, "鈴木 花子")
    page = real.open(webmail)
    dialog = compose_and_send(page, webmail, to=[PRESS]).wait_rows()
    assert row(dialog, PRESS["address"]).locator('[data-code="approval_rule"]').count() == 1
    dialog.tick_all()
    assert not dialog.send_enabled(), "ticks alone do not release it: the rule wants a code"
    assert still_nothing_sent(page, 0.2)
    dialog.hook("checker").select_option(label="鈴木 花子")
    dialog.hook("code").fill(checker.now())
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("to", PRESS["address"])]


@WEBMAILS
def test_outsiders_in_to_and_cc_are_held_until_they_are_moved_to_bcc(real, webmail):
    page = real.open(webmail)
    dialog = compose_and_send(page, webmail, to=[COLLEAGUE, ALPHA], cc=[BETA]).wait_rows()
    dialog.tick_all()
    assert not dialog.send_enabled(), "the office's rule: not while they see each other"
    dialog.hook("move-to-bcc").click()
    page.wait_for_function("""document.querySelector('[data-atesaki=dialog]').shadowRoot
        .querySelectorAll('li[data-field=bcc]').length === 2""")
    dialog.tick_all()
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [
        ("bcc", BETA["address"]), ("bcc", ALPHA["address"]), ("to", COLLEAGUE["address"])]


@WEBMAILS
def test_a_directory_list_shows_its_size_and_counts_as_its_members(real, webmail):
    page = real.open(webmail)
    dialog = compose_and_send(page, webmail, to=[ALL_STAFF, TEACHER]).wait_rows()
    badge = row(dialog, ALL_STAFF["address"]).locator('[data-atesaki="mailing-list"]')
    assert badge.inner_text() == "list · 40 members"
    assert badge.get_attribute("data-members") == "40"
    assert row(dialog, TEACHER["address"]).locator('[data-atesaki="mailing-list"]').count() == 0
    audience = dialog.root.locator('[data-atesaki="finding"][data-code="large_audience"]')
    assert "41 people" in audience.inner_text()


@WEBMAILS
def test_undo_in_the_delay_keeps_the_compose_and_nothing_is_sent_or_recorded(real, service, webmail):
    write_config(service.data_dir, {**RULES, "policy": {**RULES["policy"], "send_delay": 2}})
    page = real.open(webmail)
    dialog = compose_and_send(page, webmail, to=[TEACHER], cc=[COLLEAGUE], body="本文です。")
    dialog.wait_rows().tick_all()
    dialog.hook("send").click()
    page.locator('[data-atesaki="undo"]').click(timeout=4000)
    time.sleep(2.5)
    assert sent(page) == []
    assert pairs(page.evaluate("__fixture.read('0')")) == [
        ("cc", COLLEAGUE["address"]), ("to", TEACHER["address"])]
    status, _, answer = service.request(
        "POST", "/v1/check", {"recipients": [{"field": "to", "address": TEACHER["address"]}]})
    assert status == 200 and answer["recipients"][0]["sent_count"] == 0, "no send was recorded"


@WEBMAILS
def test_closing_the_tab_in_the_delay_sends_nothing_and_records_nothing(real, service, webmail):
    write_config(service.data_dir, {**RULES, "policy": {**RULES["policy"], "send_delay": 2}})
    page = real.open(webmail)
    compose_and_send(page, webmail, to=[COLLEAGUE])
    page.locator('[data-atesaki="undo"]').wait_for(state="visible", timeout=4000)
    page.close()
    time.sleep(2.7)
    status, _, answer = service.request(
        "POST", "/v1/check", {"recipients": [{"field": "to", "address": COLLEAGUE["address"]}]})
    assert status == 200 and answer["recipients"][0]["sent_count"] == 0
