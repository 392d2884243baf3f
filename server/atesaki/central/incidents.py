"""Incidents to the responsible people: each "I sent to the wrong person" e-mailed through the office's relay.

An incident reaches the central service as an ``incident`` entry of the PC's audit
chain; ingesting it adds a row to ``incident_notices`` and announces it. Every
instance runs a mailer that takes pending notices with ``FOR UPDATE SKIP LOCKED``,
so two instances never send the same notice, and one that crashes mid-send leaves
it for the next. A notice is marked sent only after the relay accepted it.
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from psycopg_pool import ConnectionPool

from atesaki.central.db import transaction
from atesaki.central.notify import Hub
from atesaki.central.service import log_event
from atesaki.core.i18n import Text

log = logging.getLogger("atesaki.central")
MAX_ATTEMPTS = 20
SUBJECT = Text("[Atesaki] 誤送信の報告: {pc}", "[Atesaki] Wrong-recipient report: {pc}")
# The guided report's first steps (the PC's own report page has the full form).
STEPS = Text(
    "すぐに行うこと:\n"
    "1. 誤って届いた相手に連絡し、メールと添付の削除を依頼する（削除したことの返信をもらう）。\n"
    "2. 個人情報が含まれていれば、個人情報保護の担当者に報告する。\n"
    "3. 本来の宛先に送り直す必要があるか確かめる。\n"
    "4. 経緯を記録する（この報告と中央サービスの監査記録）。",
    "What to do now:\n"
    "1. Contact the person who received it by mistake and ask them to delete the message and "
    "its attachments (ask for a reply confirming it).\n"
    "2. If it held personal data, report to the person in charge of data protection.\n"
    "3. Check whether it must be sent again to the intended recipient.\n"
    "4. Keep a record (this report and the central audit log).",
)
FIELDS = (
    (Text("パソコン / 送信者", "PC / sender"), "pc"),
    (Text("報告の時刻", "Reported at"), "ts"),
    (Text("誤って送った宛先", "Sent by mistake to"), "address"),
    (Text("何が起きたか", "What happened"), "what"),
    (Text("影響を受けた人", "Who is affected"), "affected"),
    (Text("メモ", "Note"), "note"),
    (Text("確認番号", "Check"), "check_id"),
    (Text("報告番号", "Incident"), "incident_id"),
)


@dataclass(frozen=True)
class Relay:
    """The office's SMTP relay and who hears of incidents."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]


def message(relay: Relay, pc_name: str, ts: str, data: dict[str, Any]) -> EmailMessage:
    """The e-mail for one incident, Japanese then English, with the first steps to take."""
    values = {"pc": pc_name, "ts": ts, **{k: data.get(k) for k in
                                          ("address", "what", "affected", "note", "check_id",
                                           "incident_id")}}
    parts = []
    for lang in ("ja", "en"):
        lines = [f"{label.get(lang)}: {_show(values.get(key))}" for label, key in FIELDS
                 if values.get(key)]
        parts.append("\n".join(lines) + "\n\n" + STEPS.get(lang))
    msg = EmailMessage()
    msg["Subject"] = SUBJECT.format(pc=pc_name).ja + " / " + SUBJECT.format(pc=pc_name).en
    msg["From"] = relay.sender
    msg["To"] = ", ".join(relay.recipients)
    msg.set_content("\n\n----\n\n".join(parts))
    return msg


def _show(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def send_pending(pool: ConnectionPool, relay: Relay, limit: int = 20) -> int:
    """E-mail the pending incidents this instance can lock; returns how many were sent."""
    sent = 0
    with transaction(pool) as conn:
        rows = conn.execute(
            "SELECT n.pc_id, n.seq, e.ts, e.data, p.name FROM incident_notices n "
            "JOIN audit_entries e ON e.pc_id = n.pc_id AND e.seq = n.seq "
            "JOIN pcs p ON p.id = n.pc_id "
            "WHERE n.mailed_at IS NULL AND n.attempts < %s ORDER BY n.created_at LIMIT %s "
            "FOR UPDATE OF n SKIP LOCKED", (MAX_ATTEMPTS, limit),
        ).fetchall()
        if not rows:
            return 0
        try:
            with smtplib.SMTP(relay.host, relay.port, timeout=15) as smtp:
                for row in rows:
                    data = json.loads(row["data"])
                    smtp.send_message(message(relay, row["name"], row["ts"], data))
                    conn.execute("UPDATE incident_notices SET mailed_at = now(), attempts = "
                                 "attempts + 1 WHERE pc_id = %s AND seq = %s",
                                 (row["pc_id"], row["seq"]))
                    log_event(conn, "incident_notified", {
                        "pc_id": row["pc_id"], "seq": row["seq"],
                        "incident_id": data.get("incident_id"), "to": list(relay.recipients)})
                    sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            # Sent ones stay marked; the rest are tried again on the next round.
            log.warning("incident e-mail failed: %s", exc)
            conn.execute("UPDATE incident_notices SET attempts = attempts + 1, last_error = %s "
                         "WHERE mailed_at IS NULL AND (pc_id, seq) IN "
                         "(SELECT unnest(%s::text[]), unnest(%s::bigint[]))",
                         (str(exc)[:500], [r["pc_id"] for r in rows], [r["seq"] for r in rows]))
    return sent


class Mailer:
    """The instance's thread that e-mails incidents as soon as they are announced."""

    def __init__(self, pool: ConnectionPool, hub: Hub, relay: Relay,
                 retry: float = 30.0) -> None:
        self.pool, self.hub, self.relay, self.retry = pool, hub, relay, retry
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="atesaki-central-mail",
                                        daemon=True)

    def start(self) -> Mailer:
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()
        self.hub.reset()

    def _run(self) -> None:
        keys = ["incidents"]
        while not self._stop.is_set():
            seen = self.hub.version(keys)
            try:
                while send_pending(self.pool, self.relay):
                    pass
            except Exception:  # the database away, a bug: keep the thread, try again later
                log.exception("incident mailer")
            self.hub.wait(keys, seen, self.retry)
