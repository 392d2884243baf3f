"""The request guard: Host and Origin allow-lists, the pairing token, JSON only, size limits.

Runs before anything else on every request, so no view ever sees a request from
a rebinding host name, a web page or a caller without the token.
"""

from __future__ import annotations

import hmac

from flask import Flask, current_app, request
from flask_cors.core import DEFAULT_OPTIONS, serialize_options, set_cors_headers

from atesaki.core.i18n import Text
from atesaki.web.errors import APIError

API_PREFIX = "/v1/"
OPEN_PATHS = frozenset({"/v1/health"})
TOKEN_HEADER = "X-Atesaki-Token"

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


def _cors_options(origins: tuple[str, ...]) -> dict:
    # flask-cors's own header logic with literal origins only, and no origin
    # advertised to callers that did not send an allowed one (always_send=False).
    options = dict(DEFAULT_OPTIONS)
    options.update(
        origins=[o for o in origins],
        methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", TOKEN_HEADER, "Accept-Language"],
        always_send=False,
        send_wildcard=False,
        supports_credentials=False,
        vary_header=True,
    )
    options = serialize_options(options)
    # serialize_options treats strings with regex characters as patterns; ours never are.
    options["origins"] = list(origins)
    return options


def init_app(app: Flask) -> None:
    """Install the guard as the first before_request hook and the response headers after."""
    cors_cache: dict[tuple[str, ...], dict] = {}

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
            options = cors_cache.get(origins)
            if options is None:
                options = cors_cache[origins] = _cors_options(origins)
            set_cors_headers(response, options)
        return response
