"""The policy: findings and settings in, a verdict out (pass, confirm, approve, block)."""

from __future__ import annotations

from collections.abc import Iterable

from atesaki.core.checks import SEVERITY_RANK, CheckRequest, Finding

VERDICTS = ("pass", "confirm", "approve", "block")
# Warnings about what the user did, not about who receives it: worth a dialog even when
# every recipient is a colleague (a personal account, a paste from another thread).
SHOWN_ANYWAY = frozenset({"sender_identity", "pasted_text", "attachment_names_other_org"})


def needs_approval(request: CheckRequest, findings: Iterable[Finding], mode: str) -> bool:
    """Whether a second checker's code is required under approval mode ``mode``."""
    findings = list(findings)
    if not request.recipients:
        return False
    if any(f.code == "approval_rule" for f in findings):
        return True  # the administrator's rule, whatever the approval mode
    if mode == "never":
        return False
    if mode == "always":
        return True
    not_reply = request.kind != "reply"
    if mode == "non_reply_external":
        return not_reply and bool(request.external)
    # "risky": any high finding, or a message that is not a reply going to an
    # external address the user has never sent to.
    if any(f.severity == "high" for f in findings):
        return True
    first_time = {f.recipient for f in findings if f.code == "first_time"}
    return not_reply and any(r.index in first_time for r in request.external)


def needs_confirmation(request: CheckRequest, findings: Iterable[Finding], mode: str) -> bool:
    """Whether the user must tick every recipient under confirm mode ``mode``."""
    findings = list(findings)
    if not request.recipients:
        return False
    if mode == "always":
        return True
    worst = max((SEVERITY_RANK[f.severity] for f in findings), default=0)
    if mode == "risky":
        return worst >= SEVERITY_RANK["warn"]
    return (bool(request.external) or worst >= SEVERITY_RANK["high"]
            or any(f.code in SHOWN_ANYWAY for f in findings))


def verdict(request: CheckRequest, findings: Iterable[Finding], settings) -> str:
    """The verdict for a message: ``block`` beats ``approve`` beats ``confirm`` beats ``pass``."""
    findings = list(findings)
    if any(f.severity == "block" for f in findings):
        return "block"
    if needs_approval(request, findings, settings.policy_approval):
        return "approve"
    if needs_confirmation(request, findings, settings.policy_confirm):
        return "confirm"
    return "pass"
