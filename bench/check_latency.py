"""Check latency over loopback with a synthetic organisation (issue 2's benchmark).

Builds 10,000 staff, 100,000 contacts and 50,000 history rows (and the index
snapshot, as ``atesaki import`` does), starts the real service (waitress), sends
2,000 POST /v1/check with 10 recipients each, and prints p50/p99 next to GET
/v1/health, the service's RSS and its start-up time; then the start-up and RSS of
a start without a snapshot (the first start after an upgrade).

It does so twice, each on a fresh start: with recipients picked from the address
book and named as it names them ("address-book"), and with a harder "mixed" set
where some chips show only a surname, no name, or a new address typed with a name.

    python bench/check_latency.py [--requests 2000] [--chips address-book|mixed|both]
                                  [--keep DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from atesaki.core.domains import is_internal
from atesaki.knowledge import SNAPSHOT_NAME, refresh_snapshot
from bench.figures import percentile
from bench.synthetic import build, sample_addresses
from tests.conftest import LiveService, free_port


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, help="reuse or keep the data folder here")
    parser.add_argument("--chips", choices=["address-book", "mixed", "both"], default="both",
                        help="how the recipients are named (see MIX_TEXT)")
    args = parser.parse_args()

    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="atesaki-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "config.toml").write_text('internal_domains = ["agency.go.jp"]\n')
    if not (data_dir / "atesaki.db").exists():
        built = build(data_dir, args.staff, args.contacts, args.history)
        print(f"data: {args.staff} staff, {args.contacts} contacts, {args.history} history "
              f"rows built in {built['build_seconds']:.1f} s")
    # What `atesaki import` does last: store the indexes, so the service starts from them.
    domains = ("agency.go.jp",)
    refresh_snapshot(data_dir, domains, lambda a: is_internal(a, domains))
    people = sample_addresses(data_dir, 5000)
    mixes = {"address-book": book_chip, "mixed": chip}
    for label in (mixes if args.chips == "both" else [args.chips]):
        rng = random.Random(3)
        bodies = [
            json.dumps({"sender": "tanaka@agency.go.jp", "kind": "new", "subject": "ご案内",
                        "recipients": [mixes[label](rng, people, a, n)
                                       for a, n in rng.sample(people, 10)],
                        "body": "いつもお世話になっております。"})
            for _ in range(args.requests)
        ]
        service, conn, startup = start(data_dir)  # each mix on a fresh start: no warm caches
        try:
            headers = {"X-Atesaki-Token": service.token, "Content-Type": "application/json"}
            check, health = measure(conn, headers, bodies)
            rss = psutil.Process(service.proc.pid).memory_info().rss / 2**20
            ms = 1000
            c50, c99 = percentile(check, 50) * ms, percentile(check, 99) * ms
            h50, h99 = percentile(health, 50) * ms, percentile(health, 99) * ms
            print(f"\n{label} chips: {MIX_TEXT[label]}")
            # printed once the indexes are loaded and it listens
            print(f"server said: {service.log_path.read_text().splitlines()[0]}")
            print(f"requests: {len(bodies)} checks x 10 recipients over loopback, one connection")
            print(f"check   p50 {c50:6.2f} ms   p99 {c99:6.2f} ms   "
                  f"mean {statistics.mean(check)*ms:6.2f} ms   (target p50 <= 3, p99 <= 15)")
            print(f"health  p50 {h50:6.2f} ms   p99 {h99:6.2f} ms")
            print(f"check p50 / health p50 = {c50 / h50:.2f}   (target <= 3)")
            print(f"RSS {rss:.0f} MB   (target <= 300)")
            print(f"start-up to first health answer {startup:.2f} s   (target <= 2)")
        finally:
            conn.close()
            service.stop()
    # After an upgrade the snapshot no longer matches the code: the indexes are built
    # from SQLite (and a new snapshot is written in the background).
    (data_dir / SNAPSHOT_NAME).unlink()
    service, conn, startup = start(data_dir)
    try:
        headers = {"X-Atesaki-Token": service.token, "Content-Type": "application/json"}
        for body in bodies[:200]:
            conn.request("POST", "/v1/check", body, headers)
            conn.getresponse().read()
        rss = psutil.Process(service.proc.pid).memory_info().rss / 2**20
        print(f"without a snapshot (after an upgrade): start-up {startup:.2f} s, "
              f"RSS after 200 checks {rss:.0f} MB")
    finally:
        conn.close()
        service.stop()


MIX_TEXT = {
    "address-book": "every recipient picked from the address book, named as it writes the name",
    "mixed": "70 % as the address book writes the name, 10 % surname only, 10 % no name, "
             "10 % a new address typed with someone's name",
}


def measure(conn: http.client.HTTPConnection, headers: dict, bodies: list[str]):
    """(check seconds, health seconds): each check follows a health call, after a warm-up."""
    for body in bodies[:50]:
        conn.request("POST", "/v1/check", body, headers)
        conn.getresponse().read()
    health, check = [], []
    for body in bodies:
        t = time.perf_counter()
        conn.request("GET", "/v1/health")
        conn.getresponse().read()
        health.append(time.perf_counter() - t)
        t = time.perf_counter()
        conn.request("POST", "/v1/check", body, headers)
        response = conn.getresponse()
        response.read()
        check.append(time.perf_counter() - t)
        assert response.status == 200, response.status
    return check, health


def book_chip(rng: random.Random, people: list[tuple[str, str]], address: str, name: str) -> dict:
    """A recipient picked from the address book: the chip shows the book's name."""
    return {"field": rng.choice(["to", "cc", "bcc"]), "address": address, "name": name}


def chip(rng: random.Random, people: list[tuple[str, str]], address: str, name: str) -> dict:
    """One recipient as a compose window may show it (the "mixed" chips).

    Most chips come from the address book as it writes the name (70 %); others show
    only the surname (10 %), no name (10 %), or are a new address typed in with
    someone's name (10 %: never seen before, so never remembered either).
    """
    roll = rng.random()
    if roll < 0.7:
        pass
    elif roll < 0.8:
        name = name.split()[0] if " " in name else name[:2]
    elif roll < 0.9:
        name = ""
    else:
        address = f"new{rng.randrange(10**9)}@{address.partition('@')[2]}"
        name = rng.choice(people)[1]
    return {"field": rng.choice(["to", "cc", "bcc"]), "address": address, "name": name}


def start(data_dir: Path) -> tuple[LiveService, http.client.HTTPConnection, float]:
    """Start ``atesaki serve``: (the service, one connection to it, seconds to first health)."""
    service = LiveService(data_dir, free_port())
    started = time.perf_counter()
    service.start()
    startup = time.perf_counter() - started
    return service, http.client.HTTPConnection("127.0.0.1", service.port, timeout=10), startup


if __name__ == "__main__":
    main()
