"""What the review page shows: recent checks with their approvals and incidents, and a summary.

Plain functions over the store (``checks`` and ``audit``); no Flask here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from atesaki.core.i18n import Text
from atesaki.store import audit

# Short labels for the finding codes of the contract (the checks table keeps codes only).
CODE_LABELS: dict[str, Text] = {
    "invalid_address": Text("アドレス不正", "invalid address"),
    "blocked_domain": Text("禁止ドメイン", "blocked domain"),
    "external": Text("外部", "external"),
    "first_time": Text("初めての宛先", "first time"),
    "not_in_address_book": Text("アドレス帳にない", "not in address book"),
    "name_mismatch": Text("名前の不一致", "name mismatch"),
    "surname_homonym": Text("同姓の別人", "same surname"),
    "lookalike_domain": Text("なりすまし風ドメイン", "lookalike domain"),
    "visible_external_recipients": Text("外部宛先が互いに見える", "external recipients visible"),
    "new_domain_in_reply": Text("返信に新しいドメイン", "new domain in reply"),
    "forward_external": Text("外部への転送", "forward outside"),
    "personal_data": Text("個人情報", "personal data"),
    "attachment_external": Text("外部への添付", "attachment outside"),
    "large_audience": Text("宛先が多い", "many recipients"),
}
# A check "warned" when it had any finding beyond the plain `external` note.
NOT_A_WARNING = frozenset({"external"})
SCAN_LIMIT = 2000  # checks looked at for one page; the page shows at most `limit` of them


def code_label(code: str, lang: str) -> str:
    """A finding code's short label in ``lang`` (the code itself when unknown)."""
    text = CODE_LABELS.get(code)
    return text.get(lang) if text else code


@dataclass(frozen=True)
class Filters:
    """The page's filters, from its query string."""

    external: bool = False
    approval: bool = False
    approver: str = ""
    incidents: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Read ``external``, ``approval``, ``approver`` and ``incidents`` from query arguments."""
        def flag(name: str) -> bool:
            return args.get(name, "") in ("1", "on", "true", "yes")

        return cls(flag("external"), flag("approval"), (args.get("approver") or "")[:200],
                   flag("incidents"))

    def keep(self, row: dict[str, Any]) -> bool:
        """True when a check row passes every filter that is on."""
        if self.external and not row["external"]:
            return False
        if self.approval and row["verdict"] != "approve":
            return False
        if self.approver and self.approver not in row["approved_by"]:
            return False
        return not (self.incidents and not row["incidents"])


def _data(entry: dict[str, Any]) -> dict[str, Any]:
    data = entry["data"]
    return data if isinstance(data, dict) else {}


def incidents(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every reported incident, newest first, with its audit position."""
    found = []
    for entry in audit.entries(conn, event="incident"):
        data = _data(entry)
        found.append({
            "incident_id": data.get("incident_id", ""),
            "check_id": data.get("check_id"),
            "address": data.get("address", ""),
            "what": data.get("what", ""),
            "affected": data.get("affected", ""),
            "note": data.get("note", ""),
            "ts": entry["ts"],
            "seq": entry["seq"],
            "hash": entry["hash"],
        })
    found.reverse()
    return found


def approvals(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """check_id -> the checkers who approved it."""
    by_check: dict[str, list[str]] = {}
    for entry in audit.entries(conn, event="approval_granted"):
        data = _data(entry)
        name = str(data.get("checker") or data.get("checker_id") or "?")
        names = by_check.setdefault(str(data.get("check_id", "")), [])
        if name not in names:
            names.append(name)
    return by_check


def activity(conn: sqlite3.Connection, is_internal: Callable[[str], bool],
             filters: Filters = Filters(), limit: int = 200) -> list[dict[str, Any]]:
    """Recent checks, newest first, with recipients, findings, approvers and incidents."""
    approved = approvals(conn)
    reported: dict[str, list[dict[str, Any]]] = {}
    for incident in incidents(conn):
        if incident["check_id"]:
            reported.setdefault(incident["check_id"], []).append(incident)
    rows = []
    for check in conn.execute(
        "SELECT id, created, sender, kind, verdict, codes, recipients, sent_at FROM checks "
        "ORDER BY created DESC, rowid DESC LIMIT ?", (SCAN_LIMIT,)
    ):
        recipients = [{"field": field, "address": address, "internal": is_internal(address)}
                      for field, address in json.loads(check["recipients"])]
        codes = json.loads(check["codes"])
        row = {
            "check_id": check["id"], "created": check["created"], "sender": check["sender"],
            "kind": check["kind"], "verdict": check["verdict"], "codes": codes,
            "warnings": [c for c in codes if c not in NOT_A_WARNING],
            "recipients": recipients,
            "external": any(not r["internal"] for r in recipients),
            "sent_at": check["sent_at"],
            "approved_by": approved.get(check["id"], []),
            "incidents": reported.get(check["id"], []),
        }
        if filters.keep(row):
            rows.append(row)
            if len(rows) >= limit:
                break
    return rows


def summary(conn: sqlite3.Connection, now: datetime, days: int = 30) -> dict[str, int]:
    """Counts for the last ``days`` days: checks, sends, warnings, approvals, incidents."""
    since = (now - timedelta(days=days)).isoformat(timespec="seconds")
    checks = conn.execute(
        "SELECT codes, sent_at FROM checks WHERE created >= ?", (since,)).fetchall()
    sends = conn.execute(
        "SELECT COUNT(*) FROM checks WHERE sent_at >= ?", (since,)).fetchone()[0]
    warnings = sum(1 for row in checks if set(json.loads(row["codes"])) - NOT_A_WARNING)

    def events(name: str) -> int:
        return conn.execute("SELECT COUNT(*) FROM audit WHERE event = ? AND ts >= ?",
                            (name, since)).fetchone()[0]

    return {"days": days, "checks": len(checks), "sends": sends, "warnings": warnings,
            "approvals": events("approval_granted"), "incidents": events("incident")}


def approver_names(conn: sqlite3.Connection) -> list[str]:
    """Everyone who ever approved a check, for the filter's picker."""
    return sorted({name for names in approvals(conn).values() for name in names})


def local_time(iso: str | None) -> str:
    """An ISO timestamp as this computer's local ``YYYY-MM-DD HH:MM``."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso
