"""surname_homonym and name_mismatch as plain functions over a hand-built Knowledge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from atesaki.core.checks import CheckContext, CheckRequest, Recipient
from atesaki.core.checks.names import check_name_mismatch, check_surname_homonym
from atesaki.core.names import person_profile
from atesaki.knowledge import HistoryEntry, Knowledge, Person
from atesaki.settings import Settings

INTERNAL = "agency.go.jp"
NOW = datetime.now(UTC)


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def is_internal(address: str) -> bool:
    return address.endswith("@" + INTERNAL)


def person(ref, name, *addresses, source="contacts", **fields) -> Person:
    return Person(
        ref=ref,
        name=name,
        addresses=tuple(a.lower() for a in addresses),
        internal=source == "directory" or any(is_internal(a) for a in addresses),
        source=source,
        organization="",
        profile=person_profile(name, address=addresses[0] if addresses else None, **fields),
    )


def sent(kb: Knowledge, address: str, name: str, count: int, last_days_ago: int = 7) -> None:
    kb.add_history(HistoryEntry(address, name, count, ago(400), ago(last_days_ago)))


@pytest.fixture
def kb() -> Knowledge:
    """The incident's world: staff 佐藤 美咲 mailed weekly, contact 佐藤 健二 mailed once a year ago."""
    kb = Knowledge(is_internal)
    kb.add_person(person("p:1", "佐藤 美咲", "m-sato@agency.go.jp", source="directory"))
    kb.add_person(person("p:2", "佐藤 健二", "k.sato@example.com"))
    kb.add_person(person("p:3", "田中 一郎", "tanaka@agency.go.jp", source="directory"))
    kb.add_person(person("p:4", "小野 花子", "ono@client.example"))
    sent(kb, "m-sato@agency.go.jp", "佐藤 美咲", 52)
    sent(kb, "k.sato@example.com", "佐藤 健二", 1, last_days_ago=370)
    sent(kb, "tanaka@agency.go.jp", "田中 一郎", 30)
    return kb


def run(check, kb: Knowledge, *recipients: tuple[str, str]):
    rs = tuple(
        Recipient(
            index=i,
            field="to",
            address=address,
            name=name,
            domain=address.rpartition("@")[2],
            valid="@" in address,
            internal=is_internal(address),
        )
        for i, (address, name) in enumerate(recipients)
    )
    ctx = CheckContext(CheckRequest(recipients=rs, kind="forward"), kb, Settings())
    return list(check(ctx))


# --- surname_homonym ------------------------------------------------------------------


def test_incident_recipient_gets_high_homonym_naming_colleague_first(kb):
    findings = run(check_surname_homonym, kb, ("k.sato@example.com", "佐藤 健二"))
    assert [f.code for f in findings] == ["surname_homonym"]
    finding = findings[0]
    assert finding.severity == "high"
    assert finding.related[0]["address"] == "m-sato@agency.go.jp"
    assert finding.related[0]["internal"] is True
    assert "佐藤 美咲 <m-sato@agency.go.jp>" in finding.message.ja
    assert "社内・よく送信" in finding.message.ja
    assert "Same surname as 佐藤 美咲" in finding.message.en


@pytest.mark.parametrize(
    ("address", "name"),
    [
        pytest.param("k.sato@example.com", "Kenji Sato", id="romaji name on the chip"),
        pytest.param("k.sato@example.com", "SATO Kenji", id="romaji family name first"),
        pytest.param("k.sato@example.com", "ｻﾄｳ ｹﾝｼﾞ", id="half-width katakana"),
        pytest.param("k.sato@example.com", "", id="no display name, known address"),
        pytest.param("satoh.k@other.example", "Satoh", id="passport spelling, unknown address"),
        pytest.param("k.sato@new.example", "", id="unknown address, surname only in local part"),
        pytest.param("x@new.example", "佐藤", id="surname only"),
    ],
)
def test_homonym_found_in_any_script(kb, address, name):
    findings = run(check_surname_homonym, kb, (address, name))
    assert findings and findings[0].related[0]["address"] == "m-sato@agency.go.jp"


def test_frequent_recipient_gets_info_not_high(kb):
    sent(kb, "k.sato@example.com", "佐藤 健二", 40, last_days_ago=3)
    findings = run(check_surname_homonym, kb, ("k.sato@example.com", "佐藤 健二"))
    assert [f.severity for f in findings] == ["info"]


