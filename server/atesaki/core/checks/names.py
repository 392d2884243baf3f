"""Name findings: surname_homonym (someone else shares the surname) and name_mismatch.

Both read only the in-memory ``Knowledge``; the name keys were computed at import,
so a check costs a few dictionary lookups per recipient. How they decide is
documented for users in docs/names.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from cachetools import LRUCache

from atesaki.core.checks.registry import CheckContext, Finding, Recipient, register
from atesaki.core.i18n import Text
from atesaki.core.names import NameProfile, lexicon, person_profile, same_person_name, same_surname
from atesaki.core.names.normalize import clean

if TYPE_CHECKING:  # pragma: no cover
    from atesaki.knowledge import Knowledge
from atesaki.core.known import HISTORY_REF, Person

# A recipient sent to at most this many times is "rare": a namesake is then a real
# risk. Above it the user evidently means this person, and the finding drops to
# info so that a colleague's shared surname does not demand approval every time.
RARE_SENT_COUNT = 2
# ... unless the last message to them is older than this: a year on, the address
# book search that picks the wrong 佐藤 is as likely as on day one.
STALE_DAYS = 365
# A namesake the user has written to this often counts as someone they "really"
# write to (staff always do).
REGULAR_SENT_COUNT = 3
MAX_RELATED = 5
SOURCE_LABEL = {
    "directory": Text("職員名簿", "staff directory"),
    "contacts": Text("連絡先", "contacts"),
    "history": Text("送信履歴", "send history"),
}


def _settings_value(ctx: CheckContext, name: str, default: int) -> int:
    """An optional ``[names]`` setting; the defaults above when the service has none."""
    return _setting(ctx.settings, name, default)


def _setting(settings, name: str, default: int) -> int:
    try:
        value = settings.get(name)
    except (KeyError, AttributeError, TypeError):
        return default
    return value if isinstance(value, int) and not isinstance(value, bool) else default


WARM_SURNAMES = 512  # the most common surnames, ranked before the first checks ask


def warm_up(kb: Knowledge, settings) -> int:
    """Rank the most common surnames now (after start-up, in the background): a check
    that meets 佐藤 for the first time then does not rank 2,000 people. Returns how many."""
    regular = _setting(settings, "names.regular_sent_count", REGULAR_SENT_COUNT)
    profiles: dict[frozenset[str], NameProfile] = {}
    counts: Counter = Counter()
    for person in kb.all_people():
        keys = person.profile.surname_keys
        if keys:
            counts[keys] += 1
            profiles.setdefault(keys, person.profile)
    common = counts.most_common(WARM_SURNAMES)
    for keys, _ in common:
        _ranked_namesakes(kb, [profiles[keys]], regular)
    return len(common)


def _person_count(kb: Knowledge, person: Person) -> tuple[int, str]:
    """How often the user wrote to a person, and the address they used most."""
    addresses = person.addresses
    if len(addresses) == 1:  # the common case, kept cheap: this runs per namesake
        return kb.sent_count(addresses[0]), addresses[0]
    best, best_address = 0, addresses[0] if addresses else ""
    for address in addresses:
        count = kb.sent_count(address)
        if count > best:
            best, best_address = count, address
    return best, best_address


def _days_since(stamp: str | None, today: date) -> int | None:
    """Calendar days (UTC) from a send's time stamp to ``today``; None if unreadable."""
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (today - when.astimezone(UTC).date()).days


def _label(person: Person, count: int, regular: int) -> Text:
    parts_ja = ["社内" if person.internal else "社外"]
    parts_en = ["internal" if person.internal else "external"]
    if count >= regular:
        parts_ja.append("よく送信")
        parts_en.append("you write often")
    elif count:
        parts_ja.append(f"送信 {count} 回")
        parts_en.append(f"sent {count}×")
    else:
        parts_ja.append(SOURCE_LABEL[person.source].ja)
        parts_en.append(SOURCE_LABEL[person.source].en)
    return Text("・".join(parts_ja), ", ".join(parts_en))


def _who(person: Person, address: str, label: Text) -> Text:
    name = person.name or address
    return Text(f"{name} <{address}>（{label.ja}）", f"{name} <{address}> ({label.en})")


def _repeats_the_book(name: str, people: list[Person]) -> bool:
    """The chip shows exactly the name the address book has for this address.

    Then the book's profile of that name is the one to use: its reading (フリガナ)
    wins over the dictionary's guesses (河野 read こうの, not also かわの), and the
    name is this person's by definition.
    """
    return any(p.name == name and p.source != "history" for p in people)


