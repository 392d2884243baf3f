"""Accent folding: the one rule that names and domains share for letters with marks on them."""

from __future__ import annotations

import unicodedata

# Kana voicing marks (゛ ゜, as in ガ and パ) are combining marks too, but they make
# another sound, not an accented one: ガ is not カ in a name's reading.
_KEPT_MARKS = frozenset("\u3099\u309a")


def _is_accent(char: str) -> bool:
    # The whole Combining Diacritical Marks block counts, the grapheme joiner U+034F
    # (combining class 0) included, so that an invisible joiner inside a domain is dropped.
    if "\u0300" <= char <= "\u036f":
        return True
    return unicodedata.combining(char) != 0 and char not in _KEPT_MARKS


def strip_accents(text: str) -> str:
    """``text`` decomposed (NFD) without its accents: ``Satō`` -> ``Sato``, ``gmàil`` -> ``gmail``.

    An accent is a combining mark that leaves the letter under it read, and seen, as
    much the same letter: the Latin, Greek and Cyrillic accents (U+0300-036F) and the
    marks of other scripts with a combining class (Arabic hamza, Indic nukta, Hebrew
    points). Kana voicing marks stay (パ, ガ). Compatibility forms (full-width letters,
    ligatures) are left as they are: names arrive NFKC-normalised already, and the
    domain skeleton maps them with its own table. The answer stays decomposed, as the
    domain skeleton's TR39 table expects; letters with no decomposition (ø, ß, ł)
    are kept.
    """
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if not _is_accent(c))


def spaceless_key(name: str) -> str:
    """A display name as looked up: NFKC, case-folded, without any spaces (鈴木　花子 = 鈴木花子)."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())
