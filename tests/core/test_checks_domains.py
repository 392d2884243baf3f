"""Tests for the lookalike_domain check as a plain function over a hand-built CheckContext."""

from __future__ import annotations

import pytest

from atesaki.core.checks import CheckContext, CheckRequest, Recipient, registry, run_checks
from atesaki.core.checks import domains as check
from atesaki.core.domains import is_internal
from atesaki.core.names import person_profile
from atesaki.knowledge import HistoryEntry, Knowledge, Person
from atesaki.settings import Settings

INTERNAL = ["agency.go.jp"]


def knowledge() -> Knowledge:
    """A staff member, a contact at 佐藤工業 and a history entry at a school."""
    kb = Knowledge(lambda a: is_internal(a, INTERNAL))
    people = [
        ("佐藤 美咲", "m-sato@agency.go.jp", "directory"),
        ("佐藤 健二", "k.sato@sato-kogyo.co.jp", "contacts"),
    ]
    for number, (name, address, source) in enumerate(people):
        kb.add_person(
            Person(
                ref=f"p:{number}", name=name, addresses=(address,),
                internal=is_internal(address, INTERNAL), source=source, organization="",
                profile=person_profile(name, address=address),
            )
        )
    kb.add_history(HistoryEntry("head@school.ed.jp", "校長", 3, None, None))
    return kb


def context(*addresses: str, kb: Knowledge | None = None, **settings) -> CheckContext:
    """A message to the given addresses ("!" in front marks an address that did not parse)."""
    recipients = []
    for index, address in enumerate(addresses):
        valid = not address.startswith("!")
        address = address.lstrip("!")
        domain = address.rpartition("@")[2] if valid else ""
        recipients.append(
            Recipient(index=index, field="to", address=address, name="", domain=domain,
                      valid=valid, internal=valid and is_internal(domain, INTERNAL))
        )
    request = CheckRequest(recipients=tuple(recipients), sender="tanaka@agency.go.jp")
    values = {"internal_domains": INTERNAL, **settings}
    return CheckContext(request=request, kb=kb or knowledge(), settings=Settings(values))


def lookalikes(ctx: CheckContext):
    return [f for f in check.check_lookalike_domains(ctx) if f.code == "lookalike_domain"]


FIRES = [
    ("a typo of gmail.com", "k@gmial.com", [{"domain": "gmail.com", "reason": "typo"}]),
    ("the agency's domain with a hyphen", "m-sato@agency-go.jp",
     [{"domain": "agency.go.jp", "reason": "punctuation"}]),
    ("a contact's domain under .com", "k.sato@sato-kogyo.com",
     [{"domain": "sato-kogyo.co.jp", "reason": "other_suffix"}]),
    ("a school from history, embedded", "head@school.ed.jp.example.net",
     [{"domain": "school.ed.jp", "reason": "embedded"}]),
    ("a Cyrillic о in a carrier's domain", "x@xn--dcomo-jye.ne.jp",
     [{"domain": "docomo.ne.jp", "reason": "confusable"}]),
]


@pytest.mark.parametrize(("address", "related"), [c[1:] for c in FIRES], ids=[c[0] for c in FIRES])
def test_an_imitating_domain_is_a_high_finding_naming_the_real_one(address, related):
    (finding,) = lookalikes(context(address))
    assert finding.severity == "high"
    assert finding.recipient == 0
    assert finding.related == related
    real = finding.related[0]["domain"]
    assert real in finding.message.ja and real in finding.message.en
    assert "似せた" in finding.message.ja and "imitating" in finding.message.en


QUIET = [
    ("the internal domain", "m-sato@agency.go.jp"),
    ("a subdomain of the internal domain", "x@mail.agency.go.jp"),
    ("a contact's domain", "k.sato@sato-kogyo.co.jp"),
    ("a domain from history", "head@school.ed.jp"),
    ("a mail provider", "someone@docomo.ne.jp"),
    ("an unrelated company", "info@tokyo-gas.co.jp"),
    ("an address that did not parse", "!gmial.com"),
]


@pytest.mark.parametrize("address", [c[1] for c in QUIET], ids=[c[0] for c in QUIET])
def test_known_and_unrelated_domains_raise_nothing(address):
    assert lookalikes(context(address)) == []


def test_only_the_imitating_recipient_gets_the_finding():
    findings = lookalikes(context("m-sato@agency.go.jp", "k@gmial.com", "a@tokyo-gas.co.jp"))
    assert [f.recipient for f in findings] == [1]


def test_the_message_shows_an_idn_as_read_and_as_sent():
    (finding,) = lookalikes(context("x@xn--gmil-63d.com"))
    assert "gmаil.com (xn--gmil-63d.com)" in finding.message.ja
    assert "gmail.com" in finding.message.en


def test_the_allow_list_silences_a_pair_from_settings():
    allow = [["mail.com", "gmail.com"], ["mail.com", "ymail.com"]]
    assert lookalikes(context("user@mail.com"))  # the FACTS false alarm
    assert lookalikes(context("user@mail.com", lookalike_allow=allow)) == []
    assert lookalikes(context("k@gmial.com", lookalike_allow=allow))


def test_the_allow_list_silences_a_domain_from_settings():
    assert lookalikes(context("x@agency-go.jp", lookalike_allow=["agency-go.jp"])) == []


def test_the_detector_is_reused_until_settings_change_or_a_domain_goes():
    kb = knowledge()
    plain = Settings({"internal_domains": INTERNAL})
    first = check.detector_for(kb, plain)
    assert check.detector_for(kb, plain) is first
    allow = Settings({"internal_domains": INTERNAL, "lookalike_allow": ["mail.com"]})
    assert check.detector_for(kb, allow) is not first
    first = check.detector_for(kb, plain)
    # A reload that only adds domains (an import) keeps the detector and extends it.
    grown = knowledge()
    grown.add_history(HistoryEntry("a@new-partner.co.jp", "", 1, None, None))
    assert check.detector_for(grown, plain) is first
    assert first.is_known("new-partner.co.jp")
    # A reload that lost a domain (a contact deleted) starts afresh without it.
    smaller = Knowledge(lambda a: is_internal(a, INTERNAL))
    fresh = check.detector_for(smaller, plain)
    assert fresh is not first
    assert not fresh.is_known("sato-kogyo.co.jp")


def test_a_domain_the_user_starts_writing_to_stops_firing():
    kb = knowledge()
    assert lookalikes(context("k@sato-kogyo.com", kb=kb))
    kb.add_history(HistoryEntry("k@sato-kogyo.com", "佐藤", 1, None, None))
    assert lookalikes(context("k@sato-kogyo.com", kb=kb)) == []


def test_the_check_is_registered_and_runs_with_the_others():
    assert "lookalike_domain" in registry()
    findings = run_checks(context("k@gmial.com"))
    assert "lookalike_domain" in [f.code for f in findings]


def test_the_api_reports_a_lookalike_on_the_recipient(client):
    body = client.check([{"field": "to", "address": "k.sato@gmial.com", "name": "佐藤 健二"}])
    (recipient,) = body["recipients"]
    finding = next(f for f in recipient["findings"] if f["code"] == "lookalike_domain")
    assert finding["severity"] == "high"
    assert finding["related"] == [{"domain": "gmail.com", "reason": "typo"}]
    assert body["verdict"] == "approve"
