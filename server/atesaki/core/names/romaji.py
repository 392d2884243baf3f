"""Romaji <-> kana, and the loose romaji key that makes every spelling of one surname equal.

Sato, Satō, Satou, Satoh, SATO; Ohno, Ono, Oono; Shimizu, Simizu; Tsuji, Tuzi;
Homma, Honma all become one key: the romaji is read into kana (Hepburn, Kunrei,
Nihon-shiki, word-processor and passport spellings), then written back in
Hepburn with long vowels collapsed and ん always "n".
"""

from __future__ import annotations

_BASE = {
    "a": "あ",
    "i": "い",
    "u": "う",
    "e": "え",
    "o": "お",
    "ka": "か",
    "ki": "き",
    "ku": "く",
    "ke": "け",
    "ko": "こ",
    "sa": "さ",
    "si": "し",
    "shi": "し",
    "su": "す",
    "se": "せ",
    "so": "そ",
    "ta": "た",
    "ti": "ち",
    "chi": "ち",
    "tu": "つ",
    "tsu": "つ",
    "te": "て",
    "to": "と",
    "na": "な",
    "ni": "に",
    "nu": "ぬ",
    "ne": "ね",
    "no": "の",
    "ha": "は",
    "hi": "ひ",
    "hu": "ふ",
    "fu": "ふ",
    "he": "へ",
    "ho": "ほ",
    "ma": "ま",
    "mi": "み",
    "mu": "む",
    "me": "め",
    "mo": "も",
    "ya": "や",
    "yu": "ゆ",
    "yo": "よ",
    "ra": "ら",
    "ri": "り",
    "ru": "る",
    "re": "れ",
    "ro": "ろ",
    "la": "ら",
    "li": "り",
    "lu": "る",
    "le": "れ",
    "lo": "ろ",
    "wa": "わ",
    "wi": "ゐ",
    "we": "ゑ",
    "wo": "を",
    "ga": "が",
    "gi": "ぎ",
    "gu": "ぐ",
    "ge": "げ",
    "go": "ご",
    "za": "ざ",
    "zi": "じ",
    "ji": "じ",
    "zu": "ず",
    "ze": "ぜ",
    "zo": "ぞ",
    "da": "だ",
    "di": "ぢ",
    "du": "づ",
    "dzu": "づ",
    "de": "で",
    "do": "ど",
    "ba": "ば",
    "bi": "び",
    "bu": "ぶ",
    "be": "べ",
    "bo": "ぼ",
    "pa": "ぱ",
    "pi": "ぴ",
    "pu": "ぷ",
    "pe": "ぺ",
    "po": "ぽ",
    "va": "ゔぁ",
    "vi": "ゔぃ",
    "vu": "ゔ",
    "ve": "ゔぇ",
    "vo": "ゔぉ",
    "fa": "ふぁ",
    "fi": "ふぃ",
    "fe": "ふぇ",
    "fo": "ふぉ",
    "je": "じぇ",
    "che": "ちぇ",
    "she": "しぇ",
    "ti'": "てぃ",
    "di'": "でぃ",
}
_YOON = {
    "k": "き",
    "s": "し",
    "sh": "し",
    "t": "ち",
    "ch": "ち",
    "c": "ち",
    "n": "に",
    "h": "ひ",
    "m": "み",
    "r": "り",
    "l": "り",
    "g": "ぎ",
    "z": "じ",
    "j": "じ",
    "d": "ぢ",
    "b": "び",
    "p": "ぴ",
}
_SMALL = {"a": "ゃ", "u": "ゅ", "o": "ょ", "e": "ぇ"}
ROMAJI_TO_KANA: dict[str, str] = dict(_BASE)
for _cons, _kana in _YOON.items():
    for _vowel, _small in _SMALL.items():
        # sha/sya/shya, cha/tya/cya, ja/zya/jya all name the same sound
        ROMAJI_TO_KANA.setdefault(_cons + "y" + _vowel, _kana + _small)
        if _cons in ("sh", "ch", "j"):
            ROMAJI_TO_KANA.setdefault(_cons + _vowel, _kana + _small)
ROMAJI_TO_KANA.update(
    {
        "ja": "じゃ",
        "ju": "じゅ",
        "jo": "じょ",
        "cha": "ちゃ",
        "chu": "ちゅ",
        "cho": "ちょ",
        "sha": "しゃ",
        "shu": "しゅ",
        "sho": "しょ",
    }
)
_MAXLEN = max(map(len, ROMAJI_TO_KANA))
_VOWELS = "aiueo"


