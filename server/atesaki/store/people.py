"""Writing people and send history into the store: upserts that make re-imports change nothing.

A person's identity is (source, origin, uid): the vCard UID, the LDAP
entryUUID, the CardDAV href, else a stable hash of the normalised name and
e-mail addresses. File imports share the origin ``file``, so the same person
in two exports is one row; each sync has its own origin so its deletions stay
its own.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from atesaki.core import clock
from atesaki.core.i18n import Text
from atesaki.core.names import person_profile
from atesaki.core.records import Problem, Record
from atesaki.core.text import spaceless_key

FILE_ORIGIN = "file"
SOURCES = ("directory", "contacts")

DUPLICATE = Text("{line} 行目と同じ人です", "same person as line {line}")
SUMMARY = Text(
    "取り込み {imported} 件、更新 {updated} 件、スキップ {skipped} 件(変更なし {unchanged} 件)",
    "imported {imported}, updated {updated}, skipped {skipped}, unchanged {unchanged}",
)


def now() -> str:
    """The current time as ISO 8601 UTC, the format every timestamp in the store uses."""
    return clock.iso()


@dataclass
class ImportResult:
    """What one file (or one sync) did: counts and every problem met."""

    file: str = ""
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    deleted: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the store's people changed."""
        return bool(self.imported or self.updated or self.deleted)

    def summary(self, lang: str | None = None) -> str:
        """ "imported N, updated M, skipped K, unchanged U" in the chosen language."""
        text = SUMMARY.format(
            imported=self.imported,
            updated=self.updated,
            skipped=self.skipped,
            unchanged=self.unchanged,
        ).get(lang)
        if self.deleted:
            text += (
                f"、削除 {self.deleted}" if lang != "en" else f", deleted {self.deleted}"
            )
        return text


def record_uid(record: Record) -> str:
    """The record's own UID, else a hash of its normalised name and sorted addresses."""
    if record.uid:
        return record.uid
    key = spaceless_key(record.display_name) + "\n" + "\n".join(sorted(record.emails))
    return "h:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _fields(record: Record) -> tuple[str, ...]:
    return (
        record.display_name,
        record.family,
        record.given,
        record.family_reading,
        record.given_reading,
        record.organization,
        record.department,
    )


def _list(record: Record) -> tuple[bool, int | None]:
    return (record.is_list, record.members if record.is_list else None)


def name_profile(record: Record, cache: dict | None = None) -> str:
    """The record's NameProfile JSON; ``cache`` shares work between people with the same name."""
    address = None
    if not (record.family or record.given) and record.emails:
        address = record.emails[0]  # only consulted when no name parts are known
    key = (*_fields(record)[:5], address)
    if cache is not None and key in cache:
        return cache[key]
    profile = person_profile(
        record.display_name,
        family=record.family or None,
        given=record.given or None,
        family_reading=record.family_reading or None,
        given_reading=record.given_reading or None,
        address=address,
    ).to_json()
    if cache is not None:
        if len(cache) >= 20_000:  # bounded: files of all-different names gain nothing
            cache.clear()
        cache[key] = profile
    return profile


def upsert_person(
    conn: sqlite3.Connection,
    source: str,
    origin: str,
    uid: str,
    record: Record,
    when: str,
    profiles: dict | None = None,
    known: set[str] | None = None,
    pending: list[tuple[int, str]] | None = None,
) -> str:
    """Insert or update one person (inside a transaction): ``imported``, ``updated`` or ``unchanged``.

    ``known``, when given, holds every uid already stored for this origin, so a
    first import skips the lookup; ``pending``, when given, collects a new
    person's addresses for one batched insert (``flush_emails``).
    """
    fields = _fields(record)
    emails = sorted(set(record.emails))
    row = None if known is not None and uid not in known else conn.execute(
        "SELECT id, display_name, family, given, family_reading, given_reading, organization, "
        "department, l.person_id IS NOT NULL, l.members FROM person "
        "LEFT JOIN person_list l ON l.person_id = person.id "
        "WHERE source = ? AND origin = ? AND uid = ?",
        (source, origin, uid),
    ).fetchone()
    if row is not None:
        person_id = row[0]
        old = sorted(
            a
            for (a,) in conn.execute(
                "SELECT address FROM person_email WHERE person_id = ?", (person_id,)
            )
        )
        was_list = (bool(row[8]), row[9])
        if tuple(row[1:8]) == fields and old == emails and was_list == _list(record):
            return "unchanged"
    # A list is no one's name: it stays out of the names index (knowledge.load).
    profile = "" if record.is_list else name_profile(record, profiles)
    if row is None:
        person_id = conn.execute(
            "INSERT INTO person (source, origin, uid, display_name, family, given, "
            "family_reading, given_reading, organization, department, profile, updated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (source, origin, uid, *fields, profile, when),
        ).lastrowid
        if record.is_list:
            conn.execute("INSERT INTO person_list (person_id, members) VALUES (?, ?)",
                         (person_id, record.members))
        if pending is not None:
            pending.extend((person_id, address) for address in emails)
            return "imported"
        outcome = "imported"
    else:
        conn.execute(
            "UPDATE person SET display_name = ?, family = ?, given = ?, family_reading = ?, "
            "given_reading = ?, organization = ?, department = ?, profile = ?, updated = ? "
            "WHERE id = ?",
            (*fields, profile, when, person_id),
        )
        conn.execute("DELETE FROM person_email WHERE person_id = ?", (person_id,))
        conn.execute("DELETE FROM person_list WHERE person_id = ?", (person_id,))
        if record.is_list:
            conn.execute("INSERT INTO person_list (person_id, members) VALUES (?, ?)",
                         (person_id, record.members))
        outcome = "updated"
    conn.executemany(
        "INSERT OR IGNORE INTO person_email (person_id, address) VALUES (?, ?)",
        [(person_id, address) for address in emails],
    )
    return outcome


