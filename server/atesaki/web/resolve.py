"""POST /v1/resolve: the address of a name-only recipient chip, from an exact, unique match in the staff directory.

Outlook on the web shows colleagues as chips with only their display name. The
extension asks here before it gives up on such a chip. The answer is an address
only when exactly one person in the staff directory has exactly that name (width,
case and spacing aside); anything else is ``null``. Nothing here lists the
directory: a caller learns an address only for a name it already knows in full.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from atesaki.core.text import spaceless_key
from atesaki.web.http import current_service, json_body

bp = Blueprint("resolve", __name__)

DIRECTORY_INDEX = "resolve.directory"  # in the Knowledge's caches: {name key: [addresses]}


name_key = spaceless_key  # a display name as compared: NFKC, case-folded, without any spaces


def _directory_index(kb) -> dict[str, list[str]]:
    def build() -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for person in kb.all_people():
            key = name_key(person.name or "")
            if person.source == "directory" and person.addresses and key:
                index.setdefault(key, []).append(person.addresses[0])
        return index

    # Built whole before it is published; the directory only changes with a new Knowledge.
    return kb.caches.part(DIRECTORY_INDEX, build)


def resolve_names(kb, names: list[str]) -> list[dict[str, Any]]:
    """``[{"name", "address"}]``: the one directory address for each name, else None."""
    index = _directory_index(kb)
    answers = []
    for name in names:
        found = set(index.get(name_key(name), ()))  # an empty key is in no index entry
        answers.append({"name": name, "address": found.pop() if len(found) == 1 else None})
    return answers


@bp.post("/v1/resolve")
def resolve():
    """Resolve display names against the staff directory (exact, unique matches only)."""
    kb = current_service().knowledge()
    return {"resolved": resolve_names(kb, json_body()["names"])}
