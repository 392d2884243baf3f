"""The registry's remembered per-recipient findings: always what a fresh run finds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atesaki.core.checks import (
    SEVERITY_RANK,
    CheckContext,
    CheckRequest,
    Recipient,
    registry,
    run_checks,
)
from atesaki.core.domains import is_internal
from atesaki.core.names import person_profile
from atesaki.core.recipients import parse_address
from atesaki.knowledge import HistoryEntry, Knowledge, Person
from atesaki.settings import Settings

INTERNAL = ["agency.go.jp"]
START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
# (address, display name): staff, namesakes outside, a lookalike, garbage, a stranger
CHIPS = [
    ("m-sato@agency.go.jp", "佐藤 美咲"),
    ("k.sato@example.com", "佐藤 健二"),
    ("k.sato@example.com", "Kenji Sato"),
    ("satoh@school.ed.jp", "サトウ"),
    ("tanaka@agency.go.jp", "田中 一郎"),
    ("tanaka@agency-go.jp", "田中 一郎"),
    ("info@shop.example", "鈴木 花子"),
    ("佐藤さん", ""),
    ("new@else.example", ""),
]
SETTINGS = [
    Settings({"internal_domains": INTERNAL}),
    Settings({"internal_domains": INTERNAL, "blocked_domains": ["example.com"]}),
    Settings({"internal_domains": INTERNAL, "names.stale_days": 30}),
]


def knowledge() -> Knowledge:
    kb = Knowledge(lambda a: is_internal(a, INTERNAL))
    people = [
        ("佐藤 美咲", "m-sato@agency.go.jp", "directory"),
        ("田中 一郎", "tanaka@agency.go.jp", "directory"),
        ("佐藤 健二", "k.sato@example.com", "contacts"),
        ("斎藤 優", "saito@school.ed.jp", "contacts"),
    ]
    for number, (name, address, source) in enumerate(people):
        kb.add_person(Person(
            ref=f"p:{number}", name=name, addresses=(address,),
            internal=is_internal(address, INTERNAL), source=source, organization="",
            profile=person_profile(name, address=address),
        ))
    kb.add_history(HistoryEntry("k.sato@example.com", "佐藤 健二", 4, None,
                                (START - timedelta(days=40)).isoformat()))
    return kb


def request(chips: list[tuple[str, str]]) -> CheckRequest:
    recipients = []
    for index, (text, name) in enumerate(chips):
        parsed = parse_address(text)
        recipients.append(Recipient(
            index=index, field=("to", "cc", "bcc")[index % 3], address=parsed.address,
            name=name, domain=parsed.domain, valid=parsed.valid,
            internal=parsed.valid and is_internal(parsed.address, INTERNAL),
        ))
    return CheckRequest(recipients=tuple(recipients), sender="tanaka@agency.go.jp", kind="new")


def fresh(ctx: CheckContext):
    """What every check finds when nothing is remembered."""
    findings = [f for fn in registry().values() for f in fn(ctx)]
    findings.sort(key=lambda f: -SEVERITY_RANK[f.severity])
    return shown(findings)


def shown(findings):
    return [(f.code, f.severity, f.message, f.related, f.recipient) for f in findings]


steps = st.lists(
    st.one_of(
        st.tuples(st.just("check"), st.lists(st.sampled_from(CHIPS), min_size=1, max_size=5)),
        st.tuples(st.just("send"), st.sampled_from(CHIPS[:7])),
        st.tuples(st.just("settings"), st.sampled_from(range(len(SETTINGS)))),
        st.tuples(st.just("days"), st.sampled_from([1, 20, 400])),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=120, deadline=None)
@given(steps=steps)
def test_remembered_findings_always_equal_a_fresh_run(steps):
    kb, chosen, now = knowledge(), SETTINGS[0], START
    for step, value in steps:
        if step == "check":
            ctx = CheckContext(request(value), kb, chosen, now)
            assert shown(run_checks(ctx)) == fresh(ctx)
        elif step == "send":
            address, name = value
            entry = kb.history(address)
            kb.add_history(HistoryEntry(address, name, (entry.count if entry else 0) + 1,
                                        None, now.isoformat()))
        elif step == "settings":
            chosen = SETTINGS[value]
        else:
            now += timedelta(days=value)


def test_a_remembered_recipient_at_another_place_gets_its_own_findings():
    kb = knowledge()
    first = request([CHIPS[1], CHIPS[6]])
    run_checks(CheckContext(first, kb, SETTINGS[0], START))
    swapped = CheckContext(request([CHIPS[6], CHIPS[1]]), kb, SETTINGS[0], START)
    findings = run_checks(swapped)
    assert shown(findings) == fresh(swapped)
    assert {f.code for f in findings if f.recipient == 1} >= {"surname_homonym"}
    assert "surname_homonym" not in {f.code for f in findings if f.recipient == 0}


@pytest.mark.parametrize(("days", "rare"), [(365, False), (366, True)],
                         ids=["365 days after the last send: still written to often",
                              "366 days after: rare again"])
def test_a_recipient_is_rare_again_a_year_after_the_last_send(days, rare):
    kb = knowledge()
    kb.add_history(HistoryEntry("k.sato@example.com", "佐藤 健二", 9, None, START.isoformat()))
    for later in (days - 1, days):  # the day before is remembered; the day itself is new
        ctx = CheckContext(request([CHIPS[1]]), kb, SETTINGS[0],
                           START + timedelta(days=later, hours=14))
        homonym = [f for f in run_checks(ctx) if f.code == "surname_homonym"]
    assert homonym[0].severity == ("high" if rare else "info")


def test_the_families_run_in_their_order():
    """Registration order is run order, and the order of findings of one severity."""
    assert list(registry()) == [
        "address", "recipient", "audience", "attention", "approval_rules",  # basic
        "names_homonym", "names_mismatch",  # names
        "lookalike_domain",  # domains
        "forward_external", "new_domain_in_reply", "attachment_external", "personal_data",
        "unreadable",
        "sender_identity", "addressee", "attachment_org", "pasted_text",  # sender, addressee, paste
    ]
