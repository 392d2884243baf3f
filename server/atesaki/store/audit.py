"""The audit log: every check, approval, send and incident, appended to a sealed hash chain.

Each entry's hash covers its canonical JSON (seq, ts, event, data) and the previous
entry's hash; an HMAC with a key kept in the data folder (``audit.key``) seals it,
so an entry rewritten with a recomputed hash is still found. A separate head
record, updated in the same transaction, makes a cut-off tail visible.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import json
import os
import secrets
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import click

from atesaki.core import clock
from atesaki.core.i18n import Text

GENESIS = "0" * 64
# json.dumps(s, ensure_ascii=False) for one string, without making an encoder per call:
# JSONEncoder.encode writes a lone string directly, the same text json.dumps writes.
_json_string = json.JSONEncoder(ensure_ascii=False).encode
KEY_NAME = "audit.key"
# The events Atesaki writes (others may be added; export filters by any name).
EVENTS = (
    "check", "send", "incident", "service_start", "service_stop",
    "approval_granted", "approval_refused", "approval_locked", "approval_used",
    "approval_requested", "approval_decided",
    "checker_enrolled", "checker_removed", "checker_enrol_page", "sync",
)
# Keys whose values must never reach the log (message bodies, one-time codes,
# tokens, secrets); dropped wherever they appear in an entry's data.
FORBIDDEN_KEYS = frozenset({
    "body", "code", "token", "release_token", "secret", "password", "otp",
    "otpauth_uri", "session", "csrf",
})

def canonical(obj: object) -> str:
    """The one JSON text an object hashes to: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_hash(seq: int, ts: str, event: str, data_json: str, prev_hash: str) -> str:
    """SHA-256 (hex) of one entry's canonical JSON, chained to the previous hash.

    The text hashed is ``canonical({"data", "event", "prev", "seq", "ts"})`` with the
    stored data text spliced in as written (append stores it canonical), so any
    change to the stored bytes changes the hash.
    """
    quote = _json_string
    body = (f'{{"data":{data_json},"event":{quote(event)},"prev":{quote(prev_hash)},'
            f'"seq":{int(seq)},"ts":{quote(ts)}}}')
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def seal(key: bytes, text: str) -> str:
    """HMAC-SHA256 (hex) of ``text`` with the audit key."""
    return hmac.digest(key, text.encode("utf-8"), "sha256").hex()


def _head_text(seq: int, digest: str) -> str:
    return f"head:{seq}:{digest}"


# -- the key -------------------------------------------------------------------

_keys: dict[str, bytes] = {}
_keys_lock = threading.Lock()


def key_path(data_dir: str | os.PathLike[str]) -> Path:
    """Where the audit key lives in a data folder."""
    return Path(data_dir) / KEY_NAME


def load_key(data_dir: str | os.PathLike[str], *, create: bool = True) -> bytes | None:
    """The data folder's audit key (created mode 0600 on first use unless ``create`` is False)."""
    path = key_path(data_dir)
    cache_key = str(path)
    if create and cache_key in _keys:  # every append: no lock needed to read
        return _keys[cache_key]
    with _keys_lock:
        # Appends reuse the key; a verification always reads the file as it is now.
        if create and cache_key in _keys:
            return _keys[cache_key]
        key = _read_key(path)
        if key is None and create:
            key = _create_key(path)
        if key is not None:
            _keys[cache_key] = key
        return key


def _read_key(path: Path) -> bytes | None:
    for _ in range(50):  # another process may be between creating and linking the file
        try:
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        if len(text) == 64:
            return bytes.fromhex(text)
        time.sleep(0.01)
    raise ValueError(f"{path}: not an audit key (64 hex digits expected)")


