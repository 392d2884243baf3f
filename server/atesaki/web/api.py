"""The /v1 blueprint: validate the request, call the core, return a dict."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint

from atesaki.approvals import consume_release
from atesaki.core import policy
from atesaki.core.checks import CheckContext, CheckRequest, Recipient, run_checks
from atesaki.core.checks.paste import PasteError, parse_pastes
from atesaki.core.checks.unreadable import reports_from
from atesaki.core.content import message_kind
from atesaki.core.domains import is_internal
from atesaki.core.i18n import Text
from atesaki.core.recipients import FIELDS, digest, parse_address
from atesaki.core.version import __version__
from atesaki.knowledge import HistoryEntry
from atesaki.store import audit, people, senders, transaction
from atesaki.web.http import (
    MAX_TEXT,
    APIError,
    bad_request,
    current_service,
    items,
    json_body,
    language,
    now,
    string,
)

bp = Blueprint("api", __name__, url_prefix="/v1")

MAX_RECIPIENTS = 500
MAX_THREAD_RECIPIENTS = 2000
MAX_ATTACHMENTS = 200
CHECK_TTL = timedelta(hours=1)  # a send must follow its check within this time


def parse_recipient_list(data: dict, key: str = "recipients") -> list[tuple[str, str, str]]:
    """(field, address, name) triples from a request's recipient list, validated."""
    result = []
    for i, item in enumerate(items(data, key, key, MAX_RECIPIENTS, required=True)):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise bad_request(where, "オブジェクトが必要です。", "must be an object")
        field = string(item, "field", f"{where}.field", default="to").lower()
        if field not in FIELDS:
            raise bad_request(f"{where}.field", "to, cc, bcc のいずれかです。", "must be to, cc or bcc")
        address = string(item, "address", f"{where}.address", required=True)
        name = string(item, "name", f"{where}.name")
        result.append((field, address, name))
    return result


def build_check_request(data: dict, is_internal) -> CheckRequest:
    """Validate a /v1/check body into a CheckRequest (raises APIError 400/413)."""
    triples = parse_recipient_list(data)
    recipients = []
    for index, (field, address, name) in enumerate(triples):
        parsed = parse_address(address)
        normalised = parsed.address
        recipients.append(
            Recipient(
                index=index,
                field=field,
                address=normalised,
                name=name.strip(),
                domain=parsed.domain,
                valid=parsed.valid,
                internal=parsed.valid and is_internal(parsed.domain),
                key=normalised.lower(),
            )
        )
    kind = string(data, "kind", "kind", default="") or None
    if kind is not None and kind not in ("new", "reply", "forward"):
        raise bad_request("kind", "new, reply, forward のいずれかです。", "must be new, reply or forward")
    subject = string(data, "subject", "subject", limit=10 * MAX_TEXT)
    quoted = data.get("quoted")
    if quoted is not None and not isinstance(quoted, bool):
        raise bad_request("quoted", "true か false です。", "must be true or false")
    thread = []
    for i, value in enumerate(items(data, "thread_recipients", "thread_recipients",
                                    MAX_THREAD_RECIPIENTS)):
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise bad_request(f"thread_recipients[{i}]", "アドレスの文字列が必要です。",
                              "must be an address string")
        thread.append(parse_address(value).address.lower())
    attachments = []
    for i, item in enumerate(items(data, "attachments", "attachments", MAX_ATTACHMENTS)):
        where = f"attachments[{i}]"
        if not isinstance(item, dict):
            raise bad_request(where, "オブジェクトが必要です。", "must be an object")
        size = item.get("size")
        if size is None:
            size = 0
        if isinstance(size, float) and size.is_integer():  # JSON's 1.0 is an integer too
            size = int(size)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise bad_request(f"{where}.size", "0 以上の整数です。", "must be a whole number ≥ 0")
        attachments.append({"name": string(item, "name", f"{where}.name"), "size": size})
    try:
        pastes = parse_pastes(data.get("pastes"))
    except PasteError as exc:
        raise bad_request("pastes", "拡張機能が送る形ではありません。", str(exc)) from None
    return CheckRequest(
        pastes=pastes,
        recipients=tuple(recipients),
        sender=parse_address(string(data, "sender", "sender")).address.lower()
        if data.get("sender") else "",
        kind=message_kind(kind, subject, quoted=bool(quoted)),
        subject=subject,
        thread_recipients=tuple(thread),
        body=string(data, "body", "body", limit=0),
        attachments=tuple(attachments),
        reported=reports_from(data),
    )


def recipient_view(r: Recipient, kb, findings, lang: str) -> dict[str, Any]:
    """One recipient as the dialog shows it; ``findings`` are this recipient's."""
    entry = kb.history(r.key) if r.valid else None
    return {
        "field": r.field,
        "address": r.address,
        "name": r.name,
        "internal": r.internal,
        "known": r.valid and kb.in_address_book(r.key),
        "sent_count": entry.count if entry else 0,
        "last_sent": entry.last_sent if entry else None,
        "findings": [f.to_dict(lang) for f in findings],
    }


@bp.get("/health")
def health():
    """Liveness: no token needed, nothing about the data."""
    return {"ok": True, "service": "atesaki", "version": __version__}


@bp.post("/check")
def check():
    """Check a message's recipients; store the check (never the body) and audit it."""
    service = current_service()
    settings = service.settings()
    data = json_body()
    domains = settings.internal_domains  # read once, not once per recipient
    req = build_check_request(data, lambda domain: is_internal(domain, domains))
    kb = service.knowledge()
    moment = now()
    findings = run_checks(CheckContext(req, kb, settings, moment))
    verdict = policy.verdict(req, findings, settings)
    pairs = [(r.field, r.address) for r in req.recipients]
    check_digest = digest(pairs)
    check_id = "c_" + secrets.token_urlsafe(16)
    codes = sorted({f.code for f in findings})
    created = moment.isoformat(timespec="seconds")
    with service.check_conn() as conn, transaction(conn):
        conn.execute(
            "INSERT INTO checks (id, created, sender, kind, digest, verdict, codes, recipients) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (check_id, created, req.sender, req.kind, check_digest, verdict,
             json.dumps(codes), json.dumps(pairs, ensure_ascii=False)),
        )
        audit.append(conn, "check", {
            "check_id": check_id, "verdict": verdict, "codes": codes, "digest": check_digest,
            "kind": req.kind, "sender": req.sender,
            "recipients": [f"{f}:{a}" for f, a in pairs],
        }, at=moment)
    lang = language()
    by_recipient: dict[int, list] = {}
    for f in findings:  # worst first, as run_checks sorted them
        if f.recipient is not None:
            by_recipient.setdefault(f.recipient, []).append(f)
    return {
        "check_id": check_id,
        "verdict": verdict,
        "digest": check_digest,
        "kind": req.kind,
        "recipients": [
            recipient_view(r, kb, by_recipient.get(r.index, ()), lang) for r in req.recipients
        ],
        "findings": [f.to_dict(lang) for f in findings if f.recipient is None],
        # Seconds the extension holds the released send with Undo shown (policy.send_delay).
        "send_delay": settings.policy_send_delay,
    }


def load_check(conn, check_id: Any) -> dict[str, Any]:
    """A stored check that has not expired, or 404."""
    if not isinstance(check_id, str) or not check_id:
        raise bad_request("check_id", "必須です。", "is required")
    row = conn.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
    if row is None or datetime.fromisoformat(row["created"]) + CHECK_TTL < now():
        raise APIError(404, "unknown_check", Text(
            "この確認は見つからないか、期限が切れています。もう一度送信してください。",
            "This check is unknown or has expired. Press Send again."))
    return dict(row)


def release_ok(conn, check: dict, check_digest: str, token: Any) -> bool:
    """True when a valid, unused release token from a second checker covers this digest."""
    if not isinstance(token, str) or not token:
        return False
    return consume_release(conn, check["id"], check_digest, token, now())


@bp.post("/sends")
def sends():
    """Record a send after its check: the list must be the checked one, approvals honoured."""
    service = current_service()
    data = json_body()
    conn = service.conn()
    checked = load_check(conn, data.get("check_id"))
    final = [(field, parse_address(address).address, name)
             for field, address, name in parse_recipient_list(data)]
    pairs = [(field, address) for field, address, _ in final]
    send_digest = digest(pairs)
    if send_digest != checked["digest"]:
        raise APIError(409, "recipients_changed", Text(
            "確認した後に宛先が変わりました。もう一度確認してください。",
            "The recipients changed after the check. Check them again."))
    if checked["verdict"] == "block":
        raise APIError(403, "blocked", Text("このメールは送信できません。",
                                            "This message cannot be sent."))
    when = now().isoformat(timespec="seconds")
    with transaction(conn):
        if checked["verdict"] == "approve" and not release_ok(
            conn, checked, send_digest, data.get("release_token")
        ):
            raise APIError(403, "approval_required", Text(
                "第二確認者の承認が必要です。", "A second checker's approval is required."))
        claimed = conn.execute(
            "UPDATE checks SET sent_at = ? WHERE id = ? AND sent_at IS NULL",
            (when, checked["id"]),
        ).rowcount
        if not claimed:
            raise APIError(409, "already_sent", Text(
                "このメールは送信済みとして記録されています。",
                "This message was already recorded as sent."))
        people.record_send(conn, [(address, name) for _, address, name in final], when)
        senders.record(conn, checked["sender"], (address for _, address, _ in final), when)
        audit.append(conn, "send", {
            "check_id": checked["id"], "digest": send_digest, "verdict": checked["verdict"],
            # The extension only sends a confirm/approve verdict after every row was ticked.
            "confirmed": checked["verdict"] in ("confirm", "approve"),
            "recipients": [f"{f}:{a}" for f, a in pairs],
        })
    # Our own writes do not bump the generation: update the indexes in place.
    kb = service.knowledge()
    for _, address, _ in final:
        row = conn.execute(
            "SELECT address, name, count, first_sent, last_sent FROM history WHERE address = ?",
            (address.lower(),),
        ).fetchone()
        if row:
            kb.add_history(HistoryEntry(*row))
    for sender, domain, count in senders.rows(conn, sender=checked["sender"]):
        kb.set_sender_count(sender, domain, count)
    return {"ok": True}
