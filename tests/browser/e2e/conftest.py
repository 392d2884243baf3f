"""Fixtures for the end-to-end tests: one real mail stack per session, a fresh browser per test.

`mail_stack` starts Dovecot, the SMTP sink and Roundcube once for the whole session
(about 0.3 s, see docs/e2e.md); `sink` empties the sink before each test. Each test
gets its own Chromium profile, because Roundcube keeps drafts in localStorage and
the extension keeps its settings in the profile.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM_FLAGS, ROOT

from .servers import MailStack, SmtpSink, missing_binaries
from .webmail import RoundcubeUser

# ATESAKI_E2E_EXTENSION points at another unpacked build (e.g. a copy being debugged).
EXTENSION_DIR = Path(
    os.environ.get("ATESAKI_E2E_EXTENSION") or ROOT / "extension"
)

CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = list(CHROMIUM_FLAGS)

# Seconds each setup step took, per run of it, for the summary line.
_timings: dict[str, list[float]] = {}


@contextlib.contextmanager
def _timed(step: str) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    _timings.setdefault(step, []).append(time.perf_counter() - t0)


def pytest_terminal_summary(terminalreporter) -> None:
    """Print how long the mail stack, the service and the browsers took to start."""
    if _timings:
        figures = ", ".join(
            f"{step} {max(secs):.2f} s"
            if len(secs) == 1
            else f"{step} {statistics.median(secs):.2f} s (median of {len(secs)})"
            for step, secs in _timings.items()
        )
        terminalreporter.write_line(f"e2e setup: {figures}")


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
    for step, secs in stack.startup_seconds.items():
        _timings[step] = [secs]
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


@pytest.fixture
def playwright_driver(playwright_session):
    """The run's one Playwright driver (tests/conftest.py)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; run tools/install-system-deps.sh as root")
    return playwright_session


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
        with _timed("chromium"):
            context = playwright_driver.chromium.launch_persistent_context(
                str(tmp_path / f"profile-{len(contexts)}"),
                executable_path=str(CHROMIUM),
                headless=True,
                args=args,
                locale="ja-JP" if lang == "ja" else "en-US",
                # On Linux, Chromium takes its UI language (chrome.i18n) from LANGUAGE, not --lang.
                env={**os.environ, "LANGUAGE": lang},
                viewport={"width": 1280, "height": 800},
            )
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


def extension_id(extension: Path = EXTENSION_DIR) -> str | None:
    """The fixed extension ID that Chromium derives from the manifest's `key`, if it has one."""
    try:
        key = json.loads((extension / "manifest.json").read_text(encoding="utf-8"))["key"]
    except (OSError, ValueError, KeyError):
        return None
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def _extension_missing() -> str | None:
    """Why the extension cannot be loaded here, or None."""
    needed = [
        "manifest.json",
        "content/core.js",
        "content/dialog.js",
        "content/adapters/profile.js",
        "content/profiles/roundcube.json",
    ]
    absent = [name for name in needed if not (EXTENSION_DIR / name).exists()]
    if absent:
        return "extension/ is not complete yet: missing " + ", ".join(absent)
    if extension_id() is None:
        return "extension/manifest.json has no `key`, so its ID is not fixed"
    return None


STAFF_VCF = """BEGIN:VCARD\r
VERSION:3.0\r
N:佐藤;美咲;;;\r
FN:佐藤 美咲\r
X-PHONETIC-LAST-NAME:さとう\r
X-PHONETIC-FIRST-NAME:みさき\r
ORG:デジタル庁;総務課\r
EMAIL;TYPE=INTERNET:m-sato@agency.go.jp\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
N:田中;一郎;;;\r
FN:田中 一郎\r
EMAIL;TYPE=INTERNET:tanaka@agency.go.jp\r
END:VCARD\r
"""


@dataclass
class Checker:
    """An enrolled second checker and their authenticator."""

    id: str
    name: str
    totp: object

    def code(self) -> str:
        """The code their authenticator shows now."""
        return self.totp.now()


@pytest.fixture
def atesaki(service_factory, tmp_path: Path):
    """The Atesaki service, paired with the extension, its staff directory holding 佐藤 美咲."""
    reason = _extension_missing()
    if reason:
        pytest.skip(reason)
    with _timed("atesaki serve"):
        service = service_factory(
            {
                "internal_domains": ["agency.go.jp"],
                "extension_origins": [f"chrome-extension://{extension_id()}"],
            }
        )
    staff = tmp_path / "staff.vcf"
    staff.write_text(STAFF_VCF, encoding="utf-8")
    with _timed("import directory"):
        done = service.cli("import", "directory", str(staff))
    assert done.returncode == 0, f"import directory failed: {done.stdout}{done.stderr}"
    return service


@pytest.fixture
def enrol_checker(atesaki) -> Callable[[str], Checker]:
    """Enrol a second checker by name through the CLI: `enrol_checker("鈴木 花子")`."""
    import pyotp

    def enrol(name: str) -> Checker:
        with _timed("checker add"):
            done = atesaki.cli("checker", "add", name, "--json")
        assert done.returncode == 0, f"checker add failed: {done.stdout}{done.stderr}"
        enrolled = json.loads(done.stdout)
        return Checker(enrolled["id"], enrolled["name"], pyotp.parse_uri(enrolled["otpauth_uri"]))

    return enrol


@pytest.fixture
def checker(enrol_checker) -> Checker:
    """A second checker, 鈴木 花子, enrolled in the service."""
    return enrol_checker("鈴木 花子")


def start_extension(context, settings: dict, *, registered: bool = True):
    """The extension's service worker in `context`, with `settings` stored.

    With `registered`, also wait until it has registered the webmail content scripts
    (settings naming a webmail host or a site profile make it do so).
    """
    worker = context.service_workers[0] if context.service_workers else None
    if worker is None:
        try:
            with _timed("extension worker"):
                worker = context.wait_for_event("serviceworker", timeout=10_000)
        except Exception as exc:  # Playwright's TimeoutError; the reason matters more
            raise AssertionError(
                f"Chromium did not load {EXTENSION_DIR} (no service worker): a file the "
                "manifest names is missing or the manifest is invalid; open "
                "chrome://extensions-internals in a profile that loads it to see why"
            ) from exc
    worker.evaluate("settings => chrome.storage.local.set(settings)", settings)
    if not registered:
        return worker
    # The worker registers the webmail content scripts when webmailHosts or siteProfiles change.
    with _timed("content scripts registered"):
        worker.evaluate(
            """async () => {
                for (let i = 0; i < 100; i++) {
                    const found = await chrome.scripting.getRegisteredContentScripts();
                    if (found.length) return;
                    await new Promise(r => setTimeout(r, 50));
                }
                throw new Error('the webmail content scripts were never registered');
            }"""
        )
    return worker


@pytest.fixture
def protected_user(mail_stack: MailStack, launch_chromium, atesaki) -> RoundcubeUser:
    """A person logged into Roundcube in Chromium with the extension loaded and paired."""
    context = launch_chromium(extension=EXTENSION_DIR)
    worker = start_extension(
        context,
        {
            "serverUrl": atesaki.url,
            "token": atesaki.token,
            "webmailHosts": [mail_stack.roundcube.origin],
        },
    )
    page = context.pages[0] if context.pages else context.new_page()
    user = RoundcubeUser(page, mail_stack.roundcube)
    user.extension_worker = worker
    with _timed("roundcube login"):
        user.login()
    return user
