"""Central policy: settings for the whole office and per section, which every PC follows.

A policy is ``config.toml`` text, checked with the PC's own settings parser, limited
to the settings that belong to the office (not a PC's paired extensions or its own
syncs): the administrator's rules (attention domains, always-approve domains,
thresholds, the Bcc action, mailing lists) among them. A PC gets the office's settings
with its section's on top (a section's attention domains are added to the office's),
and the version: the highest of the two, so any change to either is a new version.
"""

from __future__ import annotations

import tomllib
from typing import Any

from psycopg_pool import ConnectionPool

from atesaki.central.db import transaction
from atesaki.central.service import PC, log_event
from atesaki.settings import TABLES, ConfigError, parse_settings

# A PC's own: which extensions are paired with it, which syncs it runs itself.
LOCAL_ONLY = frozenset({"extension_origins", "sync"})
# A section's notes come on top of the office's (both show); any other setting of a
# section replaces the office's.
ADDED_UP = frozenset({"attention_domains"})


def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """``{"policy": {"approval": x}}`` as ``{"policy.approval": x}`` (settings' names)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in TABLES and isinstance(value, dict):
            flat.update({f"{key}.{sub}": v for sub, v in value.items()})
        else:
            flat[key] = value
    return flat


def check_text(text: str, source: str) -> dict[str, Any]:
    """The policy's settings by name; ConfigError naming ``source`` and the line."""
    parse_settings(text, source)
    flat = flatten(tomllib.loads(text))
    local = sorted(LOCAL_ONLY & set(flat))
    if local:
        raise ConfigError(f"{source}: {', '.join(local)} belongs to each PC, not to the office")
    return flat


def set_policy(pool: ConnectionPool, text: str, section: str = "", source: str = "") -> int:
    """Store the office's (or a section's) policy; returns its new version."""
    check_text(text, source or "policy")
    with transaction(pool) as conn:
        version = conn.execute(
            "INSERT INTO policies (scope, text, version) VALUES (%s, %s, nextval('policy_version')) "
            "ON CONFLICT (scope) DO UPDATE SET text = excluded.text, version = excluded.version "
            "RETURNING version", (section.strip(), text)).fetchone()["version"]
        log_event(conn, "policy_set", {"section": section.strip(), "version": version})
    return version


def policy_for(pool: ConnectionPool, pc: PC) -> dict[str, Any]:
    """The settings ``pc`` follows: the office's, its section's on top; with the version."""
    with pool.connection() as conn:
        section = conn.execute("SELECT section FROM pcs WHERE id = %s", (pc.id,)).fetchone()
        scopes = ["", section["section"]] if section and section["section"] else [""]
        rows = {r["scope"]: r for r in conn.execute(
            "SELECT scope, text, version FROM policies WHERE scope = ANY(%s)", (scopes,))}
    settings: dict[str, Any] = {}
    for scope in scopes:
        if scope in rows:
            for name, value in flatten(tomllib.loads(rows[scope]["text"])).items():
                if name in ADDED_UP and name in settings:
                    value = settings[name] + value
                settings[name] = value
    version = max((r["version"] for r in rows.values()), default=0)
    return {"ok": True, "version": version, "section": scopes[-1] if len(scopes) > 1 else "",
            "settings": settings}
