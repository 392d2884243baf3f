"""Central audit ingest at an office's morning peak, and what a million entries cost.

The load: 5,000 PCs x 100 messages a working day (8 hours), 3 audit entries a message
(check, send, and approval or incident now and then), with the morning hour at 10x the
day's average. Each PC forwards every 30 s, so at the peak 5,000 / 30 = 167 batches a
second reach the central service, each holding 100 x 3 / 8 x 10 / 120 = ~3 entries.
The batches go over HTTPS to a real ``atesaki central serve`` on a real PostgreSQL, at
that rate (open loop: a slow server makes requests queue, as PCs would), from a pool
of client threads on the same machine. Then entries are bulk-loaded to measure the
database size and CPU per million entries and how they grow.

The test cluster skips fsync; ``--durable`` keeps PostgreSQL's defaults (each commit
waits for its WAL on disk), as an office's server would run. The load average of this
shared machine is printed before and after, since other work on it moves the tail.

Usage: python bench/central_audit.py [--pcs 5000] [--seconds 30] [--bulk 300000] [--durable]
                                     [--threads 16]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import requests  # noqa: E402

from atesaki.central import db  # noqa: E402
from atesaki.central.service import _hash  # noqa: E402
from atesaki.store.audit import GENESIS, canonical, entry_hash  # noqa: E402
from bench.figures import percentile  # noqa: E402
from tests.servers.central import CentralService, make_certificate  # noqa: E402
from tests.servers.fixtures import free_port  # noqa: E402
from tests.servers.postgres import postgres_bin, start_postgres  # noqa: E402


class Chain:
    """One simulated PC's audit chain, made as the PC's service would."""

    def __init__(self, pc_id: str) -> None:
        self.pc_id = pc_id
        self.seq = 0
        self.prev = GENESIS
        self.lock = threading.Lock()

    def entries(self, n: int) -> list[dict]:
        """The next ``n`` entries."""
        out = []
        for _ in range(n):
            self.seq += 1
            ts = "2026-04-01T09:00:00.000+00:00"
            data = canonical({"check_id": f"c_{self.seq}", "verdict": "confirm",
                              "codes": ["external", "first_time"],
                              "recipients": [f"to:user{self.seq}@example.com"]})
            digest = entry_hash(self.seq, ts, "check", data, self.prev)
            out.append({"seq": self.seq, "ts": ts, "event": "check", "data": data,
                        "prev_hash": self.prev, "hash": digest})
            self.prev = digest
        return out


def make_pcs(url: str, count: int) -> list[Chain]:
    """``count`` enrolled PCs, written straight into the database (enrolment is not measured)."""
    with db.open_pool(url, min_size=1, max_size=1) as pool, pool.connection() as conn:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO pcs (id, name, secret_hash) VALUES (%s, %s, %s)",
                            [(f"pc_{i:05d}", f"PC {i}", _hash(f"secret-{i}"))
                             for i in range(count)])
    return [Chain(f"pc_{i:05d}") for i in range(count)]


def sender(cert: str):
    """A per-thread keep-alive HTTPS session, as each PC's service holds one."""
    local = threading.local()

    def post(base: str, chain: Chain, n: int) -> float:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        with chain.lock:  # one PC's batches go in order
            body = {"batch_id": uuid.uuid4().hex, "entries": chain.entries(n)}
            start = time.perf_counter()
            response = session.post(f"{base}/central/v1/audit/batches", json=body, timeout=60,
                                    verify=cert,  # per request: REQUESTS_CA_BUNDLE beats Session.verify
                                    headers={"Authorization": f"Bearer {chain.pc_id}.secret-"
                                                              f"{int(chain.pc_id[3:])}"})
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
        return elapsed

    return post


def database_cpu(pg) -> float:
    """CPU seconds used so far by the PostgreSQL server and its backends (ours alone)."""
    total = 0.0
    for proc in [psutil.Process(pg.proc.pid), *psutil.Process(pg.proc.pid).children()]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:  # a backend that ended while we looked
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def peak(central: CentralService, pg, chains: list[Chain], seconds: float, rate: float,
         per_batch: int, workers: int) -> dict:
    """Send batches at ``rate`` a second for ``seconds``; latencies and server cost."""
    post = sender(str(central.certificate.cert))
    proc = psutil.Process(central.proc.pid)
    cpu_before = sum(proc.cpu_times()[:2])
    db_before = database_cpu(pg)
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        futures = []
        i = 0
        while (now := time.perf_counter() - started) < seconds:
            due = i / rate
            if due > now:
                time.sleep(due - now)
            futures.append(pool.submit(post, central.url, chains[i % len(chains)], per_batch))
            i += 1
        for future in futures:
            try:
                latencies.append(future.result())
            except Exception as exc:  # a failed batch is a figure too
                errors.append(str(exc))
    wall = time.perf_counter() - started
    return {"batches": len(latencies), "errors": errors, "wall": wall,
            "cpu": sum(proc.cpu_times()[:2]) - cpu_before, "rss": proc.memory_info().rss,
            "db_cpu": database_cpu(pg) - db_before,
            "latencies": latencies}


