"""The README's first command, as a new user runs it: Debian's own Python, root or not.

`bash tools/install.sh && ~/.local/bin/atesaki serve` must work on a stock Debian 12,
where `pip install .` into the system Python stops with "externally-managed-environment"
(PEP 668). These tests run the script with /usr/bin/python3 in an empty home, then start
the installed service and ask it for a check from the paired extension's origin, CORS
headers included: what failed for every new user on 2026-12-04.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_PYTHON = Path("/usr/bin/python3")
EXTENSION = "chrome-extension://" + "e" * 32
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
INSTALL = "bash tools/install.sh && ~/.local/bin/atesaki serve"
TEST = "bash tools/test.sh"


def _readme_setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up", 1)[1].split("\n#", 1)[0]  # up to the next heading
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_the_readme_gives_exactly_the_two_setup_commands():
    commands = _readme_setup_commands()
    assert commands == [INSTALL, TEST]


def _copy_of_the_project(owner: str | None) -> Path:
    """The project as a new user clones it: only the files git tracks, in a folder they own."""
    where = Path(tempfile.mkdtemp(prefix="atesaki-clone-", dir="/tmp"))
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            target = where / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    if owner is not None:
        subprocess.run(["chown", "-R", owner, str(where)], check=True)
    where.chmod(0o755)
    return where


def _run_install(project: Path, home: Path, user: str | None) -> Path:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "PYTHON": str(DEBIAN_PYTHON)}
    for name in ("PIP_FIND_LINKS", "PIP_CERT", "PIP_DEFAULT_TIMEOUT"):
        if name in os.environ:
            env[name] = os.environ[name]
    command = ["bash", "tools/install.sh"]
    if user is not None:
        command = [RUNUSER, "-u", user, "--", "env", *[f"{k}={v}" for k, v in env.items()],
                   *command]
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    atesaki = home / ".local" / "bin" / "atesaki"
    assert atesaki.exists(), done.stderr
    venv_python = home / ".local" / "share" / "atesaki-venv" / "bin" / "python"
    assert os.path.realpath(venv_python).startswith("/usr/bin/python3"), "Debian's own Python"
    return atesaki


def _serve_and_check(atesaki: Path, home: Path, user: str | None) -> None:
    data = home / "data"
    port = free_port()
    prefix = [RUNUSER, "-u", user, "--"] if user is not None else []
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    subprocess.run([*prefix, str(atesaki), "--data-dir", str(data), "pair", "--origin", EXTENSION],
                   check=True, env=env, capture_output=True)
    token = subprocess.run([*prefix, str(atesaki), "--data-dir", str(data), "token"], check=True,
                           env=env, capture_output=True, text=True).stdout.strip()
    server = subprocess.Popen([*prefix, str(atesaki), "--data-dir", str(data), "serve",
                               "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/v1/health", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "the installed service did not answer"
                time.sleep(0.3)
        preflight = urllib.request.Request(base + "/v1/check", method="OPTIONS", headers={
            "Origin": EXTENSION, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-atesaki-token"})
        with urllib.request.urlopen(preflight, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Access-Control-Allow-Origin"] == EXTENSION
        body = json.dumps({"recipients": [{"field": "to", "address": "k.sato@example.com",
                                           "name": "佐藤 健二"}]}).encode()
        check = urllib.request.Request(base + "/v1/check", data=body, method="POST", headers={
            "Origin": EXTENSION, "Content-Type": "application/json", "X-Atesaki-Token": token})
        with urllib.request.urlopen(check, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Access-Control-Allow-Origin"] == EXTENSION
            assert json.load(response)["verdict"] in ("confirm", "approve")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)


needs_debian_python = pytest.mark.skipif(not DEBIAN_PYTHON.exists(),
                                         reason="no Debian /usr/bin/python3 here")


@pytest.mark.install
@needs_debian_python
def test_install_with_debian_python_as_this_user(tmp_path):
    project = _copy_of_the_project(None)
    try:
        home = tmp_path / "home"
        home.mkdir()
        atesaki = _run_install(project, home, None)
        _serve_and_check(atesaki, home, None)
    finally:
        shutil.rmtree(project, ignore_errors=True)


@pytest.mark.install
@needs_debian_python
@pytest.mark.skipif(os.geteuid() != 0 or not Path(RUNUSER).exists(),
                    reason="needs root and runuser to act as another user")
def test_install_with_debian_python_as_a_normal_user():
    user = "nobody"
    pwd.getpwnam(user)
    project = _copy_of_the_project(user)
    home = Path(tempfile.mkdtemp(prefix="atesaki-home-", dir="/tmp"))
    try:
        subprocess.run(["chown", user, str(home)], check=True)
        atesaki = _run_install(project, home, user)
        _serve_and_check(atesaki, home, user)
    finally:
        shutil.rmtree(project, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
