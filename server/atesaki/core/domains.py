"""Domains: internal or external, registrable domain, and lookalikes of known domains.

A lookalike is a domain that imitates one the user really deals with: the
organisation's own domains, every domain in the directory, contacts and history,
and the big mail providers (``data/mail_providers.txt``). Five tricks are
recognised, each a cheap index lookup so a check stays far below a millisecond
with tens of thousands of known domains:

- ``confusable``: the Unicode TR39 skeleton equals a known domain's (``gmаil.com``
  with a Cyrillic а, ``rnicrosoft.com``, ``g00gle.com``);
- ``embedded``: a known domain sits inside another one (``agency.go.jp.evil.example``,
  ``gmail.com-secure.net``);
- ``punctuation``: only dots and hyphens differ (``agency-go.jp``, ``gmailcom.net``);
- ``other_suffix``: the same name under another public suffix (``outlook.co``,
  ``gmail.co.jp``);
- ``typo``: an edit distance of 1 (2 for names over 8 letters; a swap of two
  neighbouring letters counts as one) under the same suffix (``gmial.com``,
  ``agnecy.go.jp``), or a slip in the suffix itself (``docomo.ne.jq``).
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import idna

# 20 times faster than jellyfish here (0.35 µs a pair), and loops in C.
from rapidfuzz.distance.OSA import distance as _edit_distance
from rapidfuzz.process import extract as _extract

from atesaki.core.text import strip_accents


def _within_two(name: str, others: list[str]) -> list[str]:
    """The strings of ``others`` at most 2 edits (swaps count 1) from ``name``."""
    found = _extract(name, others, scorer=_edit_distance, score_cutoff=2, limit=None)
    return [other for other, _, _ in found]


def within(domain: str, parent: str) -> bool:
    """True when ``domain`` is ``parent`` or a subdomain of it (both lower-case, no final dot).

    The one subdomain rule: mail.example.co.jp is within example.co.jp; notexample.co.jp
    is not.
    """
    return domain == parent or domain.endswith("." + parent)


def is_internal(address_or_domain: str, internal_domains: Iterable[str]) -> bool:
    """True when the domain is one of ours or a subdomain of one (case-insensitive)."""
    domain = address_or_domain.rpartition("@")[2].lower().rstrip(".")
    for internal in internal_domains:
        internal = internal.lower().strip().rstrip(".")
        if internal and within(domain, internal):
            return True
    return False


# --- normalising ---------------------------------------------------------------------


def ascii_domain(domain: Any) -> str:
    """The domain as lower-case ASCII (IDNA, UTS #46 mapping); "" when it is not a domain.

    Accepts an address too (the part after the last ``@``). Never raises.
    """
    if not isinstance(domain, str):
        return ""
    text = domain.rpartition("@")[2].strip().rstrip(".")
    if not text or len(text) > 253:
        return ""
    if _PLAIN.match(text):
        # Already ASCII (the usual case, and xn-- labels as the browser sends them):
        # idna.encode costs ~70 µs a domain and would change nothing but the case.
        return text.lower()
    try:
        return idna.encode(text, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        # Not valid IDNA, but still worth comparing if it is plain ASCII.
        text = text.lower()
        return text if text.isascii() and text.isprintable() else ""


_PLAIN = re.compile(r"^[A-Za-z0-9._-]+$")


def unicode_domain(domain: str) -> str:
    """The domain as a person reads it (``xn--`` labels decoded); the input if that fails."""
    if "xn--" not in domain:
        return domain
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            # The plain punycode codec: idna.decode validates too and costs ten times more.
            try:
                label = label[4:].encode("ascii").decode("punycode").lower() or label
            except (UnicodeError, ValueError):
                pass
        labels.append(label)
    return ".".join(labels)


def _fold(text: str) -> str:
    """Non-ASCII letters replaced by the ASCII they imitate (а -> a, à -> a); ASCII kept as is."""
    if text.isascii():
        return text
    table = _confusables()
    out = []
    for char in strip_accents(text):
        if char.isascii():
            out.append(char)
            continue
        mapped = table.get(ord(char), char)
        out.append(mapped.lower() if mapped.isascii() else char)
    return "".join(out)


@functools.lru_cache(maxsize=1)
def _extractor():
    # Built once, on first use (about 30 ms). suffix_list_urls=() and cache_dir=None:
    # the suffix list bundled with tldextract is used and nothing is downloaded or written.
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def split_registrable(domain: str) -> tuple[str, str]:
    """``(name, suffix)`` of the registrable domain: ``("agency", "go.jp")``.

    An unknown top-level label counts as the suffix (``evil.example`` ->
    ``("evil", "example")``); a bare public suffix has no name (``("", "co.jp")``).
    """
    return _split(ascii_domain(domain))


def _split(domain: str) -> tuple[str, str]:
    """``split_registrable`` for a domain already in lower-case ASCII."""
    if not domain:
        return "", ""
    parts = _extractor()(domain)
    if parts.suffix:
        return parts.domain, parts.suffix
    # Unknown suffix (or an IP address): fall back to the last two labels.
    name, _, suffix = domain.rpartition(".")
    return name.rpartition(".")[2], suffix


@functools.lru_cache(maxsize=8192)
def registrable_domain(domain: str) -> str:
    """The part of a domain an organisation registers: ``mail.agency.go.jp`` -> ``agency.go.jp``.

    Uses the public suffix list bundled with tldextract (never downloads); "" for
    garbage. Input may be Unicode or ASCII; the answer is lower-case ASCII. Answers
    are remembered: every check asks it of each external recipient (tldextract takes
    ~20 µs a domain, a remembered answer well under 1 µs).
    """
    name, suffix = split_registrable(domain)
    if not name:
        return suffix
    return f"{name}.{suffix}" if suffix else name


@functools.lru_cache(maxsize=1)
def _confusables() -> dict[int, str]:
    table: dict[int, str] = {}
    text = resources.files("atesaki").joinpath("data/confusables.tsv").read_text("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        source, _, target = line.partition("\t")
        table[int(source, 16)] = "".join(chr(int(cp, 16)) for cp in target.split())
    return table


def skeleton(text: str) -> str:
    """The TR39 confusable skeleton, lower-cased and without accents: ``gmаil`` -> ``grnail``.

    Two strings that look alike get the same skeleton; ``m`` and ``rn``, ``0`` and
    ``o``, ``1`` and ``l``, ``w`` and ``vv``, ``d`` and ``cl`` included, and the other
    runs of ``data/letter_runs.tsv`` (``nn`` and ``m``, ``lc`` and ``k``).
    """
    # Runs are read as their letter before the TR39 table spreads letters into runs
    # (d -> cl): afterwards, kddi's "clcl" would hold an "lc" that no one typed.
    if text.isascii():  # the usual case; NFD changes nothing and no accents can appear
        return letters_shown(text.lower()).translate(_confusables()).lower()
    text = letters_shown(unicodedata.normalize("NFD", text.lower()))
    mapped = text.translate(_confusables()).lower()
    # Accents are dropped (after the table, which maps some letters to accented ones)
    # so that gmàil.com meets gmail.com.
    return strip_accents(mapped)


@functools.lru_cache(maxsize=1)
def _letter_runs() -> tuple[dict[str, str], re.Pattern[str]]:
    """``data/letter_runs.tsv`` as {run shown: letter it reads as}, and a pattern finding them."""
    runs: dict[str, str] = {}
    text = resources.files("atesaki").joinpath("data/letter_runs.tsv").read_text("utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            shown, letter, *_ = line.split("\t")
            runs[shown] = letter
    longest_first = sorted(runs, key=len, reverse=True)
    return runs, re.compile("|".join(re.escape(run) for run in longest_first))


def letters_shown(domain: str) -> str:
    """An ASCII domain as the letters it shows: ``rnicrosoft.co`` -> ``microsoft.co``.

    Each run of ``data/letter_runs.tsv`` (``rn``, ``nn``, ``rr``, ``vv``, ``cl``, ``lc``,
    ``0``, ``1``) becomes the letter it reads as; other text is left as it is.
    """
    runs, pattern = _letter_runs()
    return pattern.sub(lambda m: runs[m.group()], domain)


def warm_up() -> None:
    """Load the suffix list and the confusables table now (about 0.25 s, once a process).

    Everything here is loaded lazily on first use; a service may call this from a
    background thread at start-up so that the first check does not wait for it.
    """
    registrable_domain("warm.example.co.jp")
    skeleton("warm")
    letters_shown("warm")
    mail_providers()


# --- what is known -------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def mail_providers() -> tuple[str, ...]:
    """The built-in list of major mail providers, always treated as known domains."""
    text = resources.files("atesaki").joinpath("data/mail_providers.txt").read_text("utf-8")
    lines = (line.partition("#")[0].strip().lower() for line in text.splitlines())
    return tuple(line for line in lines if line)


def parse_allow(
    entries: Any, strict: bool = False
) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """The ``lookalike_allow`` setting as ``(domains, pairs)``.

    Each entry is a domain (never reported) or ``[domain, real]`` (that domain is
    never reported as imitating that real one). With ``strict`` a bad entry raises
    ``ValueError`` naming it; otherwise it is skipped, so a bad config entry
    cannot stop a check.
    """
    domains: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    if entries is None or isinstance(entries, str | bytes) or not isinstance(entries, Iterable):
        if strict and entries is not None:
            raise ValueError("lookalike_allow must be a list of domains or [domain, real] pairs")
        return frozenset(), frozenset()
    for index, entry in enumerate(entries):
        if isinstance(entry, str) and (domain := ascii_domain(entry)):
            domains.add(domain)
        elif (
            isinstance(entry, list | tuple)
            and len(entry) == 2
            and all(isinstance(e, str) and ascii_domain(e) for e in entry)
        ):
            pairs.add((ascii_domain(entry[0]), ascii_domain(entry[1])))
        elif strict:
            raise ValueError(
                f"lookalike_allow[{index}]: {entry!r} is neither a domain "
                'nor a [domain, real_domain] pair such as ["mail.com", "gmail.com"]'
            )
    return frozenset(domains), frozenset(pairs)


def _under(domain: str, parents: Iterable[str] | set[str]) -> bool:
    """True when ``domain`` is one of ``parents`` or a subdomain of one."""
    labels = domain.split(".")
    return any(".".join(labels[i:]) in parents for i in range(len(labels)))


# --- the detector --------------------------------------------------------------------

REASONS = ("confusable", "embedded", "punctuation", "other_suffix", "typo")
_RANK = {reason: rank for rank, reason in enumerate(REASONS)}

# Names too short to tell a typo from another organisation (au.com, me.com, qq.com).
MIN_TYPO_NAME = 4
# Names shared by unrelated registrants (city.kobe.jp, pref.aichi.jp, web.de): the same
# name under another suffix says nothing.
GENERIC_NAMES = frozenset(
    "city town vill pref metro mail email info home web www net post office group shop "
    "support contact service".split()
)
# Japanese suffixes that only a vetted kind of organisation can register, one domain each
# (JPRS: universities, ministries, local governments, schools). The same name under one of
# them is a different real institution (meiji.ac.jp next to meiji.co.jp), not a copy.
RESTRICTED_SUFFIXES = frozenset({"ac.jp", "go.jp", "lg.jp", "ed.jp"})
_MAX_TOKENS = 40  # a pathological domain is cut here, keeping the check bounded
_RUN = 8  # longest known domain looked for inside another, in labels and hyphen parts
_SEPARATORS = re.compile(r"([.\-])")


def _typo_limit(name: str) -> int:
    if len(name) < MIN_TYPO_NAME:
        return 0
    return 1 if len(name) <= 8 else 2


def _strip(text: str) -> str:
    return text.replace(".", "").replace("-", "")


def _deletions(name: str) -> set[str]:
    """The name and each of its single-letter deletions."""
    return {name} | {name[:i] + name[i + 1 :] for i in range(len(name))}


def _put(index: dict, key: Any, value: str) -> None:
    """Add ``value`` under ``key`` (a str alone, a list once shared)."""
    old = index.get(key)
    if old is None:
        index[key] = value
    elif isinstance(old, str):
        if old != value:
            index[key] = [old, value]
    elif value not in old:
        old.append(value)


def _get(index: dict, key: Any) -> tuple[str, ...] | list[str]:
    """Every value under ``key``."""
    found = index.get(key)
    if found is None:
        return ()
    return (found,) if isinstance(found, str) else found


# Names of 4-8 letters allow 1 edit and are indexed by their single deletions. Longer
# names allow 2 edits and are indexed by 5 segments instead: an edit spoils at most one
# segment and a swap at most two, so a typed name within 2 edits still holds 2 segments
# unchanged (unless two swaps each straddle a boundary), a little shifted: candidates
# need 2 segment hits, then the edit distance decides.
_SEGMENTS = 5
_MIN_HITS = 2
# How far a segment can move, by typed length minus known length: only insertions and
# deletions move letters, and at most 2 of them fit (1 each way when the lengths match).
_SHIFTS = {-2: (-2, 0), -1: (-1, 0), 0: (-1, 1), 1: (0, 1), 2: (0, 2)}


@functools.lru_cache(maxsize=64)
def _segments(length: int) -> tuple[tuple[int, int], ...]:
    base, extra = divmod(length, _SEGMENTS)
    spans, start = [], 0
    for i in range(_SEGMENTS):
        size = base + (1 if i >= _SEGMENTS - extra else 0)
        spans.append((start, size))
        start += size
    return tuple(spans)


@dataclass(frozen=True)
class Lookalike:
    """A known domain that the checked domain imitates, and how."""

    real: str  # the known registrable domain, lower-case ASCII
    reason: str  # one of REASONS

    def to_dict(self) -> dict[str, str]:
        """As a finding's ``related`` entry."""
        return {"domain": self.real, "reason": self.reason}


class LookalikeDetector:
    """Finds which known domains a domain imitates; built once per set of known domains."""

    def __init__(
        self,
        known_domains: Iterable[str] = (),
        allow: Any = (),
        providers: bool = True,
    ) -> None:
        self._lock = threading.Lock()
        self.allowed, self.allowed_pairs = parse_allow(allow)
        self.known: set[str] = set()  # every known domain as given (ASCII)
        self.registrable: set[str] = set()  # their registrable domains
        # Index values are one registrable domain (str), or a list when several share a
        # key: most keys are unique, and a list each would double build time and memory.
        self._skeletons: dict[str, str | list[str]] = {}
        self._stripped: dict[str, str | list[str]] = {}
        self._dotted: dict[str, str | list[str]] = {}  # hyphens as dots: kyoto.u.ac.jp
        self._names: dict[str, str | list[str]] = {}
        self._deletes: dict[str, str | list[str]] = {}  # names of 4-8 letters
        self._parts: dict[tuple[str, int, int, str], str | list[str]] = {}  # longer names
        self._suffixes: dict[str, str | list[str]] = {}  # known suffixes by single deletions
        self.add(mail_providers() if providers else ())
        self.add(known_domains)

    def __len__(self) -> int:
        return len(self.known)

    # --- building ---------------------------------------------------------------------

    def add(self, domains: Iterable[str]) -> None:
        """Make more domains known (e.g. after the user sent to a new one)."""
        with self._lock:
            for domain in domains:
                ascii_form = ascii_domain(domain)
                if ascii_form and ascii_form not in self.known:
                    self.known.add(ascii_form)
                    self._index(ascii_form)

    def _index(self, domain: str) -> None:
        name, suffix = _split(domain)
        if not name or not suffix:
            return
        registrable = f"{name}.{suffix}"
        if registrable in self.registrable:
            return
        self.registrable.add(registrable)
        for key in _deletions(suffix):
            _put(self._suffixes, key, suffix)
        _put(self._skeletons, skeleton(unicode_domain(registrable)), registrable)
        _put(self._dotted, registrable.replace("-", "."), registrable)
        if len(name) >= 3:
            _put(self._stripped, _strip(registrable), registrable)
        if len(name) >= MIN_TYPO_NAME and name not in GENERIC_NAMES:
            _put(self._names, name, registrable)
        limit = _typo_limit(name)
        if limit == 1:
            for key in _deletions(name):
                _put(self._deletes, f"{key}.{suffix}", registrable)
        elif limit == 2:
            for i, (start, size) in enumerate(_segments(len(name))):
                _put(self._parts, (suffix, len(name), i, name[start : start + size]), registrable)

    # --- checking ---------------------------------------------------------------------

    def is_known(self, domain: str) -> bool:
        """True for a known domain, a subdomain of one, or another host of a known organisation."""
        return self._is_known(ascii_domain(domain))

    def _is_known(self, domain: str) -> bool:
        if not domain:
            return False
        if _under(domain, self.known):
            return True
        name, suffix = _split(domain)
        return f"{name}.{suffix}" in self.registrable

    def check(self, domain: Any) -> list[Lookalike]:
        """The known domains that ``domain`` imitates, most telling reason first; [] if none.

        Known domains, their subdomains and allow-listed domains give []. Never raises.
        """
        ascii_form = ascii_domain(domain)
        if not ascii_form or self._is_known(ascii_form) or _under(ascii_form, self.allowed):
            return []
        name, suffix = _split(ascii_form)
        own = f"{name}.{suffix}" if name and suffix else ascii_form
        found: dict[str, tuple[int, int]] = {}  # real -> (rank of reason, rank of the trick)

        def hit(real: str, reason: str, trick: str = "") -> None:
            if real == own or (own, real) in self.allowed_pairs:
                return
            if any((allowed, real) in self.allowed_pairs for allowed in _parents(ascii_form)):
                return
            rank = (_RANK[reason], _RANK[trick or reason])
            if real not in found or rank < found[real]:
                found[real] = rank

        self._confusable(ascii_form, hit)
        homoglyph_only = bool(found)
        self._tricks(ascii_form, name, suffix, hit)
        shown = letters_shown(ascii_form)
        if shown != ascii_form and not homoglyph_only:
            # Runs such as rn (m) or cl (d) plus another trick (rnircosoft.com,
            # rnicrosoft.co, arnazon.co.jq): every trick again on the letters it shows.
            # Not when the runs alone already imitate a known domain (hotmai1.co.jp is
            # hotmail.co.jp; hotmail.de under another ending would only be noise).
            shown_name, shown_suffix = _split(shown)

            # The trick orders them after the plain homoglyphs.
            def shown_hit(real: str, trick: str) -> None:
                if real not in found:  # what the domain as typed imitates keeps its reason
                    hit(real, "confusable", trick)

            self._tricks(shown, shown_name, shown_suffix, shown_hit)

        # Among equals, the real ending nearest the typed one first, and of those one that
        # only lost its end (the commonest slip): hotmail.co names hotmail.com before
        # hotmail.ca.
        def nearest(item: tuple[str, tuple[int, int]]) -> tuple:
            real_suffix = item[0].partition(".")[2]
            cut_short = real_suffix.startswith(suffix)
            return (item[1], _edit_distance(real_suffix, suffix), not cut_short, item[0])

        ranked = sorted(found.items(), key=nearest)
        return [Lookalike(real, REASONS[rank[0]]) for real, rank in ranked]

    def _tricks(self, domain: str, name: str, suffix: str, hit) -> None:
        """Every check but the skeleton's, on ``domain`` split as ``name``, ``suffix``."""
        self._embedded(domain, hit)
        if name and suffix:
            self._punctuation(f"{name}.{suffix}", name, hit)
            if suffix not in RESTRICTED_SUFFIXES:
                self._other_suffix(name, hit)
            if name.startswith("xn--"):
                # A homoglyph plus a typo (gmаill.com): compare the letters it imitates.
                folded = _fold(unicode_domain(name))
                if folded.isascii():
                    self._typo(folded, suffix, lambda real, _: hit(real, "confusable"))
            else:
                self._typo(name, suffix, hit)
        self._suffix_typo(domain, _public_labels(suffix), hit)

    def _confusable(self, domain: str, hit) -> None:
        labels = skeleton(unicode_domain(domain)).split(".")
        for i in range(len(labels) - 1):
            for real in _get(self._skeletons, ".".join(labels[i:])):
                hit(real, "confusable")

    def _embedded(self, domain: str, hit) -> None:
        pieces = _SEPARATORS.split(domain)[: 2 * _MAX_TOKENS - 1]
        tokens = pieces[0::2]
        for start in range(len(tokens)):
            for end in range(start + 2, min(start + _RUN, len(tokens)) + 1):
                reals = _get(self._dotted, ".".join(tokens[start:end]))
                if not reals:
                    continue
                # Short names (me.com, au.com) only count as whole labels: tokyo-me.com is
                # somebody's own name, me.com.evil.example is not.
                label_aligned = (start == 0 or pieces[2 * start - 1] == ".") and (
                    end == len(tokens) or pieces[2 * end - 1] == "."
                )
                typed = "".join(pieces[2 * start : 2 * end - 1])
                for real in reals:
                    if label_aligned or len(real.partition(".")[0]) >= MIN_TYPO_NAME:
                        hit(real, "embedded" if typed == real else "punctuation")

    def _punctuation(self, own: str, name: str, hit) -> None:
        for key in {_strip(own), _strip(name)}:
            for real in _get(self._stripped, key):
                hit(real, "punctuation")

    def _other_suffix(self, name: str, hit) -> None:
        if len(name) < MIN_TYPO_NAME or name in GENERIC_NAMES:
            return
        for real in _get(self._names, name):
            hit(real, "other_suffix")

    def _suffix_typo(self, domain: str, public: int, hit) -> None:
        # A typo in the ending often makes an unknown suffix (docomo.ne.jq), which the
        # suffix list cannot split, so try each split of the last labels. ``public`` is
        # how many end labels are a public suffix the list knows: those are never a name
        # (24h.com.vn is not "com" under "vn").
        labels = domain.split(".")
        for size in range(max(1, public), min(3, len(labels) - 1) + 1):
            name, suffix = labels[-size - 1], ".".join(labels[-size:])
            for real in _get(self._names, name):
                real_suffix = real[len(name) + 1 :]
                if _edit_distance(suffix, real_suffix) == 1:
                    hit(real, "typo")
            if size > public:
                # An ending that is no public suffix is a slip for sure (no real domain
                # ends so), which pays for a slip in the name as well: gnail.con,
                # agnecy.go.jq. A real ending (line.me next to live.be) is left alone:
                # two-letter country codes are all one letter apart.
                for real_suffix in self._near_suffixes(suffix):
                    self._typo(name, real_suffix, hit)

    def _near_suffixes(self, suffix: str) -> set[str]:
        """Suffixes of known domains one edit (a swap counts one) from ``suffix``, not itself."""
        near: set[str] = set()
        for key in _deletions(suffix):
            near.update(_get(self._suffixes, key))
        near.discard(suffix)
        return {real for real in near if _edit_distance(suffix, real) == 1}

    def _typo(self, name: str, suffix: str, hit) -> None:
        candidates: set[str] = set()
        for key in _deletions(name):
            candidates.update(_get(self._deletes, f"{key}.{suffix}"))
        length = len(name)
        if length >= 7:  # within 2 letters of a name over 8 letters
            candidates |= self._segment_candidates(name, suffix)
        if not candidates:
            return
        cut = len(suffix) + 1
        for real_name in _within_two(name, [real[:-cut] for real in candidates]):
            # Names of 4-8 letters allow one edit only.
            if real_name != name and (
                _typo_limit(real_name) == 2 or _edit_distance(name, real_name) <= 1
            ):
                hit(f"{real_name}.{suffix}", "typo")

    def _segment_candidates(self, name: str, suffix: str) -> set[str]:
        """Long known names holding at least _MIN_HITS of their segments near the same place."""
        # One set per segment and set intersections: the loops stay in C, which matters
        # when many names share an ending such as -sangyo or -shoji.
        length, parts = len(name), self._parts
        found_by_segment: list[set[str]] = [set() for _ in range(_SEGMENTS)]
        for known_length in range(max(9, length - 2), length + 3):
            low, high = _SHIFTS[length - known_length]
            for i, (start, size) in enumerate(_segments(known_length)):
                found = found_by_segment[i]
                for at in range(max(0, start + low), min(length - size, start + high) + 1):
                    value = parts.get((suffix, known_length, i, name[at : at + size]))
                    if value is None:
                        continue
                    if isinstance(value, str):
                        found.add(value)
                    else:
                        found.update(value)
        return set().union(
            *(
                set.intersection(*group)
                for group in itertools.combinations(found_by_segment, _MIN_HITS)
            )
        )


@functools.lru_cache(maxsize=1024)
def _public_labels(suffix: str) -> int:
    """How many labels of ``suffix`` (as ``_split`` gives it) are a known public suffix: 0 or all."""
    if not suffix:
        return 0
    return suffix.count(".") + 1 if _extractor()(f"x.{suffix}").suffix == suffix else 0


def _parents(domain: str) -> list[str]:
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]
