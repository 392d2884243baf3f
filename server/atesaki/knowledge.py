"""What the service knows about who is who: directory, contacts and send history, indexed in memory.

Loaded once from the store and reloaded when an import or sync bumps the
generation counter; the service's own sends update it in place. Checks read it
through the small interface below and never touch SQLite.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from atesaki import store
from atesaki.names import NameProfile, SurnameIndex, person_profile


@dataclass(frozen=True)
class Person:
    """Someone the user deals with: a staff member, a contact, or an address from history."""

    ref: str  # "p:<id>" for directory and contacts, "h:<address>" for history only
    name: str
    addresses: tuple[str, ...]  # lower-case
    internal: bool
    source: str  # "directory" | "contacts" | "history"
    organization: str
    profile: NameProfile

    def related(self, address: str | None = None) -> dict[str, object]:
        """The person as a finding's ``related`` entry."""
        return {
            "name": self.name,
            "address": address or (self.addresses[0] if self.addresses else ""),
            "internal": self.internal,
            "source": self.source,
        }


@dataclass(frozen=True)
class HistoryEntry:
    """What the user has really sent to one address."""

    address: str
    name: str
    count: int
    first_sent: str | None
    last_sent: str | None


class Knowledge:
    """In-memory indexes over people and history; cheap lookups for the checks."""

    def __init__(self, is_internal=lambda address: False) -> None:
        self._is_internal = is_internal
        self.people: dict[str, Person] = {}
        self._by_address: dict[str, list[Person]] = {}
        self._history: dict[str, HistoryEntry] = {}
        self._index = SurnameIndex()
        self._domains: set[str] = set()

    # --- building -----------------------------------------------------------------

    def add_person(self, person: Person) -> None:
        """Index one person by address, surname and domain."""
        self.people[person.ref] = person
        for address in person.addresses:
            self._by_address.setdefault(address, []).append(person)
            self._domains.add(address.rpartition("@")[2])
        self._index.add(person.ref, person.profile)

    def add_history(self, entry: HistoryEntry, profile: NameProfile | None = None) -> None:
        """Record history for an address; an address nobody else knows becomes a person too."""
        key = entry.address.lower()
        self._history[key] = entry
        self._domains.add(key.rpartition("@")[2])
        if key not in self._by_address:
            self.add_person(
                Person(
                    ref=f"h:{key}",
                    name=entry.name,
                    addresses=(key,),
                    internal=self._is_internal(key),
                    source="history",
                    organization="",
                    profile=profile or person_profile(entry.name, address=key),
                )
            )

    # --- lookups used by checks -----------------------------------------------------

    def person(self, address: str) -> Person | None:
        """The directory entry for an address, else the contact, else the history-only person."""
        found = self._by_address.get(address.lower())
        if not found:
            return None
        order = {"directory": 0, "contacts": 1, "history": 2}
        return min(found, key=lambda p: order[p.source])

    def people_at(self, address: str) -> list[Person]:
        """Everyone (directory, contacts, history) listed under an address."""
        return list(self._by_address.get(address.lower(), ()))

    def in_address_book(self, address: str) -> bool:
        """True when the directory or the contacts hold this address."""
        return any(p.source != "history" for p in self._by_address.get(address.lower(), ()))

    def history(self, address: str) -> HistoryEntry | None:
        """What the user has sent to this address, if anything."""
        return self._history.get(address.lower())

    def sent_count(self, address: str) -> int:
        """How many messages went to this address."""
        entry = self._history.get(address.lower())
        return entry.count if entry else 0

    def namesakes(self, profile: NameProfile) -> list[Person]:
        """People whose surname matches this name's (any script, romanisation or variant)."""
        return [self.people[ref] for ref in self._index.namesakes(profile)]

    def people_named(self, profile: NameProfile) -> list[Person]:
        """People whose full name matches this name."""
        return [self.people[ref] for ref in self._index.same_name(profile)]

    def known_domains(self) -> set[str]:
        """Every domain seen in the directory, contacts and history."""
        return self._domains

    def all_people(self) -> Iterable[Person]:
        """Everyone, for matchers built over all names (e.g. names in a body)."""
        return self.people.values()


def load(conn: sqlite3.Connection, is_internal) -> Knowledge:
    """Build the indexes from the store (profiles were computed at import)."""
    kb = Knowledge(is_internal)
    emails: dict[int, list[str]] = {}
    for person_id, address in conn.execute("SELECT person_id, address FROM person_email"):
        emails.setdefault(person_id, []).append(address)
    rows = conn.execute(
        "SELECT id, source, display_name, family, given, organization, profile FROM person"
    )
    for pid, source, display_name, family, given, organization, profile in rows:
        addresses = tuple(emails.get(pid, ()))
        name = display_name or " ".join(part for part in (family, given) if part)
        kb.add_person(
            Person(
                ref=f"p:{pid}",
                name=name,
                addresses=addresses,
                internal=source == "directory" or any(is_internal(a) for a in addresses),
                source=source,
                organization=organization,
                profile=NameProfile.from_json(profile) if profile else person_profile(name),
            )
        )
    for address, name, profile, count, first_sent, last_sent in conn.execute(
        "SELECT address, name, profile, count, first_sent, last_sent FROM history"
    ):
        kb.add_history(
            HistoryEntry(address, name, count, first_sent, last_sent),
            NameProfile.from_json(profile) if profile else None,
        )
    return kb


class KnowledgeCache:
    """Holds the current Knowledge; reloads it when the store's generation moves on."""

    def __init__(self, is_internal) -> None:
        self._is_internal = is_internal
        self._lock = threading.Lock()
        self._kb: Knowledge | None = None
        self._generation = -1

    def get(self, conn: sqlite3.Connection) -> Knowledge:
        """The current knowledge, reloading first if an import happened since."""
        current = store.generation(conn)
        if self._kb is None or current != self._generation:
            with self._lock:
                if self._kb is None or current != self._generation:
                    self._kb = load(conn, self._is_internal)
                    self._generation = current
        return self._kb

    def invalidate(self) -> None:
        """Force a reload on the next request."""
        self._generation = -1
