"""The incident report a user hands to the supervisor: Markdown or printable HTML, ja and en.

Built from the incident's audit entry and its check (recipients, time of sending);
never from a message body, which Atesaki does not keep.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from atesaki.core.i18n import Text
from atesaki.ui.review import local_time

# The steps to take now, in the order they matter.
STEPS: tuple[Text, ...] = (
    Text("今日中に上司（情報管理の責任者）へ報告し、この報告書を渡してください。",
         "Tell your supervisor today and hand them this report."),
    Text("誤って届いた相手に連絡し、メール（添付を含む）を削除して、削除したことを返信で知らせてもらうよう依頼してください。",
         "Ask the wrong recipient to delete the message (attachments too) and to confirm by "
         "reply that they have."),
    Text("メールに個人情報が含まれていた方に連絡し、経緯を説明してください（文面は上司と相談してください）。",
         "Contact the people whose data was in the message and explain what happened "
         "(agree the wording with your supervisor)."),
)
KEEP_EVIDENCE = Text("送信済みメールは削除せずに残してください（記録として必要です）。",
                     "Do not delete your sent copy: it is part of the record.")

# What went wrong: the form's choices.
WHAT: dict[str, Text] = {
    "wrong_recipient": Text("宛先を間違えた", "Sent to the wrong person"),
    "wrong_attachment": Text("添付ファイルを間違えた", "Wrong attachment"),
    "visible_recipients": Text("Bcc にすべき宛先を To/Cc に入れた",
                               "Recipients in To/Cc who should have been in Bcc"),
    "wrong_content": Text("本文に載せてはいけない情報を載せた",
                          "Information in the message that should not have been there"),
    "other": Text("その他", "Other"),
}

LABELS: dict[str, Text] = {
    "title": Text("誤送信の報告", "Report of a message sent to the wrong person"),
    "incident": Text("報告番号", "Incident"),
    "reported": Text("報告日時", "Reported at"),
    "sent": Text("送信日時", "Sent at"),
    "check": Text("確認番号", "Check"),
    "recipients": Text("そのメールの宛先", "Recipients of the message"),
    "wrong": Text("誤って届いた宛先", "Wrong recipient"),
    "what": Text("何が起きたか", "What went wrong"),
    "affected": Text("影響を受ける方", "Who is affected"),
    "note": Text("補足", "Note"),
    "steps": Text("今すぐ行うこと", "What to do now"),
    "audit": Text("監査ログの記録", "Audit log entry"),
    "none": Text("（なし）", "(none)"),
    "external": Text("外部", "external"),
    "internal": Text("内部", "internal"),
    "print": Text("この報告書を印刷するか PDF に保存して上司に渡してください。",
                  "Print this report or save it as PDF and hand it to your supervisor."),
}


def find_incident(conn: sqlite3.Connection, incident_id: str) -> dict[str, Any] | None:
    """The incident's audit entry (data decoded, with seq, ts and hash), or None."""
    row = conn.execute(
        "SELECT seq, ts, data, hash FROM audit WHERE event = 'incident' "
        "AND json_valid(data) AND json_extract(data, '$.incident_id') = ? ORDER BY seq LIMIT 1",
        (incident_id,),
    ).fetchone()
    if row is None:
        return None
    return {"seq": row["seq"], "ts": row["ts"], "hash": row["hash"], **json.loads(row["data"])}


def report_context(conn: sqlite3.Connection, incident_id: str,
                   is_internal: Callable[[str], bool]) -> dict[str, Any] | None:
    """Everything the report shows, or None for an unknown incident."""
    incident = find_incident(conn, incident_id)
    if incident is None:
        return None
    check = None
    if incident.get("check_id"):
        check = conn.execute("SELECT id, created, sent_at, recipients FROM checks WHERE id = ?",
                             (incident["check_id"],)).fetchone()
    recipients = []
    if check is not None:
        recipients = [{"field": f, "address": a, "internal": is_internal(a)}
                      for f, a in json.loads(check["recipients"])]
    affected = incident.get("affected") or ""
    if isinstance(affected, list):
        affected = ", ".join(str(a) for a in affected)
    return {
        "incident_id": incident_id,
        "reported_at": local_time(incident["ts"]),
        "check_id": incident.get("check_id") or "",
        "sent_at": local_time(check["sent_at"]) if check is not None else "",
        "recipients": recipients,
        "address": incident.get("address") or "",
        "what": str(incident.get("what") or ""),
        "affected": str(affected),
        "note": str(incident.get("note") or ""),
        "audit_seq": incident["seq"],
        "audit_hash": incident["hash"],
    }


def what_label(what: str, lang: str) -> str:
    """The label of a ``what`` choice, or the free text as given."""
    text = WHAT.get(what)
    return text.get(lang) if text else what


def _md_escape(text: str) -> str:
    # Keep a user's text from turning into headings, links or HTML in a Markdown viewer.
    out = text.replace("\\", "\\\\")
    for char in "`*_[]<>#|":
        out = out.replace(char, "\\" + char)
    return " ".join(out.splitlines())


def markdown(ctx: dict[str, Any], langs: tuple[str, ...] = ("ja", "en")) -> str:
    """The report as Markdown, one section per language."""
    parts = []
    for lang in langs:
        def label(key: str, lang: str = lang) -> str:
            return LABELS[key].get(lang)

        none = label("none")
        lines = [f"# {label('title')}", ""]
        lines.append(f"- {label('incident')}: `{ctx['incident_id']}`")
        lines.append(f"- {label('reported')}: {ctx['reported_at']}")
        if ctx["check_id"]:
            lines.append(f"- {label('check')}: `{ctx['check_id']}`")
            lines.append(f"- {label('sent')}: {ctx['sent_at'] or none}")
        lines.append(f"- {label('wrong')}: {_md_escape(ctx['address']) or none}")
        lines.append(f"- {label('what')}: {_md_escape(what_label(ctx['what'], lang)) or none}")
        lines.append(f"- {label('affected')}: {_md_escape(ctx['affected']) or none}")
        if ctx["note"]:
            lines.append(f"- {label('note')}: {_md_escape(ctx['note'])}")
        if ctx["recipients"]:
            lines += ["", f"## {label('recipients')}", ""]
            for r in ctx["recipients"]:
                where = label("internal") if r["internal"] else label("external")
                lines.append(f"- {r['field']}: {_md_escape(r['address'])} ({where})")
        lines += ["", f"## {label('steps')}", ""]
        lines += [f"{i}. {step.get(lang)}" for i, step in enumerate(STEPS, 1)]
        lines += ["", KEEP_EVIDENCE.get(lang), ""]
        lines.append(f"{label('audit')}: {ctx['audit_seq']} `{ctx['audit_hash']}`")
        parts.append("\n".join(lines))
    return "\n\n---\n\n".join(parts) + "\n"
