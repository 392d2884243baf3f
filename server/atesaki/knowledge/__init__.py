"""What the service knows about who is who: directory, contacts and send history, indexed in memory.

Loaded once from the store and reloaded when an import or sync bumps the
generation counter; the service's own sends update it in place. Checks read it
through the small interface below and never touch SQLite.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import pickle
import secrets
import sqlite3
import threading
from collections.abc import Iterable
from operator import itemgetter
from pathlib import Path

from atesaki import store
from atesaki.core import known, names
from atesaki.core.known import HISTORY_REF, HistoryEntry, MailingList, Person
from atesaki.core.names import NameProfile, SurnameIndex, person_profile
from atesaki.files import write_atomically
from atesaki.knowledge.caches import Caches

__all__ = ["HISTORY_REF", "HistoryEntry", "Knowledge", "KnowledgeCache", "MailingList", "Person"]

log = logging.getLogger("atesaki.knowledge")

def _smallest(keep: int, ranks: Iterable[int]) -> list[int]:
    """The ``keep`` smallest ranks, smallest first."""
    ranks = list(ranks)
    # sorted() is C all the way; heapq's Python loop only wins on long lists.
    return sorted(ranks)[:keep] if len(ranks) <= 1024 else heapq.nsmallest(keep, ranks)


class Knowledge:
    """In-memory indexes over people and history; cheap lookups for the checks."""

    def __init__(self, is_internal=lambda address: False) -> None:
        self._is_internal = is_internal
        self.people: dict[str, Person] = {}
        self._by_address: dict[str, list[Person]] = {}
        self._history: dict[str, HistoryEntry] = {}
        self._index = SurnameIndex()
        self._domains: set[str] = set()
        # ref -> rank (see _set_rank): "most likely intended first". Built on first use
        # (not stored in the snapshot) and kept current by add_*.
        self._ranks: dict[str, int] | None = None
        self._notable: set[str] = set()
        self._by_ordinal: list[str] = []  # the refs in the order they were ranked
        self.rank_version = 0  # moves on whenever someone's rank may have changed
        # What moved it, oldest first: (version, ref, is a new person). Lets a cached
        # ranking of one surname survive a send to people of another.
        self._changes: list[tuple[int, str, bool]] = []
        self._changes_dropped = 0  # the newest version no longer in _changes
        self._write_lock = threading.Lock()  # sends in two threads update at once
        self.caches = Caches()  # what the checks remember about this Knowledge
        # The user's From identities: sender -> {recipient domain: messages} (atesaki.senders)
        self._senders: dict[str, dict[str, int]] = {}
        # Mailing lists by address: known addresses, but nobody's name (no namesakes).
        self._lists: dict[str, MailingList] = {}

    CHANGES_KEPT = 512  # rank changes remembered; a cache older than that starts afresh

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        # cheaper to rebuild than to unpickle
        state["_ranks"], state["_notable"], state["_by_ordinal"] = None, set(), []
        state["_is_internal"] = None  # a bound method of the service; restored on load
        del state["_write_lock"], state["caches"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._write_lock = threading.Lock()
        self.caches = Caches()

    def _publish(self, changes: list[tuple[str, bool]]) -> None:
        """Record what moved, then move ``rank_version``, in that order: a reader who sees
        the new version sees the whole change (caches key on the version they read)."""
        version = self.rank_version + 1
        for ref, new in changes:
            self._changes.append((version, ref, new))
        if len(self._changes) > 2 * self.CHANGES_KEPT:
            # A new list: a reader holding the old one still sees a consistent past.
            self._changes_dropped = self._changes[-self.CHANGES_KEPT - 1][0]
            self._changes = self._changes[-self.CHANGES_KEPT :]
        self.rank_version = version

    # --- building -----------------------------------------------------------------

    def add_person(self, person: Person) -> None:
        """Index one person by address, surname and domain."""
        with self._write_lock:
            self._add_person(person)
            self._publish([(person.ref, True)])

    def _add_person(self, person: Person) -> None:
        self.people[person.ref] = person
        for address in person.addresses:
            self._by_address.setdefault(address, []).append(person)
            self._domains.add(address.rpartition("@")[2])
        self._index.add(person.ref, person.profile)
        if self._ranks is not None:
            self._set_rank(person, self._ranks)

    # A rank is one int, smaller first: staff before others, then the most written to,
    # then the order people were added (the directory loads before the contacts). Ints
    # compare many times faster than tuples, and a ranking runs on every new surname.
    _COUNT_MAX = (1 << 24) - 1
    _ORDINAL_BITS = 32
    _ORDINAL_MASK = (1 << _ORDINAL_BITS) - 1

    def _set_rank(self, person: Person, ranks: dict[str, int]) -> None:
        history = self._history
        count = max((history[a].count for a in person.addresses if a in history), default=0)
        old = ranks.get(person.ref)
        if old is None:
            ordinal = len(self._by_ordinal)
            self._by_ordinal.append(person.ref)
        else:
            ordinal = old & self._ORDINAL_MASK
        unlikely = (self._COUNT_MAX - min(count, self._COUNT_MAX)) << self._ORDINAL_BITS
        ranks[person.ref] = ((not person.internal) << 56) | unlikely | ordinal
        # "Notable": staff, or someone the user has written to. The few of them are
        # ranked exactly; the many strangers sharing a surname only fill up the list.
        if person.internal or count:
            self._notable.add(person.ref)
        else:
            self._notable.discard(person.ref)

    def _ensure_ranks(self) -> dict[str, int]:
        ranks = self._ranks
        if ranks is None:
            with self._write_lock:
                ranks = self._ranks
                if ranks is None:  # readers see the table once it is whole
                    ranks, self._by_ordinal, self._notable = {}, [], set()
                    for person in self.people.values():
                        self._set_rank(person, ranks)
                    self._ranks = ranks
        return ranks

    def rank_key(self, ref: str) -> int:
        """Sort key putting the most likely intended person first: internal, then most written to."""
        return self._ensure_ranks()[ref]

    # Up to this many namesakes, everyone is ranked. Beyond it only the notable are, and
    # strangers (external, never written to) fill the list from the first few met: any
    # of them is as unlikely as another.
    RANK_ALL_UP_TO = 64
    STRANGERS_RANKED = 24

    def ranked(self, refs, keep: int) -> list[Person]:
        """The ``keep`` most likely intended of ``refs``, best first."""
        return [person for _, _, person, _ in self.ranked_entries(refs, keep)]

    def ranked_entries(self, refs, keep: int) -> list[tuple[str, int, Person, int]]:
        """(ref, rank key, person, times written to) for the ``keep`` most likely intended."""
        ranks = self._ensure_ranks()
        refs = refs if isinstance(refs, (set, frozenset)) else set(refs)
        if len(refs) <= self.RANK_ALL_UP_TO:
            top = _smallest(keep, map(ranks.__getitem__, refs))
        else:
            notable = refs & self._notable
            top = _smallest(keep, map(ranks.__getitem__, notable))
            if len(top) < keep and len(notable) < len(refs):
                strangers = itertools.islice(
                    (ref for ref in refs if ref not in notable), self.STRANGERS_RANKED
                )
                top += _smallest(keep - len(top), map(ranks.__getitem__, strangers))
        people, by_ordinal, mask = self.people, self._by_ordinal, self._ORDINAL_MASK
        most, bits = self._COUNT_MAX, self._ORDINAL_BITS
        entries = []
        for rank in top:
            ref = by_ordinal[rank & mask]
            entries.append((ref, rank, people[ref], most - ((rank >> bits) & most)))
        return entries

    def rank_changes_since(self, version: int) -> list[tuple[str, bool]] | None:
        """(ref, is a new person) for each rank change after ``version``, oldest first.

        None when the changes go back further than this Knowledge remembers.
        """
        changes, dropped = self._changes, self._changes_dropped
        if version < dropped:
            return None
        end = len(changes)  # a send appending meanwhile is read next time
        start = bisect.bisect_right(changes, version, hi=end, key=itemgetter(0))
        return [(ref, new) for _, ref, new in changes[start:end]]

    def namesake_refs(self, profile: NameProfile) -> set[str]:
        """Refs of the people whose surname matches this name's."""
        return self._index.namesakes(profile)

    def add_history(self, entry: HistoryEntry, profile: NameProfile | None = None) -> None:
        """Record history for an address; an address nobody else knows becomes a person too."""
        with self._write_lock:
            self._publish(self._add_history(entry, profile))

    def _add_history(
        self, entry: HistoryEntry, profile: NameProfile | None
    ) -> list[tuple[str, bool]]:
        """Add the entry; returns (ref, is a new person) for everyone whose rank moved."""
        key = entry.address.lower()
        self._history[key] = entry
        self._domains.add(key.rpartition("@")[2])
        changes = []
        for person in self._by_address.get(key, ()):
            changes.append((person.ref, False))
            if self._ranks is not None:
                self._set_rank(person, self._ranks)
        if key not in self._by_address:
            person = Person(
                ref=HISTORY_REF + key,
                name=entry.name,
                addresses=(key,),
                internal=self._is_internal(key),
                source="history",
                organization="",
                profile=profile or person_profile(entry.name, address=key),
            )
            self._add_person(person)
            changes.append((person.ref, True))
        return changes

    def add_list(self, mailing_list: MailingList) -> None:
        """Know an address as a mailing list (the directory's or the contacts')."""
        with self._write_lock:
            known_list = self._lists.get(mailing_list.address)
            # The directory's word wins over a contact's, as for people.
            if known_list is None or known_list.source != "directory":
                self._lists[mailing_list.address] = mailing_list
            self._domains.add(mailing_list.address.rpartition("@")[2])

    def set_sender_count(self, sender: str, domain: str, count: int) -> None:
        """Record that ``sender`` has written ``count`` messages to ``domain`` (replays are harmless)."""
        self._senders.setdefault(sender, {})[domain] = count

    # --- lookups used by checks -----------------------------------------------------

    def sender_identities(self) -> dict[str, dict[str, int]]:
        """The user's From identities seen in history: sender -> {recipient domain: messages}."""
        return self._senders

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
        """True when the directory or the contacts hold this address (a person or a list)."""
        key = address.lower()
        return key in self._lists or any(
            p.source != "history" for p in self._by_address.get(key, ()))

    def mailing_list(self, address: str) -> MailingList | None:
        """The mailing list at this address, if the directory or the contacts say it is one."""
        return self._lists.get(address.lower()) if self._lists else None

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

    def named_refs(self, profile: NameProfile) -> set[str]:
        """Refs of the people whose full name matches this name."""
        return self._index.same_name(profile)

    def known_domains(self) -> set[str]:
        """Every domain seen in the directory, contacts and history."""
        return self._domains

    def all_people(self) -> Iterable[Person]:
        """Everyone, for matchers built over all names (e.g. names in a body)."""
        return self.people.values()

    def people_count(self) -> int:
        """How many people are indexed (grows when sends add history-only people)."""
        return len(self.people)


