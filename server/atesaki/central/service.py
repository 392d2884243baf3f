"""The central service's logic: enrolment, PC credentials, each PC's audit chain and its verification.

Plain functions over a psycopg pool; no Flask here. Failures a caller should see
are ``APIError`` with a code and a message in both languages.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from atesaki.central.db import transaction
from atesaki.core.i18n import Text
from atesaki.store.audit import GENESIS, canonical, entry_hash, scrub
from atesaki.web.errors import APIError

ENROL_TTL = timedelta(hours=72)
# Codes are read aloud and typed: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 4
MAX_BATCH = 1000
MAX_NAME = 100

UNKNOWN_CODE = Text("この登録コードは使えません（入力の誤りか、発行されていません）。",
                    "This enrolment code is not valid (mistyped, or never issued).")
CODE_USED = Text("この登録コードはすでに使われています。管理者に新しいコードを頼んでください。",
                 "This enrolment code has already been used. Ask the administrator for a new one.")
CODE_EXPIRED = Text("この登録コードは期限切れです。管理者に新しいコードを頼んでください。",
                    "This enrolment code has expired. Ask the administrator for a new one.")
NO_CREDENTIAL = Text("このパソコンの資格情報がないか、正しくありません。",
                     "This PC's credential is missing or wrong.")
REVOKED = Text(
    "このパソコンの資格情報は管理者によって取り消されました。管理者に連絡し、"
    "新しい登録コードで atesaki join をやり直してください。",
    "This PC's credential was revoked by the administrator. Contact them and run "
    "atesaki join again with a new enrolment code.",
)
REPLAYED = Text("この送信（バッチ）はすでに受け取っています（再送攻撃の疑い）。",
                "This batch was already received (a replay).")
FORGED = Text("記録 {seq} のハッシュが内容と一致しません。このバッチは受け付けません。",
              "Entry {seq}'s hash does not match its content; the batch is refused.")
CHAIN_BROKEN = Text("記録 {seq} が前の記録につながりません（次は {expected} のはずです）。",
                    "Entry {seq} does not follow the chain (the next entry should be {expected}).")
CHAIN_CONFLICT = Text("記録 {seq} はすでに別の内容で受け取っています。",
                      "Entry {seq} was already received with other content.")
BAD_BATCH = Text("バッチの形式が正しくありません: {why}", "The batch is malformed: {why}")
BAD_SEQ = Text("バッチの形式が正しくありません: {number} 件目の seq は 1〜2^63-1 にしてください。",
               "The batch is malformed: entry {number} needs a seq of 1 to 2^63-1.")
BAD_NUL = Text("バッチの形式が正しくありません: {number} 件目 (seq {seq}) に NUL 文字があります。",
               "The batch is malformed: entry {number} (seq {seq}) contains a NUL character.")
BAD_NAME = Text("名前は 1〜100 文字で指定してください。", "Give a name of 1 to 100 characters.")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    """An enrolment code as stored: upper case, without spaces or dashes."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def format_code(raw: str) -> str:
    """``ABCDEFGHJKMN`` as ``ABCD-EFGH-JKMN`` (easier to read aloud)."""
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


# -- enrolment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """A one-time code for one PC and when it stops working."""

    code: str
    name: str
    expires_at: datetime


def clean_name(name: str) -> str:
    """A PC's or person's name, trimmed; ValueError when empty or too long."""
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise ValueError(BAD_NAME.en)
    return name


def enrol(pool: ConnectionPool, name: str, *, email: str = "", section: str = "",
          ttl: timedelta = ENROL_TTL) -> Enrolment:
    """Issue a one-time enrolment code for the PC (or person) ``name``."""
    name = clean_name(name)
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4 * CODE_GROUPS))
    expires = datetime.now(UTC) + ttl
    with transaction(pool) as conn:
        conn.execute(
            "INSERT INTO enrolments (code_hash, name, email, section, expires_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            (_hash(raw), name, (email or "").strip().lower(), (section or "").strip(), expires),
        )
        log_event(conn, "enrol_code_issued", {"name": name, "expires_at": expires.isoformat()})
    return Enrolment(format_code(raw), name, expires)


@dataclass(frozen=True)
class Credential:
    """What a PC keeps after joining: its id and secret (sent as ``Bearer ID.SECRET``)."""

    pc_id: str
    secret: str
    name: str

    @property
    def bearer(self) -> str:
        """The Authorization header's value."""
        return f"Bearer {self.pc_id}.{self.secret}"


