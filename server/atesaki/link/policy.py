"""The central policy on this PC: the office's settings written into config.toml, with their version.

Only the settings the central service manages are written; the PC's own (paired
extensions, its syncs, anything the office does not set) stay as they are. A
setting the office stops managing goes back to its default. The running service
follows config.toml by itself, so a new policy applies without a restart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit

from atesaki.link.client import Link, load_link, load_state, save_state, write_private
from atesaki.settings import CONFIG_NAME, parse_settings


def _apply(text: str, managed: dict[str, Any], dropped: set[str]) -> str:
    doc = tomlkit.parse(text)
    for name in dropped:
        table, _, key = name.rpartition(".")
        target = doc.get(table) if table else doc
        if target is not None and key in target:
            del target[key]
    for name, value in managed.items():
        table, _, key = name.rpartition(".")
        if table:
            if table not in doc:
                doc[table] = tomlkit.table()
            doc[table][key] = value
        else:
            doc[key] = value
    return tomlkit.dumps(doc)


def pull(data_dir: Path, link: Link | None = None) -> dict[str, Any]:
    """Follow the central policy; returns ``{"version", "changed"}``."""
    data_dir = Path(data_dir)
    link = link or load_link(data_dir)
    answer = link.call("GET", "policy")
    state = load_state(data_dir)
    if answer["version"] == state.get("policy_version") and \
            sorted(answer["settings"]) == sorted(state.get("policy_keys", [])):
        return {"version": answer["version"], "changed": False}
    path = data_dir / CONFIG_NAME
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    dropped = set(state.get("policy_keys", [])) - set(answer["settings"])
    new_text = _apply(text, answer["settings"], dropped)
    parse_settings(new_text, str(path))  # never write a config.toml the service would refuse
    write_private(path, new_text)
    state.update(policy_version=answer["version"], policy_keys=sorted(answer["settings"]),
                 policy_section=answer.get("section", ""))
    save_state(data_dir, state)
    return {"version": answer["version"], "changed": True}
