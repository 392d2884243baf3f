"""Regenerates the name tables in ``server/atesaki/data/names_*.tsv`` from UniDic (unidic-lite).

Run ``python tools/build_lexicon.py`` after upgrading unidic-lite (see
``tools/LEXICON.md`` for the source and its licence). It reads
the MeCab binary dictionary directly (header, token table, feature strings) and
keeps every personal-name entry: surname readings with their word cost (lower is
more common), given-name readings with theirs, and each kanji surname's readings.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

HEADER = struct.Struct("<10I")
TOKEN = struct.Struct("<HHHhII")
# UniDic's default cost for names it knows nothing about; readings far above it
# (東 as トウ) are dictionary noise rather than real surnames.
MAX_COST = 11000


def _hira(kata: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in kata)


def extract(dic_path: str) -> tuple[dict[str, int], dict[str, int], dict[str, dict[str, int]]]:
    """Surname reading -> cost, given reading -> cost, kanji surname -> {reading: cost}."""
    data = Path(dic_path).read_bytes()
    _magic, _ver, _type, _lex, _l, _r, dsize, tsize, _f, _d = HEADER.unpack_from(data)
    tokens = HEADER.size + 32 + dsize
    features = tokens + tsize
    surnames: dict[str, int] = {}
    given: dict[str, int] = {}
    kanji: dict[str, dict[str, int]] = {}
    for i in range(tsize // TOKEN.size):
        _lc, _rc, _pos, cost, offset, _comp = TOKEN.unpack_from(data, tokens + i * TOKEN.size)
        start = features + offset
        feature = data[start : data.index(b"\0", start)].decode("utf-8")
        parts = feature.split(",")
        if len(parts) < 9 or parts[2] != "人名" or cost > MAX_COST:
            continue
        reading, orth = _hira(parts[6]), parts[8]
        if not reading or reading == "*":
            continue
        table = surnames if parts[3] == "姓" else given if parts[3] == "名" else None
        if table is None:
            continue
        table[reading] = min(table.get(reading, cost), cost)
        if parts[3] == "姓" and orth != "*":
            readings = kanji.setdefault(orth, {})
            readings[reading] = min(readings.get(reading, cost), cost)
    return surnames, given, kanji


DATA = Path(__file__).resolve().parent.parent / "server" / "atesaki" / "data"


def main() -> None:
    """Write the three ``names_*.tsv`` tables into the package's data folder."""
    import unidic_lite

    surnames, given, kanji = extract(os.path.join(unidic_lite.DICDIR, "sys.dic"))
    tables = {
        # reading<TAB>cost, one a line
        "names_surnames.tsv": (f"{r}\t{c}" for r, c in sorted(surnames.items())),
        "names_given_names.tsv": (f"{r}\t{c}" for r, c in sorted(given.items())),
        # kanji<TAB>reading:cost,reading:cost (commonest reading first)
        "names_kanji_surnames.tsv": (
            f"{k}\t" + ",".join(f"{r}:{c}" for r, c in sorted(v.items(), key=lambda x: x[1]))
            for k, v in sorted(kanji.items())
        ),
    }
    for name, lines in tables.items():
        (DATA / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{DATA}: {len(surnames)} surname readings, {len(given)} given, {len(kanji)} kanji")


if __name__ == "__main__":
    main()
