"""End to end in Chromium against the real `atesaki serve`: check, dialog, approval, send, history."""

from __future__ import annotations

import json
import time

import pytest

from .conftest import EXTENSION_ORIGIN
from .helpers import Dialog, pairs, real_service, sent, still_nothing_sent, wait_sent

pytestmark = pytest.mark.browser

SEND = ".T-I.aoO"
STAFF_VCF = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:佐藤;美咲;;;\r\nFN:佐藤 美咲\r\n"
    "X-PHONETIC-LAST-NAME:さとう\r\nX-PHONETIC-FIRST-NAME:みさき\r\n"
    "EMAIL;TYPE=INTERNET:m-sato@agency.go.jp\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:田中;一郎;;;\r\nFN:田中 一郎\r\n"
    "EMAIL;TYPE=INTERNET:tanaka@agency.go.jp\r\nEND:VCARD\r\n"
)
OUTSIDER = {"name": "佐藤 健二", "address": "k.sato@example.com"}


@pytest.fixture
def service(service_factory, tmp_path):
    """The real service, accepting this extension's origin, with a small staff directory."""
    return real_service(service_factory, tmp_path, EXTENSION_ORIGIN, directory=STAFF_VCF)


@pytest.fixture
def real(browser, service, fixture_server):
    """The browser paired with the real service."""
    browser.configure(serverUrl=service.url, token=service.token, webmailHosts=[fixture_server])
    yield browser
    browser.close_pages()


def enrol(service, name: str):
    """Enrol a second checker through the CLI; returns their TOTP."""
    import pyotp

    done = service.cli("checker", "add", name, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    return pyotp.parse_uri(json.loads(done.stdout)["otpauth_uri"])


def test_internal_mail_passes_with_no_dialog_and_enters_history(real, service):
    page = real.open("gmail")
    page.evaluate(
        "__fixture.compose({to: [{name: '', address: 'm-sato@agency.go.jp'}], subject: 'Re: 会議'})"
    )
    page.click(SEND)
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("to", "m-sato@agency.go.jp")]
    assert not Dialog(page).is_open()
    # The send was recorded: the next check knows this address was sent to once. The
    # worker records it after releasing the send, so ask until it lands (a loaded CI is slow).
    deadline = time.monotonic() + 10
    while True:
        status, _headers, answer = service.request(
            "POST", "/v1/check", {"recipients": [{"field": "to", "address": "m-sato@agency.go.jp"}]}
        )
        assert status == 200
        if answer["recipients"][0]["sent_count"] or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert answer["recipients"][0]["sent_count"] == 1


def test_an_approve_verdict_sends_nothing_until_a_valid_code_then_exactly_once(real, service):
    checker = enrol(service, "鈴木 花子")
    page = real.open("gmail")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER], "subject": "学校見学会"})
    page.click(SEND)
    dialog = Dialog(page).wait_rows()
    assert dialog.hook("code").is_visible(), (
        "a new message to an unknown outsider needs a second checker"
    )
    assert dialog.root.locator('[data-code="surname_homonym"]').count() == 1
    assert "m-sato@agency.go.jp" in dialog.hook("did-you-mean").inner_text()
    dialog.tick_all()
    dialog.hook("checker").select_option(label="鈴木 花子")
    wrong = f"{(int(checker.now()) + 1) % 1_000_000:06d}"
    dialog.hook("code").fill(wrong)
    dialog.hook("send").click()
    dialog.hook("approval-error").wait_for(state="visible")
    assert still_nothing_sent(page)
    dialog.hook("code").fill(checker.now())
    dialog.hook("send").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("to", "k.sato@example.com")]
    page.wait_for_timeout(500)
    assert len(sent(page)) == 1


def test_did_you_mean_picks_the_colleague_from_the_real_directory(real, service):
    page = real.open("roundcube")
    page.evaluate("m => __fixture.compose(m)", {"to": [OUTSIDER], "subject": "Re: 会議"})
    page.click("a.send")
    dialog = Dialog(page).wait_rows()
    dialog.root.locator('[data-atesaki="did-you-mean"][data-address="m-sato@agency.go.jp"]').click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("to", "m-sato@agency.go.jp")]


def test_a_stopped_service_blocks_the_send_and_retry_works_once_it_is_back(real, service):
    page = real.open("gmail")
    page.evaluate(
        "__fixture.compose({to: [{name: '', address: 'm-sato@agency.go.jp'}], subject: 'Re: 会議'})"
    )
    service.stop()
    page.click(SEND)
    dialog = Dialog(page).wait_error()
    assert dialog.hook("error").get_attribute("data-error") == "service_down"
    assert still_nothing_sent(page)
    service.start()
    dialog.hook("retry").click()
    (message,) = wait_sent(page)
    assert pairs(message["recipients"]) == [("to", "m-sato@agency.go.jp")]


def test_half_an_emoji_in_the_draft_is_still_checked(real, service):
    # A lone surrogate (an emoji cut in half by an edit) is not JSON the service reads;
    # the extension sends U+FFFD in its place instead of failing the check.
    page = real.open("gmail")
    page.evaluate(
        "__fixture.compose({to: [{name: '佐藤 健二 \\uD83D', address: 'k.sato@example.com'}],"
        " subject: 'ご案内', body: '資料をお送りします \\uD83D'})"
    )
    page.click(SEND)
    dialog = Dialog(page).wait_rows()
    assert dialog.addresses() == ["k.sato@example.com"]
    assert still_nothing_sent(page)


def test_outlook_name_only_chips_resolve_against_the_staff_directory_or_block(real, service):
    page = real.open("outlook", "chip=name")
    page.evaluate("m => __fixture.compose(m)", {"to": [
        {"name": "佐藤 美咲", "address": "m-sato@agency.go.jp"},
        {"name": "山田 花子", "address": "yamada@partner.example"}]})
    page.click("button[aria-label=Send]")
    dialog = Dialog(page)
    finding = dialog.root.locator('[data-atesaki="finding"][data-code="unreadable_recipient"]')
    finding.wait_for(state="visible", timeout=5000)
    # The service's own words: the colleague was found, the outsider's name alone is not an address.
    assert "山田 花子" in finding.inner_text()
    assert dialog.addresses() == ["m-sato@agency.go.jp"]
    dialog.tick_all()
    assert not dialog.send_enabled()
    assert still_nothing_sent(page)


def checked_kinds(service) -> list[str]:
    """The kind the service decided for each check, from its audit log, oldest first."""
    exported = service.cli("audit", "export", "--format", "jsonl", "--event", "check")
    assert exported.returncode == 0, exported.stderr
    return [json.loads(line)["data"]["kind"] for line in exported.stdout.splitlines()]


@pytest.mark.parametrize(
    ("subject", "kind"),
    [("転: 資料", "forward"), ("Fwd: 資料", "forward"), ("資料", "reply"), ("返信: 資料", "reply")],
    ids=["転", "Fwd", "no prefix", "返信"],
)
def test_a_quoted_compose_is_what_the_services_one_prefix_list_says(real, service, subject, kind):
    # The extension keeps no prefix list: it says "quoted" and the service reads the subject.
    page = real.open("gmail")
    page.evaluate("m => __fixture.compose(m)",
                  {"to": [OUTSIDER], "subject": subject, "quote": "2026年11月1日 山田 太郎 wrote: 資料をください"})
    page.click(SEND)
    dialog = Dialog(page).wait_rows()
    forward_warning = dialog.root.locator('[data-atesaki="finding"][data-code="forward_external"]')
    assert forward_warning.count() == (1 if kind == "forward" else 0)
    assert checked_kinds(service) == [kind]
