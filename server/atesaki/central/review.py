"""The office-wide review page: every PC's checks, sends, approvals and incidents, with filters.

A supervisor signs in with a one-time link from ``atesaki central review-link`` (15
minutes, once); the session lives in the database, so any instance serves the page.
Filters: person (PC name or sender address), section, event, finding code, verdict, time.
An entry's section is the department the directory gives its sender (or, for entries
with no sender, the PC's user), or the section the PC was enrolled in.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, make_response, redirect, render_template_string, request
from psycopg import sql
from psycopg_pool import ConnectionPool

from atesaki.central.db import transaction
from atesaki.central.service import log_event
from atesaki.core.i18n import Text
from atesaki.web.errors import APIError
from atesaki.web.http import language

LINK_TTL = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)
COOKIE = "atesaki_review"
LIMIT = 500

SIGN_IN = Text("確認画面に入るには、atesaki central review-link で新しいリンクを作ってください。",
               "To open the review page, make a new link with atesaki central review-link.")
LINK_USED = Text("このリンクは使用済みか期限切れです。", "This link was used already or has expired.")

bp = Blueprint("central_review", __name__, url_prefix="/central/review")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_link(pool: ConnectionPool, ttl: timedelta = LINK_TTL) -> str:
    """A one-time sign-in token for the review page."""
    token = secrets.token_urlsafe(24)
    with transaction(pool) as conn:
        conn.execute("INSERT INTO review_logins (token_hash, expires_at) VALUES (%s, %s)",
                     (_hash(token), datetime.now(UTC) + ttl))
        log_event(conn, "review_link_issued", {"expires_in_minutes": int(ttl.total_seconds() // 60)})
    return token


def _open_link(pool: ConnectionPool, token: str) -> str | None:
    session = secrets.token_urlsafe(32)
    with transaction(pool) as conn:
        used = conn.execute(
            "UPDATE review_logins SET used_at = now() WHERE token_hash = %s AND used_at IS NULL "
            "AND expires_at > now() RETURNING token_hash", (_hash(token),)).fetchone()
        if used is None:
            return None
        conn.execute("INSERT INTO review_sessions (id_hash, expires_at) VALUES (%s, %s)",
                     (_hash(session), datetime.now(UTC) + SESSION_TTL))
        log_event(conn, "review_signed_in", {})
    return session


def _signed_in(pool: ConnectionPool) -> bool:
    session = request.cookies.get(COOKIE)
    if not session:
        return False
    with pool.connection() as conn:
        return conn.execute("SELECT 1 FROM review_sessions WHERE id_hash = %s AND expires_at > now()",
                            (_hash(session),)).fetchone() is not None


FILTERS = ("person", "section", "event", "code", "verdict", "since", "until")
# One condition per filter (besides person and section); the value is its only parameter.
CLAUSES = {
    "event": "e.event = %s",
    "code": "(e.data::jsonb -> 'codes') ? %s",
    "verdict": "(e.data::jsonb ->> 'verdict') = %s",
    "since": "e.ts >= %s",
    "until": "e.ts < %s",
}
# Whose entry it is: the sender the check names, else the PC's user.
WHO = "lower(coalesce(nullif(e.data::jsonb ->> 'sender', ''), p.email))"


def _departments(conn, *, addresses: list[str] | None = None, section: str = ""
                 ) -> dict[str, str]:
    """{address: department} from the directory, for ``addresses`` or everyone in ``section``."""
    rows = conn.execute(
        "SELECT lower(m) AS address, d.record ->> 'department' AS department "
        "FROM directory_people d, jsonb_array_elements_text(d.record -> 'emails') m "
        "WHERE NOT d.deleted AND coalesce(d.record ->> 'department', '') <> '' "
        "AND (lower(m) = ANY(%s) OR lower(trim(d.record ->> 'department')) = lower(%s))",
        (addresses or [], section.strip()))
    return {row["address"]: row["department"] for row in rows}


def sections(pool: ConnectionPool) -> list[str]:
    """Every section the filter can name: the directory's departments and the PCs' sections."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT DISTINCT trim(record ->> 'department') AS name FROM directory_people "
            "WHERE NOT deleted UNION SELECT section FROM pcs").fetchall()
    return sorted(row["name"] for row in rows if row["name"])


