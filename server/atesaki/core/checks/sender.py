"""Who is sending: sender_identity, a From identity that does not fit these recipients."""

from __future__ import annotations

from collections.abc import Iterator

from atesaki.core.checks.basic import FREEMAIL
from atesaki.core.checks.registry import CheckContext, Finding, register
from atesaki.core.domains import is_internal, registrable_domain
from atesaki.core.i18n import Text

OTHER_IDENTITY = Text(
    "{org} へはこれまで {usual} から送っていて、今の差出人 {sender} からは送ったことがありません。"
    "差出人（From）を確かめてください。",
    "You have written to {org} from {usual}, never from {sender}, the From of this message. "
    "Check the sender.",
)
PERSONAL_ACCOUNT = Text(
    "差出人 {sender} は個人のアカウントです。{org} の宛先へは、組織のアカウントから送るはずではありませんか？",
    "The sender {sender} is a personal account, writing to {org}, an organisation you deal "
    "with. Should this go from your organisation's account?",
)


def _org(domain: str) -> str:
    return registrable_domain(domain) or domain


IDENTITY_ORGS = "sender.identity_orgs"  # in the Knowledge's caches: {"": (pairs, {sender: orgs})}


def _orgs_by_identity(kb) -> dict[str, frozenset[str]]:
    """The organisations each of the user's identities wrote to, kept until a new pairing."""
    identities = kb.sender_identities()
    pairs = sum(len(domains) for domains in identities.values())  # counts alone do not matter
    slot = kb.caches.part(IDENTITY_ORGS, dict)  # one whole (pairs, found) tuple at a time
    kept = slot.get("")
    if kept is not None and kept[0] == pairs:
        return kept[1]
    found = {sender: frozenset(_org(d) for d in list(domains))
             for sender, domains in list(identities.items())}
    slot[""] = (pairs, found)
    return found


@register("sender_identity")
def check_sender_identity(ctx: CheckContext) -> Iterator[Finding]:
    """sender_identity on each recipient whose organisation this From identity does not fit.

    Two signs, each only where this identity has never written to the recipient's
    organisation: another of the user's identities, of another organisation, has (the
    usual account for them); or the identity is a free-mail (personal) account and the
    recipient is staff or a contact at an organisation's own domain.
    """
    request = ctx.request
    sender = request.sender
    if "@" not in sender or not ctx.setting("policy.sender_identity", True):
        return
    sender_org = _org(sender.rpartition("@")[2])
    orgs = _orgs_by_identity(ctx.kb)
    mine = orgs.get(sender, frozenset())
    others: dict[str, set[str]] = {}
    for other, reached in orgs.items():
        if other != sender and _org(other.rpartition("@")[2]) != sender_org:
            for org in reached:
                others.setdefault(org, set()).add(other)
    personal = sender_org in FREEMAIL and not is_internal(sender, ctx.settings.internal_domains)
    for r in request.recipients:
        if not r.valid:
            continue
        org = _org(r.domain)
        if org in FREEMAIL or org in mine or org == sender_org:
            continue  # a private address has no "right" account; a known pairing is fine
        usual = sorted(others.get(org, ()))
        if usual:
            message = OTHER_IDENTITY.format(org=org, usual=", ".join(usual[:3]), sender=sender)
            related = [{"address": a} for a in usual[:3]]
        elif personal and (r.internal or ctx.kb.in_address_book(r.key)):
            message = PERSONAL_ACCOUNT.format(sender=sender, org=org)
            related = []
        else:
            continue
        yield Finding("sender_identity", "warn", message, related=related, recipient=r.index)