def test_frequent_but_long_unused_recipient_is_high_again(kb):
    sent(kb, "k.sato@example.com", "佐藤 健二", 40, last_days_ago=800)
    findings = run(check_surname_homonym, kb, ("k.sato@example.com", "佐藤 健二"))
    assert findings[0].severity == "high"


def test_the_colleague_herself_is_not_warned_about_the_rare_contact(kb):
    findings = run(check_surname_homonym, kb, ("m-sato@agency.go.jp", "佐藤 美咲"))
    assert [f.severity for f in findings] == ["info"]
    assert findings[0].related[0]["address"] == "k.sato@example.com"


def test_same_persons_other_address_is_not_a_namesake():
    kb = Knowledge(is_internal)
    kb.add_person(person("p:1", "鈴木 花子", "h-suzuki@agency.go.jp", "hanako@home.example"))
    assert run(check_surname_homonym, kb, ("hanako@home.example", "鈴木 花子")) == []


def test_different_surname_with_same_romaji_is_not_a_homonym(kb):
    """小野 (おの) and 大野 (おおの) are both "Ono" on a passport, but the kana differ."""
    assert run(check_surname_homonym, kb, ("x@new.example", "大野 太郎")) == []
    romaji = run(check_surname_homonym, kb, ("x@new.example", "Taro Ono"))
    assert romaji and romaji[0].related[0]["address"] == "ono@client.example"


def test_only_weak_namesakes_give_warn():
    kb = Knowledge(is_internal)
    kb.add_person(person("p:1", "高橋 一郎", "ichiro@a.example"))
    findings = run(check_surname_homonym, kb, ("jiro@b.example", "髙橋 次郎"))
    assert [f.severity for f in findings] == ["warn"]


def test_internal_recipient_is_at_most_warn(kb):
    kb.add_person(person("p:9", "佐藤 翔", "s-sato@agency.go.jp", source="directory"))
    findings = run(check_surname_homonym, kb, ("s-sato@agency.go.jp", "佐藤 翔"))
    assert [f.severity for f in findings] == ["warn"]


def test_related_puts_internal_then_most_written_first(kb):
    kb.add_person(person("p:5", "佐藤 優子", "yuko@partner.example"))
    sent(kb, "yuko@partner.example", "佐藤 優子", 200)
    kb.add_person(person("p:6", "佐藤 翔", "s-sato@agency.go.jp", source="directory"))
    findings = run(check_surname_homonym, kb, ("new@else.example", "佐藤 次郎"))
    addresses = [r["address"] for r in findings[0].related]
    assert addresses[:3] == ["m-sato@agency.go.jp", "s-sato@agency.go.jp", "yuko@partner.example"]
    assert "ほか" in findings[0].message.ja


def test_a_newly_added_namesake_shows_up_at_once(kb):
    before = run(check_surname_homonym, kb, ("new@else.example", "Jiro Tanaka"))
    assert [r["address"] for r in before[0].related] == ["tanaka@agency.go.jp"]
    kb.add_person(person("p:7", "田中 花子", "h-tanaka@agency.go.jp", source="directory"))
    after = run(check_surname_homonym, kb, ("new@else.example", "Jiro Tanaka"))
    assert {r["address"] for r in after[0].related} == {
        "tanaka@agency.go.jp",
        "h-tanaka@agency.go.jp",
    }


def test_related_follows_the_sends_made_since_the_last_check(kb):
    kb.add_person(person("p:5", "佐藤 優子", "yuko@partner.example"))
    chip = ("new@else.example", "佐藤 次郎")
    before = run(check_surname_homonym, kb, chip)
    assert [r["address"] for r in before[0].related] == [
        "m-sato@agency.go.jp", "k.sato@example.com", "yuko@partner.example",
    ]
    sent(kb, "yuko@partner.example", "佐藤 優子", 40)  # the user writes to 優子 now
    sent(kb, "saburo@third.example", "佐藤 三郎", 90)  # and to a 佐藤 nobody listed
    for _ in range(Knowledge.CHANGES_KEPT + 10):  # more sends than the change list keeps
        sent(kb, "tanaka@agency.go.jp", "田中 一郎", 31)
    after = run(check_surname_homonym, kb, chip)
    assert [r["address"] for r in after[0].related] == [
        "m-sato@agency.go.jp", "saburo@third.example", "yuko@partner.example",
        "k.sato@example.com",
    ]
    assert "ほか 3 名" in after[0].message.ja