def _recipient_profiles(r: Recipient, people: list[Person]) -> list[NameProfile]:
    """The chip's name and what the address books say about the address (``people``)."""
    profiles = [p.profile for p in people if not p.profile.empty]
    if r.name and not _repeats_the_book(r.name, people):
        chip = person_profile(r.name, address=r.key)
        if not chip.empty:
            profiles.append(chip)
    if not profiles:  # no name anywhere: the local part (k.sato@) is the only evidence
        guess = person_profile("", address=r.key)
        if not guess.empty:
            profiles.append(guess)
    return profiles


def _entries(kb: Knowledge, refs, regular: int, keep: int):
    """The ``keep`` most likely intended of ``refs``: Knowledge's ranking, as findings show it.

    Returns (rank key by ref, [(person, sent count, address used most)] best first,
    refs of those the user really deals with: staff, or written to often).
    """
    best, top, strong = {}, [], []
    for ref, rank, person, count in kb.ranked_entries(refs, keep):
        best[ref] = rank
        if len(person.addresses) == 1:
            address = person.addresses[0]
        else:
            count, address = _person_count(kb, person)
        if person.internal or count >= regular:
            strong.append(ref)
        top.append((person, count, address))
    return best, top, strong


def _rank(kb: Knowledge, people: Iterable[Person], regular: int, keep: int = MAX_RELATED):
    """The most likely intended first (internal, then most written to), and the strong ones."""
    _, top, strong = _entries(kb, {p.ref for p in people}, regular, keep)
    return top, strong


_SPARE = 8  # extra entries so the recipient's own records can be dropped afterwards
_KEEP = MAX_RELATED + _SPARE
# The same surnames come back on every check of a draft: a ranking is kept per
# Knowledge and surname. A send changes the rank of a few people only; a ranking is
# brought up to date from the Knowledge's list of changes, not made anew.
RANKINGS = "names.rankings"
_CACHE_SIZE = 2048


def _cache_of(name: str, kb: Knowledge, make=lambda: LRUCache(maxsize=_CACHE_SIZE)):
    """This Knowledge's part ``name`` of its caches (made by ``make`` on first use).

    An LRU cache is to be used under ``kb.caches.lock``.
    """
    return kb.caches.part(name, make)


def _ranking(kb: Knowledge, refs, regular: int, total: int):
    """(best rank keys by ref, (top entries, strong refs, how many)) for ``refs``."""
    best, top, strong = _entries(kb, refs, regular, _KEEP)
    return best, (top, strong, total)


# A surname shared by more people than this keeps no list of them in the cache (2,048
# lists of 佐藤 would cost tens of MB): whether a changed person shares it is asked
# of the names instead.
_REFS_KEPT = 64


def _brought_up_to_date(kb: Knowledge, profiles: list[NameProfile], regular: int, cached):
    """A cached ranking after the sends since it was made, or None to rank afresh.

    Ranks only improve with sends (more messages written), so the new best are among
    the old best and the people whose rank changed; anyone new who shares the
    surname joins the count.
    """
    version, refs, best, result = cached
    current = kb.rank_version  # read first: a send meanwhile is then looked at next time
    changes = kb.rank_changes_since(version)
    if changes is None:
        return None
    total = result[2]
    changed = set()
    for ref, new in changes:
        if ref in best or (refs is not None and ref in refs):
            changed.add(ref)
        elif (refs is None or new) and ref not in changed:
            person = kb.people.get(ref)
            if person is not None and any(same_surname(person.profile, p) for p in profiles):
                changed.add(ref)
                if new:
                    total += 1
                    if refs is not None:
                        refs = refs | {ref} if len(refs) < _REFS_KEPT else None
    if not changed:
        return current, refs, best, result
    for ref in changed & best.keys():
        if kb.rank_key(ref) > best[ref]:
            return None  # someone of the best fell back: rank everyone again
    return current, refs, *_ranking(kb, changed | best.keys(), regular, total)


def _ranked_namesakes(kb: Knowledge, profiles: list[NameProfile], regular: int):
    """(top entries, strong refs, how many) for everyone sharing a surname with ``profiles``.

    The Knowledge keeps a rank key per person (internal first, then most written to), so
    picking the top few of 1,500 佐藤 is one pass over their rank keys, not over people.
    """
    # The chip's name and the address book's are usually the same name: look it up once.
    profiles = list({p.surname_keys: p for p in profiles}.values())
    key = (tuple(p.surname_keys for p in profiles), regular)
    cache = _cache_of(RANKINGS, kb)
    with kb.caches.lock:
        cached = cache.get(key)
    if cached is not None:
        if cached[0] == kb.rank_version:
            return cached[3]
        cached = _brought_up_to_date(kb, profiles, regular, cached)
    if cached is None:
        version = kb.rank_version
        if len(profiles) == 1:
            refs = kb.namesake_refs(profiles[0])
        else:
            refs = set().union(*(kb.namesake_refs(p) for p in profiles))
        best, result = _ranking(kb, refs, regular, len(refs))
        cached = (version, refs if len(refs) <= _REFS_KEPT else None, best, result)
    with kb.caches.lock:
        cache[key] = cached
    return cached[3]


