"""``atesaki doctor``: is this PC ready for Atesaki? Each check is a plain function; the command prints them.

Every check returns :class:`Check` results: a stable ``name`` for scripts, whether it
is ``ok``, what was found (``detail``) and, when not ok, what to do (``fix``), each
text in Japanese and English. Nothing here changes the data folder or the service:
the checks only read files and send requests that the service answers without
storing anything.
"""

from __future__ import annotations

import json
import platform as platform_module
import re
import sqlite3
import stat
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import click

from atesaki.core.i18n import Text, output_language
from atesaki.core.version import __version__
from atesaki.knowledge import SNAPSHOT_KEY_NAME, SNAPSHOT_NAME
from atesaki.nativehost import install
from atesaki.nativehost.host import port_from_env, service_state
from atesaki.settings import CONFIG_NAME, TOKEN_HEADER, TOKEN_NAME, ConfigError, load_settings
from atesaki.store import DB_NAME
from atesaki.store.audit import KEY_NAME as AUDIT_KEY_NAME

TIMEOUT = 3.0  # seconds per request: a healthy local service answers in milliseconds
# Files that hold secrets or the user's mail history; the database's WAL and shared
# memory files hold the same rows as the database itself.
SECRET_FILES = (TOKEN_NAME, AUDIT_KEY_NAME, SNAPSHOT_KEY_NAME, SNAPSHOT_NAME,
                DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", "central.json")
# Flask's own dependency is where request handling lives: worth naming beside ours.
EXTRA_PACKAGES = ("werkzeug",)
# Where each browser keeps its user data on Windows (the other systems: the parent of
# the browser's NativeMessagingHosts folder, from the installer).
WINDOWS_BROWSER_DATA = {
    "chrome": ("LOCALAPPDATA", r"Google\Chrome\User Data"),
    "chromium": ("LOCALAPPDATA", r"Chromium\User Data"),
    "edge": ("LOCALAPPDATA", r"Microsoft\Edge\User Data"),
    "firefox": ("APPDATA", r"Mozilla\Firefox"),
}
BROWSER_NAMES = {"chrome": "Google Chrome", "chromium": "Chromium", "edge": "Microsoft Edge",
                 "firefox": "Firefox"}


@dataclass(frozen=True)
class Check:
    """One finding of the doctor: a stable name, whether it holds, and texts for people."""

    name: str
    ok: bool
    label: Text
    detail: Text
    fix: Text | None = None

    def as_dict(self, lang: str) -> dict:
        """The JSON form: the contract's name/ok/detail, plus the fix and both languages."""
        texts = {code: {"label": self.label.get(code), "detail": self.detail.get(code),
                        "fix": self.fix.get(code) if self.fix else None}
                 for code in ("ja", "en")}
        return {"name": self.name, "ok": self.ok, "label": self.label.get(lang),
                "detail": self.detail.get(lang), "fix": self.fix.get(lang) if self.fix else None,
                "text": texts}


def _ok(name: str, label: Text, detail: Text) -> Check:
    return Check(name, True, label, detail)


def _bad(name: str, label: Text, detail: Text, fix: Text) -> Check:
    return Check(name, False, label, detail, fix)


# -- the service and CORS -----------------------------------------------------------------

SERVICE = Text("サービス", "Service")
START_SERVICE = Text(
    "`atesaki serve` で起動するか、`atesaki autostart enable` でログイン時に起動するようにしてください。",
    "Start it with `atesaki serve`, or have it start at login with `atesaki autostart enable`.",
)


# What service_state found when it is not our service: (what was found, what to do).
SERVICE_STATES = {
    "down": (Text("{url} で応答がありません。", "Nothing answers at {url}."), START_SERVICE),
    "foreign": (
        Text("{url} で Atesaki 以外のプログラムが応答しています。",
             "Something other than Atesaki answers at {url}."),
        Text("そのプログラムを止めるか、Atesaki を別のポートで動かしてください"
             "（`atesaki native-host install --port N` と `atesaki autostart enable --port N`）。",
             "Stop that program, or run Atesaki on another port "
             "(`atesaki native-host install --port N` and `atesaki autostart enable --port N`)."),
    ),
    "other_data": (
        Text("{url} の Atesaki は別のデータフォルダーを使っています（トークンが違います）。",
             "The Atesaki at {url} uses another data folder (it refuses our token)."),
        Text("そのサービスを止めて、このデータフォルダーで起動し直してください"
             "（`atesaki --data-dir DIR serve`）。",
             "Stop that service and start it again on this data folder "
             "(`atesaki --data-dir DIR serve`)."),
    ),
}


def native_host_port(data_dir: Path) -> int:
    """The port the native host hands to the extension: baked into its launcher, else the default."""
    launcher = install.read_record(data_dir).get("launcher")
    if launcher:
        try:
            text = Path(launcher).read_text(encoding="utf-8")
        except OSError:
            text = ""
        # `atesaki native-host install --port N` writes "native-host --port N" into the launcher.
        match = re.search(r"native-host --port (\d+)", text)
        if match:
            return int(match.group(1))
    return port_from_env()


def read_token(data_dir: Path) -> str | None:
    """The pairing token, or None when there is none yet (the doctor never creates one)."""
    try:
        return (data_dir / TOKEN_NAME).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status (0 when nothing answered), headers, body, or why it failed."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    error: str = ""

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of its name."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def request(url: str, method: str = "GET", headers: dict[str, str] | None = None,
            body: bytes | None = None, timeout: float = TIMEOUT) -> Reply:
    """Send one request; an error status is an answer too, a refused connection is status 0."""
    req = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 URLs only
        url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 - loopback
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, dict(exc.headers), exc.read())
    except OSError as exc:
        return Reply(0, {}, error=str(getattr(exc, "reason", exc)))


