"""Registering the native messaging host ``jp.atesaki.host`` with Chrome, Chromium, Edge and Firefox.

Per user, no administrator rights: a manifest file in each browser's
``NativeMessagingHosts`` folder (Linux, macOS) or a registry key under
``HKEY_CURRENT_USER`` pointing at a manifest in the data folder (Windows).
The manifest's ``path`` is a small launcher script in the data folder that runs
``atesaki native-host`` with the data folder and port baked in. What was written
is recorded in ``native-host/installed.json`` so that the host can double-check
its caller and ``uninstall`` can remove exactly that.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from atesaki.files import make_data_dir, write_atomically

HOST_NAME = "jp.atesaki.host"
MANIFEST_NAME = f"{HOST_NAME}.json"
DESCRIPTION = "Atesaki (宛先): pairs the extension with the local recipient-check service"
CHROME_FAMILY = ("chrome", "chromium", "edge")
BROWSERS = (*CHROME_FAMILY, "firefox")
# The published IDs: the Chrome ID is fixed by the "key" in extension/manifest.json,
# the Firefox one by browser_specific_settings.gecko.id in manifest.firefox.json.
PUBLISHED_CHROME_ID = "gnakhgefebngjhmafnbfibchdiaafgkl"
PUBLISHED_FIREFOX_ID = "atesaki@atesaki.jp"
HOST_FOLDER = "native-host"  # inside the data folder: launcher, Windows manifests, record
RECORD_NAME = "installed.json"

CHROME_ID_RE = re.compile(r"^[a-p]{32}$")
# Firefox add-on IDs: an e-mail-like string or a GUID in braces.
FIREFOX_ID_RE = re.compile(
    r"^([A-Za-z0-9._+-]+@[A-Za-z0-9.-]+"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})$"
)

# Windows: HKEY_CURRENT_USER\<key>, default value = the manifest's path.
REGISTRY_KEYS = {
    "chrome": rf"Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}",
    "chromium": rf"Software\Chromium\NativeMessagingHosts\{HOST_NAME}",
    "edge": rf"Software\Microsoft\Edge\NativeMessagingHosts\{HOST_NAME}",
    "firefox": rf"Software\Mozilla\NativeMessagingHosts\{HOST_NAME}",
}


class Registry(Protocol):
    """The few HKEY_CURRENT_USER operations the installer needs (winreg, or a fake in tests)."""

    def set_default(self, key: str, value: str) -> None:
        """Create ``key`` and set its default value."""

    def get_default(self, key: str) -> str | None:
        """The default value of ``key``, or None when the key does not exist."""

    def delete(self, key: str) -> bool:
        """Delete ``key`` (a leaf); False when it did not exist."""


class WindowsRegistry:
    """HKEY_CURRENT_USER through winreg (Windows only)."""

    def __init__(self) -> None:
        import winreg  # only exists on Windows

        self._winreg = winreg

    def set_default(self, key: str, value: str) -> None:
        """Create ``key`` and set its default value."""
        w = self._winreg
        with w.CreateKeyEx(w.HKEY_CURRENT_USER, key, 0, w.KEY_WRITE) as handle:
            w.SetValueEx(handle, "", 0, w.REG_SZ, value)

    def get_default(self, key: str) -> str | None:
        """The default value of ``key``, or None when the key does not exist."""
        w = self._winreg
        try:
            with w.OpenKey(w.HKEY_CURRENT_USER, key) as handle:
                value, _kind = w.QueryValueEx(handle, "")
                return value
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> bool:
        """Delete ``key`` (a leaf); False when it did not exist."""
        try:
            self._winreg.DeleteKey(self._winreg.HKEY_CURRENT_USER, key)
            return True
        except FileNotFoundError:
            return False


class MemoryRegistry:
    """An in-memory registry with the same behaviour, for tests and dry runs."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}

    def set_default(self, key: str, value: str) -> None:
        """Create ``key`` and set its default value."""
        self.keys[key.lower()] = value

    def get_default(self, key: str) -> str | None:
        """The default value of ``key``, or None when the key does not exist."""
        return self.keys.get(key.lower())

    def delete(self, key: str) -> bool:
        """Delete ``key`` (a leaf); False when it did not exist."""
        return self.keys.pop(key.lower(), None) is not None


@dataclass(frozen=True)
class Platform:
    """Where things go on one machine: OS name, home folder and environment (tests use fakes)."""

    system: str = sys.platform  # "linux", "darwin", "win32"
    home: Path = field(default_factory=Path.home)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @property
    def windows(self) -> bool:
        """True on Windows (manifests are found through the registry)."""
        return self.system.startswith("win")