def _namesakes_of(kb: Knowledge, r: Recipient, regular: int):
    """Other people sharing the recipient's surname: (top entries, any strong, how many).

    The same person's other address is not another person: everyone listed under
    the recipient's address is left out.
    """
    own_people = kb.people_at(r.key)
    profiles = _recipient_profiles(r, own_people)
    if not profiles:
        return [], False, 0
    own = {p.ref for p in own_people}
    top, strong, total = _ranked_namesakes(kb, profiles, regular)
    if len(own) >= _SPARE:  # pathological: many records for one address; rank afresh
        found = {p.ref: p for profile in profiles for p in kb.namesakes(profile)}
        top, strong = _rank(kb, (p for p in found.values() if p.ref not in own), regular)
        return top, bool(strong), len(found) - len(own & found.keys())
    own_namesakes = sum(1 for p in own_people if any(same_surname(p.profile, q) for q in profiles))
    top = [t for t in top if t[0].ref not in own][:MAX_RELATED]
    return top, any(ref not in own for ref in strong), total - own_namesakes


@register("names_homonym", per_recipient=True)
def check_surname_homonym(ctx: CheckContext) -> Iterator[Finding]:
    """surname_homonym: the recipient shares a surname with someone else the user deals with."""
    kb = ctx.kb
    rare = _settings_value(ctx, "names.rare_sent_count", RARE_SENT_COUNT)
    stale = _settings_value(ctx, "names.stale_days", STALE_DAYS)
    regular = _settings_value(ctx, "names.regular_sent_count", REGULAR_SENT_COUNT)
    today = ctx.today  # a day's findings are the same all day: they are remembered
    for r in ctx.request.recipients:
        if not r.valid or kb.mailing_list(r.key):
            continue  # a list's name is no one's surname
        top, strong, total = _namesakes_of(kb, r, regular)
        if not top:
            continue
        sent = kb.sent_count(r.key)
        entry = kb.history(r.key)
        age = _days_since(entry.last_sent if entry else None, today)
        recipient_rare = sent <= rare or (age is not None and age > stale)
        if not recipient_rare:
            severity = "info"
        elif strong and not r.internal:
            severity = "high"
        else:
            # another rare contact, or a colleague writing to a colleague: worth a look,
            # not a second checker
            severity = "warn"
        first, first_count, first_address = top[0]
        who = _who(first, first_address, _label(first, first_count, regular))
        others = total - 1
        more_ja = f"（ほか {others} 名）" if others else ""
        more_en = f" and {others} other(s)" if others else ""
        if severity == "info":
            message = Text(
                f"よく送る宛先です。なお {who.ja}{more_ja}も同じ姓です。",
                f"You write to this address often. Note that {who.en}{more_en} share the surname.",
            )
        else:
            message = Text(
                f"{who.ja}{more_ja}と同じ姓です。宛先を間違えていませんか？",
                f"Same surname as {who.en}{more_en}. Is this the person you meant?",
            )
        yield Finding(
            "surname_homonym",
            severity,
            _shared_text(kb, message),
            related=_related_entries(kb, top),
            recipient=r.index,
        )


# Every recipient of a surname shows the same few namesakes, and most of them the same
# message: one related entry per person and address and one text per wording, shared
# by the findings remembered for all those recipients (a finding is never changed).
SHARED = "names.shared"  # {key: kept}, in the Knowledge's caches
_SHARED_KEPT = 8192


def _pool(kb: Knowledge) -> dict:
    pool = _cache_of(SHARED, kb, dict)
    if len(pool) >= _SHARED_KEPT:
        pool.clear()  # only the sharing is lost: findings keep what they were given
    return pool


def _related_entries(kb: Knowledge, entries: list) -> list[dict]:
    """The ``related`` list of a finding about ``entries`` [(person, count, address)]."""
    pool = _pool(kb)
    out = []
    for person, _, address in entries:
        kept = pool.get((person.ref, address))
        if kept is None or kept[0] is not person:  # not seen, or the person was updated
            kept = pool[(person.ref, address)] = (person, person.related(address))
        out.append(kept[1])
    return out


def _shared_text(kb: Knowledge, text: Text) -> Text:
    """``text``, or an equal one made before for another recipient."""
    return _pool(kb).setdefault(text, text)


