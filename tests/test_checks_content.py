"""Tests for the content checks as plain functions over a hand-built CheckContext."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from atesaki.checks import CheckContext, CheckRequest, Recipient
from atesaki.checks import content as checks
from atesaki.domains import is_internal
from atesaki.knowledge import Knowledge, Person
from atesaki.names import person_profile

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
    settings = SimpleNamespace(internal_domains=list(INTERNAL))
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
