"""``atesaki autostart enable|disable|status``: start the service at login, per user.

One description of the service (``ServiceSpec``: program, arguments, working
folder, description) is rendered into each platform's format:

- Linux: a systemd user unit ``~/.config/systemd/user/atesaki.service`` enabled with
  ``systemctl --user enable --now``; where there is no user systemd, an XDG
  autostart entry ``~/.config/autostart/atesaki.desktop``;
- macOS: a LaunchAgent ``~/Library/LaunchAgents/jp.atesaki.service.plist``;
- Windows: a Task Scheduler task "Atesaki" at logon, registered from its XML with
  ``schtasks /Create /XML``.

Commands are run through an injectable runner, so tests never touch the real
session manager.
"""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import click

from atesaki.core.i18n import Text
from atesaki.exits import BadInput
from atesaki.files import write_atomically
from atesaki.settings import DEFAULT_PORT

UNIT_NAME = "atesaki.service"
DESKTOP_NAME = "atesaki.desktop"
AGENT_LABEL = "jp.atesaki.service"
TASK_NAME = "Atesaki"
TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
SERVE_OUTPUT = "serve-output.log"

DESCRIPTION = Text("Atesaki（宛先）: 送信前に宛先を確認するローカルサービス",
                   "Atesaki: the local service that checks e-mail recipients")

Runner = Callable[[Sequence[str]], subprocess.CompletedProcess]


def run_command(args: Sequence[str]) -> subprocess.CompletedProcess:
    """Run a system command, capturing its output (never raises for a missing program)."""
    try:
        return subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)
    except FileNotFoundError as exc:
        return subprocess.CompletedProcess(list(args), 127, "", str(exc))
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(list(args), 124, "", "timed out")


@dataclass(frozen=True)
class ServiceSpec:
    """What to start at login, once, for every platform's format."""

    program: str
    args: tuple[str, ...]
    working_dir: Path
    description: Text = DESCRIPTION
    log_file: Path | None = None

    @property
    def argv(self) -> list[str]:
        """Program and arguments."""
        return [self.program, *self.args]


def service_spec(data_dir: Path, port: int = DEFAULT_PORT, python: str = sys.executable,
                 windowless: bool = False) -> ServiceSpec:
    """The spec of ``atesaki serve`` on this data folder and port.

    ``windowless``: on Windows, pythonw.exe (next to python.exe) so no console opens at login.
    """
    program = python
    if windowless:
        candidate = Path(python).with_name("pythonw.exe")
        if candidate.exists():
            program = str(candidate)
    data_dir = Path(data_dir).absolute()
    args = ["-m", "atesaki", "--data-dir", str(data_dir), "serve"]
    if port != DEFAULT_PORT:
        args += ["--port", str(port)]
    return ServiceSpec(program, tuple(args), data_dir, log_file=data_dir / SERVE_OUTPUT)


# -- renderers: one spec, four formats -------------------------------------------------

def _systemd_word(word: str) -> str:
    # systemd expands % specifiers and $VARIABLES in ExecStart: escape both, quote spaces.
    escaped = word.replace("%", "%%").replace("$", "$$")
    if any(c in escaped for c in " \t\"'\\;") or not escaped:
        escaped = '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return escaped


