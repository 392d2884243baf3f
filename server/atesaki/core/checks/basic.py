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


def domain_in(domain: str, domains) -> str | None:
    """The entry of ``domains`` that ``domain`` is, or is a subdomain of; None if none."""
    return next((d for d in domains if within(domain, d)), None)


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
        hit = domain_in(r.domain, blocked)
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
        # The administrator's "bcc" rule: no sending until they are in Bcc (the dialog
        # offers the move, and the check after it passes).
        severity = "block" if settings.policy_visible_external_action == "bcc" else "high"
        for group in visible.values():
            for r in group:
                yield Finding("visible_external_recipients", severity, message,
                              related=related, recipient=r.index)
    count, lists = audience(ctx)
    if count > settings.policy_large_audience:
        if lists:
            message = Text(
                "メーリングリストのメンバーを含めて {n} 人に届きます（上限の目安 {m} 人）。"
                "宛先とリストを確かめてください。",
                "This reaches {n} people, the mailing lists' members included (more than "
                "{m}). Check the recipients and the lists.")
        else:
            message = Text(
                "宛先が {n} 件あります（上限の目安 {m} 件）。一斉送信は Bcc か配信リストを使ってください。",
                "{n} recipients (more than {m}). For a mass mailing use Bcc or a list.")
        yield Finding(
            "large_audience", "warn",
            message.format(n=count, m=settings.policy_large_audience),
            related=[{"address": a, "members": n} for a, n in lists],
        )


def audience(ctx: CheckContext) -> tuple[int, list[tuple[str, int]]]:
    """How many people the message reaches, and the known lists counted by their members.

    Under ``policy.mailing_lists = "one"`` a list is one recipient like any other;
    otherwise a list whose member count the address book knows counts as that many
    (one that does not say counts as one: nothing better is known).
    """
    request = ctx.request
    if ctx.setting("policy.mailing_lists", "members") == "one":
        return len(request.recipients), []
    count, lists = 0, []
    for r in request.recipients:
        found = ctx.kb.mailing_list(r.key) if r.valid else None
        if found is not None and found.members is not None:
            count += max(1, found.members)  # a list said to be empty still reaches its owner
            lists.append((r.address, found.members))
        else:
            count += 1
    return count, lists


LIST_NEEDS_APPROVAL = Text(
    "メーリングリスト宛てのメールは、管理者の規則により第二確認者の承認が必要です。",
    "Mail to a mailing list needs a second checker's approval (your administrator's rule).")
ATTENTION = Text("管理者からの注意（{d}）: {note}", "Note from your administrator ({d}): {note}")


@register("attention", per_recipient=True)
def check_attention(ctx: CheckContext) -> Iterator[Finding]:
    """attention_domain: the administrator's note on each recipient of an attention domain."""
    rules = ctx.settings.attention_domains
    if not rules:
        return
    for r in ctx.request.recipients:
        if not r.valid:
            continue
        for rule in rules:
            hit = domain_in(r.domain, rule["domains"])
            if hit:
                yield Finding(
                    "attention_domain", "warn", ATTENTION.format(d=hit, note=rule["note"]),
                    related=[{"domain": hit, "note": rule["note"]}], recipient=r.index,
                )


@register("approval_rules")
def check_approval_rules(ctx: CheckContext) -> Iterator[Finding]:
    """approval_rule: the administrator's rules that make a message need a second checker."""
    request, settings = ctx.request, ctx.settings
    if settings.policy_approve_domains:
        for r in request.recipients:
            hit = r.valid and domain_in(r.domain, settings.policy_approve_domains)
            if hit:
                yield Finding(
                    "approval_rule", "warn",
                    Text("{d} 宛てのメールは、管理者の規則により第二確認者の承認が必要です。",
                         "Mail to {d} needs a second checker's approval (your administrator's "
                         "rule).").format(d=hit),
                    related=[{"domain": hit}], recipient=r.index,
                )
    limit = settings.policy_approve_external_orgs
    if limit:
        orgs = {organisation(r.address, r.domain) for r in request.external}
        if len(orgs) >= limit:
            yield Finding(
                "approval_rule", "warn",
                Text("社外の {n} 組織に送ります。管理者の規則（{m} 組織以上）により第二確認者の承認が必要です。",
                     "This goes to {n} external organisations: {m} or more need a second "
                     "checker's approval (your administrator's rule).").format(n=len(orgs), m=limit),
            )
    limit = settings.policy_approve_recipients
    count, lists = audience(ctx) if limit else (0, [])
    if limit and count >= limit:
        yield Finding(
            "approval_rule", "warn",
            Text("{n} 人に届きます。管理者の規則（{m} 人以上）により第二確認者の承認が必要です。",
                 "This reaches {n} people: {m} or more need a second checker's approval (your "
                 "administrator's rule).").format(n=count, m=limit)
            if lists else
            Text("宛先が {n} 件あります。管理者の規則（{m} 件以上）により第二確認者の承認が必要です。",
                 "{n} recipients: {m} or more need a second checker's approval (your "
                 "administrator's rule).").format(n=count, m=limit),
        )
    if ctx.setting("policy.mailing_lists", "members") == "approve":
        for r in request.recipients:
            found = ctx.kb.mailing_list(r.key) if r.valid else None
            if found is not None:
                yield Finding(
                    "approval_rule", "warn", LIST_NEEDS_APPROVAL,
                    related=[{"address": r.address, "members": found.members}],
                    recipient=r.index,
                )
