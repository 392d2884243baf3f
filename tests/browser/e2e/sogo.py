"""Start Debian's SOGo on loopback for end-to-end tests: PostgreSQL, memcached, sogod, a front.

SOGo is the second real webmail the extension covers with a site profile alone
(extension/content/profiles/, docs/site-profiles.md). It logs into the same Dovecot
and sends through the same SMTP sink as Roundcube (tests/browser/e2e/servers.py).

- PostgreSQL: a throw-away cluster (`initdb -A trust`, no fsync) on a free port; SOGo
  creates its own tables on the first request, and reads its one user from a table.
- memcached: SOGo will not keep a session without it.
- sogod: one worker, every setting given on its command line (the argument domain
  wins over /etc/sogo/sogo.conf, so the system file is never touched). It refuses to
  run as root, so it runs as Debian's `sogo` user.
- The front: sogod serves no static files (Debian leaves that to Apache's
  `/SOGo.woa/WebServerResources` alias), so a small proxy in this process serves
  them and passes everything else to sogod.
"""

from __future__ import annotations

import contextlib
import http.client
import mimetypes
import os
import pwd
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from .servers import MAIL_ADDRESS, MAIL_PASSWORD, MAIL_USER, free_port, stop_group, wait_for_port

SOGOD = Path("/usr/sbin/sogod")
SOGO_RESOURCES = Path("/usr/lib/GNUstep/SOGo/WebServerResources")
RESOURCE_PREFIX = "/SOGo.woa/WebServerResources/"
MEMCACHED = Path("/usr/bin/memcached")
PG_BIN = next(
    iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), Path("/nonexistent")
)

# The display name SOGo shows for the test user (from the users table below).
MAIL_NAME = "田中 一郎"
# One row of SOGo's SQL user source: the login user, and the contacts its address book lists.
INSERT_USER = "INSERT INTO sogo_users VALUES (:'uid', :'uid', :'password', :'name', :'address');\n"