def _create_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_name(f".{KEY_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.write(fd, key.hex().encode("ascii"))
    finally:
        os.close(fd)
    try:
        # link() fails if the key exists: two processes starting at once agree on one key.
        os.link(tmp, path)
    except FileExistsError:
        key = _read_key(path) or key
    finally:
        tmp.unlink(missing_ok=True)
    return key


def data_dir_of(conn: sqlite3.Connection) -> Path:
    """The folder of the connection's database file (where audit.key belongs)."""
    known = getattr(conn, "data_dir", None)  # store.connect's connections know it
    if known is not None:
        return known
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main" and row[2]:
            return Path(row[2]).parent
    raise ValueError("the audit log needs a database file, not an in-memory database")


# -- appending -----------------------------------------------------------------


def _key_of(conn: sqlite3.Connection) -> bytes:
    """The audit key for appends through ``conn``, kept on the connection after the first."""
    key = getattr(conn, "audit_key", None)
    if key is None:
        key = load_key(data_dir_of(conn))
        with contextlib.suppress(AttributeError):  # a plain sqlite3 connection takes none
            conn.audit_key = key
    return key


def scrub(data: Any) -> Any:
    """``data`` without the keys that must never be logged (bodies, codes, tokens, secrets)."""
    if isinstance(data, dict):
        return {k: scrub(v) for k, v in data.items() if str(k).lower() not in FORBIDDEN_KEYS}
    if isinstance(data, list | tuple):
        return [scrub(v) for v in data]
    return data


def _now(moment: datetime | None = None) -> str:
    return clock.iso(moment, "milliseconds")


def append(conn: sqlite3.Connection, event: str, data: dict,
           at: datetime | None = None) -> int:
    """Append one entry (call inside the caller's transaction); returns its sequence number.

    ``at`` is when it happened, if the caller already read the clock; else now.
    """
    if not conn.in_transaction:
        from atesaki import store

        with store.transaction(conn):
            return append(conn, event, data, at)
    key = _key_of(conn)
    head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    if head is None:  # a log from before the head record: chain on from its last entry
        head = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (int(head[0]) + 1, head[1]) if head else (1, GENESIS)
    ts = _now(at)
    data_json = canonical(scrub(data))
    digest = entry_hash(seq, ts, event, data_json, prev)
    conn.execute(
        "INSERT INTO audit (seq, ts, event, data, prev_hash, hash, mac) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (seq, ts, event, data_json, prev, digest, seal(key, digest)),
    )
    conn.execute(
        "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
        "mac = excluded.mac",
        (seq, digest, seal(key, _head_text(seq, digest))),
    )
    return seq


# -- verifying -----------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The result of checking the chain: ok, or the first bad entry and why."""

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    problem: Text | None = None

    def summary(self, lang: str | None = None) -> str:
        """``ok N entries`` or ``entry N: <why>`` in ``lang``."""
        if self.ok:
            return f"ok {self.count} entries"
        return (self.problem or Text("", "")).get(lang)

    def to_dict(self) -> dict[str, Any]:
        """As JSON for pages and ``--json``."""
        return {
            "ok": self.ok, "count": self.count, "head_seq": self.head_seq,
            "head_hash": self.head_hash, "bad_seq": self.bad_seq,
            "problem": self.problem.as_dict() if self.problem else None,
        }


def _fail(count: int, head_seq: int, head_hash: str, seq: int, ja: str, en: str) -> Verification:
    return Verification(False, count, head_seq, head_hash, seq,
                        Text(f"記録 {seq}: {ja}", f"entry {seq}: {en}"))


def verify(conn: sqlite3.Connection, data_dir: str | os.PathLike[str] | None = None,
           expected_head: str | None = None) -> Verification:
    """Check every entry's hash, seal and link, the head record and, if given, a written-down head.

    ``expected_head`` is a hash printed by an earlier verify (``HASH`` or ``SEQ:HASH``);
    it must still be in the chain, else the log was cut or rewritten after it.
    """
    key = load_key(data_dir if data_dir is not None else data_dir_of(conn), create=False)
    started = not conn.in_transaction
    if started:
        conn.execute("BEGIN")  # one snapshot of the log and its head record
    try:
        rows = conn.execute(
            "SELECT seq, ts, event, data, prev_hash, hash, mac FROM audit ORDER BY seq"
        ).fetchall()
        head = conn.execute("SELECT seq, hash, mac FROM audit_head WHERE id = 1").fetchone()
    finally:
        if started:
            conn.execute("COMMIT")
    return _verify_rows(rows, head, key, expected_head)


def _verify_rows(rows, head, key: bytes | None, expected_head: str | None) -> Verification:
    count = len(rows)
    last_seq, last_hash = 0, GENESIS
    by_hash: dict[str, int] = {}
    if rows and key is None:
        return _fail(count, 0, GENESIS, int(rows[0][0]),
                     f"{KEY_NAME} がないため封印（HMAC）を確かめられません。",
                     f"{KEY_NAME} is missing, so the seals (HMAC) cannot be checked.")
    for seq, ts, event, data_json, prev_hash, stored_hash, mac in rows:
        seq = int(seq)
        if seq != last_seq + 1:
            if seq <= last_seq:  # cannot happen with seq as the primary key; be safe
                return _fail(count, last_seq, last_hash, seq, "番号が重複しています。",
                             "its number repeats an earlier one.")
            return _fail(count, last_seq, last_hash, last_seq + 1,
                         "削除されています（番号が抜けています）。",
                         f"is missing (deleted): entry {seq} follows entry {last_seq}.")
        digest = entry_hash(seq, ts, event, data_json, prev_hash)
        if digest != stored_hash and not _is_json(data_json):
            return _fail(count, last_seq, last_hash, seq, "内容が JSON として読めません（改ざん）。",
                         "its data is not valid JSON (edited).")
        if digest != stored_hash:
            moved = _moved_from(rows, seq, ts, event, data_json, prev_hash, stored_hash)
            if moved is not None:
                return _fail(count, last_seq, last_hash, seq,
                             f"記録 {moved} の内容が入っています（並べ替え）。",
                             f"holds what was entry {moved} (the log was reordered).")
            return _fail(count, last_seq, last_hash, seq,
                         "内容がハッシュと一致しません（書き換え）。",
                         "its content does not match its hash (edited).")
        if prev_hash != last_hash:
            return _fail(count, last_seq, last_hash, seq,
                         "直前の記録とつながっていません（挿入・削除・並べ替え）。",
                         "does not follow the entry before it (inserted, removed or reordered).")
        if not hmac.compare_digest(mac or "", seal(key, digest)):
            return _fail(count, last_seq, last_hash, seq,
                         "封印（HMAC）が一致しません（鍵なしで作り直された記録）。",
                         "its seal (HMAC) does not match: rewritten without the key.")
        last_seq, last_hash = seq, digest
        by_hash[digest] = seq
    if head is None:
        if rows:
            return _fail(count, last_seq, last_hash, last_seq,
                         "先頭記録（audit_head）がありません。",
                         "the head record (audit_head) is missing.")
    else:
        head_seq, head_hash, head_mac = int(head[0]), head[1], head[2]
        head_sealed = key is not None and hmac.compare_digest(
            head_mac or "", seal(key, _head_text(head_seq, head_hash)))
        if not head_sealed:
            return _fail(count, last_seq, last_hash, head_seq,
                         "先頭記録の封印が一致しません。",
                         "the head record's seal does not match.")
        if head_seq > last_seq:
            return _fail(count, last_seq, last_hash, last_seq + 1,
                         f"記録 {last_seq + 1}〜{head_seq} が切り取られています。",
                         f"is missing: entries {last_seq + 1} to {head_seq} were cut off "
                         "the end of the log.")
        if head_seq < last_seq:
            return _fail(count, last_seq, last_hash, head_seq + 1,
                         "先頭記録の後に Atesaki 以外が追加しました。",
                         "was added after the head record, not by Atesaki.")
        if head_hash != last_hash:
            return _fail(count, last_seq, last_hash, last_seq,
                         "先頭記録のハッシュと一致しません。",
                         "its hash differs from the head record's.")
    if expected_head:
        want_seq, _, want_hash = expected_head.strip().lower().rpartition(":")
        found = by_hash.get(want_hash)
        if found is None or (want_seq and want_seq.isdecimal() and int(want_seq) != found):
            where = int(want_seq) if want_seq.isdecimal() else last_seq + 1
            return _fail(count, last_seq, last_hash, where,
                         f"控えておいたハッシュ {want_hash[:16]}… がありません（切り取りか書き換え）。",
                         f"the written-down head {want_hash[:16]}… is not in the log "
                         "(cut off or rewritten).")
    return Verification(True, count, last_seq, last_hash)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, TypeError):
        return False
    return True


