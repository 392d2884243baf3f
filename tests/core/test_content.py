"""Tests for content: the message kind, the personal-data scanner, and the content checks.

The scanner (``atesaki.core.content``) is tested as a plain function over a body and
the circle of people it may name; the checks built on it and on the message's shape
(``atesaki.core.checks.content``: forward_external, new_domain_in_reply,
attachment_external, personal_data) over a hand-built CheckContext. The ordinary-mail
corpus (tests/data/mails) is run through both.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atesaki.core.checks import CheckContext, CheckRequest, Recipient
from atesaki.core.checks import content as checks
from atesaki.core.content import (
    Circle,
    NameMatcher,
    mask_email,
    mask_name,
    mask_phone,
    message_kind,
    my_number_valid,
    name_matchers_for,
    scan_personal_data,
    summarise,
)
from atesaki.core.domains import is_internal
from atesaki.core.names import person_profile
from atesaki.knowledge import Knowledge, Person
from atesaki.settings import Settings
from tests.conftest import DATA, ROOT

MAILS = DATA / "mails"
SENDER = "tanaka@agency.go.jp"
INTERNAL = ("agency.go.jp",)

# --- the message kind -----------------------------------------------------------------

KIND_CASES = [
    ("no prefix is a new message", None, "学校見学会について", "new"),
    ("Re: is a reply", None, "Re: 学校見学会について", "reply"),
    ("RE: in capitals is a reply", "new", "RE: Meeting", "reply"),
    ("Re[2]: with a counter is a reply", None, "Re[2]: 見積書", "reply"),
    ("Re(3): with a counter is a reply", None, "Re(3): 見積書", "reply"),
    ("Fwd: is a forward", None, "Fwd: 見積書", "forward"),
    ("FW: is a forward", None, "FW: 見積書", "forward"),
    ("Fw: is a forward", None, "Fw: 見積書", "forward"),
    ("転送: is a forward", None, "転送: 見積書", "forward"),
    ("転: is a forward, as the extension reads it", None, "転: 資料", "forward"),
    ("返: is a reply, as the extension reads it", None, "返: 資料", "reply"),
    ("返信: is a reply", None, "返信: 見積書", "reply"),
    ("full-width ＲＥ： is a reply", None, "ＲＥ：見積書", "reply"),
    ("full-width colon after Re is a reply", None, "Re：見積書", "reply"),
    ("German AW: is a reply", None, "AW: Angebot", "reply"),
    ("list tag before Re: is a reply", None, "[sales:123] Re: 見積書", "reply"),
    ("outermost Re decides Re: Fwd: Re:", None, "Re: Fwd: Re: 資料", "reply"),
    ("outermost Fwd decides Fwd: Re:", None, "Fwd: Re: 資料", "forward"),
    ("転送 inside the subject is not a prefix", None, "資料転送のお願い", "new"),
    ("a word ending in a colon is not a prefix", None, "Report: Q3", "new"),
    ("explicit forward beats a Re: subject", "forward", "Re: 資料", "forward"),
    ("explicit reply beats a Fwd: subject", "reply", "Fwd: 資料", "reply"),
    ("explicit new with a Fwd: subject is a forward", "new", "Fwd: 資料", "forward"),
    ("empty subject and no kind is new", None, "", "new"),
    # Once the extension's own cases (extension/tests/parse.test.js): it now leaves the subject here.
    ("返信： with a full-width colon is a reply", None, "返信：日程", "reply"),
    ("a word ending in \"re\" is not a prefix", None, "Are you free?", "new"),
    ("a bracketed 【お知らせ】 is not a colon prefix", None, "【お知らせ】予定", "new"),
    ("a bracketed 【転送】： is a forward, as the extension read it", None, "【転送】：資料", "forward"),
    ("a bracketed [Fwd]: is a forward, as the extension read it", None, "[Fwd]: 資料", "forward"),
    ("a bracketed (Re): is a reply, as the extension read it", None, "(Re): 資料", "reply"),
    ("a list tag with a colon is no prefix", None, "[team]: 資料", "new"),
]


@pytest.mark.parametrize(
    ("kind", "subject", "expected"),
    [case[1:] for case in KIND_CASES],
    ids=[case[0] for case in KIND_CASES],
)
def test_message_kind(kind, subject, expected):
    assert message_kind(kind, subject) == expected


QUOTED_CASES = [
    ("a quoted compose without a prefix is a reply", None, "日程", "reply"),
    ("a quoted compose with 転: is a forward", None, "転: 資料", "forward"),
    ("a quoted compose with Fwd: is a forward", None, "Fwd: 名簿", "forward"),
    ("a quoted compose with Re: is a reply", None, "Re: 日程", "reply"),
    ("the webmail's forward beats the quote", "forward", "日程", "forward"),
]


@pytest.mark.parametrize(
    ("kind", "subject", "expected"),
    [case[1:] for case in QUOTED_CASES],
    ids=[case[0] for case in QUOTED_CASES],
)
def test_a_quoted_compose_is_a_reply_unless_the_subject_says_forward(kind, subject, expected):
    assert message_kind(kind, subject, quoted=True) == expected


def test_the_extension_keeps_no_subject_prefixes_of_its_own():
    """転: 資料 is a forward to both: the service's list is the only one, the extension sends the subject."""
    for path in (ROOT / "extension").rglob("*.js"):
        script = path.read_text("utf-8")
        for word in ("PREFIXES", "kindFromSubject", "'転送'", "'fwd'"):
            assert word not in script, (path, word)


