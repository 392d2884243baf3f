"""A second real webmail, SOGo, covered by a site profile alone (docs/profiles/sogo.json).

The extension has no SOGo adapter: the generic profile adapter reads SOGo's compose
from the profile an administrator would write. The incident is played end to end and
judged where it matters, at the SMTP sink SOGo really sent to.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT

from .conftest import EXTENSION_DIR, _timed, extension_id, start_extension
from .servers import MailStack, SmtpSink
from .sogo import SogoStack, SogoUser, missing_binaries
from .webmail import AtesakiDialog

pytestmark = [pytest.mark.sogo, pytest.mark.browser]

PROFILE = ROOT / "docs" / "profiles" / "sogo.json"
SUGGESTION = '[data-atesaki="did-you-mean"]'
OUTSIDER = "k-sato@example.com"  # 佐藤 健二, an outsider with the colleague's surname
COLLEAGUE = "m-sato@agency.go.jp"  # 佐藤 美咲, in the staff directory
QUIET_SECONDS = 1.5


@pytest.fixture(scope="session")
def sogo_stack(mail_stack: MailStack) -> Iterator[SogoStack]:
    """PostgreSQL, memcached and SOGo, using the session's Dovecot and SMTP sink."""
    missing = missing_binaries()
    if missing:
        pytest.skip(
            "SOGo end-to-end tests need "
            + ", ".join(missing)
            + "; run tools/install-system-deps.sh as root"
        )
    root = Path(tempfile.mkdtemp(prefix="atesaki-sogo-"))
    with _timed("sogo stack"):
        stack = SogoStack.start(root, mail_stack.dovecot.port, mail_stack.sink.port)
    yield stack
    stack.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def sogo_contacts(sogo_stack: SogoStack) -> Iterator[Callable[[str, str], None]]:
    """Add people to SOGo's shared address book: `add(name, address)`; removed after the test."""
    yield sogo_stack.sogo.add_contact
    sogo_stack.sogo.clear_contacts()


def sogo_profile(origin: str) -> dict:
    """The documented SOGo profile, pointed at this test's SOGo."""
    profile = json.loads(PROFILE.read_text(encoding="utf-8"))
    profile["hosts"] = [origin]
    return profile


def protect(launch_chromium, atesaki, sogo_stack: SogoStack, profiles: list[dict]) -> SogoUser:
    """A browser with the extension paired, these site profiles stored, logged into SOGo."""
    context = launch_chromium(extension=EXTENSION_DIR)
    start_extension(
        context, {"serverUrl": atesaki.url, "token": atesaki.token, "siteProfiles": profiles}
    )
    page = context.pages[0] if context.pages else context.new_page()
    user = SogoUser(page, sogo_stack.sogo)
    with _timed("sogo login"):
        user.login()
    return user


@pytest.fixture
def sogo_user(launch_chromium, atesaki, sogo_stack: SogoStack, sink: SmtpSink) -> SogoUser:
    """A person in SOGo, protected by the extension through the SOGo site profile only."""
    return protect(launch_chromium, atesaki, sogo_stack, [sogo_profile(sogo_stack.sogo.origin)])


def assert_nothing_sent(sink: SmtpSink) -> None:
    """Nothing reached the SMTP server, watched for QUIET_SECONDS."""
    time.sleep(QUIET_SECONDS)
    assert [m.rcpt_tos for m in sink.received()] == []


def pick_the_outsider(user: SogoUser) -> AtesakiDialog:
    """The incident: 佐藤 typed, the outsider picked from SOGo's list, Send pressed."""
    user.compose()
    user.wait_protected()
    user.add_recipient("to", "佐藤", pick=OUTSIDER)
    user.set_subject("学校見学会の参加者名簿")
    user.set_body("参加者名簿をお送りします。")
    assert user.recipients("to") == [f"佐藤 健二 <{OUTSIDER}>"]
    user.click_send()
    return AtesakiDialog(user.page).wait_open()


