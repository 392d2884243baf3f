"""A real PostgreSQL for the central service's tests: Debian's server, one cluster per session.

Use with ``pytest_plugins = ["servers.postgres"]`` in a test module. The cluster is
made by ``initdb`` in a temporary folder, listens on a free 127.0.0.1 port with its
unix socket in the same folder, and is stopped (its own process id) when the session
ends. PostgreSQL refuses to run as root, so as root it runs as ``nobody``. Each test
that asks for ``database_url`` gets a database of its own.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers.fixtures import free_port, stop

SUPERUSER = "atesaki"


def postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL bin folder (/usr/lib/postgresql/N/bin), or one on PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class Postgres:
    """A running cluster; ``url(db)`` gives a ``postgresql://`` URL for one database."""

    root: Path
    port: int
    bin: Path
    proc: subprocess.Popen
    durable: bool = False

    def url(self, database: str = "postgres") -> str:
        """A URL over TCP (as an administrator would give it) to ``database``."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown)."""
        stop(self.proc)

    def start(self) -> None:
        """Start the server again on the same port and data folder (after ``stop``)."""
        self.proc = _spawn(self.root, self.port, self.bin, durable=self.durable)


def _as_user() -> dict:
    """Popen arguments to drop root: PostgreSQL will not run as root."""
    if os.geteuid() != 0:
        return {}
    return {"user": "nobody", "group": pwd.getpwnam("nobody").pw_gid}


def _spawn(root: Path, port: int, bin_dir: Path, timeout: float = 30, *,
           durable: bool = False) -> subprocess.Popen:
    log = (root / "postgres.log").open("ab")
    # Tests need no durability: no fsync makes each commit cheap. A benchmark may ask
    # for PostgreSQL's defaults, each commit waiting for its WAL to reach the disk.
    durability = [] if durable else [
        "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    proc = subprocess.Popen(
        [str(bin_dir / "postgres"), "-D", str(root / "data"), "-p", str(port),
         "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={root}",
         *durability, "-c", "max_connections=300", "-c", "shared_buffers=32MB"],
        stdout=log, stderr=subprocess.STDOUT, **_as_user(),
    )
    deadline = time.monotonic() + timeout
    import psycopg

    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited: {(root / 'postgres.log').read_text()[-2000:]}")
        with contextlib.suppress(psycopg.OperationalError):
            psycopg.connect(f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres",
                            connect_timeout=2).close()
            return proc
        time.sleep(0.1)
    stop(proc)
    raise RuntimeError(f"postgres did not accept connections in {timeout} s")


def start_postgres(bin_dir: Path, *, durable: bool = False) -> Postgres:
    """initdb a cluster in a new temporary folder and start it on a free port.

    ``durable``: keep PostgreSQL's fsync and synchronous commit (as a real office would).
    """
    # Not under pytest's root-only tmp folder: the server's user must reach its files.
    root = Path(tempfile.mkdtemp(prefix="atesaki-pg-"))
    user = _as_user()
    if user:
        os.chown(root, pwd.getpwnam("nobody").pw_uid, user["group"])
    subprocess.run(
        [str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", SUPERUSER, "--auth=trust",
         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
        check=True, capture_output=True, cwd=root, **user,
    )
    port = free_port()
    return Postgres(root, port, bin_dir, _spawn(root, port, bin_dir, durable=durable),
                    durable)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL for the whole session (skipped when Debian's postgresql is missing)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed: apt-get install postgresql")
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install psycopg)")
    server = start_postgres(bin_dir)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def database_url(postgres: Postgres) -> str:
    """A fresh, empty database of this test's own."""
    return postgres.create_database()
