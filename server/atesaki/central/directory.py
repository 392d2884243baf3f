"""The office's staff directory at the central service: imported once, pulled by every PC by version.

An import replaces the directory with what the files hold; only people whose record
changed (or who went) take a new version, so a PC that asks ``since`` its version
gets the changes alone. The PC verifies where it comes from by the pinned TLS
certificate and its own credential (``atesaki.link.directory``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from psycopg_pool import ConnectionPool

from atesaki.central.db import transaction
from atesaki.central.service import log_event
from atesaki.importers import Problem, Record
from atesaki.store.people import record_uid


@dataclasses.dataclass
class DirectoryImport:
    """What an import changed, and the records it skipped."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    version: int = 0
    problems: list[Problem] = dataclasses.field(default_factory=list)


def replace(pool: ConnectionPool, items: Iterable[Record | Problem]) -> DirectoryImport:
    """Make the directory what ``items`` hold, in one transaction; people not in it are removed."""
    result = DirectoryImport()
    records: dict[str, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, Problem):
            result.problems.append(item)
            continue
        records.setdefault(record_uid(item), dataclasses.asdict(item))
    with transaction(pool) as conn:
        held = {r["uid"]: r["record"] for r in conn.execute(
            "SELECT uid, record FROM directory_people WHERE NOT deleted")}
        for uid, record in records.items():
            if held.get(uid) == record:
                result.unchanged += 1
                continue
            if uid in held:
                result.changed += 1
            else:
                result.added += 1
            conn.execute(
                "INSERT INTO directory_people (uid, record, version) "
                "VALUES (%s, %s::jsonb, nextval('directory_version')) "
                "ON CONFLICT (uid) DO UPDATE SET record = excluded.record, "
                "version = excluded.version, deleted = false",
                (uid, json.dumps(record, ensure_ascii=False)))
        gone = sorted(set(held) - set(records))
        if gone:
            conn.execute("UPDATE directory_people SET deleted = true, "
                         "version = nextval('directory_version') WHERE uid = ANY(%s)", (gone,))
            result.removed = len(gone)
        result.version = current_version(conn)
        log_event(conn, "directory_imported", {
            "added": result.added, "changed": result.changed, "removed": result.removed,
            "version": result.version})
    return result


def current_version(conn) -> int:
    """The directory's version: the last change's number (0 when empty)."""
    return conn.execute("SELECT coalesce(max(version), 0) AS v FROM directory_people"
                        ).fetchone()["v"]


def changes(pool: ConnectionPool, since: int) -> dict[str, Any]:
    """Everyone (``since`` 0) or the changes after version ``since``."""
    with pool.connection() as conn, conn.transaction():
        version = current_version(conn)
        if since <= 0:
            rows = conn.execute("SELECT uid, record, deleted FROM directory_people "
                                "WHERE NOT deleted ORDER BY uid").fetchall()
        else:
            rows = conn.execute("SELECT uid, record, deleted FROM directory_people "
                                "WHERE version > %s ORDER BY uid", (since,)).fetchall()
    return {"ok": True, "version": version, "full": since <= 0,
            "people": [r["record"] for r in rows if not r["deleted"]],
            "deleted": [r["uid"] for r in rows if r["deleted"]]}
