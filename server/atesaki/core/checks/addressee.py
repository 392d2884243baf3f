"""Who the message speaks to: a greeting naming nobody on the list, a file named for another organisation.

addressee_not_recipient reads the opening lines of the body (山本様, 山本先生, 山本さん,
Dear Mr Yamamoto, Yamamoto-san) and compares each name through the same name engine
the surname checks use (kanji, kana, romaji, variant kanji) with every recipient's
names: the chip's, the address books' and what the address's local part says.
attachment_names_other_org looks for the organisations of the address books in the
attachments' file names.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from atesaki.core.checks.basic import FREEMAIL, organisation
from atesaki.core.checks.registry import CheckContext, Finding, Recipient, register
from atesaki.core.i18n import Text
from atesaki.core.known import Person
from atesaki.core.names import NameProfile, lexicon, person_profile, same_surname
from atesaki.core.names.normalize import clean, is_kana, is_kanji

if TYPE_CHECKING:  # pragma: no cover
    from atesaki.knowledge import Knowledge

MAX_RELATED = 5
OPENING_LINES = 4  # non-empty lines read for a greeting: the addressee block comes first
OPENING_LINE_MAX = 60  # characters; a longer line is a sentence, not an addressee line
JA_HONORIFICS = ("さま", "様", "先生", "さん", "殿", "くん", "君")
# What comes before an honorific without being anyone's name.
NOT_NAMES = frozenset(
    "皆 皆々 みな みなさん 各位 お客 客 お得意 ご担当 ご担当者 担当 担当者 担当者各位 関係者 ご関係者 "
    "お疲れ ご苦労 お世話 お陰 おかげ 奥 お母 お父 お姉 お兄 神 王 仏 校長 教頭 院長 社長 部長 課長 "
    "係長 室長 所長 局長 会長 理事長 先輩 師匠 ご一同 一同 御一同 株主".split()
)
_NAME_RUN = re.compile(r"[\u3005\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff\uf900-\ufaff]+")
_SEPARATORS = re.compile(r"[\s,、，・/／]+")
_QUOTE_START = re.compile(
    r"^\s*(>|-{2,}\s*(original message|forwarded message|元のメッセージ|転送)|"
    r"on .+ wrote:|.+(書きました|のメッセージ)[:：]?\s*$|from:|差出人[:：])",
    re.IGNORECASE,
)
_EN_TITLES = r"(?:mr|mrs|ms|miss|mx|dr|prof|professor)"
_EN_GREETING = re.compile(
    rf"^(?:dear|hi|hello|attn\.?:?|attention:?)\s+(?:(?P<title>{_EN_TITLES})\.?\s+)?"
    r"(?P<words>[a-z][a-z'’\-]*(?:\s+[a-z][a-z'’\-]*){0,2})\s*[,:!.]?\s*$",
    re.IGNORECASE,
)
_ROMAJI_HONORIFIC = re.compile(
    r"^(?:dear\s+)?(?P<words>[a-z][a-z'’]*(?:\s+[a-z][a-z'’]*)?)[\s\-]+(?:san|sama|sensei)\s*[,:!.]?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Greeted:
    """A name the greeting addresses, as written and as the name engine reads it."""

    text: str  # e.g. 山本様, Dear Mr Yamamoto
    profile: NameProfile


def opening(body: str) -> list[str]:
    """The first non-empty lines of the body, stopping where a quoted message starts."""
    lines = []
    for line in body.splitlines():
        text = clean(line)  # NFKC and variant kanji folded: 髙橋 reads as 高橋
        if not text:
            continue
        if _QUOTE_START.match(text) or len(lines) >= OPENING_LINES:
            break
        lines.append(text)
    return lines


def _plausible_surname(profile: NameProfile, kanji: str) -> bool:
    """The name reads as a surname (the lexicon knows it), not a word such as お疲れ."""
    if kanji and any(is_kanji(c) for c in kanji) and lexicon.is_kanji_surname(kanji):
        return True
    return any(
        key.startswith("r:") and lexicon.kana_surname_cost(key[2:]) < lexicon.UNKNOWN_COST
        for key in profile.surname_keys
    ) and not any(is_kanji(c) for c in kanji)


def _japanese_names(line: str) -> Iterator[Greeted]:
    parts = [p for p in _SEPARATORS.split(line) if p]
    for i, part in enumerate(parts):
        honorific = next((h for h in JA_HONORIFICS if part.endswith(h)), None)
        if honorific is None:
            continue
        name = part[: -len(honorific)]
        given = ""
        if not name and i >= 1:  # 山本 太郎 様 / 山本 様
            name = parts[i - 1]
            if i >= 2 and _NAME_RUN.fullmatch(parts[i - 2] or ""):
                name, given = parts[i - 2], parts[i - 1]
        elif name and i >= 1 and _NAME_RUN.fullmatch(parts[i - 1]) and not lexicon.is_kanji_surname(name):
            name, given = parts[i - 1], name  # 山本 太郎様
        runs = _NAME_RUN.findall(name)
        if not runs or (len(runs) > 1 and not given):
            continue
        family = runs[-1]
        if family in NOT_NAMES or len(family) > 8:
            continue
        if all(is_kanji(c) for c in family) and not lexicon.is_kanji_surname(family):
            # 営業部佐藤 or 山本太郎: the surname is one of its leading or trailing parts
            family = _surname_within(family)
            if not family:
                continue
        profile = person_profile(f"{family} {given}".strip())
        if not profile.surname_keys or not _plausible_surname(profile, family):
            continue
        yield Greeted(f"{family} {given}".strip() + honorific, profile)


def _surname_within(run: str) -> str:
    """The surname inside a kanji run written without spaces (営業部佐藤, 山本太郎), or ""."""
    family, _ = lexicon.split_kanji_name(run)
    if family and family != run and lexicon.is_kanji_surname(family):
        return family
    for size in range(min(4, len(run) - 1), 1, -1):
        tail = run[-size:]
        if lexicon.is_kanji_surname(tail):
            return tail
    return ""


def _western_names(line: str) -> Iterator[Greeted]:
    found = _EN_GREETING.match(line)
    if found:
        words = found["words"].split()
        if found["title"]:
            profile = person_profile(family=words[-1])
        elif len(words) >= 2:
            profile = person_profile(" ".join(words))
        else:
            return  # Dear Kenji / Hi team: a given name or a group, not a surname to compare
        if profile.surname_keys and words[-1].lower() not in {"all", "team", "colleagues", "sir", "madam"}:
            yield Greeted(line.rstrip(",:!. "), profile)
        return
    found = _ROMAJI_HONORIFIC.match(line)
    if found:
        words = found["words"].split()
        profile = person_profile(family=words[-1]) if len(words) == 1 else person_profile(" ".join(words))
        if profile.surname_keys:
            yield Greeted(line.rstrip(",:!. "), profile)


def greeted_names(body: str) -> list[Greeted]:
    """The names the opening of ``body`` addresses (山本様, Dear Mr Yamamoto), in order."""
    found: list[Greeted] = []
    for line in opening(body):
        if len(line) > OPENING_LINE_MAX:
            continue
        found.extend(_japanese_names(line) if any(is_kanji(c) or is_kana(c) for c in line)
                     else _western_names(line))
    return found


def _person_name(profile: NameProfile) -> bool:
    """The profile reads as a person's name (has a reading, romaji or a Western key)."""
    return any(not key.startswith("k:") for key in profile.surname_keys)


