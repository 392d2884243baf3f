"""Speed of the lookalike-domain check: detector build time and per-domain p50/p99.

    python bench/domains_speed.py [--known 20000] [--queries 5000]

The known domains are made up the way a Japanese office's address books look:
company names from romaji syllables under co.jp, com, ne.jp, or.jp, ac.jp, lg.jp…,
some with a mail host in front. Queries mix exact known domains, subdomains,
typos, homoglyphs, embedded and other-suffix attacks, and unrelated new domains.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import tracemalloc

SYLLABLES = (
    "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho "
    "ma mi mu me mo ya yu yo ra ri ru re ro wa ga gi gu ge go za ji zu ze zo da de do ba bi "
    "bu be bo pa pi pu pe po kyo sho ryu"
).split()
WORDS = ("kogyo", "shoji", "bank", "tech", "sangyo", "kensetsu", "denki", "soft", "net", "group")
SUFFIXES = (
    "co.jp",
    "co.jp",
    "co.jp",
    "com",
    "com",
    "ne.jp",
    "or.jp",
    "ac.jp",
    "lg.jp",
    "jp",
    "net",
)


def make_name(rng: random.Random) -> str:
    """A made-up organisation name such as ``takahashi-kogyo``."""
    base = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    return f"{base}-{rng.choice(WORDS)}" if rng.random() < 0.4 else base


def known_domains(count: int, seed: int = 1) -> list[str]:
    """``count`` distinct made-up known domains."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < count:
        domain = f"{make_name(rng)}.{rng.choice(SUFFIXES)}"
        out.add(f"mail.{domain}" if rng.random() < 0.1 else domain)
    return sorted(out)


def mutate(domain: str, rng: random.Random) -> str:
    """An attack on a known domain, or an unrelated new domain."""
    name, _, suffix = domain.partition(".")
    kind = rng.randrange(7)
    if kind == 0:  # typo: swap two letters
        i = rng.randrange(max(1, len(name) - 1))
        name = name[:i] + name[i + 1 : i + 2] + name[i : i + 1] + name[i + 2 :]
        return f"{name}.{suffix}"
    if kind == 1:  # homoglyph: Cyrillic а / о
        return f"{name.replace('a', 'а', 1).replace('o', 'о', 1)}.{suffix}"
    if kind == 2:
        return f"{domain}.evil-example.com"
    if kind == 3:
        return f"{name}.{rng.choice(SUFFIXES)}"
    if kind == 4:
        return f"sub.{domain}"
    if kind == 5:
        return domain
    return f"{make_name(rng)}{rng.randint(1, 99)}.{rng.choice(SUFFIXES)}"


def main() -> None:
    """Print the detector's build time and the check's per-domain latency."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--known", type=int, default=20_000, help="known domains")
    parser.add_argument("--queries", type=int, default=5_000, help="domains checked")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest counts")
    args = parser.parse_args()

    started = time.perf_counter()
    from atesaki.core import domains

    domains.registrable_domain("warm.example.co.jp")  # tldextract and its suffix list
    domains.skeleton("warm")  # the confusables table
    first_use = time.perf_counter() - started

    known = known_domains(args.known)
    builds, build_cpu = [], []
    for _ in range(args.repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        detector = domains.LookalikeDetector(known, allow=[["mail.com", "gmail.com"]])
        builds.append(time.perf_counter() - started)
        build_cpu.append(time.process_time() - started_cpu)

    tracemalloc.start()
    held = domains.LookalikeDetector(known)
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del held

    rng = random.Random(2)
    queries = [mutate(rng.choice(known).removeprefix("mail."), rng) for _ in range(args.queries)]
    queries += ["gmial.com", "gmаil.com", "agency.go.jp.evil.example", "outlook.co"]
    # Each domain is checked --repeat times and its fastest time kept: the machine is
    # shared, and a pause by another process says nothing about the check.
    # The CPU clock of this thread is shown too: other processes on a loaded machine
    # stretch wall-clock times but not the work the check itself does.
    timings, cpu, flagged = [], [], 0
    for query in queries:
        best = best_cpu = float("inf")
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.thread_time()
            result = detector.check(query)
            best_cpu = min(best_cpu, time.thread_time() - started_cpu)
            best = min(best, time.perf_counter() - started)
        flagged += bool(result)
        timings.append(best)
        cpu.append(best_cpu)
    timings.sort()
    cpu.sort()

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(p * len(values)))] * 1e6

    print(f"known domains            {len(detector):>10,}")
    print(f"tldextract + tables      {first_use * 1000:>10.1f} ms (once per process, lazily)")
    print(f"load average             {os.getloadavg()[0]:>10.2f} (2 cores here; above 2 = shared)")
    print(f"detector build           {min(builds) * 1000:>10.1f} ms wall, "
          f"{min(build_cpu) * 1000:.1f} ms CPU (fastest of {args.repeat})")
    print(f"detector memory          {memory / 1e6:>10.1f} MB")
    print(f"checks                   {len(timings):>10,} ({flagged:,} flagged)")
    print("per domain               {:>10}   {:>10}".format("wall", "CPU"))
    for label, p in (("p50", 0.50), ("p99", 0.99)):
        print(f"  {label}                   {pct(timings, p):>10.1f} µs {pct(cpu, p):>10.1f} µs")
    print(f"  max                   {timings[-1] * 1e6:>10.1f} µs {cpu[-1] * 1e6:>10.1f} µs")
    print(f"  mean                  {statistics.fmean(timings) * 1e6:>10.1f} µs "
          f"{statistics.fmean(cpu) * 1e6:>10.1f} µs")


if __name__ == "__main__":
    main()
