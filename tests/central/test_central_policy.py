"""Central policy per office and section: every PC follows it and shows which version it runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from atesaki.link import client, policy
from atesaki.settings import load_settings

pytest_plugins = ["servers.postgres", "servers.central"]
pytestmark = pytest.mark.servers


@pytest.fixture(autouse=True)
def english_terminal(monkeypatch) -> None:
    """The commands speak the terminal's language; these tests read the English messages."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")


def set_policy(central, folder, text: str, *section: str):
    path = folder / f"policy-{len(list(folder.iterdir()))}.toml"
    path.write_text(text, encoding="utf-8")
    return central.cli("policy", "set", str(path), *section)


def test_pcs_follow_the_office_and_their_section(central, tmp_path):
    folder = tmp_path / "policies"
    folder.mkdir()
    office = set_policy(central, folder, 'internal_domains = ["agency.go.jp"]\n'
                                         'blocked_domains = ["example.net"]\n'
                                         '[policy]\napproval = "risky"\n')
    assert office.returncode == 0, office.stderr
    section = set_policy(central, folder, '[policy]\napproval = "non_reply_external"\n',
                         "--section", "経理課")
    assert section.returncode == 0, section.stderr
    accounts, general = tmp_path / "accounts", tmp_path / "general"
    # A PC's own settings stay: its paired extension is not the office's business.
    accounts.mkdir()
    (accounts / "config.toml").write_text(
        '# this PC\nextension_origins = ["chrome-extension://abcdefghijklmnopabcdefghijklmnop"]\n',
        encoding="utf-8")
    client.join(accounts, central.url, central.enrol("経理 PC", "--section", "経理課"),
                central.certificate.cert)
    client.join(general, central.url, central.enrol("総務 PC"), central.certificate.cert)
    assert policy.pull(accounts)["changed"] and policy.pull(general)["changed"]
    mine, theirs = load_settings(accounts), load_settings(general)
    assert mine.internal_domains == theirs.internal_domains == ["agency.go.jp"]
    assert mine.blocked_domains == ["example.net"]
    assert (mine.policy_approval, theirs.policy_approval) == ("non_reply_external", "risky")
    assert mine.extension_origins == ["chrome-extension://abcdefghijklmnopabcdefghijklmnop"]
    assert "# this PC" in (accounts / "config.toml").read_text(encoding="utf-8")
    # The office stops blocking example.net: the setting goes back to its default.
    set_policy(central, folder, 'internal_domains = ["agency.go.jp"]\n')
    assert policy.pull(general)["changed"]
    assert load_settings(general).blocked_domains == []
    assert policy.pull(general)["changed"] is False
    status = subprocess.run(
        [sys.executable, "-m", "atesaki", "--data-dir", str(general), "link", "status", "--json"],
        capture_output=True, text=True, check=False)
    version = json.loads(status.stdout)["policy_version"]
    assert version == policy.pull(general)["version"]
    assert f"Policy version: {version}" in json.loads(status.stdout)["detail"]["en"]


def test_a_policy_the_pcs_could_not_read_is_refused_with_its_line(central, tmp_path):
    done = set_policy(central, tmp_path, 'internal_domains = ["agency.go.jp"]\n'
                                         '[policy]\napproval = "sometimes"\n')
    assert done.returncode == 2
    assert ":3: policy.approval" in done.stderr
    local = set_policy(central, tmp_path, 'extension_origins = []\n')
    assert local.returncode == 2
    assert "belongs to each PC" in local.stderr
