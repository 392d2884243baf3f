"""Basic findings: addresses that cannot be sent to, external and first-time recipients, audience."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from atesaki.core.checks.registry import CheckContext, Finding, register
from atesaki.core.domains import mail_providers, registrable_domain, within
from atesaki.core.i18n import Text

# Each address at a free-mail provider is its own "organisation": two Gmail users
# are as much strangers to each other as two companies are.
FREEMAIL = frozenset(mail_providers()) | {"mail.com"}


def organisation(address: str, domain: str) -> str:
    """Who is behind an address: its registrable domain, or the address itself at a free-mail provider."""
    registrable = registrable_domain(domain) or domain
    return address.lower() if registrable in FREEMAIL else registrable


@register("address", per_recipient=True)
def check_addresses(ctx: CheckContext) -> Iterator[Finding]:
    """invalid_address and blocked_domain: messages that cannot be sent at all."""
    blocked = ctx.settings.blocked_domains
    for r in ctx.request.recipients:
        if not r.valid:
            yield Finding(
                "invalid_address", "block",
                Text("「{a}」はメールアドレスとして正しくありません。",
                     "“{a}” is not a valid e-mail address.").format(a=r.address[:200]),
                recipient=r.index,
            )
            continue
        hit = next((b for b in blocked if within(r.domain, b)), None)
        if hit:
            yield Finding(
                "blocked_domain", "block",
                Text("{d} への送信は管理者により禁止されています。",
                     "Sending to {d} is not allowed by your administrator.").format(d=hit),
                related=[{"domain": hit}],
                recipient=r.index,
            )


EXTERNAL = Text("社外のアドレスです（{d}）。", "External address ({d}).")
FIRST_TIME = Text("このアドレスに送信するのは初めてです。",
                  "You have never sent to this address before.")
NOT_IN_ADDRESS_BOOK = Text("職員名簿にも連絡先にもないアドレスです。",
                           "This address is in neither the staff directory nor your contacts.")


@functools.lru_cache(maxsize=4096)
def _external(domain: str) -> Text:
    return EXTERNAL.format(d=domain)  # one text per domain, however many recipients


@register("recipient", per_recipient=True)
def check_recipients(ctx: CheckContext) -> Iterator[Finding]:
    """external, first_time and not_in_address_book for each recipient."""
    kb = ctx.kb
    for r in ctx.request.recipients:
        if not r.valid:
            continue
        if not r.internal:
            yield Finding("external", "info", _external(r.domain), recipient=r.index)
        if kb.history(r.key) is None:
            yield Finding("first_time", "warn", FIRST_TIME, recipient=r.index)
        if not kb.in_address_book(r.key):
            yield Finding("not_in_address_book", "warn", NOT_IN_ADDRESS_BOOK, recipient=r.index)


@register("audience")
def check_audience(ctx: CheckContext) -> Iterator[Finding]:
    """visible_external_recipients and large_audience: who would see whom."""
    request, settings = ctx.request, ctx.settings
    visible: dict[str, list] = {}
    for r in request.external:
        if r.field in ("to", "cc"):
            visible.setdefault(organisation(r.address, r.domain), []).append(r)
    if len(visible) >= settings.policy_visible_external_orgs:
        orgs = sorted(visible)
        # One text and one list for all of them: every such recipient sees the same.
        message = Text("To/Cc に社外の {n} 組織（{o}）が並び、互いのアドレスが見えます。"
                       "社外の宛先は Bcc にしてください。",
                       "To/Cc show {n} external organisations ({o}) to each other. "
                       "Put external recipients in Bcc.").format(
            n=len(orgs), o=", ".join(orgs[:5]) + (" …" if len(orgs) > 5 else "")
        )
        related = [{"domain": o} for o in orgs]
        for group in visible.values():
            for r in group:
                yield Finding("visible_external_recipients", "high", message,
                              related=related, recipient=r.index)
    count = len(request.recipients)
    if count > settings.policy_large_audience:
        yield Finding(
            "large_audience", "warn",
            Text("宛先が {n} 件あります（上限の目安 {m} 件）。一斉送信は Bcc か配信リストを使ってください。",
                 "{n} recipients (more than {m}). For a mass mailing use Bcc or a list.").format(
                n=count, m=settings.policy_large_audience
            ),
        )
