"""Serving the app with waitress (a production WSGI server that also runs on Windows)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from pathlib import Path

import waitress
from waitress.server import create_server

from atesaki import create_app, logs, store
from atesaki.store import audit

log = logging.getLogger("atesaki")


def run(data_dir: Path, host: str, port: int, *, threads: int = 8,
        extra_hosts: tuple[str, ...] = ()) -> None:
    """Start the service and block until stopped (SIGINT/SIGTERM)."""
    started = time.perf_counter()
    logs.setup(data_dir)
    app = create_app({"DATA_DIR": str(data_dir), "PORT": port, "EXTRA_HOSTS": extra_hosts,
                      "RUN_SCHEDULER": True})
    service = app.extensions["atesaki"]
    service.knowledge()  # load the indexes now, not on the first check
    threading.Thread(target=service.warm_up, name="atesaki-warm-up", daemon=True).start()
    from atesaki.link.forward import start_background  # once this PC has joined one

    forwarder = start_background(data_dir)
    server = create_server(app, host=host, port=port, threads=threads,
                           ident="atesaki", clear_untrusted_proxy_headers=True)
    conn = service.conn()
    with store.transaction(conn):
        audit.append(conn, "service_start", {"host": host, "port": port})
    elapsed = time.perf_counter() - started
    print(f"atesaki {waitress.__name__} listening on http://{host}:{port} "
          f"(data: {data_dir}, ready in {elapsed:.2f} s)", flush=True)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if forwarder:
            forwarder.stop()
        with store.transaction(conn):
            audit.append(conn, "service_stop", {"host": host, "port": port})
        print("atesaki stopped", file=sys.stderr, flush=True)