# --- the personal-data scanner ------------------------------------------------------

CIRCLE = Circle.of([SENDER, "k.sato@example.com"], ["田中 一郎", "佐藤 健二"])
LEAD = "本文です。\n\n"  # keeps the case out of the greeting lines


def found(body: str, circle: Circle = CIRCLE, matchers=()) -> list[tuple[str, str]]:
    """(kind, masked) for each hit, in order."""
    return [(h.kind, h.masked) for h in scan_personal_data(body, circle=circle, matchers=matchers)]


FOUND_CASES = [
    ("an e-mail address", "連絡は yamamoto@abc-shoji.co.jp まで。", [("email", "y***@abc-shoji.co.jp")]),
    ("a full-width e-mail address", "ｙａｍａ＠ａｂｃ．ｃｏ．ｊｐ へ", [("email", "y***@abc.co.jp")]),
    ("a mobile number", "携帯は 090-1234-5678 です。", [("phone", "090-****-5678")]),
    ("a Tokyo number", "電話 03-1234-5678", [("phone", "03-****-5678")]),
    ("a number with the area code in brackets", "(03)1234-5678 へ", [("phone", "(03)****-5678")]),
    ("an international number", "Call +81 90 1234 5678.", [("phone", "+81 90 **** 5678")]),
    ("an international number with (0)", "Tel +81 (0)3-1234-5678", [("phone", "+81 (0)3-****-5678")]),
    ("full-width digits", "０９０－１２３４－５６７８", [("phone", "090-****-5678")]),
    ("an unbroken mobile number", "携帯 09012345678", [("phone", "090-****-5678")]),
    ("a toll-free number", "TEL 0120-123-456", [("phone", "0120-***-456")]),
    ("a My Number with a valid check digit", "個人番号 1234 5678 9018",
     [("my_number", "**** **** ****")]),
    ("a postal code with an address", "〒150-0001 東京都渋谷区神宮前1-2-3",
     [("address", "〒150-**** 東京都***")]),
    ("an English address with a postal code", "1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001",
     [("address", "〒150-**** ***")]),
    ("a surname with 様", "山本様にもお伝えください。", [("name", "山*様")]),
    ("a full name with 様", "山本 太郎様にもお伝えください。", [("name", "山本 **様")]),
    ("a name with さん", "山本さんから聞きました。", [("name", "山*さん")]),
    ("a teacher's name", "担任の山田先生より", [("name", "山*先生")]),
    ("a name with 氏", "山本氏が出席します。", [("name", "山*氏")]),
    ("a name with 殿", "山本太郎殿", [("name", "山本**殿")]),
    ("a name after a department", "営業部阿部様", [("name", "阿*様")]),
    ("someone sharing the recipient's surname", "佐藤花子さんにも", [("name", "佐藤**さん")]),
    ("a katakana name", "スミスさんへ", [("name", "スミ*さん")]),
    ("an English title", "I spoke with Ms. Jane Doe today.", [("name", "Ms. Jane ***")]),
]


@pytest.mark.parametrize(
    ("body", "expected"), [c[1:] for c in FOUND_CASES], ids=[c[0] for c in FOUND_CASES]
)
def test_scanner_finds(body, expected):
    assert found(LEAD + body) == expected


