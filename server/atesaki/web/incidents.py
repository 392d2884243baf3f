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

from flask import Blueprint, jsonify, make_response, render_template

from atesaki.core.i18n import LANGUAGES, Text
from atesaki.core.schema import compile_schema, refusal
from atesaki.store import audit, transaction
from atesaki.ui import report
from atesaki.web.http import APIError, current_service, json_body, query_args
from atesaki.web.openapi import SCHEMAS

# The printable report's template lives with the review pages, which print it too.
bp = Blueprint("incident_api", __name__, url_prefix="/v1",
               template_folder=str(resources.files("atesaki.ui").joinpath("templates")))

# The form's fields as IncidentRequest declares them, for callers other than the request hook.
_DETAILS = compile_schema({"type": "object", "properties": {
    key: SCHEMAS["IncidentRequest"]["properties"][key] for key in ("what", "affected")}})

# The printable report is a standalone page (it may be saved to a file), so its
# style is inline and allowed by hash; no script can run in it.
REPORT_CSS = resources.files("atesaki.ui").joinpath("static/report.css").read_text("utf-8")
REPORT_CSP = (
    "default-src 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(REPORT_CSS.encode("utf-8")).digest()).decode("ascii")
    + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def incident_details(data: dict[str, Any]) -> dict[str, Any]:
    """The guided form's extra fields of ``POST /v1/incidents``: ``what`` and ``affected``.

    Checked against their schemas in ``IncidentRequest`` (a caller that is not the
    request hook gets the same 400): ``what`` is one of ``report.WHAT`` or free text,
    ``affected`` says whose data was in the message (text, or a list of texts).
    """
    problem = refusal(_DETAILS, data)
    if problem is not None:
        raise problem
    return {key: data[key] for key in ("what", "affected") if data.get(key) is not None}


@bp.post("/incidents")
def incidents():
    """A user reports a message that went to the wrong person: into the audit log at once."""
    service = current_service()
    data = json_body()
    conn = service.conn()
    check_id = data.get("check_id")
    if check_id is not None and conn.execute(
        "SELECT 1 FROM checks WHERE id = ?", (check_id,)
    ).fetchone() is None:
        raise APIError(404, "unknown_check", Text("この確認は見つかりません。",
                                                  "This check is unknown."))
    incident_id = "i_" + secrets.token_urlsafe(12)
    with transaction(conn):
        seq = audit.append(conn, "incident", {
            "incident_id": incident_id, "check_id": check_id,
            "address": data.get("address") or "", "note": data.get("note") or "",
            **incident_details(data),  # the guided form's "what" and "affected"
        })
    response = jsonify({"ok": True, "incident_id": incident_id, "audit_seq": seq})
    response.status_code = 201
    return response


@bp.get("/recent-sends")
def recent_sends():
    """The user's recent sends (newest first) for the incident form: when and to whom, no bodies."""
    service = current_service()
    rows = service.conn().execute(
        "SELECT id, sent_at, verdict, recipients FROM checks WHERE sent_at IS NOT NULL "
        "ORDER BY sent_at DESC, rowid DESC LIMIT ?", (query_args()["limit"],)
    ).fetchall()
    return {"sends": [
        {"check_id": row["id"], "sent_at": row["sent_at"], "verdict": row["verdict"],
         "recipients": [{"field": f, "address": a, "internal": service.is_internal(a)}
                        for f, a in json.loads(row["recipients"])]}
        for row in rows
    ]}


def _langs(value: str) -> tuple[str, ...]:
    return (value,) if value in LANGUAGES else LANGUAGES  # "both" or empty: both


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
    query = query_args()
    fmt, langs = query["format"], _langs(query["lang"])
    service = current_service()
    ctx = report.report_context(service.conn(), incident_id, service.is_internal)
    if ctx is None:
        raise APIError(404, "unknown_incident", Text("この報告は見つかりません。",
                                                     "This incident is unknown."))
    return render_report(ctx, fmt, langs)
