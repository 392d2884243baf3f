"""Tests for atesaki.domains: registrable domains, skeletons and the lookalike detector."""

from __future__ import annotations

import importlib.util
import socket
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atesaki.core import domains
from atesaki.core.domains import (
    Lookalike,
    LookalikeDetector,
    ascii_domain,
    is_internal,
    parse_allow,
    registrable_domain,
    skeleton,
)
from tests.conftest import ROOT

KNOWN = ["agency.go.jp", "mail.agency.go.jp", "sato-kogyo.co.jp", "saito-kogyo.co.jp",
         "city.yokohama.lg.jp", "kyoto-u.ac.jp", "mitsubishi-shoji.co.jp"]


def load_eval():
    """bench/eval_domains.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("eval_domains", ROOT / "bench" / "eval_domains.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("eval_domains", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def detector() -> LookalikeDetector:
    """Known: an agency's own domain, a few contacts and the built-in mail providers."""
    return LookalikeDetector(KNOWN)


# --- registrable domain ------------------------------------------------------------

REGISTRABLE = [
    ("a ministry under go.jp", "mail.agency.go.jp", "agency.go.jp"),
    ("a company under co.jp", "smtp.tokyo.sato-kogyo.co.jp", "sato-kogyo.co.jp"),
    ("a city under lg.jp", "city.yokohama.lg.jp", "yokohama.lg.jp"),
    ("a city under the old geographic kobe.jp", "www.city.kobe.jp", "city.kobe.jp"),
    ("a plain .com", "a.b.gmail.com", "gmail.com"),
    ("upper case and a trailing dot", "Mail.Agency.GO.JP.", "agency.go.jp"),
    ("an address, not just a domain", "m-sato@mail.agency.go.jp", "agency.go.jp"),
    ("a Japanese IDN, typed", "メール.日本語.jp", "xn--wgv71a119e.jp"),
    ("a Japanese IDN, as sent", "xn--wgv71a119e.jp", "xn--wgv71a119e.jp"),
    ("full-width letters are folded", "ｇｍａｉｌ．ｃｏｍ", "gmail.com"),
    ("an unknown top-level label counts as the suffix", "agency.go.jp.evil.example", "evil.example"),
    ("a bare public suffix has no registrable part", "co.jp", "co.jp"),
    ("nothing at all", "", ""),
    ("spaces only", "   ", ""),
]


@pytest.mark.parametrize(("domain", "expected"), [c[1:] for c in REGISTRABLE],
                         ids=[c[0] for c in REGISTRABLE])
def test_registrable_domain(domain, expected):
    assert registrable_domain(domain) == expected


