"""Fixtures for the end-to-end tests: one real mail stack per session, a fresh browser per test.

`mail_stack` starts Dovecot, the SMTP sink and Roundcube once for the whole session
(about 0.3 s, see docs/e2e.md); `sink` empties the sink before each test. Each test
gets its own Chromium profile, because Roundcube keeps drafts in localStorage and
the extension keeps its settings in the profile.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .servers import MailStack, SmtpSink, missing_binaries
from .webmail import RoundcubeUser

CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

_startup: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter) -> None:
    """Print how long the mail stack and the browsers took to start, when they ran."""
    if _startup:
        figures = ", ".join(f"{name} {sec:.2f} s" for name, sec in _startup.items())
        terminalreporter.write_line(f"e2e startup: {figures}")


@pytest.fixture(scope="session")
def mail_stack() -> Iterator[MailStack]:
    """Dovecot, the SMTP sink and Roundcube on free loopback ports, for the whole session."""
    missing = missing_binaries()
    if missing:
        pytest.skip(
            "Roundcube end-to-end tests need "
            + ", ".join(missing)
            + "; run tools/install-system-deps.sh as root"
        )
    # Not pytest's tmp_path: its folders are 0700 for root, and Dovecot's helpers run as
    # other users (dovecot, nobody) that must reach the passwd file and mail folder.
    root = Path(tempfile.mkdtemp(prefix="atesaki-e2e-"))
    stack = MailStack.start(root)
    _startup.update(stack.startup_seconds)
    yield stack
    stack.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def sink(mail_stack: MailStack) -> SmtpSink:
    """The SMTP sink, emptied for this test."""
    mail_stack.sink.reset()
    return mail_stack.sink


@pytest.fixture
def roundcube_contacts(mail_stack: MailStack) -> Iterator[Callable[[str, str], None]]:
    """Add contacts to Roundcube's address book: `add(name, address)`; emptied after the test."""
    yield mail_stack.roundcube.add_contact
    mail_stack.roundcube.clear_contacts()


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the session (starting it costs about half a second)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; run tools/install-system-deps.sh as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def launch_chromium(playwright_driver, tmp_path: Path):
    """Start Chromium with a fresh profile: `launch(extension=None, lang="ja")` -> context.

    With `extension` (a folder), that unpacked extension is loaded; Playwright's own
    `--disable-extensions` must then be overridden by `--disable-extensions-except`.
    Every context started here is closed after the test.
    """
    contexts = []

    def launch(extension: Path | None = None, lang: str = "ja"):
        args = [*CHROMIUM_ARGS, f"--lang={lang}"]
        if extension is not None:
            args += [f"--disable-extensions-except={extension}", f"--load-extension={extension}"]
        t0 = time.perf_counter()
        context = playwright_driver.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(contexts)}"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=args,
            locale="ja-JP" if lang == "ja" else "en-US",
            viewport={"width": 1280, "height": 800},
        )
        _startup.setdefault("chromium", time.perf_counter() - t0)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        context.close()


@pytest.fixture
def webmail_user(mail_stack: MailStack, launch_chromium) -> RoundcubeUser:
    """A person logged into Roundcube in a fresh browser without the extension."""
    context = launch_chromium()
    page = context.pages[0] if context.pages else context.new_page()
    user = RoundcubeUser(page, mail_stack.roundcube)
    user.login()
    return user