def load() -> str:
    """This machine's 1, 5 and 15-minute load averages (2 cores: above 2 means waiting)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def size(url: str) -> tuple[int, int, int]:
    """(entries, bytes of audit_entries with its indexes, bytes of the whole database)."""
    import psycopg

    with psycopg.connect(url) as conn:
        count = conn.execute("SELECT count(*) FROM audit_entries").fetchone()[0]
        table = conn.execute("SELECT pg_total_relation_size('audit_entries')").fetchone()[0]
        whole = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return count, table, whole


def bulk(central: CentralService, chains: list[Chain], target: int, workers: int) -> None:
    """Load entries in 1,000-entry batches until the database holds ``target``; print growth."""
    post = sender(str(central.certificate.cert))
    proc = psutil.Process(central.proc.pid)
    count = size(central.database_url)[0]
    step = max(50_000, target // 4)
    goal = count
    while goal < target:
        goal = min(target, goal + step)
        cpu_before = sum(proc.cpu_times()[:2])
        start = time.perf_counter()
        batches = (goal - count) // 1000
        lat: list[float] = []
        with ThreadPoolExecutor(workers) as pool:
            lat = list(pool.map(lambda k: post(central.url, chains[k % 50], 1000), range(batches)))
        wall = time.perf_counter() - start
        cpu = sum(proc.cpu_times()[:2]) - cpu_before
        count, table, whole = size(central.database_url)
        per_million = 1_000_000 / max(count, 1)
        print(f"  at {count:>9,} entries: audit_entries {table / 2**20:7.1f} MiB "
              f"({table * per_million / 2**30:.2f} GiB per million), database "
              f"{whole / 2**20:7.1f} MiB; this step {batches * 1000 / wall:,.0f} entries/s, "
              f"server CPU {cpu / (batches * 1000) * 1e6:.0f} s per million, "
              f"1,000-entry batch p50 {statistics.median(lat) * 1000:.0f} ms, "
              f"server RSS {proc.memory_info().rss / 2**20:.0f} MiB", flush=True)


def main() -> int:
    """Start PostgreSQL and a central service, run the peak, then the bulk load; print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pcs", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--messages", type=int, default=100, help="per PC per working day")
    parser.add_argument("--entries-per-message", type=int, default=3)
    parser.add_argument("--interval", type=float, default=30, help="PC forwarding interval, s")
    parser.add_argument("--peak", type=float, default=10, help="morning hour / average hour")
    parser.add_argument("--workers", type=int, default=48, help="client threads")
    parser.add_argument("--bulk", type=int, default=300_000,
                        help="entries to load for the size figures (0: skip)")
    parser.add_argument("--durable", action="store_true",
                        help="PostgreSQL with fsync and synchronous commit (its defaults)")
    parser.add_argument("--threads", type=int, default=16,
                        help="the central service's starting worker threads (serve --threads)")
    args = parser.parse_args()
    rate = args.pcs / args.interval
    per_hour = args.messages * args.entries_per_message / 8 * args.peak
    per_batch = max(1, round(per_hour / (3600 / args.interval)))
    bin_dir = postgres_bin()
    if bin_dir is None:
        print("PostgreSQL is not installed (apt-get install postgresql)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        pg = start_postgres(bin_dir, durable=args.durable)
        central = None
        try:
            url = pg.create_database()
            cert = make_certificate(Path(tmp) / "tls")
            central = CentralService(url, cert, free_port(), Path(tmp) / "central.log",
                                     extra=("--threads", str(args.threads))).start()
            chains = make_pcs(url, args.pcs)
            print(f"peak: {args.pcs:,} PCs forwarding every {args.interval:g} s = {rate:.0f} "
                  f"batches/s of {per_batch} entries ({rate * per_batch:.0f} entries/s), "
                  f"{args.seconds:g} s, {args.workers} client threads, one central instance")
            result = peak(central, pg, chains, args.seconds, rate, per_batch, args.workers)
            lat = result["latencies"]
            print(f"  sent {result['batches']:,} batches in {result['wall']:.1f} s "
                  f"({result['batches'] / result['wall']:.0f}/s), {len(result['errors'])} errors")
            if lat:
                print(f"  batch latency p50 {percentile(lat, 50) * 1000:.0f} ms, "
                      f"p95 {percentile(lat, 95) * 1000:.0f} ms, "
                      f"p99 {percentile(lat, 99) * 1000:.0f} ms, "
                      f"max {max(lat) * 1000:.0f} ms (target p99 <= 200 ms)")
            print(f"  load average after: {load()}")
            print(f"  server CPU {result['cpu']:.1f} s in {result['wall']:.1f} s "
                  f"({result['cpu'] / result['wall'] * 100:.0f}% of one core), "
                  f"RSS {result['rss'] / 2**20:.0f} MiB; PostgreSQL CPU {result['db_cpu']:.1f} s "
                  f"({result['db_cpu'] / result['wall'] * 100:.0f}% of one core); "
                  f"{(result['cpu'] + result['db_cpu']) / max(result['batches'], 1) * 1000:.2f} "
                  f"ms of CPU per batch in all")
            for error in result["errors"][:3]:
                print(f"  error: {error}")
            if args.bulk:
                print(f"bulk load to {args.bulk:,} entries (1,000-entry batches):")
                bulk(central, chains, args.bulk, 4)
        finally:
            if central:
                central.stop()
            pg.stop()
            import shutil

            shutil.rmtree(pg.root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