NOT_FOUND_CASES = [
    ("an order number", "注文番号 0312-3456-7890 で承りました。"),
    ("an order number in English", "Order 4501234567 has shipped."),
    ("a date", "2024-01-15 と 2024/01/15 と 2024年1月15日"),
    ("amounts", "金額は 1,234,567円、USD 12,500.00 です。"),
    ("a bare postal code", "郵便番号は 100-8901 です。"),
    ("a postal mark without an address", "〒100-8901"),
    ("an invoice registration number", "登録番号 T1234567890123"),
    ("times", "10:00-12:00、22:00〜23:30"),
    ("a version number", "バージョン 10.2.3 から 10.3.0 へ"),
    ("an IP address", "接続先は 192.168.10.25 です。"),
    ("a number in a URL", "https://example.jp/a?id=09012345678 を参照"),
    ("a 12-digit number with a wrong check digit", "1234 5678 9012"),
    ("a tracking number", "追跡番号：1234-5678-9012"),
    ("a role address", "お問い合わせは info@example.jp まで"),
    ("the sender's own address", "返信先は tanaka@agency.go.jp です。"),
    ("the recipient's own name", "佐藤様のご意見を伺いました。"),
    ("the recipient's given name", "健二さんの資料"),
    ("the recipient's romanised name", "Thank you, Mr. Sato."),
    ("the recipient's full name written without the space", "佐藤健二様の資料"),
    ("words that take 様", "皆様、お客様、ご担当者様、仕様、同様、様々、お疲れ様、ご苦労様"),
    ("words that take さん", "みなさん、たくさん、皆さん、メンバーさん、お医者さん"),
    ("words that take 先生 or 氏", "校長先生、先生方、氏名、同氏"),
    ("御中 and 各位", "株式会社サンプル 御中、関係者各位"),
    ("a ten-digit number with no phone word", "管理番号 0123456789"),
]


@pytest.mark.parametrize(
    "body", [c[1] for c in NOT_FOUND_CASES], ids=[c[0] for c in NOT_FOUND_CASES]
)
def test_scanner_leaves_alone(body):
    assert found(LEAD + body) == []


SIGNATURE = """よろしくお願いいたします。

--
田中 一郎
中央行政庁 総務課
〒100-8901 東京都千代田区霞が関1-2-3
TEL 03-3581-1234
"""


def test_sender_signature_is_not_personal_data():
    assert found("佐藤様\n\n資料を送ります。\n" + SIGNATURE) == []


def test_sender_signature_found_by_name_without_a_separator():
    body = "資料を送ります。\n\n中央行政庁 総務課\n田中 一郎\nTEL 03-3581-1234\n"
    assert found(body) == []


def test_sender_office_number_in_the_text_is_theirs_too():
    assert found("代表電話 03-3581-1234 までどうぞ。\n" + SIGNATURE) == []


def test_greeting_names_the_addressee():
    circle = Circle.of([SENDER])
    assert found("株式会社エグザンプル\n営業部 佐藤様\n\nいつもお世話になっております。", circle) == []


def test_name_inside_the_text_is_not_a_greeting():
    circle = Circle.of([SENDER])
    body = "佐藤様\nいつもお世話になっております。山本さんにもお伝えください。"
    assert found(body, circle) == [("name", "山*さん")]


INCIDENT = """各位

下記のとおり、見学の申し込みがありましたので共有します。

---------- Forwarded message ---------
From: 山本 太郎 <t.yamamoto@abc-shoji.co.jp>
Date: 2024年1月10日(水) 9:00
Subject: 見学のお願い
To: 田中 一郎 <tanaka@agency.go.jp>

田中様

株式会社ABC商事の山本です。見学の件、よろしくお願いいたします。

株式会社ABC商事 総務部 山本 太郎
〒150-0001 東京都渋谷区神宮前1-2-3
TEL 03-5555-0123 / 携帯 090-1111-2222
"""


