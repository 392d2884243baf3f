"""Scheduled syncs: the ``[[sync]]`` tables of config.toml, run by one daemon thread.

```toml
[[sync]]
kind = "carddav"                 # or "ldap"
url = "https://dav.example.jp/addressbooks/tanaka/contacts/"
user = "tanaka"
password_file = "/home/tanaka/.config/atesaki/dav-password"
into = "contacts"                # or "directory"
interval_minutes = 60

[[sync]]
kind = "ldap"
url = "ldaps://ldap.agency.go.jp"
base = "ou=people,dc=agency,dc=go,dc=jp"
bind_dn = "cn=atesaki,ou=apps,dc=agency,dc=go,dc=jp"   # optional
password_file = "/etc/atesaki/ldap-password"          # with bind_dn
interval_minutes = 240
```

Each run is recorded in the audit log (event ``sync``); a failed run keeps the
last good data and is retried at the next interval.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from atesaki import store

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_MINUTES = 60
TICK_SECONDS = 30
FIRST_RUN_DELAY_SECONDS = 10  # let the service answer its first checks before syncing


def job_key(job: dict[str, Any]) -> str:
    """What identifies a configured sync across config reloads."""
    return "|".join(str(job.get(k, "")) for k in ("kind", "url", "base", "into", "user"))


def run_job(data_dir: str | Path, job: dict[str, Any]) -> dict[str, Any]:
    """Run one configured sync now and record it in the audit log; returns what was recorded."""
    from atesaki.store import audit
    from atesaki.sync import SyncError, read_password_file, redact_url

    entry: dict[str, Any] = {"kind": job.get("kind"), "url": redact_url(str(job.get("url", ""))),
                             "into": job.get("into") or _default_into(job)}
    started = time.monotonic()
    conn = store.open_store(data_dir)
    try:
        try:
            password = read_password_file(job["password_file"]) if job.get("password_file") else None
            result = _sync(conn, job, password)
        except SyncError as exc:
            entry.update(ok=False, error=exc.reason.en)
        except (KeyError, TypeError, ValueError) as exc:
            entry.update(ok=False, error=f"bad [[sync]] table: {exc}")
        else:
            entry.update(ok=True, imported=result.imported, updated=result.updated,
                         deleted=result.deleted, skipped=result.skipped, full=result.full)
        entry["seconds"] = round(time.monotonic() - started, 3)
        audit.append(conn, "sync", entry)
    finally:
        conn.close()
    if not entry["ok"]:
        log.warning("sync of %s failed: %s", entry["url"], entry["error"])
    return entry


def _default_into(job: dict[str, Any]) -> str:
    return "directory" if job.get("kind") == "ldap" else "contacts"


def _sync(conn, job: dict[str, Any], password: str | None):
    into = job.get("into") or _default_into(job)
    if into not in ("directory", "contacts"):
        raise ValueError(f'into must be "directory" or "contacts", not {into!r}')
    if job["kind"] == "carddav":
        from atesaki.sync.carddav import sync_carddav

        return sync_carddav(conn, job["url"], job["user"], password or "", into)
    from atesaki.sync.ldap import DEFAULT_FILTER, sync_ldap

    return sync_ldap(conn, job["url"], job["base"], job.get("bind_dn"), password, into,
                     job.get("filter") or DEFAULT_FILTER)


class Scheduler:
    """Runs each configured sync when its interval has passed; ``tick`` is one look at the clock."""

    def __init__(self, data_dir: str | Path, jobs, clock=time.monotonic) -> None:
        self.data_dir = data_dir
        self._jobs = jobs  # a callable returning the current [[sync]] tables
        self._clock = clock
        self._last: dict[str, float] = {}
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    def tick(self) -> list[dict[str, Any]]:
        """Run every sync that is due; returns their audit entries."""
        ran = []
        now = self._clock()
        for job in self._jobs() or []:
            key = job_key(job)
            minutes = job.get("interval_minutes", DEFAULT_INTERVAL_MINUTES)
            interval = max(1.0, float(minutes)) * 60
            last = self._last.get(key)
            if last is not None and now - last < interval:
                continue
            self._last[key] = now
            try:
                ran.append(run_job(self.data_dir, job))
            except Exception:  # a sync must never kill the scheduler thread
                log.exception("sync of %s crashed", job.get("url"))
        return ran

    def start(self) -> None:
        """Start the daemon thread (idempotent)."""
        if self.thread and self.thread.is_alive():
            return
        self.thread = threading.Thread(target=self._loop, name="atesaki-sync", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Ask the thread to end after the current sync."""
        self._stop.set()

    def _loop(self) -> None:
        if self._stop.wait(FIRST_RUN_DELAY_SECONDS):
            return
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(TICK_SECONDS)


def init_app(app) -> None:
    """Start the scheduler when the app runs as the service (``RUN_SCHEDULER``) and syncs exist."""
    service = app.extensions["atesaki"]

    def jobs():
        try:
            return list(service.settings().get("sync"))
        except Exception:  # a broken config.toml: the service reports it elsewhere
            return []

    scheduler = Scheduler(app.config["DATA_DIR"], jobs)
    app.extensions["atesaki_sync"] = scheduler
    if app.config.get("RUN_SCHEDULER"):
        scheduler.start()
