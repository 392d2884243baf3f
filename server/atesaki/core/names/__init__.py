"""People's names in every script: profiles (comparison keys) and the surname index.

A ``NameProfile`` holds keys of four kinds, each a prefixed string:

- ``k:`` the name in kanji, variants folded (髙橋 -> 高橋);
- ``r:`` a kana reading in hiragana (from the address book, else UniDic/fugashi);
- ``l:`` the loose romaji key every spelling shares (Satō, Satoh, Satou -> sato);
- ``w:<code>:<name>`` a Western name with its metaphone code.

Two names match when they share a ``k:`` key; when both have kana readings the
readings decide (小野 おの is not 大野 おおの even though both are "Ono");
otherwise a shared ``l:`` key, or a Western name with the same phonetic code,
Jaro-Winkler similarity >= 0.80 and the same vowel in its first syllable. ``SurnameIndex`` answers the same question with
dictionary lookups only.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache

import jellyfish

from atesaki.core.names import lexicon
from atesaki.core.names.normalize import (
    clean,
    fold_latin,
    is_kana,
    is_kanji,
    strip_decorations,
    to_hiragana,
)
from atesaki.core.names.romaji import kana_key, romaji_key, romaji_to_kana

__all__ = [
    "NameProfile",
    "SurnameIndex",
    "person_profile",
    "same_person_name",
    "same_surname",
]

WESTERN_SIMILARITY = 0.80  # Jaro-Winkler, with equal metaphone codes (see FACTS.md)
# Above this UniDic cost a romaji token is not a common surname; used for names
# guessed from an e-mail local part alone, where a false guess costs a false alarm.
COMMON_SURNAME_COST = 8000
# Two tokens whose surname-versus-given scores are this close are both kept as
# possible surnames rather than guessing the order.
AMBIGUOUS_MARGIN = 800
MAX_READINGS = 3
# No family or given name is longer; a longer "word" is pasted text, not a name, and
# would only make long keys.
MAX_PART = 30


@dataclass(frozen=True, slots=True)
class NameProfile:
    """Comparison keys for one name: surname keys and full-name keys."""

    surname_keys: frozenset[str] = frozenset()
    full_keys: frozenset[str] = frozenset()

    def __reduce__(self):
        # Unpickled by calling the class (a snapshot holds one per person): faster than
        # the dataclass's __setstate__, which looks up the fields for every object.
        return NameProfile, (self.surname_keys, self.full_keys)

    def to_json(self) -> str:
        """Compact JSON, stored at import so start-up does not recompute readings."""
        data: dict[str, list[str]] = {}
        if self.surname_keys:
            data["s"] = sorted(self.surname_keys)
        if self.full_keys:
            data["f"] = sorted(self.full_keys)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> NameProfile:
        """The inverse of ``to_json``; equal surname key sets are shared to keep memory small."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            return EMPTY
        if not isinstance(data, dict):
            return EMPTY
        return cls(_shared(data.get("s", ())), _full(data.get("f", ())))

    @property
    def empty(self) -> bool:
        """True when nothing could be read from the name."""
        return not self.surname_keys and not self.full_keys

    def readings(self) -> frozenset[str]:
        """The kana readings of the surname (hiragana)."""
        return frozenset(k[2:] for k in self.surname_keys if k.startswith("r:"))


EMPTY = NameProfile()


@lru_cache(maxsize=200_000)
def _pooled(keys: frozenset[str]) -> frozenset[str]:
    """The first key set seen equal to ``keys``: one copy, however many people share it.

    An intern pool for every profile made in this process (not a memo of one Knowledge:
    the profiles outlive it). Past the limit the least recently asked set is forgotten,
    which only loses sharing; 110,000 people have about a tenth as many distinct sets.
    """
    return keys


def _valid(keys) -> bool:
    return isinstance(keys, list) and set(map(type, keys)) <= {str}


def _shared(keys) -> frozenset[str]:
    """One shared frozenset per distinct key set (thousands of people share a surname)."""
    if not keys:
        return frozenset()
    strings = keys if _valid(keys) else [k for k in keys if isinstance(k, str)]
    # Interned before the pool sees it: the pool keeps the set it is first given, as
    # key and answer at once, so a copy of other strings would double what it holds.
    return _pooled(frozenset(map(sys.intern, strings)))