def test_incident_forward_finds_the_contacts_data():
    school = Circle.of([SENDER, "kyoto@school.ed.jp"], ["田中 一郎"])
    matcher = NameMatcher([("山本 太郎", ("t.yamamoto@abc-shoji.co.jp",))])
    hits = scan_personal_data(INCIDENT, circle=school, matchers=[matcher])
    summary = {item["kind"]: item for item in summarise(hits)}
    assert summary["email"]["examples"] == ["t***@abc-shoji.co.jp"]
    assert summary["phone"]["count"] == 2
    assert "03-****-0123" in summary["phone"]["examples"]
    assert summary["address"]["count"] == 1
    assert summary["name"]["examples"][0] == "山本 **"
    assert all(hit.quoted for hit in hits), "all of it sits in the forwarded part"


def test_incident_signature_is_the_contacts_when_he_is_the_recipient():
    back_to_him = Circle.of([SENDER, "t.yamamoto@abc-shoji.co.jp"], ["田中 一郎", "山本 太郎"])
    assert found(INCIDENT, back_to_him) == []


def test_known_full_name_is_found_without_an_honorific():
    matcher = NameMatcher([("山本 太郎", ("t.yamamoto@abc-shoji.co.jp",))])
    assert found(LEAD + "担当は山本 太郎です。", matchers=[matcher]) == [("name", "山本 **")]
    assert found(LEAD + "担当は山本太郎です。", matchers=[matcher]) == [("name", "山本**")]


def test_known_latin_name_matches_either_order_and_whole_words():
    matcher = NameMatcher([("Taro Yamamoto", ("t@abc.jp",))])
    assert [k for k, _ in found(LEAD + "Ask YAMAMOTO Taro.", matchers=[matcher])] == ["name"]
    assert found(LEAD + "Ask Taro Yamamotoya.", matchers=[matcher]) == []


def test_known_name_belonging_to_a_recipient_is_not_counted():
    matcher = NameMatcher([("佐藤 健二", ("k.sato@example.com",))])
    assert found(LEAD + "佐藤 健二より", matchers=[matcher]) == []


def test_organisation_names_in_the_address_book_are_not_people():
    matcher = NameMatcher([("株式会社サンプル 総務部", ("soumu@sample.jp",))])
    assert matcher.size == 0


def test_summary_counts_each_value_once_and_marks_quoted_ones():
    body = "090-1234-5678 と 090-1234-5678\n\n> 携帯 080-1111-2222\n"
    (phones,) = summarise(scan_personal_data(LEAD + body))
    assert phones["count"] == 2 and phones["quoted"] == 1


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("123456789018", True), ("123456789012", False), ("12345678901", False), ("abcdefghijkl", False)],
    ids=["valid check digit", "wrong check digit", "eleven digits", "not digits"],
)
def test_my_number_check_digit(digits, valid):
    assert my_number_valid(digits) is valid


def test_masks():
    assert mask_email("k.sato@example.com") == "k***@example.com"
    assert mask_phone("090-1234-5678") == "090-****-5678"
    assert mask_name("佐藤 健二") == "佐藤 **"


def test_name_beside_an_address_in_a_quoted_header_is_a_name():
    body = LEAD + "From: 山本 太郎 <t.yamamoto@abc-shoji.co.jp>\nTo: \"Jane Doe\" <jane@x.org>\n"
    names = [masked for kind, masked in found(body) if kind == "name"]
    assert names == ["山本 **", "Jane ***"]


def test_organisation_beside_an_address_is_not_a_name():
    body = LEAD + "From: 中央行政庁 広報室 <kouho2@agency.go.jp>\nTo: 株式会社ABC <s2@abc.jp>\n"
    assert [kind for kind, _ in found(body)] == ["email", "email"]


# --- remembered outcomes: a thread repeats itself -------------------------------------


class _Forgetful(dict):
    """An outcome store that remembers nothing: every place is looked at afresh."""

    def __setitem__(self, key, value):
        pass


