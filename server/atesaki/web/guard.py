"""The request guard: Host and Origin allow-lists, the pairing token, JSON only, size limits.

Runs before anything else on every request, so no view ever sees a request from
a rebinding host name, a web page or a caller without the token.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_cors import cross_origin

from atesaki.core.i18n import Text
from atesaki.settings import TOKEN_HEADER
from atesaki.web.errors import APIError

API_PREFIX = "/v1/"
OPEN_PATHS = frozenset({"/v1/health"})

BAD_HOST = Text("このホスト名では接続できません。", "This host name is not allowed.")
BAD_ORIGIN = Text("このオリジンからの要求は受け付けません。", "Requests from this origin are not allowed.")
BAD_TOKEN = Text(
    "ペアリングトークンがないか、正しくありません。拡張機能の設定を確認してください。",
    "The pairing token is missing or wrong. Check the extension's settings.",
)
NOT_JSON = Text("本文は JSON（Content-Type: application/json）で送ってください。",
                "Send the body as JSON (Content-Type: application/json).")
TOO_LARGE = Text("リクエストが大きすぎます（上限 1 MiB）。", "The request is too large (limit 1 MiB).")


def allowed_hosts(port: int, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The Host header values we answer to: loopback names with our port."""
    names = ("127.0.0.1", "localhost", "[::1]", *extra)
    return frozenset(f"{name}:{port}".lower() for name in names)


def own_origins(port: int) -> frozenset[str]:
    """The service's own origins (its pages may post forms to it)."""
    return frozenset(f"http://{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]"))


def cors_headers_for(origins: tuple[str, ...]):
    """A function that adds flask-cors's headers for ``origins`` to a finished response.

    flask-cors's public ``cross_origin`` decorator, applied to a view that returns the
    response Flask already made. Its options are fixed when it is made, and ours change
    at run time (pairing adds an origin without a restart), so one is made per tuple of
    paired origins. The origins are literal (settings allow nothing else), no origin is
    told to a caller that did not send an allowed one, and no credentials are allowed.
    """
    return cross_origin(
        origins=list(origins),
        methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", TOKEN_HEADER, "Accept-Language"],
        always_send=False,
        send_wildcard=False,
        supports_credentials=False,
        vary_header=True,
        automatic_options=False,  # Flask's own OPTIONS answer stays; the view is ours
    )(_finished_response)


def _finished_response(response):
    return response


def init_app(app: Flask) -> None:
    """Install the guard as the first before_request hook and the response headers after."""
    # One slot: the paired origins change rarely, and a new tuple replaces the old answer.
    cors_for: list[tuple[tuple[str, ...], Callable]] = [((), _finished_response)]

    @app.before_request
    def guard():
        service = current_app.extensions["atesaki"]
        host = (request.headers.get("Host") or "").lower()
        if host not in service.allowed_hosts:
            raise APIError(403, "bad_host", BAD_HOST)
        is_api = request.path.startswith(API_PREFIX)
        origin = request.headers.get("Origin")
        settings = service.settings()
        if origin is not None:
            allowed = set(settings.extension_origins)
            if not is_api:
                allowed |= service.own_origins
            if origin not in allowed:
                raise APIError(403, "bad_origin", BAD_ORIGIN)
        if request.method == "OPTIONS":
            return None  # a preflight carries no token; Flask answers it, CORS headers follow
        if is_api and request.path not in OPEN_PATHS:
            given = request.headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(given.encode("utf-8"), service.token.encode("utf-8")):
                raise APIError(401, "bad_token", BAD_TOKEN)
        if request.content_length is not None and request.content_length > (
            current_app.config["MAX_CONTENT_LENGTH"] or 0
        ):
            raise APIError(413, "too_large", TOO_LARGE)
        if request.routing_exception is not None:
            return None  # let Flask answer 404 or 405 in the one error shape
        if request.method in ("POST", "PUT", "PATCH") and is_api and not request.is_json:
            raise APIError(415, "not_json", NOT_JSON)
        return None

    @app.after_request
    def headers(response):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if request.path.startswith(API_PREFIX):
            response.headers.pop("Set-Cookie", None)
            service = current_app.extensions["atesaki"]
            origins = tuple(service.settings().extension_origins)
            if request.headers.get("Origin") not in origins:
                return response  # flask-cors matches case-insensitively; we match exactly
            known, add_cors = cors_for[0]
            if known != origins:
                add_cors = cors_headers_for(origins)
                cors_for[0] = (origins, add_cors)
            return add_cors(response)
        return response
