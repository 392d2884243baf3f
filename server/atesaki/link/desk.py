"""Approvals from the checker's own desk, on this PC: the local ``/v1/remote-approvals`` endpoints.

The extension talks only to the local service; this blueprint carries its requests
to the central service (``link.approvals``) and turns an approval spent there into
a local release token (``approvals.grant_remote``): the same token a checker's code
gives, for exactly the check's digest, once, within five minutes. The sender's side
asks a named checker and waits for the decision; the checker's side lists the
requests waiting for them (never a body: the central service never has one) and
decides with a note. Every step is in the local audit, and so forwarded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Flask

from atesaki.approvals import Checker, grant_remote
from atesaki.approvals.core import ALREADY_SENT
from atesaki.core.i18n import Text
from atesaki.link import approvals as central
from atesaki.link.client import Link, LinkError, load_link
from atesaki.store import audit, transaction
from atesaki.web.api import load_check
from atesaki.web.http import APIError, current_service, json_body, now, query_args

bp = Blueprint("remote_approvals", __name__, url_prefix="/v1/remote-approvals")

NOT_JOINED = Text(
    "このパソコンは中央サービスに参加していないため、別の席の確認者には依頼できません。"
    "確認者のコード（認証アプリ）で承認してください。",
    "This PC has not joined a central service, so a checker at another desk cannot be "
    "asked. Use a checker's code (authenticator app) instead.")
UNREACHABLE = Text(
    "中央サービスに接続できないため、別の席の確認者に依頼できません。"
    "確認者のコード（認証アプリ）での承認は今も使えます。（{why}）",
    "Cannot reach the central service, so a checker at another desk cannot be asked. "
    "Approval with a checker's code (authenticator app) still works. ({why})")
NOT_NEEDED = Text("このメールは承認を必要としません。", "This message does not need approval.")
BLOCKED = Text("このメールは送信できないため、承認を依頼・使用できません。",
               "This message cannot be sent, so approval cannot be asked for or used.")
MISMATCH = Text("中央サービスの承認は別のメールか別の宛先のものです。もう一度依頼してください。",
                "The central service's approval is for another message or other recipients. "
                "Ask again.")
SELF_APPROVAL = Text("自分のメールを自分で承認することはできません。別の確認者を選んでください。",
                     "You cannot approve your own message. Choose another checker.")
# Refusals of the central service a caller can act on keep their code and status here.
PASSED_ON = {"self_approval", "unknown_checker", "not_found", "already_decided", "bad_request",
             "already_used", "not_approved", "recipients_changed", "expired"}


# Long-polls that may wait at once. Each holds one of the service's threads (8 by default)
# for up to 25 s; past this many, a poll answers at once with the state as it is, so
# checks and sends never queue behind waiting dialogs and inboxes.
LONG_POLLS = 3
_long_polls = threading.BoundedSemaphore(LONG_POLLS)


@contextmanager
def waiting_slot(wait: float) -> Iterator[float]:
    """``wait`` when a long-poll slot is free (held until the block ends), else 0."""
    if wait <= 0 or not _long_polls.acquire(blocking=False):
        yield 0.0
        return
    try:
        yield wait
    finally:
        _long_polls.release()


def init_app(app: Flask) -> None:
    """Add the endpoints (the local service's app factory calls this)."""
    app.register_blueprint(bp)


def _link() -> Link | None:
    return load_link(current_service().data_dir)


def _joined() -> Link:
    link = _link()
    if link is None:
        raise APIError(409, "not_joined", NOT_JOINED)
    return link


def _central_error(exc: LinkError) -> APIError:
    """The central service's refusal as this API's error (its words, in both languages)."""
    if exc.code in PASSED_ON and exc.status and 400 <= exc.status < 500:
        return APIError(exc.status, exc.code, exc.message)
    why = exc.message.en if exc.status is None else f"HTTP {exc.status} {exc.code}"
    return APIError(503, "central_unreachable", UNREACHABLE.format(why=why),
                    central_error=exc.code)


def refuse_unsendable(check: dict[str, Any]) -> None:
    """Refuse a check that no approval can release: blocked, or already sent."""
    if check["verdict"] == "block":
        raise APIError(403, "blocked", BLOCKED)
    if check.get("sent_at"):
        raise APIError(409, "already_sent", ALREADY_SENT)


def _log(event: str, data: dict[str, Any]) -> None:
    conn = current_service().conn()
    with transaction(conn):
        audit.append(conn, event, {**data, "remote": True})


def _call(function, *args, **kwargs) -> dict[str, Any]:
    try:
        return function(*args, **kwargs)
    except LinkError as exc:
        raise _central_error(exc) from None


# --- the sender's side -----------------------------------------------------------------------


@bp.get("/checkers")
def checkers():
    """Who can be asked: ``{"joined", "checkers": [{"id", "name"}]}`` (empty when not joined)."""
    link = _link()
    if link is None:
        return {"ok": True, "joined": False, "checkers": []}
    listed = _call(link.call, "GET", "checkers")
    return {"ok": True, "joined": True,
            "checkers": [{"id": c["id"], "name": c["name"]} for c in listed.get("checkers", [])]}


def _detail(conn, check: dict[str, Any]) -> dict[str, Any]:
    """The check as the checker sees it: recipients with names and finding codes, no body."""
    row = conn.execute("SELECT recipients, findings FROM check_detail WHERE check_id = ?",
                       (check["id"],)).fetchone()
    if row is not None:
        recipients, findings = json.loads(row["recipients"]), json.loads(row["findings"])
    else:  # a check from before check_detail: fields and addresses, every code on the message
        recipients = [{"field": f, "address": a, "name": "", "findings": []}
                      for f, a in json.loads(check["recipients"])]
        findings = json.loads(check["codes"])
    return {"check_id": check["id"], "digest": check["digest"],
            "recipients": [{**r, "findings": [{"code": c} for c in r["findings"]]}
                           for r in recipients],
            "findings": [{"code": c} for c in findings]}


@bp.post("")
def ask():
    """Ask a named checker to approve a check: ``{"check_id", "checker", "subject"}``."""
    data = json_body()  # checked against RemoteAsk in the OpenAPI document
    checker = data["checker"].strip()
    subject = data.get("subject") or ""
    conn = current_service().conn()
    check = load_check(conn, data.get("check_id"))
    refuse_unsendable(check)
    if check["verdict"] != "approve":
        raise APIError(409, "approval_not_needed", NOT_NEEDED)
    link = _joined()
    who = {"check_id": check["id"], "digest": check["digest"], "checker": checker}
    try:
        asked = central.ask(link, _detail(conn, check), checker, sender=check["sender"],
                            subject=subject)
    except LinkError as exc:
        if exc.code in PASSED_ON:
            _log("approval_refused", {**who, "reason": exc.code})
        raise _central_error(exc) from None
    _log("approval_requested", {**who, "checker_id": asked["checker"]["id"],
                                "checker": asked["checker"]["name"], "request_id": asked["id"]})
    return {"ok": True, "request_id": asked["id"], "status": asked["status"],
            "checker": asked["checker"]}, 201


def _already_logged(request_id: str) -> bool:
    # A refusal is logged once however often the dialog looks (the audit index is by event).
    row = current_service().conn().execute(
        "SELECT 1 FROM audit WHERE event = 'approval_refused' AND data LIKE ? LIMIT 1",
        (f'%"request_id":"{request_id}"%',)).fetchone()
    return row is not None


@bp.get("/<request_id>")
def decision(request_id: str):
    """A request's state; ``?wait=SECONDS`` (up to 25) waits for the checker's decision."""
    wait = query_args()["wait"]
    link = _joined()
    with waiting_slot(wait) as wait:
        state = _call(central.decision, link, request_id, wait=wait)
    if state["status"] == "refused" and not _already_logged(request_id):
        _log("approval_refused", {"check_id": state["check_id"], "digest": state["digest"],
                                  "request_id": request_id, "reason": "checker_refused",
                                  "checker_id": state["checker"]["id"],
                                  "checker": state["checker"]["name"], "note": state["note"]})
    return {"ok": True, "request_id": request_id, "status": state["status"],
            "note": state["note"] or "", "check_id": state["check_id"],
            "checker": state["checker"], "decided_at": state["decided_at"]}


@bp.post("/<request_id>/release")
def release(request_id: str):
    """Spend an approval once at the central service and get the local release token."""
    data = json_body()
    conn = current_service().conn()
    check = load_check(conn, data.get("check_id"))
    refuse_unsendable(check)  # before the approval is spent: a spent one cannot come back
    link = _joined()
    who = {"check_id": check["id"], "digest": check["digest"], "request_id": request_id}
    try:
        spent = central.release(link, request_id, check["digest"])
    except LinkError as exc:
        if exc.code in PASSED_ON:
            _log("approval_refused", {**who, "reason": exc.code})
        raise _central_error(exc) from None
    checker = Checker(spent["checker"]["id"], spent["checker"]["name"], "", "")
    if (spent["check_id"], spent["digest"]) != (check["id"], check["digest"]):
        _log("approval_refused", {**who, "reason": "mismatch"})
        raise APIError(409, "recipients_changed", MISMATCH)
    if checker.id == link.pc_id:  # the central service refuses this too: never trust one side
        _log("approval_refused", {**who, "reason": "self_approval"})
        raise APIError(403, "self_approval", SELF_APPROVAL)
    grant = grant_remote(conn, check, request_id, checker, now())
    return {"ok": True, "release_token": grant.release_token, "expires_at": grant.expires_at,
            "checker": checker.public()}


# --- the checker's side ----------------------------------------------------------------------


@bp.get("/inbox")
def inbox():
    """Requests waiting for this PC's user: ``?after=CURSOR&wait=SECONDS`` waits for a new one.

    Answers every waiting request (for the badge) and the newest cursor; those with a
    ``cursor`` above ``after`` are the new ones.
    """
    args = query_args()
    after, wait = args["after"], args["wait"]
    link = _link()
    if link is None:
        return {"ok": True, "joined": False, "requests": [], "cursor": after}
    # `central` names this enrolment (a new one on each join): a cursor from another one
    # means nothing here, and the extension starts again from 0 when it changes.
    with waiting_slot(wait) as wait:
        fresh = _call(central.inbox, link, after=after, wait=wait)
    waiting = fresh if after == 0 else _call(central.inbox, link, after=0, wait=0)
    keys = ("id", "check_id", "digest", "status", "created_at", "sender", "subject",
            "recipients", "findings", "requester", "cursor")
    return {"ok": True, "joined": True, "central": link.pc_id,
            "cursor": max(after, int(fresh["cursor"])),
            "requests": [{k: r.get(k) for k in keys} for r in waiting["requests"]]}


@bp.post("/<request_id>/decision")
def decide(request_id: str):
    """The checker approves or refuses: ``{"decision": "approve"|"refuse", "note"}``."""
    data = json_body()  # checked against RemoteDecision in the OpenAPI document
    choice = data["decision"]
    note = (data.get("note") or "").strip()
    link = _joined()
    done = _call(central.decide, link, request_id, choice == "approve", note)
    _log("approval_decided", {"request_id": request_id, "decision": choice, "note": note})
    return {"ok": True, "request_id": request_id, "status": done["status"]}
