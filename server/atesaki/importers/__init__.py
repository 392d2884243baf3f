"""Reading address books (vCard, CSV, LDIF) into plain records: encoding and format detection.

The parsers yield ``Record`` (one person) or ``Problem`` (a record that was
skipped, or a note about one) and never touch the store; ``atesaki.people``
writes records, one transaction per file.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from atesaki.core.i18n import Text

# Formats a user may name with --format; the CSV dialects all read by column name.
FORMATS = ("vcard", "csv", "google", "outlook", "thunderbird", "ldif")

CHUNK = 1 << 20


@dataclass
class Record:
    """One person read from an address book, before it is stored."""

    line: int
    display_name: str = ""
    family: str = ""
    given: str = ""
    family_reading: str = ""
    given_reading: str = ""
    organization: str = ""
    department: str = ""
    emails: list[str] = field(default_factory=list)
    uid: str = ""


@dataclass(frozen=True)
class Problem:
    """A record skipped (``skipped=True``) or a note on a record, with where it is."""

    line: int
    reason: Text
    skipped: bool = True
    file: str = ""

    def describe(self, lang: str | None = None) -> str:
        """``file:line: reason`` in the chosen language."""
        where = f"{self.file}:{self.line}" if self.file else f"line {self.line}"
        return f"{where}: {self.reason.get(lang)}"


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


def detect_encoding(path: str | os.PathLike[str]) -> str:
    """BOM, then strict UTF-8, then strict CP932, then charset-normalizer (shift_jis -> cp932)."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise ReadError(str(path), 0, NOT_FOUND.format(error=exc.strerror or exc)) from exc
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if b"\x00" in head:
        raise ReadError(str(path), 1, BINARY)
    for name in ("utf-8", "cp932"):
        if _decodes(path, name):
            return name
    from charset_normalizer import from_path

    best = from_path(path).best()
    if best is None:
        raise ReadError(str(path), 1, UNKNOWN_ENCODING)
    return normalise_encoding(best.encoding)


class _CountingReader(io.RawIOBase):
    """A binary file that reports how many bytes were read, for the progress bar."""

    def __init__(self, raw, on_read: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        if n:
            self._on_read(n)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_text(
    path: str | os.PathLike[str],
    encoding: str,
    on_read: Callable[[int], None] | None = None,
) -> io.TextIOWrapper:
    """The file as strict text, streamed (never held whole in memory)."""
    raw = open(path, "rb", buffering=0)
    source = _CountingReader(raw, on_read) if on_read else raw
    buffered = io.BufferedReader(source, CHUNK)
    return io.TextIOWrapper(buffered, encoding=encoding, errors="strict", newline="")


def detect_format(path: str | os.PathLike[str], encoding: str) -> str:
    """``vcard``, ``ldif`` or ``csv`` from the first lines (the file name is only a tie-break)."""
    lines: list[str] = []
    try:
        with open_text(path, encoding) as f:
            for line in f:
                stripped = line.strip().lstrip("\ufeff")
                if stripped and not stripped.startswith("#"):
                    lines.append(stripped)
                if len(lines) >= 20:
                    break
    except UnicodeDecodeError as exc:
        raise ReadError(str(path), 1, BAD_ENCODING.format(encoding=encoding)) from exc
    if not lines:
        raise ReadError(str(path), 1, UNKNOWN_FORMAT)
    if any(line.upper() == "BEGIN:VCARD" for line in lines):
        return "vcard"
    first = lines[0].lower()
    if first.startswith(("version: 1", "version:1")) or re.match(r"^dn::?\s", first):
        return "ldif"
    if any(sep in lines[0] for sep in (",", "\t", ";")):
        return "csv"
    suffix = Path(path).suffix.lower()
    if suffix in {".vcf", ".vcard"}:
        return "vcard"
    if suffix == ".ldif":
        return "ldif"
    raise ReadError(str(path), 1, UNKNOWN_FORMAT)


def read_records(
    path: str | os.PathLike[str],
    fmt: str | None = None,
    encoding: str | None = None,
    on_read: Callable[[int], None] | None = None,
) -> Iterator[Record | Problem]:
    """Every record and problem in an address-book file, streamed; ``ReadError`` if unreadable.

    Detection happens before the first item is yielded, so a caller can fail
    fast before opening a transaction.
    """
    name = str(path)
    if not Path(path).is_file():
        raise ReadError(name, 0, NOT_A_FILE)
    encoding = normalise_encoding(encoding) if encoding else detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise ReadError(name, 0, UNKNOWN_ENCODING) from exc
    fmt = fmt or detect_format(path, encoding)
    from atesaki.importers import csvfile, ldif, vcard

    parser = {"vcard": vcard.parse, "ldif": ldif.parse}.get(fmt, csvfile.parse)
    return _located(name, parser, path, encoding, on_read)


def _located(name, parser, path, encoding, on_read) -> Iterator[Record | Problem]:
    text = open_text(path, encoding, on_read)
    line = 0
    try:
        with text:
            for item in parser(text, name):
                line = item.line
                if isinstance(item, Problem) and not item.file:
                    item = Problem(item.line, item.reason, item.skipped, name)
                yield item
    except UnicodeDecodeError as exc:
        raise ReadError(name, line + 1, BAD_ENCODING.format(encoding=encoding)) from exc
