"""Start a real mail stack on loopback for end-to-end tests: Dovecot, an SMTP sink, Roundcube.

Every server gets a free port on 127.0.0.1 and its files in one temporary folder.
Dovecot and Roundcube (`php -S`) run in their own process groups and are stopped
with a signal to the whole group, so no child survives a test session. The SMTP
sink runs in this process (aiosmtpd in a thread) and keeps every envelope it
receives, which is the only place a Bcc recipient is visible.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

import requests
from aiosmtpd.controller import Controller

DOVECOT = "/usr/sbin/dovecot"
PHP = "/usr/bin/php"
ROUNDCUBE_PUBLIC = Path("/var/lib/roundcube/public_html")
ROUNDCUBE_CONFIG = Path("/etc/roundcube")

# The one mailbox the tests log into.
MAIL_USER = "tanaka"
MAIL_PASSWORD = "correct-horse-7"
MAIL_ADDRESS = "tanaka@agency.go.jp"


def missing_binaries() -> list[str]:
    """Return what the Roundcube stack lacks here (empty when it can run)."""
    needed = {
        "dovecot (apt-get install dovecot-imapd)": Path(DOVECOT),
        "php (apt-get install php8.2-cgi)": Path(PHP),
        "roundcube (apt-get install roundcube roundcube-sqlite3)": ROUNDCUBE_PUBLIC / "index.php",
    }
    missing = [name for name, path in needed.items() if not path.exists()]
    if os.geteuid() != 0:
        # Dovecot must start as root to run its mail processes as `nobody`.
        missing.append("root (Dovecot switches to the mail user)")
    return missing


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Wait until something accepts connections on 127.0.0.1:port, or fail with a reason."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


def stop_group(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """Stop a process started with start_new_session=True together with all its children."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


def _make_traversable(folder: Path) -> None:
    """Let other users pass through `folder` and its parents, or say which one blocks them.

    Dovecot's auth and mail processes run as `dovecot` and `nobody`, and temporary
    folders are created 0700 for root alone.
    """
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o711)
    for parent in folder.resolve().parents:
        if not parent.stat().st_mode & 0o001:
            raise RuntimeError(
                f"{parent} is not searchable by other users; Dovecot's helpers cannot reach "
                f"{folder}: put the test folder somewhere else (e.g. under /tmp)"
            )


# --- Dovecot ----------------------------------------------------------------------------

DOVECOT_CONF = """\
# Written by tests/browser/e2e/servers.py: a throw-away IMAP server on loopback.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {root}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class Dovecot:
    """A Dovecot IMAP server with one user, MAIL_USER, on a free loopback port."""

    root: Path
    port: int = 0
    proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> None:
        """Write the config, start `dovecot -F` in its own process group and wait for IMAP."""
        self.port = self.port or free_port()
        _make_traversable(self.root)
        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # The mail user is `nobody`, so the home folder must be theirs (that is why it
        # lives under /tmp and not under /root).
        shutil.chown(self.root / "home", "nobody", "nogroup")
        (self.root / "users").write_text(f"{MAIL_USER}:{{PLAIN}}{MAIL_PASSWORD}\n")
        conf = self.root / "dovecot.conf"
        conf.write_text(DOVECOT_CONF.format(root=self.root, port=self.port))
        # The child keeps its own copy of the log file descriptor.
        with open(self.root / "dovecot.stderr", "wb") as stderr:
            self.proc = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(conf)],
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        wait_for_port(self.port, timeout, self.proc)

    def stop(self) -> None:
        """Stop Dovecot and its children."""
        if self.proc is not None:
            stop_group(self.proc)


# --- SMTP sink --------------------------------------------------------------------------


@dataclass
class SentMessage:
    """One message as the SMTP server saw it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def header_addresses(self) -> list[str]:
        """Every address named in the From/To/Cc/Bcc headers, lower-cased."""
        values = []
        for name in ("to", "cc", "bcc", "from", "reply-to"):
            values.extend(str(v) for v in self.message.get_all(name, []))
        return [addr.lower() for _, addr in getaddresses(values) if addr]

    def recipient_headers(self) -> dict[str, list[str]]:
        """The addresses in To, Cc and Bcc headers, by field (a sent message should have no Bcc)."""
        out = {}
        for name in ("to", "cc", "bcc"):
            values = [str(v) for v in self.message.get_all(name, [])]
            out[name] = [addr.lower() for _, addr in getaddresses(values) if addr]
        return out