def test_remembered_outcomes_give_the_same_hits_as_a_fresh_look(monkeypatch):
    """A thread repeats its signatures; replaying an outcome must change nothing found."""
    import atesaki.core.content as content

    mails = (
        "山本様\n\nお世話になっております。\n\n"
        "株式会社ABC商事 総務部 山本 太郎\n〒150-0001 東京都渋谷区神宮前1-2-3\n"
        "TEL 03-5555-0123 / 携帯 090-1111-2222\n"
        "注文番号 2024-000123、口座 1234567890123\n\n"
        "田中 一郎様の携帯は 080-2222-3333 です。\n\n"
    )
    body = (mails * 6) + "> " + mails.replace("\n", "\n> ") + "転送: 090-1111-2222 までどうぞ"
    circle = content.Circle.of(["t.yamamoto@abc-shoji.co.jp"], ["山本 太郎"])
    remembered = content.scan_personal_data(body, circle=circle)
    monkeypatch.setattr(content, "_outcome_store", _Forgetful)
    fresh = content.scan_personal_data(body, circle=circle)
    assert remembered == fresh
    phones = [hit for hit in fresh if hit.kind == "phone"]
    assert phones and all(hit.value == "08022223333" for hit in phones)
    # Each replayed hit points at its own place in the body, not at the first one's.
    assert len({hit.start for hit in phones}) == len(phones)
    assert all(body[hit.start : hit.end] == "080-2222-3333" for hit in phones)


_FRAGMENTS = [
    "\n", "\n\n", "> ", "-- \n", "山本様", "佐藤 花子さん", "Dear Mr. Smith,\n",
    "From: 山本 太郎 <t.yamamoto@abc-shoji.co.jp>\n", "k.sato@example.com", "<jane@x.org>",
    "〒150-0001 東京都渋谷区神宮前1-2-3", "TEL 03-5555-0123", "携帯 090-1111-2222",
    "2024-01-10 に受付", "info@agency.go.jp まで", "2024年1月15日 佐藤 <k.sato@example.com>:\n",
    "田中 一郎", "お世話になっております。", "Tokyo 100-0001", "----------", "鈴木先生", "様",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40), st.integers(1, 4))
def test_remembering_never_changes_what_a_thread_reveals(fragments, copies):
    """Emails, numbers and names found with remembered outcomes equal a fresh look."""
    import atesaki.core.content as content

    body = "".join(fragments) * copies
    circle = content.Circle.of(["tanaka@agency.go.jp"], ["田中 一郎"])
    remembered = content.scan_personal_data(body, circle=circle)
    saved = content._outcome_store
    content._outcome_store = _Forgetful
    try:
        fresh = content.scan_personal_data(body, circle=circle)
    finally:
        content._outcome_store = saved
    assert remembered == fresh
    for hit in remembered:
        if hit.kind == "email":
            assert body[hit.start : hit.end].lower() == hit.value


# --- the scanner's speed on hostile bodies --------------------------------------------

ADVERSARIAL = st.text(
    alphabet="0０1２3-－ー()（）+＋ @＠.a様さん殿先生氏佐藤〒東京都市\n>━x:",
    min_size=1,
    max_size=12,
)


@settings(max_examples=30, deadline=None)
@given(unit=ADVERSARIAL, times=st.integers(min_value=1_000, max_value=4_000))
def test_adversarial_bodies_scan_in_linear_time(unit, times):
    body = unit * times
    start = time.process_time()
    hits = scan_personal_data(body, circle=CIRCLE)
    elapsed = time.process_time() - start
    # ~50 KB at most: a linear scan takes milliseconds; backtracking would take minutes.
    assert elapsed < 1.0, f"{elapsed:.2f} s for {len(body)} characters of {unit!r}"
    for hit in hits:
        assert 0 <= hit.start < hit.end <= len(body)


PATHOLOGICAL = [
    ("a million digits", "0" * 1_000_000),
    ("a rule line with text after it", "本文\n" + "━" * 200_000 + "x" * 100),
    ("dashes after a newline", "\n" + "-" * 200_000 + "x"),
    ("a local part with no at sign", "a" * 500_000),
    ("at signs between letters", "a@" * 250_000),
    ("honorifics in a row", "様" * 300_000),
    ("names with honorifics", "佐藤様山田さん" * 40_000),
    ("postal marks", "〒100-0001 " * 40_000),
    ("quote markers", "> \n" * 200_000),
    ("an attribution-like run", "@" + "x" * 300_000 + ">:\n"),
]


@pytest.mark.parametrize("body", [c[1] for c in PATHOLOGICAL], ids=[c[0] for c in PATHOLOGICAL])
def test_pathological_bodies_stay_fast(body):
    start = time.process_time()
    scan_personal_data(body, circle=CIRCLE)
    # Linear scans of these take tens of milliseconds; the bound leaves room for a busy CI.
    assert time.process_time() - start < 1.0


# --- the content checks over a CheckContext -------------------------------------------
# A message from SENDER in the organisation INTERNAL, to recipients given as strings.


