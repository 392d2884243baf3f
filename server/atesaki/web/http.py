"""What every /v1 view shares: the request's JSON body and query, its language, and the clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, g, request

from atesaki.core import clock
from atesaki.core.errors import APIError, bad_request
from atesaki.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, Text

QUERY_ARGS = "atesaki_query"  # this request's validated query parameters, in flask.g

__all__ = [
    "QUERY_ARGS",
    "APIError",
    "bad_request",
    "current_service",
    "json_body",
    "language",
    "now",
    "query_args",
]


def current_service():
    """The running service (``atesaki.web.service.Service``) of the current app."""
    return current_app.extensions["atesaki"]


def now() -> datetime:
    """The current time (UTC) from the one clock; a test app's ``CLOCK`` is set per request."""
    return clock.now()


def language() -> str:
    """The caller's language by Accept-Language (q-values honoured), Japanese by default."""
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def json_body() -> Any:
    """The request's JSON, or a 400 when it does not parse.

    By the time a view runs, ``atesaki.web.validation`` has checked it against the
    route's request schema in the OpenAPI document.
    """
    data = request.get_json(silent=True)
    if data is None:
        raise APIError(400, "bad_json", Text("本文が JSON（UTF-8）として読めません。",
                                             "The body is not valid JSON (UTF-8)."))
    return data


def query_args() -> dict[str, Any]:
    """The route's declared query parameters, validated, numbers read and defaults filled in."""
    return g.get(QUERY_ARGS, {})