def load(conn: sqlite3.Connection, is_internal) -> Knowledge:
    """Build the indexes from the store (profiles were computed at import)."""
    # Hundreds of thousands of small objects and no cycles: the collector only slows this.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(conn, is_internal)
    finally:
        if collecting:
            gc.enable()


def _load(conn: sqlite3.Connection, is_internal) -> Knowledge:
    kb = Knowledge(is_internal)
    emails: dict[int, list[str]] = {}
    for person_id, address in conn.execute("SELECT person_id, address FROM person_email"):
        emails.setdefault(person_id, []).append(address)
    lists = dict(conn.execute("SELECT person_id, members FROM person_list").fetchall())
    rows = conn.execute(
        "SELECT id, source, display_name, family, given, organization, profile FROM person"
    )
    for pid, source, display_name, family, given, organization, profile in rows:
        addresses = tuple(emails.get(pid, ()))
        name = display_name or " ".join(part for part in (family, given) if part)
        if pid in lists:
            for address in addresses:
                kb.add_list(MailingList(address, name, lists[pid], source))
            continue
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
    _load_senders(conn, kb)
    return kb


def _load_senders(conn: sqlite3.Connection, kb: Knowledge, since: str = "") -> None:
    from atesaki.store import senders

    for sender, domain, count in senders.rows(conn, since):
        kb.set_sender_count(sender, domain, count)


