"""Which of the user's From identities wrote to which domains: the memory the sender_identity check reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

_INSERT = "INSERT INTO sender_history (sender, domain, count, last_sent) VALUES (?, ?, 1, ?) "
_COUNT = _INSERT + (
    "ON CONFLICT(sender, domain) DO UPDATE SET count = count + 1, "
    "last_sent = CASE WHEN last_sent IS NULL OR excluded.last_sent > last_sent "
    "  THEN excluded.last_sent ELSE last_sent END"
)
_LEARN = _INSERT + "ON CONFLICT(sender, domain) DO NOTHING"


def _domain(address: str) -> str:
    return address.strip().lower().rpartition("@")[2].rstrip(".")


def record(conn: sqlite3.Connection, sender: str, addresses: Iterable[str], when: str | None,
           *, counted: bool = False) -> int:
    """Count one message from ``sender`` to the domains of ``addresses`` (inside a transaction).

    ``counted``: the message was counted before (an import run again): a pairing that is
    missing is added, as mail imported before From was remembered teaches it, and none
    is counted twice. Returns how many pairings were added or counted.
    """
    sender = sender.strip().lower()
    if "@" not in sender:
        return 0  # no identity read from the message: nothing to remember
    sql = _LEARN if counted else _COUNT
    changed = 0
    for domain in sorted({_domain(a) for a in addresses if "@" in a}):
        changed += conn.execute(sql, (sender, domain, when)).rowcount
    return changed


def rows(conn: sqlite3.Connection, since: str = "", sender: str | None = None):
    """(sender, domain, count) rows, those sent at or after ``since`` (all when empty)."""
    sql = "SELECT sender, domain, count FROM sender_history WHERE 1"
    args: list[str] = []
    if since:
        sql += " AND last_sent >= ?"
        args.append(since)
    if sender is not None:
        sql += " AND sender = ?"
        args.append(sender.strip().lower())
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # a store from before this table: nothing remembered
        return []
