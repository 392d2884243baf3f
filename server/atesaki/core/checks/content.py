"""Checks on what a message carries and where: forwards, replies, attachments, personal data."""

from __future__ import annotations

from collections.abc import Iterator

from atesaki.core.checks.registry import CheckContext, Finding, Recipient, register
from atesaki.core.content import Circle, name_matchers_for, scan_personal_data, summarise
from atesaki.core.domains import within
from atesaki.core.i18n import Text

# What each kind is called in the finding's message: (Japanese, English singular, plural).
_KIND_WORDS = {
    "email": ("メールアドレス", "e-mail address", "e-mail addresses"),
    "phone": ("電話番号", "phone number", "phone numbers"),
    "my_number": ("マイナンバー（個人番号）", "My Number (individual number)", "My Numbers"),
    "address": ("郵便番号付きの住所", "postal address", "postal addresses"),
    "name": ("人の名前", "person's name", "people's names"),
}


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower().rstrip(".")


def _same_org_domain(domain: str, known: set[str]) -> bool:
    # mail.example.co.jp and example.co.jp are one organisation's; a parent or child
    # of a thread domain is not "new".
    return any(
        within(domain, other) or within(other, domain)
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


def _circle(ctx: CheckContext) -> Circle:
    """The sender and the recipients: what they already know about themselves.

    On a reply whose outside recipients were all on the thread, the thread's people
    are in the circle too: the quoted messages already went to them.
    """
    request = ctx.request
    addresses = [request.sender] + [r.address for r in request.recipients if r.valid]
    thread = set(request.thread_recipients)
    if request.kind == "reply" and thread and all(r.key in thread for r in request.external):
        addresses.extend(thread)
    names = [r.name for r in request.recipients if r.name]
    for address in addresses:
        names.extend(p.name for p in ctx.kb.people_at(address) if p.name)
    return Circle.of(addresses, names)


@register("personal_data")
def personal_data(ctx: CheckContext) -> Iterator[Finding]:
    """Personal data in the body or the quoted thread, going to anyone outside: one high finding."""
    request = ctx.request
    external = request.external
    if not external or not request.body:
        return
    hits = scan_personal_data(
        request.body, circle=lambda: _circle(ctx), matchers=name_matchers_for(ctx.kb)
    )
    summary = summarise(hits)
    if not summary:
        return
    parts_ja, parts_en = [], []
    for item in summary:
        ja, one, many = _KIND_WORDS[item["kind"]]
        examples = "、".join(item["examples"])
        parts_ja.append(f"{ja} {item['count']}件（例: {examples}）")
        parts_en.append(
            f"{item['count']} {one if item['count'] == 1 else many} (e.g. {', '.join(item['examples'])})"
        )
    quoted = any(item["quoted"] for item in summary)
    yield Finding(
        code="personal_data",
        severity="high",
        message=Text(
            "本文{where_ja}に個人情報があります: {found_ja}。"
            "人の名前やメールアドレスも個人情報です。組織の外（{who}）に見せてよい内容か確かめ、"
            "不要な部分は消してから送ってください。",
            "The body{where_en} holds personal data: {found_en}. "
            "People's names and e-mail addresses are personal data too. Check that {who}, "
            "outside your organisation, may see it, and delete what they do not need.",
        ).format(
            where_ja="（引用・転送された部分を含む）" if quoted else "",
            where_en=" (quoted and forwarded text included)" if quoted else "",
            found_ja="、".join(parts_ja),
            found_en="; ".join(parts_en),
            who=_list([r.address for r in external], 3),
        ),
        related=summary,
    )