def _full(keys) -> frozenset[str]:
    """Full-name keys; people with the same name (there are many 佐藤 美咲) share one set."""
    return _shared(keys)


# --- building a profile -------------------------------------------------------------


@dataclass
class _Name:
    """One reading of a name: family/given in one script with their readings."""

    family: str = ""
    given: str = ""
    family_readings: tuple[str, ...] = ()
    given_readings: tuple[str, ...] = ()
    kanji: bool = False
    extra_surnames: tuple[str, ...] = ()  # latin tokens that might be the surname too
    western: bool = False


def _readings_from_field(text: str | None) -> tuple[str, ...]:
    """Address-book phonetic field (カタカナ, ｶﾀｶﾅ, ひらがな or romaji) as hiragana."""
    text = clean(text or "")
    text = "".join(ch for ch in text if not ch.isspace())[: MAX_PART * 2]
    if not text:
        return ()
    if all(is_kana(c) for c in text):
        return (to_hiragana(text),)
    kana = romaji_to_kana(fold_latin(text))
    return (kana,) if kana else ()


def _token_chars(token: str) -> str:
    return "".join(c for c in token if is_kanji(c) or is_kana(c) or c.isalpha() or c in "'-")


def _cjk_name(tokens: list[str]) -> _Name | None:
    if not tokens:
        return None
    if len(tokens) >= 2:
        pair = (tokens[-2], tokens[-1])
        for first, second in itertools.pairwise(tokens):
            if _is_cjk_surname(first):  # "総務課 佐藤 美咲": skip the department
                pair = (first, second)
                break
        family, given = pair
    elif all(is_kana(c) for c in tokens[0]):
        family, given = lexicon.split_kana_name(to_hiragana(tokens[0]))
    else:
        family, given = lexicon.split_kanji_name(tokens[0])
    return _Name(family=family, given=given, kanji=True)


def _is_cjk_surname(token: str) -> bool:
    if all(is_kana(c) for c in token):
        return lexicon.kana_surname_cost(to_hiragana(token)) < lexicon.UNKNOWN_COST
    return lexicon.is_kanji_surname(token)


def _surname_score(key: str) -> int:
    """Positive when the romaji token is more likely a surname than a given name."""
    return lexicon.given_cost(key) - lexicon.surname_cost(key)


def _local_tokens(address: str | None) -> list[str]:
    local = (address or "").partition("@")[0].lower()[:64]  # RFC 5321 limit
    return [t for t in re.split(r"[^a-z]+", local) if t]


def _address_says_family(keys: tuple[str, str], tokens: list[str]) -> int | None:
    """Which of two romaji tokens the local part treats as the surname (k.sato, satok)."""
    joined = "".join(tokens)
    for i, key in enumerate(keys):
        other = keys[1 - i]
        if not key or not other:
            continue
        initial = other[0]
        if any(joined in (initial + spelled, spelled + initial) for spelled in _spellings(key)):
            return i
    return None


def _spellings(key: str) -> set[str]:
    return {key, key.replace("o", "oh"), key.replace("o", "ou")}


# The address was not looked at yet: ask it which romaji word is the family name.
_ASK_ADDRESS = object()


def _latin_name(raw_tokens: list[str], *, comma: bool, address: str | None,
                order=_ASK_ADDRESS) -> _Name | None:
    """A name from Latin words; ``order`` is what the address says (see _words_to_order)."""
    found = _latin_words(tuple(raw_tokens), comma)
    if not isinstance(found, tuple):
        return found  # decided by the words alone
    pair, family_index = found
    if family_index is None:
        family_index = (_address_says_family(pair, _local_tokens(address))
                        if order is _ASK_ADDRESS else order)
    extra: tuple[str, ...] = ()
    if family_index is None:
        first_score, last_score = _surname_score(pair[0]), _surname_score(pair[1])
        family_index = 0 if first_score > last_score else 1
        if abs(first_score - last_score) < AMBIGUOUS_MARGIN:
            extra = (pair[1 - family_index],)
    return _Name(family=pair[family_index], given=pair[1 - family_index], extra_surnames=extra)


