"""Incidents reach the responsible person at once: a PC's report, e-mailed by the central service."""

from __future__ import annotations

import time

import psycopg
import pytest

from atesaki.link import client

pytest_plugins = ["servers.postgres", "servers.central"]
pytestmark = pytest.mark.servers


@pytest.fixture
def sink():
    """A real SMTP server (aiosmtpd) standing in for the office's relay."""
    from tests.browser.e2e.servers import SmtpSink

    server = SmtpSink()
    server.start()
    yield server
    server.stop()


def relay_options(sink) -> tuple[str, ...]:
    return ("--smtp", f"127.0.0.1:{sink.port}", "--mail-from", "atesaki@agency.go.jp",
            "--incidents-to", "kanri@agency.go.jp")


def test_a_wrong_recipient_report_is_mailed_to_the_responsible_person_at_once(
        central_factory, service_factory, sink):
    # Two instances with mailers on one database: the report is still mailed once.
    first = central_factory(*relay_options(sink))
    central_factory(*relay_options(sink))
    pc = service_factory()
    pc.stop()
    client.join(pc.data_dir, first.url, first.enrol("総務課 田中 一郎"), first.certificate.cert)
    pc.start()  # forwards every 30 s, but an incident at once
    status, _, answer = pc.request("POST", "/v1/incidents", {
        "check_id": None, "address": "k.sato@example.com",
        "note": "佐藤 美咲さん宛ての見積書を佐藤 健二さんに送ってしまった"})
    assert status == 201, answer
    [mail] = sink.wait_for(1, timeout=20)
    assert mail.rcpt_tos == ["kanri@agency.go.jp"]
    text = mail.message.get_content()
    assert "総務課 田中 一郎" in str(mail.message["Subject"])
    assert "k.sato@example.com" in text
    assert "佐藤 健二さんに送ってしまった" in text
    assert "What to do now" in text and "すぐに行うこと" in text
    time.sleep(2)  # the other instance had its chance to send it twice
    assert len(sink.received()) == 1
    with psycopg.connect(first.database_url) as conn:
        events = [r[0] for r in conn.execute("SELECT event FROM central_log ORDER BY seq")]
    assert "incident_notified" in events
    assert first.cli("audit", "verify").returncode == 0


def test_an_incident_waits_for_a_relay_that_is_down(central_factory, sink, tmp_path):
    from atesaki import store
    from atesaki.link import forward
    from atesaki.store import audit

    sink.stop()
    first = central_factory(*relay_options(sink))
    data_dir = tmp_path / "pc"
    client.join(data_dir, first.url, first.enrol("PC-02"), first.certificate.cert)
    conn = store.open_store(data_dir)
    audit.append(conn, "incident", {"incident_id": "i_1", "address": "x@example.com",
                                    "note": "間違えた"})
    conn.close()
    forward.forward(data_dir)
    time.sleep(1)
    assert sink.received() == []
    with psycopg.connect(first.database_url) as db:
        attempts, mailed = db.execute(
            "SELECT attempts, mailed_at FROM incident_notices").fetchone()
    assert attempts >= 1 and mailed is None
    sink.start()  # the relay is back: the next round (or restart) sends it
    first.stop()
    first.start()
    [mail] = sink.wait_for(1, timeout=20)
    assert "x@example.com" in mail.message.get_content()


def forward_entries(central, folder, name: str, entries, *enrol_options: str) -> None:
    """Join a PC named ``name`` and forward its audit ``entries`` [(event, data)]."""
    from atesaki import store
    from atesaki.link import forward
    from atesaki.store import audit

    client.join(folder, central.url, central.enrol(name, *enrol_options), central.certificate.cert)
    conn = store.open_store(folder)
    for event, data in entries:
        audit.append(conn, event, data)
    conn.close()
    forward.forward(folder)


class ReviewPage:
    """The review page in a supervisor's browser, signed in with a one-time link."""

    def __init__(self, central) -> None:
        import requests

        link = central.cli("review-link", "--url", central.url)
        assert link.returncode == 0, link.stderr
        self.link = link.stdout.strip()
        self.central = central
        self.verify = str(central.certificate.cert)
        self.browser = requests.Session()
        assert self.browser.get(f"{central.url}/central/review",
                                verify=self.verify).status_code == 401
        self.first = self.browser.get(self.link, verify=self.verify)
        assert self.first.status_code == 200

    def rows(self, **filters) -> str:
        """The page's HTML with these filters."""
        answer = self.browser.get(f"{self.central.url}/central/review", params=filters,
                                  verify=self.verify)
        assert answer.status_code == 200
        return answer.text


