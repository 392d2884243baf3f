"""Helpers for the browser tests: the dialog's hooks and canned answers of the stub service."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

DIALOG = '[data-atesaki="dialog"]'


def service_kind(request: dict) -> str:
    """What the service makes of a /v1/check request the extension sent: new, reply or forward.

    The extension keeps no subject prefixes: it passes on the webmail's own mode and whether
    the compose quotes a message, and the service's one list reads the subject.
    """
    from atesaki.core.content import message_kind

    return message_kind(request.get("kind"), request.get("subject") or "",
                        quoted=bool(request.get("quoted")))
SAMPLE_HOMONYM = {"name": "佐藤 美咲", "address": "m-sato@agency.go.jp", "internal": True}


class Dialog:
    """The extension's dialog on a page, through the contract's `data-atesaki` hooks."""

    def __init__(self, page) -> None:
        self.page = page
        self.root = page.locator(DIALOG)

    def hook(self, name: str):
        """An element inside the dialog by its `data-atesaki` name."""
        return self.root.locator(f'[data-atesaki="{name}"]')

    def wait_rows(self, timeout: float = 5.0) -> Dialog:
        """Wait until recipients are shown to tick."""
        self.hook("tick").first.wait_for(state="visible", timeout=timeout * 1000)
        return self

    def wait_error(self, timeout: float = 6.0) -> Dialog:
        """Wait until the reason nothing can be sent is shown."""
        self.hook("error").wait_for(state="visible", timeout=timeout * 1000)
        return self

    def addresses(self) -> list[str]:
        """The addresses of the rows, in order."""
        return self.root.locator("li[data-address]").evaluate_all(
            "els => els.map(e => e.dataset.address)"
        )

    def wait_addresses(self, expected: list[str], timeout: float = 5.0) -> None:
        """Wait until the rows show exactly these addresses (after a re-check)."""
        self.page.wait_for_function(
            """(want) => { const root = document.querySelector('[data-atesaki=dialog]')?.shadowRoot;
                const got = root ? [...root.querySelectorAll('li[data-address]')].map(e => e.dataset.address) : [];
                return JSON.stringify(got) === JSON.stringify(want); }""",
            arg=expected,
            timeout=timeout * 1000,
        )

    def tick_all(self) -> None:
        """Tick every row by hand (there is no "tick all" in the dialog)."""
        ticks = self.hook("tick")
        for index in range(ticks.count()):
            ticks.nth(index).check()

    def send_enabled(self) -> bool:
        """The `disabled` property of the dialog's Send, negated."""
        return not self.hook("send").evaluate("b => b.disabled")

    def is_open(self) -> bool:
        """Whether a dialog host is in the page."""
        return self.root.count() > 0

    def wait_closed(self, timeout: float = 5.0) -> None:
        """Wait until the dialog is gone."""
        self.root.wait_for(state="detached", timeout=timeout * 1000)


def sent(page) -> list[dict]:
    """What the fixture webmail's own Send really sent, in order."""
    return page.evaluate("window.__sent")


def wait_sent(page, count: int = 1, timeout: float = 5.0) -> list[dict]:
    """Wait until the fixture page has sent `count` messages; return them."""
    page.wait_for_function(f"window.__sent.length >= {count}", timeout=timeout * 1000)
    return sent(page)


def still_nothing_sent(page, seconds: float = 0.4) -> bool:
    """True when nothing is sent during a short watch."""
    time.sleep(seconds)
    return sent(page) == []


def wait_calls(stub, path: str, count: int = 1, timeout: float = 3.0) -> list[dict]:
    """Wait until the stub service has received `count` calls on `path` (some follow the send)."""
    deadline = time.monotonic() + timeout
    while len(stub.calls(path)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return stub.calls(path)


def pairs(recipients: list[dict]) -> list[tuple[str, str]]:
    """(field, address) pairs, sorted, for comparing recipient lists."""
    return sorted((r["field"], r["address"]) for r in recipients)


def check_answer(
    stub, verdict: str | None = None, per_address: dict | None = None, message_findings=None
):
    """A /v1/check handler: the stub's default answer with findings added per address."""
    per_address = per_address or {}

    def handler(body: dict):
        status, answer = stub.default_check(body)
        for recipient in answer["recipients"]:
            recipient["findings"] = recipient["findings"] + per_address.get(
                recipient["address"], []
            )
        answer["findings"] = list(message_findings or [])
        if verdict:
            answer["verdict"] = verdict
        return status, answer

    return handler


def homonym(name: str = "佐藤 美咲", address: str = "m-sato@agency.go.jp") -> dict:
    """A surname_homonym finding naming the person most likely intended."""
    return {
        "code": "surname_homonym",
        "severity": "high",
        "message": f"Someone else has the same surname: {name} <{address}>.",
        "messages": {
            "ja": f"同じ姓の別の人がいます: {name} <{address}>",
            "en": f"Same surname as {name} <{address}>.",
        },
        "related": [{"name": name, "address": address, "internal": True}],
    }


VISIBLE_EXTERNAL = {
    "code": "visible_external_recipients",
    "severity": "high",
    "message": "Two external organisations would see each other's addresses.",
}


def api_error(status: int, code: str, message: str) -> bytes:
    """A body in the API's error shape (CONTRACT.md)."""
    return json.dumps({"ok": False, "error": code, "message": message, "status": status}).encode()


@contextmanager
def misbehaving(
    status: int, body: bytes, content_type: str, host: str = "127.0.0.1", drop_posts: bool = False
) -> Iterator[tuple[str, list[str]]]:
    """A service on loopback that gives every request the same answer; yields (url, "METHOD path" seen).

    With `drop_posts`, a POST gets no answer at all: the connection is closed after reading it.
    """
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            seen.append(f"{self.command} {self.path}")
            if drop_posts and self.command == "POST":
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_OPTIONS = _answer

    server = http.server.ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://{host}:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def real_service(service_factory, tmp_path, origin: str, **books: str):
    """The real service accepting ``origin``, with vCard text imported per book (directory=…)."""
    live = service_factory({"internal_domains": ["agency.go.jp"], "extension_origins": [origin]})
    for kind, text in books.items():
        path = tmp_path / f"{kind}.vcf"
        path.write_text(text, encoding="utf-8")
        done = live.cli("import", kind, str(path))
        assert done.returncode == 0, done.stdout + done.stderr
    return live
