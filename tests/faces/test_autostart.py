"""Autostart: one service description rendered as a systemd unit, XDG entry, LaunchAgent and Task XML."""

from __future__ import annotations

import configparser
import plistlib
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from atesaki import autostart
from atesaki.autostart import (
    TASK_NS,
    LinuxBackend,
    MacBackend,
    WindowsBackend,
    backend_for,
    desktop_entry,
    launch_agent,
    service_spec,
    systemd_unit,
    task_xml,
)

NS = {"t": TASK_NS}
# Folders a real user might have: spaces, and the characters systemd and desktop files expand.
AWKWARD_DIRS = {
    "plain": "data",
    "space": "My Data",
    "percent and dollar": "da%ta $HOME",
    "japanese": "宛先 データ",
    "backslash and quote": "a\\b \"c\"",
}


class FakeRunner:
    """Records the system commands a backend runs; answers with given return codes."""

    def __init__(self, codes: dict[tuple[str, ...], int] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.codes = codes or {}

    def __call__(self, args):
        args = list(args)
        self.calls.append(args)
        code = 0
        for prefix, value in self.codes.items():
            if tuple(args[: len(prefix)]) == prefix:
                code = value
        return subprocess.CompletedProcess(args, code, "enabled\n" if code == 0 else "", "")

    def ran(self, *prefix: str) -> bool:
        """Whether a command starting with ``prefix`` was run."""
        return any(tuple(c[: len(prefix)]) == prefix for c in self.calls)


NO_USER_SYSTEMD = {("systemctl", "--user", "show-environment"): 1}


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fake home folder; the real one is never touched."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(path / ".config"))
    return path


def spec_in(tmp_path: Path, name: str, port: int = 8765):
    data = tmp_path / name
    data.mkdir(exist_ok=True)
    return service_spec(data, port)


# -- the one description -------------------------------------------------------------------

def test_the_spec_runs_atesaki_serve_on_the_data_folder_and_a_non_default_port(tmp_path):
    spec = service_spec(tmp_path / "d", 9000, python="/usr/bin/python3")
    assert spec.argv == ["/usr/bin/python3", "-m", "atesaki", "--data-dir",
                         str((tmp_path / "d").absolute()), "serve", "--port", "9000"]
    assert "--port" not in service_spec(tmp_path / "d", 8765).args


# -- Linux: systemd unit ---------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze missing (Debian package systemd)")
@pytest.mark.parametrize("folder", AWKWARD_DIRS.values(), ids=AWKWARD_DIRS.keys())
def test_systemd_analyze_accepts_the_unit(tmp_path, folder):
    spec = spec_in(tmp_path, folder)
    unit = tmp_path / "atesaki.service"
    unit.write_text(systemd_unit(spec), encoding="utf-8")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    done = subprocess.run(
        ["systemd-analyze", "--user", "verify", str(unit)], capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path)},
        timeout=60, check=False)
    # verify exits 0 even when it ignores a bad line; any complaint names the file.
    assert done.returncode == 0, done.stderr
    assert "atesaki.service" not in done.stderr, done.stderr


@pytest.mark.parametrize("folder", AWKWARD_DIRS.values(), ids=AWKWARD_DIRS.keys())
def test_the_units_exec_line_reads_back_as_the_same_command(tmp_path, folder):
    spec = spec_in(tmp_path, folder)
    unit = systemd_unit(spec)
    exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
    # systemd's own unescaping: %% -> %, $$ -> $, then shell-like quotes.
    words = [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(exec_start)]
    assert words == spec.argv
    assert "Restart=on-failure" in unit and "WantedBy=default.target" in unit


# -- Linux: XDG autostart --------------------------------------------------------------------

@pytest.mark.parametrize("folder", AWKWARD_DIRS.values(), ids=AWKWARD_DIRS.keys())
def test_the_desktop_entry_has_the_required_keys_and_the_same_command(tmp_path, folder):
    spec = spec_in(tmp_path, folder)
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string(desktop_entry(spec))
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "Atesaki"
    assert desktop_exec_argv(entry["Exec"]) == spec.argv


def desktop_exec_argv(value: str) -> list[str]:
    """The Desktop Entry spec's reading of an Exec value (string escapes, then quoting)."""
    value = re.sub(r"\\(.)", lambda m: {"s": " ", "n": "\n", "t": "\t", "r": "\r",
                                          "\\": "\\"}.get(m.group(1), "\\" + m.group(1)), value)
    words: list[str] = []
    word, quoted, i, started = "", False, 0, False
    while i < len(value):
        c = value[i]
        if quoted and c == "\\" and i + 1 < len(value) and value[i + 1] in '"`$\\':
            word += value[i + 1]
            i += 2
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if started:
                words.append(word)
            word, started = "", False
        else:
            word, started = word + c, True
        i += 1
    if started:
        words.append(word)
    return [w.replace("%%", "%") for w in words]


