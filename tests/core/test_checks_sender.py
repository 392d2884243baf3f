"""sender_identity as a plain function: From identities against the recipients and history."""

from __future__ import annotations

import pytest

from atesaki.core.checks import sender as checks
from tests.core.checkbook import SENDER, book, codes, context

HOME = "tanaka.home@gmail.com"
# The user's From identities and the domains each wrote to (as history remembers them).
IDENTITIES = {
    SENDER: {"example.com": 5, "agency.go.jp": 20, "abc-shoji.co.jp": 3},
    HOME: {"gmail.com": 4, "family.jp": 2},
}


def with_identities():
    kb = book()
    for sender, domains in IDENTITIES.items():
        for domain, count in domains.items():
            kb.set_sender_count(sender, domain, count)
    return kb


def warn(index: int = 0):
    return [("sender_identity", "warn", index)]


CASES = [
    ("the personal account writes to a client the work account writes to", HOME,
     ("to:k.sato@example.com",), warn(), [SENDER]),
    ("the personal account writes to a colleague", HOME, ("to:suzuki@agency.go.jp",), warn(), [SENDER]),
    ("only the recipient that does not fit is marked", HOME,
     ("to:friend@family.jp", "cc:k.sato@example.com"), warn(1), [SENDER]),
    ("the work account writes where only the personal one did", SENDER,
     ("to:aunt@family.jp",), warn(), [HOME]),
    ("an unknown personal account writes to staff", "someone@yahoo.co.jp",
     ("to:suzuki@agency.go.jp",), warn(), [SENDER]),
    ("the work account writes to a client it writes to", SENDER, ("to:k.sato@example.com",), [], None),
    ("the work account writes to a colleague", SENDER, ("to:suzuki@agency.go.jp",), [], None),
    ("the personal account writes to a friend at gmail", HOME, ("to:friend@gmail.com",), [], None),
    ("the personal account writes to the family's domain", HOME, ("to:uncle@family.jp",), [], None),
    ("a shared mailbox of the same organisation", "soumu@agency.go.jp", ("to:k.sato@example.com",),
     [], None),
    ("the work account writes to a new organisation", SENDER, ("to:new@newclient.jp",), [], None),
    ("a personal account writes to a stranger", "someone@yahoo.co.jp", ("to:x@newco.jp",), [], None),
    ("no sender read from the compose", "", ("to:k.sato@example.com",), [], None),
]


@pytest.mark.parametrize(("sender", "entries", "expected", "usual"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_sender_identity(sender, entries, expected, usual):
    findings = list(checks.check_sender_identity(context(*entries, kb=with_identities(), sender=sender)))
    assert codes(findings) == expected
    if usual is not None:
        assert [entry["address"] for entry in findings[0].related] == usual


@pytest.mark.parametrize(("entries", "expected"), [
    (("to:suzuki@agency.go.jp",), warn()),
    (("to:k.sato@example.com",), warn()),
    (("to:x@newco.jp",), []),
    (("to:friend@gmail.com",), []),
], ids=["to staff", "to a contact at an organisation's domain", "to a stranger", "to free mail"])
def test_a_personal_account_before_any_history(entries, expected):
    findings = list(checks.check_sender_identity(context(*entries, sender="someone@yahoo.co.jp")))
    assert codes(findings) == expected
    if findings:
        assert "someone@yahoo.co.jp" in findings[0].message.ja
        assert "personal account" in findings[0].message.en


def test_the_message_names_both_identities():
    (finding,) = checks.check_sender_identity(
        context("to:k.sato@example.com", kb=with_identities(), sender=HOME))
    for text in (finding.message.ja, finding.message.en):
        assert HOME in text and SENDER in text and "example.com" in text


def test_the_check_can_be_turned_off():
    ctx = context("to:k.sato@example.com", kb=with_identities(), sender=HOME,
                  settings={"policy.sender_identity": False})
    assert list(checks.check_sender_identity(ctx)) == []
