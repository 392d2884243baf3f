"""A synthetic organisation for benchmarks: staff, contacts and history with realistic names."""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from atesaki import store
from atesaki.core.names import person_profile

# (kanji, kana reading, romaji) of common surnames, with a few variant forms.
SURNAMES = [
    ("佐藤", "さとう", "Sato"), ("鈴木", "すずき", "Suzuki"), ("高橋", "たかはし", "Takahashi"),
    ("田中", "たなか", "Tanaka"), ("伊藤", "いとう", "Ito"), ("渡辺", "わたなべ", "Watanabe"),
    ("山本", "やまもと", "Yamamoto"), ("中村", "なかむら", "Nakamura"), ("小林", "こばやし", "Kobayashi"),
    ("加藤", "かとう", "Kato"), ("吉田", "よしだ", "Yoshida"), ("山田", "やまだ", "Yamada"),
    ("佐々木", "ささき", "Sasaki"), ("山口", "やまぐち", "Yamaguchi"), ("松本", "まつもと", "Matsumoto"),
    ("井上", "いのうえ", "Inoue"), ("木村", "きむら", "Kimura"), ("林", "はやし", "Hayashi"),
    ("斎藤", "さいとう", "Saito"), ("清水", "しみず", "Shimizu"), ("山崎", "やまざき", "Yamazaki"),
    ("森", "もり", "Mori"), ("池田", "いけだ", "Ikeda"), ("橋本", "はしもと", "Hashimoto"),
    ("阿部", "あべ", "Abe"), ("石川", "いしかわ", "Ishikawa"), ("山下", "やました", "Yamashita"),
    ("中島", "なかじま", "Nakajima"), ("石井", "いしい", "Ishii"), ("小川", "おがわ", "Ogawa"),
    ("前田", "まえだ", "Maeda"), ("岡田", "おかだ", "Okada"), ("長谷川", "はせがわ", "Hasegawa"),
    ("藤田", "ふじた", "Fujita"), ("後藤", "ごとう", "Goto"), ("近藤", "こんどう", "Kondo"),
    ("村上", "むらかみ", "Murakami"), ("遠藤", "えんどう", "Endo"), ("青木", "あおき", "Aoki"),
    ("坂本", "さかもと", "Sakamoto"), ("河野", "こうの", "Kono"), ("大野", "おおの", "Ono"),
    ("小野", "おの", "Ono"), ("髙橋", "たかはし", "Takahashi"), ("齋藤", "さいとう", "Saito"),
    ("渡邊", "わたなべ", "Watanabe"), ("本間", "ほんま", "Homma"), ("辻", "つじ", "Tsuji"),
]
GIVEN = [
    ("美咲", "みさき", "Misaki"), ("健二", "けんじ", "Kenji"), ("翔太", "しょうた", "Shota"),
    ("花子", "はなこ", "Hanako"), ("太郎", "たろう", "Taro"), ("陽子", "ようこ", "Yoko"),
    ("大輔", "だいすけ", "Daisuke"), ("由美", "ゆみ", "Yumi"), ("誠", "まこと", "Makoto"),
    ("恵", "めぐみ", "Megumi"), ("直樹", "なおき", "Naoki"), ("裕子", "ゆうこ", "Yuko"),
    ("拓也", "たくや", "Takuya"), ("真由美", "まゆみ", "Mayumi"), ("浩", "ひろし", "Hiroshi"),
    ("明美", "あけみ", "Akemi"), ("達也", "たつや", "Tatsuya"), ("久美子", "くみこ", "Kumiko"),
    ("亮", "りょう", "Ryo"), ("千尋", "ちひろ", "Chihiro"),
]
WESTERN_GIVEN = ["John", "Mary", "David", "Sarah", "Michael", "Emma", "James", "Olivia"]
WESTERN_FAMILY = ["Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Clark"]


def _kata(hira: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in hira)