class _Recorder:
    """aiosmtpd handler that keeps each envelope."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        sent = SentMessage(
            mail_from=envelope.mail_from,
            rcpt_tos=[addr.lower() for addr in envelope.rcpt_tos],
            message=message,
        )
        with self.sink.lock:
            self.sink.messages.append(sent)
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    """An SMTP server that accepts everything and remembers it; it delivers nothing."""

    port: int = 0
    messages: list[SentMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Controller | None = None

    def start(self) -> None:
        """Listen on a free loopback port (in a thread of this process)."""
        self.port = self.port or free_port()
        self.controller = Controller(_Recorder(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening."""
        if self.controller is not None:
            self.controller.stop()

    def reset(self) -> None:
        """Forget every message received so far."""
        with self.lock:
            self.messages.clear()

    def received(self) -> list[SentMessage]:
        """A copy of the messages received so far, oldest first."""
        with self.lock:
            return list(self.messages)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[SentMessage]:
        """Wait until at least `count` messages arrived; return them all (fails on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"expected {count} message(s) at the sink, got {len(self.received())}")


# --- Roundcube --------------------------------------------------------------------------

ROUNDCUBE_CONF = """<?php
// Written by tests/browser/e2e/servers.py: Roundcube against the test Dovecot and SMTP sink.
$config = [];
$config['db_dsnw'] = 'sqlite:///{root}/roundcube.db?mode=0600';
$config['imap_host'] = '127.0.0.1:{imap_port}';
$config['smtp_host'] = '127.0.0.1:{smtp_port}';
// Empty: the sink offers no AUTH, and Roundcube would otherwise try the login password.
$config['smtp_user'] = '';
$config['smtp_pass'] = '';
$config['mail_domain'] = '{mail_domain}';
$config['username_domain'] = '';
$config['des_key'] = 'atesaki-e2e-des-key-24ch';
$config['plugins'] = [];
$config['skin'] = 'elastic';
$config['log_dir'] = '{root}/logs/';
$config['temp_dir'] = '{root}/temp/';
$config['login_rate_limit'] = 0;
$config['enable_spellcheck'] = false;
$config['enable_installer'] = false;
$config['support_url'] = '';
$config['product_name'] = 'Roundcube Webmail';
// Send plain text without asking: the HTML editor would need more typing in tests.
$config['htmleditor'] = 0;
// Drafts are saved to IMAP every few minutes by default; off, so nothing else writes.
$config['draft_autosave'] = 0;
"""


@dataclass
class Roundcube:
    """Debian's Roundcube served by `php -S` with one worker, with its own config folder."""

    root: Path
    imap_port: int
    smtp_port: int
    port: int = 0
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The webmail's base URL, e.g. http://127.0.0.1:40123/."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def origin(self) -> str:
        """The webmail's origin, as the extension's `webmailHosts` setting wants it."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self) -> Path:
        """Roundcube's SQLite database (created by Roundcube on its first request)."""
        return self.root / "roundcube.db"

    def start(self, timeout: float = 15.0) -> None:
        """Write the config, start `php -S` in its own process group, wait for the login page."""
        self.port = self.port or free_port()
        conf_dir = self.root / "config"
        for sub in ("config", "logs", "temp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # Roundcube reads defaults.inc.php (and mimetypes.php) from its config folder too.
        for name in ("defaults.inc.php", "mimetypes.php"):
            target = conf_dir / name
            if not target.exists():
                target.symlink_to(ROUNDCUBE_CONFIG / name)
        (conf_dir / "config.inc.php").write_text(
            ROUNDCUBE_CONF.format(
                root=self.root,
                imap_port=self.imap_port,
                smtp_port=self.smtp_port,
                mail_domain=MAIL_ADDRESS.split("@")[1],
            )
        )
        env = {
            **os.environ,
            "ROUNDCUBE_CONFIG_DIR": str(conf_dir),
            # More than one worker loses about one send in five ("Invalid compose ID"):
            # the compose session is kept in worker memory between requests.
            "PHP_CLI_SERVER_WORKERS": "1",
        }
        with open(self.root / "php.stderr", "wb") as stderr:
            self.proc = subprocess.Popen(
                [PHP, "-S", f"127.0.0.1:{self.port}", "-t", str(ROUNDCUBE_PUBLIC)],
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        wait_for_port(self.port, timeout, self.proc)
        # The first request creates the database; do it now so tests start on a ready page.
        resp = requests.get(self.url, timeout=timeout)
        if resp.status_code != 200 or "rcmloginuser" not in resp.text:
            raise RuntimeError(f"Roundcube did not show its login page: HTTP {resp.status_code}")

    def stop(self) -> None:
        """Stop the PHP server."""
        if self.proc is not None:
            stop_group(self.proc)

    def user_id(self, username: str = MAIL_USER, timeout: float = 5.0) -> int:
        """Roundcube's id for a user, which exists once that user has logged in."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.closing(sqlite3.connect(self.db_path)) as db:
                row = db.execute("SELECT user_id FROM users WHERE username = ?", (username,))
                found = row.fetchone()
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"{username} never logged into Roundcube")
            time.sleep(0.1)

    def add_contact(self, name: str, address: str, username: str = MAIL_USER) -> None:
        """Put a contact in the user's Roundcube address book; autocomplete finds it at once."""
        surname, _, firstname = name.partition(" ")
        vcard = (
            "BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"N:{surname};{firstname};;;\r\nFN:{name}\r\nEMAIL;TYPE=INTERNET:{address}\r\n"
            "END:VCARD"
        )
        words = " ".join([name.lower(), address.lower()])
        with contextlib.closing(sqlite3.connect(self.db_path)) as db, db:
            db.execute(
                "INSERT INTO contacts (user_id, changed, del, name, email, firstname, surname,"
                " vcard, words) VALUES (?, datetime('now'), 0, ?, ?, ?, ?, ?, ?)",
                (self.user_id(username), name, address, firstname, surname, vcard, words),
            )

    def clear_contacts(self) -> None:
        """Empty every Roundcube address book."""
        with contextlib.closing(sqlite3.connect(self.db_path)) as db, db:
            db.execute("DELETE FROM contacts")


@dataclass
class MailStack:
    """Dovecot + SMTP sink + Roundcube, started together and stopped together."""

    root: Path
    dovecot: Dovecot
    sink: SmtpSink
    roundcube: Roundcube
    startup_seconds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def start(cls, root: Path) -> MailStack:
        """Start the three servers under `root`; on failure stop what already started."""
        timings = {}
        started = []
        # `root` is ours (a fresh temporary folder); Dovecot's helpers must pass through it.
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o711)
        dovecot = Dovecot(root / "dovecot")
        sink = SmtpSink()
        try:
            for name, server in (("dovecot", dovecot), ("smtp_sink", sink)):
                started.append(server)
                t0 = time.perf_counter()
                server.start()
                timings[name] = time.perf_counter() - t0
            roundcube = Roundcube(root / "roundcube", imap_port=dovecot.port, smtp_port=sink.port)
            started.append(roundcube)
            t0 = time.perf_counter()
            roundcube.start()
            timings["roundcube"] = time.perf_counter() - t0
        except BaseException:
            for server in reversed(started):
                server.stop()
            raise
        return cls(root, dovecot, sink, roundcube, timings)

    def stop(self) -> None:
        """Stop Roundcube, the sink and Dovecot."""
        self.roundcube.stop()
        self.sink.stop()
        self.dovecot.stop()
