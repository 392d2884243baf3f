"""Atesaki (宛先): a local service that checks e-mail recipients before they are sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__version__ = "0.1.0"

# Modules with an ``init_app(app)`` hook, in order: the guard first, so it runs
# before anything another module registers.
APP_MODULES = (
    "atesaki.errors",
    "atesaki.guard",
    "atesaki.logs",
    "atesaki.approvals",
    "atesaki.audit",
    "atesaki.ui",
    "atesaki.resolve",
    "atesaki.sync.scheduler",
)


def create_app(config: dict[str, Any] | None = None):
    """Build the Flask app. ``config`` overrides the defaults below (tests pass DATA_DIR, PORT)."""
    from flask import Flask

    from atesaki.settings import DEFAULT_PORT, resolve_data_dir

    app = Flask(__name__, static_folder=None)
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
    from atesaki.jsonout import JSONProvider

    app.json = JSONProvider(app)  # UTF-8 kept, keys in order, written by orjson
    data_dir = Path(app.config["DATA_DIR"] or resolve_data_dir())
    app.config["DATA_DIR"] = str(data_dir)

    from atesaki.plugins import optional_module
    from atesaki.service import Service

    app.extensions["atesaki"] = Service(
        data_dir, int(app.config["PORT"]), tuple(app.config["EXTRA_HOSTS"])
    )
    for name in APP_MODULES:
        module = optional_module(name)
        if module is not None and hasattr(module, "init_app"):
            module.init_app(app)

    from atesaki import api
    from atesaki.openapi import spec

    app.register_blueprint(api.bp)
    app.add_url_rule("/openapi.json", "openapi", lambda: spec())
    return app
