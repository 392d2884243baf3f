"""Sign-in for the review pages: one-time links, hashed sessions, and the CSRF check.

``atesaki ui`` stores the hash of a random link token (5 minutes, single use); the
running service exchanges it for a session cookie whose hash it keeps. Pages use
``login_required``, which also refuses any state-changing request that does not
come from the service's own origin with the session's CSRF token.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, g, make_response, render_template, request

from atesaki import store
from atesaki.core import clock
from atesaki.core.i18n import Text

LOGIN_TTL = timedelta(minutes=5)
SESSION_TTL = timedelta(hours=8)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SIGN_IN_NEEDED = Text(
    "サインインが必要です。端末で `atesaki ui` を実行し、表示されたリンクを開いてください。",
    "Please sign in: run `atesaki ui` in a terminal and open the link it prints.",
)
LINK_SPENT = Text(
    "このサインインリンクは使用済みか、期限（5 分）が切れています。`atesaki ui` をもう一度実行してください。",
    "This sign-in link was already used or has expired (5 minutes). Run `atesaki ui` again.",
)
CROSS_SITE = Text(
    "他のサイトからのサインインや操作は受け付けません。",
    "Sign-in and changes from another site are not accepted.",
)
BAD_CSRF = Text(
    "このフォームは古いか、他のページから送られました。ページを開き直してください。",
    "This form is out of date or came from another page. Reload the page and try again.",
)


def utcnow() -> datetime:
    """The real current time: sign-in lifetimes never follow a test clock by accident."""
    return clock.real_now()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def cookie_name(port: int) -> str:
    """The session cookie's name: cookies ignore ports, so each service's name carries its own."""
    return f"atesaki_session_{port}"


def create_login_token(conn: sqlite3.Connection, now: datetime | None = None) -> str:
    """A new single-use sign-in token (only its hash is stored; it lives 5 minutes)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with store.transaction(conn):
        conn.execute("DELETE FROM ui_login WHERE expires < ?", (_iso(now - SESSION_TTL),))
        conn.execute(
            "INSERT INTO ui_login (token_hash, created, expires) VALUES (?, ?, ?)",
            (_hash(token), _iso(now), _iso(now + LOGIN_TTL)),
        )
    return token


def redeem_login_token(conn: sqlite3.Connection, token: str,
                       now: datetime | None = None) -> tuple[str, str] | None:
    """Spend a sign-in token: a new (session id, CSRF token), or None if unknown, used or expired."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    with store.transaction(conn):
        # One UPDATE both checks and spends the token, so two racing uses cannot both win.
        spent = conn.execute(
            "UPDATE ui_login SET used = ? WHERE token_hash = ? AND used IS NULL AND expires > ?",
            (_iso(now), _hash(token), _iso(now)),
        ).rowcount
        if not spent:
            return None
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        conn.execute("DELETE FROM ui_session WHERE expires < ?", (_iso(now),))
        conn.execute(
            "INSERT INTO ui_session (id_hash, created, expires, csrf) VALUES (?, ?, ?, ?)",
            (_hash(session_id), _iso(now), _iso(now + SESSION_TTL), csrf),
        )
    return session_id, csrf


def load_session(conn: sqlite3.Connection, session_id: str | None,
                 now: datetime | None = None) -> dict[str, Any] | None:
    """The live session for a cookie value, or None."""
    if not session_id or len(session_id) > 200:
        return None
    row = conn.execute(
        "SELECT id_hash, created, expires, csrf FROM ui_session WHERE id_hash = ? AND expires > ?",
        (_hash(session_id), _iso(now or utcnow())),
    ).fetchone()
    return dict(row) if row else None


def end_session(conn: sqlite3.Connection, session_id: str) -> None:
    """Sign out: the session's row goes, so the cookie is worthless even if kept."""
    with store.transaction(conn):
        conn.execute("DELETE FROM ui_session WHERE id_hash = ?", (_hash(session_id),))


def current_session() -> dict[str, Any] | None:
    """This request's session (from its cookie), or None."""
    service = current_app.extensions["atesaki"]
    return load_session(service.conn(), request.cookies.get(cookie_name(service.port)))


def same_origin_request() -> bool:
    """True when the browser says the request comes from one of the service's own pages."""
    service = current_app.extensions["atesaki"]
    origin = request.headers.get("Origin")
    if origin is None or origin not in service.own_origins:
        return False
    fetch_site = request.headers.get("Sec-Fetch-Site")
    return fetch_site is None or fetch_site == "same-origin"


def csrf_ok(session: dict[str, Any]) -> bool:
    """Own origin and the session's CSRF token (form field or header)."""
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return same_origin_request() and hmac.compare_digest(
        given.encode("utf-8"), session["csrf"].encode("utf-8"))


def page_error(status: int, message: Text, lang: str):
    """A small HTML page for a refused page request (the API keeps its JSON errors)."""
    response = make_response(
        render_template("ui_message.html", lang=lang, message=message.get(lang),
                        status=status), status)
    return response


def login_required(view: Callable) -> Callable:
    """Pages only for a signed-in reviewer; POST/PUT/PATCH/DELETE also need the CSRF check.

    The view finds the session in ``g.ui_session`` and its CSRF token in
    ``g.csrf_token`` (put it in forms as ``<input type=hidden name=csrf_token>``).
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        from atesaki.ui.i18n import page_language

        lang = page_language()
        session = current_session()
        if session is None:
            return page_error(401, SIGN_IN_NEEDED, lang)
        if request.method in UNSAFE_METHODS and not csrf_ok(session):
            return page_error(403, BAD_CSRF, lang)
        g.ui_session = session
        g.csrf_token = session["csrf"]
        return view(*args, **kwargs)

    return wrapped
