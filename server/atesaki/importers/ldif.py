"""LDIF address books (Thunderbird, directory exports): entries, folded lines, base64 values."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator

from atesaki.core.i18n import Text
from atesaki.core.records import Problem, Record
from atesaki.importers.common import add_email, clean, finish, reading

BAD_LINE = Text("「:」のない行です: {text}", "line without ':': {text}")
BAD_BASE64 = Text("{attr} の base64 が読めません", "cannot decode the base64 value of {attr}")

EMAIL_ATTRS = ("mail", "mozillasecondemail", "othermailbox", "rfc822mailbox")


def parse(lines: Iterable[str], name: str = "") -> Iterator[Record | Problem]:
    """Records and problems from the lines of an LDIF file."""
    for start, entry in entries(lines):
        if isinstance(entry, Problem):
            yield entry
        else:
            yield from record_from_attributes(start, entry)


def entries(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, list[str]] | Problem]]:
    """(first line, {attribute (lower-case, options kept): [values]}) per entry."""
    logical: list[tuple[int, str]] = []
    start = 0
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if line.startswith(" ") and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + line[1:])
            continue
        if not line.strip():
            if logical:
                yield start, _attributes(logical)
            logical = []
            continue
        if line.startswith("#"):
            continue
        if not logical:
            start = number
        logical.append((number, line))
    if logical:
        yield start, _attributes(logical)


def _attributes(logical: list[tuple[int, str]]) -> dict[str, list[str]] | Problem:
    attrs: dict[str, list[str]] = {}
    for number, line in logical:
        attr, sep, value = line.partition(":")
        if not sep:
            return Problem(number, BAD_LINE.format(text=line[:40]))
        attr = attr.strip().lower()
        if value.startswith(":"):
            try:
                value = base64.b64decode(value[1:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                return Problem(number, BAD_BASE64.format(attr=attr))
        elif value.startswith("<"):
            continue  # a URL reference: never fetched
        else:
            value = value.lstrip(" ")
        if attr == "version" and not attrs:
            continue
        attrs.setdefault(attr, []).append(value)
    return attrs


def _first(attrs: dict[str, list[str]], *names: str) -> str:
    for name in names:
        for value in attrs.get(name, ()):
            value = clean(value)
            if value:
                return value
    return ""


def record_from_attributes(
    line: int, attrs: dict[str, list[str]], uid: str = ""
) -> Iterator[Record | Problem]:
    """A record from LDAP attributes (also used by the LDAP sync); ``;lang-ja`` names preferred."""
    if "dn" in attrs and len(attrs) == 1:
        return  # a bare container entry
    record = Record(line=line, uid=uid or _first(attrs, "entryuuid"))
    problems: list[Problem] = []
    record.family = _first(attrs, "sn;lang-ja", "sn", "surname")
    record.given = _first(attrs, "givenname;lang-ja", "givenname", "gn")
    record.display_name = _first(attrs, "displayname;lang-ja", "cn;lang-ja", "displayname", "cn")
    record.family_reading = reading(
        _first(attrs, "sn;lang-ja;phonetic", "sn;phonetic", "msds-phoneticlastname",
               "x-phonetic-last-name")
    )
    record.given_reading = reading(
        _first(attrs, "givenname;lang-ja;phonetic", "givenname;phonetic",
               "msds-phoneticfirstname", "x-phonetic-first-name")
    )
    record.organization = _first(attrs, "o;lang-ja", "o", "company")
    record.department = _first(attrs, "ou;lang-ja", "ou", "department", "departmentnumber")
    for name in EMAIL_ATTRS:
        for value in attrs.get(name, ()):
            add_email(record, value, problems)
    if not record.emails and "objectclass" in attrs and not _is_person(attrs):
        return  # organisational units, groups without an address: nothing to report
    if _is_group(attrs):
        # A group with its own address is a mailing list: every member value is a person.
        record.is_list = True
        # No member values (a dynamic group, or a server that withholds them): unknown.
        record.members = sum(len(attrs.get(name, ())) for name in MEMBER_ATTRS) or None
    yield from finish(record, problems)


# groupOfNames / groupOfUniqueNames (RFC 4519), Active Directory's group, and the mail
# groups of common schemas; each member value names one member.
GROUP_CLASSES = frozenset({"groupofnames", "groupofuniquenames", "group", "mailgroup",
                           "groupofurls", "mozillaablist"})
MEMBER_ATTRS = ("member", "uniquemember")


def _is_group(attrs: dict[str, list[str]]) -> bool:
    classes = {value.lower() for value in attrs.get("objectclass", ())}
    return bool(classes & GROUP_CLASSES) and not _is_person(attrs)


def _is_person(attrs: dict[str, list[str]]) -> bool:
    classes = {value.lower() for value in attrs.get("objectclass", ())}
    return bool(
        classes & {"person", "inetorgperson", "organizationalperson", "mozillaabpersonalpha"}
    )
