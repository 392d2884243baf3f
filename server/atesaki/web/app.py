"""The application factory: settings and defaults, the service, then each part registers itself."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask, g, request

from atesaki import logs
from atesaki.core import clock
from atesaki.settings import DEFAULT_PORT, resolve_data_dir
from atesaki.sync import scheduler
from atesaki.ui import views as review_pages
from atesaki.web import api, approvals, errors, guard, incidents, resolve, validation
from atesaki.web.jsonout import JSONProvider
from atesaki.web.openapi import spec
from atesaki.web.service import Service


def create_app(config: dict[str, Any] | None = None,
               parts: Iterable[Callable[[Flask], None]] = ()) -> Flask:
    """Build the Flask app. ``config`` overrides the defaults below (tests pass DATA_DIR, PORT).

    ``parts`` add routes from layers above this one (the central link's endpoints); they
    are registered before the request validation, so their routes are validated too.
    """
    app = Flask("atesaki", static_folder=None)
    app.config.from_mapping(
        # Where everything lives: --data-dir, else $ATESAKI_DATA_DIR, else the platform folder.
        DATA_DIR=None,
        # The port we serve on; the Host allow-list is built from it.
        PORT=DEFAULT_PORT,
        # Extra Host names to answer to (only with --allow-remote).
        EXTRA_HOSTS=(),
        # 1 MiB: a check never needs more; bigger bodies get 413 before they are read.
        MAX_CONTENT_LENGTH=1024 * 1024,
        # A callable returning the current UTC datetime (tests inject a clock).
        CLOCK=None,
        # Start configured background syncs (off in tests).
        RUN_SCHEDULER=False,
    )
    if config:
        app.config.update(config)
    app.json = JSONProvider(app)  # UTF-8 kept, keys in order, written by orjson
    data_dir = Path(app.config["DATA_DIR"] or resolve_data_dir())
    app.config["DATA_DIR"] = str(data_dir)
    app.extensions["atesaki"] = Service(
        data_dir, int(app.config["PORT"]), tuple(app.config["EXTRA_HOSTS"])
    )
    # In order: the errors' shape and the guard first, so the guard runs before
    # anything another part registers.
    errors.init_app(app)
    guard.init_app(app)
    _use_app_clock(app)
    _log_requests(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(approvals.bp)
    app.register_blueprint(incidents.bp)
    app.register_blueprint(resolve.bp)
    review_pages.init_app(app)
    scheduler.init_app(app)
    for part in parts:
        part(app)
    # Last: it pairs every route registered above with its operation in the OpenAPI
    # document and compiles the validators once; its check runs after the guard's.
    validation.init_app(app)
    app.add_url_rule("/openapi.json", "openapi", lambda: spec())
    return app


def _use_app_clock(app: Flask) -> None:
    """Let ``app.config["CLOCK"]`` (a test's clock) be the one clock for each request."""

    @app.before_request
    def _set_clock():
        source = app.config["CLOCK"]
        if source is not None:
            g.atesaki_clock = clock.set_clock(source)

    @app.teardown_request
    def _reset_clock(_exc):
        token = g.pop("atesaki_clock", None)
        if token is not None:
            clock.reset_clock(token)


def _log_requests(app: Flask) -> None:
    """Log one line per request: method, route pattern, status, milliseconds."""
    @app.before_request
    def _start_clock():
        g.atesaki_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("atesaki_started")
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        logs.log.info("%s %s %s %.1f ms", request.method, rule, response.status_code, elapsed)
        return response
