"""The check registry: each finding family is a small function over one check request.

A check is ``def check(ctx: CheckContext) -> Iterable[Finding]``, registered with
``@register("name")``. It reads the request (``ctx.request``), what the user's
address books and history say (``ctx.kb``) and the settings (``ctx.settings``),
and yields findings. Checks never touch the database or Flask, so they are
tested as plain functions, and a new family plugs in without touching the others.

A check registered with ``per_recipient=True`` promises that each recipient's
findings depend only on that recipient (address, display name, inside or not), the
Knowledge, the settings and the date, never on the other recipients or the body.
Its findings are then remembered per recipient: the same people come back draft
after draft, and a send, an import, a settings change or a new day starts afresh.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from atesaki.core import clock
from atesaki.core.i18n import Text

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
    # The address as looked up in the address books and history (lower-case); every
    # check asks for it. Given by whoever parsed the address, else made here.
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.address.lower())


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
    pastes: tuple[dict[str, Any], ...] = ()  # what the extension saw pasted (checks/paste.py)
    # What the extension reported it could not read (checks/unreadable.py): never a pass.
    reported: tuple[dict[str, Any], ...] = ()

    @cached_property  # several checks ask; a frozen dataclass still takes it
    def external(self) -> tuple[Recipient, ...]:
        """Valid recipients outside the organisation."""
        return tuple(r for r in self.recipients if r.valid and not r.internal)


@dataclass(slots=True)
class Finding:
    """Something the user should see about one recipient or the whole message."""

    code: str
    severity: str
    message: Text
    related: list[dict[str, Any]] = field(default_factory=list)
    recipient: int | None = None  # index into request.recipients; None for the message

    def for_recipient(self, index: int) -> Finding:
        """A copy of this finding about the recipient at ``index`` (a remembered one, reused)."""
        return Finding(self.code, self.severity, self.message, self.related, index)

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
    now: datetime | None = None  # the service's clock; None: the system's

    def setting(self, name: str, default: Any) -> Any:
        """A setting by dotted name; ``default`` when these settings do not have it."""
        try:
            return self.settings.get(name)
        except (KeyError, AttributeError):
            return default

    @property
    def today(self) -> date:
        """The date (UTC) the checks judge by, e.g. how long ago a recipient was written to."""
        return (self.now or clock.now()).astimezone(UTC).date()


CheckFn = Callable[[CheckContext], Iterable[Finding]]

_REGISTRY: dict[str, CheckFn] = {}
_PER_RECIPIENT: set[str] = set()


def register(name: str, *, per_recipient: bool = False) -> Callable[[CheckFn], CheckFn]:
    """Add a check to the registry under ``name`` (run in registration order).

    ``per_recipient``: each recipient's findings depend on nothing but that recipient,
    the Knowledge, the settings and the date (see the module's docstring).
    """

    def decorate(fn: CheckFn) -> CheckFn:
        _REGISTRY[name] = fn
        if per_recipient:
            _PER_RECIPIENT.add(name)
        else:
            _PER_RECIPIENT.discard(name)
        return fn

    return decorate


def registry() -> dict[str, CheckFn]:
    """Every registered check (``atesaki.core.checks`` imports the modules that define them)."""
    return dict(_REGISTRY)


def run_checks(ctx: CheckContext) -> list[Finding]:
    """Run every registered check and collect the findings, worst first per recipient."""
    checks = registry()
    remembered = _per_recipient_findings(ctx, [n for n in checks if n in _PER_RECIPIENT])
    findings: list[Finding] = []
    for name, fn in checks.items():
        if name in remembered:
            findings.extend(remembered[name])
        else:
            findings.extend(fn(ctx))
    findings.sort(key=lambda f: -SEVERITY_RANK[f.severity])
    return findings


# --- remembered per-recipient findings ------------------------------------------------

# Recipients remembered (about 1.1 KB each: the names checks share their namesakes'
# entries and texts): past it the oldest quarter is dropped (a dict in insertion order
# is much cheaper to read than an LRU).
_MEMO_SIZE = 8192
_MEMO_KEY_MAX = 512  # characters of address and name; longer ones are not remembered


def _memo_for(kb: Knowledge) -> dict:
    # The Knowledge's caches own it (atesaki.knowledge.caches): it goes with its Knowledge.
    return kb.caches.part("checks.per_recipient", dict)


def _forget_oldest(kb: Knowledge, memo: dict, count: int) -> None:
    with kb.caches.lock:  # one thread at a time walks the dict's order
        for key in list(itertools.islice(memo, count)):
            memo.pop(key, None)


def _per_recipient_findings(ctx: CheckContext, names: list[str]) -> dict[str, list[Finding]]:
    """The findings of the per-recipient checks ``names``, remembered ones reused."""
    if not names:
        return {}
    kb, settings = ctx.kb, ctx.settings
    # Read before checking: a send meanwhile makes what is found now stale, never current.
    version, today = kb.rank_version, ctx.today
    memo = _memo_for(kb)
    found: dict[int, tuple] = {}  # recipient index -> one tuple of findings per check
    missing = []
    for r in ctx.request.recipients:
        entry = memo.get((r.address, r.name, r.internal))
        if (entry is not None and entry[0] == version and entry[1] is settings
                and entry[2] == today):
            found[r.index] = entry[3]
        else:
            missing.append(r)
    if missing:
        sub = CheckContext(replace(ctx.request, recipients=tuple(missing)), kb, settings, ctx.now)
        fresh: dict[int, list[list[Finding]]] = {r.index: [[] for _ in names] for r in missing}
        for i, name in enumerate(names):
            for f in _REGISTRY[name](sub):
                fresh[f.recipient][i].append(f)
        if len(memo) >= _MEMO_SIZE:
            _forget_oldest(kb, memo, _MEMO_SIZE // 4)
        for r in missing:
            per_check = found[r.index] = tuple(tuple(fs) for fs in fresh[r.index])
            if len(r.address) + len(r.name) <= _MEMO_KEY_MAX:
                memo[(r.address, r.name, r.internal)] = (version, settings, today, per_check)
    result: dict[str, list[Finding]] = {}
    for i, name in enumerate(names):
        # New objects every time: a caller may change what it was given.
        result[name] = [
            f.for_recipient(r.index) for r in ctx.request.recipients for f in found[r.index][i]
        ]
    return result
