"""CardDAV sync speed against a real Radicale: first sync of N cards, then one change (target <= 1 s).

Usage: python bench/carddav_sync.py [--cards 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402
from servers.fixtures import start_radicale, stop, vcard  # noqa: E402

from atesaki import store  # noqa: E402
from atesaki.sync.carddav import sync_carddav  # noqa: E402


class TimedSession(requests.Session):
    """Adds up the time spent waiting for the server, to tell it from our own work."""

    waited = 0.0

    def request(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return super().request(*args, **kwargs)
        finally:
            self.waited += time.perf_counter() - start


def main() -> int:
    """Fill a book, sync it, change one card, sync again; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server, proc = start_radicale(Path(tmp) / "radicale")
        try:
            cards = {f"c{i:05d}.vcf": vcard(f"c{i}", f"山田 {i}", f"p{i}@example.com", "やまだ")
                     for i in range(args.cards)}
            url = server.new_book(cards)
            conn = store.open_store(Path(tmp) / "data")

            def timed(label: str) -> float:
                session = TimedSession()
                start = time.perf_counter()
                result = sync_carddav(conn, url, server.user, server.password, session=session)
                elapsed = time.perf_counter() - start
                print(f"{label}: {elapsed:.2f} s, of which the server {session.waited:.2f} s "
                      f"and Atesaki {elapsed - session.waited:.2f} s (fetched {result.fetched:,}, "
                      f"imported {result.imported:,}, updated {result.updated:,}, "
                      f"deleted {result.deleted:,}, full listing {result.full})")
                return elapsed

            timed(f"first sync of {args.cards:,} cards (Radicale builds its cache)")
            timed("second sync, nothing changed")
            server.put(url, "c00042.vcf", vcard("c42", "山田 四十二", "yamada42@example.com"))
            one = timed("incremental sync of 1 change")
            server.delete(url, "c00043.vcf")
            timed("incremental sync of 1 deletion")
            conn.execute("UPDATE sync_source SET token = 'http://radicale.org/ns/sync/stale'")
            server.put(url, "c00044.vcf", vcard("c44", "山田 四十四", "yamada44@example.com"))
            timed("stale token: full listing, 1 changed ETag fetched")
        finally:
            stop(proc)
    ok = one <= 1.0
    print(f"target: incremental sync of 1 change <= 1 s: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