def join(pool: ConnectionPool, code: str) -> Credential:
    """Spend an enrolment code on a new PC credential; exactly one caller wins a code.

    The code's row is locked (``FOR UPDATE``) for the transaction: a second PC using
    the same code at the same moment waits on that lock, then finds the code used.
    """
    code_hash = _hash(normalise_code(code))
    pc_id = "pc_" + secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with transaction(pool) as conn:
        # Row lock on the code: a second PC with the same code waits here, then sees it used.
        row = conn.execute(
            "SELECT name, email, section, used_at, expires_at FROM enrolments WHERE code_hash = %s "
            "FOR UPDATE", (code_hash,),
        ).fetchone()
        if row is None:
            raise APIError(404, "unknown_code", UNKNOWN_CODE)
        if row["used_at"] is not None:
            raise APIError(409, "code_used", CODE_USED)
        if row["expires_at"] <= datetime.now(UTC):
            raise APIError(410, "code_expired", CODE_EXPIRED)
        conn.execute(
            "INSERT INTO pcs (id, name, email, section, secret_hash) VALUES (%s, %s, %s, %s, %s)",
            (pc_id, row["name"], row["email"], row["section"], _hash(secret)),
        )
        conn.execute("UPDATE enrolments SET used_at = now(), pc_id = %s WHERE code_hash = %s",
                     (pc_id, code_hash))
        log_event(conn, "pc_joined", {"pc_id": pc_id, "name": row["name"]})
    return Credential(pc_id, secret, row["name"])


@dataclass(frozen=True)
class PC:
    """An enrolled PC as the central service knows it."""

    id: str
    name: str
    email: str
    enrolled_at: datetime
    revoked_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        """As JSON (never the secret's hash)."""
        return {"id": self.id, "name": self.name, "email": self.email,
                "enrolled_at": self.enrolled_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}


def _pc(row: dict) -> PC:
    return PC(row["id"], row["name"], row["email"], row["enrolled_at"], row["revoked_at"])


def bearer(authorization: str | None) -> tuple[str, str]:
    """(PC id, secret) from an ``Authorization: Bearer ID.SECRET`` header; 401 when it is none."""
    scheme, _, value = (authorization or "").partition(" ")
    pc_id, _, secret = value.strip().partition(".")
    if scheme.lower() != "bearer" or not pc_id or not secret:
        raise APIError(401, "no_credential", NO_CREDENTIAL)
    return pc_id, secret


def authenticate(pool: ConnectionPool, authorization: str | None) -> PC:
    """The PC named by an ``Authorization: Bearer ID.SECRET`` header; 401 when wrong or revoked."""
    pc_id, secret = bearer(authorization)
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT id, name, email, secret_hash, enrolled_at, revoked_at FROM pcs WHERE id = %s",
            (pc_id,),
        ).fetchone()
    if row is None or not hmac.compare_digest(row["secret_hash"], _hash(secret)):
        raise APIError(401, "bad_credential", NO_CREDENTIAL)
    if row["revoked_at"] is not None:
        raise APIError(401, "revoked", REVOKED)
    return _pc(row)


def revoke(pool: ConnectionPool, ref: str) -> PC | None:
    """Revoke a PC's credential (by id or name); None when no such PC."""
    with transaction(pool) as conn:
        row = conn.execute(
            "UPDATE pcs SET revoked_at = coalesce(revoked_at, now()) "
            "WHERE id = %s OR name = %s RETURNING id, name, email, enrolled_at, revoked_at",
            (ref, ref),
        ).fetchone()
        if row:
            log_event(conn, "pc_revoked", {"pc_id": row["id"], "name": row["name"]})
    return _pc(row) if row else None