# Shared mailboxes: whoever the greeting names may be the one who reads them.
ROLE_MAILBOXES = frozenset(
    "info information support contact sales office inquiry inquiries toiawase otoiawase soumu "
    "jimu desk help helpdesk service customer cs reception uketsuke madoguchi team hr admin".split()
)


def recipient_profiles(kb: Knowledge, r: Recipient) -> list[NameProfile]:
    """Every name the recipient goes by: the chip's and the address books'; else the local part's.

    None for a shared mailbox (info@, sales@): it has no one name to compare with.
    """
    if r.key.partition("@")[0].replace("-", "").replace(".", "") in ROLE_MAILBOXES:
        return []
    profiles = [p.profile for p in kb.people_at(r.key)]
    if r.name:
        profiles.append(person_profile(r.name, address=r.key))
    profiles = [p for p in profiles if _person_name(p)]
    if not profiles:  # only when no name is known: ono@ cannot tell 小野 from 大野
        guess = person_profile("", address=r.key)
        profiles = [guess] if _person_name(guess) else []
    return profiles


def _meant(kb: Knowledge, profile: NameProfile, exclude: set[str]) -> list[Person]:
    """The book's people with the greeted surname, most likely meant first."""
    refs = kb.namesake_refs(profile)
    if not refs:
        return []
    # The best few, then those at the recipients' own addresses dropped: ranking all of
    # 山本's thousand namesakes only to filter them would cost more.
    ranked = kb.ranked(refs, MAX_RELATED + len(exclude))
    return [p for p in ranked if not set(p.addresses) & exclude][:MAX_RELATED]


