"""Second checkers, their one-time codes, lockout and release tokens, over the store (no Flask).

A checker enrols a TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s). An approval
turns one correct, never-used code into a release token that covers exactly one
check's digest for five minutes; ``POST /v1/sends`` consumes it once. An approval
given at the central service by a checker at another desk becomes the same kind of
token (``grant_remote``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp

from atesaki import store
from atesaki.core import clock
from atesaki.core.errors import APIError, bad_request
from atesaki.core.i18n import Text
from atesaki.core.recipients import parse_address
from atesaki.store import audit

ISSUER = "Atesaki"
DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1  # one step either way: 2*1+1 codes accepted at any moment (FACTS.md)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_TIME = timedelta(minutes=15)
RELEASE_TTL = timedelta(minutes=5)
ENROL_TTL = timedelta(minutes=10)
MAX_NAME = 100

# --- messages ------------------------------------------------------------------------------

UNKNOWN_CHECKER = Text(
    "この確認者は登録されていません。一覧から選び直してください。",
    "This checker is not enrolled. Pick a name from the list again.",
)
BAD_CODE = Text(
    "確認コードが違います。認証アプリに今表示されている 6 桁を入力してください（あと {left} 回でロック）。",
    "The code is wrong. Type the 6 digits the authenticator app shows now "
    "({left} more tries before a lock).",
)
BAD_CODE_NOW_LOCKED = Text(
    "確認コードが違います。間違いが続いたため、この確認者は {minutes} 分間ロックされました。",
    "The code is wrong. After too many wrong codes this checker is locked for {minutes} minutes.",
)
CODE_REUSED = Text(
    "このコードはすでに使われました。認証アプリに次のコードが表示されるまで待って入力してください。",
    "This code was already used. Wait for the authenticator app to show the next code and type it.",
)
LOCKED = Text(
    "間違ったコードが続いたため、この確認者はロックされています。あと {wait}待ってください。",
    "Too many wrong codes: this checker is locked. Try again in {wait}.",
)
SELF_APPROVAL = Text(
    "送信者本人は自分のメールを承認できません。別の確認者に依頼してください。",
    "The sender cannot approve their own message. Ask another checker.",
)
BLOCKED = Text("このメールは送信できないため、承認できません。",
               "This message cannot be sent, so it cannot be approved.")
ALREADY_SENT = Text("このメールは送信済みとして記録されています。",
                    "This message was already recorded as sent.")


# --- time ----------------------------------------------------------------------------------


def epoch(when: datetime) -> int:
    """Whole seconds since 1970 (a naive datetime is taken as UTC, as the service's clock is)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def iso(seconds: int) -> str:
    """An epoch second as ISO 8601 UTC, as the API shows times."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def wait_text(seconds: int) -> Text:
    """A waiting time people read: "14 分 30 秒" / "14 min 30 s"."""
    minutes, rest = divmod(max(0, seconds), 60)
    if minutes and rest:
        return Text(f"{minutes} 分 {rest} 秒", f"{minutes} min {rest} s")
    if minutes:
        return Text(f"{minutes} 分", f"{minutes} min")
    return Text(f"{rest} 秒", f"{rest} s")


def _hash(token: str) -> str:
    # Only hashes of bearer tokens are stored: a copy of the database releases nothing.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- checkers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checker:
    """An enrolled second checker (never carries the secret)."""

    id: str
    name: str
    email: str
    created: str

    def public(self) -> dict[str, str]:
        """What the extension's picker may see: id and name only (contract)."""
        return {"id": self.id, "name": self.name}


def name_key(name: str) -> str:
    """The form names are compared in: NFKC, single spaces, case-folded (鈴木　花子 = 鈴木 花子)."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def clean_name(name: str) -> str:
    """A checker's display name, trimmed; ValueError naming the problem."""
    cleaned = " ".join(unicodedata.normalize("NFC", name or "").split())
    if not cleaned:
        raise ValueError("name is empty / 名前が空です")
    if len(cleaned) > MAX_NAME:
        raise ValueError(f"name is longer than {MAX_NAME} characters / 名前が長すぎます")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in cleaned):
        raise ValueError("name contains control characters / 名前に制御文字があります")
    return cleaned