def flush_emails(conn: sqlite3.Connection, pending: list[tuple[int, str]]) -> None:
    """Insert the addresses ``upsert_person`` collected, and empty the list."""
    if pending:
        conn.executemany(
            "INSERT OR IGNORE INTO person_email (person_id, address) VALUES (?, ?)", pending
        )
        pending.clear()


def delete_people(conn: sqlite3.Connection, source: str, origin: str, uids: Iterable[str]) -> int:
    """Remove people by uid from one origin (inside a transaction); returns how many went."""
    count = 0
    for uid in uids:
        count += conn.execute(
            "DELETE FROM person WHERE source = ? AND origin = ? AND uid = ?", (source, origin, uid)
        ).rowcount
    return count


def origin_uids(conn: sqlite3.Connection, source: str, origin: str) -> set[str]:
    """Every uid stored for one origin."""
    return {
        uid
        for (uid,) in conn.execute(
            "SELECT uid FROM person WHERE source = ? AND origin = ?", (source, origin)
        )
    }


def apply_records(
    conn: sqlite3.Connection,
    items: Iterable[Record | Problem],
    source: str,
    origin: str = FILE_ORIGIN,
    result: ImportResult | None = None,
) -> ImportResult:
    """Store records and collect problems (call inside a transaction); duplicates are skipped."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    result = result or ImportResult()
    seen: dict[str, int] = {}
    profiles: dict = {}
    known = origin_uids(conn, source, origin)
    pending: list[tuple[int, str]] = []
    when = now()
    for item in items:
        if isinstance(item, Problem):
            result.problems.append(item)
            if item.skipped:
                result.skipped += 1
            continue
        uid = record_uid(item)
        if uid in seen:
            result.problems.append(
                Problem(item.line, DUPLICATE.format(line=seen[uid]), file=result.file)
            )
            result.skipped += 1
            continue
        seen[uid] = item.line
        outcome = upsert_person(conn, source, origin, uid, item, when, profiles, known, pending)
        setattr(result, outcome, getattr(result, outcome) + 1)
        if len(pending) >= 5000:
            flush_emails(conn, pending)
    flush_emails(conn, pending)
    return result


def add_history(conn: sqlite3.Connection, address: str, name: str, when: str | None) -> None:
    """Count one message to an address (inside a transaction), widening first/last sent."""
    key = address.strip().lower()
    conn.execute(
        "INSERT INTO history (address, name, profile, count, first_sent, last_sent) "
        "VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT(address) DO UPDATE SET "
        "count = count + 1, "
        "first_sent = CASE WHEN first_sent IS NULL OR excluded.first_sent < first_sent "
        "  THEN excluded.first_sent ELSE first_sent END, "
        "name = CASE WHEN excluded.name != '' AND (last_sent IS NULL "
        "  OR excluded.last_sent >= last_sent OR name = '') THEN excluded.name ELSE name END, "
        "profile = CASE WHEN excluded.name != '' AND (last_sent IS NULL "
        "  OR excluded.last_sent >= last_sent OR name = '') THEN excluded.profile ELSE profile END, "
        "last_sent = CASE WHEN last_sent IS NULL OR excluded.last_sent > last_sent "
        "  THEN excluded.last_sent ELSE last_sent END",
        (key, name, person_profile(name, address=key).to_json(), when, when),
    )


def record_send(conn: sqlite3.Connection, recipients: list[tuple[str, str]], when: str) -> None:
    """Add one sent message's (address, display name) pairs to history (inside a transaction)."""
    for address, name in recipients:
        add_history(conn, address, name, when)
