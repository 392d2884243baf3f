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
from atesaki.core.schema import compile_schema, refusal

MAX_PASTES = 50
MAX_PASTE_ADDRESSES = 50

# The request's "pastes" as the OpenAPI document (atesaki.web.openapi) publishes it.
PASTES_SCHEMA: dict[str, Any] = {
    "type": ["array", "null"], "maxItems": MAX_PASTES,
    "description": "What the extension saw pasted into the body (pasted_text).",
    "items": {
        "type": "object",
        "properties": {
            "length": {"type": ["integer", "null"], "minimum": 0},
            "from_page": {"type": ["boolean", "null"]},
            "addresses": {
                "type": ["array", "null"], "maxItems": MAX_PASTE_ADDRESSES,
                "items": {"type": "string", "maxLength": 320},
            },
        },
    },
}
_PASTES = compile_schema(PASTES_SCHEMA)


class PasteError(ValueError):
    """``pastes`` in a check request is not what the extension sends; the text names where."""


def parse_pastes(value: Any) -> tuple[dict[str, Any], ...]:
    """The request's ``pastes``, checked against ``PASTES_SCHEMA``: [{"length", "from_page", "addresses"}]."""
    problem = refusal(_PASTES, value, root="pastes")
    if problem is not None:
        raise PasteError(problem.message.en)
    return tuple(
        {
            "length": int(item.get("length") or 0),  # JSON's 7146.0 is an integer too
            "from_page": item.get("from_page") is True,
            "addresses": sorted({a.strip().lower() for a in item.get("addresses") or ()
                                 if "@" in a}),
        }
        for item in value or ()
    )


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