def _latin_words(raw_tokens: tuple[str, ...], comma: bool):
    """What Latin words say by themselves: a name (or None), or two romaji keys and the
    index of the family name when the writing shows it (None: the address may tell)."""
    tokens = [fold_latin(t).strip("'-.") for t in raw_tokens]
    pairs = [(t, raw) for t, raw in zip(tokens, raw_tokens, strict=True) if len(t) > 1]
    if not pairs:
        return None
    keys = [romaji_key(t) for t, _ in pairs]
    if not all(keys) or not all(t.isascii() for t, _ in pairs):
        return _western_name(pairs, comma=comma)
    if len(pairs) == 1:
        key = keys[0]
        if lexicon.surname_cost(key) == lexicon.UNKNOWN_COST == lexicon.given_cost(key):
            return _Name(family=key)  # a rare name alone is most often a surname
        if _surname_score(key) < 0:
            return _Name(given=key)
        return _Name(family=key)
    first_raw, last_raw = pairs[0][1], pairs[-1][1]
    pair = (keys[0], keys[-1])
    if comma:
        return pair, 0  # "Sato, Kenji"
    if first_raw.isupper() != last_raw.isupper() and len(first_raw) > 1:
        return pair, 0 if first_raw.isupper() else 1  # "SATO Kenji"
    return pair, None


def _western_name(pairs: list[tuple[str, str]], *, comma: bool) -> _Name:
    tokens = [t for t, _ in pairs]
    if len(tokens) == 1:
        return _Name(given=tokens[0], western=True)  # "John": cannot tell which name
    family_index = len(tokens) - 1
    if comma:
        family_index = 0
    else:
        caps = [i for i, (_, raw) in enumerate(pairs) if raw.isupper() and len(raw) > 1]
        if len(caps) == 1 and len(caps) < len(pairs):
            family_index = caps[0]
    given_index = 0 if family_index != 0 else 1
    return _Name(family=tokens[family_index], given=tokens[given_index], western=True)


def _latin_known_order(family: str, given: str) -> _Name:
    """Latin family and given names from separate address-book fields."""
    family, given = fold_latin(family), fold_latin(given)
    family_key = romaji_key(family) if family else ""
    given_key = romaji_key(given) if given else ""
    if family_key is None or given_key is None:
        return _Name(family=family, given=given, western=True)
    return _Name(family=family_key, given=given_key)


def _from_address(address: str | None) -> _Name | None:
    """A surname guessed from the local part alone (k.sato@, sato.k@, ksato@)."""
    tokens = _local_tokens(address)
    if not tokens or len(tokens) > 3:
        return None
    candidates: list[str] = []
    if len(tokens) == 1:
        word = tokens[0]
        candidates = [word, word[1:], word[:-1]] if len(word) > 3 else [word]
    else:
        candidates = [t for t in tokens if len(t) > 1]
    best: tuple[int, str] | None = None
    for candidate in candidates:
        key = romaji_key(candidate)
        if not key or len(key) < 3:
            continue
        cost = lexicon.surname_cost(key)
        if cost < COMMON_SURNAME_COST and _surname_score(key) > 0:
            if best is None or cost < best[0]:
                best = (cost, key)
    return _Name(family=best[1]) if best else None


def _profile_of(names: list[_Name]) -> NameProfile:
    surnames: set[str] = set()
    fulls: set[str] = set()
    for name in names:
        if name.western:
            _western_keys(name, surnames, fulls)
            continue
        if name.kanji:
            _cjk_keys(name, surnames, fulls)
            continue
        for family in (name.family, *name.extra_surnames):
            if family:
                surnames.add("l:" + family)
        if name.family and name.given:
            fulls.add("l:" + "|".join(sorted((name.family, name.given))))
    return NameProfile(_shared(list(surnames)), frozenset(fulls))


