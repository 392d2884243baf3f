"""Every setting of ``config.toml``, declared once as data: name, default, help; and the loader."""

from __future__ import annotations

import os
import re
import secrets
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from atesaki.core.i18n import Text
from atesaki.files import make_data_dir, write_atomically

CONFIG_NAME = "config.toml"
LOCK_TIMEOUT = 20.0  # seconds another program may hold config.toml's lock
TOKEN_NAME = "token"
TOKEN_HEADER = "X-Atesaki-Token"  # the header every /v1 call but health carries the token in
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765

# Literal extension origins only: never a pattern, never "null" (see FACTS: flask-cors traps).
EXTENSION_ORIGIN_RE = re.compile(
    r"^(chrome-extension://[a-p]{32}"
    r"|moz-extension://[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


class ConfigError(Exception):
    """``config.toml`` cannot be used; the message names the file, line and reason."""


def _domain_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("must be a list of domain names, e.g. [\"agency.go.jp\"]")
    return [v.strip().lower().rstrip(".") for v in value]


def _origin_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of extension origins")
    for v in value:
        if not EXTENSION_ORIGIN_RE.match(v):
            raise ValueError(
                f"{v!r} is not an extension origin "
                "(chrome-extension://<32 letters a-p> or moz-extension://<uuid>)"
            )
    return list(value)


def _allow_list(value: Any) -> list:
    if not isinstance(value, list):
        raise ValueError("must be a list of domains or [domain, real_domain] pairs")
    for v in value:
        pair_ok = isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)
        if not (isinstance(v, str) or pair_ok):
            raise ValueError(f"{v!r} must be a domain or a [domain, real_domain] pair")
    from atesaki.core.domains import parse_allow

    parse_allow(value, strict=True)  # names lookalike_allow[i] when a domain is not one
    return value