def clean_email(email: str | None) -> str:
    """A checker's address, lower-cased as senders are; '' when none; ValueError when invalid."""
    if not email or not email.strip():
        return ""
    parsed = parse_address(email.strip())
    if not parsed.valid:
        raise ValueError(f"{email!r} is not an e-mail address / メールアドレスではありません")
    return parsed.address.lower()


def _checker(row: sqlite3.Row) -> Checker:
    return Checker(row["id"], row["name"], row["email"], row["created"])


def otpauth_uri(name: str, secret: str) -> str:
    """The ``otpauth://totp/Atesaki:NAME?secret=…&issuer=Atesaki`` URI authenticator apps scan."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=name, issuer_name=ISSUER
    )


def add_checker(conn: sqlite3.Connection, name: str, email: str | None = None,
                now: datetime | None = None) -> tuple[Checker, str]:
    """Enrol a checker with a fresh secret; returns it and its otpauth URI. ValueError on bad input."""
    name = clean_name(name)
    email = clean_email(email)
    when = now or clock.now()
    secret = pyotp.random_base32()  # 32 base32 characters: 160 bits, RFC 4226's recommendation
    checker_id = "k_" + secrets.token_hex(6)
    with store.transaction(conn):
        try:
            conn.execute(
                "INSERT INTO checkers (id, name, name_key, email, secret, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (checker_id, name, name_key(name), email, secret,
                 when.isoformat(timespec="seconds")),
            )
        except sqlite3.IntegrityError:
            raise ValueError(
                f"a checker named {name!r} is already enrolled / この名前の確認者はすでに登録されています"
            ) from None
        audit.append(conn, "checker_enrolled",
                     {"checker_id": checker_id, "checker": name, "email": email})
    checker = Checker(checker_id, name, email, when.isoformat(timespec="seconds"))
    return checker, otpauth_uri(name, secret)


def list_checkers(conn: sqlite3.Connection) -> list[Checker]:
    """Every enrolled checker, by name."""
    rows = conn.execute("SELECT id, name, email, created FROM checkers ORDER BY name_key, id")
    return [_checker(row) for row in rows]


def find_checker(conn: sqlite3.Connection, ref: str) -> Checker | None:
    """A checker by id, else by name (any width or case), else None."""
    row = _find_row(conn, ref)
    return _checker(row) if row else None


def _find_row(conn: sqlite3.Connection, ref: str) -> sqlite3.Row | None:
    if not isinstance(ref, str) or not ref.strip():
        return None
    row = conn.execute("SELECT * FROM checkers WHERE id = ?", (ref.strip(),)).fetchone()
    if row is None:
        row = conn.execute("SELECT * FROM checkers WHERE name_key = ?",
                           (name_key(ref),)).fetchone()
    return row


def remove_checker(conn: sqlite3.Connection, ref: str) -> Checker | None:
    """Remove a checker (by id or name) with their unused release tokens; None if unknown."""
    with store.transaction(conn):
        row = _find_row(conn, ref)
        if row is None:
            return None
        conn.execute("DELETE FROM checkers WHERE id = ?", (row["id"],))
        audit.append(conn, "checker_removed", {"checker_id": row["id"], "checker": row["name"]})
    return _checker(row)


# --- enrolment links -----------------------------------------------------------------------


def issue_enrol_link(conn: sqlite3.Connection, checker_id: str, now: datetime) -> str:
    """A one-time token for the enrolment page (``GET /enrol/<token>``), valid ENROL_TTL."""
    token = secrets.token_urlsafe(24)
    with store.transaction(conn):
        conn.execute(
            "INSERT INTO enrol_links (token_hash, checker_id, expires) VALUES (?, ?, ?)",
            (_hash(token), checker_id, epoch(now + ENROL_TTL)),
        )
    return token


def open_enrol_link(conn: sqlite3.Connection, token: str, now: datetime) -> tuple[Checker, str] | None:
    """Use up an enrolment link: the checker and otpauth URI, or None if unknown, used or expired."""
    with store.transaction(conn):
        row = conn.execute(
            "SELECT checker_id FROM enrol_links WHERE token_hash = ? AND used_at IS NULL "
            "AND expires > ?", (_hash(token), epoch(now)),
        ).fetchone()
        if row is None:
            return None
        conn.execute("UPDATE enrol_links SET used_at = ? WHERE token_hash = ?",
                     (epoch(now), _hash(token)))
        checker = conn.execute("SELECT * FROM checkers WHERE id = ?",
                               (row["checker_id"],)).fetchone()
        audit.append(conn, "checker_enrol_page",
                     {"checker_id": checker["id"], "checker": checker["name"]})
    return _checker(checker), otpauth_uri(checker["name"], checker["secret"])


# --- approvals -----------------------------------------------------------------------------


def normalise_code(code: Any) -> str:
    """The six digits of a typed code (full-width digits and spaces allowed), or 400."""
    if not isinstance(code, str):
        raise bad_request("code", "6 桁の数字の文字列が必要です。", "must be a string of 6 digits")
    digits = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", code))
    if not re.fullmatch(rf"[0-9]{{{DIGITS}}}", digits):
        raise bad_request("code", "6 桁の数字を入力してください。", "type the 6 digits")
    return digits


@dataclass(frozen=True)
class Grant:
    """A granted approval: the release token (shown once, stored hashed) and its expiry."""

    release_token: str
    expires_at: str
    checker: Checker


def approve(conn: sqlite3.Connection, check: dict[str, Any], checker_ref: str, code: str,
            now: datetime) -> Grant:
    """Check a second checker's code for ``check``; a Grant, or APIError (403/404/409/429).

    Failures, lock state and the audit entry are committed before the error is raised,
    so a refused attempt still counts.
    """
    digits = normalise_code(code)
    if check["verdict"] == "block":
        raise APIError(403, "blocked", BLOCKED)
    if check.get("sent_at"):
        raise APIError(409, "already_sent", ALREADY_SENT)
    at = epoch(now)
    refusal: APIError | None = None
    with store.transaction(conn):
        row = _find_row(conn, checker_ref)
        if row is None:
            raise APIError(404, "unknown_checker", UNKNOWN_CHECKER, field="checker")
        who = {"checker_id": row["id"], "checker": row["name"],
               "check_id": check["id"], "digest": check["digest"]}
        if row["email"] and row["email"] == (check.get("sender") or "").lower():
            audit.append(conn, "approval_refused", {**who, "reason": "self_approval"})
            refusal = APIError(403, "self_approval", SELF_APPROVAL)
        elif row["locked_until"] > at:
            left = row["locked_until"] - at
            audit.append(conn, "approval_refused", {**who, "reason": "locked"})
            wait = wait_text(left)
            refusal = APIError(429, "locked", Text(LOCKED.ja.format(wait=wait.ja),
                                                   LOCKED.en.format(wait=wait.en)),
                               retry_after=left, locked_until=iso(row["locked_until"]))
        else:
            step = _matching_step(row["secret"], digits, now)
            if step is None:
                refusal = _record_failure(conn, row, who, at)
            elif step <= row["last_step"]:
                audit.append(conn, "approval_refused", {**who, "reason": "code_reused"})
                refusal = APIError(409, "code_reused", CODE_REUSED)
            else:
                conn.execute("UPDATE checkers SET last_step = ? WHERE id = ?", (step, row["id"]))
                # A right code ends the run of mistakes: only wrong guesses in a row lock.
                conn.execute("DELETE FROM approval_failures WHERE checker_id = ?", (row["id"],))
                token, expires = _issue_release(conn, check, now, checker_id=row["id"],
                                                checker_name=row["name"])
                audit.append(conn, "approval_granted", {**who, "expires_at": iso(expires)})
    if refusal is not None:
        raise refusal
    return Grant(token, iso(expires), _checker(row))


def _issue_release(conn: sqlite3.Connection, check: dict[str, Any], now: datetime, *,
                   checker_name: str, checker_id: str | None = None,
                   remote_request: str = "") -> tuple[str, int]:
    """A fresh release token for ``check``'s digest (inside the caller's transaction).

    Returns the token (only its hash is kept) and its expiry, RELEASE_TTL from ``now``.
    ``checker_id`` names a local checker; a checker known only to the central service
    has none and is named by ``remote_request`` instead.
    """
    token = "r_" + secrets.token_urlsafe(32)
    expires = epoch(now + RELEASE_TTL)
    conn.execute(
        "INSERT INTO releases (token_hash, check_id, digest, checker_id, checker_name, "
        "remote_request, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (_hash(token), check["id"], check["digest"], checker_id, checker_name, remote_request,
         epoch(now), expires),
    )
    return token, expires


def grant_remote(conn: sqlite3.Connection, check: dict[str, Any], request_id: str,
                 checker: Checker, now: datetime, note: str = "") -> Grant:
    """A release token for ``check`` after a checker approved it at the central service.

    The caller has already spent the approval there (once, for this digest); the token is
    then exactly the one a code gives: this check's digest, single use, RELEASE_TTL.
    """
    if check["verdict"] == "block":
        raise APIError(403, "blocked", BLOCKED)
    if check.get("sent_at"):
        raise APIError(409, "already_sent", ALREADY_SENT)
    with store.transaction(conn):
        token, expires = _issue_release(conn, check, now, checker_name=checker.name,
                                        remote_request=request_id)
        audit.append(conn, "approval_granted", {
            "checker_id": checker.id, "checker": checker.name, "check_id": check["id"],
            "digest": check["digest"], "request_id": request_id, "remote": True,
            "note": note, "expires_at": iso(expires)})
    return Grant(token, iso(expires), checker)


def _matching_step(secret: str, digits: str, now: datetime) -> int | None:
    # pyotp's verify() says yes twice to the same code; we need the step to refuse replays.
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    at = now if now.tzinfo else now.replace(tzinfo=UTC)
    current = totp.timecode(at)
    found = None
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        if hmac.compare_digest(digits, totp.at(at, counter_offset=offset)):
            found = current + offset  # the newest matching step wins (equal codes are rare)
    return found


def _record_failure(conn: sqlite3.Connection, row: sqlite3.Row, who: dict, at: int) -> APIError:
    window_start = at - int(FAILURE_WINDOW.total_seconds())
    conn.execute("DELETE FROM approval_failures WHERE checker_id = ? AND at <= ?",
                 (row["id"], window_start))
    conn.execute("INSERT INTO approval_failures (checker_id, at) VALUES (?, ?)", (row["id"], at))
    failures = conn.execute("SELECT COUNT(*) FROM approval_failures WHERE checker_id = ?",
                            (row["id"],)).fetchone()[0]
    audit.append(conn, "approval_refused", {**who, "reason": "bad_code", "failures": failures})
    if failures < MAX_FAILURES:
        return APIError(403, "bad_code", BAD_CODE.format(left=MAX_FAILURES - failures),
                        attempts_left=MAX_FAILURES - failures)
    until = at + int(LOCK_TIME.total_seconds())
    conn.execute("UPDATE checkers SET locked_until = ? WHERE id = ?", (until, row["id"]))
    conn.execute("DELETE FROM approval_failures WHERE checker_id = ?", (row["id"],))
    audit.append(conn, "approval_locked", {**who, "locked_until": iso(until)})
    return APIError(403, "bad_code",
                    BAD_CODE_NOW_LOCKED.format(minutes=int(LOCK_TIME.total_seconds()) // 60),
                    attempts_left=0, locked_until=iso(until))


def consume_release(conn: sqlite3.Connection, check_id: str, digest: str, token: str,
                    now: datetime) -> bool:
    """Use up a release token (inside the caller's transaction): True only once, for this
    check and digest, before it expires."""
    if not isinstance(token, str) or not token:
        return False
    token_hash = _hash(token)
    used = conn.execute(
        "UPDATE releases SET used_at = ? WHERE token_hash = ? AND check_id = ? AND digest = ? "
        "AND used_at IS NULL AND expires > ?",
        (epoch(now), token_hash, check_id, digest, epoch(now)),
    ).rowcount
    if used != 1:
        return False
    row = conn.execute(
        "SELECT checker_id, checker_name, remote_request FROM releases WHERE token_hash = ?",
        (token_hash,),
    ).fetchone()
    used_by = {"checker_id": row["checker_id"], "checker": row["checker_name"],
               "check_id": check_id, "digest": digest}
    if row["remote_request"]:  # approved at another desk: the checker is the central one
        used_by.update(request_id=row["remote_request"], remote=True)
    audit.append(conn, "approval_used", used_by)
    return True
