"""The /v1 blueprint: read the schema-checked request, call the core, return a dict."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint

from atesaki.approvals import consume_release
from atesaki.core import policy
from atesaki.core.checks import CheckContext, CheckRequest, Recipient, run_checks
from atesaki.core.checks.paste import parse_pastes
from atesaki.core.checks.unreadable import reports_from
from atesaki.core.content import message_kind
from atesaki.core.domains import is_internal
from atesaki.core.i18n import Text
from atesaki.core.recipients import digest, parse_address
from atesaki.core.version import __version__
from atesaki.knowledge import HistoryEntry
from atesaki.store import audit, people, senders, transaction
from atesaki.web.http import APIError, current_service, json_body, language, now

bp = Blueprint("api", __name__, url_prefix="/v1")

CHECK_TTL = timedelta(hours=1)  # a send must follow its check within this time


def parse_recipient_list(data: dict, key: str = "recipients") -> list[tuple[str, str, str]]:
    """(field, address, name) triples from a request's recipient list (schema-checked)."""
    return [((item.get("field") or "to").lower(), item["address"], item.get("name") or "")
            for item in data[key]]


def build_check_request(data: dict, is_internal) -> CheckRequest:
    """A CheckRequest from a /v1/check body that its OpenAPI schema has accepted."""
    recipients = []
    for index, (field, address, name) in enumerate(parse_recipient_list(data)):
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
    subject = data.get("subject") or ""
    sender = data.get("sender")
    return CheckRequest(
        pastes=parse_pastes(data.get("pastes")),
        recipients=tuple(recipients),
        sender=parse_address(sender).address.lower() if sender else "",
        kind=message_kind(data.get("kind") or None, subject, quoted=bool(data.get("quoted"))),
        subject=subject,
        thread_recipients=tuple(parse_address(value).address.lower()
                                for value in data.get("thread_recipients") or ()),
        body=data.get("body") or "",
        attachments=tuple({"name": item.get("name") or "", "size": int(item.get("size") or 0)}
                          for item in data.get("attachments") or ()),
        reported=reports_from(data),
    )


def recipient_view(r: Recipient, kb, findings, lang: str) -> dict[str, Any]:
    """One recipient as the dialog shows it; ``findings`` are this recipient's."""
    entry = kb.history(r.key) if r.valid else None
    mailing_list = kb.mailing_list(r.key) if r.valid else None
    return {
        "field": r.field,
        "address": r.address,
        "name": r.name,
        "internal": r.internal,
        "known": r.valid and kb.in_address_book(r.key),
        "sent_count": entry.count if entry else 0,
        "last_sent": entry.last_sent if entry else None,
        "findings": [f.to_dict(lang) for f in findings],
        # A list the directory or contacts know: {"name", "members" (null: unknown), "source"}.
        "mailing_list": mailing_list.to_dict() if mailing_list else None,
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
    by_recipient: dict[int, list] = {}
    for f in findings:  # worst first, as run_checks sorted them
        if f.recipient is not None:
            by_recipient.setdefault(f.recipient, []).append(f)
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
        if verdict == "approve":
            # What a checker at another desk is shown if asked: names and finding codes only.
            conn.execute(
                "INSERT INTO check_detail (check_id, recipients, findings) VALUES (?, ?, ?)",
                (check_id, json.dumps([
                    {"field": r.field, "address": r.address, "name": r.name,
                     "findings": [f.code for f in by_recipient.get(r.index, ())]}
                    for r in req.recipients], ensure_ascii=False),
                 json.dumps([f.code for f in findings if f.recipient is None])),
            )
    lang = language()
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


def load_check(conn, check_id: str) -> dict[str, Any]:
    """A stored check that has not expired, or 404."""
    row = conn.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
    if row is None or datetime.fromisoformat(row["created"]) + CHECK_TTL < now():
        raise APIError(404, "unknown_check", Text(
            "この確認は見つからないか、期限が切れています。もう一度送信してください。",
            "This check is unknown or has expired. Press Send again."))
    return dict(row)


def release_ok(conn, check: dict, check_digest: str, token: str | None) -> bool:
    """True when a valid, unused release token from a second checker covers this digest."""
    if not token:
        return False
    return consume_release(conn, check["id"], check_digest, token, now())


@bp.post("/sends")
def sends():
    """Record a send after its check: the list must be the checked one, approvals honoured."""
    service = current_service()
    data = json_body()
    conn = service.conn()
    checked = load_check(conn, data["check_id"])
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
