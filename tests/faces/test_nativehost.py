"""The native messaging host: framing, who may call it, starting the service once, install/uninstall."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from atesaki import logs
from atesaki.nativehost import install as installer
from atesaki.nativehost.host import PID_NAME, Caller, Host, caller_from_args, service_state
from atesaki.nativehost.install import (
    PUBLISHED_CHROME_ID,
    PUBLISHED_FIREFOX_ID,
    MemoryRegistry,
    Platform,
)
from atesaki.nativehost.protocol import MAX_INCOMING, encode_message, read_message
from tests.conftest import free_port

CHROME_ID = PUBLISHED_CHROME_ID
ORIGIN = f"chrome-extension://{CHROME_ID}"
OTHER_ID = "abcdefghijklmnopabcdefghijklmnop"


def frame(message) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return struct.pack("<I", len(body)) + body


def answers(raw: bytes) -> list[dict]:
    """Decode every frame on a host's stdout; fails on anything that is not a whole frame."""
    out = []
    while raw:
        (length,) = struct.unpack("<I", raw[:4])
        assert len(raw) >= 4 + length, "a frame was cut short"
        out.append(json.loads(raw[4:4 + length]))
        raw = raw[4 + length:]
    return out


# -- framing ---------------------------------------------------------------------------------

def test_a_message_round_trips_with_japanese_text():
    message = {"type": "hello", "note": "宛先"}
    assert read_message(io.BytesIO(encode_message(message))) == message


class NeverSpawn:
    """A spawn that fails the test if the host tries to start a service."""

    def __call__(self, command, output):
        raise AssertionError(f"the host tried to start {command}")


def run_host(host: Host, stdin: bytes) -> tuple[int, list[dict]]:
    out = io.BytesIO()
    status = host.run(io.BytesIO(stdin), out)
    return status, answers(out.getvalue())


BAD_INPUT = {
    "non-JSON body, then a good message still answered": (
        frame(b"{not json") + frame({"type": "ping"}), ["bad_json", "unknown_type"], 0),
    "JSON that is not an object": (frame([1, 2]), ["bad_message"], 0),
    "invalid UTF-8": (frame(b"\xff\xfe\xfd"), ["bad_json"], 0),
    "a length far over the limit": (struct.pack("<I", MAX_INCOMING + 1) + b"x" * 10, [], 1),
    "input cut inside the header": (b"\x05\x00", [], 1),
    "input cut inside the body": (struct.pack("<I", 50) + b'{"type"', [], 1),
    "unknown message type": (frame({"type": "shutdown"}), ["unknown_type"], 0),
    "no input at all": (b"", [], 0),
}