def test_the_outsider_with_the_colleagues_surname_is_caught_and_swapped_for_her(
    sogo_user, sogo_contacts, sink, checker
):
    sogo_contacts("佐藤 健二", OUTSIDER)
    user = sogo_user
    dialog = pick_the_outsider(user)
    expect(dialog.finding("surname_homonym").first).to_be_visible()
    expect(dialog.root).to_contain_text("佐藤 美咲")
    assert sink.received() == []

    dialog.root.locator(SUGGESTION).filter(has_text="佐藤 美咲").first.click()
    # SOGo's own chips now hold the colleague (its remove control, then typed and a comma).
    expect(user.field("to").locator("md-chip")).to_have_count(1)
    expect(user.field("to").locator("md-chip")).to_contain_text(COLLEAGUE)

    # The check runs again on what SOGo now holds: it passes and the message goes, or the
    # dialog asks again with a row for her; wait for whichever happens, confirm if asked.
    row = dialog.root.locator(f'li[data-address="{COLLEAGUE}"] [data-atesaki="tick"]')
    closed = user.page.locator("#mailEditor")
    deadline = time.monotonic() + 10
    while (
        closed.count()
        and not (row.count() and row.first.is_visible())
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    if closed.count():
        dialog.tick_all()
        if dialog.needs_code():
            dialog.enter_code(checker.code(), checker=checker.name)
        dialog.send_button().click()
    user.wait_until_sent()
    assert closed.count() == 0

    sent = sink.wait_for(1)
    time.sleep(QUIET_SECONDS)
    assert len(sink.received()) == 1
    assert sent[0].rcpt_tos == [COLLEAGUE]
    assert OUTSIDER not in sent[0].header_addresses()


def test_cancel_sends_nothing_and_leaves_the_compose_as_it_was(sogo_user, sogo_contacts, sink):
    sogo_contacts("佐藤 健二", OUTSIDER)
    user = sogo_user
    dialog = pick_the_outsider(user)
    expect(dialog.finding("surname_homonym").first).to_be_visible()
    dialog.hook("cancel").click()
    dialog.wait_closed()
    assert_nothing_sent(sink)
    assert user.recipients("to") == [f"佐藤 健二 <{OUTSIDER}>"]
    expect(user.page.locator("#mailEditor")).to_be_visible()


def test_a_send_approved_after_ticks_and_a_code_goes_to_exactly_what_was_checked(
    sogo_user, sogo_contacts, sink, checker
):
    sogo_contacts("佐藤 健二", OUTSIDER)
    user = sogo_user
    dialog = pick_the_outsider(user)
    dialog.tick_all()
    assert dialog.needs_code(), "a surname homonym needs a second checker"
    dialog.enter_code(checker.code(), checker=checker.name)
    dialog.send_button().click()
    user.wait_until_sent()
    sent = sink.wait_for(1)
    assert sent[0].rcpt_tos == [OUTSIDER]
    assert sent[0].recipient_headers() == {"to": [OUTSIDER], "cc": [], "bcc": []}


def misspelt_send(profile: dict) -> None:
    """`send` misspelt, as a bad policy could deliver it: the profile is invalid."""
    profile["sned"] = profile.pop("send")


def stale_send(profile: dict) -> None:
    """A valid profile whose Send selector no longer matches (the webmail changed)."""
    profile["send"]["buttons"] = 'button[ng-click="editor.sendNow()"]'


@pytest.mark.parametrize(
    ("break_it", "mark", "named"),
    [
        (misspelt_send, "broken", ["sogo", "send", "sned"]),
        (stale_send, "sogo", ["sogo", "send.buttons"]),
    ],
    ids=["invalid", "stale"],
)
def test_a_broken_profile_blocks_the_send_and_names_what_is_wrong(
    launch_chromium, atesaki, sogo_stack, sink, break_it, mark, named
):
    broken = sogo_profile(sogo_stack.sogo.origin)
    break_it(broken)
    user = protect(launch_chromium, atesaki, sogo_stack, [broken])
    user.compose()
    user.page.locator(f'html[data-atesaki-profile="{mark}"]').wait_for(state="attached")
    user.add_recipient("to", "someone@example.org")
    user.set_subject("件名")
    user.click_send()
    dialog = AtesakiDialog(user.page).wait_open()
    error = dialog.hook("error")
    expect(error).to_be_visible()
    text = error.inner_text()
    assert all(word in text for word in named), text
    assert_nothing_sent(sink)


def test_the_profile_pasted_on_the_options_page_protects_sogo(
    launch_chromium, atesaki, sogo_stack, sogo_contacts, sink
):
    sogo_contacts("佐藤 健二", OUTSIDER)
    context = launch_chromium(extension=EXTENSION_DIR, lang="en")
    start_extension(context, {"serverUrl": atesaki.url, "token": atesaki.token}, registered=False)
    options = context.new_page()
    options.goto(f"chrome-extension://{extension_id()}/options/options.html")

    # A typo first: the page names the place and does not save.
    bad = sogo_profile(sogo_stack.sogo.origin)
    bad["recipients"]["to"]["chips"]["chip"] = "md-chip[["
    options.fill("#profiles", json.dumps(bad, ensure_ascii=False, indent=2))
    options.click("#save-profiles")
    problem = options.locator('#profile-errors li[data-path="recipients.to.chips.chip"]')
    expect(problem).to_contain_text("not a valid CSS selector")
    expect(options.locator("#profiles-saved")).to_be_hidden()

    options.fill(
        "#profiles", json.dumps(sogo_profile(sogo_stack.sogo.origin), ensure_ascii=False, indent=2)
    )
    options.click("#save-profiles")
    expect(options.locator("#profiles-saved")).to_be_visible()
    expect(options.locator("#profile-errors")).to_be_hidden()

    user = SogoUser(options, sogo_stack.sogo)
    user.login()
    dialog = pick_the_outsider(user)
    expect(dialog.finding("surname_homonym").first).to_be_visible()
    dialog.hook("cancel").click()
    assert_nothing_sent(sink)
