"""The service side of "I sent to the wrong person": recent sends to pick from, and the report.

``POST /v1/incidents`` (api.py) records the incident; these endpoints feed the
extension's guided form and give the report to hand to the supervisor.
"""

from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources
from typing import Any

from flask import Blueprint, current_app, make_response, render_template, request

from atesaki.errors import APIError
from atesaki.i18n import LANGUAGES, Text
from atesaki.openapi import GUARDED, error
from atesaki.ui import report

bp = Blueprint("incident_api", __name__, url_prefix="/v1", template_folder="templates")

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


def _bad(where: str, ja: str, en: str) -> APIError:
    return APIError(400, "bad_request", Text(f"{where}: {ja}", f"{where}: {en}"), field=where)


def incident_details(data: dict[str, Any]) -> dict[str, Any]:
    """The guided form's extra fields of ``POST /v1/incidents``, validated: ``what`` and ``affected``.

    ``what`` is one of ``report.WHAT`` (or free text up to 200 characters);
    ``affected`` says whose data was in the message (text, or a list of texts).
    """
    extra: dict[str, Any] = {}
    what = data.get("what")
    if what is not None:
        if not isinstance(what, str) or len(what) > 200:
            raise _bad("what", "200 文字以内の文字列です。", "must be a string of at most 200 characters")
        extra["what"] = what
    affected = data.get("affected")
    if affected is not None:
        items = affected if isinstance(affected, list) else [affected]
        if len(items) > 200 or not all(isinstance(a, str) and len(a) <= 2000 for a in items):
            raise _bad("affected", "文字列か文字列の配列（200 件まで）です。",
                       "must be a string or an array of at most 200 strings")
        extra["affected"] = affected
    return extra


@bp.get("/recent-sends")
def recent_sends():
    """The user's recent sends (newest first) for the incident form: when and to whom, no bodies."""
    raw = request.args.get("limit", str(RECENT_DEFAULT))
    if not raw.isdigit() or not 1 <= int(raw) <= RECENT_MAX:
        raise _bad("limit", f"1〜{RECENT_MAX} の整数です。",
                   f"must be a whole number from 1 to {RECENT_MAX}")
    service = current_app.extensions["atesaki"]
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
    raise _bad("lang", "ja, en, both のいずれかです。", "must be ja, en or both")


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
        raise _bad("format", "md, html, json のいずれかです。", "must be md, html or json")
    langs = _langs(request.args.get("lang", ""))
    service = current_app.extensions["atesaki"]
    ctx = report.report_context(service.conn(), incident_id, service.is_internal)
    if ctx is None:
        raise APIError(404, "unknown_incident", Text("この報告は見つかりません。",
                                                     "This incident is unknown."))
    return render_report(ctx, fmt, langs)


STRING = {"type": "string"}

OPENAPI_SCHEMAS: dict[str, Any] = {
    "RecentSends": {
        "type": "object",
        "required": ["sends"],
        "properties": {"sends": {"type": "array", "items": {
            "type": "object",
            "required": ["check_id", "sent_at", "verdict", "recipients"],
            "properties": {
                "check_id": STRING, "sent_at": STRING,
                "verdict": {"enum": ["pass", "confirm", "approve", "block"]},
                "recipients": {"type": "array", "items": {
                    "type": "object", "required": ["field", "address", "internal"],
                    "properties": {"field": {"enum": ["to", "cc", "bcc"]}, "address": STRING,
                                   "internal": {"type": "boolean"}}}},
            }}}},
    },
    "IncidentReport": {
        "type": "object",
        "required": ["incident_id", "steps", "markdown", "audit_seq", "audit_hash"],
        "properties": {
            "incident_id": STRING, "reported_at": STRING, "check_id": STRING,
            "sent_at": STRING, "address": STRING, "what": STRING, "affected": STRING,
            "note": STRING, "recipients": {"type": "array", "items": {"type": "object"}},
            "steps": {"type": "array", "items": {
                "type": "object", "properties": {"ja": STRING, "en": STRING}}},
            "markdown": STRING, "audit_seq": {"type": "integer"}, "audit_hash": STRING,
        },
    },
}

_GET_GUARDED = {k: v for k, v in GUARDED.items() if k in ("400", "401", "403")}

OPENAPI_PATHS: dict[str, Any] = {
    "/v1/recent-sends": {
        "get": {
            "summary": "The user's recent sends, for the incident form (no bodies).",
            "parameters": [{"name": "limit", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": RECENT_MAX,
                                       "default": RECENT_DEFAULT}}],
            "responses": {"200": {"description": "Newest first.", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/RecentSends"}}}},
                **_GET_GUARDED},
        }
    },
    "/v1/incidents/{incident_id}/report": {
        "get": {
            "summary": "A short report on an incident to hand to the supervisor, "
                       "with the steps to take now.",
            "parameters": [
                {"name": "incident_id", "in": "path", "required": True, "schema": STRING},
                {"name": "format", "in": "query", "required": False,
                 "schema": {"enum": list(FORMATS), "default": "md"}},
                {"name": "lang", "in": "query", "required": False,
                 "schema": {"enum": ["ja", "en", "both"], "default": "both"}},
            ],
            "responses": {
                "200": {"description": "Markdown, printable HTML or JSON.", "content": {
                    "text/markdown": {"schema": STRING},
                    "text/html": {"schema": STRING},
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/IncidentReport"}},
                }},
                **_GET_GUARDED,
                "404": error("Unknown incident."),
            },
        }
    },
}