@pytest.mark.parametrize("stdin, codes, status", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_gets_an_error_frame_or_a_quiet_exit_never_garbage(tmp_path, stdin, codes,
                                                                      status):
    host = Host(tmp_path, free_port(), Caller(origin=ORIGIN), spawn=NeverSpawn())
    got_status, got = run_host(host, stdin)
    assert [a["error"] for a in got] == codes
    assert all(a["type"] == "error" and a["messages"]["ja"] and a["messages"]["en"] for a in got)
    assert got_status == status


# -- who is calling ------------------------------------------------------------------------

CALLERS = {
    "Chrome on Linux/macOS": ([f"{ORIGIN}/"], Caller(origin=ORIGIN)),
    "Chrome on Windows adds --parent-window": ([f"{ORIGIN}/", "--parent-window=0"],
                                                Caller(origin=ORIGIN)),
    "Firefox passes the manifest path and the add-on ID": (
        ["/home/u/.mozilla/native-messaging-hosts/jp.atesaki.host.json", PUBLISHED_FIREFOX_ID],
        Caller(extension_id=PUBLISHED_FIREFOX_ID)),
    "run by hand with no arguments": ([], Caller()),
    "a web page origin is not an extension": (["https://evil.example/"], Caller()),
}


@pytest.mark.parametrize("args, caller", CALLERS.values(), ids=CALLERS.keys())
def test_the_caller_is_read_from_the_browsers_arguments(args, caller):
    assert caller_from_args(args) == caller


@pytest.fixture
def installed(tmp_path) -> Path:
    """A data folder where the host was installed for the published Chrome ID (one profile)."""
    data = tmp_path / "data"
    installer.install(data, profile=tmp_path / "profile", port=free_port())
    return data


def test_an_extension_not_installed_for_gets_no_token_and_no_origin(installed):
    host = Host(installed, free_port(), Caller(origin=f"chrome-extension://{OTHER_ID}"),
                spawn=NeverSpawn())
    _status, (answer,) = run_host(host, frame({"type": "hello"}))
    assert answer["error"] == "origin_not_allowed" and "token" not in answer
    assert not (installed / "config.toml").exists()


def test_without_an_install_record_nobody_is_allowed(tmp_path):
    host = Host(tmp_path, free_port(), Caller(origin=ORIGIN), spawn=NeverSpawn())
    _status, (answer,) = run_host(host, frame({"type": "hello"}))
    assert answer["error"] == "origin_not_allowed"


def test_firefox_may_name_its_moz_extension_origin(tmp_path, live_service):
    installer.install(live_service.data_dir, browser="firefox",
                      platform=Platform("linux", tmp_path / "home", {}))
    origin = "moz-extension://12345678-1234-1234-1234-123456789abc"
    host = Host(live_service.data_dir, live_service.port,
                Caller(extension_id=PUBLISHED_FIREFOX_ID), spawn=NeverSpawn())
    _status, (answer,) = run_host(host, frame({"type": "hello", "origin": origin}))
    assert answer["type"] == "hello" and answer["token"] == live_service.token
    assert origin in (live_service.data_dir / "config.toml").read_text(encoding="utf-8")


# -- the service: started once, found when running --------------------------------------------

def test_a_running_service_is_used_and_the_origin_is_accepted_without_a_restart(live_service,
                                                                                tmp_path):
    installer.install(live_service.data_dir, profile=tmp_path / "p")
    status, _h, _b = live_service.request("GET", "/v1/checkers", headers={"Origin": ORIGIN})
    assert status == 403  # not allowed yet
    host = Host(live_service.data_dir, live_service.port, Caller(origin=ORIGIN),
                spawn=NeverSpawn())
    _status, (answer,) = run_host(host, frame({"type": "hello"}))
    assert answer == {"type": "hello", "serverUrl": live_service.url,
                      "token": live_service.token, "version": answer["version"]}
    status, _h, _b = live_service.request("GET", "/v1/checkers", headers={"Origin": ORIGIN})
    assert status == 200


def test_something_else_on_the_port_is_reported_not_overwritten(installed):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]

        def answer_garbage():
            while True:
                try:
                    conn, _ = sock.accept()
                except OSError:  # the test closed the socket
                    return
                conn.recv(1024)
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>")
                conn.close()

        threading.Thread(target=answer_garbage, daemon=True).start()
        host = Host(installed, port, Caller(origin=ORIGIN), spawn=NeverSpawn())
        _status, (answer,) = run_host(host, frame({"type": "hello"}))
    assert answer["error"] == "port_taken" and str(port) in answer["messages"]["en"]


def test_a_service_on_another_data_folder_is_reported(installed, live_service):
    host = Host(installed, live_service.port, Caller(origin=ORIGIN), spawn=NeverSpawn())
    _status, (answer,) = run_host(host, frame({"type": "hello"}))
    assert answer["error"] == "token_mismatch"


def test_a_service_that_cannot_start_is_reported_with_its_log(installed):
    class Exits:
        pid = 1

        def poll(self):
            return 2

    host = Host(installed, free_port(), Caller(origin=ORIGIN), start_timeout=2,
                spawn=lambda command, output: Exits())
    _status, (answer,) = run_host(host, frame({"type": "hello"}))
    assert answer["error"] == "service_failed" and "serve-output.log" in answer["message"]


def launcher(data_dir: Path) -> Path:
    return data_dir / "native-host" / "atesaki-native-host"