# -- macOS: LaunchAgent ----------------------------------------------------------------------

def test_the_launch_agent_round_trips_with_run_at_load_and_keep_alive(tmp_path):
    spec = spec_in(tmp_path, "My Data")
    plist = plistlib.loads(launch_agent(spec))
    assert plist["Label"] == "jp.atesaki.service"
    assert plist["ProgramArguments"] == spec.argv
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] == {"SuccessfulExit": False}  # restarted only after a crash
    assert plist["StandardErrorPath"].endswith("serve-output.log")
    assert plistlib.loads(plistlib.dumps(plist)) == plist


# -- Windows: Task Scheduler -----------------------------------------------------------------

def parse_task(xml: str) -> ET.Element:
    # Our own output, not untrusted input; ElementTree refuses a str with an encoding line.
    return ET.fromstring(xml.split("\n", 1)[1])  # noqa: S314


def test_the_task_has_what_the_task_scheduler_schema_requires(tmp_path):
    spec = spec_in(tmp_path, "My Data")
    xml = task_xml(spec, "OFFICE\\tanaka")
    assert xml.startswith('<?xml version="1.0" encoding="UTF-16"?>')
    task = parse_task(xml)
    assert task.tag == f"{{{TASK_NS}}}Task" and task.get("version") == "1.2"
    # taskType is an xs:all with Actions the only required child; each appears once.
    children = [c.tag.split("}")[1] for c in task]
    assert "Actions" in children and len(children) == len(set(children))
    assert set(children) <= {"RegistrationInfo", "Triggers", "Settings", "Data", "Principals",
                             "Actions"}
    # The Actions' Context must name a Principal (the schema's ContextKeyRef).
    principal_ids = {p.get("id") for p in task.findall("t:Principals/t:Principal", NS)}
    assert task.find("t:Actions", NS).get("Context") in principal_ids
    assert task.findtext("t:Triggers/t:LogonTrigger/t:UserId", namespaces=NS) == "OFFICE\\tanaka"
    assert task.findtext("t:Principals/t:Principal/t:LogonType", namespaces=NS) == \
        "InteractiveToken"
    exec_ = task.find("t:Actions/t:Exec", NS)
    assert exec_.findtext("t:Command", namespaces=NS) == spec.program
    assert exec_.findtext("t:Arguments", namespaces=NS) == subprocess.list2cmdline(spec.args)
    assert '"' + str(spec.working_dir) + '"' in exec_.findtext("t:Arguments", namespaces=NS)


def test_the_tasks_values_have_the_schemas_types(tmp_path):
    task = parse_task(task_xml(spec_in(tmp_path, "d"), "tanaka"))
    booleans = ["Enabled", "DisallowStartIfOnBatteries", "StopIfGoingOnBatteries",
                "StartWhenAvailable", "Hidden", "StopOnIdleEnd"]
    for element in task.iter():
        name = element.tag.split("}")[1]
        if name in booleans:
            assert element.text in ("true", "false"), name
    settings = task.find("t:Settings", NS)
    assert re.fullmatch(r"P(T\d+[HMS])+", settings.findtext("t:ExecutionTimeLimit",
                                                              namespaces=NS))
    # RestartOnFailure's Interval must be between one minute and 31 days.
    assert settings.findtext("t:RestartOnFailure/t:Interval", namespaces=NS) == "PT1M"
    assert 0 <= int(settings.findtext("t:Priority", namespaces=NS)) <= 10


# -- backends: the right files and commands, never the real ones ------------------------------

def test_linux_with_user_systemd_writes_the_unit_and_enables_it_now(tmp_path, home):
    runner = FakeRunner()
    backend = backend_for(tmp_path / "data", system="linux", home=home, run=runner)
    status = backend.enable(start_now=True)
    unit = home / ".config" / "systemd" / "user" / "atesaki.service"
    assert status.kind == "systemd" and unit.is_file()
    assert ["systemctl", "--user", "enable", "--now", "atesaki.service"] in runner.calls
    assert runner.ran("systemctl", "--user", "daemon-reload")
    assert backend.status().enabled


def test_linux_enable_does_not_start_a_second_service(tmp_path, home):
    runner = FakeRunner()
    backend_for(tmp_path / "data", system="linux", home=home, run=runner).enable(start_now=False)
    assert ["systemctl", "--user", "enable", "atesaki.service"] in runner.calls
    assert not any("--now" in c for c in runner.calls)


