"""What the address-book parsers share: fields' clean-up, addresses, messages, encodings."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from atesaki.core.i18n import Text
from atesaki.core.records import Problem, Record

# Formats a user may name with --format; the CSV dialects all read by column name.
FORMATS = ("vcard", "csv", "google", "outlook", "thunderbird", "ldif")

CHUNK = 1 << 20


class ReadError(Exception):
    """The file as a whole cannot be read; nothing from it is imported."""

    def __init__(self, file: str, line: int, reason: Text) -> None:
        self.file = file
        self.line = line
        self.reason = reason
        super().__init__(f"{file}:{line}: {reason.en}")

    def describe(self, lang: str | None = None) -> str:
        """``file:line: reason`` in the chosen language."""
        return f"{self.file}:{self.line}: {self.reason.get(lang)}"


# --- small shared helpers -------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\"]+$")
JUNK_VALUES = frozenset({"0/0/00", "0/0/0000", "00/00/00", "指定なし", "unspecified", "未指定"})


def clean(value: str | None) -> str:
    """A field value trimmed, with export junk such as ``0/0/00`` or ``指定なし`` emptied."""
    if not value:
        return ""
    value = value.strip()
    if len(value) > 11:  # longer than any junk value: skip the lookup (hot path)
        return value
    return "" if value.lower() in JUNK_VALUES else value


def reading(value: str | None) -> str:
    """A reading as written, half-width kana widened (ﾔﾏﾀﾞ -> ヤマダ)."""
    return unicodedata.normalize("NFKC", clean(value)).strip()


def add_email(record: Record, value: str, problems: list[Problem]) -> None:
    """Add one address to a record; Exchange ``/o=`` and malformed ones become notes."""
    value = clean(value)
    if value.lower().startswith("mailto:"):
        value = value[7:]
    value = value.strip().strip("<>").strip()
    if not value:
        return
    if value.lower().startswith("/o="):
        problems.append(Problem(record.line, EXCHANGE_ADDRESS.format(value=value), skipped=False))
        return
    if not _EMAIL.match(value):
        problems.append(Problem(record.line, BAD_ADDRESS.format(value=value), skipped=False))
        return
    value = value.lower()
    if value not in record.emails:
        record.emails.append(value)


def finish(record: Record, problems: list[Problem]) -> Iterator[Record | Problem]:
    """Yield a record's notes, then the record, or a skip when it has no usable address."""
    yield from problems
    if not record.display_name:
        record.display_name = compose_name(record.family, record.given)
    if record.emails:
        yield record
    else:
        yield Problem(record.line, NO_ADDRESS.format(name=record.display_name or "?"))


def compose_name(family: str, given: str) -> str:
    """A display name from parts: family first for Japanese names, given first otherwise."""
    if not family or not given:
        return family or given
    if any(ord(ch) > 0x2E80 for ch in family + given):
        return f"{family} {given}"
    return f"{given} {family}"


# --- messages ---------------------------------------------------------------------------

NO_ADDRESS = Text("メールアドレスがありません({name})", "no e-mail address ({name})")
EXCHANGE_ADDRESS = Text(
    "Exchange の内部アドレスは取り込みません: {value}",
    "Exchange address not imported (not an SMTP address): {value}",
)
BAD_ADDRESS = Text("メールアドレスとして読めません: {value}", "not an e-mail address: {value}")
NOT_FOUND = Text("ファイルが読めません: {error}", "cannot read the file: {error}")
UNKNOWN_ENCODING = Text("文字コードを判定できません", "cannot tell the file's text encoding")
UNKNOWN_FORMAT = Text(
    "vCard・CSV・LDIF のいずれとしても読めません",
    "not a vCard, CSV or LDIF address book",
)
BAD_ENCODING = Text(
    "{encoding} として読めない文字があります", "bytes that are not valid {encoding}"
)
NOT_A_FILE = Text("ファイルが見つかりません", "no such file")
BINARY = Text("テキストファイルではありません", "not a text file")


# --- encoding and format detection -------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def normalise_encoding(name: str) -> str:
    """Python's codec name; every Shift_JIS spelling becomes cp932 (it knows 髙, ①, ㈱)."""
    key = name.strip().lower().replace("_", "-")
    if key in {"shift-jis", "sjis", "x-sjis", "shiftjis", "ms-kanji", "windows-31j", "cp932"}:
        return "cp932"
    try:
        return codecs.lookup(key).name
    except LookupError:
        return key


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
