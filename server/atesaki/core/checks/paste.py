"""Pasted text: pasted_text, from what the extension noticed while the body was written.

The extension reports each paste into the body in the check request's ``pastes``:
its length, whether the text is shown elsewhere on the page in another message, and
the addresses that message went to. The service turns that into a finding, so that
the policy and the audit log see it like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from atesaki.core.checks.registry import CheckContext, Finding, register
from atesaki.core.i18n import Text

MAX_PASTES = 50
MAX_PASTE_ADDRESSES = 50


class PasteError(ValueError):
    """``pastes`` in a check request is not what the extension sends; the text names where."""


def parse_pastes(value: Any) -> tuple[dict[str, Any], ...]:
    """The request's ``pastes`` validated: [{"length": int, "from_page": bool, "addresses": [str]}]."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_PASTES:
        raise PasteError(f"pastes: must be an array of at most {MAX_PASTES} objects")
    pastes = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise PasteError(f"pastes[{i}]: must be an object")
        length = item.get("length") or 0
        if isinstance(length, float) and length.is_integer():  # JSON's 7146.0 is an integer too
            length = int(length)
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise PasteError(f"pastes[{i}].length: must be a whole number ≥ 0")
        addresses = item.get("addresses") or []
        if (not isinstance(addresses, list) or len(addresses) > MAX_PASTE_ADDRESSES
                or not all(isinstance(a, str) and len(a) <= 320 for a in addresses)):
            raise PasteError(f"pastes[{i}].addresses: must be an array of addresses")
        pastes.append({
            "length": length,
            "from_page": item.get("from_page") is True,
            "addresses": sorted({a.strip().lower() for a in addresses if "@" in a}),
        })
    return tuple(pastes)


@register("pasted_text")
def check_pasted_text(ctx: CheckContext) -> Iterator[Finding]:
    """pasted_text: a long paste, or a paste of text from a message to people not on this one."""
    request = ctx.request
    pastes = getattr(request, "pastes", ())
    if not pastes:
        return
    minimum = ctx.setting("policy.paste_min_chars", 300)
    on_this = {r.key for r in request.recipients} | {request.sender} | set(request.thread_recipients)
    strangers: list[str] = []
    if ctx.setting("policy.paste_from_page", True):
        for paste in pastes:
            if paste["from_page"]:
                strangers += [a for a in paste["addresses"] if a not in on_this and a not in strangers]
    longest = max(p["length"] for p in pastes)
    long_paste = minimum > 0 and longest >= minimum
    if strangers:
        message = Text(
            "本文に、別の相手（{who}）宛てのメッセージの文章が貼り付けられています。"
            "別のやりとりの内容が混ざっていないか確かめてください。",
            "The body holds text pasted from a message to other people ({who}). "
            "Check that nothing from another conversation went in.",
        ).format(who=", ".join(strangers[:3]) + (" …" if len(strangers) > 3 else ""))
    elif long_paste:
        message = Text(
            "本文に長い文章（{n} 文字）が貼り付けられています。別のやりとりの文章ではないか、"
            "宛先に見せてよい内容か確かめてください。",
            "A long text ({n} characters) was pasted into the body. Check that it is not from "
            "another conversation and that these recipients may read it.",
        ).format(n=longest)
    else:
        return
    yield Finding("pasted_text", "warn", message,
                  related=[{"address": a} for a in strangers[:5]])