def _cjk_keys(name: _Name, surnames: set[str], fulls: set[str]) -> None:
    family, given = name.family, name.given
    family_readings = name.family_readings
    if family and not given and not family_readings and all(is_kana(c) for c in family):
        if lexicon.kana_surname_cost(to_hiragana(family)) >= lexicon.UNKNOWN_COST:
            return  # one kana word that is no known surname (サポート): not a name
    if family and not family_readings:
        if all(is_kana(c) for c in family):
            family_readings = (to_hiragana(family),)
        else:
            family_readings = lexicon.surname_readings(family)[:MAX_READINGS]
    given_readings = name.given_readings
    if given and not given_readings:
        if all(is_kana(c) for c in given):
            given_readings = (to_hiragana(given),)
        else:
            given_readings = lexicon.word_readings(given)[:MAX_READINGS]
    if family and any(is_kanji(c) for c in family):
        surnames.add("k:" + family)
        if given:
            fulls.add("k:" + family + given)
    for reading in family_readings:
        surnames.add("r:" + reading)
        surnames.add("l:" + kana_key(reading))
    for fr in family_readings:
        for gr in given_readings:
            fulls.add(f"r:{fr}|{gr}")
            fulls.add("l:" + "|".join(sorted((kana_key(fr), kana_key(gr)))))


_WESTERN_SPELLING = (
    # Letters that NFKD leaves alone: Jørgensen/Jorgensen, Weiß/Weiss, Łukasz/Lukasz
    ("ø", "o"),
    ("æ", "ae"),
    ("œ", "oe"),
    ("ß", "ss"),
    ("ł", "l"),
    ("sch", "sh"),  # German sch, English sh: Fischer/Fisher
    ("ph", "f"),
    ("mps", "ms"),
    ("dt", "t"),
    ("ck", "k"),
    ("ey", "ai"),
    ("ei", "ai"),
    ("ay", "ai"),
    ("ue", "u"),  # umlauts written out: Mueller/Müller, Schroeder/Schröder, Jaeger/Jäger
    ("oe", "o"),
    ("ae", "a"),
    ("ie", "i"),  # Nielsen/Nilsen, Friedman/Fridman
)
_MAC = re.compile(r"^mac(?=[^aeiou])")  # MacDonald/McDonald
_FIRST_VOWELS = re.compile(r"[aeiou]+")


def _western_spelling(word: str) -> str:
    """The word with common spelling variants folded: Meyer/Meier, Schmidt/Schmitt, Smith/Smyth."""
    word = _MAC.sub("mc", word)
    for old, new in _WESTERN_SPELLING:
        word = word.replace(old, new)
    # y after the first letter is a vowel written as i (Smyth, Pryce, Wynn, Kowalsky)
    return re.sub(r"(.)\1", r"\1", word[:1] + word[1:].replace("y", "i"))


def _western_code(word: str) -> str:
    """Metaphone after folding common spelling variants (Meyer/Meier, Schmidt/Schmitt)."""
    word = _western_spelling(word)
    try:
        return jellyfish.metaphone(word) or word
    except Exception:  # odd letters give no code, never an error
        return word


@lru_cache(maxsize=65536)
def _first_vowel(word: str) -> str:
    """The vowels of the first syllable, spelling variants folded: Bell -> e, Ahmed -> a."""
    found = _FIRST_VOWELS.search(_western_spelling(word))
    return found.group() if found else ""


def _western_keys(name: _Name, surnames: set[str], fulls: set[str]) -> None:
    code = _western_code

    if name.family:
        surnames.add(f"w:{code(name.family)}:{name.family}")
        if name.given:
            words = sorted((name.family, name.given))
            fulls.add(f"w:{code(words[0])}+{code(words[1])}:{' '.join(words)}")


def person_profile(
    display_name: str = "",
    *,
    family: str | None = None,
    given: str | None = None,
    family_reading: str | None = None,
    given_reading: str | None = None,
    address: str | None = None,
) -> NameProfile:
    """The profile of a person's name from whatever parts are known.

    Address-book fields (``family``, ``given`` and their phonetic readings) win over
    the display name; the address's local part only helps order romaji tokens or,
    when there is no name at all, suggests a common surname.
    """
    order = _ASK_ADDRESS
    if (
        address is not None and display_name
        and family is None and given is None and family_reading is None and given_reading is None
        and isinstance(display_name, str) and len(display_name) <= _SHARED_NAME_MAX
    ):
        # A display name uses the address only to order two romaji words: 佐藤 健二 at a
        # new address reads as at any other, and "Kenji Sato" as at any address that says
        # the same about it. One remembered profile each, not one per address.
        pair = _words_to_order(display_name)
        if pair is not None:
            order = _address_says_family(pair, _local_tokens(address))
        address = None
    args = (display_name, family, given, family_reading, given_reading, address, order)
    try:
        hash(args)
    except TypeError:  # unhashable junk passed in: answered, not remembered
        return _build(*args)
    return _remembered_build(*args)


