"""The lock files pin what pyproject.toml asks for, and the deployment and test locks agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^ ;\\]+)", re.M)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    return {canonicalize_name(m[1]): m[2] for m in PIN.finditer(text)}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _unmet(requirements: list[str], pins: dict[str, str]) -> list[str]:
    unmet = []
    for line in requirements:
        requirement = Requirement(line)
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned, prereleases=True):
            unmet.append(f"{line} (lock: {pinned})")
    return unmet


def test_the_deployment_lock_pins_every_dependency_within_its_bounds():
    assert _unmet(_project()["dependencies"], _pins("atesaki.lock")) == []


def test_the_test_lock_pins_the_test_tools_and_the_same_runtime_versions():
    test_pins = _pins("test.lock")
    project = _project()
    assert _unmet(project["optional-dependencies"]["test"], test_pins) == []
    deployed = _pins("atesaki.lock")
    differing = {name: (version, test_pins.get(name)) for name, version in deployed.items()
                 if test_pins.get(name) != version}
    assert differing == {}, "CI must test exactly what administrators deploy"


def test_every_pin_carries_a_hash():
    for name in ("atesaki.lock", "test.lock"):
        text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
        for block in re.split(r"\n(?=[A-Za-z0-9])", text):
            if PIN.match(block):
                assert "--hash=sha256:" in block, f"{name}: {block.splitlines()[0]}"
