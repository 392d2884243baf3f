"""The audit outbox: this PC's audit entries the central service has not acknowledged yet.

The local chain stays where it is; the outbox is every entry after the last one the
central service acknowledged (``central-state.json``). Entries go in batches, each
request with a fresh batch id; the central service skips entries it already holds,
so a batch retried after a lost answer is not counted twice, and nothing is dropped
while the central service is away: the outbox only grows until it answers.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atesaki.core.i18n import Text
from atesaki.link.client import (  # noqa: F401 - the state's readers, as before
    STATE_NAME,
    Link,
    LinkError,
    load_link,
    load_state,
    save_state,
    state_path,
    write_private,
)

BATCH = 500
INCIDENT_POLL = 2.0  # seconds between looks for an incident to send at once
log = logging.getLogger("atesaki.link")

REWOUND = Text("中央サービスの記録が {seq} までしかないため、そこから送り直します。",
               "The central service holds entries up to {seq} only; sending again from there.")


def _read(data_dir: Path, sql: str, args: tuple = ()) -> list[tuple]:
    """Rows from the local database, read-only; none when it or its audit table is missing."""
    db = Path(data_dir) / "atesaki.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # no audit table yet: nothing to send
        return []
    finally:
        conn.close()


def local_entries(data_dir: Path, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` entries of the local chain after ``after``, as stored (data as text)."""
    rows = _read(data_dir, "SELECT seq, ts, event, data, prev_hash, hash FROM audit "
                           "WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit))
    return [dict(zip(("seq", "ts", "event", "data", "prev_hash", "hash"), row, strict=True))
            for row in rows]


def local_head(data_dir: Path) -> int:
    """The local chain's last entry number (0 when empty)."""
    rows = _read(data_dir, "SELECT max(seq) FROM audit")
    return int(rows[0][0] or 0) if rows else 0


def incident_pending(data_dir: Path) -> bool:
    """Is an ``incident`` entry waiting in the outbox? (a cheap indexed look)"""
    after = int(load_state(data_dir).get("acknowledged", 0))
    return bool(_read(data_dir, "SELECT 1 FROM audit WHERE event = 'incident' AND seq > ? "
                                "LIMIT 1", (after,)))


@dataclass
class Forwarded:
    """What one run of the outbox did."""

    sent: int = 0
    duplicates: int = 0
    batches: int = 0
    acknowledged: int = 0
    pending: int = 0


def forward(data_dir: Path, link: Link | None = None, *, batch: int = BATCH) -> Forwarded:
    """Send every entry the central service has not acknowledged; LinkError when it cannot.

    The acknowledged position is saved after each batch, so an interruption costs
    at most one batch, sent again and skipped there as duplicates.
    """
    data_dir = Path(data_dir)
    link = link or load_link(data_dir)
    if link is None:
        raise LinkError(None, "not_joined", Text("", ""))
    state = load_state(data_dir)
    result = Forwarded()
    if "acknowledged" not in state or state.get("pc_id") != link.pc_id:
        # First run (or a lost state file): resume where the central chain ends.
        head = link.call("GET", "audit/head")["head"]
        state = {"pc_id": link.pc_id, "acknowledged": int(head["seq"])}
        save_state(data_dir, state)
    rewound = False
    while True:
        entries = local_entries(data_dir, state["acknowledged"], batch)
        if not entries:
            break
        try:
            answer = link.call("POST", "audit/batches",
                               {"batch_id": uuid.uuid4().hex, "entries": entries})
        except LinkError as exc:
            expected = exc.body.get("expected_seq")
            if exc.code == "chain_broken" and isinstance(expected, int) and not rewound \
                    and expected - 1 < state["acknowledged"]:
                # The central database lost entries (restored from a backup): send them again.
                log.warning(REWOUND.format(seq=expected - 1).en)
                state["acknowledged"] = expected - 1
                rewound = True
                continue
            state["error"] = {"code": exc.code, "status": exc.status,
                              "message": exc.message.as_dict()}
            save_state(data_dir, state)
            raise
        result.batches += 1
        result.sent += answer["accepted"]
        result.duplicates += answer["duplicates"]
        state["acknowledged"] = int(answer["head"]["seq"])
        state.pop("error", None)
        save_state(data_dir, state)
    result.acknowledged = state["acknowledged"]
    result.pending = max(0, local_head(data_dir) - state["acknowledged"])
    return result


class Forwarder:
    """A background thread that empties the outbox and pulls the directory every ``interval`` s."""

    def __init__(self, data_dir: Path, interval: float = 30.0) -> None:
        self.data_dir = Path(data_dir)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="atesaki-link", daemon=True)

    def start(self) -> Forwarder:
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the thread to end after its current batch."""
        self._stop.set()

    def _run(self) -> None:
        wait = self.interval
        due = time.monotonic() + wait
        while not self._stop.wait(min(INCIDENT_POLL, wait)):
            # An incident goes at once; everything else waits for the next round.
            if time.monotonic() < due and not incident_pending(self.data_dir):
                continue
            try:
                forward(self.data_dir)
                if time.monotonic() >= due:  # directory and policy on the regular rounds only
                    from atesaki.link import directory, policy

                    directory.pull(self.data_dir)
                    policy.pull(self.data_dir)
                wait = self.interval
            except LinkError as exc:
                # Down or refusing: keep the outbox and try again later, less often.
                log.info("audit forwarding: %s", exc)
                wait = min(self.interval * 10, wait * 2)
            except Exception:  # a bug must not kill the service's other threads
                log.exception("audit forwarding failed")
                wait = min(self.interval * 10, wait * 2)
            due = time.monotonic() + wait


def start_background(data_dir: Path, interval: float | None = None) -> Forwarder | None:
    """Start forwarding if this PC has joined a central service (the local service calls this)."""
    import os

    if load_link(data_dir) is None:
        return None
    if interval is None:
        with contextlib.suppress(ValueError):
            interval = float(os.environ.get("ATESAKI_LINK_INTERVAL", "30"))
    return Forwarder(data_dir, interval or 30.0).start()
