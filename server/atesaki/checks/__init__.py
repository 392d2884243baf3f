"""The check registry: each finding family is a small function over one check request.

A check is ``def check(ctx: CheckContext) -> Iterable[Finding]``, registered with
``@register("name")``. It reads the request (``ctx.request``), what the user's
address books and history say (``ctx.kb``) and the settings (``ctx.settings``),
and yields findings. Checks never touch the database or Flask, so they are
tested as plain functions, and a new family plugs in without touching the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from atesaki.i18n import Text

if TYPE_CHECKING:  # pragma: no cover
    from atesaki.knowledge import Knowledge
    from atesaki.settings import Settings

SEVERITIES = ("info", "warn", "high", "block")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
KINDS = ("new", "reply", "forward")


@dataclass(frozen=True)
class Recipient:
    """One recipient of the message being checked, parsed and classified."""

    index: int
    field: str  # "to" | "cc" | "bcc"
    address: str  # normalised: local part as typed, domain lower-case ASCII
    name: str  # display name as shown in the compose window ("" if none)
    domain: str  # ASCII, lower-case; "" when the address is invalid
    valid: bool
    internal: bool

    @property
    def key(self) -> str:
        """The address as looked up in the address books and history (lower-case)."""
        return self.address.lower()


@dataclass(frozen=True)
class CheckRequest:
    """A validated ``POST /v1/check`` body."""

    recipients: tuple[Recipient, ...]
    sender: str = ""
    kind: str = "new"  # after subject prefixes were taken into account
    subject: str = ""
    thread_recipients: tuple[str, ...] = ()  # normalised, lower-case addresses
    body: str = ""
    attachments: tuple[dict[str, Any], ...] = ()

    @property
    def external(self) -> tuple[Recipient, ...]:
        """Valid recipients outside the organisation."""
        return tuple(r for r in self.recipients if r.valid and not r.internal)


@dataclass
class Finding:
    """Something the user should see about one recipient or the whole message."""

    code: str
    severity: str
    message: Text
    related: list[dict[str, Any]] = field(default_factory=list)
    recipient: int | None = None  # index into request.recipients; None for the message

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """The finding as the API returns it."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message.get(lang),
            "messages": self.message.as_dict(),
            "related": self.related,
        }


@dataclass
class CheckContext:
    """What every check may read."""

    request: CheckRequest
    kb: Knowledge
    settings: Settings


CheckFn = Callable[[CheckContext], Iterable[Finding]]

_REGISTRY: dict[str, CheckFn] = {}
CHECK_MODULES = ("basic", "names", "domains", "content")


def register(name: str) -> Callable[[CheckFn], CheckFn]:
    """Add a check to the registry under ``name`` (run in registration order)."""

    def decorate(fn: CheckFn) -> CheckFn:
        _REGISTRY[name] = fn
        return fn

    return decorate


def registry() -> dict[str, CheckFn]:
    """Every registered check, after importing the modules that define them."""
    _load_builtin_checks()
    return dict(_REGISTRY)


def run_checks(ctx: CheckContext) -> list[Finding]:
    """Run every registered check and collect the findings, worst first per recipient."""
    findings: list[Finding] = []
    for fn in registry().values():
        findings.extend(fn(ctx))
    findings.sort(key=lambda f: -SEVERITY_RANK[f.severity])
    return findings


def _load_builtin_checks() -> None:
    # Imported here, not at the top, so that the modules can import this one.
    from atesaki.plugins import optional_module

    for module in CHECK_MODULES:
        optional_module(f"atesaki.checks.{module}")
