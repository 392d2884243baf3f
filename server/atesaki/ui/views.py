"""The review pages: sign-in by one-time link, the review page, CSV export, incident reports."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
)

from atesaki.core import clock
from atesaki.core.i18n import Text
from atesaki.store import audit
from atesaki.ui import report, review
from atesaki.ui.auth import (
    CROSS_SITE,
    LINK_SPENT,
    SESSION_TTL,
    cookie_name,
    end_session,
    login_required,
    page_error,
    redeem_login_token,
)
from atesaki.ui.i18n import page_language
from atesaki.ui.strings import KINDS, STRINGS, VERDICTS
from atesaki.web.errors import APIError
from atesaki.web.incidents import render_report

bp = Blueprint("ui", __name__, template_folder="templates", static_folder="static",
               static_url_path="/ui/static")

SIGNED_OUT = Text("サインアウトしました。", "You are signed out.")


def _service():
    return current_app.extensions["atesaki"]


def _now() -> datetime:
    return clock.now()


def _url(path: str, **params: object) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return path + ("?" + urlencode(kept) if kept else "")


@bp.get("/login")
def login():
    """Spend a one-time link from `atesaki ui` for a session cookie, then show the review page."""
    lang = page_language()
    # The link is opened from a terminal (no initiator) or typed; never from another site,
    # and cookies ignore ports, so another local port counts as another site here.
    if request.headers.get("Sec-Fetch-Site") not in (None, "none", "same-origin"):
        return page_error(403, CROSS_SITE, lang)
    service = _service()
    redeemed = redeem_login_token(service.conn(), request.args.get("t", ""))
    if redeemed is None:
        return page_error(403, LINK_SPENT, lang)
    session_id, _ = redeemed
    response = redirect(_url("/", lang=request.args.get("lang")), 303)
    response.set_cookie(cookie_name(service.port), session_id,
                        max_age=int(SESSION_TTL.total_seconds()), path="/",
                        httponly=True, samesite="Strict")
    return response


@bp.post("/logout")
@login_required
def logout():
    """End the session (CSRF-checked like every form)."""
    service = _service()
    end_session(service.conn(), request.cookies.get(cookie_name(service.port), ""))
    lang = page_language()
    response = make_response(render_template(
        "ui_message.html", lang=lang, message=SIGNED_OUT.get(lang), status=200))
    response.delete_cookie(cookie_name(service.port), path="/", httponly=True,
                           samesite="Strict")
    return response


@bp.get("/")
@login_required
def review_page():
    """Recent checks, sends, approvals and incidents; the chain's state; the last 30 days."""
    lang = page_language()
    service = _service()
    conn = service.conn()
    filters = review.Filters.from_args(request.args)
    verification = audit.verify(conn, service.data_dir)
    return render_template(
        "ui_review.html",
        lang=lang,
        other_lang="en" if lang == "ja" else "ja",
        s={key: text.get(lang) for key, text in STRINGS.items()},
        verdicts={key: text.get(lang) for key, text in VERDICTS.items()},
        kinds={key: text.get(lang) for key, text in KINDS.items()},
        filters=filters,
        rows=review.activity(conn, service.is_internal, filters),
        incidents=review.incidents(conn),
        approvers=review.approver_names(conn),
        summary=review.summary(conn, _now()),
        verification=verification,
        problem=verification.summary(lang) if not verification.ok else "",
        code_label=review.code_label,
        what_label=report.what_label,
        local_time=review.local_time,
        csrf_token=g.csrf_token,
        lang_url=_url("/", **{**request.args.to_dict(), "lang": "en" if lang == "ja" else "ja"}),
    )


@bp.get("/export.csv")
@login_required
def export_csv():
    """The whole audit log as CSV (with a BOM so spreadsheet programs read Japanese right)."""
    conn = _service().conn()
    text = "\ufeff" + audit.export_text(conn, "csv")
    response = make_response(text)
    response.mimetype = "text/csv"
    response.charset = "utf-8"
    stamp = _now().strftime("%Y%m%d")
    response.headers["Content-Disposition"] = f'attachment; filename="atesaki-audit-{stamp}.csv"'
    return response


@bp.get("/incidents/<incident_id>/report")
@login_required
def incident_report(incident_id: str):
    """An incident's report from the review page (same as the API's, by session)."""
    service = _service()
    ctx = report.report_context(service.conn(), incident_id, service.is_internal)
    if ctx is None:
        raise APIError(404, "unknown_incident", Text("この報告は見つかりません。",
                                                     "This incident is unknown."))
    fmt = request.args.get("format", "html")
    lang = request.args.get("lang", "")
    langs = (lang,) if lang in ("ja", "en") else ("ja", "en")
    return render_report(ctx, fmt if fmt in ("md", "html") else "html", langs)


# No scripts at all, styles only from our own file, nothing may frame us, forms post home.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def init_app(app: Flask) -> None:
    """Register the pages and the pages' security headers."""
    app.register_blueprint(bp)

    @app.after_request
    def page_headers(response):
        if not request.path.startswith("/v1/"):
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
            response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
