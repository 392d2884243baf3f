"""The SQLite store: one file in the data folder, numbered migrations that are safe to rerun."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from atesaki.files import make_data_dir
from atesaki.store.migrations import MIGRATIONS

DB_NAME = "atesaki.db"

KB_GENERATION = "kb_generation"


class StoreConnection(sqlite3.Connection):
    """A connection that knows its data folder (the audit log finds its key there)."""

    data_dir: Path
    audit_key: bytes | None = None  # read by the first audit append through it


def connect(data_dir: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating if needed) the database in ``data_dir``: WAL, foreign keys, mode 0600."""
    path = Path(data_dir) / DB_NAME
    make_data_dir(path.parent)
    if not path.exists():
        # Create it private before SQLite writes anything into it.
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False,
                           factory=StoreConnection)
    conn.data_dir = Path(os.path.abspath(path)).parent  # as PRAGMA database_list gives it
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    return conn


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the migrations not applied yet; returns their names. Safe to run any number of times."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        with transaction(conn):
            # Asked again under the write lock: another process (serve and the native host
            # start together) may have applied it since the list above was read.
            if conn.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                continue
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO migrations (name, applied) VALUES (?, datetime('now'))", (name,)
            )
        applied.append(name)
    return applied


def _statements(sql: str) -> Iterator[str]:
    # executescript() would commit our transaction; split on complete statements instead.
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer
            buffer = ""
    if buffer.strip():
        yield buffer


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception: all or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def bump_generation(conn: sqlite3.Connection) -> None:
    """Tell running services that directory, contacts or history changed (inside a transaction)."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (KB_GENERATION,),
    )


def generation(conn: sqlite3.Connection) -> int:
    """The current knowledge generation (0 before any import)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (KB_GENERATION,)).fetchone()
    return int(row[0]) if row else 0


def open_store(data_dir: str | os.PathLike[str]) -> sqlite3.Connection:
    """Connect and migrate: what every command and the service call first."""
    conn = connect(data_dir)
    migrate(conn)
    return conn
