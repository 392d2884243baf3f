"""LDAP sync of the staff directory: one paged search, deletions found by diffing entryUUID.

``modifyTimestamp`` polling misses deletions, so every run reads everyone
(10,000 entries take about a second) and the store keeps exactly that set.
"""

from __future__ import annotations

import sqlite3

from atesaki.core.i18n import Text
from atesaki.importers import Problem, Record
from atesaki.importers.ldif import record_from_attributes
from atesaki.sync import SyncError, SyncResult, apply_sync, record_failure, redact_url

# People, and groups with an address of their own: the mailing lists (member values
# give their size; ldap3 follows Active Directory's ranged member values by itself).
DEFAULT_FILTER = (
    "(&(|(objectClass=person)(objectClass=inetOrgPerson)(objectClass=user)"
    "(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))(mail=*))"
)
ATTRIBUTES = [
    "cn", "displayName", "sn", "givenName", "mail", "o", "ou", "department",
    "departmentNumber", "msDS-PhoneticLastName", "msDS-PhoneticFirstName",
    "entryUUID", "objectGUID", "objectClass", "member", "uniqueMember",
]  # fmt: skip
PAGE_SIZE = 500

LDAP_FAILED = Text("{url} の LDAP 検索に失敗しました: {error}", "LDAP search on {url} failed: {error}")


def origin_of(url: str, base: str) -> str:
    """The directory's identity in the store: server URL and search base."""
    return f"ldap:{url.rstrip('/')}/{base}"


def _decode(values) -> list[str]:
    out = []
    for value in values:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        out.append(str(value))
    return out


def _uid(raw: dict, dn: str) -> str:
    uuid = raw.get("entryuuid") or []
    if uuid:
        return "entryUUID:" + _decode(uuid[:1])[0]
    guid = raw.get("objectguid") or []
    if guid:
        value = guid[0]
        return "objectGUID:" + (value.hex() if isinstance(value, bytes) else str(value))
    return "dn:" + dn.lower()


def search(url: str, base: str, bind_dn: str | None, password: str | None,
           search_filter: str = DEFAULT_FILTER, page_size: int = PAGE_SIZE
           ) -> list[Record | Problem]:
    """Everyone (and every mailing list) under ``base`` as records (uid = entryUUID), page by page."""
    import ldap3
    from ldap3.core.exceptions import LDAPException

    try:
        server = ldap3.Server(url, get_info=ldap3.NONE, connect_timeout=10)
        conn = ldap3.Connection(
            server, user=bind_dn, password=password, auto_bind=True, read_only=True,
            raise_exceptions=True, receive_timeout=60,
        )
        records: list[Record | Problem] = []
        try:
            entries = conn.extend.standard.paged_search(
                base, search_filter, ldap3.SUBTREE, attributes=ATTRIBUTES,
                paged_size=page_size, generator=True,
            )
            for number, entry in enumerate(entries, 1):
                if entry.get("type") != "searchResEntry":
                    continue
                raw = {k.lower(): v for k, v in entry["raw_attributes"].items()}
                attrs = {k: _decode(v) for k, v in raw.items() if k not in ("objectguid",)}
                uid = _uid(raw, entry["dn"])
                for item in record_from_attributes(number, attrs, uid):
                    if isinstance(item, Problem):
                        item = Problem(item.line, item.reason, item.skipped, entry["dn"])
                    records.append(item)
        finally:
            conn.unbind()
    except LDAPException as exc:
        raise SyncError(LDAP_FAILED.format(url=redact_url(url), error=exc)) from exc
    return records


def sync_ldap(
    conn: sqlite3.Connection,
    url: str,
    base: str,
    bind_dn: str | None = None,
    password: str | None = None,
    into: str = "directory",
    search_filter: str = DEFAULT_FILTER,
    page_size: int = PAGE_SIZE,
) -> SyncResult:
    """Make ``into`` hold exactly the directory's people and lists: added, updated, deleted; all or nothing."""
    origin = origin_of(url, base)
    result = SyncResult(file=redact_url(url), full=True)
    try:
        records = search(url, base, bind_dn, password, search_filter, page_size)
        result.fetched = sum(isinstance(r, Record) for r in records)
        return apply_sync(conn, into, origin, records, set(), result, full_set=True)
    except SyncError as exc:
        record_failure(conn, into, origin, exc.reason.en)
        raise
