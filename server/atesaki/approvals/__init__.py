"""Second checkers' approvals: enrolment, one-time codes, lockout, release tokens (issue 6).

``core`` works on the store alone; ``web`` adds the endpoints and the enrolment
page; ``commands`` adds ``atesaki checker``. The names other modules rely on are
re-exported here.
"""

from __future__ import annotations

from atesaki.approvals.commands import checker_group
from atesaki.approvals.core import (
    MIGRATIONS,
    Checker,
    Grant,
    add_checker,
    approve,
    consume_release,
    find_checker,
    list_checkers,
    otpauth_uri,
    remove_checker,
)
from atesaki.approvals.web import OPENAPI_PATHS, OPENAPI_SCHEMAS, init_app

__all__ = [
    "MIGRATIONS",
    "OPENAPI_PATHS",
    "OPENAPI_SCHEMAS",
    "Checker",
    "Grant",
    "add_checker",
    "approve",
    "checker_group",
    "consume_release",
    "find_checker",
    "init_app",
    "list_checkers",
    "otpauth_uri",
    "remove_checker",
]