def list_pcs(pool: ConnectionPool) -> list[PC]:
    """Every enrolled PC, oldest first."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT id, name, email, enrolled_at, revoked_at FROM pcs ORDER BY enrolled_at, id"
        ).fetchall()
    return [_pc(row) for row in rows]


# -- audit ingest ----------------------------------------------------------------------------

ENTRY_FIELDS = ("seq", "ts", "event", "data", "prev_hash", "hash")


def _entries_of(batch: Any) -> tuple[str, list[dict[str, Any]]]:
    if not isinstance(batch, dict):
        raise APIError(400, "bad_batch", BAD_BATCH.format(why="not an object"))
    batch_id = batch.get("batch_id")
    entries = batch.get("entries")
    if not isinstance(batch_id, str) or not 8 <= len(batch_id) <= 100 or "\0" in batch_id:
        raise APIError(400, "bad_batch", BAD_BATCH.format(why="batch_id"))
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_BATCH:
        raise APIError(400, "bad_batch", BAD_BATCH.format(why=f"entries (1 to {MAX_BATCH})"))
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or any(k not in entry for k in ENTRY_FIELDS):
            raise APIError(400, "bad_batch", BAD_BATCH.format(why="entry fields"))
        if not isinstance(entry["seq"], int) or isinstance(entry["seq"], bool) \
                or not all(isinstance(entry[k], str) for k in ENTRY_FIELDS[1:]):
            raise APIError(400, "bad_batch", BAD_BATCH.format(why="entry types"))
        # The database holds seq as bigint and text without NUL (jsonb refuses \u0000):
        # past either it would fail there, a 500 instead of this 400.
        if not 1 <= entry["seq"] < 2**63:
            raise APIError(400, "bad_batch", BAD_SEQ.format(number=number))
        if any("\0" in entry[k] for k in ENTRY_FIELDS[1:]):
            raise APIError(400, "bad_batch", BAD_NUL.format(number=number, seq=entry["seq"]))
    return batch_id, sorted(entries, key=lambda e: e["seq"])


INGEST = "SELECT * FROM audit_ingest(%s, %s, %s, %s::jsonb, %s)"
# What the database's refusals (see migration 0008_audit_ingest) mean to the PC.
REFUSALS = {"bad_credential": (401, NO_CREDENTIAL), "revoked": (401, REVOKED),
            "replayed": (409, REPLAYED), "chain_conflict": (409, CHAIN_CONFLICT),
            "chain_broken": (422, CHAIN_BROKEN)}


def _refusal(exc: psycopg.errors.RaiseException) -> APIError:
    code = (exc.diag.message_primary or "").removeprefix("atesaki:")
    if code not in REFUSALS:
        raise exc
    status, text = REFUSALS[code]
    seq, expected = exc.diag.message_detail or "", exc.diag.message_hint or ""
    extra = {"expected_seq": int(expected)} if expected else {}
    return APIError(status, code, text.format(seq=seq, expected=expected), **extra)


def ingest(pool: ConnectionPool, authorization: str | None,
           batch: Any) -> dict[str, Any]:
    """Add a batch of the audit entries of the PC named by ``authorization`` to its chain here.

    Every entry's hash is recomputed here and must link to the one before it; an entry
    already held (same number, same hash) is counted as a duplicate and skipped, so
    a retried batch changes nothing. A wrong or revoked credential is 401 (as
    ``authenticate``); a batch id seen before is a replay (409); an entry whose hash
    does not match (422) or that changes a held entry (409) makes the whole batch
    refused. The credential and chain work is one statement (``audit_ingest``), so a
    batch costs one round trip to the database. Returns ``{"accepted", "duplicates",
    "head"}``.
    """
    pc_id, secret = bearer(authorization)
    batch_id, entries = _entries_of(batch)
    for entry in entries:
        if entry_hash(entry["seq"], entry["ts"], entry["event"], entry["data"],
                      entry["prev_hash"]) != entry["hash"]:
            raise APIError(422, "forged", FORGED.format(seq=entry["seq"]))
    # Only the fields checked above go on, as one JSON text.
    entries_json = json.dumps([{name: entry[name] for name in ENTRY_FIELDS} for entry in entries],
                              ensure_ascii=False)
    try:
        with pool.connection() as conn:
            row = conn.execute(INGEST, (pc_id, _hash(secret), batch_id, entries_json,
                                        GENESIS)).fetchone()
    except psycopg.errors.RaiseException as exc:
        raise _refusal(exc) from None
    return {"ok": True, "accepted": row["accepted"], "duplicates": row["duplicates"],
            "head": {"seq": row["head_seq"], "hash": row["head_hash"]}}


def audit_head(pool: ConnectionPool, pc: PC) -> dict[str, Any]:
    """The last entry of ``pc``'s chain the central service holds (``seq`` 0 when none)."""
    with pool.connection() as conn:
        row = conn.execute("SELECT seq, hash FROM audit_heads WHERE pc_id = %s",
                           (pc.id,)).fetchone()
    return {"seq": row["seq"], "hash": row["hash"]} if row else {"seq": 0, "hash": GENESIS}


# -- verifying every PC's chain ------------------------------------------------------------