def _build(display_name, family, given, family_reading, given_reading, address,
           order=_ASK_ADDRESS) -> NameProfile:
    names: list[_Name] = []
    family_text = _token_chars(clean(str(family or ""))).replace(" ", "")[:MAX_PART]
    given_text = _token_chars(clean(str(given or ""))).replace(" ", "")[:MAX_PART]
    readings_f = _readings_from_field(family_reading)
    readings_g = _readings_from_field(given_reading)
    if family_text or given_text:
        if any(is_kanji(c) or is_kana(c) for c in family_text + given_text):
            names.append(_Name(family_text, given_text, readings_f, readings_g, kanji=True))
        else:
            names.append(_latin_known_order(family_text, given_text))
        if readings_f and not any(n.kanji for n in names):
            # a romaji-only contact with a kana reading: the reading is the better key
            names.append(
                _Name(
                    family=readings_f[0],
                    given=readings_g[0] if readings_g else "",
                    family_readings=readings_f,
                    given_readings=readings_g,
                    kanji=True,
                )
            )
    if not names:
        names.extend(_parse_display(str(display_name or ""), address, order))
    if not names and not display_name:
        guess = _from_address(address)
        if guess:
            names.append(guess)
    return _profile_of(names) if names else EMPTY


# The same names come back on every check; a profile is a pure function of its parts.
_remembered_build = lru_cache(maxsize=8192)(_build)


def _display_tokens(display_name: str) -> tuple[list[str], list[str], bool] | None:
    """(kanji/kana words, other words, written with a comma); None for no name at all."""
    text = clean(display_name)
    if not text or "@" in text:
        return None  # the address typed as its own name says nothing about a person
    comma = "," in text or "、" in text
    text = strip_decorations(text)
    cjk: list[str] = []
    latin: list[str] = []
    for raw in text.split()[:8]:
        token = _token_chars(raw)
        if not token or len(token) > MAX_PART:
            continue
        if any(is_kanji(c) or is_kana(c) for c in token):
            part = "".join(c for c in token if is_kanji(c) or is_kana(c))
            if part:
                cjk.append(part)
        else:
            latin.append(token)
    return cjk, latin, comma


_SHARED_NAME_MAX = 200  # characters; a longer "name" is pasted junk, not remembered


@lru_cache(maxsize=8192)  # asked on every new address: the same names come back
def _words_to_order(display_name: str) -> tuple[str, str] | None:
    """The two romaji words of a display name whose order only an address can tell, if any."""
    tokens = _display_tokens(display_name)
    if tokens is None or not tokens[1]:
        return None
    found = _latin_words(tuple(tokens[1][:4]), tokens[2])
    return found[0] if isinstance(found, tuple) and found[1] is None else None


def _parse_display(display_name: str, address: str | None, order=_ASK_ADDRESS) -> list[_Name]:
    tokens = _display_tokens(display_name)
    if tokens is None:
        return []
    cjk, latin, comma = tokens
    names = []
    parsed = _cjk_name(cjk[:4])
    if parsed:
        names.append(parsed)
    parsed = _latin_name(latin[:4], comma=comma, address=address, order=order) if latin else None
    if parsed:
        names.append(parsed)
    return names


# --- comparing ----------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _parts(keys: frozenset[str]) -> tuple[frozenset[str], bool, frozenset[str], tuple]:
    strong = frozenset(k for k in keys if k[:2] in ("k:", "r:"))
    has_kana = any(k.startswith("r:") for k in keys)
    loose = frozenset(k for k in keys if k.startswith("l:"))
    western = tuple(_split_western(k) for k in keys if k.startswith("w:"))
    return strong, has_kana, loose, western


def _split_western(key: str) -> tuple[str, str]:
    code, _, name = key[2:].partition(":")
    return code, name