# Whose full name a typed name is, best first, kept per Knowledge and name until the
# next send: a common full name is shared by dozens in a big address book.
NAMED = "names.named"


def _named_others(kb: Knowledge, chip: NameProfile, regular: int) -> list:
    """The book's people (not history's) whose full name is the chip's, most likely first.

    [(person, sent count, address used most)], at most ``MAX_RELATED``. Nobody listed
    under the recipient's own address is among them: if one were, the chip would be
    their name and name_mismatch would have stopped before asking.
    """
    key = (chip.full_keys, regular)
    version = kb.rank_version  # read first: a send meanwhile is looked at next time
    cache = _cache_of(NAMED, kb)
    with kb.caches.lock:
        kept = cache.get(key)
    if kept is None or kept[0] != version:
        named = {ref for ref in kb.named_refs(chip) if not ref.startswith(HISTORY_REF)}
        kept = (version, _entries(kb, named, regular, MAX_RELATED)[1])
        with kb.caches.lock:
            cache[key] = kept
    return kept[1]


def _is_address_like(name: str, address: str) -> bool:
    text = clean(name).strip("'\" <>").lower()
    local = address.partition("@")[0].lower()
    return not text or "@" in text or text == local


def _has_reading(keys: frozenset[str]) -> bool:
    return any(not k.startswith("k:") for k in keys)


def _compatible(chip: NameProfile, owner: NameProfile) -> bool:
    """Could the chip's name be this owner's name (allowing partial names)?"""
    if owner.empty:
        return True  # nothing to compare with
    if chip.full_keys and owner.full_keys:
        if same_person_name(chip, owner):
            return True
        # a given name nobody could read cannot prove a different person
        if not (_has_reading(chip.full_keys) and _has_reading(owner.full_keys)):
            return same_surname(chip, owner)
        return False
    if chip.surname_keys and owner.surname_keys:
        return same_surname(chip, owner)
    return True


def _readable(profile: NameProfile) -> bool:
    """The chip is recognisably a person's name (not 総務課, Info or a bare given name)."""
    if profile.full_keys:
        return _has_reading(profile.full_keys)
    for key in profile.surname_keys:
        kind, text = key[:2], key[2:]
        if kind == "r:" and lexicon.kana_surname_cost(text) < lexicon.UNKNOWN_COST:
            return True
        if kind == "l:" and lexicon.surname_cost(text) < lexicon.UNKNOWN_COST:
            return True
    return False


@register("names_mismatch", per_recipient=True)
def check_name_mismatch(ctx: CheckContext) -> Iterator[Finding]:
    """name_mismatch: the chip's display name is not the name of the address's owner."""
    kb = ctx.kb
    regular = _settings_value(ctx, "names.regular_sent_count", REGULAR_SENT_COUNT)
    for r in ctx.request.recipients:
        if not r.valid or not r.name or _is_address_like(r.name, r.address) \
                or kb.mailing_list(r.key):
            continue  # a list is named as each user likes ("営業部", "Sales")
        owners = kb.people_at(r.key)
        if _repeats_the_book(r.name, owners):
            continue  # the owner's own name, as the address book writes it
        chip = person_profile(r.name, address=r.key)
        if chip.empty or not _readable(chip):
            continue
        book = [p for p in owners if p.source != "history"]
        evidence = book or owners
        wrong = [p for p in evidence if not _compatible(chip, p.profile)]
        if evidence and len(wrong) == len(evidence):
            owner = min(wrong, key=lambda p: {"directory": 0, "contacts": 1}.get(p.source, 2))
            source = SOURCE_LABEL[owner.source]
            yield Finding(
                "name_mismatch",
                "high" if book else "warn",
                Text(
                    f"表示名「{r.name[:80]}」は、このアドレスの持ち主（{owner.name}、{source.ja}）"
                    "の名前と一致しません。",
                    f"The display name “{r.name[:80]}” is not the name of this address's owner "
                    f"({owner.name}, {source.en}).",
                ),
                related=[owner.related(r.key)],
                recipient=r.index,
            )
            continue
        if not chip.full_keys or any(same_person_name(chip, p.profile) for p in book):
            continue  # a namesake the address books know: surname_homonym covers it
        counted = _named_others(kb, chip, regular)
        if not counted:
            continue
        first, count, address = counted[0]
        who = _who(first, address, _label(first, count, regular))
        yield Finding(
            "name_mismatch",
            "high",
            Text(
                f"「{r.name[:80]}」は {who.ja} の名前ですが、このアドレスはその人のものではありません。",
                f"“{r.name[:80]}” is the name of {who.en}, but this address is not theirs.",
            ),
            related=_related_entries(kb, counted),
            recipient=r.index,
        )