def systemd_unit(spec: ServiceSpec) -> str:
    """A systemd user unit that starts the service at login and restarts it if it crashes."""
    exec_start = " ".join(_systemd_word(w) for w in spec.argv)
    return (
        "# Written by `atesaki autostart enable`; remove with `atesaki autostart disable`.\n"
        "[Unit]\n"
        f"Description={spec.description.en}\n"
        "After=network.target\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={exec_start}\n"
        # WorkingDirectory takes the rest of the line as is: only % specifiers are expanded.
        f"WorkingDirectory={str(spec.working_dir).replace('%', '%%')}\n"
        "Restart=on-failure\n"
        "RestartSec=5\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def _desktop_word(word: str) -> str:
    # Desktop Entry spec, "The Exec key": an argument with reserved characters is quoted and
    # ", `, $ and \ inside are backslash-escaped; then the string-value rule doubles every
    # backslash again (a literal backslash becomes four). % is the field-code marker.
    escaped = word.replace("%", "%%")
    if any(c in escaped for c in ' \t\n"\'\\><~|&;$*?#()`'):
        for c in '\\"`$':
            escaped = escaped.replace(c, "\\" + c)
        escaped = f'"{escaped}"'
    return escaped.replace("\\", "\\\\")


def desktop_entry(spec: ServiceSpec) -> str:
    """An XDG autostart entry for desktops without a user systemd."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Atesaki\n"
        f"Comment={spec.description.en}\n"
        f"Comment[ja]={spec.description.ja}\n"
        f"Exec={' '.join(_desktop_word(w) for w in spec.argv)}\n"
        f"Path={spec.working_dir}\n"
        "Terminal=false\n"
        "NoDisplay=true\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def launch_agent(spec: ServiceSpec) -> bytes:
    """A macOS LaunchAgent plist: started at login, restarted if it exits with an error."""
    data = {
        "Label": AGENT_LABEL,
        "ProgramArguments": spec.argv,
        "WorkingDirectory": str(spec.working_dir),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ProcessType": "Background",
    }
    if spec.log_file is not None:
        data["StandardOutPath"] = data["StandardErrorPath"] = str(spec.log_file)
    return plistlib.dumps(data, fmt=plistlib.FMT_XML)


def task_xml(spec: ServiceSpec, user: str) -> str:
    """A Task Scheduler task (schema 1.2) that starts the service when ``user`` logs on."""
    ET.register_namespace("", TASK_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{TASK_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    task = ET.Element(f"{{{TASK_NS}}}Task", {"version": "1.2"})
    info = sub(task, "RegistrationInfo")
    sub(info, "Description", spec.description.en)
    sub(info, "URI", "\\" + TASK_NAME)
    triggers = sub(task, "Triggers")
    logon = sub(triggers, "LogonTrigger")
    sub(logon, "Enabled", "true")
    sub(logon, "UserId", user)
    principals = sub(task, "Principals")
    principal = sub(principals, "Principal", id="Author")
    sub(principal, "UserId", user)
    sub(principal, "LogonType", "InteractiveToken")
    sub(principal, "RunLevel", "LeastPrivilege")
    settings = sub(task, "Settings")
    for tag, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("StartWhenAvailable", "true"),
        ("ExecutionTimeLimit", "PT0S"),  # no limit: it runs all day
        ("Enabled", "true"),
        ("Hidden", "false"),
        ("Priority", "7"),
    ):
        sub(settings, tag, value)
    idle = sub(settings, "IdleSettings")
    sub(idle, "StopOnIdleEnd", "false")
    restart = sub(settings, "RestartOnFailure")
    sub(restart, "Interval", "PT1M")
    sub(restart, "Count", "3")
    actions = sub(task, "Actions", Context="Author")
    exec_ = sub(actions, "Exec")
    sub(exec_, "Command", spec.program)
    sub(exec_, "Arguments", subprocess.list2cmdline(list(spec.args)))
    sub(exec_, "WorkingDirectory", str(spec.working_dir))
    ET.indent(task)
    return '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode")


# -- backends: where the file goes and which command registers it ------------------------

@dataclass
class Status:
    """What ``status`` reports."""

    enabled: bool
    kind: str  # "systemd", "xdg", "launchagent", "task"
    where: str
    detail: str = ""


@dataclass
class Backend:
    """One platform's way of starting the service at login."""

    spec: ServiceSpec
    home: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    run: Runner = run_command

    def enable(self, start_now: bool) -> Status:  # pragma: no cover - interface
        """Register the service to start at login (and now, when ``start_now``)."""
        raise NotImplementedError

    def disable(self) -> Status:  # pragma: no cover - interface
        """Unregister it (and stop the one it started)."""
        raise NotImplementedError

    def status(self) -> Status:  # pragma: no cover - interface
        """Whether it is registered."""
        raise NotImplementedError


class LinuxBackend(Backend):
    """systemd user unit, or an XDG autostart entry without a user systemd."""

    @property
    def config(self) -> Path:
        """$XDG_CONFIG_HOME, else ~/.config."""
        return Path(self.env.get("XDG_CONFIG_HOME") or self.home / ".config")

    @property
    def unit_path(self) -> Path:
        """~/.config/systemd/user/atesaki.service"""
        return self.config / "systemd" / "user" / UNIT_NAME

    @property
    def desktop_path(self) -> Path:
        """~/.config/autostart/atesaki.desktop"""
        return self.config / "autostart" / DESKTOP_NAME

    def user_systemd(self) -> bool:
        """True when a user systemd instance answers (not in containers or bare sessions)."""
        return self.run(["systemctl", "--user", "show-environment"]).returncode == 0

    def enable(self, start_now: bool) -> Status:
        """Write and enable the unit, else the autostart entry."""
        if self.user_systemd():
            _write(self.unit_path, systemd_unit(self.spec))
            self.desktop_path.unlink(missing_ok=True)
            self.run(["systemctl", "--user", "daemon-reload"])
            done = self.run(["systemctl", "--user", "enable", *(["--now"] if start_now else []),
                             UNIT_NAME])
            if done.returncode != 0:
                raise BadInput(f"systemctl --user enable: {done.stderr.strip()}")
            return Status(True, "systemd", str(self.unit_path))
        _write(self.desktop_path, desktop_entry(self.spec))
        return Status(True, "xdg", str(self.desktop_path))

    def disable(self) -> Status:
        """Disable and remove the unit and the autostart entry."""
        if self.unit_path.exists():
            if self.user_systemd():
                self.run(["systemctl", "--user", "disable", "--now", UNIT_NAME])
            self.unit_path.unlink()
            if self.user_systemd():
                self.run(["systemctl", "--user", "daemon-reload"])
        self.desktop_path.unlink(missing_ok=True)
        return Status(False, "systemd", str(self.unit_path))

    def status(self) -> Status:
        """Enabled when the unit is enabled (or the autostart entry exists)."""
        if self.unit_path.exists():
            enabled = True
            detail = ""
            if self.user_systemd():
                done = self.run(["systemctl", "--user", "is-enabled", UNIT_NAME])
                detail = done.stdout.strip()
                enabled = done.returncode == 0
            return Status(enabled, "systemd", str(self.unit_path), detail)
        if self.desktop_path.exists():
            return Status(True, "xdg", str(self.desktop_path))
        return Status(False, "systemd" if self.user_systemd() else "xdg", str(self.unit_path))


class MacBackend(Backend):
    """A LaunchAgent in ~/Library/LaunchAgents, loaded into the user's GUI session."""

    @property
    def plist_path(self) -> Path:
        """~/Library/LaunchAgents/jp.atesaki.service.plist"""
        return self.home / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist"

    @property
    def domain(self) -> str:
        """launchctl's domain of this user's GUI session."""
        return f"gui/{os.getuid()}" if hasattr(os, "getuid") else "gui/501"

    def enable(self, start_now: bool) -> Status:
        """Write the plist and bootstrap it (RunAtLoad starts it now)."""
        _write(self.plist_path, launch_agent(self.spec))
        self.run(["launchctl", "bootout", f"{self.domain}/{AGENT_LABEL}"])  # reload a changed one
        if start_now:
            done = self.run(["launchctl", "bootstrap", self.domain, str(self.plist_path)])
            if done.returncode != 0:
                raise BadInput(f"launchctl bootstrap: {done.stderr.strip()}")
        return Status(True, "launchagent", str(self.plist_path))

    def disable(self) -> Status:
        """Boot it out and remove the plist."""
        self.run(["launchctl", "bootout", f"{self.domain}/{AGENT_LABEL}"])
        self.plist_path.unlink(missing_ok=True)
        return Status(False, "launchagent", str(self.plist_path))

    def status(self) -> Status:
        """Enabled when the plist exists; loaded per launchctl print."""
        if not self.plist_path.exists():
            return Status(False, "launchagent", str(self.plist_path))
        loaded = self.run(["launchctl", "print", f"{self.domain}/{AGENT_LABEL}"]).returncode == 0
        return Status(True, "launchagent", str(self.plist_path), "loaded" if loaded else "")


class WindowsBackend(Backend):
    """A Task Scheduler task at logon, created by the user (no admin rights)."""

    @property
    def xml_path(self) -> Path:
        """The task's XML, kept in the data folder."""
        return self.spec.working_dir / "autostart-task.xml"

    @property
    def user(self) -> str:
        """DOMAIN\\user of whoever runs the command."""
        domain = self.env.get("USERDOMAIN", "")
        name = self.env.get("USERNAME", "")
        return f"{domain}\\{name}" if domain else name

    def enable(self, start_now: bool) -> Status:
        """Register the task from its XML and run it now."""
        self.xml_path.parent.mkdir(parents=True, exist_ok=True)
        self.xml_path.write_text(task_xml(self.spec, self.user), encoding="utf-16")
        done = self.run(["schtasks", "/Create", "/TN", TASK_NAME, "/XML", str(self.xml_path),
                         "/F"])
        if done.returncode != 0:
            raise BadInput(f"schtasks /Create: {(done.stderr or done.stdout).strip()}")
        if start_now:
            self.run(["schtasks", "/Run", "/TN", TASK_NAME])
        return Status(True, "task", f"Task Scheduler \\{TASK_NAME}")

    def disable(self) -> Status:
        """Stop and delete the task."""
        self.run(["schtasks", "/End", "/TN", TASK_NAME])
        self.run(["schtasks", "/Delete", "/TN", TASK_NAME, "/F"])
        self.xml_path.unlink(missing_ok=True)
        return Status(False, "task", f"Task Scheduler \\{TASK_NAME}")

    def status(self) -> Status:
        """Enabled when schtasks knows the task."""
        done = self.run(["schtasks", "/Query", "/TN", TASK_NAME])
        return Status(done.returncode == 0, "task", f"Task Scheduler \\{TASK_NAME}")


_write = write_atomically


def backend_for(data_dir: Path, port: int = DEFAULT_PORT, *, system: str = sys.platform,
                home: Path | None = None, env: dict[str, str] | None = None,
                run: Runner | None = None, python: str = sys.executable) -> Backend:
    """The backend of this (or the given) platform; ``run`` replaces running system commands."""
    windows = system.startswith("win")
    spec = service_spec(data_dir, port, python, windowless=windows)
    kwargs = {"spec": spec, "home": home or Path.home(), "run": run or run_command,
              "env": dict(os.environ) if env is None else env}
    if windows:
        return WindowsBackend(**kwargs)
    if system == "darwin":
        return MacBackend(**kwargs)
    return LinuxBackend(**kwargs)


# -- the command -------------------------------------------------------------------------

KIND_NAMES = {
    "systemd": Text("systemd ユーザーユニット", "systemd user unit"),
    "xdg": Text("XDG 自動起動エントリ", "XDG autostart entry"),
    "launchagent": Text("LaunchAgent", "LaunchAgent"),
    "task": Text("タスク スケジューラのタスク", "Task Scheduler task"),
}
ENABLED = Text("ログイン時に起動します（{kind}）: {where}", "Starts at login ({kind}): {where}")
DISABLED = Text("ログイン時の起動を解除しました（{kind}）: {where}",
                "No longer starts at login ({kind}): {where}")
STATUS_ON = Text("有効: ログイン時に起動します（{kind}）: {where}",
                 "enabled: starts at login ({kind}): {where}")
STATUS_OFF = Text("無効: ログイン時には起動しません。", "disabled: does not start at login.")
RUNNING = Text("サービスは http://127.0.0.1:{port} で動作中です。",
               "The service is running on http://127.0.0.1:{port}.")
NOT_RUNNING = Text("サービスは動作していません。", "The service is not running.")


def _lang() -> str:
    from atesaki.core.i18n import output_language

    return output_language()


def _say(text: Text, status) -> None:
    """Print ``text`` about a backend's ``status`` (its kind and where it lives)."""
    lang = _lang()
    click.echo(text.format(kind=KIND_NAMES[status.kind].get(lang), where=status.where).get(lang))


def _running(port: int) -> bool:
    from atesaki.nativehost.host import service_state

    return service_state(port) == "ours"


@click.group("autostart")
def autostart_group() -> None:
    """Start the service at login: systemd user unit, LaunchAgent or Task Scheduler task."""


_port_option = click.option(
    "--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
    help="The port the service listens on.")


@autostart_group.command("enable")
@_port_option
@click.pass_obj
def enable(env, port: int) -> None:
    """Start the service at every login from now on, and now if it is not running."""
    backend = backend_for(env.data_dir, port)
    # A service already answering (started by the browser, say) keeps running; a second
    # one could not bind the port anyway.
    _say(ENABLED, backend.enable(start_now=not _running(port)))


@autostart_group.command("disable")
@_port_option
@click.pass_obj
def disable(env, port: int) -> None:
    """Stop starting the service at login (and stop the one autostart started)."""
    _say(DISABLED, backend_for(env.data_dir, port).disable())


@autostart_group.command("status")
@_port_option
@click.pass_obj
def status(env, port: int) -> None:
    """Say whether the service starts at login and whether it runs now."""
    state = backend_for(env.data_dir, port).status()
    if state.enabled:
        _say(STATUS_ON, state)
    else:
        click.echo(STATUS_OFF.get(_lang()))
    click.echo((RUNNING.format(port=port) if _running(port) else NOT_RUNNING).get(_lang()))
