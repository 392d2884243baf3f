"""The documentation keeps up with the code: settings, commands, endpoints, finding codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from atesaki.cli import main
from atesaki.settings import SETTINGS
from atesaki.web.openapi import spec

DOCS = Path(__file__).resolve().parent.parent / "docs"
CONTRACT_CODES = [
    "invalid_address", "blocked_domain", "external", "first_time", "not_in_address_book",
    "name_mismatch", "surname_homonym", "lookalike_domain", "visible_external_recipients",
    "new_domain_in_reply", "forward_external", "personal_data", "attachment_external",
    "large_audience", "sender_identity", "addressee_not_recipient", "attachment_names_other_org",
    "pasted_text", "attention_domain", "approval_rule",
]


def all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))


@pytest.mark.parametrize("setting", [s.name for s in SETTINGS])
def test_every_setting_is_documented(setting):
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert f"`{setting}`" in text


@pytest.mark.parametrize("path", sorted(spec()["paths"]))
def test_every_endpoint_is_in_the_api_doc(path):
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    generic = re.sub(r"\{[^}]+\}", "{", path)
    assert path in text or generic in re.sub(r"\{[^}]+\}", "{", text), path


@pytest.mark.parametrize("code", CONTRACT_CODES)
def test_every_finding_code_is_in_the_api_doc(code):
    assert f"`{code}`" in (DOCS / "api.md").read_text(encoding="utf-8")


def commands(group, prefix=""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from commands(command, f"{prefix}{name} ")


@pytest.mark.parametrize("command", sorted(commands(main)))
def test_every_command_has_help_and_docs(command):
    node = main
    for part in command.split():
        node = node.commands[part]
    assert (node.help or "").strip(), f"atesaki {command} has no help"
    assert f"atesaki {command}" in all_docs(), f"atesaki {command} is not in docs/"