def _moved_from(rows, seq, ts, event, data_json, prev_hash, stored_hash) -> int | None:
    # Only on a failure: which other position does this content hash to?
    for other in rows:
        other_seq = int(other[0])
        if other_seq != seq and entry_hash(other_seq, ts, event, data_json, prev_hash) == stored_hash:
            return other_seq
    return None


# -- reading and exporting -------------------------------------------------------

COLUMNS = ("seq", "ts", "event", "data", "prev_hash", "hash", "mac")


def entries(conn: sqlite3.Connection, *, event: str | None = None,
            since: str | None = None) -> Iterator[dict[str, Any]]:
    """The log's entries in order, ``data`` decoded; optionally one event and from a time on."""
    sql = "SELECT seq, ts, event, data, prev_hash, hash, mac FROM audit"
    where, args = [], []
    if event:
        where.append("event = ?")
        args.append(event)
    if since:
        where.append("ts >= ?")
        args.append(since)
    if where:
        sql += " WHERE " + " AND ".join(where)
    # Only fixed clauses are joined; values go in as parameters.
    for row in conn.execute(sql + " ORDER BY seq", args):
        item = dict(zip(COLUMNS, row, strict=True))
        try:
            item["data"] = json.loads(item["data"])
        except ValueError:
            pass  # an edited entry: show it as stored, verify names it
        yield item