# --- the snapshot ---------------------------------------------------------------------
#
# Building the indexes from 100,000 stored profiles takes seconds; unpickling the
# built indexes takes a fraction of that. The snapshot lives in the data folder
# beside the database (same owner, mode 0600) and is sealed with an HMAC whose key
# is kept there too, so a file that was not written by us is never unpickled.

SNAPSHOT_NAME = "knowledge.snapshot"
SNAPSHOT_KEY_NAME = "knowledge.key"
SNAPSHOT_FORMAT = 2  # bump when Knowledge, Person or the names index change shape


def _snapshot_key(data_dir: Path) -> bytes:
    path = data_dir / SNAPSHOT_KEY_NAME
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except FileNotFoundError:
        pass
    write_atomically(path, secrets.token_bytes(32), mode=0o600)
    return path.read_bytes()  # another process may have written its key first


def _code_fingerprint() -> str:
    # A snapshot holds our objects as they were shaped by the code that wrote it.
    digest = hashlib.sha256()
    for module_file in (__file__, known.__file__, names.__file__):
        digest.update(Path(module_file).read_bytes())
    return digest.hexdigest()[:16]


def _snapshot_header(generation: int, internal: tuple[str, ...], watermark: str) -> bytes:
    header = {"format": SNAPSHOT_FORMAT, "code": _code_fingerprint(), "generation": generation,
              "internal": list(internal), "watermark": watermark}
    return json.dumps(header, sort_keys=True).encode("utf-8")


