"""Tests for the content checks as plain functions over a hand-built CheckContext."""

from __future__ import annotations

import pytest

from atesaki.core.checks import CheckContext, CheckRequest, Recipient
from atesaki.core.checks import content as checks
from atesaki.core.content import name_matchers_for
from atesaki.core.domains import is_internal
from atesaki.core.names import person_profile
from atesaki.knowledge import Knowledge, Person
from atesaki.settings import Settings
from tests.conftest import DATA

INTERNAL = ("agency.go.jp",)
SENDER = "tanaka@agency.go.jp"


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

MAILS = DATA / "mails"
PEOPLE = (
    ("田中 一郎", SENDER, "directory"),
    ("鈴木 花子", "suzuki@agency.go.jp", "directory"),
    ("佐藤 健二", "k.sato@example.com", "contacts"),
    ("山本 太郎", "t.yamamoto@abc-shoji.co.jp", "contacts"),
)
INCIDENT = """各位

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
        kb=knowledge(*PEOPLE), kind="forward", subject="Fwd: 見学のお願い", body=INCIDENT,
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
    ctx = context("to:suzuki@agency.go.jp", kb=knowledge(*PEOPLE), kind="forward", body=INCIDENT)
    assert list(checks.personal_data(ctx)) == []


def test_sending_the_thread_back_to_its_author_is_quiet():
    ctx = context(
        "to:t.yamamoto@abc-shoji.co.jp", kb=knowledge(*PEOPLE), kind="reply", body=INCIDENT,
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


@pytest.mark.parametrize("path", sorted(MAILS.glob("*.txt")), ids=lambda p: p.stem)
@pytest.mark.parametrize(
    "entries",
    [("to:k.sato@example.com", "cc:suzuki@agency.go.jp"), ("to:suzuki@agency.go.jp",)],
    ids=["external", "internal"],
)
def test_ordinary_mail_raises_no_personal_data(path, entries):
    ctx = context(*entries, kb=knowledge(*PEOPLE), body=path.read_text())
    assert list(checks.personal_data(ctx)) == []


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