def test_suffix_list_is_never_downloaded_nor_cached_on_disk(monkeypatch, tmp_path):
    def no_network(*args, **kwargs):
        raise AssertionError("tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path / "tld"))
    domains._extractor.cache_clear()
    try:
        assert registrable_domain("www.city.shibuya.tokyo.jp") == "city.shibuya.tokyo.jp"
    finally:
        domains._extractor.cache_clear()
    assert list(tmp_path.iterdir()) == []


def test_is_internal_keeps_its_behaviour():
    assert is_internal("m-sato@agency.go.jp", ["agency.go.jp"])
    assert is_internal("sub.agency.go.jp", ["Agency.go.jp."])
    assert not is_internal("agency.go.jp.evil.example", ["agency.go.jp"])
    assert not is_internal("notagency.go.jp", ["agency.go.jp"])


# --- skeleton ------------------------------------------------------------------------

SKELETONS = [
    ("rn looks like m", "rnail", "mail"),
    ("zero looks like o", "yah00", "yahoo"),
    ("one looks like l", "paypa1", "paypal"),
    ("vv looks like w", "vvikipedia", "wikipedia"),
    ("cl looks like d", "clocomo", "docomo"),
    ("nn looks like m", "gnnail", "gmail"),
    ("rr looks like m", "hotrrail", "hotmail"),
    ("lc looks like k", "lcyoto", "kyoto"),
    ("Cyrillic а looks like a", "gmаil", "gmail"),
    ("Greek ο looks like o", "οutlook", "outlook"),
    ("an accent is dropped", "gmàil", "gmail"),
]


@pytest.mark.parametrize(("one", "other"), [c[1:] for c in SKELETONS], ids=[c[0] for c in SKELETONS])
def test_lookalike_strings_share_a_skeleton(one, other):
    assert skeleton(one) == skeleton(other)


def test_different_letters_keep_different_skeletons():
    assert skeleton("gmail") != skeleton("gmall")
    assert skeleton("sato") != skeleton("saito")
    # d's skeleton is "cl": kddi becomes "kclcli", whose middle "lc" nobody typed as a k.
    assert skeleton("kckli") != skeleton("kddi")


def test_letters_shown_reads_each_run_as_its_letter():
    assert domains.letters_shown("rnicrosoft.co") == "microsoft.co"
    assert domains.letters_shown("gnnail.con") == "gmail.con"
    assert domains.letters_shown("ezvveb.ne.jp") == "ezweb.ne.jp"
    assert domains.letters_shown("sato-kogy0.com") == "sato-kogyo.com"
    assert domains.letters_shown("agency.go.jp") == "agency.go.jp"


# --- the detector: each kind of imitation ----------------------------------------------

ATTACKS = [
    ("swapped letters in gmail.com", "gmial.com", "gmail.com", "typo"),
    ("a letter dropped from the internal domain", "agecy.go.jp", "agency.go.jp", "typo"),
    ("two letters off a long company name", "sato-kougyou.co.jp", "sato-kogyo.co.jp", "typo"),
    ("a swap and a letter in a long name", "mitsubihsi-shouji.co.jp", "mitsubishi-shoji.co.jp",
     "typo"),
    ("a typo in the ending", "docomo.ne.jq", "docomo.ne.jp", "typo"),
    ("a typo under a subdomain", "login.gmial.com", "gmail.com", "typo"),
    ("rn for m", "hotrnail.com", "hotmail.com", "confusable"),
    ("zeros for o", "yah00.co.jp", "yahoo.co.jp", "confusable"),
    ("a Cyrillic а typed", "аgency.go.jp", "agency.go.jp", "confusable"),
    ("a Cyrillic а as the browser sends it", "xn--gmil-63d.com", "gmail.com", "confusable"),
    ("an accent added", "gmàil.com", "gmail.com", "confusable"),
    ("the agency's domain in front of another", "agency.go.jp.evil.example", "agency.go.jp",
     "embedded"),
    ("gmail.com glued to another domain", "gmail.com-secure.net", "gmail.com", "embedded"),
    ("a hyphenated known name inside another", "kyoto-u.ac.jp.login.info", "kyoto-u.ac.jp",
     "embedded"),
    ("a dot made a hyphen", "agency-go.jp", "agency.go.jp", "punctuation"),
    ("a dot removed", "agencygo.jp", "agency.go.jp", "punctuation"),
    ("gmail.com run together", "gmailcom.net", "gmail.com", "punctuation"),
    ("outlook under .co", "outlook.co", "outlook.com", "other_suffix"),
    ("gmail under co.jp", "gmail.co.jp", "gmail.com", "other_suffix"),
    ("a contact's name under .com", "sato-kogyo.com", "sato-kogyo.co.jp", "other_suffix"),
    ("a slip in the name and in the ending (mailcheck)", "gnail.con", "gmail.com", "typo"),
    ("a swap in the name and in the ending (mailcheck)", "yahooo.cmo", "yahoo.com", "typo"),
    ("a swap in the internal domain and a slip in its ending", "agnecy.go.jq", "agency.go.jp",
     "typo"),
    ("the ending's slip makes a second-level name", "agnecy.gp.jp", "agency.go.jp", "typo"),
    ("two slips in a long name and one in the ending", "mitsubihsi-shouji.co.jo",
     "mitsubishi-shoji.co.jp", "typo"),
    ("nn for m", "gnnail.com", "gmail.com", "confusable"),
    ("lc for k", "lcyoto-u.ac.jp", "kyoto-u.ac.jp", "confusable"),
    ("rn for m and a swap", "hotrnial.com", "hotmail.com", "confusable"),
    ("rn for m under another suffix", "rnitsubishi-shoji.com", "mitsubishi-shoji.co.jp",
     "confusable"),
    ("rn for m under .co", "hotrnail.co", "hotmail.com", "confusable"),
    ("nn for m and a slip in the ending", "gnnail.con", "gmail.com", "confusable"),
    ("rn for m and a slip in the ending", "hotrnail.con", "hotmail.com", "confusable"),
    ("zero for o is one letter: a typo with a slip in the ending", "yah0o.co.jq", "yahoo.co.jp",
     "typo"),
    ("rn for m and a hyphen for the dot", "rnitsubishi-shoji-co.jp", "mitsubishi-shoji.co.jp",
     "confusable"),
    ("rn for m inside another domain", "agency.go.jp.rnail.example", "agency.go.jp", "embedded"),
]


@pytest.mark.parametrize(("domain", "real", "reason"), [c[1:] for c in ATTACKS],
                         ids=[c[0] for c in ATTACKS])
def test_imitations_name_the_real_domain_and_how(detector, domain, real, reason):
    assert Lookalike(real, reason) in detector.check(domain)


NEVER = [
    ("the internal domain", "agency.go.jp"),
    ("a host of the internal domain", "mail.agency.go.jp"),
    ("a deeper subdomain of a known host", "a.b.mail.agency.go.jp"),
    ("another host of a known organisation", "www.sato-kogyo.co.jp"),
    ("a known company one letter from another known one", "saito-kogyo.co.jp"),
    ("a mail provider", "gmail.com"),
    ("a Japanese carrier", "ezweb.ne.jp"),
    ("a carrier's own subdomain", "i.softbank.jp"),
    ("a subdomain of a provider", "anything.gmail.com"),
    ("a new unrelated company", "tokyo-gas.co.jp"),
    ("a short provider name inside someone's own name", "tokyo-me.com"),
    ("two letters next to au.com", "ab.com"),
    ("a generic name under another city", "city.kobe.jp"),
    ("an IDN that imitates nothing", "日本語.jp"),
    ("a real ending one letter from a known one, and a name one letter off (LINE)", "line.me"),
    ("a real ending under a known suffix's second level", "24h.com.vn"),
    ("Yahoo's own ymail.com, one letter from gmail.com", "ymail.com"),
    ("Yahoo UK, same name as yahoo.com", "yahoo.co.uk"),
    ("a real word with rn when no m-name is known", "modern.co.jp"),
]


@pytest.mark.parametrize("domain", [c[1] for c in NEVER], ids=[c[0] for c in NEVER])
def test_known_and_unrelated_domains_never_fire(detector, domain):
    assert detector.check(domain) == []


def test_the_most_telling_reason_wins_for_one_real_domain(detector):
    # hotmai1 with a digit one is a homoglyph of hotmail and one edit away from it.
    assert detector.check("hotmai1.co.jp") == [Lookalike("hotmail.co.jp", "confusable")]


def test_typo_index_finds_what_a_full_scan_finds():
    # Random one- and two-letter slips from 500 made-up company names, checked against a
    # brute-force edit-distance scan (one swap at most: two swaps can slip through, see docs).
    import random

    from atesaki.core.domains import _edit_distance, _split, _typo_limit

    rng = random.Random(7)
    syllables = "ka ki ku sa shi su ta to na ni ha fu ma mi ya yo ra ri wa go zu do bu pe".split()
    endings = ("", "", "-kogyo", "-shoji", "-sangyo", "-denki")
    names = {"".join(rng.choices(syllables, k=rng.randint(2, 4))) + rng.choice(endings)
             for _ in range(500)}
    known = [f"{name}.co.jp" for name in names]
    detector = LookalikeDetector(known, providers=False)

    def slip(word: str, swap_allowed: bool) -> str:
        i = rng.randrange(len(word) - 1)
        kind = rng.randrange(4 if swap_allowed else 3)
        letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
        return [word[:i] + letter + word[i + 1 :], word[:i] + letter + word[i:],
                word[:i] + word[i + 1 :], word[:i] + word[i + 1] + word[i] + word[i + 2 :]][kind]

    checked = 0
    for _ in range(500):
        name = _split(rng.choice(known))[0]
        typed = slip(name, True)
        if rng.random() < 0.6:
            typed = slip(typed, False)
        domain = f"{typed.strip('-')}.co.jp"
        if detector.is_known(domain):
            continue
        expected = {f"{n}.co.jp" for n in names
                    if 0 < _edit_distance(typed.strip("-"), n) <= _typo_limit(n)}
        assert expected <= {found.real for found in detector.check(domain)}, domain
        checked += 1
    assert checked > 400


def test_a_domain_sent_to_becomes_known():
    detector = LookalikeDetector(["agency.go.jp"])
    assert detector.check("agnecy.go.jp")
    detector.add(["agnecy.go.jp"])
    assert detector.check("agnecy.go.jp") == []
    assert detector.is_known("mail.agnecy.go.jp")


def test_mail_providers_can_be_left_out():
    assert LookalikeDetector([], providers=False).check("gmial.com") == []


# --- the allow-list ----------------------------------------------------------------------


def test_mail_com_is_a_false_alarm_without_the_allow_list(detector):
    assert Lookalike("gmail.com", "typo") in detector.check("mail.com")
    assert Lookalike("ymail.com", "typo") in detector.check("mail.com")


def test_a_homoglyph_alone_names_only_what_it_imitates(detector):
    # Read as letters, hotrrail.com is hotmail.com; hotmail.de and the rest under other
    # endings would only push the real one out of the three the dialog shows.
    assert detector.check("hotrrail.com") == [Lookalike("hotmail.com", "confusable")]


def test_the_nearest_ending_comes_first_among_other_suffixes(detector):
    assert detector.check("hotmail.co")[0] == Lookalike("hotmail.com", "other_suffix")
    assert detector.check("outlook.co")[0] == Lookalike("outlook.com", "other_suffix")


def test_an_allowed_pair_silences_only_that_pair():
    known = ["gmail.com", "hmail.com"]
    detector = LookalikeDetector(known, allow=[["mail.com", "gmail.com"]], providers=False)
    assert detector.check("mail.com") == [Lookalike("hmail.com", "typo")]
    assert detector.check("sub.mail.com") == [Lookalike("hmail.com", "typo")]
    assert detector.check("gmial.com") == [Lookalike("gmail.com", "typo")]


def test_an_allowed_domain_and_its_subdomains_never_fire():
    detector = LookalikeDetector(["agency.go.jp"], allow=["agency-go.jp"])
    assert detector.check("agency-go.jp") == []
    assert detector.check("mail.agency-go.jp") == []
    assert detector.check("agencygo.jp") != []


ALLOW_ENTRIES = [
    ("a domain", ["Mail.COM"], {"mail.com"}, set()),
    ("a pair", [["mail.com", "gmail.com"]], set(), {("mail.com", "gmail.com")}),
    ("a pair as a tuple, with an IDN", [("メール.jp", "mail.jp")], set(),
     {("xn--4dkua4c.jp", "mail.jp")}),
    ("nothing", None, set(), set()),
]


@pytest.mark.parametrize(("entries", "allowed", "pairs"), [c[1:] for c in ALLOW_ENTRIES],
                         ids=[c[0] for c in ALLOW_ENTRIES])
def test_parse_allow(entries, allowed, pairs):
    assert parse_allow(entries, strict=True) == (allowed, pairs)


BAD_ALLOW = [
    ("a number", [42], "lookalike_allow[0]"),
    ("a pair of three", ["ok.jp", ["a.jp", "b.jp", "c.jp"]], "lookalike_allow[1]"),
    ("an empty string", [""], "lookalike_allow[0]"),
    ("a bare string instead of a list", "mail.com", "must be a list"),
]


@pytest.mark.parametrize(("entries", "named"), [c[1:] for c in BAD_ALLOW],
                         ids=[c[0] for c in BAD_ALLOW])
def test_bad_allow_entries_are_named_when_strict_and_skipped_otherwise(entries, named):
    with pytest.raises(ValueError, match=named.replace("[", r"\[")):
        parse_allow(entries, strict=True)
    detector = LookalikeDetector(["agency.go.jp"], allow=entries)
    assert detector.check("agency-go.jp")


# --- the labelled set ---------------------------------------------------------------------

EVAL = load_eval()
CASES = EVAL.read_cases()
DETECTORS = {"ours": EVAL.detector_for(CASES)}

LABELLED = [("ours", c) for c in CASES if c.label in ("attack", "benign", "alarm")]


@pytest.mark.parametrize(
    ("labelled_set", "case"), LABELLED,
    ids=[f"{name}: {c.label} {c.domain}: {c.note}" for name, c in LABELLED],
)
def test_labelled_case(labelled_set, case):
    reals = [found.real for found in DETECTORS[labelled_set].check(case.domain)]
    if case.label == "benign":
        assert reals == []
    else:  # attacks, and the known false alarms that fire by design
        assert case.real in reals


def test_labelled_set_meets_the_targets():
    result = EVAL.evaluate(CASES)
    assert result.caught + result.missed >= 20
    assert result.recall >= EVAL.TARGET_RECALL, result.wrong
    assert result.precision >= EVAL.TARGET_PRECISION, result.wrong


# --- garbage in ---------------------------------------------------------------------------

GARBAGE = [
    ("None", None),
    ("a number", 42),
    ("an empty string", ""),
    ("dots only", "...."),
    ("an IP address", "192.168.0.1"),
    ("control characters", "gma\x00il.com\x1b"),
    ("right-to-left marks", "\u202egmail.com\u202c"),
    ("emoji", "😀.com"),
    ("10,000 letters", "a" * 10_000 + ".com"),
    ("300 labels", ".".join(["gmail"] * 300)),
    ("a broken xn-- label", "xn--.com"),
]


@pytest.mark.parametrize("value", [c[1] for c in GARBAGE], ids=[c[0] for c in GARBAGE])
def test_garbage_never_raises(detector, value):
    assert isinstance(detector.check(value), list)
    assert isinstance(registrable_domain(value if isinstance(value, str) else ""), str)
    assert isinstance(ascii_domain(value), str)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_a_list_of_lookalikes(text):
    detector = _shared_detector()
    found = detector.check(text)
    assert all(isinstance(f, Lookalike) and f.reason in domains.REASONS for f in found)


LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


@settings(max_examples=80, deadline=None)
@given(st.lists(LABEL, min_size=1, max_size=4), st.sampled_from([*KNOWN, "gmail.com"]))
def test_subdomains_of_known_domains_never_fire(labels, known):
    assert _shared_detector().check(".".join([*labels, known])) == []


_DETECTOR: list[LookalikeDetector] = []


def _shared_detector() -> LookalikeDetector:
    # Hypothesis refuses function-scoped fixtures; build once and reuse.
    if not _DETECTOR:
        _DETECTOR.append(LookalikeDetector(KNOWN))
    return _DETECTOR[0]
