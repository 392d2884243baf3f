"""Real servers for sync tests: Radicale (CardDAV) and Debian's slapd (LDAP), one per session.

Register with ``pytest_plugins = ["tests.servers.fixtures"]`` in ``tests/conftest.py``.
Each server runs from a temporary folder on a free 127.0.0.1 port and is
stopped (by its own process id) when the session ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    """Return once something accepts on the port; fail with the server's output if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"server exited with {proc.returncode}: {out[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """Stop one server we started (its own process id only)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# --- Radicale ------------------------------------------------------------------------------


@dataclass
class Radicale:
    """A running Radicale with one user; address books are made per test."""

    root: Path
    port: int
    user: str
    password: str
    password_file: Path

    @property
    def base(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    def book_folder(self, name: str) -> Path:
        """Where Radicale keeps an address book's cards."""
        return self.root / "collections" / "collection-root" / self.user / name

    def new_book(self, cards: dict[str, str] | None = None) -> str:
        """Create an empty (or pre-filled) address book and return its URL.

        Cards are written straight into the storage folder before the first
        request, so a 10,000-card book needs no 10,000 PUTs.
        """
        name = "book-" + uuid.uuid4().hex[:8]
        folder = self.book_folder(name)
        folder.mkdir(parents=True)
        (folder / ".Radicale.props").write_text(json.dumps({"tag": "VADDRESSBOOK"}))
        for file, text in (cards or {}).items():
            (folder / file).write_text(text, encoding="utf-8")
        return f"{self.base}/{self.user}/{name}/"

    @staticmethod
    def card(uid: str, name: str, email: str, reading: str = "") -> str:
        """A small vCard 3.0 (see ``vcard``)."""
        return vcard(uid, name, email, reading)

    def put(self, book_url: str, file: str, vcard: str) -> None:
        """Add or change one card through CardDAV (as a phone would)."""
        response = requests.put(
            book_url + file, data=vcard.encode("utf-8"), auth=(self.user, self.password),
            headers={"Content-Type": "text/vcard; charset=utf-8"}, timeout=10,
        )
        assert response.status_code in (201, 204), response.text

    def delete(self, book_url: str, file: str) -> None:
        """Delete one card through CardDAV."""
        response = requests.delete(book_url + file, auth=(self.user, self.password), timeout=10)
        assert response.status_code in (200, 204), response.text


def vcard(uid: str, name: str, email: str, reading: str = "") -> str:
    """A small vCard 3.0 for tests."""
    family, _, given = name.partition(" ")
    phonetic = f"X-PHONETIC-LAST-NAME:{reading}\r\n" if reading else ""
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{family};{given};;;\r\n"
        f"{phonetic}EMAIL;TYPE=INTERNET:{email}\r\nEND:VCARD\r\n"
    )


def start_radicale(root: Path) -> tuple[Radicale, subprocess.Popen]:
    """Start Radicale on a free port with plain htpasswd auth; returns it and its process."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    user, password = "tanaka", "radicale-test-pw"
    (root / "users").write_text(f"{user}:{password}\n")
    password_file = root / "password"
    password_file.write_text(password + "\n")
    (root / "config").write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {root / 'users'}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {root / 'collections'}\n"
        # Validate the item cache by mtime and size rather than re-reading every card.
        "use_mtime_and_size_for_item_cache = True\n"
        "[logging]\n"
        "level = warning\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(root / "config")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    wait_for_port(port, proc)
    return Radicale(root, port, user, password, password_file), proc


@pytest.fixture(scope="session")
def radicale(tmp_path_factory) -> Iterator[Radicale]:
    """A real Radicale CardDAV server for the whole session."""
    pytest.importorskip("radicale", reason="radicale is not installed (pip install radicale)")
    server, proc = start_radicale(tmp_path_factory.mktemp("radicale"))
    try:
        yield server
    finally:
        stop(proc)


# --- slapd ---------------------------------------------------------------------------------


@dataclass
class Slapd:
    """A running slapd with the suffix ``dc=example,dc=jp`` and an admin who may read and write."""

    root: Path
    port: int
    base: str = "dc=example,dc=jp"
    admin_dn: str = "cn=admin,dc=example,dc=jp"
    admin_password: str = "slapd-test-pw"

    @property
    def url(self) -> str:
        """ldap://127.0.0.1:PORT"""
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def password_file(self) -> Path:
        """A file holding the admin password."""
        return self.root / "password"

    def connection(self):
        """An ldap3 connection bound as admin (to change the directory in a test)."""
        import ldap3

        return ldap3.Connection(
            ldap3.Server(self.url, get_info=ldap3.NONE), self.admin_dn, self.admin_password,
            auto_bind=True, raise_exceptions=True,
        )