def start_host(data_dir: Path, origin: str = ORIGIN) -> subprocess.Popen:
    proc = subprocess.Popen([str(launcher(data_dir)), f"{origin}/"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(frame({"type": "hello"}))
    proc.stdin.close()
    return proc


def finish(proc: subprocess.Popen) -> dict:
    out = proc.stdout.read()
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    (answer,) = answers(out)
    return answer


@pytest.fixture
def host_install(tmp_path):
    """The host installed into a profile with a free port; the services it starts are stopped."""
    data = tmp_path / "data with space"
    port = free_port()
    installer.install(data, profile=tmp_path / "profile", port=port)
    yield data, port
    pid_file = data / PID_NAME
    if pid_file.exists():
        stop_pid(int(pid_file.read_text()))


def stop_pid(pid: int) -> None:
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


@pytest.mark.skipif(sys.platform.startswith("win"), reason="runs the POSIX launcher")
def test_hosts_started_together_start_exactly_one_service_and_hello_restarts_it(host_install):
    data, port = host_install
    procs = [start_host(data) for _ in range(2)]
    got = [finish(p) for p in procs]
    assert {a["type"] for a in got} == {"hello"}, got
    assert {a["serverUrl"] for a in got} == {f"http://127.0.0.1:{port}"}
    assert service_state(port, got[0]["token"]) == "ours"
    started = (data / "native-host.log").read_text(encoding="utf-8").count("started the service")
    assert started == 1
    # The browser ending the host does not end the service (it runs in its own session).
    first_pid = int((data / PID_NAME).read_text())
    stop_pid(first_pid)
    assert service_state(port) == "down"
    again = finish(start_host(data))
    assert again["type"] == "hello" and service_state(port, again["token"]) == "ours"
    assert int((data / PID_NAME).read_text()) != first_pid
    log_text = (data / "native-host.log").read_text(encoding="utf-8")
    assert again["token"] not in log_text


# -- install / uninstall ----------------------------------------------------------------------

def linux(tmp_path, xdg: bool = True) -> Platform:
    home = tmp_path / "home"
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")} if xdg else {}
    return Platform("linux", home, env)


def test_linux_install_writes_each_browsers_manifest_with_exactly_the_given_ids(tmp_path):
    platform = linux(tmp_path)
    change = installer.install(tmp_path / "data", extension_ids=[OTHER_ID, CHROME_ID],
                               platform=platform)
    xdg = tmp_path / "xdg"
    expected = {
        xdg / "google-chrome/NativeMessagingHosts/jp.atesaki.host.json",
        xdg / "chromium/NativeMessagingHosts/jp.atesaki.host.json",
        xdg / "microsoft-edge/NativeMessagingHosts/jp.atesaki.host.json",
    }
    assert expected <= set(change.written)
    for path in expected:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["allowed_origins"] == [f"chrome-extension://{OTHER_ID}/",
                                           f"chrome-extension://{CHROME_ID}/"]
        assert data["type"] == "stdio" and Path(data["path"]).is_absolute()
        assert os.access(data["path"], os.X_OK)
    # Only Chrome IDs were given: Firefox is left alone rather than given a published ID.
    assert not (tmp_path / "home/.mozilla").exists()


def test_default_ids_are_the_published_ones_and_firefox_gets_allowed_extensions(tmp_path):
    installer.install(tmp_path / "data", platform=linux(tmp_path, xdg=False))
    home = tmp_path / "home"
    chrome = json.loads((home / ".config/google-chrome/NativeMessagingHosts/"
                         "jp.atesaki.host.json").read_text(encoding="utf-8"))
    firefox = json.loads((home / ".mozilla/native-messaging-hosts/"
                          "jp.atesaki.host.json").read_text(encoding="utf-8"))
    assert chrome["allowed_origins"] == [f"chrome-extension://{PUBLISHED_CHROME_ID}/"]
    assert firefox["allowed_extensions"] == [PUBLISHED_FIREFOX_ID]
    assert "allowed_origins" not in firefox


def test_macos_uses_application_support(tmp_path):
    platform = Platform("darwin", tmp_path / "home", {})
    change = installer.install(tmp_path / "data", browser="edge", platform=platform)
    assert tmp_path / "home/Library/Application Support/Microsoft Edge/NativeMessagingHosts/" \
        "jp.atesaki.host.json" in change.written


def test_windows_registers_each_browser_in_hkcu_and_uninstall_removes_the_keys(tmp_path):
    registry = MemoryRegistry()
    platform = Platform("win32", tmp_path / "home", {})
    data = tmp_path / "data"
    installer.install(data, platform=platform, registry=registry, python="C:\\Py 3\\python.exe")
    for browser, key in installer.REGISTRY_KEYS.items():
        manifest_path = Path(registry.get_default(key))
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        assert manifest["path"].endswith(".bat"), browser
    bat = (data / "native-host" / "atesaki-native-host.bat").read_bytes().decode("utf-8")
    assert bat.startswith("@echo off\r\n") and '"C:\\Py 3\\python.exe"' in bat
    assert bat.rstrip().endswith("%*")
    assert r"Software\Google\Chrome\NativeMessagingHosts\jp.atesaki.host" in \
        installer.REGISTRY_KEYS.values()
    installer.uninstall(data, platform=platform, registry=registry)
    assert registry.keys == {}
    assert not (data / "native-host").exists() or not any((data / "native-host").iterdir())


def test_a_percent_in_a_windows_path_is_doubled_in_the_bat():
    text = installer.launcher_text("C:\\p\\python.exe", Path("C:\\100%data"), 9000, True)
    assert '"C:\\100%%data"' in text and "--port 9000" in text


def test_uninstall_removes_our_manifests_and_launcher_but_not_someone_elses(tmp_path):
    platform = linux(tmp_path)
    data = tmp_path / "data"
    installer.install(data, platform=platform)
    foreign = tmp_path / "xdg/chromium/NativeMessagingHosts/com.other.host.json"
    foreign.write_text('{"name": "com.other.host"}', encoding="utf-8")
    change = installer.uninstall(data, platform=platform)
    assert len([p for p in change.removed if p.name == "jp.atesaki.host.json"]) == 4
    assert foreign.exists()
    assert not (data / "native-host" / "atesaki-native-host").exists()
    assert not (data / "native-host" / "installed.json").exists()


def test_the_install_record_lists_the_allowed_callers(tmp_path):
    data = tmp_path / "data"
    installer.install(data, extension_ids=[OTHER_ID], profile=tmp_path / "p")
    assert installer.allowed_callers(data) == ({f"chrome-extension://{OTHER_ID}"}, set())
    installer.uninstall(data, profile=tmp_path / "p")
    assert installer.allowed_callers(data) == (set(), set())


# -- the command ------------------------------------------------------------------------------

def test_install_and_uninstall_through_the_command(runner, tmp_path, data_dir):
    profile = tmp_path / "profile"
    done = runner("native-host", "install", "--profile", str(profile), "--extension-id",
                  OTHER_ID, "--port", "9999")
    assert done.exit_code == 0, done.output
    manifest = json.loads((profile / "NativeMessagingHosts/jp.atesaki.host.json").read_text())
    assert manifest["allowed_origins"] == [f"chrome-extension://{OTHER_ID}/"]
    script = Path(manifest["path"]).read_text()
    assert f"--data-dir {data_dir}" in script and "native-host --port 9999" in script
    done = runner("native-host", "uninstall", "--profile", str(profile))
    assert done.exit_code == 0 and "jp.atesaki.host.json" in done.output
    assert not (profile / "NativeMessagingHosts/jp.atesaki.host.json").exists()


BAD_IDS = {
    "too short": "abc",
    "letters past p": "qrstuvwxyzqrstuvwxyzqrstuvwxyzqr",
    "a URL": "https://example.com/",
}


@pytest.mark.parametrize("bad", BAD_IDS.values(), ids=BAD_IDS.keys())
def test_a_bad_extension_id_is_refused_with_exit_2_and_writes_nothing(runner, tmp_path, bad):
    done = runner("native-host", "install", "--profile", str(tmp_path / "p"),
                  "--extension-id", bad)
    assert done.exit_code == 2 and "--extension-id" in done.output and bad in done.output
    assert not (tmp_path / "p").exists()


@pytest.mark.skipif(sys.platform.startswith("win"), reason="runs the POSIX launcher")
def test_the_bare_command_is_the_host_and_accepts_the_browsers_extra_arguments(tmp_path):
    data = tmp_path / "data"
    installer.install(data, profile=tmp_path / "p", extension_ids=[OTHER_ID])
    done = subprocess.run(
        [sys.executable, "-m", "atesaki", "--data-dir", str(data), "native-host",
         f"{ORIGIN}/", "--parent-window=0"],
        input=frame({"type": "hello"}), capture_output=True, timeout=60, check=False)
    (answer,) = answers(done.stdout)
    assert answer["error"] == "origin_not_allowed"  # installed for OTHER_ID only


# -- the log file -----------------------------------------------------------------------------

@pytest.fixture
def logged_app(app, data_dir):
    handler = logs.setup(data_dir)
    yield app
    for name in ("atesaki", "waitress"):
        logging.getLogger(name).removeHandler(handler)
    handler.close()


def test_requests_are_logged_without_token_body_or_path_secrets(logged_app, client, data_dir):
    client.check([{"field": "to", "address": "secret.person@example.com", "name": "秘密 太郎"}],
                 body="my-private-body-text")
    client.raw.get("/enrol/one-time-secret-token-123", headers={"Host": "127.0.0.1:8765"})
    text = (data_dir / "atesaki.log").read_text(encoding="utf-8")
    assert "POST /v1/check 200" in text
    for secret in (client.token, "secret.person", "秘密", "my-private-body-text",
                   "one-time-secret-token-123"):
        assert secret not in text


def test_a_message_holding_the_token_is_redacted(logged_app, client, data_dir):
    logging.getLogger("atesaki").warning("oops %s", client.token)
    text = (data_dir / "atesaki.log").read_text(encoding="utf-8")
    assert client.token not in text and logs.REDACTED in text


def test_the_log_rotates_and_keeps_three_old_files(tmp_path):
    handler = logs.setup(tmp_path, max_bytes=2000, logger_names=("atesaki.test_rotation",))
    logger = logging.getLogger("atesaki.test_rotation")
    for n in range(400):
        logger.info("line %d %s", n, "x" * 40)
    logger.removeHandler(handler)
    handler.close()
    names = sorted(p.name for p in tmp_path.glob("atesaki.log*"))
    assert names == ["atesaki.log", "atesaki.log.1", "atesaki.log.2", "atesaki.log.3"]
    assert all(p.stat().st_size <= 2100 for p in tmp_path.glob("atesaki.log*"))