_WORLD = [
    ("佐藤 美咲", "m-sato@agency.go.jp"), ("佐藤 健二", "k.sato@example.com"),
    ("サトウ ユウコ", "yuko@partner.example"), ("Taro Sato", "taro@abroad.example"),
    ("田中 一郎", "tanaka@agency.go.jp"), ("田中 花子", "hanako@client.example"),
    ("佐藤 麗子", "reiko@partner.example"),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["send", "new", "check"]), st.integers(0, 6), st.integers(0, 60)),
        max_size=25,
    ),
    keep_list=st.booleans(),
)
@example(steps=[("send", 6, 50), ("send", 6, 0)], keep_list=True)  # one of the best falls back
@example(steps=[("send", 6, 50), ("send", 6, 0)], keep_list=False)
@example(steps=[("check", 0, 0), ("send", 6, 50)], keep_list=False)  # one from the back moves up
def test_a_kept_ranking_always_equals_a_fresh_one(steps, keep_list, monkeypatch):
    """Rankings brought up to date after sends and new people match ranking afresh.

    ``keep_list``: whether the cache keeps the list of namesakes (a rare surname) or
    asks the names of each changed person (a common one).
    """
    from atesaki.core.checks import names as names_checks

    monkeypatch.setattr(names_checks, "_REFS_KEPT", 64 if keep_list else 0)

    kb = Knowledge(is_internal)
    for i, (name, address) in enumerate(_WORLD[:4]):
        kb.add_person(person(f"p:{i}", name, address, source="contacts"))
    for i, first in enumerate("一二三四五六七八九十百千"):  # more 佐藤 than a ranking keeps
        kb.add_person(person(f"s:{i}", f"佐藤 {first}郎", f"s{i}@strangers.example"))
    kb.add_person(person("p:6", *_WORLD[6], source="contacts"))  # the last 佐藤 in
    profiles = {
        chip: [person_profile(chip, address="new@else.example")] for chip in ("佐藤 次郎", "田中 次郎")
    }
    for i, (op, who, count) in enumerate(steps):
        name, address = _WORLD[who]
        if op == "send":  # counts may go down too: a history import can replace them
            sent(kb, address, name, count)
        elif op == "new":
            kb.add_person(person(f"n:{i}", name, f"n{i}@{count}.example"))
        chips = [("new@else.example", name) for name in profiles]
        kept = [run(check_surname_homonym, kb, chip) for chip in chips]
        kept_top = [names_checks._ranked_namesakes(kb, p, 3)[0] for p in profiles.values()]
        names_checks._cache_of(names_checks.RANKINGS, kb).clear()
        fresh = [run(check_surname_homonym, kb, chip) for chip in chips]
        fresh_top = [names_checks._ranked_namesakes(kb, p, 3)[0] for p in profiles.values()]
        assert [[(f.related, f.message) for f in found] for found in kept] == [
            [(f.related, f.message) for f in found] for found in fresh
        ]
        assert [[p.ref for p, _, _ in top] for top in kept_top] == [
            [p.ref for p, _, _ in top] for top in fresh_top
        ]


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # used as a context
@given(
    world=st.lists(st.tuples(st.booleans(), st.integers(0, 40)), min_size=1, max_size=30),
    sends=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 60)), max_size=10),
)
def test_a_kept_list_of_whose_name_it_is_always_equals_a_fresh_one(world, sends, monkeypatch):
    """name_mismatch for a typed name shared by many (in the book or only in the history):
    the ranked list is kept between checks and never goes stale after a send."""
    from atesaki.core.checks import names as names_checks

    kb = Knowledge(is_internal)
    addresses = []
    for i, (in_book, count) in enumerate(world):
        address = f"k{i}@n{i % 3}.example"
        if in_book:
            kb.add_person(person(f"p:{i}", "佐藤 健二", address))
        if count or not in_book:
            sent(kb, address, "佐藤 健二", count)
        addresses.append(address)
    chip = ("new@else.example", "Kenji Sato")  # the same name, written another way
    for who, count in [(0, 0), *sends]:
        sent(kb, addresses[who % len(addresses)], "佐藤 健二", count)
        kept = run(check_name_mismatch, kb, chip)
        named = names_checks._cache_of(names_checks.NAMED, kb)
        kept_lists = dict(named)  # set aside, so the kept lists carry on to the next send
        named.clear()
        fresh = run(check_name_mismatch, kb, chip)
        named.clear()
        named.update(kept_lists)
        assert [(f.related, f.message) for f in kept] == [(f.related, f.message) for f in fresh]
        assert bool(kept) == any(in_book for in_book, _ in world)