def check_entry(sender: str, verdict: str, codes: list[str]) -> tuple[str, dict]:
    return "check", {"check_id": "c_1", "verdict": verdict, "codes": codes, "sender": sender,
                     "recipients": ["to:k.sato@example.com"]}


def test_the_supervisor_sees_the_whole_office_on_the_review_page(central, tmp_path):
    import requests

    for name, sender, verdict, codes in (
            ("総務課 田中 一郎", "tanaka@agency.go.jp", "approve", ["surname_homonym"]),
            ("経理課 山本 花子", "yamamoto@agency.go.jp", "confirm", ["external"])):
        entries = [check_entry(sender, verdict, codes)]
        if sender.startswith("tanaka"):
            entries.append(("incident", {"incident_id": "i_1", "address": "k.sato@example.com",
                                         "note": "別の佐藤さんに送ってしまった"}))
        forward_entries(central, tmp_path / sender, name, entries)
    page = ReviewPage(central)
    assert "総務課 田中 一郎" in page.first.text and "経理課 山本 花子" in page.first.text
    assert "別の佐藤さんに送ってしまった" in page.first.text
    rows = page.rows
    assert 'data-event="incident"' in rows(event="incident")
    assert "経理課" not in rows(event="incident")
    assert "経理課" not in rows(code="surname_homonym")
    assert "総務課" not in rows(person="yamamoto")
    assert "総務課" not in rows(verdict="confirm")
    assert 'data-atesaki="review-row"' not in rows(since="2999-01-01")
    assert 'data-atesaki="review-row"' not in rows(until="2000-01-01")
    assert rows(until="2999-01-01").count('data-atesaki="review-row"') == 3
    # The link works once.
    assert requests.get(page.link, verify=page.verify, timeout=10).status_code == 403


def test_the_review_page_filters_by_the_section_the_directory_gives(central, tmp_path):
    from atesaki.central import db, directory
    from atesaki.core.records import Record

    with db.open_pool(central.database_url, min_size=1, max_size=1) as pool:
        directory.replace(pool, [
            Record(0, "田中 一郎", "田中", "一郎", department="総務課",
                   emails=["tanaka@agency.go.jp"]),
            Record(0, "山本 花子", "山本", "花子", department="経理課",
                   emails=["yamamoto@agency.go.jp"]),
        ])
    # PC names say nothing of sections: only the directory (or --section) can.
    forward_entries(central, tmp_path / "a", "PC-01", [
        check_entry("tanaka@agency.go.jp", "approve", ["surname_homonym"]),
        ("incident", {"incident_id": "i_1", "address": "k.sato@example.com",
                      "note": "別の佐藤さんに送ってしまった"}),
    ], "--email", "tanaka@agency.go.jp")
    forward_entries(central, tmp_path / "b", "PC-02", [
        check_entry("yamamoto@agency.go.jp", "confirm", ["external"])])
    forward_entries(central, tmp_path / "c", "PC-03", [
        check_entry("kansa@agency.go.jp", "pass", [])], "--section", "監査室")
    page = ReviewPage(central)
    general = page.rows(section="総務課")
    assert "tanaka@agency.go.jp" in general and "別の佐藤さんに送ってしまった" in general
    assert "yamamoto@" not in general and "kansa@" not in general
    accounts = page.rows(section="経理課")
    assert "yamamoto@agency.go.jp" in accounts and "tanaka@" not in accounts
    assert 'data-atesaki="review-section">経理課<' in accounts
    audit_office = page.rows(section="監査室")  # enrolled in it, not in the directory
    assert "kansa@agency.go.jp" in audit_office and "tanaka@" not in audit_office
    assert 'data-atesaki="review-row"' not in page.rows(section="人事課")
    both = page.rows(section="総務課", event="incident")
    assert both.count('data-atesaki="review-row"') == 1
    assert '<option value="経理課">' in page.first.text
