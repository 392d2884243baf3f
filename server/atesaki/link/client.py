"""This PC's link to the central service: the credential file and authenticated HTTPS calls.

``central.json`` in the data folder (mode 0600) holds the central service's URL,
this PC's id and secret; ``central-ca.pem`` beside it, when given at join, is the
only certificate authority trusted for that URL, so what the PC pulls arrives over
TLS authenticated against the administrator's own certificate.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from atesaki.core.i18n import Text

CREDENTIAL_NAME = "central.json"
CA_NAME = "central-ca.pem"
TIMEOUT = 15

NOT_JOINED = Text("このパソコンは中央サービスに参加していません（atesaki join URL CODE）。",
                  "This PC has not joined a central service (atesaki join URL CODE).")
UNREACHABLE = Text("中央サービス {url} に接続できません: {why}",
                   "Cannot reach the central service {url}: {why}")


class LinkError(Exception):
    """A call to the central service failed; ``code`` is its error code (or ``unreachable``)."""

    def __init__(self, status: int | None, code: str, message: Text,
                 body: dict[str, Any] | None = None) -> None:
        super().__init__(message.en)
        self.status = status
        self.code = code
        self.message = message
        self.body = body or {}


@dataclass(frozen=True)
class Link:
    """A joined PC's credential and where to reach the central service."""

    data_dir: Path
    url: str
    pc_id: str
    secret: str
    name: str

    @property
    def verify(self) -> str | bool:
        """The CA file to trust for the central URL, else the system's store."""
        ca = self.data_dir / CA_NAME
        return str(ca) if ca.exists() else True

    def call(self, method: str, path: str, body: Any = None, *,
             timeout: float = TIMEOUT, auth: bool = True) -> dict[str, Any]:
        """One call to ``/central/v1/<path>``; the JSON answer, or LinkError."""
        return call(self.url, method, path, body, verify=self.verify, timeout=timeout,
                    bearer=f"{self.pc_id}.{self.secret}" if auth else None)


def call(url: str, method: str, path: str, body: Any = None, *, verify: str | bool = True,
         timeout: float = TIMEOUT, bearer: str | None = None) -> dict[str, Any]:
    """One JSON call to a central service at ``url``; LinkError on any failure."""
    headers = {"Accept-Language": "ja"}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    try:
        response = requests.request(method, url.rstrip("/") + "/central/v1/" + path,
                                    json=body, headers=headers, verify=verify, timeout=timeout)
    except requests.RequestException as exc:
        raise LinkError(None, "unreachable",
                        UNREACHABLE.format(url=url, why=type(exc).__name__)) from None
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code >= 400 or not isinstance(data, dict):
        messages = data.get("messages") if isinstance(data, dict) else None
        message = (Text(messages["ja"], messages["en"]) if isinstance(messages, dict)
                   else UNREACHABLE.format(url=url, why=f"HTTP {response.status_code}"))
        code = data.get("error", "http_error") if isinstance(data, dict) else "http_error"
        raise LinkError(response.status_code, code, message, data if isinstance(data, dict) else None)
    return data


def credential_path(data_dir: str | os.PathLike[str]) -> Path:
    """Where the credential lives in a data folder."""
    return Path(data_dir) / CREDENTIAL_NAME


def load_link(data_dir: str | os.PathLike[str]) -> Link | None:
    """This PC's link, or None when it has not joined."""
    path = credential_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Link(Path(data_dir), data["url"], data["pc_id"], data["secret"], data.get("name", ""))


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 from the first byte (replacing it atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def join(data_dir: str | os.PathLike[str], url: str, code: str,
         ca_file: str | os.PathLike[str] | None = None) -> Link:
    """Spend an enrolment code at the central service and keep the credential (0600)."""
    data_dir = Path(data_dir)
    url = url.rstrip("/")
    verify: str | bool = str(ca_file) if ca_file else True
    answer = call(url, "POST", "join", {"code": code}, verify=verify)
    if ca_file:
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ca_file, data_dir / CA_NAME)
    write_private(credential_path(data_dir), json.dumps({
        "url": url, "pc_id": answer["pc_id"], "secret": answer["secret"],
        "name": answer.get("name", ""),
    }, ensure_ascii=False, indent=2) + "\n")
    return load_link(data_dir)


# --- what has been forwarded and pulled (the forwarder and the policy share it) -----------

STATE_NAME = "central-state.json"


def state_path(data_dir: Path) -> Path:
    """Where forwarding remembers the last acknowledged entry."""
    return Path(data_dir) / STATE_NAME


def load_state(data_dir: Path) -> dict[str, Any]:
    """The forwarding state (empty when nothing was ever acknowledged)."""
    try:
        return json.loads(state_path(data_dir).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def save_state(data_dir: Path, state: dict[str, Any]) -> None:
    """Replace the forwarding state atomically."""
    write_private(state_path(data_dir), json.dumps(state, ensure_ascii=False) + "\n")
