"""Sent mail (mbox, .eml files, Maildir folders) into send history: who was sent to, and when.

Only headers are read (stdlib ``email``, RFC 2047 names decoded); each message
counts once, by Message-ID (or a hash of its headers when it has none).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from atesaki import store
from atesaki.core.i18n import Text
from atesaki.core.records import Problem
from atesaki.importers.common import _EMAIL, ReadError
from atesaki.store import senders

_PARSER = BytesHeaderParser(policy=policy.compat32)

NO_RECIPIENTS = Text("宛先のないメッセージです", "message has no To, Cc or Bcc")
BAD_HEADERS = Text("ヘッダーが読めません: {error}", "cannot read the headers: {error}")
NOT_MAIL = Text(
    "mbox・.eml・Maildir のいずれとしても読めません",
    "not an mbox file, an .eml file or a Maildir folder",
)
NOT_FOUND = Text("見つかりません", "no such file or folder")
SUMMARY = Text(
    "取り込み {imported} 通、更新 {updated} 件のアドレス、スキップ {skipped} 通"
    "(うち取り込み済み {duplicates} 通)",
    "imported {imported}, updated {updated}, skipped {skipped} "
    "(messages imported, addresses updated; {duplicates} already counted)",
)


@dataclass
class SentMessage:
    """The parts of one sent message that history needs."""

    line: int
    message_id: str
    when: str | None
    recipients: list[tuple[str, str]]  # (address lower-case, display name)
    sender: str = ""  # the From identity, lower-case ("" when unreadable)


@dataclass
class HistoryResult:
    """What one mail source did to history."""

    file: str = ""
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    addresses: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)

    def summary(self, lang: str | None = None) -> str:
        """ "imported N, updated M, skipped K" (messages, addresses, messages)."""
        return SUMMARY.format(
            imported=self.imported,
            updated=len(self.addresses),
            skipped=self.skipped + self.duplicates,
            duplicates=self.duplicates,
        ).get(lang)


def _decode_header(value) -> str:
    # compat32 keeps raw text; decode RFC 2047 words ourselves so a bad word is not fatal.
    from email.header import decode_header, make_header

    if value is None:
        return ""
    try:
        return str(make_header(decode_header(str(value))))
    except (UnicodeError, LookupError, ValueError):
        return str(value)


def parse_message(data: bytes, line: int, where: str) -> SentMessage | Problem:
    """One message's recipients, date and identity from its raw bytes."""
    try:
        headers = _PARSER.parsebytes(data)
    except Exception as exc:
        return Problem(line, BAD_HEADERS.format(error=exc), file=where)
    fields = []
    for name in ("to", "cc", "bcc", "resent-to", "resent-cc"):
        fields.extend(_decode_header(v) for v in headers.get_all(name, []))
    recipients: list[tuple[str, str]] = []
    seen: set[str] = set()
    for display, address in getaddresses(fields):
        address = address.strip().lower()
        if not _EMAIL.match(address) or address in seen:
            continue
        seen.add(address)
        recipients.append((address, display.strip().strip('"')))
    if not recipients:
        return Problem(line, NO_RECIPIENTS, file=where)
    when = None
    date = headers.get("date")
    if date:
        try:
            parsed = parsedate_to_datetime(str(date))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            when = parsed.astimezone(UTC).isoformat(timespec="seconds")
        except (TypeError, ValueError, IndexError, OverflowError):
            when = None
    message_id = str(headers.get("message-id") or "").strip()
    if not message_id:
        basis = "\n".join(str(headers.get(h, "")) for h in ("date", "from", "subject"))
        basis += "\n" + "\n".join(address for address, _ in recipients)
        message_id = "sha256:" + hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()
    senders = getaddresses([_decode_header(v) for v in headers.get_all("from", [])])
    sender = next((a.strip().lower() for _, a in senders if _EMAIL.match(a.strip().lower())), "")
    return SentMessage(line, message_id, when, recipients, sender)