def check_service(port: int, token: str | None) -> Check:
    """Atesaki answers /v1/health on the port, knows our token, and runs the installed version."""
    url = f"http://127.0.0.1:{port}"
    state = service_state(port, token, timeout=TIMEOUT)
    if state in SERVICE_STATES:
        detail, fix = SERVICE_STATES[state]
        return _bad("service", SERVICE, detail.format(url=url), fix)
    reply = request(f"{url}/v1/health")
    try:
        running = json.loads(reply.body).get("version", "?")
    except (ValueError, AttributeError):
        running = "?"
    if running != __version__:
        return _bad("service", SERVICE,
                    Text(f"{url} で Atesaki {running} が動いていますが、インストール済みは {__version__} です。",
                         f"Atesaki {running} runs at {url}, but {__version__} is installed."),
                    Text("サービスを再起動してください（止めてから `atesaki serve`）。",
                         "Restart the service (stop it, then `atesaki serve`)."))
    if token is None:
        return _bad("service", SERVICE,
                    Text(f"{url} で応答していますが、ペアリングトークンがありません。",
                         f"It answers at {url}, but there is no pairing token."),
                    Text("`atesaki token` でトークンを作成してください。",
                         "Create one with `atesaki token`."))
    return _ok("service", SERVICE,
               Text(f"Atesaki {running} が {url} で応答しています。",
                    f"Atesaki {running} answers at {url}."))


CORS = Text("CORS {origin}", "CORS {origin}")
NO_ORIGINS = Text("拡張機能のペアリング", "Extension pairing")
CORS_FIX_ORIGIN = Text(
    "実行中のサービスがこのオリジンを受け付けていません。config.toml の extension_origins を確認し、"
    "サービスがこのデータフォルダーで動いているか確かめてください（`atesaki pair --origin {origin}`）。",
    "The running service does not accept this origin. Check extension_origins in config.toml and "
    "that the service runs on this data folder (`atesaki pair --origin {origin}`).",
)
CORS_FIX_BROKEN = Text(
    "サービスの CORS ヘッダーが正しくありません。Atesaki を更新してサービスを再起動し、"
    "ログ（データフォルダーの atesaki.log）を確認してください。",
    "The service's CORS headers are wrong. Update Atesaki, restart the service and read its log "
    "(atesaki.log in the data folder).",
)