def recipients(*entries: str) -> tuple[Recipient, ...]:
    """Recipients from "field:address" or "field:address:name" strings."""
    out = []
    for index, entry in enumerate(entries):
        field, address, *name = entry.split(":")
        domain = address.rpartition("@")[2]
        out.append(
            Recipient(
                index=index,
                field=field,
                address=address,
                name=name[0] if name else "",
                domain=domain,
                valid=True,
                internal=is_internal(domain, INTERNAL),
            )
        )
    return tuple(out)


def knowledge(*people: tuple[str, str, str]) -> Knowledge:
    """A Knowledge with people given as (name, address, source)."""
    kb = Knowledge(lambda a: is_internal(a, INTERNAL))
    for number, (name, address, source) in enumerate(people):
        kb.add_person(
            Person(
                ref=f"p:{number}",
                name=name,
                addresses=(address,),
                internal=is_internal(address, INTERNAL),
                source=source,
                organization="",
                profile=person_profile(name, address=address),
            )
        )
    return kb


def context(*entries: str, kb: Knowledge | None = None, **fields) -> CheckContext:
    """A check context for a message from SENDER to the given recipients."""
    fields.setdefault("sender", SENDER)
    request = CheckRequest(recipients=recipients(*entries), **fields)
    settings = Settings({"internal_domains": list(INTERNAL)})
    return CheckContext(request=request, kb=kb or knowledge(), settings=settings)


def codes(findings) -> list[tuple[str, str, int | None]]:
    return [(f.code, f.severity, f.recipient) for f in findings]


# --- forward_external -----------------------------------------------------------

FORWARD_CASES = [
    ("forward to a school warns once for the message", "forward",
     ("to:teacher@school.ed.jp", "cc:head@school.ed.jp"),
     [("forward_external", "warn", None)]),
    ("forward inside the organisation says nothing", "forward",
     ("to:suzuki@agency.go.jp", "to:ito@sub.agency.go.jp"), []),
    ("a reply to an outsider is not a forward", "reply", ("to:k.sato@example.com",), []),
    ("a new message to an outsider is not a forward", "new", ("to:k.sato@example.com",), []),
]


@pytest.mark.parametrize(
    ("kind", "entries", "expected"),
    [case[1:] for case in FORWARD_CASES],
    ids=[case[0] for case in FORWARD_CASES],
)
def test_forward_external(kind, entries, expected):
    assert codes(checks.forward_external(context(*entries, kind=kind))) == expected


def test_forward_external_names_only_the_outsiders():
    ctx = context("to:suzuki@agency.go.jp", "to:teacher@school.ed.jp:山田 先生", kind="forward")
    (finding,) = checks.forward_external(ctx)
    assert finding.related == [
        {"address": "teacher@school.ed.jp", "name": "山田 先生", "internal": False}
    ]
    assert "teacher@school.ed.jp" in finding.message.ja
    assert "teacher@school.ed.jp" in finding.message.en


# --- new_domain_in_reply ----------------------------------------------------------

THREAD = ("k.sato@example.com", "tanaka@agency.go.jp")
REPLY_CASES = [
    ("a reply to the thread's own domain is quiet", ("to:k.sato@example.com",), THREAD, []),
    ("another person at a thread domain is quiet", ("to:m.ito@example.com",), THREAD, []),
    ("a subdomain of a thread domain is the same organisation",
     ("to:k.sato@mail.example.com",), THREAD, []),
    ("a colleague inside the organisation is quiet",
     ("to:k.sato@example.com", "cc:suzuki@agency.go.jp"), THREAD, []),
    ("a new outside domain is flagged on that recipient",
     ("to:k.sato@example.com", "cc:sato@example.net"), THREAD,
     [("new_domain_in_reply", "warn", 1)]),
    ("two new domains are flagged once each",
     ("to:a@other.jp", "cc:b@third.jp"), THREAD,
     [("new_domain_in_reply", "warn", 0), ("new_domain_in_reply", "warn", 1)]),
    ("no thread recipients means nothing to compare", ("to:a@other.jp",), (), []),
]


@pytest.mark.parametrize(
    ("entries", "thread", "expected"),
    [case[1:] for case in REPLY_CASES],
    ids=[case[0] for case in REPLY_CASES],
)
def test_new_domain_in_reply(entries, thread, expected):
    ctx = context(*entries, kind="reply", thread_recipients=thread)
    assert codes(checks.new_domain_in_reply(ctx)) == expected


