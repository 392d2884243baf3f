"""Second checkers' approvals: enrolment, one-time codes, lockout, release tokens (issue 6).

``core`` works on the store alone and ``commands`` adds ``atesaki checker``; the
endpoints and the enrolment page are the web layer's (``atesaki.web.approvals``).
The names other modules rely on are re-exported here.
"""

from __future__ import annotations

from atesaki.approvals.core import (
    Checker,
    Grant,
    add_checker,
    approve,
    consume_release,
    find_checker,
    grant_remote,
    list_checkers,
    otpauth_uri,
    remove_checker,
)

__all__ = [
    "Checker",
    "Grant",
    "add_checker",
    "approve",
    "consume_release",
    "find_checker",
    "grant_remote",
    "list_checkers",
    "otpauth_uri",
    "remove_checker",
]
