"""What every /v1 view shares: the request's JSON body and fields, its language, and the clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, request

from atesaki.core import clock
from atesaki.core.errors import APIError, bad_request
from atesaki.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, Text

MAX_TEXT = 2000  # a name, subject or address longer than this is not a real one

__all__ = [
    "MAX_TEXT",
    "APIError",
    "bad_request",
    "current_service",
    "items",
    "json_body",
    "language",
    "now",
    "string",
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


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 naming what is wrong."""
    data = request.get_json(silent=True)
    if data is None:
        raise APIError(400, "bad_json", Text("本文が JSON（UTF-8）として読めません。",
                                             "The body is not valid JSON (UTF-8)."))
    if not isinstance(data, dict):
        raise bad_request("body", "JSON オブジェクトが必要です。", "must be a JSON object")
    return data


def string(data: dict, key: str, where: str, *, required=False, default="", limit=MAX_TEXT):
    """``data[key]`` as a string of at most ``limit`` characters (0: no limit), or a 400."""
    value = data.get(key, None)
    if value is None:
        if required:
            raise bad_request(where, "必須です。", "is required")
        return default
    if not isinstance(value, str):
        raise bad_request(where, "文字列が必要です。", "must be a string")
    if limit and len(value) > limit:
        raise bad_request(where, f"{limit} 文字以内にしてください。",
                          f"must be at most {limit} characters")
    return value


def items(data: dict, key: str, where: str, limit: int, *, required=False) -> list:
    """``data[key]`` as a list of at most ``limit`` items, or a 400 (413 for recipients)."""
    value = data.get(key, None)
    if value is None:
        if required:
            raise bad_request(where, "必須です。", "is required")
        return []
    if not isinstance(value, list):
        raise bad_request(where, "配列が必要です。", "must be an array")
    if len(value) > limit:
        raise APIError(
            413 if key == "recipients" else 400,
            "too_many_recipients" if key == "recipients" else "bad_request",
            Text(f"{where}: {limit} 件までです。", f"{where}: at most {limit} items."),
            field=where,
        )
    return value
