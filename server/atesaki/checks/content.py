"""Checks on what a message carries and where: forwards, replies, attachments, personal data."""

from __future__ import annotations

from collections.abc import Iterator

from atesaki.checks import CheckContext, Finding, Recipient, register
from atesaki.i18n import Text


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower().rstrip(".")


def _same_org_domain(domain: str, known: set[str]) -> bool:
    # mail.example.co.jp and example.co.jp are one organisation's; a parent or child
    # of a thread domain is not "new".
    return any(
        domain == other or domain.endswith("." + other) or other.endswith("." + domain)
        for other in known
    )


def _related_recipient(recipient: Recipient) -> dict[str, object]:
    return {"address": recipient.address, "name": recipient.name, "internal": recipient.internal}


def _list(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", … (+{len(items) - limit})" if len(items) > limit else "")


@register("forward_external")
def forward_external(ctx: CheckContext) -> Iterator[Finding]:
    """A forward with any external recipient: one message-level warning naming them."""
    request = ctx.request
    external = request.external
    if request.kind != "forward" or not external:
        return
    addresses = [r.address for r in external]
    yield Finding(
        code="forward_external",
        severity="warn",
        message=Text(
            "転送メッセージが組織の外へ送られます（{who}）。転送される元のメールの本文・"
            "署名・宛先にも、相手に見せてよいか確かめていない情報が含まれていないか確認してください。",
            "This forward goes outside your organisation ({who}). Check that the forwarded "
            "message, its signature and its address lines hold nothing they should not see.",
        ).format(who=_list(addresses)),
        related=[_related_recipient(r) for r in external],
    )


@register("new_domain_in_reply")
def new_domain_in_reply(ctx: CheckContext) -> Iterator[Finding]:
    """A reply adding an external domain that was on neither the thread nor the sender's side."""
    request = ctx.request
    # Without the thread's addresses there is nothing to compare with: say nothing
    # rather than flag every recipient.
    if request.kind != "reply" or not request.thread_recipients:
        return
    thread_domains = {_domain(a) for a in request.thread_recipients if "@" in a}
    if request.sender:
        thread_domains.add(_domain(request.sender))
    thread_domains.discard("")
    for recipient in request.external:
        if _same_org_domain(recipient.domain, thread_domains):
            continue
        yield Finding(
            code="new_domain_in_reply",
            severity="warn",
            message=Text(
                "返信に、元のやりとりになかったドメイン「{domain}」の宛先が加わっています。"
                "この人を加えるつもりだったか、引用部分を読まれてよいか確認してください。",
                "This reply adds a recipient at {domain}, a domain that was not on the thread. "
                "Check that you meant to add them and that they may read the quoted messages.",
            ).format(domain=recipient.domain),
            related=[{"domain": d} for d in sorted(thread_domains)],
            recipient=recipient.index,
        )


@register("attachment_external")
def attachment_external(ctx: CheckContext) -> Iterator[Finding]:
    """Attachments going to any external recipient: one message-level warning listing the files."""
    request = ctx.request
    if not request.attachments or not request.external:
        return
    names = [str(a.get("name") or "?") for a in request.attachments]
    yield Finding(
        code="attachment_external",
        severity="warn",
        message=Text(
            "添付ファイル {count} 件（{names}）が組織の外（{who}）へ送られます。"
            "ファイルの中身と宛先が正しいか確認してください。",
            "{count} attachment(s) ({names}) go outside your organisation ({who}). "
            "Check the files and the recipients.",
        ).format(
            count=len(names), names=_list(names), who=_list([r.address for r in request.external])
        ),
        related=[
            {"name": str(a.get("name") or ""), "size": a.get("size")} for a in request.attachments
        ],
    )
