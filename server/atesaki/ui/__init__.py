"""The review pages at ``/``: sign-in by one-time link, recent activity, the audit chain's state.

Other modules protect their own pages with ``login_required`` (it also checks
CSRF on state-changing requests).
"""

from __future__ import annotations

from flask import Flask, request

from atesaki.ui.auth import login_required
from atesaki.ui.commands import ui_command
from atesaki.ui.incidents import OPENAPI_PATHS, OPENAPI_SCHEMAS

__all__ = ["OPENAPI_PATHS", "OPENAPI_SCHEMAS", "init_app", "login_required", "ui_command"]

# No scripts at all, styles only from our own file, nothing may frame us, forms post home.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def init_app(app: Flask) -> None:
    """Register the pages, the incident endpoints and the pages' security headers."""
    from atesaki.ui import incidents, views

    app.register_blueprint(views.bp)
    app.register_blueprint(incidents.bp)

    @app.after_request
    def page_headers(response):
        if not request.path.startswith("/v1/"):
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
            response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
