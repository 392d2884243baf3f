"""unreadable_recipient: the webmail shows a recipient the extension could not read, so nothing may pass.

The extension reports these in the check request's ``findings`` list (the only
finding a client may report): a chip with no address, fewer recipients read than
chips shown, or none read at all. The service never lets such a check pass: each
report becomes a ``block`` finding, so the verdict is ``block`` and ``/v1/sends``
refuses the send (``blocked``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from atesaki.core.checks.registry import CheckContext, Finding, register
from atesaki.core.i18n import Text

CODE = "unreadable_recipient"
# Why the extension could not read it (the schema of /v1/check lists these); free text is
# cut to MAX_TEXT characters.
REASONS = ("no_address", "count_mismatch", "none_read", "unresolved")
MAX_TEXT = 500

_TEXTS = {
    "no_address": Text("宛先「{who}」のアドレスを読み取れません。送信前に、作成画面でアドレスを確かめてください。",
                       "Cannot read the address of the recipient “{who}”. "
                       "Check the address in the message before sending."),
    "unresolved": Text("宛先「{who}」のアドレスを特定できません（名前だけが表示されています）。"
                       "候補一覧から選び直してください。",
                       "Cannot tell which address the recipient “{who}” is (only a name is shown). "
                       "Pick them again from the suggestions."),
    "count_mismatch": Text("作成画面には宛先が {shown} 件ありますが、{read} 件しか読み取れませんでした。",
                           "The message shows {shown} recipients but only {read} could be read."),
    "none_read": Text("宛先を 1 件も読み取れませんでした。",
                      "No recipient could be read."),
}


def reports_from(data: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """The extension's ``findings`` in a check request, as the check reads them.

    The web layer has checked the request against its OpenAPI schema first: only
    ``unreadable_recipient`` reports, each member of the type the schema says.
    """
    return tuple(
        {
            "field": item.get("field"),
            "name": _text(item.get("name")),
            "reason": item.get("reason") or "no_address",
            "shown": int(item.get("shown") or 0),
            "read": int(item.get("read") or 0),
        }
        for item in data.get("findings") or ()
    )


@register("unreadable")
def check_unreadable(ctx: CheckContext) -> Iterator[Finding]:
    """One block finding per recipient the extension reported it could not read."""
    for report in ctx.request.reported:
        reason = report["reason"]
        message = _TEXTS[reason].format(
            who=report["name"] or "?", shown=report["shown"], read=report["read"])
        related = [{"field": report["field"], "name": report["name"]}] if report["name"] else []
        yield Finding(CODE, "block", message, related=related)


def _text(value: Any) -> str:
    return value[:MAX_TEXT] if isinstance(value, str) else ""
