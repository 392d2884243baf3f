"""The approval endpoints (``POST /v1/approvals``, ``GET /v1/checkers``) and the one-time enrolment page."""

from __future__ import annotations

import html

import pyotp
import segno
from flask import Blueprint, Response

from atesaki.approvals import core
from atesaki.web.api import load_check
from atesaki.web.errors import error_response
from atesaki.web.http import APIError, current_service, json_body, language, now

bp = Blueprint("approvals", __name__)

# The enrolment page shows a secret: nothing else may load, frame or link from it.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


@bp.post("/v1/approvals")
def approvals():
    """A second checker's code for a check: a single-use release token for its digest."""
    data = json_body()
    conn = current_service().conn()
    check = load_check(conn, data["check_id"])
    try:
        # approve() reads the code as typed (full-width digits, spaces) into its six digits.
        grant = core.approve(conn, check, data["checker"], data["code"], now())
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
    return {"checkers": [c.public() for c in core.list_checkers(current_service().conn())]}


@bp.get("/enrol/<token>")
def enrol_page(token: str):
    """The QR code of one checker, once, from the link ``atesaki checker add`` printed."""
    opened = core.open_enrol_link(current_service().conn(), token, now())
    if opened is None:
        return _page(404, GONE_TITLE, GONE_BODY)
    checker, uri = opened
    secret = pyotp.parse_uri(uri).secret
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    qr = segno.make(uri, error="m").svg_inline(scale=6, dark="#000", light="#fff")
    body = ENROL_BODY.format(name=html.escape(checker.name), qr=qr, secret=html.escape(grouped),
                             minutes=int(core.ENROL_TTL.total_seconds()) // 60)
    return _page(200, ENROL_TITLE, body)


def _page(status: int, title: str, body: str) -> Response:
    page = PAGE.format(lang=language(), title=html.escape(title), body=body)
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