def _headers_only(f) -> bytes:
    chunks = []
    for raw in f:
        chunks.append(raw)
        if raw in (b"\n", b"\r\n"):
            break
    return b"".join(chunks)


def iter_mbox(path: Path) -> Iterator[SentMessage | Problem]:
    """Messages of an mbox file, streamed; only each message's header block is kept."""
    where = str(path)
    with path.open("rb") as f:
        header: list[bytes] | None = None
        in_headers = False
        start = 0
        previous_blank = True
        for number, raw in enumerate(f, 1):
            if raw.startswith(b"From ") and previous_blank:
                if header is not None:
                    yield parse_message(b"".join(header), start, where)
                header, in_headers, start = [], True, number
            elif in_headers and header is not None:
                if raw in (b"\n", b"\r\n"):
                    in_headers = False
                header.append(raw)
            previous_blank = raw in (b"\n", b"\r\n")
        if header is not None:
            yield parse_message(b"".join(header), start, where)


def iter_file(path: Path) -> Iterator[SentMessage | Problem]:
    """One .eml message."""
    with path.open("rb") as f:
        yield parse_message(_headers_only(f), 1, str(path))


def is_maildir(path: Path) -> bool:
    """A folder with ``cur`` or ``new`` in it."""
    return (path / "cur").is_dir() or (path / "new").is_dir()


def message_files(path: Path) -> Iterator[Path]:
    """Every message file under a folder: Maildir cur/new, sub-Maildirs, and .eml files."""
    if is_maildir(path):
        for sub in ("cur", "new"):
            folder = path / sub
            if folder.is_dir():
                yield from sorted(p for p in folder.iterdir() if p.is_file())
    for child in sorted(path.iterdir()):
        if child.is_dir() and child.name not in {"cur", "new", "tmp"}:
            yield from message_files(child)
        elif child.is_file() and child.suffix.lower() == ".eml":
            yield child


def _looks_like_mbox(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(5) == b"From "


def _looks_like_message(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(4096)
    return b":" in head.split(b"\n", 1)[0] and not head.startswith(b"\x00")


def iter_source(path: str | os.PathLike[str]) -> Iterator[SentMessage | Problem]:
    """Messages from an mbox file, an .eml file or a folder; ``ReadError`` if it is none."""
    path = Path(path)
    if path.is_dir():
        return _from_folder(path)
    if not path.is_file():
        raise ReadError(str(path), 0, NOT_FOUND)
    if _looks_like_mbox(path):
        return iter_mbox(path)
    if _looks_like_message(path):
        return iter_file(path)
    raise ReadError(str(path), 1, NOT_MAIL)


def _from_folder(path: Path) -> Iterator[SentMessage | Problem]:
    for file in message_files(path):
        yield from iter_file(file)


def import_history(
    conn: sqlite3.Connection,
    path: str | os.PathLike[str],
    on_message: Callable[[], None] | None = None,
) -> HistoryResult:
    """Count one mail source into history in one transaction (all or nothing)."""
    from atesaki.store.people import add_history

    messages = iter_source(path)
    result = HistoryResult(file=str(path))
    learned = 0  # From pairings added from messages counted before
    with store.transaction(conn):
        for item in messages:
            if on_message:
                on_message()
            if isinstance(item, Problem):
                result.problems.append(item)
                result.skipped += 1
                continue
            fresh = conn.execute(
                "INSERT OR IGNORE INTO history_message (message_id) VALUES (?)",
                (item.message_id,),
            ).rowcount
            if not fresh:
                result.duplicates += 1
                learned += senders.record(conn, item.sender, (a for a, _ in item.recipients),
                                          item.when, counted=True)
                continue
            result.imported += 1
            for address, name in item.recipients:
                add_history(conn, address, name, item.when)
                result.addresses.add(address)
            senders.record(conn, item.sender, (a for a, _ in item.recipients), item.when)
        if result.imported or learned:  # a re-import may teach From pairings only
            store.bump_generation(conn)
    return result

