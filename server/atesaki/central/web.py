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

from atesaki.central import approvals, directory, policy, review, service
from atesaki.central.incidents import Mailer
from atesaki.central.notify import Hub, Listener
from atesaki.core.i18n import Text
from atesaki.core.version import __version__
from atesaki.web import errors
from atesaki.web.errors import APIError

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
    # The busiest route: the credential is checked in the same statement as the chain.
    return service.ingest(pool(), request.headers.get("Authorization"), body())


@bp.get("/audit/head")
def audit_head():
    """The PC's last entry held here: where forwarding resumes."""
    return {"ok": True, "head": service.audit_head(pool(), current_pc())}


def hub() -> Hub:
    """This instance's wake-up hub (fed by LISTEN/NOTIFY)."""
    return current_app.extensions["atesaki_central_hub"]


def _wait_arg() -> float:
    try:
        return float(request.args.get("wait", "0"))
    except ValueError:
        return 0.0


@bp.get("/checkers")
def checkers():
    """Who this PC's user can ask to approve: ``{"checkers": [{"id", "name"}]}``."""
    return {"ok": True, "checkers": approvals.checkers(pool(), current_pc())}


@bp.post("/approvals")
def request_approval():
    """Ask a named checker to approve one check (never the body)."""
    return approvals.request(pool(), current_pc(), body()), 201


@bp.get("/approvals/inbox")
def approval_inbox():
    """The requests waiting for this PC's user; ``?after=CURSOR&wait=SECONDS`` long-polls."""
    try:
        after = int(request.args.get("after", "0"))
    except ValueError:
        after = 0
    return approvals.inbox(pool(), hub(), current_pc(), after, _wait_arg())


@bp.get("/approvals/<request_id>")
def approval_status(request_id: str):
    """One request as its sender or checker sees it; ``?wait=SECONDS`` while it waits."""
    return approvals.status(pool(), hub(), current_pc(), request_id, _wait_arg())


@bp.post("/approvals/<request_id>/decision")
def approval_decision(request_id: str):
    """The checker's ``{"decision": "approve"|"refuse", "note"}``."""
    return approvals.decide(pool(), current_pc(), request_id, body())


@bp.post("/approvals/<request_id>/release")
def approval_release(request_id: str):
    """The sender's PC spends the approval, once, for ``{"digest"}``."""
    return approvals.release(pool(), current_pc(), request_id, body())


@bp.get("/directory")
def directory_changes():
    """The staff directory: everyone (``?since=0``) or the changes after a version."""
    current_pc()
    try:
        since = int(request.args.get("since", "0"))
    except ValueError:
        since = 0
    return directory.changes(pool(), since)


@bp.get("/policy")
def policy_for_pc():
    """The settings this PC follows: the office's, its section's on top, and the version."""
    return policy.policy_for(pool(), current_pc())


def create_central_app(database_url: str, *, pool_obj: ConnectionPool | None = None,
                       config: dict[str, Any] | None = None) -> Flask:
    """The central Flask app on ``database_url`` (migrated on start)."""
    app = Flask("atesaki.central")
    app.config.from_mapping(
        DATABASE_URL=database_url,
        # An incidents.Relay: where "I sent to the wrong person" is e-mailed (None: not at all).
        INCIDENT_RELAY=None,
        # Batches of 1,000 entries are well under this.
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.config.update(config or {})
    app.extensions["atesaki_central"] = pool_obj or service_pool(database_url)
    app.extensions["atesaki_central_hub"] = hub_ = Hub()
    app.extensions["atesaki_central_listener"] = Listener(database_url, hub_).start()
    relay = app.config.get("INCIDENT_RELAY")
    if relay is not None:
        app.extensions["atesaki_central_mailer"] = Mailer(
            app.extensions["atesaki_central"], hub_, relay).start()
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
    app.register_blueprint(review.bp)
    return app


def service_pool(database_url: str) -> ConnectionPool:
    """The pool a serving instance uses (opened and migrated)."""
    from atesaki.central.db import open_pool

    return open_pool(database_url)
