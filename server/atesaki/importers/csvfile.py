"""CSV address books (Google, Outlook en/ja, Outlook on the web, Thunderbird): columns by name.

Exports move columns around between versions and languages (the Japanese
Outlook export has 96), so every column is matched by its header, never by
position.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator

from atesaki.core.i18n import Text
from atesaki.core.records import Problem, Record
from atesaki.importers.common import (
    ReadError,
    add_email,
    clean,
    compose_name,
    finish,
    reading,
)

# Header (NFKC, lower-case, single spaces) -> field. Order matters: first match wins.
_COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("family_reading", r"^(phonetic last name|family name yomi|surname yomi|last name yomi"
                           r"|姓 ?フリガナ|姓 ?\(?(ふりがな|フリガナ|よみ|読み)\)?|フリガナ ?\(姓\)"
                           r"|ふりがな ?\(姓\))$"),
        ("given_reading", r"^(phonetic first name|given name yomi|given yomi|first name yomi"
                          r"|名前? ?フリガナ|名 ?\(?(ふりがな|フリガナ|よみ|読み)\)?"
                          r"|フリガナ ?\(名\)|ふりがな ?\(名\))$"),
        ("full_reading", r"^(yomi name|phonetic name|フリガナ|ふりがな|よみ)$"),
        ("family", r"^(last name|family name|surname|姓)$"),
        ("given", r"^(first name|given name|名)$"),
        ("display", r"^(name|display name|full name|表示名|氏名|名前|フルネーム)$"),
        ("email_display", r"^(e-?mail( \d+)? display name|電子メール( \d+)? ?表示名)$"),
        # Thunderbird's Japanese export says 組織 and 部門 (importMsgs.properties 2125, 2124).
        ("organization", r"^(organization name|organization \d+ - name|organization|company"
                         r"|会社名|会社|勤務先|所属|組織)$"),
        ("department", r"^(organization department|organization \d+ - department|department"
                       r"|部署|部署名|部門)$"),
        # Mailing lists (docs/import.md): a Kind of "list" marks the row, Members its size.
        ("kind", r"^(kind|entry kind|種別|エントリ種別)$"),
        ("members", r"^(members|member count|list members|メンバー数|会員数|人数)$"),
        # 別のメールアドレス is Thunderbird's Japanese "Secondary Email" (importMsgs 2105).
        ("email", r"^(e-?mail( \d+)? - value|e-?mail( \d+)? address|e-?mail|email address"
                  r"|(primary|secondary) e-?mail|電子メール( \d+)? ?アドレス|電子メール"
                  r"|(第 ?\d+ ?)?メール ?アドレス( \d+)?|(追加の|別の)?メール ?アドレス|メール)$"),
    )
)  # fmt: skip

MULTI = " ::: "  # Google joins several values in one cell with this

NO_EMAIL_COLUMN = Text(
    "メールアドレスの列が見出しにありません(見出し: {header})",
    "no e-mail column in the header row (header: {header})",
)
SHORT_ROW = Text(
    "列の数が見出しと合いません({found} 列、見出しは {expected} 列)",
    "row has {found} columns, the header has {expected}",
)
LIST_KINDS = frozenset({"list", "mailing list", "mailinglist", "group", "distribution list",
                        "ml", "メーリングリスト", "リスト", "グループ", "配布リスト"})
PERSON_KINDS = frozenset({"person", "contact", "individual", "個人", "人"})
BAD_KIND = Text("種別「{value}」は list（メーリングリスト）でも person（個人）でもありません",
                "kind “{value}” is neither list nor person")
BAD_MEMBERS = Text("メンバー数「{value}」が 0 以上の整数ではありません（人数は不明として取り込みます）",
                   "member count “{value}” is not a whole number (imported as unknown)")
BAD_CSV = Text("CSV として読めません: {error}", "not readable as CSV: {error}")


def _key(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).strip().strip("\ufeff").strip('"').lower()
    return re.sub(r"\s+", " ", text.replace("–", "-"))


def map_columns(header: list[str]) -> dict[str, list[int]]:
    """Field name -> column indexes, from a header row."""
    mapping: dict[str, list[int]] = {}
    for index, column in enumerate(header):
        key = _key(column)
        for name, pattern in _COLUMNS:
            if pattern.match(key):
                mapping.setdefault(name, []).append(index)
                break
    return mapping


def _sniff_delimiter(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (",", "\t", ";")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def parse(lines: Iterable[str], name: str = "") -> Iterator[Record | Problem]:
    """Records and problems from the lines of a CSV address book with a header row."""
    iterator = iter(lines)
    first = next(iterator, "")
    while first and not first.strip():
        first = next(iterator, "")
    delimiter = _sniff_delimiter(first)
    csv.field_size_limit(min(sys.maxsize, 1 << 24))

    def chained() -> Iterator[str]:
        yield first
        yield from iterator

    reader = csv.reader(chained(), delimiter=delimiter)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise ReadError(name, 1, BAD_CSV.format(error=exc)) from exc
    columns = map_columns(header)
    if "email" not in columns:
        shown = ", ".join(h.strip() for h in header[:8])
        raise ReadError(name, 1, NO_EMAIL_COLUMN.format(header=shown))
    width = len(header)
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Problem(line, BAD_CSV.format(error=exc))
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            yield Problem(start, SHORT_ROW.format(found=len(row), expected=width))
            continue
        yield from _record(start, row, columns)


def _cell(row: list[str], columns: dict[str, list[int]], field: str) -> str:
    for index in columns.get(field, ()):
        if index < len(row):
            value = clean(row[index].split(MULTI)[0])
            if value:
                return value
    return ""


def _record(line: int, row: list[str], columns: dict[str, list[int]]) -> Iterator[Record | Problem]:
    record = Record(line=line)
    problems: list[Problem] = []
    record.family = _cell(row, columns, "family")
    record.given = _cell(row, columns, "given")
    record.display_name = _cell(row, columns, "display") or compose_name(
        record.family, record.given
    )
    if not record.display_name:
        # Outlook's "E-mail Display Name" is often "Name (addr)": use it only as a last resort.
        shown = _cell(row, columns, "email_display")
        record.display_name = re.sub(r"\s*\([^)]*@[^)]*\)\s*$", "", shown)
    record.family_reading = reading(_cell(row, columns, "family_reading"))
    record.given_reading = reading(_cell(row, columns, "given_reading"))
    if not (record.family_reading or record.given_reading):
        full = reading(_cell(row, columns, "full_reading"))
        if full:
            parts = full.split(None, 1)
            record.family_reading = parts[0]
            record.given_reading = parts[1] if len(parts) > 1 else ""
    record.organization = _cell(row, columns, "organization")
    record.department = _cell(row, columns, "department")
    for index in columns["email"]:
        if index < len(row):
            for value in row[index].split(MULTI):
                add_email(record, value, problems)
    if not _list_columns(line, row, columns, record, problems):
        yield from problems
        return
    yield from finish(record, problems)


def _list_columns(line: int, row: list[str], columns: dict[str, list[int]], record: Record,
                  problems: list[Problem]) -> bool:
    """Read the Kind and Members cells into ``record``; False when the row must be skipped."""
    kind = unicodedata.normalize("NFKC", _cell(row, columns, "kind")).strip().lower()
    members = unicodedata.normalize("NFKC", _cell(row, columns, "members")).strip()
    if kind and kind not in LIST_KINDS | PERSON_KINDS:
        problems.append(Problem(line, BAD_KIND.format(value=kind[:40])))
        return False
    if kind in PERSON_KINDS:
        return True
    if members:
        if members.isdecimal():
            record.members = int(members)
        else:
            problems.append(Problem(line, BAD_MEMBERS.format(value=members[:40]), skipped=False))
    record.is_list = kind in LIST_KINDS or bool(members)
    return True