@register("addressee")
def check_addressee(ctx: CheckContext) -> Iterator[Finding]:
    """addressee_not_recipient: the greeting names someone who is none of the recipients.

    Said only when every recipient's name is known somehow (a recipient with no name
    anywhere might be the person greeted); high when someone of that name is in the
    address books or history, the likely intended person, named in ``related``.
    """
    request = ctx.request
    if not request.body or not ctx.setting("policy.addressee_check", True):
        return
    greeted = greeted_names(request.body)
    if not greeted:
        return
    kb = ctx.kb
    valid = [r for r in request.recipients if r.valid]
    names = [recipient_profiles(kb, r) for r in valid]
    if not valid or not all(names):
        return
    addresses = {r.key for r in valid}
    seen: set[frozenset[str]] = set()
    for who in greeted:
        if who.profile.surname_keys in seen:
            continue
        seen.add(who.profile.surname_keys)
        if any(same_surname(who.profile, p) for profiles in names for p in profiles):
            continue
        meant = _meant(kb, who.profile, addresses)
        listed = ", ".join(r.name or r.address for r in valid[:3])
        if meant:
            first = meant[0]
            message = Text(
                "本文の宛名「{g}」は、どの宛先（{to}）の名前とも一致しません。"
                "{p} <{a}> 宛てのつもりではありませんか？",
                "The greeting “{g}” names none of the recipients ({to}). "
                "Did you mean {p} <{a}>?",
            ).format(g=who.text[:60], to=listed, p=first.name, a=first.addresses[0] if first.addresses else "")
        else:
            message = Text(
                "本文の宛名「{g}」は、どの宛先（{to}）の名前とも一致しません。宛先か宛名を確かめてください。",
                "The greeting “{g}” names none of the recipients ({to}). "
                "Check the recipients or the greeting.",
            ).format(g=who.text[:60], to=listed)
        yield Finding(
            "addressee_not_recipient", "high", message,
            related=[p.related() for p in meant],
        )


# --- organisations named in attachment file names -------------------------------------

_ORG_WORDS = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|一般社団法人|公益社団法人|一般財団法人|公益財団法人|"
    r"\(株\)|\(有\)|㈱|㈲|御中|"
    r"\b(?:inc|ltd|llc|corp|corporation|co|kk|gmbh|plc)\b\.?",
    re.IGNORECASE,
)
_NOT_KEY = re.compile(r"[\s\-_.,・/／()（）「」\[\]【】&＆'’]+")


def org_key(name: str) -> str:
    """An organisation's name for comparison: NFKC, lower-case, legal forms and spaces gone."""
    text = unicodedata.normalize("NFKC", name).lower()
    return _NOT_KEY.sub("", _ORG_WORDS.sub(" ", text))


def _long_enough(key: str) -> bool:
    # Two CJK characters name an organisation (A社 aside, written with 社); three letters do.
    wide = sum(1 for c in key if ord(c) > 0x2FF)
    return wide >= 2 or len(key) >= 4 or (wide >= 1 and len(key) >= 2)


