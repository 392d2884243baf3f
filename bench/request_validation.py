"""What checking a request against its OpenAPI schema costs, in process (no sockets, no checks).

Times, for /v1/check bodies of 1, 10 and 500 recipients, the schema check the request
hook runs (``core.schema.refusal`` on the compiled schema) and the reading of the
checked body into a CheckRequest (``web.api.build_check_request``); then the compiling
of every route's validators, which happens once when the app is made.

    python bench/request_validation.py [--repeat 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from atesaki import create_app
from atesaki.core.schema import refusal
from atesaki.web.api import build_check_request
from atesaki.web.openapi import spec
from atesaki.web.validation import operations


def body(recipients: int) -> dict:
    """A /v1/check body as the extension sends it, with ``recipients`` recipients."""
    return {
        "sender": "tanaka@agency.go.jp", "kind": "reply", "subject": "Re: 学校見学会について",
        "recipients": [{"field": "to", "address": f"k.sato{i}@example.com", "name": "佐藤 健二"}
                       for i in range(recipients)],
        "thread_recipients": ["k.sato0@example.com"], "body": "佐藤様\n" * 200,
        "attachments": [{"name": "資料.pdf", "size": 120000}],
    }


def median_us(action, repeat: int) -> float:
    """The median of ``repeat`` timings of ``action()``, in microseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="atesaki-bench-") as data_dir:
        app = create_app({"DATA_DIR": data_dir})
        check = operations(app.url_map, spec())[("api.check", "POST")].body
        print(f"{'recipients':>10}  {'schema check':>14}  {'read into a CheckRequest':>26}")
        for count in (1, 10, 500):
            data = body(count)
            assert refusal(check, data) is None
            repeat = args.repeat if count < 500 else max(1, args.repeat // 10)
            validate = median_us(lambda data=data: refusal(check, data), repeat)
            read = median_us(lambda data=data: build_check_request(data, lambda _: False), repeat)
            print(f"{count:>10}  {validate:>11.1f} µs  {read:>23.1f} µs")
        started = time.perf_counter()
        operations(app.url_map, spec())
        print(f"compiling every route's validators (once, at app creation): "
              f"{(time.perf_counter() - started) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
