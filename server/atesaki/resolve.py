"""POST /v1/resolve: the address of a name-only recipient chip, from an exact, unique match in the staff directory.

Outlook on the web shows colleagues as chips with only their display name. The
extension asks here before it gives up on such a chip. The answer is an address
only when exactly one person in the staff directory has exactly that name (width,
case and spacing aside); anything else is ``null``. Nothing here lists the
directory: a caller learns an address only for a name it already knows in full.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from weakref import WeakKeyDictionary

from flask import Blueprint, Flask, current_app

from atesaki.errors import APIError
from atesaki.i18n import Text
from atesaki.openapi import GUARDED, error, json_body, ok_json

bp = Blueprint("resolve", __name__)

MAX_NAMES = 50  # one compose window's worth of chips
MAX_NAME = 200
_indexes: WeakKeyDictionary = WeakKeyDictionary()  # Knowledge -> {name key: [addresses]}


def name_key(name: str) -> str:
    """A display name as compared: NFKC, case-folded, without any spaces."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def _directory_index(kb) -> dict[str, list[str]]:
    index = _indexes.get(kb)
    if index is None:
        index = {}
        for person in kb.all_people():
            if person.source == "directory" and person.addresses and person.name:
                index.setdefault(name_key(person.name), []).append(person.addresses[0])
        _indexes[kb] = index
    return index


def resolve_names(kb, names: list[str]) -> list[dict[str, Any]]:
    """``[{"name", "address"}]``: the one directory address for each name, else None."""
    index = _directory_index(kb)
    answers = []
    for name in names:
        found = set(index.get(name_key(name), ())) if name_key(name) else set()
        answers.append({"name": name, "address": found.pop() if len(found) == 1 else None})
    return answers


@bp.post("/v1/resolve")
def resolve():
    """Resolve display names against the staff directory (exact, unique matches only)."""
    from atesaki.api import json_body as read_json  # the one request reader

    data = read_json()
    names = data.get("names")
    if (not isinstance(names, list) or len(names) > MAX_NAMES
            or not all(isinstance(n, str) and len(n) <= MAX_NAME for n in names)):
        raise APIError(400, "bad_request", Text(
            f"names: {MAX_NAMES} 件までの名前（各 {MAX_NAME} 文字以内）の配列が必要です。",
            f"names: must be an array of at most {MAX_NAMES} names of at most {MAX_NAME} "
            "characters"), field="names")
    kb = current_app.extensions["atesaki"].knowledge()
    return {"resolved": resolve_names(kb, names)}


def init_app(app: Flask) -> None:
    """Register the endpoint."""
    app.register_blueprint(bp)


OPENAPI_SCHEMAS = {
    "ResolveRequest": {
        "type": "object",
        "required": ["names"],
        "properties": {
            "names": {"type": "array", "maxItems": MAX_NAMES,
                      "items": {"type": "string", "maxLength": MAX_NAME}},
        },
    },
    "ResolveResponse": {
        "type": "object",
        "required": ["resolved"],
        "properties": {
            "resolved": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "address"],
                    "properties": {"name": {"type": "string"},
                                   "address": {"type": ["string", "null"]}},
                },
            },
        },
    },
}

OPENAPI_PATHS = {
    "/v1/resolve": {
        "post": {
            "summary": "The address of a name-only recipient: an exact, unique staff-directory "
                       "match, else null. Never lists the directory.",
            "requestBody": json_body("ResolveRequest"),
            "responses": {
                "200": ok_json("One answer per name, in order.", "ResolveResponse"),
                **GUARDED,
                "400": error("`names` is missing or wrong."),
            },
        }
    },
}
