"""docs/site-profiles.md shows the profiles the extension and the SOGo tests really use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "site-profiles.md"
PROFILES = {
    "roundcube": ROOT / "extension" / "content" / "profiles" / "roundcube.json",
    "sogo": ROOT / "docs" / "profiles" / "sogo.json",
}


def documented_profiles() -> dict[str, dict]:
    """Every complete profile in the page's JSON blocks, by id."""
    found = {}
    for block in re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        value = json.loads(block)
        if "compose" in value:
            found[value["id"]] = value
    return found


def test_the_in_house_example_is_the_one_the_tests_use():
    from tests.browser.extension.test_site_profiles import PLAINMAIL

    documented = documented_profiles()["plainmail"]
    assert {k: v for k, v in documented.items() if k != "hosts"} == PLAINMAIL


@pytest.mark.parametrize("profile_id", sorted(PROFILES))
def test_the_worked_example_is_the_profile_in_use(profile_id):
    in_use = json.loads(PROFILES[profile_id].read_text(encoding="utf-8"))
    assert documented_profiles().get(profile_id) == in_use


def test_every_key_of_the_format_is_documented():
    text = DOC.read_text(encoding="utf-8")
    source = (ROOT / "extension" / "common" / "profiles.js").read_text(encoding="utf-8")
    shape = source[source.index("const SHAPE = {") : source.index("const REQUIRED_TOP")]
    keys = set(re.findall(r"^\s+'?(\w+)'?: ", shape, re.M)) - {"*field"}
    # A key is named in backticks, alone or as part of a path (`recipients.to`, `chips.chip`).
    missing = sorted(k for k in keys if not re.search(rf"`(?:[\w.]+\.)?{k}(?:\.[\w.]+)?`", text))
    assert missing == []
