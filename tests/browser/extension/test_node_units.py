"""The extension's pure parsing, unit-tested with Node's own test runner (extension/tests)."""

from __future__ import annotations

from tests.conftest import ROOT

import shutil
import subprocess
from pathlib import Path

import pytest

EXTENSION_TESTS = ROOT / "extension" / "tests"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_node_unit_tests_pass():
    result = subprocess.run(
        ["node", "--test", *sorted(str(p) for p in EXTENSION_TESTS.glob("*.test.js"))],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
