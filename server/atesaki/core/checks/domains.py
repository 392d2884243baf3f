"""The ``lookalike_domain`` finding: a recipient's domain imitates a domain the user really deals with."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from atesaki.core.checks.registry import CheckContext, Finding, register
from atesaki.core.domains import Lookalike, LookalikeDetector, unicode_domain
from atesaki.core.i18n import Text

if TYPE_CHECKING:  # pragma: no cover
    from atesaki.knowledge import Knowledge

MAX_RELATED = 3  # more real domains than this only crowd the dialog

WHY = {
    "confusable": Text(
        "見た目がそっくりな別の文字が使われています",
        "it uses different characters that look the same",
    ),
    "embedded": Text(
        "{real} が別のドメインの一部に埋め込まれています",
        "{real} is only part of a different domain",
    ),
    "punctuation": Text("「.」や「-」の位置だけが違います", "only the dots or hyphens differ"),
    "other_suffix": Text("名前は同じですが末尾が違います", "the same name with a different ending"),
    "typo": Text("1～2文字だけ違います", "it differs by one or two letters"),
}

MESSAGE = Text(
    "{domain} は {real} に似せたドメインかもしれません（{why}）。"
    "本当にこの宛先でよいか、ドメインを一文字ずつ確かめてください。",
    "{domain} may be imitating {real} ({why}). Check the domain letter by letter before you send.",
)

_lock = threading.Lock()
# The detector in use, the settings it was built for, the Knowledge it last saw, how
# many domains that had, and the domains it was fed (to tell growth from removal).
_cache: dict[str, Any] = {
    "key": None,
    "kb": None,
    "count": -1,
    "fed": frozenset(),
    "detector": None,
}


def _shown(domain: str) -> str:
    """The domain as the user reads it, with the xn-- form when they differ."""
    readable = unicode_domain(domain)
    return domain if readable == domain else f"{readable} ({domain})"


def message(domain: str, found: list[Lookalike]) -> Text:
    """The finding's text in both languages, naming the most likely real domain."""
    first = found[0]
    why = WHY[first.reason].format(real=first.real)
    real = " または ".join(f.real for f in found[:MAX_RELATED])
    real_en = " or ".join(f.real for f in found[:MAX_RELATED])
    return Text(
        MESSAGE.ja.format(domain=_shown(domain), real=real, why=why.ja),
        MESSAGE.en.format(domain=_shown(domain), real=real_en, why=why.en),
    )


def detector_for(kb: Knowledge, settings: Any) -> LookalikeDetector:
    """The detector for this knowledge and these settings, reused while neither changes.

    Other settings build a new one. Knowledge that only grew (the user sent to a new
    domain, an import added contacts) extends it in place, which costs microseconds a
    domain; knowledge that lost a domain builds a new one (about 0.3 s of CPU for
    20,000 domains). Call it once in the background after loading to have it ready.
    """
    internal = tuple(sorted(getattr(settings, "internal_domains", None) or ()))
    allow = getattr(settings, "lookalike_allow", None) or []
    key = (internal, repr(allow))
    known = kb.known_domains()
    with _lock:
        detector = _cache["detector"]
        if detector is not None and _cache["key"] == key:
            if _cache["kb"] is kb and _cache["count"] == len(known):
                return detector
            current = frozenset(known)
            if _cache["fed"] <= current:
                detector.add(current - _cache["fed"])
                _cache.update(kb=kb, count=len(known), fed=current)
                return detector
        current = frozenset(known)
        detector = LookalikeDetector([*internal, *current], allow)
        _cache.update(key=key, kb=kb, count=len(known), fed=current, detector=detector)
        return detector


@register("lookalike_domain", per_recipient=True)
def check_lookalike_domains(ctx: CheckContext) -> Iterator[Finding]:
    """lookalike_domain: a recipient's domain imitates a known one (see atesaki.domains)."""
    recipients = [r for r in ctx.request.recipients if r.valid and not r.internal and r.domain]
    if not recipients:
        return
    detector = detector_for(ctx.kb, ctx.settings)
    for r in recipients:
        found = detector.check(r.domain)
        if found:
            yield Finding(
                "lookalike_domain",
                "high",
                message(r.domain, found),
                related=[f.to_dict() for f in found[:MAX_RELATED]],
                recipient=r.index,
            )
