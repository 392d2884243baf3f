"""The host the browser starts: answers ``hello`` with the service's address and token.

On ``{"type": "hello"}`` it checks the caller against what ``install`` allowed,
adds the caller's origin to ``extension_origins`` (the running service follows
config.toml without a restart), starts ``atesaki serve`` in the background when
nothing answers ``/v1/health`` (one at a time, under a lock file, so two hosts
started together never start two services), and answers
``{"type": "hello", "serverUrl", "token", "version"}``.

stdout belongs to the browser: nothing but framed messages is ever written there.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from filelock import FileLock, Timeout

from atesaki.core.i18n import Text
from atesaki.core.version import __version__
from atesaki.nativehost import install
from atesaki.nativehost.protocol import ProtocolError, read_message, write_message
from atesaki.settings import (
    DEFAULT_PORT,
    ConfigError,
    add_extension_origin,
    make_data_dir,
    pairing_token,
)

log = logging.getLogger("atesaki.nativehost")

LOCK_NAME = "service.lock"
LOCK_TIMEOUT = 20.0  # seconds another host may hold it while it starts the service
PID_NAME = "service.pid"
SERVE_OUTPUT = "serve-output.log"  # the background service's own stdout/stderr
START_TIMEOUT = 10.0

MOZ_ORIGIN_RE = re.compile(
    r"^moz-extension://[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)

MESSAGES = {
    "origin_not_allowed": Text(
        "この拡張機能は Atesaki のネイティブホストに登録されていません"
        "（atesaki native-host install --extension-id で登録してください）。",
        "This extension is not registered with the Atesaki native host "
        "(register it with atesaki native-host install --extension-id).",
    ),
    "service_failed": Text(
        "Atesaki サービスを起動できませんでした。ログを確認してください: {log}",
        "The Atesaki service could not be started; see its log: {log}",
    ),
    "port_taken": Text(
        "ポート {port} で Atesaki 以外のプログラムが動いています。",
        "Something other than Atesaki is answering on port {port}.",
    ),
    "token_mismatch": Text(
        "ポート {port} の Atesaki サービスは別のデータフォルダーを使っています。",
        "The Atesaki service on port {port} uses another data folder.",
    ),
    "config_error": Text("設定ファイルを更新できません: {reason}",
                         "Cannot update the settings file: {reason}"),
    "unknown_type": Text("不明なメッセージの種類です: {type}", "Unknown message type: {type}"),
    "bad_json": Text("メッセージを JSON として読めません。", "The message is not valid JSON."),
    "bad_message": Text("メッセージは JSON オブジェクトでなければなりません。",
                        "A message must be a JSON object."),
}


def error(code: str, **values: Any) -> dict[str, Any]:
    """An error answer in both languages (``message`` is Japanese, the project's default)."""
    text = MESSAGES[code].format(**values) if values else MESSAGES[code]
    return {"type": "error", "error": code, "message": text.ja, "messages": text.as_dict()}


@dataclass(frozen=True)
class Caller:
    """Who started us, from the browser's arguments."""

    origin: str | None = None  # chrome-extension://<id> (no slash)
    extension_id: str | None = None  # Firefox add-on ID


def caller_from_args(args: list[str]) -> Caller:
    """Chrome passes ``chrome-extension://<id>/`` (then ``--parent-window=`` on Windows);
    Firefox passes the manifest's path and the add-on ID."""
    for arg in args:
        match = re.fullmatch(r"(chrome-extension://[a-p]{32})/?", arg)
        if match:
            return Caller(origin=match.group(1))
    plain = [a for a in args if not a.startswith("-")]
    if len(plain) >= 2 and install.FIREFOX_ID_RE.match(plain[-1]):
        return Caller(extension_id=plain[-1])
    return Caller()


def service_state(port: int, token: str | None = None, timeout: float = 1.0) -> str:
    """``down``, ``ours`` (Atesaki answers), ``foreign`` (something else), or
    ``other_data`` (Atesaki, but our token is refused)."""
    base = f"http://127.0.0.1:{port}"  # always plain http to loopback, never a caller's URL
    try:
        with urllib.request.urlopen(f"{base}/v1/health", timeout=timeout) as response:  # noqa: S310
            body = json.loads(response.read() or b"{}")
    except (urllib.error.HTTPError, ValueError):
        return "foreign"
    except OSError:
        return "down"
    if not isinstance(body, dict) or body.get("service") != "atesaki":
        return "foreign"
    if token is None:
        return "ours"
    request = urllib.request.Request(  # noqa: S310
        f"{base}/v1/checkers", headers={"X-Atesaki-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310
            return "ours"
    except urllib.error.HTTPError as exc:
        return "other_data" if exc.code == 401 else "ours"
    except OSError:
        return "down"


def serve_command(data_dir: Path, port: int, python: str = sys.executable) -> list[str]:
    """The command line of the background service."""
    return [python, "-m", "atesaki", "--data-dir", str(data_dir), "serve", "--port", str(port)]


def spawn_detached(command: list[str], output: Path) -> subprocess.Popen:
    """Start ``command`` so that it outlives us and the browser's hold on us."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as out:  # truncated per start: only the last start's output
        kwargs: dict[str, Any] = {
            "stdin": subprocess.DEVNULL, "stdout": out, "stderr": subprocess.STDOUT,
            "close_fds": True, "cwd": str(output.parent),
        }
        if sys.platform.startswith("win"):
            flags = (subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
                     | subprocess.CREATE_NO_WINDOW)
            try:  # leave the browser's job object, or the service dies with the browser
                return subprocess.Popen(
                    command, creationflags=flags | subprocess.CREATE_BREAKAWAY_FROM_JOB, **kwargs)
            except OSError:  # the job forbids breaking away
                return subprocess.Popen(command, creationflags=flags, **kwargs)
        # A new session: the browser's signals to our process group do not reach it.
        return subprocess.Popen(command, start_new_session=True, **kwargs)


@dataclass
class Host:
    """One host process: the data folder, the port, and how to start the service."""

    data_dir: Path
    port: int = DEFAULT_PORT
    caller: Caller = field(default_factory=Caller)
    start_timeout: float = START_TIMEOUT
    spawn: Callable[[list[str], Path], Any] = spawn_detached

    @property
    def server_url(self) -> str:
        """Where the extension reaches the service."""
        return f"http://127.0.0.1:{self.port}"

    def allowed(self, message: dict[str, Any]) -> str | None:
        """The origin to add for this caller, "" when allowed with none to add, None when refused."""
        origins, extensions = install.allowed_callers(self.data_dir)
        if self.caller.origin:
            return self.caller.origin if self.caller.origin in origins else None
        if self.caller.extension_id and self.caller.extension_id in extensions:
            # Firefox hides the moz-extension UUID from us; the add-on, which Firefox
            # vouched for by starting us, may tell it.
            origin = message.get("origin")
            return origin if isinstance(origin, str) and MOZ_ORIGIN_RE.match(origin) else ""
        return None

    def ensure_service(self, token: str) -> dict[str, Any] | None:
        """Start the service unless it answers; None when it is up, else an error answer."""
        state = service_state(self.port, token)
        if state == "ours":
            return None
        lock = FileLock(self.data_dir / LOCK_NAME, timeout=LOCK_TIMEOUT)
        try:
            lock.acquire()
        except Timeout:
            log.warning("could not take %s; checking the service anyway", LOCK_NAME)
        try:
            state = service_state(self.port, token)  # another host may have started it
            if state == "down":
                output = self.data_dir / SERVE_OUTPUT
                proc = self.spawn(serve_command(self.data_dir, self.port), output)
                pid = getattr(proc, "pid", None)
                (self.data_dir / PID_NAME).write_text(f"{pid}\n", encoding="utf-8")
                log.info("started the service on port %s (pid %s)", self.port, pid)
                state = self._wait(proc, token)
        finally:
            if lock.is_locked:
                lock.release()
        if state == "ours":
            return None
        if state == "foreign":
            return error("port_taken", port=self.port)
        if state == "other_data":
            return error("token_mismatch", port=self.port)
        log.error("the service did not answer on port %s within %.0f s",
                  self.port, self.start_timeout)
        return error("service_failed", log=self.data_dir / SERVE_OUTPUT)

    def _wait(self, proc: Any, token: str) -> str:
        deadline = time.monotonic() + self.start_timeout
        state = "down"
        while time.monotonic() < deadline:
            state = service_state(self.port, token, timeout=0.5)
            if state != "down":
                return state
            poll = getattr(proc, "poll", None)
            if poll is not None and poll() is not None:
                # Lost a race for the port to a service started elsewhere? Look once more.
                return service_state(self.port, token)
            time.sleep(0.05)
        return state

    def hello(self, message: dict[str, Any]) -> dict[str, Any]:
        """Pair the caller: allow its origin, make sure the service runs, give URL and token."""
        origin = self.allowed(message)
        if origin is None:
            log.warning("refused a caller not registered at install: %s",
                        self.caller.origin or self.caller.extension_id or "unknown")
            return error("origin_not_allowed")
        if origin:
            try:
                if add_extension_origin(self.data_dir, origin):
                    log.info("added %s to extension_origins", origin)
            except (ConfigError, ValueError) as exc:
                return error("config_error", reason=str(exc))
        token = pairing_token(self.data_dir)
        failure = self.ensure_service(token)
        if failure is not None:
            return failure
        return {"type": "hello", "serverUrl": self.server_url, "token": token,
                "version": __version__}

    def answer(self, message: dict[str, Any]) -> dict[str, Any]:
        """The answer to one message."""
        kind = message.get("type")
        if kind == "hello":
            return self.hello(message)
        return error("unknown_type", type=str(kind)[:40])

    def run(self, stdin: BinaryIO, stdout: BinaryIO) -> int:
        """Answer messages until the browser closes stdin; the exit status."""
        while True:
            try:
                message = read_message(stdin)
            except ProtocolError as exc:
                log.warning("unreadable message: %s", exc)
                if exc.code in MESSAGES:
                    write_message(stdout, error(exc.code))
                if exc.fatal:
                    return 1
                continue
            if message is None:
                return 0
            try:
                reply = self.answer(message)
            except Exception:  # a bug must still give the browser an answer, not garbage
                log.exception("answering %r failed", message.get("type"))
                reply = error("service_failed", log=self.data_dir / "native-host.log")
            write_message(stdout, reply)


def port_from_env(default: int = DEFAULT_PORT) -> int:
    """``$ATESAKI_PORT`` when it is a valid port, else ``default``."""
    value = os.environ.get("ATESAKI_PORT", "")
    return int(value) if value.isdigit() and 0 < int(value) < 65536 else default


def main(data_dir: Path, port: int | None, args: list[str]) -> int:
    """Run the host on this process's stdin/stdout (what ``atesaki native-host`` does)."""
    from atesaki import logs

    stdout = sys.stdout.buffer
    # Anything printed by mistake must not corrupt the browser's stream.
    sys.stdout = sys.stderr
    if sys.platform.startswith("win"):
        import msvcrt

        msvcrt.setmode(sys.stdin.fileno(), os.O_BINARY)
        msvcrt.setmode(stdout.fileno(), os.O_BINARY)
    make_data_dir(data_dir)
    logs.setup(data_dir, filename="native-host.log", max_bytes=256 * 1024, backups=1,
               logger_names=("atesaki.nativehost",))
    host = Host(data_dir, port or port_from_env(), caller_from_args(args))
    log.info("started by %s", host.caller.origin or host.caller.extension_id or "an unknown caller")
    return host.run(sys.stdin.buffer, stdout)
