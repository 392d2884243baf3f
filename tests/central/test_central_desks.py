"""Issue 17's "done when": one office, two central instances, three desks, an approval and an incident.

Two ``atesaki central serve`` instances share one real PostgreSQL; three real
``atesaki serve`` processes are the sender's, the checker's and the supervisor's PCs,
all over real sockets. The sender's PC joined through instance A, the checker's
through B. The sender is blocked until the checker approves from their own desk;
the send then lands; the sender reports a wrong send and the supervisor sees it on
the central review page.
"""

from __future__ import annotations

import json
import threading
import time

import psycopg
import pytest
import requests

from atesaki.link import client

pytest_plugins = ["servers.postgres", "servers.central"]
pytestmark = pytest.mark.servers

OUTSIDER = {"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}
SECRET_BODY = "見積書を添付します。秘密の本文"


@pytest.fixture
def office(central_factory, service_factory):
    """Instances A and B; the sender's PC on A, the checker's and the supervisor's on B."""
    first, second = central_factory(), central_factory()
    desks = {}
    for role, instance, name, email in (
            ("sender", first, "田中 一郎", "tanaka@agency.go.jp"),
            ("checker", second, "鈴木 花子", "suzuki@agency.go.jp"),
            ("supervisor", second, "山田 課長", "yamada@agency.go.jp")):
        pc = service_factory()
        pc.stop()  # joined before it starts, so its forwarder runs from the start
        client.join(pc.data_dir, instance.url, instance.enrol(name, "--email", email),
                    instance.certificate.cert)
        desks[role] = pc.start()
    return first, second, desks


def new_check(sender, recipients=(OUTSIDER,)) -> dict:
    status, _, check = sender.request("POST", "/v1/check", {
        "sender": "tanaka@agency.go.jp", "kind": "new", "subject": "見積書の送付",
        "recipients": list(recipients), "body": SECRET_BODY})
    assert status == 200, check
    return check


def send(sender, check, token=None):
    return sender.request("POST", "/v1/sends", {
        "check_id": check["check_id"], "recipients": [OUTSIDER], "release_token": token})


def in_background(function, *args):
    """Run ``function`` in a thread; returns (thread, result dict with "value" and "seconds")."""
    result: dict = {}

    def run():
        started = time.monotonic()
        result["value"] = function(*args)
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def local_events(pc) -> list[dict]:
    done = pc.cli("audit", "export", "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_the_sender_is_blocked_until_a_checker_at_another_desk_approves(office):
    first, _second, desks = office
    sender, checker = desks["sender"], desks["checker"]
    check = new_check(sender)
    assert check["verdict"] == "approve"

    # Without an approval nothing is sent.
    status, _, refused = send(sender, check)
    assert (status, refused["error"]) == (403, "approval_required")

    # The picker lists the other desks, not the sender's own.
    status, _, listed = sender.request("GET", "/v1/remote-approvals/checkers")
    assert status == 200 and listed["joined"] is True
    assert sorted(c["name"] for c in listed["checkers"]) == ["山田 課長", "鈴木 花子"]

    # Nobody approves their own message.
    status, _, own = sender.request("POST", "/v1/remote-approvals", {
        "check_id": check["check_id"], "checker": "田中 一郎", "subject": "見積書の送付"})
    assert (status, own["error"]) == (403, "self_approval")

    # The checker waits at their desk (instance B) before the request exists.
    waiting, seen = in_background(
        checker.request, "GET", "/v1/remote-approvals/inbox?after=0&wait=20", None, None, 30)
    time.sleep(1.0)
    status, _, asked = sender.request("POST", "/v1/remote-approvals", {
        "check_id": check["check_id"], "checker": "鈴木 花子", "subject": "見積書の送付"})
    assert status == 201, asked
    assert asked["status"] == "waiting"
    waiting.join(30)
    status, _, inbox = seen["value"]
    assert status == 200, inbox
    # The enrolment the cursor belongs to: the extension starts again from 0 when it changes.
    assert inbox["central"] == client.load_link(checker.data_dir).pc_id
    # Woken through the other instance's NOTIFY, not by the long-poll running out
    # (bench/remote_approval.py measures the delay).
    assert seen["seconds"] < 19, "the checker's long-poll ran out instead of being woken"
    [request] = inbox["requests"]
    assert request["id"] == asked["request_id"]
    assert (request["sender"], request["subject"]) == ("tanaka@agency.go.jp", "見積書の送付")
    assert request["requester"]["name"] == "田中 一郎"
    [shown] = request["recipients"]
    assert (shown["field"], shown["address"], shown["name"]) == ("to", "k.sato@example.com",
                                                                 "佐藤 健二")
    assert "first_time" in shown["findings"]
    assert "秘密の本文" not in json.dumps(inbox, ensure_ascii=False)

    # The sender's dialog waits; the checker approves with a note; the sender hears it.
    sender_waits, decided = in_background(
        sender.request, "GET", f"/v1/remote-approvals/{asked['request_id']}?wait=20",
        None, None, 30)
    time.sleep(0.5)
    status, _, done = checker.request(
        "POST", f"/v1/remote-approvals/{asked['request_id']}/decision",
        {"decision": "approve", "note": "宛先を確認しました"})
    assert (status, done["status"]) == (200, "approved")
    sender_waits.join(30)
    status, _, state = decided["value"]
    assert status == 200, state
    assert (state["status"], state["note"]) == ("approved", "宛先を確認しました")
    assert decided["seconds"] < 19

    # The approval becomes a local release token, once.
    status, _, released = sender.request(
        "POST", f"/v1/remote-approvals/{asked['request_id']}/release",
        {"check_id": check["check_id"]})
    assert status == 200, released
    assert released["checker"]["name"] == "鈴木 花子"
    status, _, again = sender.request(
        "POST", f"/v1/remote-approvals/{asked['request_id']}/release",
        {"check_id": check["check_id"]})
    assert (status, again["error"]) == (409, "already_used")

    # The token is bound to this check: another check needing approval cannot use it.
    other = new_check(sender, [OUTSIDER, {"field": "cc", "address": "x@example.org"}])
    status, _, wrong = sender.request("POST", "/v1/sends", {
        "check_id": other["check_id"],
        "recipients": [OUTSIDER, {"field": "cc", "address": "x@example.org"}],
        "release_token": released["release_token"]})
    assert (status, wrong["error"]) == (403, "approval_required")

    # The send lands with it, once.
    status, _, sent = send(sender, check, released["release_token"])
    assert (status, sent) == (200, {"ok": True})
    status, _, twice = send(sender, check, released["release_token"])
    assert status in (403, 409), twice

    # Every step is in each desk's local audit.
    events = [(e["event"], e["data"]) for e in local_events(sender)]
    names = [name for name, _ in events]
    for expected in ("approval_requested", "approval_granted", "approval_used"):
        assert expected in names, names
    assert any(name == "approval_refused" and data.get("reason") == "self_approval"
               for name, data in events)
    assert any(e["event"] == "approval_decided" and e["data"]["note"] == "宛先を確認しました"
               for e in local_events(checker))

    # Then the sender reports the wrong send; the supervisor sees it on the central page.
    reported_at = time.monotonic()
    status, _, incident = sender.request("POST", "/v1/incidents", {
        "check_id": check["check_id"], "address": "k.sato@example.com",
        "note": "佐藤 美咲さん宛ての見積書を佐藤 健二さんに送ってしまった"})
    assert status == 201, incident
    link = first.cli("review-link", "--url", first.url)
    assert link.returncode == 0, link.stderr
    supervisor = requests.Session()
    verify = str(first.certificate.cert)
    assert supervisor.get(link.stdout.strip(), verify=verify, timeout=10).status_code == 200
    page = ""
    while time.monotonic() - reported_at < 60:  # "the same minute"
        page = supervisor.get(f"{first.url}/central/review", params={"event": "incident"},
                              verify=verify, timeout=10).text
        if "佐藤 健二さんに送ってしまった" in page:
            break
        time.sleep(0.5)
    assert "佐藤 健二さんに送ってしまった" in page, "the incident did not reach the review page"
    assert "田中 一郎" in page
    print(f"incident on the review page {time.monotonic() - reported_at:.1f} s after the report")

    # What was forwarded holds the approval's steps; the central chains verify.
    with psycopg.connect(first.database_url) as conn:
        forwarded = [r[0] for r in conn.execute(
            "SELECT e.event FROM audit_entries e JOIN pcs p ON p.id = e.pc_id "
            "WHERE p.name = '田中 一郎' ORDER BY e.seq")]
    assert {"approval_requested", "approval_granted", "approval_used", "incident"} <= set(forwarded)
    assert first.cli("audit", "verify").returncode == 0


def test_a_refusal_reaches_the_sender_with_the_checkers_note(office):
    _first, _second, desks = office
    sender, supervisor = desks["sender"], desks["supervisor"]
    check = new_check(sender)
    status, _, asked = sender.request("POST", "/v1/remote-approvals", {
        "check_id": check["check_id"], "checker": "山田 課長"})
    assert status == 201, asked
    status, _, inbox = supervisor.request("GET", "/v1/remote-approvals/inbox?after=0&wait=0")
    assert [r["id"] for r in inbox["requests"]] == [asked["request_id"]]
    status, _, done = supervisor.request(
        "POST", f"/v1/remote-approvals/{asked['request_id']}/decision",
        {"decision": "refuse", "note": "佐藤さん違いではありませんか"})
    assert (status, done["status"]) == (200, "refused")
    status, _, state = sender.request("GET", f"/v1/remote-approvals/{asked['request_id']}?wait=5",
                                      timeout=20)
    assert (state["status"], state["note"]) == ("refused", "佐藤さん違いではありませんか")
    status, _, released = sender.request(
        "POST", f"/v1/remote-approvals/{asked['request_id']}/release",
        {"check_id": check["check_id"]})
    assert (status, released["error"]) == (403, "not_approved")
    status, _, refused = send(sender, check)
    assert (status, refused["error"]) == (403, "approval_required")
    # The request left the supervisor's inbox; the refusal and its note are in the audit.
    status, _, inbox = supervisor.request("GET", "/v1/remote-approvals/inbox?after=0&wait=0")
    assert inbox["requests"] == []
    assert any(e["event"] == "approval_refused" and e["data"].get("note") == "佐藤さん違いではありませんか"
               for e in local_events(sender))


def test_codes_still_work_when_the_central_service_is_down(office):
    first, second, desks = office
    sender = desks["sender"]
    enrolled = sender.cli("checker", "add", "佐藤 次郎", "--json")
    assert enrolled.returncode == 0, enrolled.stderr
    import pyotp

    totp = pyotp.parse_uri(json.loads(enrolled.stdout)["otpauth_uri"])
    first.stop()
    second.stop()
    check = new_check(sender)
    status, _, down = sender.request("GET", "/v1/remote-approvals/checkers")
    assert (status, down["error"]) == (503, "central_unreachable")
    assert "中央サービスに接続できない" in down["messages"]["ja"]
    assert "still works" in down["messages"]["en"]
    status, _, asked = sender.request("POST", "/v1/remote-approvals", {
        "check_id": check["check_id"], "checker": "鈴木 花子"})
    assert (status, asked["error"]) == (503, "central_unreachable")
    status, _, granted = sender.request("POST", "/v1/approvals", {
        "check_id": check["check_id"], "checker": "佐藤 次郎", "code": totp.now()})
    assert status == 200, granted
    status, _, sent = send(sender, check, granted["release_token"])
    assert (status, sent) == (200, {"ok": True})
