"""Real central services for the tests: ``atesaki central serve`` over HTTPS on a real PostgreSQL.

Use with ``pytest_plugins = ["servers.postgres", "servers.central"]``. The certificate
is a self-signed one for 127.0.0.1 made once per session with Debian's ``openssl``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from tests.servers.fixtures import free_port, stop


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and its key."""

    cert: Path
    key: Path


def make_certificate(folder: Path) -> Certificate:
    """A self-signed RSA certificate for IP 127.0.0.1 (two days)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return Certificate(cert, key)


@dataclass(frozen=True)
class Result:
    """A command's exit status and output, named like ``subprocess.CompletedProcess``'s."""

    returncode: int
    stdout: str
    stderr: str

    @classmethod
    def of(cls, result) -> Result:
        """From a click ``CliRunner`` result."""
        return cls(result.exit_code, result.stdout, result.stderr)


@dataclass
class CentralService:
    """One ``atesaki central serve`` process."""

    database_url: str
    certificate: Certificate
    port: int
    log_path: Path
    proc: subprocess.Popen | None = None
    started: list[float] = field(default_factory=list)
    extra: tuple[str, ...] = ()  # more `central serve` options

    @property
    def url(self) -> str:
        """https://127.0.0.1:PORT"""
        return f"https://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> CentralService:
        """Start (or restart) the process and wait until its health answers."""
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "atesaki", "central", "serve", "--database", self.database_url,
             "--port", str(self.port), "--cert", str(self.certificate.cert),
             "--key", str(self.certificate.key), *self.extra],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"central serve exited: {self.log_path.read_text()[-3000:]}")
            try:
                if self.get("health").status_code == 200:
                    self.started.append(time.monotonic())
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"central serve did not answer: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL); our own process id only."""
        if self.proc:
            stop(self.proc)
        self.proc = None

    def kill(self) -> None:
        """Kill the process at once (a crash)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def get(self, path: str, **kwargs) -> requests.Response:
        """GET /central/v1/<path>, trusting only the test certificate."""
        return requests.get(f"{self.url}/central/v1/{path}", verify=str(self.certificate.cert),
                            timeout=10, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs) -> requests.Response:
        """POST a JSON body to /central/v1/<path>."""
        return requests.post(f"{self.url}/central/v1/{path}", json=body,
                             verify=str(self.certificate.cert), timeout=10, **kwargs)

    def cli(self, *args: str) -> Result:
        """Run ``atesaki central ARGS`` on this service's database (in this process: fast)."""
        from atesaki.cli import main

        return Result.of(CliRunner().invoke(
            main, ["central", *args], env={"ATESAKI_CENTRAL_DATABASE": self.database_url}))

    def enrol(self, name: str, *extra: str) -> str:
        """A fresh enrolment code for ``name``."""
        done = self.cli("enrol", name, "--json", *extra)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["code"]


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Certificate:
    """The session's self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: apt-get install openssl")
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def central_factory(database_url, certificate, tmp_path) -> Iterator:
    """Start central services on this test's database: ``central_factory(*serve_options)``."""
    started: list[CentralService] = []

    def start(*extra: str) -> CentralService:
        port = free_port()
        service = CentralService(database_url, certificate, port, tmp_path / f"central-{port}.log",
                                 extra=extra)
        started.append(service)
        return service.start()

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def central(central_factory) -> CentralService:
    """One central service over HTTPS on a fresh database."""
    return central_factory()