def test_linux_without_user_systemd_writes_an_xdg_autostart_entry(tmp_path, home):
    runner = FakeRunner(NO_USER_SYSTEMD)
    backend = backend_for(tmp_path / "data", system="linux", home=home, run=runner)
    status = backend.enable(start_now=True)
    assert status.kind == "xdg"
    assert (home / ".config" / "autostart" / "atesaki.desktop").is_file()
    assert not runner.ran("systemctl", "--user", "enable")
    assert backend.status().enabled
    backend.disable()
    assert not (home / ".config" / "autostart" / "atesaki.desktop").exists()
    assert not backend.status().enabled


def test_linux_disable_stops_and_removes_the_unit(tmp_path, home):
    runner = FakeRunner()
    backend = LinuxBackend(service_spec(tmp_path / "d"), home, {}, runner)
    backend.enable(start_now=True)
    backend.disable()
    assert ["systemctl", "--user", "disable", "--now", "atesaki.service"] in runner.calls
    assert not backend.unit_path.exists()


def test_macos_bootstraps_the_agent_and_boots_it_out(tmp_path, home):
    runner = FakeRunner()
    backend = MacBackend(service_spec(tmp_path / "d"), home, {}, runner)
    backend.enable(start_now=True)
    plist = home / "Library" / "LaunchAgents" / "jp.atesaki.service.plist"
    assert plistlib.loads(plist.read_bytes())["RunAtLoad"] is True
    assert runner.ran("launchctl", "bootstrap")
    assert backend.status().enabled
    backend.disable()
    assert not plist.exists() and runner.calls[-1][:2] == ["launchctl", "bootout"]


def test_windows_registers_the_task_from_utf16_xml(tmp_path, home):
    runner = FakeRunner()
    env = {"USERDOMAIN": "OFFICE", "USERNAME": "tanaka"}
    backend = WindowsBackend(service_spec(tmp_path / "d"), home, env, runner)
    backend.enable(start_now=True)
    create = next(c for c in runner.calls if c[:2] == ["schtasks", "/Create"])
    xml_file = Path(create[create.index("/XML") + 1])
    assert xml_file.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")  # schtasks wants a BOM
    task = parse_task(xml_file.read_text(encoding="utf-16"))
    assert task.findtext("t:Triggers/t:LogonTrigger/t:UserId", namespaces=NS) == "OFFICE\\tanaka"
    assert ["schtasks", "/Run", "/TN", "Atesaki"] in runner.calls
    backend.disable()
    assert runner.ran("schtasks", "/Delete", "/TN", "Atesaki") and not xml_file.exists()


def test_windows_status_follows_schtasks(tmp_path, home):
    missing = FakeRunner({("schtasks", "/Query"): 1})
    assert not WindowsBackend(service_spec(tmp_path / "d"), home, {}, missing).status().enabled


def test_windows_prefers_pythonw_so_no_console_opens_at_login(tmp_path):
    python = tmp_path / "python.exe"
    python.write_text("")
    (tmp_path / "pythonw.exe").write_text("")
    spec = service_spec(tmp_path / "d", python=str(python), windowless=True)
    assert spec.program.endswith("pythonw.exe")


# -- the command -----------------------------------------------------------------------------

@pytest.fixture
def fake_system(monkeypatch):
    runner = FakeRunner()
    monkeypatch.setattr(autostart, "run_command", runner)
    monkeypatch.setattr(autostart.sys, "platform", "linux")
    return runner


@pytest.mark.skipif(sys.platform != "linux", reason="uses the Linux backend")
def test_the_command_enables_reports_and_disables(runner, home, fake_system):
    done = runner("autostart", "enable", "--port", "1")
    assert done.exit_code == 0, done.output
    assert "atesaki.service" in done.output
    assert (home / ".config" / "systemd" / "user" / "atesaki.service").is_file()
    done = runner("autostart", "status", "--port", "1")
    assert done.exit_code == 0 and "enabled" in done.output.lower() + "有効"
    assert "not running" in done.output or "動作していません" in done.output
    done = runner("autostart", "disable", "--port", "1")
    assert done.exit_code == 0
    assert not (home / ".config" / "systemd" / "user" / "atesaki.service").exists()


def test_enable_leaves_a_running_service_alone(runner, home, fake_system, live_service):
    done = runner("autostart", "enable", "--port", str(live_service.port))
    assert done.exit_code == 0, done.output
    assert ["systemctl", "--user", "enable", "atesaki.service"] in fake_system.calls