def save_snapshot(data_dir: Path, kb: Knowledge, generation: int,
                  internal: tuple[str, ...], watermark: str) -> None:
    """Write the built indexes for the next start (atomically, sealed with an HMAC).

    The Knowledge is in use meanwhile: it is pickled under its write lock, so a send in
    another thread waits for the copy instead of changing it halfway.
    """
    with kb._write_lock:
        payload = pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL)
    header = _snapshot_header(generation, internal, watermark)
    seal = hmac.new(_snapshot_key(data_dir), header + b"\n" + payload, hashlib.sha256).digest()
    write_atomically(data_dir / SNAPSHOT_NAME,
                     [seal + len(header).to_bytes(4, "big") + header + b"\n", payload],
                     mode=0o600)


def load_snapshot(data_dir: Path, generation: int, internal: tuple[str, ...],
                  is_internal) -> tuple[Knowledge, str] | None:
    """The snapshot's Knowledge and history watermark, or None if absent, stale or not ours."""
    path = data_dir / SNAPSHOT_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    seal, size = data[:32], int.from_bytes(data[32:36], "big")
    header, payload = data[36:36 + size], data[37 + size:]
    expected = hmac.new(_snapshot_key(data_dir), header + b"\n" + payload,
                        hashlib.sha256).digest()
    if not hmac.compare_digest(seal, expected):
        log.warning("ignoring %s: its seal does not match", path)
        return None
    try:
        meta = json.loads(header)
    except ValueError:
        return None
    if (meta.get("format"), meta.get("code"), meta.get("generation"),
            tuple(meta.get("internal", ()))) != (
        SNAPSHOT_FORMAT, _code_fingerprint(), generation, internal
    ):
        return None
    collecting = gc.isenabled()
    gc.disable()
    try:
        kb = pickle.loads(payload)  # noqa: S301 - sealed above with our own key
    except Exception:  # an older code version's objects
        log.warning("ignoring %s: it cannot be read", path, exc_info=True)
        return None
    finally:
        if collecting:
            gc.enable()
    kb._is_internal = is_internal
    return kb, meta.get("watermark", "")


def history_watermark(conn: sqlite3.Connection) -> str:
    """The latest send time in history: sends after it are replayed onto a snapshot."""
    row = conn.execute("SELECT MAX(last_sent) FROM history").fetchone()
    return row[0] or ""


def replay_history(conn: sqlite3.Connection, kb: Knowledge, since: str) -> None:
    """Apply history rows written at or after ``since`` (sends do not bump the generation).

    An empty ``since`` (there was no history yet) applies every row: each is a send
    made since.
    """
    for address, name, count, first_sent, last_sent in conn.execute(
        "SELECT address, name, count, first_sent, last_sent FROM history WHERE last_sent >= ?",
        (since,),
    ):
        kb.add_history(HistoryEntry(address, name, count, first_sent, last_sent))
    _load_senders(conn, kb, since)


