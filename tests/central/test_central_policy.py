"""Central policy per office and section: every PC follows it and shows which version it runs."""

from __future__ import annotations

import json
import subprocess
import sys
import time

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


SCHOOLS = "学校宛て: 児童生徒の個人情報は送らないこと"
BANKS = "銀行宛ては振込先の確認を二人で"
TEACHER = {"field": "to", "address": "head@east.school.ed.jp", "name": "山本 一郎"}


def check_until(live, recipients: list[dict], done, timeout: float = 20) -> dict:
    """Check ``recipients`` on the running PC until ``done(answer)`` (a policy pull is due)."""
    deadline = time.monotonic() + timeout
    while True:
        status, _, answer = live.request("POST", "/v1/check", {"recipients": recipients})
        assert status == 200, answer
        if done(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def verdict(live, recipients: list[dict]) -> str:
    status, _, answer = live.request("POST", "/v1/check", {"recipients": recipients})
    assert status == 200, answer
    return answer["verdict"]


def notes(answer: dict) -> list[str]:
    return [f["messages"]["en"] for r in answer["recipients"] for f in r["findings"]
            if f["code"] == "attention_domain"]


def test_a_running_pc_follows_the_offices_rules_and_its_sections(central, service_factory,
                                                                 tmp_path, monkeypatch):
    monkeypatch.setenv("ATESAKI_LINK_INTERVAL", "0.3")
    folder = tmp_path / "policies"
    folder.mkdir()
    office = set_policy(central, folder, (
        'internal_domains = ["agency.go.jp"]\n'
        '[policy]\napproval = "never"\napprove_domains = ["press.example"]\n'
        'visible_external_action = "bcc"\nmailing_lists = "approve"\n\n'
        f'[[attention_domains]]\ndomain = "ed.jp"\nnote = "{SCHOOLS}"\n'))
    assert office.returncode == 0, office.stderr
    section = set_policy(central, folder, (
        '[policy]\napprove_recipients = 3\n\n'
        f'[[attention_domains]]\ndomain = "bank.example"\nnote = "{BANKS}"\n'), "--section", "経理課")
    assert section.returncode == 0, section.stderr
    live = service_factory({"internal_domains": ["agency.go.jp"]})
    live.stop()
    client.join(live.data_dir, central.url, central.enrol("経理 PC", "--section", "経理課"),
                central.certificate.cert)
    live.start()
    # Nothing on this PC's own config.toml said so: the note comes from the office.
    answer = check_until(live, [TEACHER], notes)
    assert any(SCHOOLS in n for n in notes(answer)), answer
    banker = {"field": "to", "address": "k.ito@bank.example", "name": "伊藤"}
    assert any(BANKS in n for n in notes(check_until(live, [banker], notes)))
    # The office's always-approve domain and the section's threshold, although approval is "never".
    press = {"field": "to", "address": "desk@press.example", "name": ""}
    assert verdict(live, [press]) == "approve"
    three = [{"field": "bcc", "address": f"u{i}@agency.go.jp", "name": ""} for i in range(3)]
    assert verdict(live, three) == "approve"
    # Two outside organisations in To: held until they are in Bcc (the office's action).
    visible = [{"field": "to", "address": "a@alpha.example", "name": ""},
               {"field": "to", "address": "b@beta.example", "name": ""}]
    assert verdict(live, visible) == "block"
    assert load_settings(live.data_dir).policy_mailing_lists == "approve"
    # The office changes its note: the running PC shows the new one without a restart.
    set_policy(central, folder, (
        'internal_domains = ["agency.go.jp"]\n[policy]\napproval = "never"\n\n'
        '[[attention_domains]]\ndomain = "ed.jp"\nnote = "学校宛ては校長の確認を"\n'))
    answer = check_until(live, [TEACHER], lambda a: any("校長" in n for n in notes(a)))
    assert [n for n in notes(answer) if "校長" in n], answer
    assert verdict(live, [press]) != "approve", "the office dropped the rule: the PC drops it too"
