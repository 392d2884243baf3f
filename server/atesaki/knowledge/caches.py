"""What the checks remember about one Knowledge, in one object with one rule.

The rule: everything remembered is derived from one Knowledge and lives exactly as
long as it. A new Knowledge (after an import, a sync or a change of
``internal_domains``) starts with nothing remembered, and the old one's memory goes
with it. Within one Knowledge an entry records the ``rank_version``, settings and day
it was made for, and whoever reads it checks them (a send moves ``rank_version``).

Each part is made once, under the lock, and published whole: a reader that finds a
part finds it complete, with or without the GIL. A part that is a plain ``dict`` is
only ever given whole values (one tuple per key), so a reader sees an old entry or a
new one, never half of one. Every part has a limit, enforced by whoever fills it.

What depends on its arguments alone (a name's profile, a parsed address, a domain's
registrable part) is not here: those are bounded ``functools.lru_cache`` memos, listed
with their limits in docs/architecture.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# The parts, by name, and who fills each within its limit:
#   "checks.per_recipient"  findings per recipient (core.checks.registry, _MEMO_SIZE)
#   "names.rankings"        namesake rankings per surname (core.checks.names, an LRU)
#   "names.named"           full-name matches per typed name (core.checks.names, an LRU)
#   "names.shared"          related entries and texts shared by findings (_SHARED_KEPT)
#   "content.matchers"      the name matchers for bodies (core.content, one at a time)
#   "checks.organisations"  outside organisations by name key (core.checks.addressee, one)
#   "sender.identity_orgs"  organisations each From identity wrote to (core.checks.sender, one)
#   "resolve.directory"     staff addresses by display-name key (web.resolve, once)


class Caches:
    """The parts remembered about one Knowledge, each made on first use by ``part``."""

    __slots__ = ("_lock", "_parts")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: dict[str, Any] = {}

    def part(self, name: str, make: Callable[[], Any]) -> Any:
        """The part called ``name`` (listed above), made by ``make`` on first use."""
        part = self._parts.get(name)
        if part is None:
            with self._lock:
                part = self._parts.get(name)
                if part is None:
                    part = make()
                    # A new dict with the part in it replaces the old one: a reader holds
                    # either dict, both whole.
                    self._parts = {**self._parts, name: part}
        return part

    @property
    def lock(self) -> threading.Lock:
        """Held by whoever reorders a part (an LRU's order, dropping a dict's oldest)."""
        return self._lock

    def names(self) -> list[str]:
        """The parts made so far."""
        return list(self._parts)
