"""Serving the central app over HTTPS with cheroot.

waitress (the local service's server) has no TLS, and the central service must
serve HTTPS with the administrator's certificate itself. cheroot, the maintained
WSGI server of the CherryPy project, runs on Windows and Linux like waitress and
terminates TLS with the standard library's ``ssl`` (its ``BuiltinSSLAdapter``).
Its thread pool is grown here while busy, which long-polling checkers need.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from atesaki.central.incidents import Relay
from atesaki.central.web import create_central_app


def make_server(app, host: str, port: int, *, cert: Path | None = None,
                key: Path | None = None, threads: int = 16,
                max_threads: int = 600) -> wsgi.Server:
    """A cheroot server for ``app``; HTTPS when ``cert`` and ``key`` are given."""
    server = wsgi.Server((host, port), app, numthreads=threads, max=max_threads,
                         server_name="atesaki-central", request_queue_size=128, timeout=60,
                         shutdown_timeout=2)
    if cert and key:
        server.ssl_adapter = BuiltinSSLAdapter(str(cert), str(key))
    return server


def keep_threads_free(server: wsgi.Server, stop: threading.Event, *, spare: int = 8,
                      step: int = 16, every: float = 0.1) -> threading.Thread:
    """Add worker threads whenever fewer than ``spare`` are idle (up to the server's max).

    cheroot's pool does not grow by itself, and each waiting checker's long-poll holds
    a thread for up to 30 s: without this, the 17th waiting checker would stall everyone.
    """

    def watch() -> None:
        while not stop.wait(every):
            pool = server.requests
            if pool.idle < spare:
                pool.grow(step)

    thread = threading.Thread(target=watch, name="atesaki-central-threads", daemon=True)
    thread.start()
    return thread


def run(database_url: str, host: str, port: int, *, cert: Path | None = None,
        key: Path | None = None, threads: int = 16, relay: Relay | None = None) -> None:
    """Migrate, start and block until SIGINT/SIGTERM."""
    started = time.perf_counter()
    app = create_central_app(database_url, config={"INCIDENT_RELAY": relay})
    server = make_server(app, host, port, cert=cert, key=key, threads=threads)
    scheme = "https" if cert else "http"

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    server.prepare()
    stopping = threading.Event()
    keep_threads_free(server, stopping)
    print(f"atesaki central listening on {scheme}://{host}:{server.bind_addr[1]} "
          f"(ready in {time.perf_counter() - started:.2f} s)", flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        stopping.set()
        server.stop()
        app.extensions["atesaki_central_listener"].stop()
        if "atesaki_central_mailer" in app.extensions:
            app.extensions["atesaki_central_mailer"].stop()
        app.extensions["atesaki_central"].close()
        print("atesaki central stopped", file=sys.stderr, flush=True)
