"""Approval delivery with 500 checkers waiting: request on one instance, checker on the other.

Two ``atesaki central serve`` processes (HTTPS) share one real PostgreSQL. 500 checkers
long-poll their inbox on instance B (one client thread each, as 500 desks would);
senders post requests to random checkers on instance A at a steady rate. Delivery is
the time from the start of the request's POST on A to the checker's long-poll on B
returning with it: the LISTEN/NOTIFY path end to end (target p95 <= 2 s).

Usage: python bench/central_approvals.py [--checkers 500] [--requests 300] [--rate 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import requests  # noqa: E402

from atesaki.central import db  # noqa: E402
from atesaki.central.service import _hash  # noqa: E402
from bench.figures import percentile  # noqa: E402
from tests.servers.central import CentralService, make_certificate  # noqa: E402
from tests.servers.fixtures import free_port  # noqa: E402
from tests.servers.postgres import postgres_bin, start_postgres  # noqa: E402

DIGEST = "d" * 64


def make_people(url: str, checkers: int, senders: int) -> None:
    """Enrolled PCs written straight into the database (enrolment is not measured)."""
    with db.open_pool(url, min_size=1, max_size=1) as pool, pool.connection() as conn, \
            conn.cursor() as cur:
        cur.executemany("INSERT INTO pcs (id, name, secret_hash) VALUES (%s, %s, %s)",
                        [(f"ck_{i:04d}", f"Checker {i}", _hash(f"s{i}")) for i in range(checkers)]
                        + [(f"sd_{i:04d}", f"Sender {i}", _hash(f"t{i}")) for i in range(senders)])


def main() -> int:
    """Start PostgreSQL and two central instances, wait with N checkers, send; print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkers", type=int, default=500)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10, help="requests a second")
    parser.add_argument("--senders", type=int, default=20)
    args = parser.parse_args()
    bin_dir = postgres_bin()
    if bin_dir is None:
        print("PostgreSQL is not installed (apt-get install postgresql)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        pg = start_postgres(bin_dir)
        instances: list[CentralService] = []
        stop = threading.Event()
        try:
            url = pg.create_database()
            cert = make_certificate(Path(tmp) / "tls")
            for name in ("a", "b"):
                instances.append(CentralService(url, cert, free_port(),
                                                Path(tmp) / f"central-{name}.log").start())
            a, b = instances
            make_people(url, args.checkers, args.senders)
            verify = str(cert.cert)
            posted: dict[str, float] = {}
            delivered: dict[str, float] = {}
            lock = threading.Lock()
            waiting = threading.Barrier(args.checkers + 1)

            def desk(i: int) -> None:
                session = requests.Session()
                headers = {"Authorization": f"Bearer ck_{i:04d}.s{i}"}
                after, first = 0, True
                while not stop.is_set():
                    if first:
                        waiting.wait()
                        first = False
                    try:
                        answer = session.get(f"{b.url}/central/v1/approvals/inbox",
                                             params={"after": after, "wait": 25},
                                             headers=headers, verify=verify, timeout=60).json()
                    except requests.RequestException:
                        continue
                    now = time.perf_counter()
                    with lock:
                        for item in answer.get("requests", []):
                            delivered.setdefault(item["id"], now)
                    after = answer.get("cursor", after)

            desks = [threading.Thread(target=desk, args=(i,), daemon=True)
                     for i in range(args.checkers)]
            for thread in desks:
                thread.start()
            waiting.wait()
            b_proc = psutil.Process(b.proc.pid)
            # Every desk's first long-poll holds a server thread before the first request.
            deadline = time.monotonic() + 60
            while b_proc.num_threads() < args.checkers and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2)
            print(f"{args.checkers} checkers long-polling on instance B "
                  f"({b_proc.num_threads()} server threads, RSS "
                  f"{b_proc.memory_info().rss / 2**20:.0f} MiB); "
                  f"{args.requests} requests at {args.rate:g}/s on instance A")

            def ask(k: int) -> None:
                sender = k % args.senders
                checker = (k * 7919) % args.checkers
                started = time.perf_counter()
                response = requests.post(
                    f"{a.url}/central/v1/approvals", verify=verify, timeout=30,
                    headers={"Authorization": f"Bearer sd_{sender:04d}.t{sender}"},
                    json={"checker": f"ck_{checker:04d}", "check_id": f"c_{k}", "digest": DIGEST,
                          "sender": f"sender{sender}@agency.go.jp", "subject": "見積書の送付",
                          "recipients": [{"field": "to", "address": "k.sato@example.com",
                                          "name": "佐藤 健二", "findings": ["surname_homonym"]}]})
                response.raise_for_status()
                with lock:
                    posted[response.json()["id"]] = started

            cpu_before = [sum(psutil.Process(p.proc.pid).cpu_times()[:2]) for p in instances]
            started = time.perf_counter()
            with ThreadPoolExecutor(16) as pool:
                futures = []
                for k in range(args.requests):
                    due = started + k / args.rate
                    time.sleep(max(0.0, due - time.perf_counter()))
                    futures.append(pool.submit(ask, k))
                for future in futures:
                    future.result()
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline:
                with lock:
                    if all(rid in delivered for rid in posted):
                        break
                time.sleep(0.1)
            wall = time.perf_counter() - started
            with lock:
                lat = [delivered[rid] - t for rid, t in posted.items() if rid in delivered]
                missing = len(posted) - len(lat)
            print(f"  delivered {len(lat)} of {len(posted)} ({missing} not within 30 s)")
            if lat:
                print(f"  delivery p50 {percentile(lat, 50) * 1000:.0f} ms, "
                      f"p95 {percentile(lat, 95) * 1000:.0f} ms, "
                      f"p99 {percentile(lat, 99) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms "
                      f"(target p95 <= 2 s)")
            for k, (name, proc) in enumerate(zip("AB", instances, strict=True)):
                p = psutil.Process(proc.proc.pid)
                cpu = sum(p.cpu_times()[:2]) - cpu_before[k]
                print(f"  instance {name}: CPU {cpu:.1f} s in {wall:.1f} s, "
                      f"{p.num_threads()} threads, RSS {p.memory_info().rss / 2**20:.0f} MiB")
        finally:
            stop.set()
            for instance in instances:
                instance.stop()
            pg.stop()
            import shutil

            shutil.rmtree(pg.root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