class Branch:
    """A fresh organisational unit per test, so tests never see each other's people."""

    def __init__(self, slapd) -> None:
        self.slapd = slapd
        self.ldap = slapd.connection()
        self.base = f"ou=t{uuid.uuid4().hex[:8]},{slapd.base}"
        self.ldap.add(self.base, ["organizationalUnit"], {"ou": self.base[3:12]})

    def add(self, uid: str, family: str, given: str, mail: str, reading: str = "",
            section: str = "総務部") -> None:
        """Add one inetOrgPerson (``reading``: of the family name, as ``sn;lang-ja;phonetic``)."""
        attrs = {"uid": uid, "cn": f"{family} {given}", "sn": family, "givenName": given,
                 "mail": mail, "ou": section}
        if reading:
            attrs["sn;lang-ja;phonetic"] = reading
        self.ldap.add(f"uid={uid},{self.base}", ["inetOrgPerson"], attrs)

    def add_group(self, cn: str, mail: str, members: list[str], unique: bool = False) -> None:
        """A mail group (a mailing list): groupOfNames, extensibleObject for its ``mail``."""
        kind, attr = ("groupOfUniqueNames", "uniqueMember") if unique else ("groupOfNames", "member")
        self.ldap.add(f"cn={cn},{self.base}", [kind, "extensibleObject"], {
            "cn": cn, "mail": mail, attr: [f"uid={m},{self.base}" for m in members]})

    def add_member(self, cn: str, member: str) -> None:
        """Add one member to a group."""
        import ldap3

        self.ldap.modify(f"cn={cn},{self.base}",
                         {"member": [(ldap3.MODIFY_ADD, [f"uid={member},{self.base}"])]})

    def delete(self, uid: str) -> None:
        """Remove one person."""
        self.ldap.delete(f"uid={uid},{self.base}")

    def rename_mail(self, uid: str, mail: str) -> None:
        """Give one person a new address."""
        import ldap3

        self.ldap.modify(f"uid={uid},{self.base}", {"mail": [(ldap3.MODIFY_REPLACE, [mail])]})


SLAPD_CONF = """\
# "phonetic" as an attribute option: sn;lang-ja;phonetic holds the reading of sn;lang-ja.
attributeoptions lang- phonetic
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
pidfile {root}/slapd.pid
modulepath {modules}
moduleload back_mdb
database mdb
maxsize 104857600
suffix "{base}"
rootdn "{admin}"
rootpw {password}
directory {root}/db
# Tests need no durability; skipping fsync makes adds fast.
dbnosync
index objectClass eq
index entryUUID eq
"""


def start_slapd(root: Path, entries_ldif: str = "") -> tuple[Slapd, subprocess.Popen]:
    """Load ``entries_ldif`` with slapadd and start slapd on a free port (no debconf, no root)."""
    root.mkdir(parents=True, exist_ok=True)
    server = Slapd(root, free_port())
    (root / "db").mkdir(exist_ok=True)
    server.password_file.write_text(server.admin_password + "\n")
    conf = root / "slapd.conf"
    conf.write_text(SLAPD_CONF.format(
        schema=SCHEMA_DIR, root=root, modules=MODULE_DIR, base=server.base,
        admin=server.admin_dn, password=server.admin_password,
    ))
    base_ldif = (
        f"dn: {server.base}\nobjectClass: dcObject\nobjectClass: organization\n"
        "dc: example\no: Example Agency\n\n"
        f"dn: ou=people,{server.base}\nobjectClass: organizationalUnit\nou: people\n\n"
    ) + entries_ldif
    (root / "base.ldif").write_text(base_ldif, encoding="utf-8")
    subprocess.run([SLAPADD, "-f", str(conf), "-l", str(root / "base.ldif")],
                   check=True, capture_output=True)
    proc = subprocess.Popen(
        [SLAPD, "-d", "0", "-f", str(conf), "-h", server.url + "/"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    wait_for_port(server.port, proc)
    return server, proc


def person_ldif(base: str, uid: str, family: str, given: str, mail: str,
                reading: str = "") -> str:
    """One inetOrgPerson in LDIF, Japanese names as ``;lang-ja`` values."""
    import base64

    def b64(text: str) -> str:
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    lines = [
        f"dn: uid={uid},ou=people,{base}", "objectClass: inetOrgPerson", f"uid: {uid}",
        f"cn:: {b64(family + ' ' + given)}", f"sn:: {b64(family)}", f"givenName:: {b64(given)}",
        f"mail: {mail}", f"ou:: {b64('総務部')}",
    ]
    if reading:
        lines.append(f"sn;lang-ja;phonetic:: {b64(reading)}")
    return "\n".join(lines) + "\n\n"


@pytest.fixture(scope="session")
def slapd(tmp_path_factory) -> Iterator[Slapd]:
    """A real OpenLDAP slapd for the whole session (skipped when Debian's slapd is missing)."""
    if not (os.access(SLAPD, os.X_OK) and os.access(SLAPADD, os.X_OK)):
        pytest.skip("slapd is not installed: apt-get install slapd ldap-utils")
    if not (SCHEMA_DIR / "inetorgperson.schema").exists():
        pytest.skip(f"LDAP schemas missing in {SCHEMA_DIR}")
    pytest.importorskip("ldap3", reason="ldap3 is not installed")
    server, proc = start_slapd(tmp_path_factory.mktemp("slapd"))
    try:
        yield server
    finally:
        stop(proc)
