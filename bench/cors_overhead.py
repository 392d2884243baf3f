"""What answering the paired extension's Origin costs per request, over loopback.

The extension's service worker sends ``Origin: chrome-extension://<id>`` on every call;
the service then runs the guard's exact origin match and flask-cors's ``cross_origin``
(public API, options read per request). This starts the real service (waitress) and
sends, interleaved, GET /v1/health and a one-recipient POST /v1/check with and without
that Origin, and prints p50/p99 of each and the difference.

    python bench/cors_overhead.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.figures import percentile
from tests.conftest import LiveService, free_port, write_config

EXTENSION = "chrome-extension://" + "a" * 32
CHECK = json.dumps({"recipients": [{"field": "to", "address": "k.sato@example.com",
                                    "name": "佐藤 健二"}]}).encode()


def main() -> None:
    """Print p50/p99 with and without the extension's Origin, for health and a check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="atesaki-bench-cors-")) / "data"
    write_config(data_dir, {"internal_domains": ["agency.go.jp"],
                            "extension_origins": [EXTENSION]})
    service = LiveService(data_dir, free_port()).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
        host = f"127.0.0.1:{service.port}"
        timings: dict[tuple[str, bool], list[float]] = {}
        for i in range(args.requests * 4 + 200):
            path, with_origin = [("health", False), ("health", True),
                                 ("check", False), ("check", True)][i % 4]
            headers = {"Host": host, "X-Atesaki-Token": service.token}
            if with_origin:
                headers["Origin"] = EXTENSION
            started = time.perf_counter()
            if path == "health":
                conn.request("GET", "/v1/health", headers=headers)
            else:
                conn.request("POST", "/v1/check", body=CHECK,
                             headers={**headers, "Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status == 200, response.status
            if with_origin:
                assert response.getheader("Access-Control-Allow-Origin") == EXTENSION
            if i >= 200:  # the first rounds warm up
                timings.setdefault((path, with_origin), []).append(elapsed)
        print(f"{args.requests} requests each, ms     p50      p99")
        for path in ("health", "check"):
            for with_origin in (False, True):
                values = timings[path, with_origin]
                label = f"{path} {'with' if with_origin else 'without'} Origin"
                print(f"  {label:<28}{percentile(values, 50):8.3f} {percentile(values, 99):8.3f}")
            cost = (statistics.median(timings[path, True])
                    - statistics.median(timings[path, False])) * 1000
            print(f"  {path}: the Origin costs {cost:+.0f} µs at p50")
    finally:
        service.stop()


if __name__ == "__main__":
    main()