def manifest_folder(browser: str, platform: Platform) -> Path:
    """The per-user NativeMessagingHosts folder of ``browser`` (Linux and macOS)."""
    home = platform.home
    if platform.system == "darwin":
        base = home / "Library" / "Application Support"
        folders = {
            "chrome": base / "Google" / "Chrome",
            "chromium": base / "Chromium",
            "edge": base / "Microsoft Edge",
            "firefox": base / "Mozilla",
        }
        return folders[browser] / "NativeMessagingHosts"
    # Chrome, Chromium and Edge follow XDG_CONFIG_HOME; Firefox always uses ~/.mozilla.
    config = Path(platform.env.get("XDG_CONFIG_HOME") or home / ".config")
    folders = {
        "chrome": config / "google-chrome" / "NativeMessagingHosts",
        "chromium": config / "chromium" / "NativeMessagingHosts",
        "edge": config / "microsoft-edge" / "NativeMessagingHosts",
        "firefox": home / ".mozilla" / "native-messaging-hosts",
    }
    return folders[browser]


def split_ids(ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Sort extension IDs into (Chrome-family IDs, Firefox IDs); ValueError names a bad one."""
    chrome: list[str] = []
    firefox: list[str] = []
    for raw in ids:
        value = raw.strip()
        origin = re.fullmatch(r"chrome-extension://([a-p]{32})/?", value)
        if origin:
            value = origin.group(1)
        if CHROME_ID_RE.match(value):
            chrome.append(value)
        elif FIREFOX_ID_RE.match(value):
            firefox.append(value)
        else:
            raise ValueError(
                f"{raw!r} is not an extension ID (Chrome/Edge: 32 letters a-p; "
                "Firefox: name@domain or {GUID})"
            )
    return list(dict.fromkeys(chrome)), list(dict.fromkeys(firefox))


def manifest(browser: str, launcher: Path, chrome_ids: list[str], firefox_ids: list[str]) -> dict:
    """The host manifest for one browser: Chrome family names origins, Firefox extension IDs."""
    data = {"name": HOST_NAME, "description": DESCRIPTION, "path": str(launcher), "type": "stdio"}
    if browser == "firefox":
        data["allowed_extensions"] = list(firefox_ids)
    else:
        # Chrome wants the exact "chrome-extension://<id>/" form, trailing slash included.
        data["allowed_origins"] = [f"chrome-extension://{i}/" for i in chrome_ids]
    return data


def launcher_text(python: str, data_dir: Path | None, port: int | None, windows: bool) -> str:
    """The launcher script the manifest points at: runs ``atesaki native-host`` with our settings."""
    if windows:
        def q(value: str) -> str:  # cmd: double quotes, and % must be doubled in a .bat
            return '"' + value.replace("%", "%%") + '"'

        parts = [q(python), "-m", "atesaki"]
        if data_dir is not None:
            parts += ["--data-dir", q(str(data_dir))]
        parts.append("native-host")
        if port is not None:
            parts += ["--port", str(port)]
        return "@echo off\r\n" + " ".join(parts) + " %*\r\n"
    parts = [shlex.quote(python), "-m", "atesaki"]
    if data_dir is not None:
        parts += ["--data-dir", shlex.quote(str(data_dir))]
    parts.append("native-host")
    if port is not None:
        parts += ["--port", str(port)]
    return "#!/bin/sh\n# Written by `atesaki native-host install`; the browser starts this.\nexec " + \
        " ".join(parts) + ' "$@"\n'


def record_path(data_dir: Path) -> Path:
    """The install record in the data folder."""
    return Path(data_dir) / HOST_FOLDER / RECORD_NAME


def read_record(data_dir: Path) -> dict:
    """What install wrote: ``{"launcher": path, "manifests": {path: {...}}, "registry": {...}}``."""
    try:
        data = json.loads(record_path(data_dir).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {"launcher": None, "manifests": {}, "registry": {}}
    if not isinstance(data, dict):
        return {"launcher": None, "manifests": {}, "registry": {}}
    data.setdefault("launcher", None)
    data.setdefault("manifests", {})
    data.setdefault("registry", {})
    return data


def _write_record(data_dir: Path, record: dict) -> None:
    path = record_path(data_dir)
    if not record["manifests"]:
        path.unlink(missing_ok=True)
        return
    write_atomically(path, json.dumps(record, indent=2, ensure_ascii=False))


def allowed_callers(data_dir: Path) -> tuple[set[str], set[str]]:
    """(Chrome origins without the slash, Firefox extension IDs) that install allowed."""
    origins: set[str] = set()
    extensions: set[str] = set()
    for entry in read_record(data_dir)["manifests"].values():
        origins.update(o.rstrip("/") for o in entry.get("allowed_origins", []))
        extensions.update(entry.get("allowed_extensions", []))
    return origins, extensions


@dataclass
class Change:
    """What install or uninstall did, for the command's report."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    registry_set: list[str] = field(default_factory=list)
    registry_removed: list[str] = field(default_factory=list)


def _write_json(path: Path, data: dict) -> None:
    write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _browsers(choice: str) -> tuple[str, ...]:
    return BROWSERS if choice == "all" else (choice,)


def install(
    data_dir: Path,
    *,
    browser: str = "all",
    extension_ids: Iterable[str] = (),
    profile: Path | None = None,
    port: int | None = None,
    bake_data_dir: bool = True,
    python: str = sys.executable,
    platform: Platform | None = None,
    registry: Registry | None = None,
) -> Change:
    """Write the launcher and the host manifests (or registry keys); returns what changed.

    ``profile``: one Chromium-family user-data folder; the manifest goes into
    its ``NativeMessagingHosts/`` and nowhere else (any OS).
    Raises ValueError for a bad ID or a Firefox profile.
    """
    platform = platform or Platform()
    data_dir = Path(data_dir).absolute()
    chrome_ids, firefox_ids = split_ids(extension_ids)
    given = bool(chrome_ids or firefox_ids)
    if not given:
        chrome_ids, firefox_ids = [PUBLISHED_CHROME_ID], [PUBLISHED_FIREFOX_ID]
    browsers = _browsers(browser)
    if profile is not None and "firefox" in browsers and browser != "all":
        raise ValueError("--profile is a Chrome, Chromium or Edge user-data folder, not Firefox")
    if profile is not None:
        browsers = ("chromium",)  # one profile: the Chrome-family manifest format
    if given and any(b != "firefox" for b in browsers) and not chrome_ids and browser != "all":
        raise ValueError(f"no Chrome/Edge extension ID among those given for --browser {browser}")
    if given and "firefox" in browsers and not firefox_ids and browser != "all":
        raise ValueError("no Firefox extension ID among those given for --browser firefox")

    change = Change()
    folder = make_data_dir(data_dir) / HOST_FOLDER
    folder.mkdir(exist_ok=True)
    launcher = folder / ("atesaki-native-host.bat" if platform.windows else "atesaki-native-host")
    launcher.write_text(
        launcher_text(python, data_dir if bake_data_dir else None, port, platform.windows),
        encoding="utf-8", newline="",
    )
    if not platform.windows:
        launcher.chmod(0o755)
    change.written.append(launcher)

    record = read_record(data_dir)
    record["launcher"] = str(launcher)
    for name in browsers:
        ids_for = (chrome_ids if name != "firefox" else firefox_ids)
        if not ids_for:
            continue  # e.g. --browser all with only Chrome IDs given: Firefox is left alone
        data = manifest(name, launcher, chrome_ids, firefox_ids)
        if profile is not None:
            path = Path(profile).absolute() / "NativeMessagingHosts" / MANIFEST_NAME
        elif platform.windows:
            path = folder / f"{HOST_NAME}.{name}.json"
        else:
            path = manifest_folder(name, platform) / MANIFEST_NAME
        _write_json(path, data)
        change.written.append(path)
        record["manifests"][str(path)] = {"browser": name, **{
            k: v for k, v in data.items() if k.startswith("allowed_")}}
        if platform.windows and profile is None:
            reg = registry if registry is not None else WindowsRegistry()
            reg.set_default(REGISTRY_KEYS[name], str(path))
            record["registry"][name] = REGISTRY_KEYS[name]
            change.registry_set.append(REGISTRY_KEYS[name])
    _write_record(data_dir, record)
    return change


def _is_ours(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("name") == HOST_NAME
    except (OSError, ValueError, AttributeError):
        return False


def uninstall(
    data_dir: Path,
    *,
    browser: str = "all",
    profile: Path | None = None,
    platform: Platform | None = None,
    registry: Registry | None = None,
) -> Change:
    """Remove what install wrote for these browsers (or that one profile); returns what changed."""
    platform = platform or Platform()
    data_dir = Path(data_dir).absolute()
    browsers = _browsers(browser)
    record = read_record(data_dir)
    change = Change()
    candidates: list[Path] = []
    if profile is not None:
        candidates.append(Path(profile).absolute() / "NativeMessagingHosts" / MANIFEST_NAME)
    else:
        candidates += [Path(p) for p, e in record["manifests"].items()
                       if e.get("browser") in browsers]
        if platform.windows:
            candidates += [data_dir / HOST_FOLDER / f"{HOST_NAME}.{b}.json" for b in browsers]
        else:
            candidates += [manifest_folder(b, platform) / MANIFEST_NAME for b in browsers]
    for path in dict.fromkeys(candidates):
        record["manifests"].pop(str(path), None)
        if path.exists() and _is_ours(path):
            path.unlink()
            change.removed.append(path)
    if platform.windows and profile is None:
        reg = registry if registry is not None else WindowsRegistry()
        for name in browsers:
            record["registry"].pop(name, None)
            if reg.delete(REGISTRY_KEYS[name]):
                change.registry_removed.append(REGISTRY_KEYS[name])
    if not record["manifests"]:
        for name in ("atesaki-native-host", "atesaki-native-host.bat"):
            launcher = data_dir / HOST_FOLDER / name
            if launcher.exists():
                launcher.unlink()
                change.removed.append(launcher)
    _write_record(data_dir, record)
    return change
