"""The one clock: every "now" in Atesaki is read here, in UTC.

``now()`` is the service's time. The web layer lets a test app set its own clock
(``app.config["CLOCK"]``) for the length of a request with ``use``; outside a
request, or without one, it is the system's. ``real_now()`` never follows a test
clock (sign-in lifetimes use it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

Clock = Callable[[], datetime]

_current: ContextVar[Clock | None] = ContextVar("atesaki_clock", default=None)


def real_now() -> datetime:
    """The system's current time (UTC), whatever clock a request uses."""
    return datetime.now(UTC)


def now() -> datetime:
    """The current time (UTC): the clock set with ``use``, else the system's."""
    source = _current.get()
    return source() if source is not None else datetime.now(UTC)


def iso(moment: datetime | None = None, timespec: str = "seconds") -> str:
    """``moment`` (default: now) as ISO 8601 in UTC, the format the store keeps."""
    return (moment or now()).astimezone(UTC).isoformat(timespec=timespec)


def set_clock(source: Clock | None) -> object:
    """Make ``source`` this thread's clock until ``reset_clock(token)``; returns the token."""
    return _current.set(source)


def reset_clock(token: object) -> None:
    """Undo a ``set_clock``."""
    _current.reset(token)  # type: ignore[arg-type]


@contextlib.contextmanager
def use(source: Clock | None) -> Iterator[None]:
    """Read time from ``source`` inside the block (None: the system's clock)."""
    token = _current.set(source)
    try:
        yield
    finally:
        _current.reset(token)