def person(rng: random.Random, i: int, domain: str) -> dict:
    """One person with a name in a random script and an address at ``domain``."""
    style = rng.random()
    if style < 0.08:
        given, family = rng.choice(WESTERN_GIVEN), rng.choice(WESTERN_FAMILY)
        return {"display": f"{given} {family}", "family": family, "given": given,
                "fr": "", "gr": "", "email": f"{given.lower()}.{family.lower()}{i}@{domain}"}
    sk, sr, sl = rng.choice(SURNAMES)
    gk, gr, gl = rng.choice(GIVEN)
    email = f"{gl[0].lower()}.{sl.lower()}{i}@{domain}"
    if style < 0.6:
        return {"display": f"{sk} {gk}", "family": sk, "given": gk, "fr": sr, "gr": gr,
                "email": email}
    if style < 0.75:
        return {"display": f"{sk}{gk}", "family": "", "given": "", "fr": "", "gr": "",
                "email": email}
    if style < 0.88:
        return {"display": f"{_kata(sr)} {_kata(gr)}", "family": "", "given": "", "fr": "",
                "gr": "", "email": email}
    return {"display": rng.choice([f"{gl} {sl}", f"{sl.upper()} {gl}"]), "family": "",
            "given": "", "fr": "", "gr": "", "email": email}


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).isoformat(timespec="seconds")


def build(data_dir: Path, staff: int = 10_000, contacts: int = 100_000, history: int = 50_000,
          seed: int = 7) -> dict[str, float]:
    """Fill a data folder's store; returns timings. Profiles are computed as an import would."""
    rng = random.Random(seed)
    conn = store.open_store(data_dir)
    started = time.perf_counter()
    companies = [f"company{n}.co.jp" for n in range(3000)] + ["gmail.com", "yahoo.co.jp"]
    addresses: list[tuple[str, str]] = []
    with store.transaction(conn):
        for source, count in (("directory", staff), ("contacts", contacts)):
            for i in range(count):
                domain = "agency.go.jp" if source == "directory" else rng.choice(companies)
                p = person(rng, i, domain)
                profile = person_profile(p["display"], family=p["family"] or None,
                                         given=p["given"] or None,
                                         family_reading=p["fr"] or None,
                                         given_reading=p["gr"] or None, address=p["email"])
                cur = conn.execute(
                    "INSERT INTO person (source, origin, uid, display_name, family, given, "
                    "family_reading, given_reading, profile, updated) "
                    "VALUES (?, 'bench', ?, ?, ?, ?, ?, ?, ?, datetime('now'))",
                    (source, f"{source}-{i}", p["display"], p["family"], p["given"], p["fr"],
                     p["gr"], profile.to_json()),
                )
                conn.execute("INSERT INTO person_email (person_id, address) VALUES (?, ?)",
                             (cur.lastrowid, p["email"].lower()))
                addresses.append((p["email"].lower(), p["display"]))
        # Sends spread over two years, stamped as the service stamps them.
        epoch = datetime(2024, 11, 1, tzinfo=UTC).timestamp()
        for address, name in rng.sample(addresses, min(history, len(addresses))):
            first = epoch + rng.uniform(0, 600 * 86400)
            last = first + rng.uniform(0, 120 * 86400)
            conn.execute(
                "INSERT OR IGNORE INTO history (address, name, profile, count, first_sent, "
                "last_sent) VALUES (?, ?, ?, ?, ?, ?)",
                (address, name, person_profile(name, address=address).to_json(),
                 rng.randint(1, 40), _stamp(first), _stamp(last)),
            )
        store.bump_generation(conn)
    conn.close()
    return {"build_seconds": time.perf_counter() - started, "addresses": len(addresses)}


def sample_addresses(data_dir: Path, n: int, seed: int = 11) -> list[tuple[str, str]]:
    """``n`` (address, name) pairs from the store, for building check requests."""
    conn = sqlite3.connect(Path(data_dir) / store.DB_NAME)
    rows = conn.execute(
        "SELECT e.address, p.display_name FROM person_email e JOIN person p ON p.id = e.person_id"
    ).fetchall()
    conn.close()
    rng = random.Random(seed)
    return rng.sample(rows, n)