def missing_binaries() -> list[str]:
    """Return what the SOGo stack lacks here (empty when it can run)."""
    needed = {
        "sogod (apt-get install sogo)": SOGOD,
        "memcached (apt-get install memcached)": MEMCACHED,
        "PostgreSQL (apt-get install postgresql)": PG_BIN / "initdb",
    }
    missing = [name for name, path in needed.items() if not path.exists()]
    for user in ("sogo", "postgres"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            missing.append(f"the `{user}` user (created by its Debian package)")
    if os.geteuid() != 0:
        missing.append("root (PostgreSQL and sogod run as their own users)")
    return missing


def _as_user(user: str, argv: list[str]) -> list[str]:
    """The command line that runs argv as `user` (we start as root)."""
    return ["runuser", "-u", user, "--", *argv]


@dataclass
class Postgres:
    """A PostgreSQL cluster of our own, trusting local connections, on a free port."""

    root: Path
    port: int = 0
    proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> None:
        """initdb (about 1 s), start postgres, create the `sogo` role and database."""
        self.port = self.port or free_port()
        data, sock = self.root / "data", self.root / "sock"
        for folder in (self.root, data, sock):
            folder.mkdir(parents=True, exist_ok=True)
            shutil.chown(folder, "postgres")
        self.root.chmod(0o755)
        subprocess.run(
            _as_user(
                "postgres",
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        with open(self.root / "postgres.log", "wb") as log:
            self.proc = subprocess.Popen(
                _as_user(
                    "postgres",
                    [
                        str(PG_BIN / "postgres"),
                        "-D",
                        str(data),
                        "-k",
                        str(sock),
                        "-p",
                        str(self.port),
                        "-c",
                        "listen_addresses=127.0.0.1",
                        "-c",
                        "fsync=off",
                        "-c",
                        "full_page_writes=off",
                    ],
                ),
                start_new_session=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, timeout, self.proc)
        self.sql("postgres", "postgres", "CREATE USER sogo;\nCREATE DATABASE sogo OWNER sogo;\n")

    def sql(self, user: str, database: str, script: str, **values: str) -> str:
        """Run an SQL script with psql over TCP; `:'name'` in it is the quoted value of `name`."""
        argv = [
            str(PG_BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            user,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-qAt",
        ]
        for name, value in values.items():
            argv += ["-v", f"{name}={value}"]
        # psql may retry a connection while the server finishes starting up.
        for attempt in range(20):
            done = subprocess.run(argv, input=script, capture_output=True, text=True)
            if done.returncode == 0:
                return done.stdout
            if "starting up" not in done.stderr or attempt == 19:
                raise RuntimeError(f"psql failed: {done.stderr}")
            time.sleep(0.1)
        return ""

    def stop(self) -> None:
        """Stop the cluster."""
        if self.proc is not None:
            stop_group(self.proc)


@dataclass
class Memcached:
    """memcached on a free loopback port (SOGo keeps sessions and caches there)."""

    port: int = 0
    proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> None:
        """Start memcached in its own process group."""
        self.port = self.port or free_port()
        self.proc = subprocess.Popen(
            [
                str(MEMCACHED),
                "-l",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "0",
                "-u",
                "nobody",
                "-m",
                "16",
            ],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout, self.proc)

    def stop(self) -> None:
        """Stop memcached."""
        if self.proc is not None:
            stop_group(self.proc)


class _FrontHandler(BaseHTTPRequestHandler):
    """Static files from Debian's resource folder; every other request goes to sogod."""

    protocol_version = "HTTP/1.1"
    backend_port = 0  # set on the subclass made per front

    def log_message(self, format, *args):
        """Keep the test output quiet."""

    def _static(self) -> bool:
        path = self.path.split("?", 1)[0]
        if not path.startswith(RESOURCE_PREFIX):
            return False
        target = (SOGO_RESOURCES / path[len(RESOURCE_PREFIX) :]).resolve()
        if SOGO_RESOURCES.resolve() not in target.parents or not target.is_file():
            self.send_error(404)
            return True
        body = target.read_bytes()
        self.send_response(200)
        self.send_header(
            "Content-Type", mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        )
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return True

    def _proxy(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")
        }
        conn = http.client.HTTPConnection("127.0.0.1", self.backend_port, timeout=60)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        self.send_response(resp.status, resp.reason)
        for key, value in resp.getheaders():
            if key.lower() not in (
                "connection",
                "keep-alive",
                "transfer-encoding",
                "content-length",
            ):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _handle(self) -> None:
        if not self._static():
            self._proxy()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _handle


@dataclass
class Sogo:
    """sogod with one worker behind the front, logging into `imap_port`, sending to `smtp_port`."""

    root: Path
    imap_port: int
    smtp_port: int
    postgres: Postgres
    memcached: Memcached
    port: int = 0
    backend_port: int = 0
    proc: subprocess.Popen | None = None
    front: ThreadingHTTPServer | None = None
    front_thread: threading.Thread | None = None
    arguments: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The login page, e.g. http://127.0.0.1:40123/SOGo/."""
        return f"http://127.0.0.1:{self.port}/SOGo/"

    @property
    def origin(self) -> str:
        """The webmail's origin, as a site profile's `hosts` names it."""
        return f"http://127.0.0.1:{self.port}"

    def _defaults(self) -> dict[str, str]:
        db = f"postgresql://sogo:sogo@127.0.0.1:{self.postgres.port}/sogo"
        return {
            "WONoDetach": "YES",
            "WOPort": f"127.0.0.1:{self.backend_port}",
            "WOLogFile": "-",
            "WOPidFile": str(self.root / "home" / "sogo.pid"),  # a folder the sogo user owns
            # One worker: the session and compose state live in it (as with Roundcube's php -S).
            "WOWorkersCount": "1",
            "SOGoProfileURL": f"{db}/sogo_user_profile",
            "OCSFolderInfoURL": f"{db}/sogo_folder_info",
            "OCSSessionsFolderURL": f"{db}/sogo_sessions_folder",
            "OCSEMailAlarmsFolderURL": f"{db}/sogo_alarms_folder",
            "SOGoUserSources": (
                f'({{type = sql; id = directory; viewURL = "{db}/sogo_users"; canAuthenticate = YES;'
                " isAddressBook = YES; userPasswordAlgorithm = plain; displayName = Staff;})"
            ),
            "SOGoIMAPServer": f"imap://127.0.0.1:{self.imap_port}",
            "SOGoSMTPServer": f"smtp://127.0.0.1:{self.smtp_port}",
            "SOGoMailingMechanism": "smtp",
            "SOGoMailDomain": MAIL_ADDRESS.split("@")[1],
            "SOGoMemcachedHost": f"127.0.0.1:{self.memcached.port}",
            "SOGoTimeZone": "Asia/Tokyo",
            "SOGoLanguage": "English",
            "SOGoSieveScriptsEnabled": "NO",
            "SOGoVacationEnabled": "NO",
            "SOGoForwardEnabled": "NO",
            # Plain text compose, as for Roundcube: the tests type the body.
            "SOGoMailComposeMessageType": "text",
        }

    def start(self, timeout: float = 30.0) -> None:
        """Create the users table, start sogod and the front, wait for the login page."""
        self.backend_port = self.backend_port or free_port()
        self.port = self.port or free_port()
        home = self.root / "home"
        home.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        shutil.chown(home, "sogo")
        self.postgres.sql(
            "sogo",
            "sogo",
            "CREATE TABLE sogo_users (c_uid varchar(128) PRIMARY KEY, c_name varchar(128),"
            " c_password varchar(128), c_cn varchar(128), mail varchar(128));\n" + INSERT_USER,
            uid=MAIL_USER,
            password=MAIL_PASSWORD,
            name=MAIL_NAME,
            address=MAIL_ADDRESS,
        )
        self.arguments = [
            item for key, value in self._defaults().items() for item in (f"-{key}", value)
        ]
        with open(self.root / "sogo.log", "wb") as log:
            self.proc = subprocess.Popen(
                _as_user("sogo", ["env", f"HOME={home}", str(SOGOD), *self.arguments]),
                cwd=home,
                start_new_session=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.backend_port, timeout, self.proc)
        handler = type("FrontHandler", (_FrontHandler,), {"backend_port": self.backend_port})
        self.front = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.front.daemon_threads = True
        self.front_thread = threading.Thread(
            target=self.front.serve_forever, name="sogo-front", daemon=True
        )
        self.front_thread.start()
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(requests.RequestException):
                resp = requests.get(self.url, timeout=timeout)
                if resp.status_code == 200 and "SOGo" in resp.text:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"SOGo did not show its login page; see {self.root / 'sogo.log'}"
                )
            time.sleep(0.2)

    def add_contact(self, name: str, address: str) -> None:
        """Put a contact in the shared `Staff` address book (the SQL user source); autocomplete finds it."""
        uid = address.split("@")[0] + "-" + address.split("@")[1].replace(".", "-")
        # A password no login can match: contacts only appear in the address book.
        self.postgres.sql(
            "sogo", "sogo", INSERT_USER, uid=uid, password="!", name=name, address=address
        )

    def clear_contacts(self) -> None:
        """Remove every contact added by add_contact (the test user stays)."""
        self.postgres.sql(
            "sogo", "sogo", "DELETE FROM sogo_users WHERE c_uid <> :'uid';\n", uid=MAIL_USER
        )

    def stop(self) -> None:
        """Stop the front and sogod."""
        if self.front is not None:
            self.front.shutdown()
            self.front.server_close()
        if self.proc is not None:
            stop_group(self.proc)


@dataclass
class SogoStack:
    """PostgreSQL + memcached + SOGo, using a Dovecot and an SMTP sink started elsewhere."""

    root: Path
    postgres: Postgres
    memcached: Memcached
    sogo: Sogo
    startup_seconds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def start(cls, root: Path, imap_port: int, smtp_port: int) -> SogoStack:
        """Start the three servers under `root`; on failure stop what already started."""
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o755)
        postgres = Postgres(root / "postgres")
        memcached = Memcached()
        sogo = Sogo(root / "sogo", imap_port, smtp_port, postgres, memcached)
        timings = {}
        started = []
        try:
            for name, server in (("postgres", postgres), ("memcached", memcached), ("sogo", sogo)):
                started.append(server)
                t0 = time.perf_counter()
                server.start()
                timings[name] = time.perf_counter() - t0
        except BaseException:
            for server in reversed(started):
                server.stop()
            raise
        return cls(root, postgres, memcached, sogo, timings)

    def stop(self) -> None:
        """Stop SOGo, memcached and PostgreSQL."""
        self.sogo.stop()
        self.memcached.stop()
        self.postgres.stop()


# --- Driving SOGo's pages the way a person does -------------------------------------------

# Read from SOGo 5.8's served templates (UIxMailEditor.wox) and pages; see docs/site-profiles.md.
COMPOSE = "#mailEditor"
NEW_MESSAGE = 'button[ng-click="mailbox.newMessage($event)"]'
SEND_BUTTON = f'{COMPOSE} button[ng-click="editor.send()"]'
AUTOCOMPLETE_ITEM = "md-virtual-repeat-container li"


class SogoUser:
    """A person using SOGo's web mail in one browser page."""

    def __init__(self, page, sogo: Sogo) -> None:
        self.page = page
        self.sogo = sogo

    def login(self) -> None:
        """Log in as the test user and wait for the mailbox."""
        page = self.page
        page.goto(self.sogo.url)
        page.fill('input[ng-model="app.creds.username"]', MAIL_USER)
        page.fill('input[ng-model="app.creds.password"]', MAIL_PASSWORD)
        page.press('input[ng-model="app.creds.password"]', "Enter")
        page.wait_for_url("**/Mail/**", timeout=20_000)
        page.locator(NEW_MESSAGE).wait_for(state="attached")

    def compose(self) -> None:
        """Open a new message (the pencil button's "Write a new message")."""
        # The button sits in a speed dial that opens on hover; a person hovers, then clicks.
        self.page.locator(NEW_MESSAGE).dispatch_event("click")
        self.field_input("to").wait_for(state="visible")

    def wait_protected(self) -> None:
        """Wait until the extension runs here and has read its site profile for SOGo."""
        self.page.locator('html[data-atesaki="ready"][data-atesaki-profile]').wait_for(
            state="attached"
        )

    def field(self, field: str):
        """The chips widget of a recipient field (to, cc, bcc)."""
        return self.page.locator(f'{COMPOSE} md-chips[ng-model="editor.message.editable.{field}"]')

    def field_input(self, field: str):
        """Where a recipient is typed."""
        return self.field(field).locator("md-autocomplete input")

    def add_recipient(self, field: str, text: str, *, pick: str | None = None) -> None:
        """Type into a recipient field; with `pick`, click the suggestion holding it, else end with a comma."""
        if not self.field(field).is_visible():
            self.page.locator(
                f'{COMPOSE} button[ng-click="editor.hide{field.capitalize()} = false"]'
            ).click()
        box = self.field_input(field)
        box.click()
        if pick is None:
            box.fill(text)
            box.press(",")
            return
        box.press_sequentially(text, delay=30)
        self.page.locator(AUTOCOMPLETE_ITEM, has_text=pick).first.click()

    def recipients(self, field: str) -> list[str]:
        """The chips SOGo shows (and will send) in a field, as their text."""
        return [
            " ".join(t.split())
            for t in self.field(field).locator("md-chip md-chip-template").all_inner_texts()
        ]

    def set_subject(self, subject: str) -> None:
        """Type the subject."""
        self.page.fill(f'{COMPOSE} input[name="subject"]', subject)

    def set_body(self, body: str) -> None:
        """Type the message text (plain-text editor)."""
        self.page.fill(f'{COMPOSE} textarea[name="content"]', body)

    def click_send(self) -> None:
        """Click SOGo's Send (the paper plane in the editor's toolbar)."""
        self.page.locator(SEND_BUTTON).click()

    def wait_until_sent(self, timeout: float = 15.0) -> None:
        """SOGo closes the editor once the server has sent the message."""
        self.page.locator(COMPOSE).wait_for(state="detached", timeout=timeout * 1000)
