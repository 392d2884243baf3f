"""The office's staff directory at the central service: imported or synced once, pulled by every PC by version.

An import (files) or a sync (LDAP/AD or CardDAV, read by ``atesaki.sync``'s own
readers) replaces the directory with what it holds; only people whose record
changed (or who went) take a new version, so a PC that asks ``since`` its version
gets the changes alone. A sync is all or nothing: a source that fails half-way, or
answers with nobody, leaves the previous version. The PC verifies where the
directory comes from by the pinned TLS certificate and its own credential
(``atesaki.link.directory``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from typing import Any

from psycopg_pool import ConnectionPool

from atesaki.central.db import transaction
from atesaki.central.service import log_event
from atesaki.importers import Problem, Record
from atesaki.store.people import record_uid
from atesaki.sync import SyncError, redact_url, refuse_empty


@dataclasses.dataclass
class DirectoryImport:
    """What an import changed, and the records it skipped."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    version: int = 0
    problems: list[Problem] = dataclasses.field(default_factory=list)


def replace(pool: ConnectionPool, items: Iterable[Record | Problem], *,
            origin: str = "") -> DirectoryImport:
    """Make the directory what ``items`` hold, in one transaction; people not in it are removed.

    ``origin``: the items are a sync of that source, which must not answer with nobody
    while the directory holds people (``SyncError``, nothing changed).
    """
    result = DirectoryImport()
    records: dict[str, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, Problem):
            result.problems.append(item)
            continue
        # Where a person sat in the source is no change to them: an LDAP listing that
        # gains someone early must not give everyone after them a new version.
        records.setdefault(record_uid(item), {**dataclasses.asdict(item), "line": 0})
    with transaction(pool) as conn:
        held = {r["uid"]: r["record"] for r in conn.execute(
            "SELECT uid, record FROM directory_people WHERE NOT deleted")}
        if origin:
            refuse_empty(origin, len(records), len(held))
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
        log_event(conn, "directory_synced" if origin else "directory_imported", {
            "added": result.added, "changed": result.changed, "removed": result.removed,
            "version": result.version, **({"origin": origin} if origin else {})})
    return result


def _sync(pool: ConnectionPool, origin: str,
          read: Callable[[], list[Record | Problem]]) -> DirectoryImport:
    """Read a whole source, then replace the directory with it; a failure is logged, not applied."""
    try:
        return replace(pool, read(), origin=origin)
    except SyncError as exc:
        with transaction(pool) as conn:
            log_event(conn, "directory_sync_failed", {"origin": origin, "error": exc.reason.en})
        raise


def sync_ldap(pool: ConnectionPool, url: str, base: str, bind_dn: str | None = None,
              password: str | None = None, search_filter: str | None = None) -> DirectoryImport:
    """The directory becomes everyone under ``base`` on the LDAP/AD server ``url``, with readings."""
    from atesaki.sync import ldap

    return _sync(pool, redact_url(ldap.origin_of(url, base)), lambda: ldap.search(
        url, base, bind_dn, password, search_filter or ldap.DEFAULT_FILTER))


def sync_carddav(pool: ConnectionPool, url: str, user: str, password: str,
                 session=None) -> DirectoryImport:
    """The directory becomes every card of the CardDAV address book ``url``, with readings."""
    from atesaki.sync import carddav

    def read() -> list[Record | Problem]:
        # Every card each time: the central service keeps no sync token, and the
        # versions above already send PCs only what changed.
        return carddav.read_book(carddav.CardDavClient(url, user, password, session)).records

    return _sync(pool, carddav.origin_of(url), read)


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