def export(conn: sqlite3.Connection, out: IO[str], fmt: str = "csv", **filters: Any) -> int:
    """Write the log to ``out`` as CSV (data as JSON text) or JSON Lines; returns the entry count."""
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"unknown export format {fmt!r}: use csv or jsonl")
    count = 0
    writer = csv.writer(out, lineterminator="\r\n") if fmt == "csv" else None
    if writer:
        writer.writerow(COLUMNS)
    for item in entries(conn, **filters):
        if writer:
            data = item["data"]
            writer.writerow([item["seq"], item["ts"], item["event"],
                             data if isinstance(data, str) else canonical(data),
                             item["prev_hash"], item["hash"], item["mac"]])
        else:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
        count += 1
    return count


def export_text(conn: sqlite3.Connection, fmt: str = "csv", **filters: Any) -> str:
    """The export as one string (for the review page's download)."""
    buffer = io.StringIO()
    export(conn, buffer, fmt, **filters)
    return buffer.getvalue()


# -- command line ----------------------------------------------------------------


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log: verify the chain, export it."""


@audit_group.command("verify")
@click.option("--head", "expected_head", metavar="HASH",
              help="A head hash written down earlier (HASH or SEQ:HASH); it must still be "
                   "in the log, which catches a cut-off tail.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def verify_command(env, expected_head: str | None, as_json: bool) -> None:
    """Check the hash chain: exit 0 and `ok N entries` with the head hash, else exit 1."""
    conn = env.open_store()
    result = verify(conn, env.data_dir, expected_head)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    elif result.ok:
        click.echo(result.summary())
        click.echo(f"head {result.head_seq}:{result.head_hash}")
    else:
        from atesaki.core.i18n import output_language

        click.echo(f"FAILED {result.summary(output_language())}")
        click.echo(f"last good {result.head_seq}:{result.head_hash}")
    sys.exit(0 if result.ok else 1)


@audit_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True, help="CSV (data as JSON text) or one JSON object a line.")
@click.option("--event", default=None, metavar="NAME",
              help="Only entries of this event (check, send, incident, approval_granted, ...).")
@click.option("--since", metavar="DATE", default=None,
              help="Only entries from this date or time on (ISO 8601, UTC, e.g. 2025-04-01).")
@click.pass_obj
def export_command(env, fmt: str, event: str | None, since: str | None) -> None:
    """Write the audit log to standard output."""
    if since:
        try:
            datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(f"{since!r} is not an ISO 8601 date",
                                     param_hint="--since") from None
    conn = env.open_store()
    export(conn, click.get_text_stream("stdout"), fmt, event=event, since=since)
