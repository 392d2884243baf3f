"""The central service's HTTP API (Flask): PCs join, authenticate and forward their audit.

Every route under ``/central/v1/`` but ``health`` and ``join`` needs the PC's
``Authorization: Bearer ID.SECRET``. The app keeps nothing in memory that another
instance on the same database would need: any instance can answer any request.
"""

from __future__ import annotations

from typing import Any

import psycopg
from flask import Blueprint, Flask, current_app, g, request
from psycopg_pool import ConnectionPool, PoolTimeout

from atesaki import __version__, errors
from atesaki.central import service
from atesaki.errors import APIError
from atesaki.i18n import Text

NOT_JSON = Text("JSON の本文が必要です。", "A JSON body is required.")
DB_DOWN = Text("中央サービスのデータベースに接続できません。しばらくしてから再試行してください。",
               "The central service cannot reach its database. Try again shortly.")

bp = Blueprint("central", __name__, url_prefix="/central/v1")


def pool() -> ConnectionPool:
    """The app's database pool."""
    return current_app.extensions["atesaki_central"]


def body() -> Any:
    """The request's JSON body, or 415/400 in the one error shape."""
    if not request.is_json:
        raise APIError(415, "not_json", NOT_JSON)
    data = request.get_json(silent=True)
    if data is None:
        raise APIError(400, "bad_json", NOT_JSON)
    return data


def current_pc() -> service.PC:
    """The PC making this request (401 when its credential is missing, wrong or revoked)."""
    if "pc" not in g:
        g.pc = service.authenticate(pool(), request.headers.get("Authorization"))
    return g.pc


@bp.get("/health")
def health():
    """Alive, and the database answers."""
    with pool().connection() as conn:
        conn.execute("SELECT 1")
    return {"ok": True, "service": "atesaki-central", "version": __version__}


@bp.post("/join")
def join():
    """Spend a one-time enrolment code: ``{"code"}`` -> ``{"pc_id", "secret", "name"}``."""
    data = body()
    code = data.get("code") if isinstance(data, dict) else None
    if not isinstance(code, str):
        raise APIError(400, "bad_code", service.UNKNOWN_CODE)
    credential = service.join(pool(), code)
    return {"ok": True, "pc_id": credential.pc_id, "secret": credential.secret,
            "name": credential.name}, 201


@bp.get("/me")
def me():
    """The calling PC as the central service knows it (a cheap credential check)."""
    return {"ok": True, "pc": current_pc().public()}


@bp.post("/audit/batches")
def audit_batch():
    """Add a batch of the PC's audit entries to its chain (see ``service.ingest``)."""
    pc = current_pc()
    return service.ingest(pool(), pc, body())


@bp.get("/audit/head")
def audit_head():
    """The PC's last entry held here: where forwarding resumes."""
    return {"ok": True, "head": service.audit_head(pool(), current_pc())}


def create_central_app(database_url: str, *, pool_obj: ConnectionPool | None = None,
                       config: dict[str, Any] | None = None) -> Flask:
    """The central Flask app on ``database_url`` (migrated on start)."""
    app = Flask("atesaki.central")
    app.config.from_mapping(
        DATABASE_URL=database_url,
        # Batches of 1,000 entries are well under this.
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.config.update(config or {})
    app.extensions["atesaki_central"] = pool_obj or service_pool(database_url)
    errors.init_app(app)

    @app.errorhandler(psycopg.OperationalError)
    @app.errorhandler(PoolTimeout)
    def _database_down(exc: Exception):
        # The PC keeps its outbox and retries: say "later", not "broken".
        app.logger.warning("database unavailable: %s", exc)
        response = errors.error_response(APIError(503, "database_unavailable", DB_DOWN))
        response.headers["Retry-After"] = "5"
        return response

    app.register_blueprint(bp)
    return app


def service_pool(database_url: str) -> ConnectionPool:
    """The pool a serving instance uses (opened and migrated)."""
    from atesaki.central.db import open_pool

    return open_pool(database_url)