def test_new_domain_only_for_replies():
    ctx = context("to:a@other.jp", kind="forward", thread_recipients=THREAD)
    assert list(checks.new_domain_in_reply(ctx)) == []


def test_new_domain_message_names_the_domain():
    ctx = context("to:a@other.jp", kind="reply", thread_recipients=THREAD)
    (finding,) = checks.new_domain_in_reply(ctx)
    assert "other.jp" in finding.message.ja and "other.jp" in finding.message.en
    assert {"domain": "example.com"} in finding.related


# --- attachment_external ----------------------------------------------------------

FILES = ({"name": "名簿.xlsx", "size": 52000}, {"name": "資料.pdf", "size": 120000})
ATTACHMENT_CASES = [
    ("files to an outsider warn once", ("to:k.sato@example.com",), FILES,
     [("attachment_external", "warn", None)]),
    ("files inside the organisation are quiet", ("to:suzuki@agency.go.jp",), FILES, []),
    ("no files, nothing to say", ("to:k.sato@example.com",), (), []),
    ("one outsider in Bcc is enough",
     ("to:suzuki@agency.go.jp", "bcc:k.sato@example.com"), FILES,
     [("attachment_external", "warn", None)]),
]


@pytest.mark.parametrize(
    ("entries", "attachments", "expected"),
    [case[1:] for case in ATTACHMENT_CASES],
    ids=[case[0] for case in ATTACHMENT_CASES],
)
def test_attachment_external(entries, attachments, expected):
    ctx = context(*entries, attachments=attachments)
    assert codes(checks.attachment_external(ctx)) == expected


def test_attachment_external_lists_the_files():
    (finding,) = checks.attachment_external(context("to:k.sato@example.com", attachments=FILES))
    for name in ("名簿.xlsx", "資料.pdf"):
        assert name in finding.message.ja and name in finding.message.en
    assert [item["name"] for item in finding.related] == ["名簿.xlsx", "資料.pdf"]


# --- personal_data ----------------------------------------------------------------

PEOPLE = (
    ("田中 一郎", SENDER, "directory"),
    ("鈴木 花子", "suzuki@agency.go.jp", "directory"),
    ("佐藤 健二", "k.sato@example.com", "contacts"),
    ("山本 太郎", "t.yamamoto@abc-shoji.co.jp", "contacts"),
)
# INCIDENT as the check meets it, shorter: no To: line and one phone number.
INCIDENT_ONE_PHONE = """各位

見学の申し込みがありましたので共有します。

---------- Forwarded message ---------
From: 山本 太郎 <t.yamamoto@abc-shoji.co.jp>
Date: 2024年1月10日(水) 9:00
Subject: 見学のお願い

田中様

株式会社ABC商事の山本です。見学の件、よろしくお願いいたします。

株式会社ABC商事 総務部 山本 太郎
〒150-0001 東京都渋谷区神宮前1-2-3
TEL 03-5555-0123
"""


def test_incident_forward_to_a_school_is_high_and_teaches():
    ctx = context(
        "to:kyoto@school.ed.jp", "cc:kyoto2@school.ed.jp",
        kb=knowledge(*PEOPLE), kind="forward", subject="Fwd: 見学のお願い", body=INCIDENT_ONE_PHONE,
    )
    (finding,) = checks.personal_data(ctx)
    assert (finding.code, finding.severity, finding.recipient) == ("personal_data", "high", None)
    kinds = {item["kind"]: item for item in finding.related}
    assert set(kinds) == {"email", "phone", "address", "name"}
    assert kinds["email"]["examples"] == ["t***@abc-shoji.co.jp"]
    assert kinds["name"]["examples"][0] == "山本 **"
    # What was found, how many, masked examples, and that names and addresses count.
    for text in ("電話番号 1件", "03-****-0123", "t***@abc-shoji.co.jp", "人の名前やメールアドレスも個人情報"):
        assert text in finding.message.ja
    for text in ("1 phone number", "03-****-0123", "names and e-mail addresses are personal data"):
        assert text in finding.message.en
    assert "引用・転送" in finding.message.ja and "forwarded" in finding.message.en