def _choice(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError("must be one of " + ", ".join(f'"{c}"' for c in choices))
        return value

    return check


def _int_at_least(low: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"must be a whole number of at least {low}")
        return value

    return check


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _int_between(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return check


def _attention_list(value: Any) -> list[dict]:
    """[[attention_domains]] tables: domain (or domains) and the administrator's note."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError('must be [[attention_domains]] tables with domain = "…" and note = "…"')
    entries = []
    for index, v in enumerate(value):
        unknown = set(v) - {"domain", "domains", "note"}
        if unknown:
            raise ValueError(f"[{index}] has unknown keys {sorted(unknown)} (domain, domains, note)")
        named = [v["domain"]] if "domain" in v else v.get("domains")
        note = v.get("note")
        if not isinstance(note, str) or not note.strip():
            raise ValueError(f'[{index}] needs note = "…", the text shown on the recipient\'s row')
        try:
            domains = _domain_list(named)
        except ValueError:
            raise ValueError(f'[{index}] needs domain = "…" or domains = ["…"]') from None
        entries.append({"domains": domains, "note": note.strip()})
    return entries


def _sync_list(value: Any) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError("must be [[sync]] tables")
    for v in value:
        if v.get("kind") not in ("carddav", "ldap") or not isinstance(v.get("url"), str):
            raise ValueError('each [[sync]] needs kind = "carddav" or "ldap" and a url')
    return value


@dataclass(frozen=True)
class Setting:
    """One key of config.toml: dotted name, default, validator and help in both languages."""

    name: str
    default: Any
    validate: Callable[[Any], Any]
    help: Text


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "internal_domains", [], _domain_list,
        Text("組織のドメイン。サブドメインも社内として扱います。",
             "Your organisation's domains; subdomains count as internal."),
    ),
    Setting(
        "blocked_domains", [], _domain_list,
        Text("送信を禁止するドメイン。", "Domains that mail may never be sent to."),
    ),
    Setting(
        "extension_origins", [], _origin_list,
        Text("サービスが受け付ける拡張機能のオリジン（chrome-extension://<ID> など）。",
             "The extension origins the service accepts (chrome-extension://<id> …)."),
    ),
    Setting(
        "lookalike_allow", [], _allow_list,
        Text("類似ドメインとして警告しないドメイン、または [ドメイン, 本物] の組。",
             "Domains, or [domain, real_domain] pairs, never reported as lookalikes."),
    ),
    Setting(
        "policy.approval", "risky",
        _choice("risky", "non_reply_external", "always", "never"),
        Text("第二確認者のコードが必要な場合: risky（既定）/ non_reply_external / always / never。",
             "When a second checker's code is required: risky (default) / "
             "non_reply_external / always / never."),
    ),
    Setting(
        "policy.confirm", "external", _choice("external", "always", "risky"),
        Text("宛先の確認（チェック）が必要な場合: external（既定）/ always / risky。",
             "When every recipient must be ticked: external (default) / always / risky."),
    ),
    Setting(
        "policy.large_audience", 15, _int_at_least(1),
        Text("これより多い宛先数で警告します。",
             "More recipients than this is a finding."),
    ),
    Setting(
        "policy.visible_external_orgs", 2, _int_at_least(2),
        Text("To/Cc で互いに見える社外組織の数がこれ以上なら警告します。",
             "This many external organisations visible to each other in To/Cc is a finding."),
    ),
    Setting(
        "policy.sender_identity", True, _bool,
        Text("差出人（From）が宛先に合わないとき（その組織へ使ったことのないアカウント、"
             "組織の相手への個人アカウント）に警告します。",
             "Warn when the From identity does not fit the recipients (never used with their "
             "organisation, a personal account writing to an organisation's people)."),
    ),
    Setting(
        "policy.addressee_check", True, _bool,
        Text("本文の宛名（山本様、Dear Mr Yamamoto）がどの宛先とも一致しないとき警告します。",
             "Warn when the greeting (山本様, Dear Mr Yamamoto) names none of the recipients."),
    ),
    Setting(
        "policy.attachment_org_check", True, _bool,
        Text("添付ファイル名に宛先とは別の組織名があるとき警告します。",
             "Warn when an attachment's file name names an organisation other than the "
             "recipients'."),
    ),
    Setting(
        "policy.paste_min_chars", 300, _int_at_least(0),
        Text("本文へのこの文字数以上の貼り付けを知らせます（0 で知らせない）。",
             "A paste into the body of at least this many characters is reported (0: never)."),
    ),
    Setting(
        "policy.paste_from_page", True, _bool,
        Text("ほかの人宛てのメッセージに表示されている文章の貼り付けを知らせます。",
             "Report a paste of text the webmail shows in a message to other people."),
    ),
    Setting(
        "policy.send_delay", 0, _int_between(0, 60),
        Text("確認の後、送信するまでの秒数（0〜60、既定 0 = すぐ送信）。この間は「元に戻す」で取り消せます。",
             "Seconds between the check and the send (0-60; default 0, at once). Until then "
             "Undo takes the message back to the compose."),
    ),
    Setting(
        "policy.visible_external_action", "finding", _choice("finding", "bcc"),
        Text("To/Cc に社外組織が並んだとき: finding（既定: 重大な指摘）/ bcc（Bcc に移すまで送信不可）。",
             "When external organisations see each other in To/Cc: finding (default: a high "
             "finding) / bcc (cannot be sent until they are moved to Bcc)."),
    ),
    Setting(
        "policy.approve_domains", [], _domain_list,
        Text("宛先に含まれると必ず第二確認者の承認が必要になるドメイン（サブドメインも）。",
             "Domains (and subdomains) whose recipients always need a second checker."),
    ),
    Setting(
        "policy.approve_external_orgs", 0, _int_at_least(0),
        Text("社外組織がこの数以上なら承認が必要（0 は無効）。",
             "This many external organisations or more need approval (0: off)."),
    ),
    Setting(
        "policy.approve_recipients", 0, _int_at_least(0),
        Text("宛先がこの数以上なら承認が必要（0 は無効）。",
             "This many recipients or more need approval (0: off)."),
    ),
    Setting(
        "policy.mailing_lists", "members", _choice("members", "one", "approve"),
        Text("名簿が知っているメーリングリスト宛て: members（既定: メンバー数を宛先数に数える）/ "
             "one（1 件と数える）/ approve（メンバー数で数え、さらに第二確認者の承認が必要）。",
             "Mailing lists the directory knows: members (default: each counts as its members "
             "toward large_audience and approve_recipients) / one (counts as one recipient) / "
             "approve (counts its members, and needs a second checker's approval)."),
    ),
    Setting(
        "attention_domains", [], _attention_list,
        Text("注意が必要なドメインと、宛先の行に表示する管理者のメモ（[[attention_domains]]）。",
             "Domains needing care, with the administrator's note shown on the recipient's row "
             "([[attention_domains]] tables)."),
    ),
    Setting(
        "names.rare_sent_count", 2, _int_at_least(0),
        Text("送信回数がこれ以下の宛先は「まれ」とみなし、同姓の別人がいれば重大として警告します。",
             "A recipient sent to this many times or fewer is rare: a namesake makes it high."),
    ),
    Setting(
        "names.stale_days", 365, _int_at_least(1),
        Text("最後の送信からこの日数が過ぎた宛先も「まれ」とみなします。",
             "A recipient not sent to for this many days counts as rare too."),
    ),
    Setting(
        "names.regular_sent_count", 3, _int_at_least(1),
        Text("この回数以上送っている相手は「よく送る相手」です（同姓の警告の基準）。",
             "Someone sent to this many times is a regular (who a namesake may be meant for)."),
    ),
    Setting(
        "sync", [], _sync_list,
        Text("定期同期の設定（[[sync]] テーブル: kind, url, …）。",
             "Scheduled syncs ([[sync]] tables: kind, url, …)."),
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}
TABLES = frozenset(s.name.partition(".")[0] for s in SETTINGS if "." in s.name)


class Settings:
    """Validated settings with attribute access: ``settings.internal_domains``, ``settings.policy_approval``."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self._values = {s.name: s.default for s in SETTINGS}
        if values:
            self._values.update(values)

    def __getattr__(self, attr: str) -> Any:
        table, _, rest = attr.partition("_")
        name = f"{table}.{rest}" if table in TABLES and rest else attr
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(attr) from None

    def get(self, name: str) -> Any:
        """A setting by its dotted name."""
        return self._values[name]

    def as_dict(self) -> dict[str, Any]:
        """Every setting by dotted name."""
        return dict(self._values)


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in TABLES and isinstance(value, dict):
            for sub, subvalue in value.items():
                flat[f"{key}.{sub}"] = subvalue
        else:
            flat[key] = value
    return flat


def _line_of(text: str, name: str) -> int:
    key = name.rpartition(".")[2]
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return 1


def parse_settings(text: str, path: str = CONFIG_NAME) -> Settings:
    """Validate config.toml text; raises ConfigError naming the file, line and reason."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        reason = re.sub(r"\s*\(at .*\)$", "", str(exc))
        if where:
            line = f":{where.group(1)}"
        else:  # "at end of document": the last line is where it went wrong
            line = f":{max(1, len(text.splitlines()))}"
        raise ConfigError(f"{path}{line}: not valid TOML: {reason}") from None
    values: dict[str, Any] = {}
    for name, value in _flatten(data).items():
        setting = _BY_NAME.get(name)
        line = _line_of(text, name)
        if setting is None:
            known = ", ".join(s.name for s in SETTINGS)
            raise ConfigError(f"{path}:{line}: unknown setting {name!r} (known: {known})")
        try:
            values[name] = setting.validate(value)
        except ValueError as exc:
            raise ConfigError(f"{path}:{line}: {name} {exc}") from None
    return Settings(values)


def load_settings(data_dir: str | os.PathLike[str]) -> Settings:
    """Settings from ``DATA_DIR/config.toml``; a missing file means defaults."""
    path = Path(data_dir) / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_settings(text, str(path))


class SettingsCache:
    """Settings that follow edits to config.toml without a restart (keeps the last good ones)."""

    def __init__(self, data_dir: str | os.PathLike[str], initial: Settings | None = None) -> None:
        self._path = Path(data_dir) / CONFIG_NAME
        self._data_dir = data_dir
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._settings = initial if initial is not None else load_settings(data_dir)
        self.error: str | None = None

    def _stat(self) -> tuple[float, int] | None:
        try:
            st = self._path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def get(self) -> Settings:
        """The current settings, re-read when the file changed."""
        stamp = self._stat()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    try:
                        self._settings = load_settings(self._data_dir)
                        self.error = None
                    except ConfigError as exc:
                        self.error = str(exc)
                    self._stamp = stamp
        return self._settings


def resolve_data_dir(option: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir``, else ``$ATESAKI_DATA_DIR``, else the platform's user data folder."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("ATESAKI_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("atesaki", appauthor=False))


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def pairing_token(data_dir: str | os.PathLike[str]) -> str:
    """The pairing token, created (mode 0600) on first use."""
    path = Path(data_dir) / TOKEN_NAME
    try:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    make_data_dir(path.parent)
    try:
        _write_private(path, secrets.token_urlsafe(32) + "\n")
    except FileExistsError:  # an empty file, or another process won the race
        if not path.read_text(encoding="utf-8").strip():
            path.unlink()
            _write_private(path, secrets.token_urlsafe(32) + "\n")
    return path.read_text(encoding="utf-8").strip()


def add_extension_origin(data_dir: str | os.PathLike[str], origin: str) -> bool:
    """Add an origin to ``extension_origins`` in config.toml, keeping comments; False if present.

    Two browsers' native hosts may pair at the same moment: the read-modify-write holds a
    lock beside the file, and the new text replaces the old one atomically.
    """
    import tomlkit
    from filelock import FileLock, Timeout

    origin = origin.rstrip("/")
    _origin_list([origin])
    path = Path(data_dir) / CONFIG_NAME
    make_data_dir(path.parent)
    lock = FileLock(path.with_name(f".{CONFIG_NAME}.lock"), timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout:
        raise ConfigError(f"{path}: another program keeps it locked; try again") from None
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        parse_settings(text, str(path))  # refuse to edit a file that is already broken
        doc = tomlkit.parse(text)
        origins = doc.get("extension_origins")
        if origins is None:
            origins = tomlkit.array()
            doc["extension_origins"] = origins
        if origin in list(origins):
            return False
        origins.append(origin)
        write_atomically(path, tomlkit.dumps(doc))
    finally:
        lock.release()
    return True
