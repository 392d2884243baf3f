"""One error shape for every failure: ``{"ok": false, "error", "message", "status"}``.

The error itself (``APIError``) is the core's; this module makes every failure,
Flask's own included, into a response of that shape.
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from atesaki.core.errors import APIError
from atesaki.core.i18n import Text
from atesaki.web.http import language

__all__ = ["APIError", "error_response", "init_app"]


_HTTP_MESSAGES = {
    404: ("not_found", Text("そのようなものはありません。", "Not found.")),
    405: ("method_not_allowed", Text("このメソッドは使えません。", "Method not allowed.")),
    413: ("too_large", Text("リクエストが大きすぎます（上限 1 MiB）。",
                            "The request is too large (limit 1 MiB).")),
    400: ("bad_request", Text("リクエストが正しくありません。", "Bad request.")),
}


def error_response(exc: APIError):
    """A Flask response for an APIError."""
    response = jsonify(exc.to_dict(language() if request else None))
    response.status_code = exc.status
    return response


def init_app(app: Flask) -> None:
    """Route every error, including Flask's own, through the one shape."""

    @app.errorhandler(APIError)
    def _api_error(exc: APIError):
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code, text = _HTTP_MESSAGES.get(
            exc.code or 500, ("http_error", Text(exc.name or "エラー", exc.name or "Error"))
        )
        response = error_response(APIError(exc.code or 500, code, text))
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # never a stack trace or a secret in a response
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(
            APIError(500, "internal", Text("内部エラーが発生しました。", "Internal error."))
        )