def test_the_same_forward_inside_the_organisation_is_quiet():
    ctx = context("to:suzuki@agency.go.jp", kb=knowledge(*PEOPLE), kind="forward", body=INCIDENT_ONE_PHONE)
    assert list(checks.personal_data(ctx)) == []


def test_sending_the_thread_back_to_its_author_is_quiet():
    ctx = context(
        "to:t.yamamoto@abc-shoji.co.jp", kb=knowledge(*PEOPLE), kind="reply", body=INCIDENT_ONE_PHONE,
        thread_recipients=("t.yamamoto@abc-shoji.co.jp", SENDER),
    )
    assert list(checks.personal_data(ctx)) == []


THREAD_REPLY = """佐藤様

承知しました。

-----Original Message-----
From: 佐藤 健二 <k.sato@example.com>
To: 田中 一郎 <tanaka@agency.go.jp>
Cc: 伊藤 美咲 <m.ito@partner.jp>
Subject: 打合せ

田中様、伊藤様

打合せは2月1日でお願いします。
"""


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (("to:k.sato@example.com",), []),
        (("to:k.sato@example.com", "cc:m.ito@partner.jp"), []),
        (("to:k.sato@example.com", "cc:new@elsewhere.jp"), ["personal_data"]),
    ],
    ids=[
        "a reply to the thread shows its people to themselves",
        "a reply to everyone on the thread likewise",
        "a newcomer on the reply would see the thread's people",
    ],
)
def test_reply_thread_people(entries, expected):
    ctx = context(
        *entries, kb=knowledge(*PEOPLE), kind="reply", body=THREAD_REPLY,
        thread_recipients=("k.sato@example.com", SENDER, "m.ito@partner.jp"),
    )
    assert [f.code for f in checks.personal_data(ctx)] == expected


def test_contact_name_without_honorific_is_found_through_the_address_book():
    ctx = context(
        "to:k.sato@example.com", kb=knowledge(*PEOPLE),
        body="佐藤様\n\n先日の件は山本 太郎が担当します。",
    )
    (finding,) = checks.personal_data(ctx)
    assert finding.related == [{"kind": "name", "count": 1, "examples": ["山本 **"], "quoted": 0}]


def test_personal_data_in_english():
    ctx = context(
        "to:k.sato@example.com", kb=knowledge(*PEOPLE),
        body="Dear Mr. Sato,\n\nPlease call Ms. Jane Doe on 090-1234-5678 (jane.doe@mail.jp).",
    )
    (finding,) = checks.personal_data(ctx)
    assert {item["kind"] for item in finding.related} == {"email", "phone", "name"}
    assert "1 e-mail address" in finding.message.en


def test_name_matchers_are_built_once_and_follow_new_people():
    kb = knowledge(*PEOPLE)
    first = name_matchers_for(kb)
    assert name_matchers_for(kb)[0] is first[0]
    kb.add_person(
        Person(
            ref="p:new", name="高橋 次郎", addresses=("j.takahashi@x.jp",), internal=False,
            source="contacts", organization="", profile=person_profile("高橋 次郎"),
        )
    )
    again = name_matchers_for(kb)
    assert again[0] is first[0], "the big matcher is kept"
    ctx = context("to:k.sato@example.com", kb=kb, body="本文です。\n\n高橋 次郎より")
    (finding,) = checks.personal_data(ctx)
    assert finding.related[0]["examples"] == ["高橋 **"]


# --- the ordinary-mail corpus: nothing personal, for the scanner and the check ---------


def test_corpus_is_big_enough():
    assert len(list(MAILS.glob("*.txt"))) >= 30


@pytest.mark.parametrize("path", sorted(MAILS.glob("*.txt")), ids=lambda p: p.stem)
def test_ordinary_mail_has_no_personal_data(path):
    assert found(path.read_text()) == []


@pytest.mark.parametrize("path", sorted(MAILS.glob("*.txt")), ids=lambda p: p.stem)
@pytest.mark.parametrize(
    "entries",
    [("to:k.sato@example.com", "cc:suzuki@agency.go.jp"), ("to:suzuki@agency.go.jp",)],
    ids=["external", "internal"],
)
def test_ordinary_mail_raises_no_personal_data(path, entries):
    ctx = context(*entries, kb=knowledge(*PEOPLE), body=path.read_text())
    assert list(checks.personal_data(ctx)) == []
