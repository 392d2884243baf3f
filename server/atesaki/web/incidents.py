"""The service side of "I sent to the wrong person": the report, recent sends to pick from.

``POST /v1/incidents`` records the incident in the audit log; the other endpoints
feed the extension's guided form and give the report to hand to the supervisor.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from importlib import resources
from typing import Any

from flask import Blueprint, jsonify, make_response, render_template, request

from atesaki.core.i18n import LANGUAGES, Text
from atesaki.store import audit, transaction
from atesaki.ui import report
from atesaki.web.http import APIError, bad_request, current_service, json_body, string

# The printable report's template lives with the review pages, which print it too.
bp = Blueprint("incident_api", __name__, url_prefix="/v1",
               template_folder=str(resources.files("atesaki.ui").joinpath("templates")))

RECENT_DEFAULT = 20
RECENT_MAX = 100
FORMATS = ("md", "html", "json")

# The printable report is a standalone page (it may be saved to a file), so its
# style is inline and allowed by hash; no script can run in it.
REPORT_CSS = resources.files("atesaki.ui").joinpath("static/report.css").read_text("utf-8")
REPORT_CSP = (
    "default-src 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(REPORT_CSS.encode("utf-8")).digest()).decode("ascii")
    + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def incident_details(data: dict[str, Any]) -> dict[str, Any]:
    """The guided form's extra fields of ``POST /v1/incidents``, validated: ``what`` and ``affected``.

    ``what`` is one of ``report.WHAT`` (or free text up to 200 characters);
    ``affected`` says whose data was in the message (text, or a list of texts).
    """
    extra: dict[str, Any] = {}
    what = data.get("what")
    if what is not None:
        if not isinstance(what, str) or len(what) > 200:
            raise bad_request("what", "200 文字以内の文字列です。", "must be a string of at most 200 characters")
        extra["what"] = what
    affected = data.get("affected")
    if affected is not None:
        items = affected if isinstance(affected, list) else [affected]
        if len(items) > 200 or not all(isinstance(a, str) and len(a) <= 2000 for a in items):
            raise bad_request("affected", "文字列か文字列の配列（200 件まで）です。",
                              "must be a string or an array of at most 200 strings")
        extra["affected"] = affected
    return extra


@bp.post("/incidents")
def incidents():
    """A user reports a message that went to the wrong person: into the audit log at once."""
    service = current_service()
    data = json_body()
    conn = service.conn()
    check_id = data.get("check_id")
    if check_id is not None:
        if not isinstance(check_id, str):
            raise bad_request("check_id", "文字列か null です。", "must be a string or null")
        if conn.execute("SELECT 1 FROM checks WHERE id = ?", (check_id,)).fetchone() is None:
            raise APIError(404, "unknown_check", Text("この確認は見つかりません。",
                                                      "This check is unknown."))
    address = string(data, "address", "address")
    note = string(data, "note", "note", limit=20000)
    extra = incident_details(data)  # the guided form's "what" and "affected"
    if not address and not note and check_id is None and not extra:
        raise bad_request("body", "どのメールか、宛先、内容のいずれかを書いてください。",
                          "say which message, address or what happened")
    incident_id = "i_" + secrets.token_urlsafe(12)
    with transaction(conn):
        seq = audit.append(conn, "incident", {
            "incident_id": incident_id, "check_id": check_id, "address": address, "note": note,
            **extra,
        })
    response = jsonify({"ok": True, "incident_id": incident_id, "audit_seq": seq})
    response.status_code = 201
    return response


@bp.get("/recent-sends")
def recent_sends():
    """The user's recent sends (newest first) for the incident form: when and to whom, no bodies."""
    raw = request.args.get("limit", str(RECENT_DEFAULT))
    if not raw.isdecimal() or not 1 <= int(raw) <= RECENT_MAX:
        raise bad_request("limit", f"1〜{RECENT_MAX} の整数です。",
                          f"must be a whole number from 1 to {RECENT_MAX}")
    service = current_service()
    rows = service.conn().execute(
        "SELECT id, sent_at, verdict, recipients FROM checks WHERE sent_at IS NOT NULL "
        "ORDER BY sent_at DESC, rowid DESC LIMIT ?", (int(raw),)
    ).fetchall()
    return {"sends": [
        {"check_id": row["id"], "sent_at": row["sent_at"], "verdict": row["verdict"],
         "recipients": [{"field": f, "address": a, "internal": service.is_internal(a)}
                        for f, a in json.loads(row["recipients"])]}
        for row in rows
    ]}


def _langs(value: str) -> tuple[str, ...]:
    if value in ("", "both"):
        return LANGUAGES
    if value in LANGUAGES:
        return (value,)
    raise bad_request("lang", "ja, en, both のいずれかです。", "must be ja, en or both")


def render_report(ctx: dict[str, Any], fmt: str, langs: tuple[str, ...]):
    """A Flask response with the report in ``fmt`` (md, html or json)."""
    if fmt == "md":
        response = make_response(report.markdown(ctx, langs))
        response.mimetype = "text/markdown"
        response.headers["Content-Disposition"] = (
            f'inline; filename="atesaki-incident-{ctx["incident_id"]}.md"')
    elif fmt == "html":
        response = make_response(render_template(
            "ui_report.html", ctx=ctx, langs=langs, labels=report.LABELS, steps=report.STEPS,
            keep=report.KEEP_EVIDENCE, what_label=report.what_label, css=REPORT_CSS))
        response.headers["Content-Security-Policy"] = REPORT_CSP
    else:
        response = make_response({
            **ctx,
            "steps": [step.as_dict() for step in report.STEPS],
            "markdown": report.markdown(ctx, langs),
        })
    response.charset = "utf-8"
    return response


@bp.get("/incidents/<incident_id>/report")
def incident_report(incident_id: str):
    """The report on one incident: ``format=md`` (default), ``html`` or ``json``; ``lang=ja|en|both``."""
    fmt = request.args.get("format", "md")
    if fmt not in FORMATS:
        raise bad_request("format", "md, html, json のいずれかです。", "must be md, html or json")
    langs = _langs(request.args.get("lang", ""))
    service = current_service()
    ctx = report.report_context(service.conn(), incident_id, service.is_internal)
    if ctx is None:
        raise APIError(404, "unknown_incident", Text("この報告は見つかりません。",
                                                     "This incident is unknown."))
    return render_report(ctx, fmt, langs)
