"""Live sync of address books (CardDAV, LDAP): saved state, results, and the all-or-nothing apply.

Every sync fetches everything it needs first and then applies it in one
transaction, so a network failure half-way keeps the last good data.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from atesaki import store
from atesaki.core.i18n import Text
from atesaki.importers import Problem, Record
from atesaki.store.people import ImportResult, apply_records, delete_people, now, origin_uids

EMPTY_RESULT = Text(
    "{origin} から 1 件も届きませんでした。前回のデータ({count} 件)を残します。",
    "{origin} returned nobody; keeping the last good data ({count} people).",
)
BAD_PASSWORD_FILE = Text(
    "パスワードファイルが読めません: {file} ({error})",
    "cannot read the password file {file} ({error})",
)


class SyncError(Exception):
    """A sync could not run or finish; nothing was changed. ``reason`` is bilingual."""

    def __init__(self, reason: Text) -> None:
        self.reason = reason
        super().__init__(reason.en)


@dataclass
class SyncResult(ImportResult):
    """An import result plus what a sync needs to say: full or incremental."""

    full: bool = False
    fetched: int = 0
    notes: list[str] = field(default_factory=list)


def redact_url(url: str) -> str:
    """A URL fit for logs and output: any ``user:password@`` taken out."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def read_password_file(path: str | Path) -> str:
    """The first line of a password file (the password never goes on the command line)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SyncError(BAD_PASSWORD_FILE.format(file=path, error=exc)) from exc
    return text.splitlines()[0] if text else ""


def refuse_empty(origin: str, present: int, before: int) -> None:
    """Refuse a full read that found nobody where ``before`` people were (``SyncError``).

    A directory does not empty itself overnight: a wrong search base, filter or
    address book does, and it must not wipe the staff from every check.
    """
    if before and not present:
        raise SyncError(EMPTY_RESULT.format(origin=origin, count=before))


def load_state(conn: sqlite3.Connection, source: str, origin: str) -> tuple[str, dict[str, str]]:
    """The saved sync token and {href: etag} for one sync."""
    row = conn.execute(
        "SELECT token FROM sync_source WHERE source = ? AND origin = ?", (source, origin)
    ).fetchone()
    items = dict(
        conn.execute(
            "SELECT href, etag FROM sync_item WHERE source = ? AND origin = ?", (source, origin)
        ).fetchall()
    )
    return (row[0] if row else ""), items


def record_failure(conn: sqlite3.Connection, source: str, origin: str, error: str) -> None:
    """Remember that a sync failed (its data stays as it was)."""
    with store.transaction(conn):
        conn.execute(
            "INSERT INTO sync_source (source, origin, last_run, last_error) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(source, origin) DO UPDATE SET last_run = excluded.last_run, "
            "last_error = excluded.last_error",
            (source, origin, now(), error),
        )


def apply_sync(
    conn: sqlite3.Connection,
    source: str,
    origin: str,
    records: list[Record | Problem],
    deleted: set[str],
    result: SyncResult,
    token: str = "",
    etags: dict[str, str] | None = None,
    full_set: bool = False,
) -> SyncResult:
    """Write one sync in one transaction: people, deletions, ETags and the new token.

    ``full_set``: ``records`` is everyone (LDAP), so anyone not in it is deleted.
    Records carry their identity in ``uid`` (CardDAV href, LDAP entryUUID).
    """
    with store.transaction(conn):
        if full_set:
            present = {r.uid for r in records if isinstance(r, Record)}
            before = origin_uids(conn, source, origin)
            refuse_empty(origin, len(present), len(before))
            deleted = deleted | (before - present)
        apply_records(conn, records, source, origin, result)
        result.deleted += delete_people(conn, source, origin, sorted(deleted))
        if etags is not None:
            conn.executemany(
                "DELETE FROM sync_item WHERE source = ? AND origin = ? AND href = ?",
                [(source, origin, href) for href in deleted],
            )
            conn.executemany(
                "INSERT INTO sync_item (source, origin, href, etag) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(source, origin, href) DO UPDATE SET etag = excluded.etag",
                [(source, origin, href, etag) for href, etag in etags.items()],
            )
        stamp = now()
        conn.execute(
            "INSERT INTO sync_source (source, origin, token, last_run, last_ok, last_error) "
            "VALUES (?, ?, ?, ?, ?, '') ON CONFLICT(source, origin) DO UPDATE SET "
            "token = excluded.token, last_run = excluded.last_run, "
            "last_ok = excluded.last_ok, last_error = ''",
            (source, origin, token, stamp, stamp),
        )
        if result.changed:
            store.bump_generation(conn)
    return result
