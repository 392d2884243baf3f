"""A small address book and check contexts for the table tests of the message-wide checks."""

from __future__ import annotations

from atesaki.core.checks import CheckContext, CheckRequest, Recipient
from atesaki.core.domains import is_internal
from atesaki.core.known import Person
from atesaki.core.names import person_profile
from atesaki.knowledge import Knowledge
from atesaki.settings import Settings

INTERNAL = ("agency.go.jp",)
SENDER = "tanaka@agency.go.jp"
# (name, address, source, organisation)
PEOPLE = (
    ("田中 一郎", SENDER, "directory", "中央行政庁"),
    ("鈴木 花子", "suzuki@agency.go.jp", "directory", "中央行政庁"),
    ("山本 花子", "h.yamamoto@agency.go.jp", "directory", "中央行政庁"),
    ("佐藤 健二", "k.sato@example.com", "contacts", "株式会社エグザンプル"),
    ("山本 太郎", "t.yamamoto@abc-shoji.co.jp", "contacts", "株式会社ABC商事"),
    ("伊藤 美咲", "m.ito@a-sha.co.jp", "contacts", "A社"),
    ("髙橋 次郎", "j.takahashi@b-sha.co.jp", "contacts", "B社"),
    ("John Smith", "j.smith@acme.com", "contacts", "ACME Inc."),
)


def book(*people: tuple[str, str, str, str]) -> Knowledge:
    """A Knowledge holding ``people`` (default PEOPLE) as (name, address, source, organisation)."""
    kb = Knowledge(lambda a: is_internal(a, INTERNAL))
    for number, (name, address, source, org) in enumerate(people or PEOPLE):
        kb.add_person(Person(
            ref=f"p:{number}", name=name, addresses=(address,),
            internal=is_internal(address, INTERNAL), source=source, organization=org,
            profile=person_profile(name, address=address),
        ))
    return kb


def recipients(*entries: str) -> tuple[Recipient, ...]:
    """Recipients from "field:address" or "field:address:name" strings."""
    out = []
    for index, entry in enumerate(entries):
        field, address, *name = entry.split(":")
        domain = address.rpartition("@")[2]
        out.append(Recipient(index=index, field=field, address=address,
                             name=name[0] if name else "", domain=domain, valid=True,
                             internal=is_internal(domain, INTERNAL)))
    return tuple(out)


def context(*entries: str, kb: Knowledge | None = None, settings: dict | None = None,
            **fields) -> CheckContext:
    """A check context for a message (from SENDER unless ``sender`` is given)."""
    fields.setdefault("sender", SENDER)
    request = CheckRequest(recipients=recipients(*entries), **fields)
    values = {"internal_domains": list(INTERNAL), **(settings or {})}
    return CheckContext(request=request, kb=kb or book(), settings=Settings(values))


def codes(findings) -> list[tuple[str, str, int | None]]:
    """(code, severity, recipient index) of each finding."""
    return [(f.code, f.severity, f.recipient) for f in findings]