def romaji_to_kana(word: str) -> str | None:
    """Hiragana for a romaji word, or None when it is not Japanese romaji (Smith, Kim)."""
    word = word.lower().replace("-", "").replace(".", "")
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        c = word[i]
        nxt = word[i + 1] if i + 1 < n else ""
        if c == "'":
            i += 1
            continue
        if c == "n" and (not nxt or nxt not in _VOWELS + "y" or nxt == "'"):
            out.append("ん")  # n before a consonant or at the end (and "nn")
            i += 1
            if nxt == "n" and (i + 1 >= n or word[i + 1] not in _VOWELS + "y"):
                i += 1
            continue
        if c == "m" and nxt in ("b", "m", "p"):
            out.append("ん")  # passport spelling: Homma, Namba, Sampei
            i += 1
            continue
        if (
            c == "h"
            and out
            and out[-1][-1:] in "おこそとのほもよろごぞどぼぽょ"
            and (not nxt or nxt not in _VOWELS + "y")
        ):
            out.append("う")  # passport long o: Satoh, Ohno
            i += 1
            continue
        if c == nxt and c not in _VOWELS + "n":
            out.append("っ")  # Hattori, Nakamatsu's tt
            i += 1
            continue
        if c == "t" and word.startswith("ch", i + 1):
            out.append("っ")  # Hepburn tch: Hotchi
            i += 1
            continue
        for size in range(min(_MAXLEN, n - i), 0, -1):
            kana = ROMAJI_TO_KANA.get(word[i : i + size])
            if kana:
                out.append(kana)
                i += size
                break
        else:
            return None
    return "".join(out) or None


_KANA_TO_ROMAJI: dict[str, str] = {}
for _r, _k in sorted(ROMAJI_TO_KANA.items(), key=lambda kv: -len(kv[0])):
    pass
# Hepburn spelling per kana, chosen explicitly rather than by table order.
_HEPBURN = {
    "し": "shi",
    "ち": "chi",
    "つ": "tsu",
    "ふ": "fu",
    "じ": "ji",
    "ぢ": "ji",
    "づ": "zu",
    "を": "o",
    "ゐ": "i",
    "ゑ": "e",
    "ん": "n",
    "ゔ": "vu",
}
for _r, _k in ROMAJI_TO_KANA.items():
    if len(_k) == 1 and _k not in _HEPBURN and _k not in _KANA_TO_ROMAJI:
        if not _r.startswith("l"):
            _KANA_TO_ROMAJI[_k] = _r
_KANA_TO_ROMAJI.update(_HEPBURN)
_KANA_TO_ROMAJI.update({"ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o", "ゎ": "wa"})
_YOON_ROMAJI = {
    "き": "ky",
    "し": "sh",
    "ち": "ch",
    "に": "ny",
    "ひ": "hy",
    "み": "my",
    "り": "ry",
    "ぎ": "gy",
    "じ": "j",
    "ぢ": "j",
    "び": "by",
    "ぴ": "py",
}
_SMALL_ROMAJI = {"ゃ": "a", "ゅ": "u", "ょ": "o"}


def kana_to_romaji(kana: str) -> str:
    """Hepburn romaji for hiragana (unknown characters are dropped)."""
    out: list[str] = []
    i, n = 0, len(kana)
    double = False
    while i < n:
        ch = kana[i]
        if ch == "っ":
            double = True
            i += 1
            continue
        nxt = kana[i + 1] if i + 1 < n else ""
        if nxt in _SMALL_ROMAJI and ch in _YOON_ROMAJI:
            syllable = _YOON_ROMAJI[ch] + _SMALL_ROMAJI[nxt]
            i += 2
        else:
            syllable = _KANA_TO_ROMAJI.get(ch, "")
            i += 1
        if double and syllable:
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
        double = False
        out.append(syllable)
    return "".join(out)


def loose_key(romaji: str) -> str:
    """Hepburn with long vowels collapsed: the spelling every romanisation shares."""
    out: list[str] = []
    for ch in romaji:
        if out and ch in _VOWELS and (out[-1] == ch or (out[-1] == "o" and ch == "u")):
            continue  # oo/ou/uu/aa/ii/ee -> one vowel (Oono, Satou, Yuuki)
        out.append(ch)
    return "".join(out)


def kana_key(kana: str) -> str:
    """The loose romaji key of a hiragana reading."""
    return loose_key(kana_to_romaji(kana))


def romaji_key(word: str) -> str | None:
    """The loose key of a romaji word, or None when the word is not Japanese romaji."""
    kana = romaji_to_kana(word)
    return kana_key(kana) if kana else None