def _keys_match(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    a_strong, a_kana, a_loose, a_west = _parts(a)
    b_strong, b_kana, b_loose, b_west = _parts(b)
    if a_strong & b_strong:
        return True
    if not (a_kana and b_kana) and a_loose & b_loose:
        return True  # romaji on one side: the kana cannot be compared, so romaji decides
    return any(ca == cb and _similar(na, nb) for ca, na in a_west for cb, nb in b_west)


def _similar(a: str, b: str) -> bool:
    # full names ("john smith") are compared word by word: Jane Smith is not John Smith.
    # Metaphone keeps no vowel but the first letter, so Bell, Ball and Bill share a code
    # and are close by Jaro-Winkler: the first syllable's vowel must agree as well.
    # Spelling variants differ later in the name (Andersen/Anderson, Miller/Millar,
    # Ahmed/Ahmad) or in letters folded above (Smith/Smyth, Meyer/Meier).
    return all(
        jellyfish.jaro_winkler_similarity(x, y) >= WESTERN_SIMILARITY
        and _first_vowel(x) == _first_vowel(y)
        for x, y in zip(a.split(" "), b.split(" "), strict=False)
    )


def same_surname(a: NameProfile, b: NameProfile) -> bool:
    """True when two names share a surname (any script, romanisation or variant)."""
    return _keys_match(a.surname_keys, b.surname_keys)


def same_person_name(a: NameProfile, b: NameProfile) -> bool:
    """True when two names could be the same person's name (order, script, spelling aside)."""
    return _keys_match(a.full_keys, b.full_keys)


# --- the index ----------------------------------------------------------------------


class _KeyIndex:
    """Refs by key, answering exactly what ``_keys_match`` would, by lookups only."""

    __slots__ = ("_loose_all", "_loose_no_kana", "_strong", "_western")

    def __init__(self) -> None:
        self._strong: dict[str, object] = {}
        self._loose_all: dict[str, object] = {}
        self._loose_no_kana: dict[str, object] = {}
        self._western: dict[str, dict[str, object]] = {}

    def add(self, ref, keys: frozenset[str]) -> None:
        # One pass with no helper calls: this runs for every person at start-up.
        if not keys:
            return
        strong, loose_all, loose_no_kana = self._strong, self._loose_all, self._loose_no_kana
        has_kana = False
        loose = None
        for key in keys:
            kind = key[0]
            if kind == "l":
                if loose is None:
                    loose = [key]
                else:
                    loose.append(key)
                continue
            if kind == "r":
                has_kana = True
            elif kind == "w":
                code, name = _split_western(key)
                _put(self._western.setdefault(code, {}), name, ref)
                continue
            current = strong.get(key)
            if current is None:
                strong[key] = ref
            elif current.__class__ is set:
                current.add(ref)
            elif current != ref:
                strong[key] = {current, ref}
        if loose:
            for key in loose:
                _put(loose_all, key, ref)
                if not has_kana:
                    _put(loose_no_kana, key, ref)

    def find(self, keys: frozenset[str]) -> set:
        found: set = set()
        if not keys:
            return found
        strong, has_kana, loose, western = _parts(keys)
        for key in strong:
            _collect(found, self._strong.get(key))
        loose_table = self._loose_no_kana if has_kana else self._loose_all
        for key in loose:
            _collect(found, loose_table.get(key))
        for code, name in western:
            for other, refs in self._western.get(code, {}).items():
                if _similar(name, other):
                    _collect(found, refs)
        return found


def _put(table: dict, key, ref) -> None:
    # One ref is stored bare; most full names belong to one person, and a set per
    # key would cost ~200 bytes each at 100,000 people.
    current = table.get(key)
    if current is None:
        table[key] = ref
    elif current.__class__ is set:
        current.add(ref)
    elif current != ref:
        table[key] = {current, ref}


def _collect(found: set, value) -> None:
    if value is None:
        return
    if isinstance(value, set):
        found |= value
    else:
        found.add(value)


class SurnameIndex:
    """Finds people by surname and by full name, in any script or spelling."""

    def __init__(self) -> None:
        self._surname = _KeyIndex()
        self._full = _KeyIndex()

    def add(self, ref, profile: NameProfile) -> None:
        """Index ``ref`` under the profile's keys."""
        self._surname.add(ref, profile.surname_keys)
        self._full.add(ref, profile.full_keys)

    def namesakes(self, profile: NameProfile) -> set:
        """Refs whose surname matches the profile's (``same_surname`` would say True)."""
        return self._surname.find(profile.surname_keys)

    def same_name(self, profile: NameProfile) -> set:
        """Refs whose full name matches the profile's (``same_person_name`` would say True)."""
        return self._full.find(profile.full_keys)
