"""The staff directory from the central service, pulled by version into this PC's store.

The answer comes over TLS checked against the certificate pinned at join and with
this PC's credential; it is applied like any other sync (``atesaki.sync.apply_sync``),
so checks read it from the local store as fast as an imported directory.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from atesaki import store
from atesaki.importers import Record
from atesaki.link.client import Link, load_link
from atesaki.sync import SyncResult, apply_sync, load_state

SOURCE = "directory"
RECORD_FIELDS = {f.name for f in dataclasses.fields(Record)}


def origin_of(link: Link) -> str:
    """Where the pulled people are recorded as coming from."""
    return f"central:{link.url}"


def pull(data_dir: Path, link: Link | None = None) -> SyncResult:
    """Bring this PC's directory up to the central version (only what changed)."""
    link = link or load_link(data_dir)
    conn = store.open_store(data_dir)
    try:
        origin = origin_of(link)
        token, _ = load_state(conn, SOURCE, origin)
        since = int(token) if token.isdecimal() else 0
        answer = link.call("GET", f"directory?since={since}")
        records = [Record(**{k: v for k, v in person.items() if k in RECORD_FIELDS})
                   for person in answer["people"]]
        result = SyncResult(full=answer["full"], fetched=len(records))
        if answer["version"] == since and not records and not answer["deleted"]:
            return result
        return apply_sync(conn, SOURCE, origin, records, set(answer["deleted"]), result,
                          token=str(answer["version"]), full_set=answer["full"])
    finally:
        conn.close()
