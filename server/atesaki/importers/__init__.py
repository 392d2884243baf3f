"""Reading address books (vCard, CSV, LDIF) into plain records: encoding and format detection.

The parsers yield ``Record`` (one person) or ``Problem`` (a record that was
skipped, or a note about one) and never touch the store; ``atesaki.store.people``
writes records, and ``import_file`` does it for one file, in one transaction.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from atesaki.core.records import Problem, Record
from atesaki.importers import csvfile, ldif, vcard
from atesaki.importers.common import (  # noqa: F401 - the parsers' shared names, re-exported
    _BOMS,
    _EMAIL,
    BAD_ADDRESS,
    BAD_ENCODING,
    BINARY,
    CHUNK,
    EXCHANGE_ADDRESS,
    FORMATS,
    JUNK_VALUES,
    NO_ADDRESS,
    NOT_A_FILE,
    NOT_FOUND,
    UNKNOWN_ENCODING,
    UNKNOWN_FORMAT,
    ReadError,
    _decodes,
    add_email,
    clean,
    compose_name,
    finish,
    normalise_encoding,
    reading,
)
from atesaki.store import bump_generation, transaction
from atesaki.store.people import FILE_ORIGIN, ImportResult, apply_records


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


def import_file(
    conn: sqlite3.Connection,
    path: str | os.PathLike[str],
    source: str,
    fmt: str | None = None,
    encoding: str | None = None,
    on_read: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one address-book file in one transaction: all of it, or nothing (``ReadError``)."""
    items = read_records(path, fmt, encoding, on_read)
    result = ImportResult(file=str(path))
    # A bigger page cache keeps the e-mail index in memory during large imports (64 MiB).
    conn.execute("PRAGMA cache_size=-65536")
    with transaction(conn):
        apply_records(conn, items, source, FILE_ORIGIN, result)
        if result.changed:
            bump_generation(conn)
    return result


# --- send history ------------------------------------------------------------------------
