"""The approval endpoints (``POST /v1/approvals``, ``GET /v1/checkers``) and the one-time enrolment page."""

from __future__ import annotations

import html

import segno
from flask import Blueprint, Response, current_app, request

from atesaki import api
from atesaki.approvals import core
from atesaki.errors import APIError, error_response
from atesaki.i18n import Text
from atesaki.openapi import GUARDED, error, json_body, ok_json

bp = Blueprint("approvals", __name__)

# The enrolment page shows a secret: nothing else may load, frame or link from it.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


def _service():
    return current_app.extensions["atesaki"]


@bp.post("/v1/approvals")
def approvals():
    """A second checker's code for a check: a single-use release token for its digest."""
    data = api.json_body()
    checker = data.get("checker")
    if not isinstance(checker, str) or not checker or len(checker) > 2 * core.MAX_NAME:
        raise APIError(400, "bad_request", Text(
            "checker: 確認者の ID か名前が必要です。", "checker: the checker's id or name is required"),
            field="checker")
    code = core.normalise_code(data.get("code"))
    conn = _service().conn()
    check = api.load_check(conn, data.get("check_id"))
    try:
        grant = core.approve(conn, check, checker, code, api.now())
    except APIError as exc:
        if exc.status != 429:
            raise
        response = error_response(exc)
        response.headers["Retry-After"] = str(exc.extra.get("retry_after", 0))
        return response
    return {
        "ok": True,
        "release_token": grant.release_token,
        "expires_at": grant.expires_at,
        "checker": grant.checker.public(),
    }


@bp.get("/v1/checkers")
def checkers():
    """The enrolled checkers for the dialog's picker: id and name only."""
    return {"checkers": [c.public() for c in core.list_checkers(_service().conn())]}


