"""Drive Roundcube (elastic skin) the way a person does, through Playwright.

The selectors are the ones measured on Debian's Roundcube 1.6 (see docs/e2e.md).
Everything goes through the real page: typing, Roundcube's own autocomplete,
its Send button. Nothing here talks to Roundcube's server directly.
"""

from __future__ import annotations

import imaplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .servers import MAIL_PASSWORD, MAIL_USER, Dovecot, Roundcube

FIELDS = ("to", "cc", "bcc")

# Roundcube is idle once its JavaScript app has loaded and no request is pending.
IDLE = "window.rcmail && rcmail.env.task == '{task}' && !rcmail.busy"
# Roundcube's own Send control: a <button> in the toolbar; the elastic skin adds a
# clone `a.send` for small screens. Ids are generated (rcmbtnNNN), so by class.
SEND_BUTTON = "button.send"
# The autocomplete list Roundcube shows under a recipient field.
AUTOCOMPLETE_ITEM = "#rcmKSearchpane li"
SENT_TOAST = "#messagestack div.confirmation"


def deliver_to_inbox(
    dovecot: Dovecot,
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    cc: str | None = None,
) -> int:
    """Put a message into the test user's INBOX over IMAP; return its UID.

    Used to have something real to reply to or forward.
    """
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain="example.test")
    msg.set_content(body)
    with imaplib.IMAP4("127.0.0.1", dovecot.port) as imap:
        imap.login(MAIL_USER, MAIL_PASSWORD)
        typ, data = imap.append("INBOX", "", None, msg.as_bytes())
        if typ != "OK":
            raise RuntimeError(f"IMAP APPEND failed: {data!r}")
        imap.select("INBOX")
        typ, data = imap.uid("SEARCH", None, "HEADER", "Message-ID", msg["Message-ID"])
        return int(data[0].split()[-1])


class RoundcubeUser:
    """A person using Roundcube in one browser page."""

    def __init__(self, page: Page, roundcube: Roundcube) -> None:
        self.page = page
        self.roundcube = roundcube

    def wait_idle(self, task: str = "mail") -> None:
        """Wait until Roundcube has loaded the `task` screen and is not busy."""
        self.page.wait_for_function(IDLE.format(task=task))

    def login(self) -> None:
        """Log in as the test user from the login page."""
        page = self.page
        page.goto(self.roundcube.url)
        page.fill("#rcmloginuser", MAIL_USER)
        page.fill("#rcmloginpwd", MAIL_PASSWORD)
        page.click("#rcmloginsubmit")
        self.wait_idle()

    def compose(self, *, forward_uid: int | None = None, reply_uid: int | None = None) -> None:
        """Open a new message, or the forward of / reply to a message in the INBOX."""
        url = f"{self.roundcube.url}?_task=mail&_action=compose"
        if forward_uid is not None:
            url += f"&_forward_uid={forward_uid}&_mbox=INBOX"
        elif reply_uid is not None:
            url += f"&_reply_uid={reply_uid}&_mbox=INBOX"
        self.page.goto(url)
        self.page.wait_for_function(
            "window.rcmail && rcmail.env.action == 'compose' && !rcmail.busy"
        )

    def wait_protected(self) -> None:
        """Wait until the extension's content script runs on this page (`data-atesaki="ready"`)."""
        self.page.locator('html[data-atesaki="ready"]').wait_for(state="attached")

    def field_input(self, field: str) -> Locator:
        """The visible text input of a recipient field (to, cc, bcc)."""
        return self.page.locator(f"#compose_{field} ul.recipient-input li.input input")

    def show_field(self, field: str) -> None:
        """Reveal the Cc or Bcc row, which Roundcube hides until asked."""
        row = self.page.locator(f"#compose_{field}")
        if row.is_visible():
            return
        menu = self.page.locator("#headers-menu")
        item = menu.locator(f'a.recipient[data-target="{field}"]')
        # The menu toggles: a click while it is still closing from the last pick closes
        # it, and on a busy machine a click can land before Roundcube bound it or just
        # as the menu closes again. Try as a person would, a few times.
        for attempt in range(4):
            try:
                menu.wait_for(state="hidden", timeout=4000)
                self.page.locator('#compose_to a[data-popup="headers-menu"]').click()
                item.click(timeout=3000)
                row.wait_for(state="visible", timeout=3000)
                break
            except PlaywrightTimeout:
                if attempt == 3:
                    raise
                self.page.keyboard.press("Escape")
        row.wait_for(state="visible")
        menu.wait_for(state="hidden")

    def add_recipient(self, field: str, text: str, *, pick: str | None = None) -> None:
        """Type `text` into a recipient field.

        With `pick`, wait for Roundcube's autocomplete and click the suggestion that
        contains `pick` (as a person picks a name from the list); without it, end the
        entry with a comma so Roundcube turns it into a chip.
        """
        if field != "to":
            self.show_field(field)
        box = self.field_input(field)
        box.click()
        if pick is None:
            box.fill(text)
            box.press(",")
            return
        # fill() inserts the text the way an IME commits it, without key events, and
        # Roundcube starts its search on keydown: one more key, as a typist would.
        box.fill(text)
        box.press("End")
        item = self.page.locator(AUTOCOMPLETE_ITEM, has_text=pick)
        item.first.click()

    def recipients(self, field: str) -> list[str]:
        """What Roundcube will submit for a field: the text of its hidden textarea."""
        return self.page.input_value(f"#_{field}")

    def set_subject(self, subject: str) -> None:
        """Replace the subject."""
        self.page.fill("#compose-subject", subject)

    def set_body(self, body: str) -> None:
        """Put `body` at the top of the message text (plain-text editor), keeping any quote."""
        area = self.page.locator("#composebody")
        current = area.input_value()
        area.fill(body + ("\n\n" + current if current else ""))

    def send_button(self) -> Locator:
        """Roundcube's Send button."""
        return self.page.locator(SEND_BUTTON).first

    def click_send(self) -> None:
        """Click Send, as a person does."""
        self.send_button().click()

    def wait_until_sent(self, timeout: float = 15.0) -> None:
        """Wait until Roundcube has sent: its "message sent" toast, or the compose left for the list.

        The toast shows for a few seconds only; on a loaded machine it can come and go between
        two looks, while leaving the compose is lasting. On a timeout, Roundcube's own error
        messages are shown in the failure.
        """
        try:
            self.page.wait_for_function(
                "sel => document.querySelector(sel) !== null"
                " || (window.rcmail && rcmail.env.action !== 'compose')",
                arg=SENT_TOAST, timeout=timeout * 1000)
        except Exception as exc:
            errors = self.page.locator("#messagestack div.error").all_inner_texts()
            raise AssertionError(f"Roundcube did not send; its messages: {errors}") from exc


