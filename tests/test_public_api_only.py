"""Only the documented, public API of dependencies: no underscore names, no monkeypatches.

A private name can change in a patch release (flask-cors 6.0.5 changed what
``serialize_options`` returns, and every request from the extension failed), so the
service reads nothing of a dependency's whose name starts with an underscore, and
assigns to no attribute of a dependency's module or class.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[1] / "server" / "atesaki"
FIRST_PARTY = "atesaki"
# The standard library is not a dependency that changes under us in a patch release
# (and ``sys.stdout = …`` is how the native host keeps its protocol channel clean).
STDLIB = sys.stdlib_module_names


def _sources() -> list[Path]:
    return sorted(SERVER.rglob("*.py"))


def _is_private(name: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in name.split("."))


def _third_party(module: str) -> bool:
    top = module.split(".")[0]
    return bool(top) and top != FIRST_PARTY and top not in STDLIB


# Objects a dependency documents as ours to set attributes on.
ASSIGNABLE = frozenset({"flask.g"})


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases: dict[str, str] = {}  # local name -> dependency module or class it names
    found: list[str] = []
    where = path.relative_to(SERVER.parent)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _third_party(alias.name):
                    if _is_private(alias.name):
                        found.append(f"{where}:{node.lineno}: import {alias.name}")
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not _third_party(node.module):
                continue
            if _is_private(node.module):
                found.append(f"{where}:{node.lineno}: from {node.module} import …")
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"{where}:{node.lineno}: from {node.module} import {alias.name}")
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            base = aliases.get(node.value.id)
            if base is None:
                continue
            if _is_private(node.attr):
                found.append(f"{where}:{node.lineno}: {node.value.id}.{node.attr}")
            if isinstance(node.ctx, ast.Store) and base not in ASSIGNABLE:
                found.append(f"{where}:{node.lineno}: assigns {node.value.id}.{node.attr} "
                             f"(a monkeypatch of {base})")
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
              and isinstance(node.value, ast.Attribute) and isinstance(node.value.value, ast.Name)
              and node.value.value.id in aliases):
            found.append(f"{where}:{node.lineno}: assigns "
                         f"{node.value.value.id}.{node.value.attr}.{node.attr} (a monkeypatch)")
    return found


def test_the_rule_finds_what_it_is_meant_to_find(tmp_path, monkeypatch):
    sample = tmp_path / "atesaki" / "bad.py"
    sample.parent.mkdir()
    sample.write_text(
        "import click\nimport json\nfrom flask_cors.core import serialize_options\n"
        "from flask.json.provider import DefaultJSONProvider\n"
        "from pyotp import _private\nimport waitress._impl\n"
        "click.ClickException.exit_code = 2\nfrom flask import g\ng.ok = 1\n"
        "y = DefaultJSONProvider._prepare_response_obj\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sys.modules[__name__], "SERVER", sample.parent)
    problems = "\n".join(_problems(sample))
    assert "pyotp import _private" in problems
    assert "waitress._impl" in problems
    assert "click.ClickException.exit_code" in problems
    assert "_prepare_response_obj" in problems
    assert "g.ok" not in problems, "flask.g is documented as the place for request state"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(SERVER)))
def test_no_private_name_or_monkeypatch_of_a_dependency(path):
    assert _problems(path) == []
