"""Browser fixtures: Debian's Chromium with the extension loaded, the fixture webmail pages, a stub service."""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, CHROMIUM, CHROMIUM_FLAGS, chromium_available  # noqa: F401 - re-exported

EXTENSION_DIR = ROOT / "extension"
FIXTURES = ROOT / "tests" / "fixtures" / "webmail"
# Fixed by the "key" in extension/manifest.json (docs/extension.md).
EXTENSION_ID = "gnakhgefebngjhmafnbfibchdiaafgkl"
EXTENSION_ORIGIN = f"chrome-extension://{EXTENSION_ID}"


def chromium_args(extension: Path = EXTENSION_DIR) -> list[str]:
    """Chromium's flags to run with one unpacked extension folder and nothing else."""
    return [f"--disable-extensions-except={extension}", f"--load-extension={extension}", *CHROMIUM_FLAGS]


# The fake public hosts: Playwright answers them with the fixture pages, so the manifest's
# built-in matches apply exactly as on the real sites.
FAKE_HOSTS = {
    "gmail": ("https://mail.google.com", "/mail/u/0/", "gmail.html"),
    "outlook": ("https://outlook.office.com", "/mail/", "outlook.html"),
}

pytestmark = pytest.mark.browser



class StubService:
    """A stand-in for `atesaki serve` that answers the /v1 API with what a test tells it."""

    def __init__(self) -> None:
        self.token = "stub-token"
        self.requests: list[dict] = []
        self.handlers: dict[tuple[str, str], Callable[[dict], tuple[int, dict]]] = {}
        self.delay = 0.0
        self.internal_domains = ["agency.go.jp"]
        self._server: http.server.ThreadingHTTPServer | None = None
        self.on("GET", "/v1/health", lambda body: (200, {"ok": True}))
        self.on("POST", "/v1/check", self.default_check)
        self.on("POST", "/v1/sends", lambda body: (200, {"ok": True}))
        self.on("GET", "/v1/checkers", lambda body: (200, {"checkers": []}))
        self.on("POST", "/v1/incidents", lambda body: (201, {"ok": True, "id": "i_1"}))

    @property
    def url(self) -> str:
        """Base URL of the running stub."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def on(self, method: str, path: str, handler: Callable[[dict], tuple[int, dict]]) -> None:
        """Answer METHOD PATH with handler(body) -> (status, json)."""
        self.handlers[(method, path)] = handler

    def calls(self, path: str) -> list[dict]:
        """The JSON bodies received on one path, in order."""
        return [r["body"] for r in self.requests if r["path"] == path]

    def default_check(self, body: dict) -> tuple[int, dict]:
        """Internal recipients pass; any external one asks for confirmation."""
        recipients = []
        for r in body.get("recipients", []):
            domain = r["address"].rpartition("@")[2].lower()
            internal = any(domain == d or domain.endswith("." + d) for d in self.internal_domains)
            recipients.append(
                {
                    **r,
                    "internal": internal,
                    "known": internal,
                    "sent_count": 3 if internal else 0,
                    "last_sent": "2026-10-01T09:00:00+09:00" if internal else None,
                    "findings": []
                    if internal
                    else [
                        {"code": "external", "severity": "info", "message": "external"},
                        {
                            "code": "first_time",
                            "severity": "warn",
                            "message": "Never sent to before.",
                        },
                    ],
                }
            )
        verdict = "pass" if all(r["internal"] for r in recipients) else "confirm"
        return 200, {
            "check_id": f"c_{len(self.calls('/v1/check'))}",
            "verdict": verdict,
            "digest": "0" * 64,
            "recipients": recipients,
            "findings": [],
        }

    def start(self) -> StubService:
        """Listen on a free loopback port."""
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                stub.requests.append(
                    {
                        "method": method,
                        "path": self.path,
                        "body": body,
                        "headers": dict(self.headers),
                    }
                )
                if stub.delay:
                    time.sleep(stub.delay)
                handler = stub.handlers.get((method, self.path))
                if handler is None:
                    status, answer = (
                        404,
                        {
                            "ok": False,
                            "error": "not_found",
                            "message": "no such path",
                            "status": 404,
                        },
                    )
                elif (
                    self.path != "/v1/health" and self.headers.get("X-Atesaki-Token") != stub.token
                ):
                    status, answer = (
                        401,
                        {
                            "ok": False,
                            "error": "unauthorized",
                            "message": "bad token",
                            "status": 401,
                        },
                    )
                else:
                    status, answer = handler(body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening (a later request finds nothing: the service is down)."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the fixture folder without logging each request."""

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def fixture_server():
    """The fixture webmail pages over http://127.0.0.1:PORT (the Roundcube adapter's host)."""
    handler = functools.partial(QuietHandler, directory=str(FIXTURES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()



def launch(playwright, profile: Path, lang: str = "en", extension: Path = EXTENSION_DIR):
    """Chromium with the extension (this folder), a fresh profile, UI language `lang`; returns (context, worker)."""
    env = {**os.environ, "LANGUAGE": lang, "LANG": f"{lang}_{'JP' if lang == 'ja' else 'US'}.UTF-8"}
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[*chromium_args(extension), f"--lang={lang}"],
        env=env,
        locale="ja-JP" if lang == "ja" else "en-US",
        viewport={"width": 1100, "height": 900},
    )
    worker = (
        context.service_workers[0]
        if context.service_workers
        else context.wait_for_event("serviceworker")
    )
    for origin, _path, filename in FAKE_HOSTS.values():
        serve_fixture(context, origin, filename)
    return context, worker


def serve_fixture(context, origin: str, page_file: str) -> None:
    """Answer every page of a (fake, public) origin with one fixture webmail page."""
    context.route(f"{origin}/**", functools.partial(_serve_fixture, page_file))


def _serve_fixture(page_file: str, route) -> None:
    path = route.request.url.split("?", 1)[0]
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".js") and (FIXTURES / name).is_file():
        route.fulfill(path=str(FIXTURES / name), content_type="text/javascript")
    elif route.request.resource_type == "document":
        route.fulfill(path=str(FIXTURES / page_file), content_type="text/html; charset=utf-8")
    else:
        route.fulfill(status=404, body="")