def search(pool: ConnectionPool, filters: dict[str, str], limit: int = LIMIT) -> list[dict]:
    """The newest entries of every PC that match ``filters`` (each optional), with their section."""
    with pool.connection() as conn:
        where, args = [], []
        if filters.get("person"):
            where.append("(p.name ILIKE %s OR (e.data::jsonb ->> 'sender') ILIKE %s)")
            args += [f"%{filters['person']}%"] * 2
        if filters.get("section"):
            members = sorted(_departments(conn, section=filters["section"]))
            where.append(f"({WHO} = ANY(%s) OR lower(p.section) = lower(%s))")
            args += [members, filters["section"].strip()]
        for name, clause in CLAUSES.items():
            if filters.get(name):
                where.append(clause)
                args.append(filters[name])
        # Only the fixed clauses above are composed; every value goes in as a parameter.
        condition = (sql.SQL("WHERE ") + sql.SQL(" AND ").join(sql.SQL(w) for w in where)
                     if where else sql.SQL(""))
        query = sql.SQL(
            "SELECT e.pc_id, p.name, p.section AS pc_section, {} AS who, e.seq, e.ts, "
            "e.event, e.data FROM audit_entries e JOIN pcs p ON p.id = e.pc_id {} "
            "ORDER BY e.ts DESC, e.pc_id, e.seq DESC LIMIT %s"
        ).format(sql.SQL(WHO), condition)
        rows = conn.execute(query, [*args, limit]).fetchall()
        departments = _departments(conn, addresses=sorted({r["who"] for r in rows if r["who"]}))
    for row in rows:
        row["section"] = departments.get(row["who"]) or row["pc_section"]
        try:
            row["data"] = json.loads(row["data"])
        except ValueError:
            row["data"] = {}
    return rows


LABELS = {
    "title": Text("事務所全体の確認", "Office review"),
    "person": Text("人（パソコン名・差出人）", "Person (PC or sender)"),
    "section": Text("部署", "Section"),
    "event": Text("種類", "Event"), "code": Text("指摘", "Finding"),
    "verdict": Text("判定", "Verdict"), "since": Text("から", "From"),
    "until": Text("まで", "Until"), "filter": Text("絞り込む", "Filter"),
    "time": Text("時刻", "Time"), "pc": Text("パソコン", "PC"), "what": Text("内容", "What"),
    "none": Text("該当する記録はありません。", "No entries match."),
    "shown": Text("新しい順に最大 {limit} 件", "Newest first, at most {limit}"),
}
PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ t.title }}</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
tr.incident{background:#fee}form label{margin-right:1em}</style></head>
<body><h1>{{ t.title }}</h1>
<form method="get" data-atesaki="review-filters">
{% for name in filters %}<label>{{ t[name] }} <input name="{{ name }}" value="{{ values[name] }}"
{%- if name == "section" %} list="sections"{% endif %}></label>
{% endfor %}<button>{{ t.filter }}</button>
<datalist id="sections">{% for s in sections %}<option value="{{ s }}">{% endfor %}</datalist></form>
<p>{{ t.shown }}</p>
{% if rows %}<table><tr><th>{{ t.time }}</th><th>{{ t.pc }}</th><th>{{ t.section }}</th><th>{{ t.event }}</th>
<th>{{ t.verdict }}</th><th>{{ t.code }}</th><th>{{ t.what }}</th></tr>
{% for r in rows %}<tr class="{{ r.event }}" data-atesaki="review-row" data-event="{{ r.event }}">
<td>{{ r.ts }}</td><td>{{ r.name }}</td><td data-atesaki="review-section">{{ r.section }}</td><td>{{ r.event }}</td><td>{{ r.data.verdict or "" }}</td>
<td>{{ (r.data.codes or []) | join(", ") }}</td>
<td>{{ r.data.sender or "" }} {{ (r.data.recipients or []) | join(", ") }}
{{ r.data.address or "" }} {{ r.data.note or "" }}</td></tr>
{% endfor %}</table>{% else %}<p>{{ t.none }}</p>{% endif %}
</body></html>"""


def _pool() -> ConnectionPool:
    return current_app.extensions["atesaki_central"]


@bp.get("/login/<token>")
def login(token: str):
    """Spend a one-time link: a session cookie, then the page."""
    session = _open_link(_pool(), token)
    if session is None:
        raise APIError(403, "link_used", LINK_USED)
    response = redirect("/central/review", code=303)
    response.set_cookie(COOKIE, session, max_age=int(SESSION_TTL.total_seconds()), secure=True,
                        httponly=True, samesite="Strict", path="/central/review")
    return response


@bp.get("")
def page():
    """The review page with the filters in the query string."""
    if not _signed_in(_pool()):
        raise APIError(401, "sign_in", SIGN_IN)
    lang = language()
    values = {name: request.args.get(name, "").strip()[:200] for name in FILTERS}
    rows = search(_pool(), values)
    texts: dict[str, Any] = {k: v.get(lang) for k, v in LABELS.items()}
    texts["shown"] = LABELS["shown"].format(limit=LIMIT).get(lang)
    html = render_template_string(PAGE, lang=lang, t=texts, filters=FILTERS, values=values,
                                  rows=rows, sections=sections(_pool()))
    response = make_response(html)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "no-store"
    return response