@dataclass(frozen=True)
class ChainResult:
    """One PC's chain at the central service: ok, or its first bad entry and why."""

    pc_id: str
    name: str
    count: int
    ok: bool
    bad_seq: int | None = None
    problem: Text | None = None

    def to_dict(self) -> dict[str, Any]:
        """As JSON for ``--json``."""
        return {"pc_id": self.pc_id, "name": self.name, "count": self.count, "ok": self.ok,
                "bad_seq": self.bad_seq,
                "problem": self.problem.as_dict() if self.problem else None}


def _rows(conn, sql: str, args: tuple) -> Iterator[dict]:
    # A server-side cursor: a million entries are streamed, not loaded at once.
    with conn.cursor(name="verify_" + secrets.token_hex(4)) as cur:
        cur.itersize = 5000
        cur.execute(sql, args)
        yield from cur


def verify_chain(rows, pc_id: str, name: str, head: dict | None) -> ChainResult:
    """Check one chain's entries: numbered from 1 without gaps, each hash right, each linked."""
    count, last_seq, last_hash = 0, 0, GENESIS

    def bad(seq: int, ja: str, en: str) -> ChainResult:
        return ChainResult(pc_id, name, count, False, seq,
                           Text(f"{name} ({pc_id}) 記録 {seq}: {ja}", f"{name} ({pc_id}) entry {seq}: {en}"))

    for row in rows:
        count += 1
        seq = row["seq"]
        if seq != last_seq + 1:
            return bad(last_seq + 1, "削除されています（番号が抜けています）。",
                       f"is missing (deleted): entry {seq} follows entry {last_seq}.")
        if entry_hash(seq, row["ts"], row["event"], row["data"], row["prev_hash"]) != row["hash"]:
            return bad(seq, "内容がハッシュと一致しません（書き換え）。",
                       "its content does not match its hash (edited).")
        if row["prev_hash"] != last_hash:
            return bad(seq, "直前の記録とつながっていません（挿入・削除・並べ替え）。",
                       "does not follow the entry before it (inserted, removed or reordered).")
        last_seq, last_hash = seq, row["hash"]
    if head is not None and (head["seq"], head["hash"]) != (last_seq, last_hash):
        if head["seq"] > last_seq:
            return bad(last_seq + 1, f"記録 {last_seq + 1}〜{head['seq']} が切り取られています。",
                       f"is missing: entries {last_seq + 1} to {head['seq']} were cut off.")
        return bad(last_seq, "先頭記録と一致しません（書き換え）。",
                   "differs from the head record (edited).")
    return ChainResult(pc_id, name, count, True)


def verify_all(pool: ConnectionPool) -> list[ChainResult]:
    """Every PC's chain, in one snapshot of the database."""
    results = []
    with pool.connection() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        pcs = conn.execute(
            "SELECT p.id, p.name, h.seq, h.hash FROM pcs p "
            "LEFT JOIN audit_heads h ON h.pc_id = p.id ORDER BY p.enrolled_at, p.id"
        ).fetchall()
        for row in pcs:
            head = {"seq": row["seq"], "hash": row["hash"]} if row["seq"] is not None else None
            rows = _rows(conn, "SELECT seq, ts, event, data, prev_hash, hash FROM audit_entries "
                               "WHERE pc_id = %s ORDER BY seq", (row["id"],))
            results.append(verify_chain(rows, row["id"], row["name"], head))
        rows = _rows(conn, "SELECT seq, ts, event, data, prev_hash, hash FROM central_log "
                           "ORDER BY seq", ())
        results.append(verify_chain(rows, "central", CENTRAL_LOG_NAME, None))
    return results


# -- the central service's own log ------------------------------------------------------------

CENTRAL_LOG_NAME = "中央サービス / central service"
# Appends to the central log take turns on this lock (any instance, one database).
LOG_LOCK = 0x61746574


def log_event(conn, event: str, data: dict[str, Any]) -> int:
    """Append one entry to the central service's own chain (inside the caller's transaction)."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOG_LOCK,))
    last = conn.execute("SELECT seq, hash FROM central_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
    ts = datetime.now(UTC).isoformat(timespec="milliseconds")
    data_json = canonical(scrub(data))
    conn.execute(
        "INSERT INTO central_log (seq, ts, event, data, prev_hash, hash) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (seq, ts, event, data_json, prev, entry_hash(seq, ts, event, data_json, prev)),
    )
    return seq