class Browser:
    """One Chromium with the extension, shared by a module's tests; each test gets clean settings."""

    def __init__(self, context, worker, fixture_url: str) -> None:
        self.context = context
        self.worker = worker
        self.fixture_url = fixture_url

    def close_pages(self) -> None:
        """Close the test's pages; the first blank tab stays, so the next page opens fast."""
        for page in self.context.pages[1:]:
            page.close()

    def configure(self, **settings) -> None:
        """Replace the extension's local storage with these settings and re-register hosts."""
        self.worker.evaluate(
            "async (s) => { await chrome.storage.local.clear(); await chrome.storage.local.set(s);"
            " await AtesakiRegistration.sync(); }",
            settings,
        )

    def open(self, webmail: str, query: str = ""):
        """Open a fixture webmail page and wait until the content script is ready."""
        if not self.context.pages:
            self.context.new_page()  # the tab that stays open
        page = self.context.new_page()
        if webmail in FAKE_HOSTS:
            origin, path, _file = FAKE_HOSTS[webmail]
            url = f"{origin}{path}{'?' + query if query else ''}"
        else:
            url = f"{self.fixture_url}/{webmail}.html{'?' + query if query else ''}"
        page.goto(url)
        page.wait_for_selector('html[data-atesaki="ready"]', state="attached", timeout=5000)
        return page


@pytest.fixture(scope="module")
def browser(playwright_session, fixture_server, tmp_path_factory):
    """A Chromium with the extension for one test module (fresh profile)."""
    context, worker = launch(playwright_session, tmp_path_factory.mktemp("profile"))
    yield Browser(context, worker, fixture_server)
    context.close()


@pytest.fixture
def stub():
    """A stub Atesaki service on a free port."""
    service = StubService().start()
    yield service
    service.stop()


@pytest.fixture
def paired(browser, stub, fixture_server):
    """The browser paired with the stub service, Roundcube allowed on the fixture host."""
    browser.configure(serverUrl=stub.url, token=stub.token, webmailHosts=[fixture_server])
    yield browser
    browser.close_pages()
