"""What cannot be read never passes, on every adapter: the dialog says so and nothing is sent.

Each case breaks the page the way a webmail's DOM drifts (a renamed attribute, a chip that
shows only a name, a mirror that no longer matches) and checks that the message is held.
"""

from __future__ import annotations

import pytest

from .helpers import Dialog, check_answer, pairs, still_nothing_sent, wait_calls

pytestmark = pytest.mark.browser

SEND = {"gmail": ".T-I.aoO", "outlook": "button[aria-label=Send]", "roundcube": "a.send"}
WEBMAILS = ["gmail", "outlook", "roundcube"]
SATO = {"name": "佐藤 健二", "address": "k.sato@example.com"}
COLLEAGUE = {"name": "", "address": "kacho@agency.go.jp"}

# The page breaks after the compose is drawn, as a webmail update would break it.
NONE_READ = {
    # Gmail renames the rows' `name` attribute: no row is found, the chips are still shown.
    "gmail": "document.querySelectorAll('.anm[name]').forEach(r => r.removeAttribute('name'))",
    # Outlook renames the field groups' ids: no well is found.
    "outlook": "document.querySelectorAll('[id^=MSG_]').forEach(g => g.id = 'recipientWell' + g.id.length)",
    # Roundcube's submitted textarea is emptied behind the widget's back: the chips stay.
    "roundcube": "document.getElementById('_to').value = ''",
}
FEWER_READ = {
    # One chip loses the attribute that carries its address; it is still a chip on screen.
    "gmail": """const c = document.querySelector('.anm[name=to] [data-hovercard-id]');
                c.setAttribute('data-hovercard-owner-id', c.getAttribute('data-hovercard-id'));
                c.removeAttribute('data-hovercard-id');""",
    "outlook": "document.querySelector('[class*=_EType_RECIPIENT_ENTITY]').className = 'chip ms-Persona newChip'",
    # The submitted textarea holds one recipient, the screen shows two chips.
    "roundcube": "document.getElementById('_to').value = 'k.sato@example.com, '",
}
NO_ADDRESS = {
    "gmail": "document.querySelector('.anm[name=to] [data-hovercard-id]').setAttribute('data-hovercard-id', '')",
    # Outlook: handled by the name-only chip (below), which the service cannot resolve here.
    "outlook": None,
    "roundcube": """const chip = document.querySelector('#compose_to .recipient');
                    chip.querySelector('.email').textContent = ',';""",
}


def open_compose(paired, webmail, query=""):
    page = paired.open(webmail, query)
    page.evaluate("m => __fixture.compose(m)", {"to": [SATO, COLLEAGUE]})
    return page


def assert_held(page, stub, reason):
    """The dialog shows why, Send stays disabled, nothing goes, and the service was told."""
    dialog = Dialog(page)
    finding = dialog.root.locator('[data-atesaki="finding"][data-code="unreadable_recipient"]')
    finding.first.wait_for(state="visible", timeout=5000)
    assert finding.first.inner_text().strip()
    dialog.tick_all()
    assert not dialog.send_enabled()
    assert still_nothing_sent(page)
    (request,) = stub.calls("/v1/check")
    assert reason in [f["reason"] for f in request.get("findings", [])]
    assert stub.calls("/v1/sends") == []
    return dialog


@pytest.mark.parametrize("webmail", WEBMAILS)
def test_no_recipient_read_while_the_compose_shows_some_never_passes(paired, stub, webmail):
    page = open_compose(paired, webmail)
    page.evaluate(NONE_READ[webmail])
    page.click(SEND[webmail])
    assert_held(page, stub, "none_read")


@pytest.mark.parametrize("webmail", WEBMAILS)
def test_fewer_recipients_read_than_shown_never_passes(paired, stub, webmail):
    page = open_compose(paired, webmail)
    page.evaluate(FEWER_READ[webmail])
    page.click(SEND[webmail])
    assert_held(page, stub, "count_mismatch")


@pytest.mark.parametrize("webmail", WEBMAILS)
def test_a_chip_with_no_address_never_passes(paired, stub, webmail):
    stub.on("POST", "/v1/resolve", lambda body: (200, {"resolved": [
        {"name": name, "address": None} for name in body["names"]]}))
    page = open_compose(paired, webmail, "chip=name" if webmail == "outlook" else "")
    if NO_ADDRESS[webmail]:
        page.evaluate(NO_ADDRESS[webmail])
    page.click(SEND[webmail])
    assert_held(page, stub, "unresolved" if webmail == "outlook" else "no_address")


@pytest.mark.parametrize("webmail", WEBMAILS)
def test_a_compose_changed_between_check_and_release_is_shown_again_not_sent(
    paired, stub, webmail
):
    # The first check asks for ticks; the second (internal people only) would pass on its own.
    answers = [check_answer(stub, verdict="confirm"), check_answer(stub)]
    stub.on("POST", "/v1/check", lambda body: answers.pop(0)(body) if answers else
            check_answer(stub)(body))
    page = paired.open(webmail)
    page.evaluate("m => __fixture.compose(m)", {"to": [COLLEAGUE]})
    page.click(SEND[webmail])
    dialog = Dialog(page).wait_rows()
    dialog.tick_all()
    # Someone (an autocomplete, a script, the user in another tab) adds a colleague meanwhile.
    extra = {"name": "", "address": "bucho@agency.go.jp"}
    if webmail == "roundcube":
        page.evaluate("""a => { const t = document.getElementById('_to');
                         t.value = t.value + a + ', '; t.dispatchEvent(new Event('change')); }""",
                      extra["address"])
    else:
        page.evaluate("r => __fixture.add('0', 'to', r)", extra)
    dialog.hook("send").click()
    wait_calls(stub, "/v1/check", 2)
    dialog.wait_addresses(["kacho@agency.go.jp", "bucho@agency.go.jp"])
    notice = dialog.root.locator(".banner.notice")
    assert "changed" in notice.inner_text()
    assert still_nothing_sent(page), "a pass after a change is shown, never sent unseen"
    assert not dialog.send_enabled(), "the new list starts unticked"
    dialog.tick_all()
    dialog.hook("send").click()
    page.wait_for_function("window.__sent.length === 1")
    assert pairs(page.evaluate("window.__sent[0].recipients")) == [
        ("to", "bucho@agency.go.jp"),
        ("to", "kacho@agency.go.jp"),
    ]