def _header_list(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


def preflight_problem(reply: Reply, origin: str) -> Text | None:
    """What a browser would refuse in this preflight answer (Fetch's CORS check), or None."""
    if reply.status == 0:
        return Text(f"プリフライトに応答がありません（{reply.error}）。",
                    f"The preflight got no answer ({reply.error}).")
    if not 200 <= reply.status < 300:  # a browser needs an ok status on a preflight
        return Text(f"プリフライトが HTTP {reply.status} で拒否されました。",
                    f"The preflight was refused with HTTP {reply.status}.")
    allow_origin = reply.header("Access-Control-Allow-Origin")
    if allow_origin != origin:
        return Text(f"プリフライトの Access-Control-Allow-Origin が {allow_origin!r} です（{origin} が必要）。",
                    f"The preflight's Access-Control-Allow-Origin is {allow_origin!r} "
                    f"(needs {origin}).")
    # POST is a CORS-safelisted method, so Allow-Methods may omit it; the headers may not:
    # JSON is not a safelisted content type and the token header is our own.
    allowed = _header_list(reply.header("Access-Control-Allow-Headers"))
    missing = [h for h in ("content-type", TOKEN_HEADER.lower()) if h not in allowed]
    if missing and "*" not in allowed:
        return Text(f"プリフライトで許可されていないヘッダー: {', '.join(missing)}。",
                    f"The preflight does not allow the header(s): {', '.join(missing)}.")
    return None


def post_problem(reply: Reply, origin: str) -> Text | None:
    """What a browser (or the service) would refuse in the check's answer, or None."""
    if reply.status == 0:
        return Text(f"POST /v1/check に応答がありません（{reply.error}）。",
                    f"POST /v1/check got no answer ({reply.error}).")
    if reply.status == 401:
        return Text("POST /v1/check でペアリングトークンが拒否されました。",
                    "POST /v1/check refused the pairing token.")
    if reply.status != 400:
        return Text(f"POST /v1/check が HTTP {reply.status} を返しました（400 を想定）。",
                    f"POST /v1/check answered HTTP {reply.status} (expected 400).")
    allow_origin = reply.header("Access-Control-Allow-Origin")
    if allow_origin != origin:
        return Text(f"POST /v1/check の Access-Control-Allow-Origin が {allow_origin!r} です"
                    f"（{origin} が必要）。",
                    f"POST /v1/check's Access-Control-Allow-Origin is {allow_origin!r} "
                    f"(needs {origin}).")
    return None


def check_origin(port: int, token: str, origin: str) -> Check:
    """A preflight and a POST /v1/check from ``origin`` get what the browser needs."""
    url = f"http://127.0.0.1:{port}/v1/check"
    label = CORS.format(origin=origin)
    name = f"cors:{origin}"
    preflight = request(url, "OPTIONS", {
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": f"content-type, {TOKEN_HEADER.lower()}",
    })
    problem = preflight_problem(preflight, origin)
    if problem is None:
        # An empty object is refused with 400 before the check runs, so nothing reaches the
        # user's history or audit log; the 400 leaves the guard and the CORS headers the same
        # way a 200 does, so it proves what the extension's real checks will get.
        post = request(url, "POST", {
            "Origin": origin, TOKEN_HEADER: token, "Content-Type": "application/json",
        }, b"{}")
        problem = post_problem(post, origin)
        status = post.status
    else:
        status = preflight.status
    if problem is None:
        return _ok(name, label, Text("プリフライトと POST /v1/check に正しい CORS ヘッダーが付いています。",
                                     "The preflight and POST /v1/check get the right CORS headers."))
    refused_origin = status in (401, 403)
    fix = CORS_FIX_ORIGIN.format(origin=origin) if refused_origin or status == 0 else CORS_FIX_BROKEN
    return _bad(name, label, problem, fix)


def check_origins(port: int, token: str | None, origins: Iterable[str]) -> list[Check]:
    """One check per paired origin; having none is itself a finding."""
    origins = list(origins)
    if not origins:
        return [_bad("cors", NO_ORIGINS,
                     Text("config.toml の extension_origins に拡張機能がありません。",
                          "No extension is paired (extension_origins in config.toml is empty)."),
                     Text("`atesaki native-host install` を実行して拡張機能を開くか、"
                          "`atesaki pair --origin ORIGIN` で登録してください。",
                          "Run `atesaki native-host install` and open the extension, or pair it "
                          "with `atesaki pair --origin ORIGIN`."))]
    return [check_origin(port, token or "", origin) for origin in origins]


# -- the native host and autostart --------------------------------------------------------

NATIVE_HOST = Text("ネイティブホスト（{browser}）", "Native host ({browser})")


def browser_installed(browser: str, platform: install.Platform) -> bool:
    """Whether this user has the browser (its user-data folder exists)."""
    if platform.windows:
        variable, folder = WINDOWS_BROWSER_DATA[browser]
        base = platform.env.get(variable)
        return bool(base) and (Path(base) / folder).is_dir()
    return install.manifest_folder(browser, platform).parent.is_dir()


def _valid_manifest(path: Path) -> str | None:
    """Why a host manifest would not start our host, or None when it would."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "missing"
    if not isinstance(data, dict) or data.get("name") != install.HOST_NAME:
        return "not ours"
    if not (data.get("allowed_origins") or data.get("allowed_extensions")):
        return "allows no extension"
    launcher = Path(str(data.get("path", "")))
    if not launcher.is_file():
        return f"launcher {launcher} is missing"
    return None


def manifest_paths(browser: str, data_dir: Path, platform: install.Platform,
                   registry: install.Registry | None = None) -> list[Path]:
    """Where the browser looks for our manifest, and any profile install recorded for it."""
    paths = [Path(p) for p, entry in install.read_record(data_dir)["manifests"].items()
             if entry.get("browser") == browser]
    if platform.windows:
        reg = registry if registry is not None else install.WindowsRegistry()
        value = reg.get_default(install.REGISTRY_KEYS[browser])
        if value:
            paths.insert(0, Path(value))
    else:
        paths.insert(0, install.manifest_folder(browser, platform) / install.MANIFEST_NAME)
    return list(dict.fromkeys(paths))


def check_native_host(data_dir: Path, platform: install.Platform | None = None,
                      registry: install.Registry | None = None) -> list[Check]:
    """``jp.atesaki.host`` is registered for every browser this user has."""
    platform = platform or install.Platform()
    results = []
    for browser in install.BROWSERS:
        label = NATIVE_HOST.format(browser=BROWSER_NAMES[browser])
        name = f"native_host:{browser}"
        paths = manifest_paths(browser, data_dir, platform, registry)
        problems = {path: _valid_manifest(path) for path in paths}
        good = [path for path, why in problems.items() if why is None]
        if good:
            results.append(_ok(name, label, Text(f"登録済み: {good[0]}", f"Registered: {good[0]}")))
        elif browser_installed(browser, platform):
            where, why = next(iter(problems.items()))
            results.append(_bad(
                name, label,
                Text(f"{install.HOST_NAME} が登録されていません（{where}: {why}）。",
                     f"{install.HOST_NAME} is not registered ({where}: {why})."),
                Text(f"`atesaki native-host install --browser {browser}` を実行してください。",
                     f"Run `atesaki native-host install --browser {browser}`.")))
    if not results:
        results.append(_bad(
            "native_host", NATIVE_HOST.format(browser="-"),
            Text("Chrome、Chromium、Edge、Firefox のいずれも見つかりません。",
                 "None of Chrome, Chromium, Edge or Firefox was found for this user."),
            Text("ブラウザーを一度起動してから `atesaki native-host install` を実行してください。",
                 "Start a browser once, then run `atesaki native-host install`.")))
    return results


AUTOSTART = Text("ログイン時の起動", "Start at login")


def check_autostart(data_dir: Path, port: int) -> Check:
    """The service starts at login (``atesaki autostart status``)."""
    from atesaki.autostart import KIND_NAMES, backend_for

    try:
        state = backend_for(data_dir, port).status()
    except OSError as exc:  # e.g. schtasks or systemctl missing
        return _bad("autostart", AUTOSTART, Text(f"状態を確認できません: {exc}",
                                                 f"Cannot tell: {exc}"),
                    Text("`atesaki autostart status` を確認してください。",
                         "See `atesaki autostart status`."))
    kind = KIND_NAMES[state.kind]
    if state.enabled:
        return _ok("autostart", AUTOSTART,
                   Text(f"有効（{kind.ja}）: {state.where}", f"On ({kind.en}): {state.where}"))
    return _bad("autostart", AUTOSTART,
                Text("ログイン時に起動しません。", "The service does not start at login."),
                Text(f"`atesaki autostart enable --port {port}` を実行してください。",
                     f"Run `atesaki autostart enable --port {port}`."))


# -- the data folder ----------------------------------------------------------------------

CONFIG = Text("設定ファイル", "Settings file")
FILE_MODES = Text("ファイルの権限", "File permissions")
DATABASE = Text("データベース", "Database")


def check_config(data_dir: Path) -> tuple[Check, list[str]]:
    """config.toml can be read; also returns its extension origins."""
    try:
        settings = load_settings(data_dir)
    except ConfigError as exc:
        return _bad("config", CONFIG, Text(str(exc), str(exc)),
                    Text("表示された行を直してください（docs/settings.md）。",
                         "Correct the line it names (docs/settings.md).")), []
    path = data_dir / CONFIG_NAME
    if path.exists():
        found = _ok("config", CONFIG, Text(f"読み込めます: {path}", f"Readable: {path}"))
    else:
        found = _ok("config", CONFIG, Text(f"{path} はありません（既定値を使います）。",
                                           f"No {path}: the defaults apply."))
    return found, list(settings.extension_origins)


def _too_open(path: Path, allowed: int) -> bool:
    return bool(stat.S_IMODE(path.stat().st_mode) & ~allowed)


def check_file_modes(data_dir: Path, system: str = sys.platform) -> Check:
    """The data folder is 0700 and every secret in it 0600 (POSIX; Windows keeps ACLs)."""
    if system.startswith("win"):
        return _ok("file_modes", FILE_MODES,
                   Text("Windows ではユーザーのプロファイルの権限で保護されます。",
                        "On Windows the user profile's permissions protect the folder."))
    if not data_dir.is_dir():
        return _bad("file_modes", FILE_MODES,
                    Text(f"データフォルダーがありません: {data_dir}",
                         f"The data folder does not exist: {data_dir}"), START_SERVICE)
    commands = []
    shown = []
    if _too_open(data_dir, 0o700):
        commands.append(f"chmod 700 {data_dir}")
        shown.append(f"{data_dir} ({stat.S_IMODE(data_dir.stat().st_mode):04o})")
    files = [data_dir / name for name in SECRET_FILES if (data_dir / name).is_file()]
    loose = [path for path in files if _too_open(path, 0o600)]
    if loose:
        commands.append("chmod 600 " + " ".join(str(p) for p in loose))
        shown += [f"{p} ({stat.S_IMODE(p.stat().st_mode):04o})" for p in loose]
    if not commands:
        names = ", ".join(p.name for p in files) or "-"
        return _ok("file_modes", FILE_MODES,
                   Text(f"フォルダーは 0700、秘密のファイル（{names}）は 0600 です。",
                        f"The folder is 0700 and the secrets ({names}) are 0600."))
    listed = ", ".join(shown)
    return _bad("file_modes", FILE_MODES,
                Text(f"他のユーザーにも開かれています: {listed}", f"Open to other users: {listed}"),
                Text("実行してください: " + " && ".join(commands),
                     "Run: " + " && ".join(commands)))


def check_database(data_dir: Path) -> Check:
    """The database exists and passes ``PRAGMA integrity_check`` (opened read-only)."""
    path = data_dir / DB_NAME
    if not path.is_file():
        return _bad("database", DATABASE, Text(f"データベースがありません: {path}",
                                               f"There is no database: {path}"), START_SERVICE)
    restore = Text(
        f"サービスを止め、{path} を別の場所に移して、バックアップから戻してください"
        "（なければ削除してサービスを起動し、アドレス帳と送信履歴を取り込み直してください）。",
        f"Stop the service, move {path} aside and restore it from a backup (without one, "
        "start the service afresh and import the address books and sent mail again).",
    )
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return _bad("database", DATABASE, Text(f"{path}: {exc}", f"{path}: {exc}"), restore)
    if rows != ["ok"]:
        first = "; ".join(rows[:3])
        return _bad("database", DATABASE,
                    Text(f"{path} の整合性チェックに失敗しました: {first}",
                         f"{path} fails its integrity check: {first}"), restore)
    return _ok("database", DATABASE, Text(f"整合性チェック OK: {path}",
                                          f"Integrity check ok: {path}"))


# -- versions and the whole run -----------------------------------------------------------

def versions() -> dict[str, str]:
    """Atesaki, Python and every package Atesaki depends on, as installed ("missing" if not)."""
    found = {"atesaki": __version__, "python": platform_module.python_version()}
    try:
        requirements = metadata.requires("atesaki") or []
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        requirements = []
    names = [re.match(r"[A-Za-z0-9._-]+", r).group(0) for r in requirements if "extra ==" not in r]
    for name in [*names, *EXTRA_PACKAGES]:
        try:
            found[name.lower()] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name.lower()] = "missing"
    return found


def run_checks(data_dir: Path, port: int | None = None) -> list[Check]:
    """Every check, in the order a person would fix them."""
    data_dir = Path(data_dir)
    port = port or native_host_port(data_dir)
    token = read_token(data_dir)
    config, origins = check_config(data_dir)
    service = check_service(port, token)
    results = [config, service]
    if service.ok and config.ok:
        results += check_origins(port, token, origins)
    results += check_native_host(data_dir)
    results.append(check_autostart(data_dir, port))
    results.append(check_file_modes(data_dir))
    results.append(check_database(data_dir))
    from atesaki.link.commands import doctor_checks  # once this PC has joined a central service

    results += doctor_checks(data_dir, Check)
    return results


# -- the command --------------------------------------------------------------------------

HEADING = Text("Atesaki 診断（データ: {data_dir}）", "Atesaki doctor (data: {data_dir})")
WHAT_TO_DO = Text("対処", "What to do")
VERSIONS = Text("バージョン", "Versions")
READY = Text("この PC は準備ができています。", "This PC is ready.")
NOT_READY = Text("問題が {count} 件あります。NG の行の対処を行い、もう一度 `atesaki doctor` を実行してください。",
                 "{count} problem(s). Do what the NG lines say, then run `atesaki doctor` again.")
SKIPPED = Text("サービスが応答しないため、拡張機能のオリジンの CORS は確認していません。",
               "The extensions' CORS was not checked, because the service does not answer.")


def report(results: list[Check], found: dict[str, str], data_dir: Path, lang: str) -> str:
    """The one-screen text: a line per check, what to do under each failing one, versions."""
    lines = [HEADING.format(data_dir=data_dir).get(lang)]
    for result in results:
        mark = "OK" if result.ok else "NG"
        lines.append(f"[{mark}] {result.label.get(lang)}: {result.detail.get(lang)}")
        if result.fix is not None:
            lines.append(f"     {WHAT_TO_DO.get(lang)}: {result.fix.get(lang)}")
        if result.name == "service" and not any(r.name.startswith("cors") for r in results):
            lines.append(f"[--] {SKIPPED.get(lang)}")
    listed = ", ".join(f"{name} {version}" for name, version in found.items())
    lines.append(textwrap.fill(f"{VERSIONS.get(lang)}: {listed}", width=100,
                               subsequent_indent="    ", break_on_hyphens=False))
    problems = sum(not r.ok for r in results)
    lines.append(NOT_READY.format(count=problems).get(lang) if problems else READY.get(lang))
    return "\n".join(lines)


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"ok", "checks": [{"name", "ok", "detail", …}], "versions"} for scripts.')
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="The service's port (default: the native host's, else $ATESAKI_PORT, else 8765).")
@click.pass_obj
def doctor_command(env, as_json: bool, port: int | None) -> None:
    """Say whether this PC is ready and what to do where it is not (exit 1 when something is wrong).

    Checks the service, CORS for each paired extension origin, the native host, autostart,
    file permissions, the database's integrity, and lists the versions.
    """
    lang = output_language()
    data_dir = env.data_dir
    results = run_checks(data_dir, port)
    found = versions()
    ok = all(r.ok for r in results)
    if as_json:
        click.echo(json.dumps({
            "ok": ok, "checks": [r.as_dict(lang) for r in results], "versions": found,
            "data_dir": str(data_dir), "port": port or native_host_port(data_dir),
        }, ensure_ascii=False, indent=2))
    else:
        click.echo(report(results, found, data_dir, lang))
    # The contract's statuses: 0 all is well, 1 something is wrong (ExitStatus.DOES_NOT_HOLD).
    sys.exit(0 if ok else 1)
