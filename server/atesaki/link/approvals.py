"""Approvals through the central service, from this PC: ask a checker, wait, spend the approval.

The request carries what the checker needs to judge (sender, subject, each
recipient with field, name and finding codes, the digest) and never the body or
findings' messages, which may quote it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from atesaki.link.client import Link

LONG_POLL = 25.0
# The central service's limits (central/approvals.clean_request): a longer display name is
# cut for the checker's screen rather than refused; an address this long is invalid anyway.
MAX_ADDRESS = 320
MAX_NAME = 200


def _path(request_id: str, tail: str = "") -> str:
    # The id comes from the extension's URL: quoted whole, it can only ever name a request.
    return f"approvals/{quote(str(request_id), safe='')}{tail}"


def ask(link: Link, check: dict[str, Any], checker: str, *, sender: str = "",
        subject: str = "") -> dict[str, Any]:
    """Ask ``checker`` (id or name) to approve a check response from ``POST /v1/check``."""
    recipients = [
        {"field": r["field"], "address": r["address"][:MAX_ADDRESS],
         "name": (r.get("name") or "")[:MAX_NAME],
         "findings": [f["code"] for f in r.get("findings", [])]}
        for r in check["recipients"]
    ]
    return link.call("POST", "approvals", {
        "checker": checker, "check_id": check["check_id"], "digest": check["digest"],
        "sender": sender[:MAX_ADDRESS], "subject": subject, "recipients": recipients,
        "findings": [f["code"] for f in check.get("findings", [])],
    })


def inbox(link: Link, after: int = 0, wait: float = LONG_POLL) -> dict[str, Any]:
    """The requests waiting for this PC's user (long-polls up to ``wait`` s)."""
    return link.call("GET", f"approvals/inbox?after={int(after)}&wait={wait:g}",
                     timeout=wait + 15)


def decision(link: Link, request_id: str, wait: float = LONG_POLL) -> dict[str, Any]:
    """A request's state, waiting up to ``wait`` s for the checker's decision."""
    return link.call("GET", _path(request_id, f"?wait={wait:g}"), timeout=wait + 15)


def decide(link: Link, request_id: str, approve: bool, note: str = "") -> dict[str, Any]:
    """This PC's user approves or refuses a request addressed to them."""
    return link.call("POST", _path(request_id, "/decision"),
                     {"decision": "approve" if approve else "refuse", "note": note})


def release(link: Link, request_id: str, digest: str) -> dict[str, Any]:
    """Spend an approval (once) for the recipients with ``digest``."""
    return link.call("POST", _path(request_id, "/release"), {"digest": digest})