@dataclass
class _Org:
    name: str
    keys: set[str]  # organisation() of its people's addresses


ORGANISATIONS = "checks.organisations"  # in the Knowledge's caches: {"": (people seen, table)}


def known_organisations(kb: Knowledge) -> dict[str, _Org]:
    """The outside organisations of the directory and contacts, by ``org_key``.

    Kept in the Knowledge's caches; people only ever join one (a send adds history
    people, an import makes a new Knowledge), so only those added since the last look
    are read.
    """
    slot = kb.caches.part(ORGANISATIONS, dict)  # one whole (seen, table) tuple at a time
    count = kb.people_count()
    seen, table = slot.get("", (0, {}))
    if seen == count:
        return table
    joined = [p for p in itertools.islice(list(kb.all_people()), seen, None)
              if not p.internal and p.source != "history" and p.organization]
    if joined:  # usually none: a send adds history people only
        table = {key: _Org(org.name, set(org.keys)) for key, org in table.items()}  # readers keep theirs
    for person in joined:
        key = org_key(person.organization)
        if not _long_enough(key):
            continue
        org = table.setdefault(key, _Org(person.organization, set()))
        for address in person.addresses:
            org.keys.add(organisation(address, address.rpartition("@")[2]))
    slot[""] = (count, table)
    return table


ORG_KEY_MAX = 60  # characters; a longer organisation name is not looked for in file names


def _named_in(text: str, table: dict[str, _Org]) -> list[tuple[str, _Org]]:
    """The organisations whose key occurs in ``text``: every substring looked up once
    (a file name is short; the address book may know thousands of organisations)."""
    found = {}
    for start in range(len(text)):
        for end in range(start + 2, min(len(text), start + ORG_KEY_MAX) + 1):
            org = table.get(text[start:end])
            if org is not None:
                found[text[start:end]] = org
    return list(found.items())


def _recipients_orgs(kb: Knowledge, recipients) -> tuple[set[str], set[str]]:
    """(organisation keys of the recipients' addresses, org_key of their organisations)."""
    keys, names = set(), set()
    for r in recipients:
        keys.add(organisation(r.address, r.domain))
        for person in kb.people_at(r.key):
            if person.organization:
                names.add(org_key(person.organization))
    return keys, names


@register("attachment_org")
def check_attachment_org(ctx: CheckContext) -> Iterator[Finding]:
    """attachment_names_other_org: a file name names an organisation none of the recipients is at."""
    request = ctx.request
    if not request.attachments or not ctx.setting("policy.attachment_org_check", True):
        return
    valid = [r for r in request.recipients if r.valid]
    if not valid:
        return
    table = known_organisations(ctx.kb)
    if not table:
        return
    keys, names = _recipients_orgs(ctx.kb, valid)
    for attachment in request.attachments:
        file_name = str(attachment.get("name") or "")
        # The first 200 characters: where a file name says whom it is for.
        text = org_key(file_name.rpartition(".")[0] or file_name)[:200]
        if not text:
            continue
        named = _named_in(text, table)
        if not named:
            continue
        ours = [org for key, org in named
                if key in names or any(n and (n in key or key in n) for n in names)
                or (org.keys & keys - FREEMAIL)]
        if ours:
            continue  # the file names the recipients' organisation (perhaps others beside)
        others = [org for _, org in named]
        yield Finding(
            "attachment_names_other_org", "warn",
            Text("添付ファイル「{f}」の名前に、宛先とは別の組織（{o}）が入っています。"
                 "別の相手に宛てたファイルではありませんか？",
                 "The attachment “{f}” is named for another organisation ({o}) than the "
                 "recipients'. Is it a file meant for someone else?").format(
                f=file_name[:120], o=", ".join(o.name for o in others[:3])),
            related=[{"name": o.name, "domain": sorted(o.keys)[0] if o.keys else ""}
                     for o in others[:MAX_RELATED]],
        )