class AtesakiDialog:
    """The extension's check dialog over a webmail page (hooks from CONTRACT.md "Extension").

    The dialog lives in an open shadow root; Playwright's CSS locators pierce it.
    """

    HOST = '[data-atesaki="dialog"]'

    def __init__(self, page: Page) -> None:
        self.page = page
        self.root = page.locator(self.HOST)

    def hook(self, name: str) -> Locator:
        """An element inside the dialog by its `data-atesaki` name."""
        return self.root.locator(f'[data-atesaki="{name}"]')

    def wait_open(self, timeout: float = 10.0) -> AtesakiDialog:
        """Wait until the dialog shows either recipients to tick or an error."""
        self.root.locator('[data-atesaki="tick"], [data-atesaki="error"]').first.wait_for(
            state="visible", timeout=timeout * 1000
        )
        return self

    def wait_closed(self, timeout: float = 10.0) -> None:
        """Wait until the dialog is removed or hidden."""
        self.hook("cancel").wait_for(state="hidden", timeout=timeout * 1000)

    def is_open(self) -> bool:
        """Whether the dialog is on screen.

        Asked of its Cancel button: the host element itself has no size (its content is
        position: fixed), so Playwright never calls the host visible.
        """
        cancel = self.hook("cancel")
        return cancel.count() > 0 and cancel.first.is_visible()

    def finding(self, code: str) -> Locator:
        """The findings shown with this code (e.g. surname_homonym)."""
        return self.root.locator(f'[data-atesaki="finding"][data-code="{code}"]')

    def finding_codes(self) -> list[str]:
        """Every finding code on screen, in order."""
        return self.root.locator('[data-atesaki="finding"]').evaluate_all(
            "els => els.map(e => e.dataset.code)"
        )

    def ticks(self) -> Locator:
        """One checkbox per recipient."""
        return self.hook("tick")

    def tick_all(self) -> None:
        """Tick every recipient's checkbox."""
        ticks = self.ticks()
        for index in range(ticks.count()):
            ticks.nth(index).check()

    def send_button(self) -> Locator:
        """The dialog's own Send button."""
        return self.hook("send")

    def send_enabled(self) -> bool:
        """Whether the dialog's Send can be pressed (contract: the `disabled` property)."""
        return not self.send_button().evaluate("b => b.disabled")

    def needs_code(self) -> bool:
        """Whether the dialog asks for a second checker's code (verdict `approve`)."""
        code = self.hook("code")
        return code.count() > 0 and code.first.is_visible()

    def enter_code(self, code: str, checker: str | None = None) -> None:
        """Pick the second checker (by visible name) and type their one-time code."""
        if checker is not None:
            self.hook("checker").select_option(label=checker)
        self.hook("code").fill(code)

    def error_text(self) -> str:
        """The reason shown when nothing can be sent (service down, wrong token, timeout)."""
        return self.hook("error").inner_text()

    def screenshot(self, path: str) -> None:
        """Save the page with the whole dialog in view (the window grows to fit, then shrinks)."""
        page = self.page
        before = page.viewport_size
        height = page.evaluate(
            """() => {
                const host = document.querySelector('[data-atesaki="dialog"]');
                const panel = host && host.shadowRoot && host.shadowRoot.querySelector('.panel');
                return panel ? panel.getBoundingClientRect().height : 0;
            }"""
        )
        # The dialog starts 4 % of the window down; leave the same below it.
        wanted = int(height / 0.92) + 16
        if before and wanted > before["height"]:
            page.set_viewport_size({"width": before["width"], "height": min(wanted, 2400)})
        page.screenshot(path=path)
        if before:
            page.set_viewport_size(before)