def refresh_snapshot(data_dir: Path, internal_domains: tuple[str, ...], is_internal) -> bool:
    """After an import: build and store the indexes now, so the next start is fast.

    Returns False when the snapshot was already current.
    """
    data_dir = Path(data_dir)
    conn = store.connect(data_dir)
    try:
        generation = store.generation(conn)
        path = data_dir / SNAPSHOT_NAME
        if path.exists() and load_snapshot(data_dir, generation, internal_domains,
                                           is_internal) is not None:
            return False
        watermark = history_watermark(conn)
        kb = load(conn, is_internal)
    finally:
        conn.close()
    save_snapshot(data_dir, kb, generation, internal_domains, watermark)
    return True


class KnowledgeCache:
    """Holds the current Knowledge and rebuilds it when an import moves the generation on.

    Start-up reads the sealed snapshot when it is current, else builds from the store
    and writes a snapshot in the background. After an import the rebuild runs in a
    background thread: a check waits for it a short while (small address books are
    rebuilt well within that), and past that is answered from the previous knowledge
    rather than being kept waiting.
    """

    WAIT_FOR_RELOAD = 1.5  # seconds a check waits for a rebuild before using the old data

    def __init__(self, data_dir: Path | None, is_internal,
                 internal_domains=lambda: ()) -> None:
        self._data_dir = Path(data_dir) if data_dir else None
        self._is_internal = is_internal
        self._internal_domains = internal_domains
        self._lock = threading.Lock()
        self._kb: Knowledge | None = None
        self._key: tuple | None = None
        self._reloading: threading.Thread | None = None

    def get(self, conn: sqlite3.Connection, generation: int | None = None) -> Knowledge:
        """The current knowledge; starts a rebuild when the store or settings moved on.

        ``generation`` is the store's, if the caller already read it; ``conn`` is what
        a first load reads the store through.
        """
        if generation is None:
            generation = store.generation(conn)
        wanted = (generation, tuple(self._internal_domains()))
        if self._kb is None:
            with self._lock:
                if self._kb is None:
                    self._kb = self._first_load(conn, wanted)
                    self._key = wanted
            return self._kb
        if wanted != self._key:
            with self._lock:
                if wanted != self._key and self._reloading is None:
                    self._reloading = threading.Thread(
                        target=self._reload, args=(wanted,), name="atesaki-knowledge",
                        daemon=True)
                    self._reloading.start()
                reloading = self._reloading
            if reloading is not None:
                reloading.join(self.WAIT_FOR_RELOAD)
        return self._kb

    def _first_load(self, conn: sqlite3.Connection, wanted: tuple) -> Knowledge:
        if self._data_dir is not None:
            found = load_snapshot(self._data_dir, wanted[0], wanted[1], self._is_internal)
            if found is not None:
                kb, watermark = found
                replay_history(conn, kb, watermark)
                return kb
        kb = load(conn, self._is_internal)
        self._save_later(kb, wanted, history_watermark(conn))
        return kb

    def _reload(self, wanted: tuple) -> None:
        try:
            conn = store.connect(self._data_dir) if self._data_dir else None
            if conn is None:
                return
            try:
                watermark = history_watermark(conn)
                kb = load(conn, self._is_internal)
                replay_history(conn, kb, watermark)  # sends that landed while we built
                self._swap(kb, wanted)
                # A send committed after that replay but before the swap was added to the
                # previous Knowledge only (it is what the send's request was given): read
                # the history again, now that every later send finds this one.
                replay_history(conn, kb, watermark)
            finally:
                conn.close()
            self._save_later(kb, wanted, watermark)
        except Exception:
            log.exception("rebuilding the knowledge failed; keeping the previous one")
        finally:
            with self._lock:
                self._reloading = None

    def _swap(self, kb: Knowledge, wanted: tuple) -> None:
        """Make ``kb`` the current Knowledge: the next ``get`` returns it."""
        with self._lock:
            self._kb, self._key = kb, wanted

    def _save_later(self, kb: Knowledge, wanted: tuple, watermark: str) -> None:
        if self._data_dir is None:
            return

        def save() -> None:
            try:
                save_snapshot(self._data_dir, kb, wanted[0], wanted[1], watermark)
            except Exception:
                log.warning("could not write the knowledge snapshot", exc_info=True)

        threading.Thread(target=save, name="atesaki-snapshot", daemon=True).start()

    def invalidate(self) -> None:
        """Force a rebuild on the next request."""
        self._key = None
