"""Shared fixtures: an app on a fresh data folder, its client, the CLI, and a real running service."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from atesaki import create_app, store

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent  # the repository
DATA = TESTS / "data"  # address books, mail, labelled pairs

PORT = 8765
HOST = f"127.0.0.1:{PORT}"
INTERNAL = ["agency.go.jp"]


def write_config(data_dir: Path, config: dict[str, Any] | None) -> None:
    """Write a config.toml from a dict (flat keys and a ``policy`` table)."""
    import tomlkit

    if config is None:
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "config.toml").write_text(tomlkit.dumps(config), encoding="utf-8")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data folder."""
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def conn(data_dir: Path):
    """A migrated store in the test's data folder."""
    connection = store.open_store(data_dir)
    yield connection
    connection.close()


@pytest.fixture
def config() -> dict[str, Any]:
    """The settings a test's app starts with (override in a test module)."""
    return {"internal_domains": INTERNAL}


@pytest.fixture
def app(data_dir: Path, config: dict[str, Any]):
    """The Flask app on a fresh data folder with ``config`` written to config.toml."""
    write_config(data_dir, config)
    return create_app({"DATA_DIR": str(data_dir), "PORT": PORT})


class ApiClient:
    """Flask's test client with the Host and token every call needs."""

    def __init__(self, app) -> None:
        self.app = app
        self.raw = app.test_client()
        self.token = app.extensions["atesaki"].token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Host and token, plus ``extra``."""
        headers = {"Host": HOST, "X-Atesaki-Token": self.token}
        headers.update(extra or {})
        return headers

    def get(self, path: str, **kwargs):
        """GET with the default headers."""
        return self.raw.get(path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, body: Any = None, **kwargs):
        """POST a JSON body with the default headers."""
        return self.raw.post(
            path, json=body, headers=self.headers(kwargs.pop("headers", None)), **kwargs
        )

    def check(self, recipients: list[dict[str, str]], **body: Any) -> dict[str, Any]:
        """POST /v1/check and return the JSON (asserting 200)."""
        response = self.post("/v1/check", {"recipients": recipients, **body})
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def client(app) -> ApiClient:
    """A client for ``app`` that passes the guard."""
    return ApiClient(app)


@pytest.fixture
def runner(data_dir: Path):
    """Run the ``atesaki`` CLI against the test's data folder: ``runner("token")``."""
    from atesaki.cli import main

    cli_runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return cli_runner.invoke(main, ["--data-dir", str(data_dir), *args], input=input)

    return run


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveService:
    """A real ``atesaki serve`` process on a free loopback port."""

    data_dir: Path
    port: int
    proc: subprocess.Popen | None = None
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        """The pairing token."""
        return (self.data_dir / "token").read_text(encoding="utf-8").strip()

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """Run the ``atesaki`` CLI against this service's data folder."""
        return subprocess.run(
            [sys.executable, "-m", "atesaki", "--data-dir", str(self.data_dir), *args],
            input=input, capture_output=True, text=True, timeout=120, check=False,
        )

    def start(self, timeout: float = 20) -> LiveService:
        """Start the service and wait until /v1/health answers."""
        self.log_path = log_path = self.data_dir.parent / f"service-{self.port}.log"
        self._log_file = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "atesaki", "--data-dir", str(self.data_dir),
             "serve", "--port", str(self.port)],
            stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"atesaki serve exited: {log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/v1/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"atesaki serve did not answer: {log_path.read_text()}")

    def stop(self) -> None:
        """Stop the service (SIGTERM, then SIGKILL)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None,
                timeout: float = 10) -> tuple[int, dict[str, str], Any]:
        """One HTTP request over the real socket; returns (status, headers, JSON or text).

        ``timeout``: longer for a long-poll (``?wait=``)."""
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"X-Atesaki-Token": self.token}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, hdrs, raw = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as err:
            status, hdrs, raw = err.code, dict(err.headers), err.read()
        try:
            return status, hdrs, json.loads(raw)
        except ValueError:
            return status, hdrs, raw.decode("utf-8", "replace")


@pytest.fixture
def service_factory(tmp_path_factory):
    """Start real services: ``service_factory(config) -> LiveService`` (stopped after the test)."""
    started: list[LiveService] = []

    def start(config: dict[str, Any] | None = None) -> LiveService:
        data_dir = tmp_path_factory.mktemp("service") / "data"
        data_dir.mkdir()
        write_config(data_dir, config if config is not None else {"internal_domains": INTERNAL})
        service = LiveService(data_dir, free_port())
        started.append(service)
        return service.start()

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def live_service(service_factory) -> LiveService:
    """One real service with internal_domains = agency.go.jp."""
    return service_factory()


os.environ.setdefault("ATESAKI_TEST", "1")


CHROMIUM = "/usr/lib/chromium/chromium"
# Debian's Chromium on a machine without a network or a sandbox (FACTS.md): without the
# background-networking flags it keeps trying to reach Google's hosts.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def chromium_available() -> bool:
    """True when Debian's Chromium is installed (tools/install-system-deps.sh)."""
    return Path(CHROMIUM).exists()


@pytest.fixture(scope="session")
def playwright_session():
    """The one Playwright driver of the run: two sync drivers cannot live in one process."""
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing; run tools/install-system-deps.sh as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver
