"""Text clean-up for names: invisible characters, width, variant kanji, kana, honorifics."""

from __future__ import annotations

import re
import unicodedata

from atesaki.core.text import strip_accents

# Variant (itaiji) and old forms that NFKC leaves alone but people treat as the
# same surname: 髙橋 is 高橋, 齋藤 is 斎藤 is 斉藤.
_VARIANTS = {
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "碕": "崎",
    "齋": "斉",
    "齊": "斉",
    "斎": "斉",
    "邊": "辺",
    "邉": "辺",
    "澤": "沢",
    "𠮷": "吉",
    "濱": "浜",
    "濵": "浜",
    "嶋": "島",
    "嶌": "島",
    "舘": "館",
    "冨": "富",
    "廣": "広",
    "國": "国",
    "櫻": "桜",
    "槇": "槙",
    "瀨": "瀬",
    "德": "徳",
    "眞": "真",
    "惠": "恵",
    "條": "条",
    "藏": "蔵",
    "實": "実",
    "龍": "竜",
    "栁": "柳",
    "萬": "万",
    "淺": "浅",
    "增": "増",
    "曾": "曽",
    "槗": "橋",
    "﨟": "臈",
    "𡈽": "土",
    "驒": "騨",
    "靜": "静",
    "圓": "円",
    "黑": "黒",
    "繩": "縄",
    "籠": "篭",
    "嶽": "岳",
    "峯": "峰",
    "晉": "晋",
    "綠": "緑",
    "與": "与",
    "亞": "亜",
    "來": "来",
    "壽": "寿",
    "傳": "伝",
    "兒": "児",
    "會": "会",
    "學": "学",
    "戶": "戸",
    "户": "戸",
    "彌": "弥",
    "勵": "励",
    "禮": "礼",
    "靑": "青",
}
_VARIANT_TABLE = str.maketrans(_VARIANTS)

# Honorifics and titles that webmail display names carry ("佐藤様", "Mr. Sato").
_JA_SUFFIXES = ("さま", "様", "さん", "殿", "氏", "先生", "くん", "君", "ちゃん", "御中")
_EN_TITLES = frozenset("mr mrs ms miss dr prof sir madam mx herr frau san sama kun".split())
_COMPANY = re.compile(r"株式会社|有限会社|合同会社|\(株\)|\(有\)|㈱|㈲|inc\.?$|ltd\.?$|co\.,?$")
_BRACKETS = re.compile(r"[\(\[\{【「『〔<〈《][^\)\]\}】」』〕>〉》]*[\)\]\}】」』〕>〉》]?")
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])[’ʼ](?=[^\W\d_])")
_SEPARATORS = re.compile(r"[\s,、，・･/／|｜:：;；\"`“”‘’_.]+")


def clean(text: str) -> str:
    """NFKC, no control/format characters or variation selectors, variant kanji folded."""
    if not text:
        return ""
    out = []
    for ch in text[:400]:  # nobody's name is longer; bounds the work on junk input
        code = ord(ch)
        if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            out.append(" " if ch in "\t\n\r" else "")
            continue
        out.append(ch)
    text = unicodedata.normalize("NFKC", "".join(out))
    return text.translate(_VARIANT_TABLE).strip()


def is_kanji(ch: str) -> bool:
    """A CJK ideograph (or the repeat mark 々 / the small ヶ used in names)."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x3FFFF
        or 0xF900 <= code <= 0xFAFF
        or ch in "々〆ヶヵ"
    )


def is_kana(ch: str) -> bool:
    """Hiragana or katakana, including the long-vowel mark."""
    return "\u3041" <= ch <= "\u309f" or "\u30a0" <= ch <= "\u30ff"


def to_hiragana(text: str) -> str:
    """Katakana to hiragana; the long mark after a vowel becomes the vowel it lengthens."""
    out: list[str] = []
    for ch in text:
        if "ァ" <= ch <= "ヶ" and ch not in "ヵヶ":
            ch = chr(ord(ch) - 0x60)
        elif ch == "ヴ":
            ch = "ゔ"
        if ch == "ー" and out:
            ch = _LONG_VOWEL.get(out[-1], "")
        out.append(ch)
    return "".join(out)


_ROWS = {
    "あ": "あかさたなはまやらわがざだばぱゃぁ",
    "い": "いきしちにひみりぎじぢびぴぃ",
    "う": "うくすつぬふむゆるぐずづぶぷゅぅゔ",
    "え": "えけせてねへめれげぜでべぺぇ",
    "お": "おこそとのほもよろをごぞどぼぽょぉ",
}
# おー is written おう in names (サトー = さとう), so the long mark after an o-row
# syllable becomes う, after the others the row's vowel.
_LONG_VOWEL = {k: ("う" if v == "お" else v) for v, ks in _ROWS.items() for k in ks}


def strip_decorations(text: str) -> str:
    """Drop bracketed notes, company words, titles and honorifics around a name."""
    text = _BRACKETS.sub(" ", text)
    text = _COMPANY.sub(" ", text)
    # A typographic apostrophe inside a word is an apostrophe (O’Neill), not a quote.
    text = _APOSTROPHE.sub("'", text)
    words = []
    for word in _SEPARATORS.split(text):
        word = word.strip(".-")
        if not word or word.lower().rstrip(".") in _EN_TITLES:
            continue
        for suffix in _JA_SUFFIXES:
            if word.endswith(suffix) and len(word) > len(suffix):
                word = word[: -len(suffix)]
                break
        words.append(word)
    return " ".join(words)


def script_of(token: str) -> str:
    """'kanji' (any ideograph), 'kana', 'latin' (ASCII letters only) or 'other'."""
    if any(is_kanji(c) for c in token):
        return "kanji" if all(is_kanji(c) or is_kana(c) for c in token) else "other"
    if token and all(is_kana(c) for c in token):
        return "kana"
    if token and all(c.isascii() and (c.isalpha() or c in "'-.") for c in token):
        return "latin"
    return "other"


def fold_latin(token: str) -> str:
    """Lower case, macrons and accents dropped (Satō -> sato): ``core.text.strip_accents``."""
    return strip_accents(token.lower())
