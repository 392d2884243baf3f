"""Approvals from the checker's own desk: a request to a named checker, their decision, one release.

The sender's PC asks a named checker (another enrolled PC's person) to approve one
check: sender, subject, recipients with their fields and finding codes, the
recipient digest; never the body. The checker's PC long-polls its inbox and is
woken through ``LISTEN/NOTIFY`` by whichever instance took the request. An approval
is released once, to the PC that asked, for the same digest, within five minutes.
Every step is appended to the central log.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import timedelta
from typing import Any

from psycopg_pool import ConnectionPool

from atesaki.central.db import transaction
from atesaki.central.notify import Hub, announce
from atesaki.central.service import PC, log_event
from atesaki.core.i18n import Text
from atesaki.web.errors import APIError

RELEASE_TTL = timedelta(minutes=5)
MAX_WAIT = 30.0
MAX_RECIPIENTS = 500
MAX_NOTE = 500
DIGEST = re.compile(r"[0-9a-f]{64}")
FIELDS = ("to", "cc", "bcc")

BAD_REQUEST = Text("承認依頼の形式が正しくありません: {why}", "The approval request is malformed: {why}")
UNKNOWN_CHECKER = Text("その確認者は中央サービスに登録されていません。",
                       "That checker is not enrolled at the central service.")
SELF_APPROVAL = Text("自分のメールを自分で承認することはできません。別の確認者を選んでください。",
                     "You cannot approve your own message. Choose another checker.")
NOT_FOUND = Text("その承認依頼はありません。", "No such approval request.")
ALREADY_DECIDED = Text("この依頼はすでに判断済みです。", "This request has already been decided.")
NOT_APPROVED = Text("この依頼は承認されていません。", "This request has not been approved.")
ALREADY_USED = Text("この承認はすでに使われています（1 回限り）。",
                    "This approval has already been used (it works once).")
RECIPIENTS_CHANGED = Text("宛先が承認されたときから変わっています。もう一度承認を依頼してください。",
                          "The recipients changed since the approval. Ask for approval again.")
EXPIRED = Text("承認の有効期限（5 分）が過ぎました。もう一度依頼してください。",
               "The approval expired (5 minutes). Ask again.")


def _bad(why: str) -> APIError:
    return APIError(400, "bad_request", BAD_REQUEST.format(why=why))


def _text(value: Any, limit: int, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise _bad(name)
    return value


def _codes(value: Any) -> list[str]:
    """Finding codes only (a finding's message may quote the body; codes cannot)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad("findings")
    codes = [f.get("code") if isinstance(f, dict) else f for f in value]
    if not all(isinstance(c, str) and re.fullmatch(r"[a-z_]{1,40}", c) for c in codes):
        raise _bad("findings")
    return codes


def clean_request(body: Any) -> dict[str, Any]:
    """What a request may carry, and nothing else (never the body)."""
    if not isinstance(body, dict):
        raise _bad("not an object")
    digest = body.get("digest")
    if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
        raise _bad("digest")
    recipients = body.get("recipients")
    if not isinstance(recipients, list) or not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise _bad("recipients")
    clean = []
    for item in recipients:
        if not isinstance(item, dict) or item.get("field") not in FIELDS:
            raise _bad("recipients")
        clean.append({"field": item["field"], "address": _text(item.get("address"), 320, "address"),
                      "name": _text(item.get("name"), 200, "name"),
                      "findings": _codes(item.get("findings"))})
    check_id = _text(body.get("check_id"), 100, "check_id")
    if not check_id:
        raise _bad("check_id")
    return {
        "checker": _text(body.get("checker"), 100, "checker"),
        "check_id": check_id,
        "digest": digest,
        "sender": _text(body.get("sender"), 320, "sender").strip().lower(),
        "subject": _text(body.get("subject"), 1000, "subject"),
        "recipients": clean,
        "findings": _codes(body.get("findings")),
    }


def checkers(pool: ConnectionPool, pc: PC) -> list[dict[str, str]]:
    """The people who can be asked: every other enrolled, not revoked PC (no e-mail addresses)."""
    with pool.connection() as conn:
        rows = conn.execute("SELECT id, name FROM pcs WHERE revoked_at IS NULL AND id <> %s "
                            "ORDER BY name, id", (pc.id,)).fetchall()
    return [{"id": r["id"], "name": r["name"]} for r in rows]


def _public(row: dict, *, for_checker: bool) -> dict[str, Any]:
    item = {"id": row["id"], "check_id": row["check_id"], "digest": row["digest"],
            "status": row["status"], "note": row["note"], "created_at": row["created_at"].isoformat(),
            "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
            "checker": {"id": row["checker_pc"], "name": row["checker_name"]}}
    if for_checker:
        item.update(sender=row["sender"], subject=row["subject"], recipients=row["recipients"],
                    findings=row["findings"], cursor=row["n"],
                    requester={"id": row["requester_pc"], "name": row["requester_name"]})
    return item


SELECT = ("SELECT r.*, c.name AS checker_name, q.name AS requester_name FROM approval_requests r "
          "JOIN pcs c ON c.id = r.checker_pc JOIN pcs q ON q.id = r.requester_pc ")


def request(pool: ConnectionPool, pc: PC, body: Any) -> dict[str, Any]:
    """Ask a named checker to approve a check; 403 ``self_approval`` for oneself."""
    data = clean_request(body)
    with transaction(pool) as conn:
        checker = conn.execute(
            "SELECT id, name, email FROM pcs WHERE (id = %s OR name = %s) AND revoked_at IS NULL "
            "ORDER BY enrolled_at LIMIT 1", (data["checker"], data["checker"]),
        ).fetchone()
        if checker is None:
            raise APIError(404, "unknown_checker", UNKNOWN_CHECKER, field="checker")
        who = {"requester": pc.id, "checker": checker["id"], "check_id": data["check_id"],
               "digest": data["digest"], "sender": data["sender"]}
        if checker["id"] == pc.id or (checker["email"] and checker["email"] == data["sender"]):
            log_event(conn, "approval_refused", {**who, "reason": "self_approval"})
            refused = True
        else:
            refused = False
            request_id = "ar_" + secrets.token_urlsafe(12)
            conn.execute(
                "INSERT INTO approval_requests (id, requester_pc, checker_pc, check_id, digest, "
                "sender, subject, recipients, findings) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb)",
                (request_id, pc.id, checker["id"], data["check_id"], data["digest"],
                 data["sender"], data["subject"], _json(data["recipients"]),
                 _json(data["findings"])),
            )
            log_event(conn, "approval_requested", {**who, "request_id": request_id,
                                                   "recipients": len(data["recipients"])})
            announce(conn, f"inbox:{checker['id']}")
    if refused:  # raised after the commit: the refusal stays in the log
        raise APIError(403, "self_approval", SELF_APPROVAL)
    return {"ok": True, "id": request_id, "status": "waiting",
            "checker": {"id": checker["id"], "name": checker["name"]}}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def inbox(pool: ConnectionPool, hub: Hub, pc: PC, after: int, wait: float) -> dict[str, Any]:
    """Requests waiting for ``pc``'s decision newer than cursor ``after``; long-polls ``wait`` s."""
    keys = [f"inbox:{pc.id}"]
    deadline = time.monotonic() + min(max(wait, 0.0), MAX_WAIT)
    while True:
        seen = hub.version(keys)  # before reading: a change in between still wakes us
        with pool.connection() as conn:
            rows = conn.execute(SELECT + "WHERE r.checker_pc = %s AND r.status = 'waiting' "
                                "AND r.n > %s ORDER BY r.n", (pc.id, after)).fetchall()
        left = deadline - time.monotonic()
        if rows or left <= 0:
            cursor = max([after, *(r["n"] for r in rows)])
            return {"ok": True, "requests": [_public(r, for_checker=True) for r in rows],
                    "cursor": cursor}
        hub.wait(keys, seen, left)


def _row(conn, request_id: str, *, lock: bool = False) -> dict | None:
    return conn.execute(SELECT + "WHERE r.id = %s" + (" FOR UPDATE OF r" if lock else ""),
                        (request_id,)).fetchone()


def decide(pool: ConnectionPool, pc: PC, request_id: str, body: Any) -> dict[str, Any]:
    """The named checker approves or refuses, with an optional note."""
    if not isinstance(body, dict) or body.get("decision") not in ("approve", "refuse"):
        raise _bad("decision: approve or refuse")
    note = _text(body.get("note"), MAX_NOTE, "note")
    approve = body["decision"] == "approve"
    with transaction(pool) as conn:
        row = _row(conn, request_id, lock=True)
        if row is None or row["checker_pc"] != pc.id:  # others' requests are not theirs to see
            raise APIError(404, "not_found", NOT_FOUND)
        if row["status"] != "waiting":
            raise APIError(409, "already_decided", ALREADY_DECIDED, status_now=row["status"])
        status = "approved" if approve else "refused"
        conn.execute("UPDATE approval_requests SET status = %s, note = %s, decided_at = now() "
                     "WHERE id = %s", (status, note, request_id))
        log_event(conn, "approval_granted" if approve else "approval_refused", {
            "request_id": request_id, "requester": row["requester_pc"], "checker": pc.id,
            "check_id": row["check_id"], "digest": row["digest"], "note": note,
            "reason": "" if approve else "checker_refused"})
        announce(conn, f"request:{request_id}")
    return {"ok": True, "id": request_id, "status": status}


def status(pool: ConnectionPool, hub: Hub, pc: PC, request_id: str,
           wait: float) -> dict[str, Any]:
    """The request as its sender sees it; long-polls ``wait`` s while it is waiting."""
    keys = [f"request:{request_id}"]
    deadline = time.monotonic() + min(max(wait, 0.0), MAX_WAIT)
    while True:
        seen = hub.version(keys)
        with pool.connection() as conn:
            row = _row(conn, request_id)
        if row is None or pc.id not in (row["requester_pc"], row["checker_pc"]):
            raise APIError(404, "not_found", NOT_FOUND)
        left = deadline - time.monotonic()
        if row["status"] != "waiting" or left <= 0:
            return {"ok": True, **_public(row, for_checker=pc.id == row["checker_pc"])}
        hub.wait(keys, seen, left)


def release(pool: ConnectionPool, pc: PC, request_id: str, body: Any) -> dict[str, Any]:
    """Spend an approval once, for the same digest, by the PC that asked (within 5 minutes)."""
    digest = body.get("digest") if isinstance(body, dict) else None
    if not isinstance(digest, str):
        raise _bad("digest")
    with transaction(pool) as conn:
        row = _row(conn, request_id, lock=True)
        if row is None or row["requester_pc"] != pc.id:
            raise APIError(404, "not_found", NOT_FOUND)
        who = {"request_id": request_id, "requester": pc.id, "checker": row["checker_pc"],
               "check_id": row["check_id"], "digest": row["digest"]}
        problem = None
        if row["status"] == "used":
            problem = APIError(409, "already_used", ALREADY_USED)
        elif row["status"] != "approved":
            problem = APIError(403, "not_approved", NOT_APPROVED, status_now=row["status"])
        elif row["digest"] != digest:
            problem = APIError(409, "recipients_changed", RECIPIENTS_CHANGED)
        elif conn.execute("SELECT now() - %s > %s AS late",
                          (row["decided_at"], RELEASE_TTL)).fetchone()["late"]:
            problem = APIError(410, "expired", EXPIRED)
        if problem is None:
            conn.execute("UPDATE approval_requests SET status = 'used', used_at = now() "
                         "WHERE id = %s", (request_id,))
            log_event(conn, "approval_used", who)
            announce(conn, f"request:{request_id}")
        else:
            log_event(conn, "approval_release_refused", {**who, "reason": problem.error})
    if problem is not None:
        raise problem
    return {"ok": True, "id": request_id, "check_id": row["check_id"], "digest": row["digest"],
            "checker": {"id": row["checker_pc"], "name": row["checker_name"]}}
