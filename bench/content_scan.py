"""Benchmark: personal-data scan time for 100 KB and 1 MB bodies, typical and adversarial.

Run ``python bench/content_scan.py``. Targets (issue 8): 100 KB <= 5 ms, 1 MB <= 20 ms
for ordinary mail; adversarial bodies must stay linear (no regex backtracking blow-up).
Also prints the time to build the name matcher over 100,000 people.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from atesaki.core.content import Circle, NameMatcher, scan_personal_data

MAILS = Path(__file__).resolve().parent.parent / "tests" / "data" / "mails"
CIRCLE = Circle.of(["tanaka@agency.go.jp", "k.sato@example.com"], ["田中 一郎", "佐藤 健二"])
INCIDENT = """

---------- Forwarded message ---------
From: 山本 太郎 <t.yamamoto@abc-shoji.co.jp>
Date: 2024年1月10日(水) 9:00
Subject: 見学のお願い

田中様

株式会社ABC商事の山本です。見学の件、よろしくお願いいたします。

株式会社ABC商事 総務部 山本 太郎
〒150-0001 東京都渋谷区神宮前1-2-3
TEL 03-5555-0123 / 携帯 090-1111-2222
"""


PROSE_JA = """令和6年度の事業計画について、各部署からの意見を取りまとめました。第一に、窓口業務の待ち時間を\
短縮するため、予約制の導入を検討しています。2023年度の平均待ち時間は約25分で、ピーク時には60分を\
超える日もありました。第二に、オンライン申請の利用率を35%から50%へ引き上げます。予算は約1,200万円です。
詳細は別添の資料（全24ページ）をご覧ください。ご意見は2月15日までに、企画係までお寄せください。

"""
PROSE_EN = """The committee reviewed the draft plan for fiscal 2024. Waiting times at the counter averaged
25 minutes in 2023, with peaks above an hour. We propose an appointment system and aim to raise the
online application rate from 35% to 50%. The budget impact is estimated at JPY 12 million. Please
send comments to the planning office by 15 February.

"""


def sized(text: str, size: int) -> str:
    """``text`` repeated to ``size`` bytes of UTF-8 (cut on a character boundary)."""
    data = (text * (size // max(1, len(text.encode())) + 1)).encode()[:size]
    return data.decode("utf-8", "ignore")


def bodies(size: int) -> dict[str, str]:
    """Typical and adversarial bodies of about ``size`` bytes."""
    corpus = "\n\n".join(p.read_text() for p in sorted(MAILS.glob("*.txt")))
    rng = random.Random(8)
    return {
        "prose, Japanese": sized(PROSE_JA, size),
        "prose, English": sized(PROSE_EN, size),
        # The corpus back to back: a signature with phone and postal code every 1.7 KB.
        "thread of ordinary mails": sized(corpus, size),
        "thread + incident forward": sized(corpus + INCIDENT, size),
        "digits only": sized("0", size),
        "random digits and dashes": "".join(rng.choice("0123456789- ") for _ in range(size)),
        "many @": sized("a@", size),
        "a@b.c repeated": sized("a@b.co ", size),
        "honorific run 様": sized("様", size),
        "names + honorifics": sized("佐藤様山田さん鈴木先生", size),
        "local-part run": sized("a", size),
        "〒 codes": sized("〒100-0001 ", size),
        "phone list": sized("090-1234-5678 ", size),
        "quote markers": sized("> \n", size),
    }


def timed(fn, repeat: int = 7) -> tuple[float, float]:
    """The fastest of ``repeat`` runs in milliseconds: (CPU time, wall time).

    CPU time is the figure to read on a busy machine: wall time also counts the
    moments other processes had the core.
    """
    cpu, wall = [], []
    for _ in range(repeat):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        fn()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start_wall) * 1000)
    return min(cpu), min(wall)


def main() -> None:
    """Print the figures."""
    names = [(f"姓{i:05d} 名{i % 997:03d}", (f"p{i}@example.com",)) for i in range(50_000)] + [
        (f"Given{i} Family{i}", (f"q{i}@example.org",)) for i in range(50_000)
    ]
    start = time.process_time()
    matcher = NameMatcher(names)
    build = (time.process_time() - start) * 1000
    print(f"name matcher, 100,000 people ({matcher.size:,} patterns): build {build:.0f} ms (cpu)")
    for size, target in ((100_000, 5), (1_000_000, 20)):
        print(f"\n{size // 1000} KB bodies (target {target} ms for ordinary mail)")
        for label, body in bodies(size).items():
            cpu, wall = timed(
                lambda body=body: scan_personal_data(body, circle=CIRCLE, matchers=[matcher])
            )
            hits = len(scan_personal_data(body, circle=CIRCLE, matchers=[matcher]))
            print(
                f"  {label:26s} cpu {cpu:7.2f} ms  wall {wall:7.2f} ms"
                f"  {len(body):>9,} chars {hits:>6,} hits"
            )


if __name__ == "__main__":
    main()