def test_warm_up_ranks_the_common_surnames_before_any_check(kb):
    from atesaki.core.checks import names as names_checks

    rankings = names_checks._cache_of(names_checks.RANKINGS, kb)
    rankings.clear()
    assert names_checks.warm_up(kb, Settings()) == 3  # 佐藤, 田中 and 小野
    assert len(rankings) == 3
    chip = ("k.sato@example.com", "佐藤 健二")
    warm = run(check_surname_homonym, kb, chip)
    rankings.clear()
    assert [(f.related, f.message) for f in warm] == [
        (f.related, f.message) for f in run(check_surname_homonym, kb, chip)
    ]


def test_nobody_shares_the_surname(kb):
    assert run(check_surname_homonym, kb, ("w@else.example", "渡辺 健")) == []


def test_the_address_books_reading_wins_when_the_chip_repeats_its_name(kb):
    # 河野 reads こうの or かわの; this contact's card says こうの, so 川野 (かわの) on the
    # staff is no namesake of his, unless the chip shows a name the book does not have.
    kb.add_person(person("p:5", "河野 達也", "t.kono@client.example", family="河野",
                         given="達也", family_reading="こうの", given_reading="たつや"))
    kb.add_person(person("p:6", "川野 健", "k.kawano@agency.go.jp", source="directory"))
    as_the_book = run(check_surname_homonym, kb, ("t.kono@client.example", "河野 達也"))
    assert as_the_book == []
    typed = run(check_surname_homonym, kb, ("t.kono@client.example", "河野"))
    assert [r["address"] for r in typed[0].related] == ["k.kawano@agency.go.jp"]


# --- name_mismatch ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "chip",
    [
        pytest.param("佐藤 美咲", id="same name"),
        pytest.param("佐藤美咲", id="no space"),
        pytest.param("Misaki Sato", id="romaji, given name first"),
        pytest.param("SATO Misaki", id="romaji, family name first"),
        pytest.param("ｻﾄｳ ﾐｻｷ", id="half-width kana"),
        pytest.param("佐藤 美咲 (総務課)", id="department in brackets"),
        pytest.param("佐藤様", id="surname with honorific"),
        pytest.param("", id="no display name"),
        pytest.param("m-sato@agency.go.jp", id="the address as its own name"),
        pytest.param("m-sato", id="the local part as the name"),
        pytest.param("総務課", id="a department, not a person"),
    ],
)
def test_no_mismatch_for_harmless_differences(kb, chip):
    assert run(check_name_mismatch, kb, ("m-sato@agency.go.jp", chip)) == []


def test_directory_owner_differs_from_chip_name(kb):
    findings = run(check_name_mismatch, kb, ("m-sato@agency.go.jp", "佐藤 健二"))
    assert [(f.code, f.severity) for f in findings] == [("name_mismatch", "high")]
    assert findings[0].related[0]["name"] == "佐藤 美咲"
    assert "佐藤 美咲" in findings[0].message.ja and "staff directory" in findings[0].message.en


def test_chip_names_a_colleague_but_address_is_someone_elses(kb):
    findings = run(check_name_mismatch, kb, ("misaki.sato@freemail.example", "佐藤 美咲"))
    assert [(f.code, f.severity) for f in findings] == [("name_mismatch", "high")]
    assert findings[0].related[0]["address"] == "m-sato@agency.go.jp"


def test_romaji_chip_of_a_colleague_at_a_strange_address(kb):
    findings = run(check_name_mismatch, kb, ("msato@freemail.example", "Misaki Sato"))
    assert findings and findings[0].related[0]["name"] == "佐藤 美咲"


def test_history_name_alone_gives_a_weaker_mismatch():
    kb = Knowledge(is_internal)
    sent(kb, "info@shop.example", "山田 太郎", 2)
    findings = run(check_name_mismatch, kb, ("info@shop.example", "鈴木 花子"))
    assert [f.severity for f in findings] == ["warn"]


def test_unknown_address_with_unknown_name_is_not_a_mismatch(kb):
    assert run(check_name_mismatch, kb, ("someone@new.example", "山田 太郎")) == []


chip_names = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(list("佐藤美咲健二ｻﾄｳSatoKenji \u202e\u200b\x00😀")),
    ),
    max_size=40,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=chip_names, local=st.from_regex(r"[a-z0-9.\-]{1,20}", fullmatch=True))
def test_any_chip_name_gives_sensible_findings(kb, name, local):
    for check in (check_surname_homonym, check_name_mismatch):
        for finding in run(check, kb, (f"{local}@example.com", name)):
            assert finding.severity in ("info", "warn", "high")
            assert finding.message.ja and finding.message.en and finding.related