@bp.get("/enrol/<token>")
def enrol_page(token: str):
    """The QR code of one checker, once, from the link ``atesaki checker add`` printed."""
    opened = core.open_enrol_link(_service().conn(), token, api.now())
    if opened is None:
        return _page(404, GONE_TITLE, GONE_BODY)
    checker, uri = opened
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    qr = segno.make(uri, error="m").svg_inline(scale=6, dark="#000", light="#fff")
    body = ENROL_BODY.format(name=html.escape(checker.name), qr=qr, secret=html.escape(grouped),
                             minutes=int(core.ENROL_TTL.total_seconds()) // 60)
    return _page(200, ENROL_TITLE, body)


def _page(status: int, title: str, body: str) -> Response:
    lang = "en" if request.accept_languages.best_match(["ja", "en"]) == "en" else "ja"
    page = PAGE.format(lang=lang, title=html.escape(title), body=body)
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.6; color: #111; }}
.qr {{ background: #fff; display: inline-block; padding: .5rem; border: 1px solid #ccc; }}
.secret {{ font-family: ui-monospace, monospace; font-size: 1.2rem; letter-spacing: .05em; }}
.en {{ color: #444; }}
</style></head>
<body>{body}</body></html>
"""

ENROL_TITLE = "第二確認者の登録 / Enrol a second checker — Atesaki"
ENROL_BODY = """
<h1>第二確認者の登録 <span class="en">/ Enrol a second checker</span></h1>
<p><strong data-atesaki="checker-name">{name}</strong></p>
<p>Google Authenticator または Microsoft Authenticator でこの QR コードを読み取ってください。</p>
<p class="en">Scan this QR code with Google Authenticator or Microsoft Authenticator.</p>
<div class="qr" data-atesaki="enrol-qr">{qr}</div>
<p>読み取れないときは、アプリで「セットアップキーを入力」を選び、次のキーを入力します（時間ベース）。</p>
<p class="en">If scanning does not work, choose "Enter a setup key" in the app and type this key
(time based).</p>
<p class="secret" data-atesaki="enrol-secret">{secret}</p>
<p>このページは一度だけ表示されます。閉じたら、このリンクはもう使えません。登録し直すには
<code>atesaki checker remove</code> と <code>atesaki checker add</code> を実行してください。</p>
<p class="en">This page is shown once only (the link was valid for {minutes} minutes). To enrol
again, run <code>atesaki checker remove</code> and <code>atesaki checker add</code>.</p>
"""

GONE_TITLE = "リンクが無効です / Link not valid — Atesaki"
GONE_BODY = """
<h1>このリンクは使えません <span class="en">/ This link cannot be used</span></h1>
<p>登録用のリンクは 1 回だけ、発行から 10 分間だけ使えます。このリンクは使用済みか、期限切れか、
正しくありません。</p>
<p class="en">An enrolment link works once and for 10 minutes. This one was already used, has
expired or is wrong.</p>
<p>もう一度登録するには <code>atesaki checker remove 名前</code> のあと
<code>atesaki checker add 名前</code> を実行してください。</p>
<p class="en">To enrol again, run <code>atesaki checker remove NAME</code>, then
<code>atesaki checker add NAME</code>.</p>
"""

# --- OpenAPI -------------------------------------------------------------------------------

OPENAPI_SCHEMAS = {
    "ApprovalRequest": {
        "type": "object",
        "required": ["check_id", "checker", "code"],
        "properties": {
            "check_id": {"type": "string", "minLength": 1},
            "checker": {"type": "string", "description": "The checker's id or name.",
                        "minLength": 1, "maxLength": 2 * core.MAX_NAME},
            "code": {"type": "string", "pattern": "^[0-9]{6}$",
                     "description": "The 6 digits the authenticator shows (spaces, a dash and "
                                    "full-width digits are also accepted).",
                     "examples": ["123456"]},
        },
    },
    "ApprovalResponse": {
        "type": "object",
        "required": ["ok", "release_token", "expires_at"],
        "properties": {
            "ok": {"const": True},
            "release_token": {"type": "string",
                              "description": "Single use; pass to POST /v1/sends."},
            "expires_at": {"type": "string", "format": "date-time"},
            "checker": {"$ref": "#/components/schemas/CheckerSummary"},
        },
    },
    "CheckerSummary": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    },
    "CheckerList": {
        "type": "object",
        "required": ["checkers"],
        "properties": {
            "checkers": {"type": "array",
                         "items": {"$ref": "#/components/schemas/CheckerSummary"}},
        },
    },
}

_HTML = {"text/html": {"schema": {"type": "string"}}}

OPENAPI_PATHS = {
    "/v1/approvals": {
        "post": {
            "summary": "A second checker's one-time code: a release token for the check's digest.",
            "requestBody": json_body("ApprovalRequest"),
            "responses": {
                "200": ok_json("Granted: a release token valid 5 minutes, once.",
                               "ApprovalResponse"),
                **GUARDED,
                "403": error("Host or Origin not allowed; wrong code (`bad_code`, with "
                             "`attempts_left`); the checker is the sender (`self_approval`); "
                             "or the check's verdict is block (`blocked`)."),
                "404": error("Unknown or expired check (`unknown_check`), or unknown checker "
                             "(`unknown_checker`)."),
                "409": error("The code was already used (`code_reused`), or the check was "
                             "already sent (`already_sent`)."),
                "429": error("Five wrong codes within 15 minutes: the checker is locked for 15 "
                             "minutes (`locked`, with `retry_after` seconds and a Retry-After "
                             "header)."),
            },
        }
    },
    "/v1/checkers": {
        "get": {
            "summary": "Enrolled second checkers for the dialog's picker (id and name only).",
            "responses": {
                "200": ok_json("The checkers.", "CheckerList"),
                "401": GUARDED["401"],
                "403": GUARDED["403"],
            },
        }
    },
    "/enrol/{token}": {
        "get": {
            "summary": "The enrolment QR code, once, from the link `atesaki checker add` printed "
                       "(valid 10 minutes).",
            "security": [],
            "parameters": [{"name": "token", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "The page with the QR code.", "content": _HTML},
                "403": error("Host or Origin not allowed."),
                "404": {"description": "Unknown, used or expired link.", "content": _HTML},
            },
        }
    },
}


def init_app(app) -> None:
    """Register the approval endpoints and the enrolment page."""
    app.register_blueprint(bp)
