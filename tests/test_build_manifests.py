"""The one adapter table (extension/adapters.json) and the manifests tools/build_manifests.py writes from it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

TOOL = ROOT / "tools" / "build_manifests.py"
EXTENSION = ROOT / "extension"
MANIFESTS = ("manifest.json", "manifest.firefox.json")


def build(*args: str) -> subprocess.CompletedProcess:
    """Run the tool as a developer would."""
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True,
                          timeout=60, check=False)


def load(folder: Path, name: str) -> dict:
    """A JSON file of an extension folder."""
    return json.loads((folder / name).read_text(encoding="utf-8"))


@pytest.fixture
def copy(tmp_path) -> Path:
    """A copy of the extension folder to edit."""
    return Path(shutil.copytree(EXTENSION, tmp_path / "extension"))


def test_the_committed_manifests_are_what_the_table_says():
    result = build("--check")
    assert result.returncode == 0, result.stderr


def test_both_manifests_carry_exactly_the_tables_fixed_host_adapters():
    adapters = load(EXTENSION, "adapters.json")["adapters"]
    fixed = [a for a in adapters if "matches" in a]
    assert [a["id"] for a in fixed] == ["gmail", "outlook"]
    for name in MANIFESTS:
        scripts = load(EXTENSION, name)["content_scripts"]
        assert [s["matches"] for s in scripts] == [a["matches"] for a in fixed], name
        assert [s["js"] for s in scripts] == [a["js"] for a in fixed], name
        assert [s["all_frames"] for s in scripts] == [a["all_frames"] for a in fixed], name
    # Chrome and Firefox inject the same scripts on the same hosts.
    assert load(EXTENSION, MANIFESTS[0])["content_scripts"] == load(EXTENSION, MANIFESTS[1])["content_scripts"]


def test_a_host_added_to_the_table_makes_both_manifests_stale_until_the_tool_writes_them(copy):
    table = load(copy, "adapters.json")
    table["adapters"][0]["matches"].append("https://mail.example.test/*")
    (copy / "adapters.json").write_text(json.dumps(table, indent=2), encoding="utf-8")

    stale = build("--check", "--extension", str(copy))
    assert stale.returncode == 1
    assert "manifest.json is stale" in stale.stderr
    assert "manifest.firefox.json is stale" in stale.stderr

    assert build("--extension", str(copy)).returncode == 0
    assert build("--check", "--extension", str(copy)).returncode == 0
    for name in MANIFESTS:
        manifest = load(copy, name)
        assert "https://mail.example.test/*" in manifest["content_scripts"][0]["matches"]
        # Everything but content_scripts is left as it was.
        original = load(EXTENSION, name)
        assert {k: v for k, v in manifest.items() if k != "content_scripts"} == {
            k: v for k, v in original.items() if k != "content_scripts"}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t["adapters"][0]["js"].append("content/adapters/nowhere.js"), "no such script"),
        (lambda t: t["adapters"][2].update(matches=["https://x.test/*"]), "exactly one adapter"),
        (lambda t: t["adapters"][2].pop("run_at"), "needs"),
        (lambda t: t["adapters"][2].update(match_about_blank=True), "keys nothing reads"),
        (lambda t: t["adapters"][1].update(id="gmail"), "ids repeat"),
    ],
    ids=["missing script", "no run-time adapter", "run_at missing", "unread key", "same id"],
)
def test_a_table_the_extension_could_not_use_is_refused(copy, change, problem):
    table = load(copy, "adapters.json")
    change(table)
    (copy / "adapters.json").write_text(json.dumps(table), encoding="utf-8")
    before = {name: (copy / name).read_bytes() for name in MANIFESTS}
    result = build("--extension", str(copy))
    assert result.returncode != 0
    assert problem in result.stderr
    assert {name: (copy / name).read_bytes() for name in MANIFESTS} == before
