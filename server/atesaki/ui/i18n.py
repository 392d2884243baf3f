"""The review pages' language: ``?lang=`` wins, else the browser's Accept-Language."""

from __future__ import annotations

from flask import request

from atesaki.core.i18n import LANGUAGES
from atesaki.web.http import language


def page_language() -> str:
    """"ja" or "en" for this request."""
    chosen = request.args.get("lang", "")
    if chosen in LANGUAGES:
        return chosen
    return language()
