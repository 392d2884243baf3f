"""Wake-ups across central instances: PostgreSQL ``LISTEN/NOTIFY`` feeding an in-process hub.

A change is announced with ``NOTIFY atesaki_central, '<key>'`` inside the transaction
that makes it, so every instance on the database hears it once it is committed.
Each instance has one listening connection (its own thread) that bumps a counter
per key; a long-poll waits on the keys it cares about. Nothing but the wake-up is
held in memory: the waiter reads the database again when woken.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg

CHANNEL = "atesaki_central"  # also in migration 0008 (audit_ingest announces incidents)
log = logging.getLogger("atesaki.central")


def announce(conn: psycopg.Connection, key: str) -> None:
    """Tell every instance that ``key`` changed (delivered when the transaction commits)."""
    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, key))


class Hub:
    """Per-key change counters; ``wait`` returns when any of some keys moves on.

    Each waiter has its own event, filed under the keys it waits on, so a change
    wakes only the long-polls that care (not all 500 waiting checkers).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[str, int] = {}
        self._waiters: dict[str, set[threading.Event]] = {}
        self._generation = 0  # bumped on a reconnect: anything may have changed meanwhile

    def _current(self, keys: list[str]) -> tuple[int, ...]:
        return (self._generation, *(self._versions.get(k, 0) for k in keys))

    def version(self, keys: list[str]) -> tuple[int, ...]:
        """The current versions of ``keys`` (read it before looking at the database)."""
        with self._lock:
            return self._current(keys)

    def wait(self, keys: list[str], seen: tuple[int, ...], timeout: float) -> bool:
        """Wait until a key's version differs from ``seen``; False on timeout."""
        event = threading.Event()
        with self._lock:
            if self._current(keys) != seen:
                return True
            for key in ("*", *keys):
                self._waiters.setdefault(key, set()).add(event)
        try:
            return event.wait(timeout)
        finally:
            with self._lock:
                for key in ("*", *keys):
                    waiting = self._waiters.get(key)
                    if waiting is not None:
                        waiting.discard(event)
                        if not waiting:
                            del self._waiters[key]

    def publish(self, key: str) -> None:
        """Record one change of ``key`` and wake its waiters."""
        with self._lock:
            # Keys of finished requests are dropped now and then so the map stays small.
            if len(self._versions) > 100_000:
                self._versions.clear()
                self._bump()
            self._versions[key] = self._versions.get(key, 0) + 1
            for event in self._waiters.get(key, ()):
                event.set()

    def reset(self) -> None:
        """After a lost connection: wake everyone to look again."""
        with self._lock:
            self._bump()

    def _bump(self) -> None:
        self._generation += 1
        for event in self._waiters.get("*", ()):
            event.set()


class Listener:
    """The instance's listening connection, reconnecting when the database goes away."""

    def __init__(self, database_url: str, hub: Hub) -> None:
        self.database_url = database_url
        self.hub = hub
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="atesaki-central-listen",
                                        daemon=True)

    def start(self, timeout: float = 10) -> Listener:
        """Start listening; returns once ``LISTEN`` is in place (or after ``timeout``)."""
        self._thread.start()
        self.ready.wait(timeout)
        return self

    def stop(self) -> None:
        """Stop after the current wait (at most a second)."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.database_url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.hub.reset()
                    self.ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self.hub.publish(note.payload)
            except psycopg.Error as exc:
                log.warning("LISTEN connection lost (%s); reconnecting", exc)
                self.hub.reset()
                time.sleep(1)
