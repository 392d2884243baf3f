"""Readings of Japanese names, offline: UniDic's name entries, then fugashi for the rest.

Everything here loads on first use only: a service whose people were imported
earlier reads their stored profiles and never needs a dictionary at start-up.
"""

from __future__ import annotations

import threading
from functools import cache, lru_cache
from importlib import resources

from atesaki.core.names.normalize import clean, to_hiragana
from atesaki.core.names.romaji import kana_key

UNKNOWN_COST = 12000  # above every cost UniDic gives a name it knows

# Common readings UniDic lacks. Families keep their own reading (山崎 is both
# やまざき and やまさき), so a surname table must know each of them.
EXTRA_READINGS = {
    "山崎": ("やまさき",),
    "宮崎": ("みやさき",),
    "長崎": ("ながさき",),
    "新保": ("しんぽ",),
    "吉川": ("きっかわ",),
    "上村": ("かみむら",),
    "今野": ("いまの",),
    "小山": ("おやま",),
    "新田": ("しんでん", "あらた"),
    "長田": ("ながた",),
    "神田": ("こうだ",),
    "羽田": ("はねだ", "はだ"),
    "角田": ("すみだ",),
    "東海林": ("とうかいりん",),
    "日下": ("ひした",),
    "中島": ("なかしま",),
    "三上": ("みかみ",),
}
_lock = threading.Lock()


@cache
def _tables() -> tuple[dict[str, int], dict[str, int], dict[str, tuple[str, ...]]]:
    def read(name: str) -> list[str]:
        # Package data written by tools/build_lexicon.py from UniDic (see tools/LEXICON.md).
        return resources.files("atesaki").joinpath(f"data/{name}").read_text("utf-8").splitlines()

    def costs(lines: list[str]) -> dict[str, int]:
        table: dict[str, int] = {}
        for line in lines:
            reading, _, cost = line.partition("\t")
            table[reading] = int(cost)
        return table

    # Keys are folded like every name (齋藤 and 斎藤 become 斉藤), merging readings.
    merged: dict[str, dict[str, int]] = {}
    for line in read("names_kanji_surnames.tsv"):
        orth, _, rest = line.partition("\t")
        readings = merged.setdefault(clean(orth), {})
        for item in rest.split(","):
            reading, _, cost = item.partition(":")
            readings[reading] = min(readings.get(reading, int(cost)), int(cost))
    kanji = {
        orth: tuple(sorted(readings, key=readings.__getitem__)) for orth, readings in merged.items()
    }
    for orth, extra in EXTRA_READINGS.items():
        kanji[orth] = tuple(dict.fromkeys((*kanji.get(orth, ()), *extra)))
    return costs(read("names_surnames.tsv")), costs(read("names_given_names.tsv")), kanji


@cache
def _latin_costs() -> tuple[dict[str, int], dict[str, int]]:
    surnames, given, _ = _tables()

    def by_key(table: dict[str, int]) -> dict[str, int]:
        out: dict[str, int] = {}
        for reading, cost in table.items():
            key = kana_key(reading)
            out[key] = min(out.get(key, cost), cost)
        return out

    return by_key(surnames), by_key(given)


def surname_cost(key: str) -> int:
    """How common a surname this loose romaji key is (lower: more common)."""
    return _latin_costs()[0].get(key, UNKNOWN_COST)


def given_cost(key: str) -> int:
    """How common a given name this loose romaji key is (lower: more common)."""
    return _latin_costs()[1].get(key, UNKNOWN_COST)


def kana_surname_cost(reading: str) -> int:
    """How common a surname this hiragana reading is."""
    return _tables()[0].get(reading, UNKNOWN_COST)


def kana_given_cost(reading: str) -> int:
    """How common a given name this hiragana reading is."""
    return _tables()[1].get(reading, UNKNOWN_COST)


def is_kanji_surname(text: str) -> bool:
    """True when UniDic knows ``text`` (variants folded) as a surname."""
    return text in _tables()[2]


def surname_readings(kanji: str) -> tuple[str, ...]:
    """Every common reading of a kanji surname (河野: こうの, かわの); dictionary as fallback."""
    readings = _tables()[2].get(kanji) or word_readings(kanji, surname=True, strict=True)
    if kanji.endswith("崎") and readings:
        # ~崎 is read both さき and ざき (山崎, 宮崎, 岩崎) within the same family name
        swapped = [
            r[:-2] + ("さき" if r.endswith("ざき") else "ざき")
            for r in readings
            if r.endswith(("さき", "ざき"))
        ]
        readings = tuple(dict.fromkeys((*readings, *swapped)))
    return readings[:4]


_tagger = None


def _get_tagger():
    global _tagger
    if _tagger is None:
        with _lock:
            if _tagger is None:
                import fugashi

                _tagger = fugashi.Tagger()
    return _tagger


@lru_cache(maxsize=16384)  # given names repeat (美咲, 健二): n-best parsing costs ~50 us
def word_readings(
    text: str, *, surname: bool = False, limit: int = 3, strict: bool = False
) -> tuple[str, ...]:
    """Up to ``limit`` hiragana readings of a kanji word from fugashi's n-best parses.

    ``strict``: only parses that read the word as a name (総務課 has none).
    """
    tagger = _get_tagger()
    wanted = "姓" if surname else "名"
    found: list[str] = []
    with _lock:  # MeCab taggers are not safe to share between threads
        try:
            parses = tagger.nbestToNodeList(text, limit + 2)
        except Exception:  # a parser failure means no reading, not a crash
            return ()
        for nodes in parses:
            kana = []
            name_like = False
            for node in nodes:
                feature = node.feature
                reading = getattr(feature, "kana", None)
                if not reading or reading == "*":
                    kana = []
                    break
                kana.append(reading)
                name_like |= getattr(feature, "pos4", "") == wanted
            # The best parse always counts; later ones only when they read the
            # whole word as one name (健二: けんじ, not けん+に).
            if strict and not name_like:
                continue
            if kana and (not found or (name_like and len(kana) == 1)):
                reading = to_hiragana("".join(kana))
                if reading not in found:
                    found.append(reading)
            if len(found) >= limit:
                break
    return tuple(found)


def split_kanji_name(text: str) -> tuple[str, str]:
    """佐藤美咲 -> (佐藤, 美咲): the longest known surname that leaves a given name."""
    tables = _tables()[2]
    if text in tables:
        return text, ""
    for size in range(min(len(text) - 1, 5), 0, -1):
        if text[:size] in tables:
            return text[:size], text[size:]
    tagger = _get_tagger()
    with _lock:
        nodes = list(tagger(text))
    for i, node in enumerate(nodes):
        if getattr(node.feature, "pos4", "") == "姓" and i + 1 < len(nodes):
            head = "".join(n.surface for n in nodes[: i + 1])
            return head, text[len(head) :]
    return text, ""


def split_kana_name(text: str) -> tuple[str, str]:
    """さとうみさき -> (さとう, みさき): a known surname reading followed by a known given one."""
    if kana_surname_cost(text) < UNKNOWN_COST:
        return text, ""
    best: tuple[int, int] | None = None
    for size in range(1, len(text)):
        head, tail = text[:size], text[size:]
        score = kana_surname_cost(head) + kana_given_cost(tail)
        if score < 2 * UNKNOWN_COST and (best is None or score < best[0]):
            best = (score, size)
    if best is None:
        return text, ""
    return text[: best[1]], text[best[1] :]
