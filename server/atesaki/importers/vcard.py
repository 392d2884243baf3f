"""vCard 2.1, 3.0 and 4.0: a streaming line parser, card by card, so one bad card skips alone.

A plain parser rather than vobject: vobject aborts the whole stream on one bad
card, cannot decode CP932 (髙) and reads ~3,700 cards/s; this one reads only
the properties Atesaki needs.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator

from atesaki.core.i18n import Text
from atesaki.core.records import Problem, Record
from atesaki.importers.common import (
    add_email,
    clean,
    finish,
    normalise_encoding,
    reading,
)

WANTED = frozenset(
    {
        "FN", "N", "EMAIL", "ORG", "UID", "SORT-STRING", "SOUND",
        "X-PHONETIC-LAST-NAME", "X-PHONETIC-FIRST-NAME",
        # Groups: vCard 4.0 (RFC 6350 KIND, MEMBER) and Apple's 3.0 spelling of the same.
        "KIND", "X-ADDRESSBOOKSERVER-KIND", "MEMBER", "X-ADDRESSBOOKSERVER-MEMBER",
    }
)  # fmt: skip
GROUP_KINDS = frozenset({"KIND", "X-ADDRESSBOOKSERVER-KIND"})
MEMBER_PROPS = frozenset({"MEMBER", "X-ADDRESSBOOKSERVER-MEMBER"})

NOT_CLOSED = Text("END:VCARD がないカードです", "card has no END:VCARD")
NO_COLON = Text("「:」のない行があるカードです: {text}", "card has a line without ':': {text}")
CANNOT_DECODE = Text("{prop} を {charset} として読めません", "cannot decode {prop} as {charset}")

_BASE64_LINE = re.compile(r"^\s*[A-Za-z0-9+/]+={0,2}\s*$")
_KANA = re.compile(r"^[\u3040-\u30ff\uff66-\uff9f\u30fc\s・=]+$")


def parse(lines: Iterable[str], name: str = "") -> Iterator[Record | Problem]:
    """Records and problems from the lines of a vCard file (any mix of versions)."""
    for item in split_cards(lines):
        if isinstance(item, Problem):
            yield item
        else:
            yield from parse_card(*item)


def parse_text(text: str) -> Iterator[Record | Problem]:
    """Records and problems from vCard text held in memory (CardDAV address-data)."""
    return parse(text.splitlines())


def split_cards(lines: Iterable[str]) -> Iterator[tuple[int, list[list]] | Problem]:
    """(first line, [[line number, unfolded property line]]) per card; unclosed cards are problems.

    Unfolds as it goes: a leading space or tab continues the previous line
    (3.0/4.0 folding), and in 2.1 quoted-printable a trailing ``=`` is a soft
    break that joins the next line.
    """
    props: list[list] | None = None
    start = 0
    qp_open = b64_open = False
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        first = line[:1]
        if props is None:
            if first in "Bb" and line.strip().upper() == "BEGIN:VCARD":
                props, start, qp_open = [], number, False
            continue
        if b64_open:
            if not line.strip():
                b64_open = False  # vCard 2.1 ends a base64 value with an empty line
                continue
            if _BASE64_LINE.match(line):
                props[-1][1] += line.strip()
                continue
            b64_open = False
        if qp_open:
            if not line.strip():
                continue  # CR CR LF after a soft break reads as an extra empty line
            text = props[-1][1] = props[-1][1][:-1] + line
        elif first in (" ", "\t"):
            if props:
                text = props[-1][1] = props[-1][1] + line[1:]
            continue
        elif not line:
            continue
        else:
            if first in "EeBb":
                upper = line.strip().upper()
                if upper == "END:VCARD":
                    yield start, props
                    props = None
                    continue
                if upper == "BEGIN:VCARD":
                    yield Problem(start, NOT_CLOSED)
                    props, start, qp_open = [], number, False
                    continue
            props.append([number, line])
            text = line
        if text[-1:] == "=" or "64" in text:
            head = text.partition(":")[0].upper()
            qp_open = text[-1:] == "=" and "QUOTED-PRINTABLE" in head
            # 2.1 photos: base64 lines that are not indented follow until an empty line.
            b64_open = "BASE64" in head
        else:
            qp_open = b64_open = False
    if props is not None:
        yield Problem(start, NOT_CLOSED)


def _split_head(text: str) -> tuple[str, str] | None:
    colon = text.find(":")
    if colon < 0:
        return None
    head = text[:colon]
    if '"' in head:
        inside = False
        for i, ch in enumerate(text):
            if ch == '"':
                inside = not inside
            elif ch == ":" and not inside:
                return text[:i], text[i + 1 :]
        return None
    return head, text[colon + 1 :]


def _params(parts: list[str]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for part in parts:
        key, eq, value = part.partition("=")
        key = key.strip().upper()
        if not eq:
            # vCard 2.1 bare parameters: INTERNET, PREF, QUOTED-PRINTABLE, X-IRMC-N.
            value = key
            key = "ENCODING" if key in {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT"} else "TYPE"
        values = (
            [v.strip().strip('"') for v in value.split(",")]
            if key != "SORT-AS"
            else [value.strip().strip('"')]
        )
        params.setdefault(key, []).extend(
            v.upper() if key in {"TYPE", "ENCODING"} else v for v in values
        )
    return params


def split_structured(value: str) -> list[str]:
    """Split a structured value (N, ORG) on unescaped ';' and unescape each part."""
    if "\\" not in value:
        return value.split(";")
    parts, current, i = [], [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            current.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        if ch == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def unescape(value: str) -> str:
    """A text value with vCard escapes (\\, \\; \\n \\\\) resolved."""
    if "\\" not in value:
        return value
    return ";".join(split_structured(value.replace(";", "\\;")))


def _decode(value: str, params: dict[str, list[str]], prop: str) -> str | Text:
    encoding = params.get("ENCODING", [""])[0]
    charset = params.get("CHARSET", [""])[0]
    if encoding not in {"QUOTED-PRINTABLE", "B", "BASE64"}:
        return value
    charset_name = normalise_encoding(charset or "utf-8")
    try:
        if encoding == "QUOTED-PRINTABLE":
            raw = binascii.a2b_qp(value.encode("utf-8"))
        else:
            raw = base64.b64decode(value.encode("ascii"), validate=False)
        return raw.decode(charset_name)
    except (UnicodeError, LookupError, binascii.Error, ValueError):
        return CANNOT_DECODE.format(prop=prop, charset=charset or "UTF-8")


def _is_kana(value: str) -> bool:
    return bool(value.strip()) and bool(_KANA.match(value))


def parse_card(start: int, card: list[list]) -> Iterator[Record | Problem]:
    """One card's record (or the problem that makes it unusable)."""
    record = Record(line=start)
    problems: list[Problem] = []
    names: list[tuple[list[str], dict[str, list[str]]]] = []
    phonetic_family = phonetic_given = sort_string = ""
    sound_parts: list[str] = []
    members: set[str] = set()
    for number, text in card:
        colon = text.find(":")
        if colon < 0:
            yield Problem(number, NO_COLON.format(text=text[:40]))
            return
        semi = text.find(";", 0, colon)
        prop = text[: semi if semi >= 0 else colon]
        if "." in prop:
            prop = prop.rsplit(".", 1)[1]
        prop = prop.upper()
        if prop not in WANTED:
            continue
        if semi < 0:
            params: dict[str, list[str]] = {}
            value = text[colon + 1 :]
        else:
            head, value = _split_head(text) or (text[:colon], text[colon + 1 :])
            parts = head.split(";") if '"' not in head else re.findall(r'(?:[^;"]|"[^"]*")+', head)
            params = _params(parts[1:])
        decoded = _decode(value, params, prop) if params else value
        if isinstance(decoded, Text):
            yield Problem(number, decoded)
            return
        if prop == "N":
            names.append((split_structured(decoded), params))
        elif prop == "FN":
            record.display_name = clean(unescape(decoded))
        elif prop == "EMAIL":
            add_email(record, unescape(decoded), problems)
        elif prop == "ORG":
            org = split_structured(decoded)
            record.organization = clean(org[0])
            record.department = clean(" ".join(p for p in org[1:] if p.strip()))
        elif prop == "UID":
            record.uid = unescape(decoded).strip()
        elif prop == "X-PHONETIC-LAST-NAME":
            phonetic_family = unescape(decoded)
        elif prop == "X-PHONETIC-FIRST-NAME":
            phonetic_given = unescape(decoded)
        elif prop == "SORT-STRING":
            sort_string = unescape(decoded)
        elif prop == "SOUND" and "X-IRMC-N" in params.get("TYPE", ()):
            sound_parts = split_structured(decoded)
        elif prop in GROUP_KINDS:
            record.is_list = unescape(decoded).strip().lower() == "group"
        elif prop in MEMBER_PROPS and decoded.strip():
            members.add(decoded.strip().lower())
    _apply_names(record, names, phonetic_family, phonetic_given, sort_string, sound_parts)
    if record.is_list:
        if not record.emails:
            return  # a group in the user's book with no address of its own: not a list
        # A group that names no MEMBER may simply not list them: unknown, not zero.
        record.members = len(members) or None
    yield from finish(record, problems)


def _apply_names(record, names, phonetic_family, phonetic_given, sort_string, sound_parts):
    readings: list[str] = []
    primary: list[str] | None = None
    for parts, params in names:
        if primary is None and not (_is_kana("".join(parts)) and len(names) > 1):
            primary = parts
            if "SORT-AS" in params:
                readings = [p.strip() for p in params["SORT-AS"][0].split(",")]
        elif _is_kana("".join(parts)):
            # vCard 4.0: a second N (ALTID) written in kana is the reading.
            readings = parts
    if primary is None and names:
        primary = names[0][0]
    if primary:
        record.family = clean(primary[0])
        record.given = clean(primary[1]) if len(primary) > 1 else ""
    if sound_parts:
        readings = sound_parts
    if phonetic_family or phonetic_given:
        readings = [phonetic_family, phonetic_given]
    elif not readings and sort_string:
        readings = sort_string.split(None, 1) if " " in sort_string.strip() else [sort_string]
    if readings:
        record.family_reading = reading(readings[0])
        record.given_reading = reading(readings[1]) if len(readings) > 1 else ""
