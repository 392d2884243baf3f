"""Approvals from the checker's own desk, through two central instances on one PostgreSQL."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from atesaki.link import approvals, client

pytest_plugins = ["servers.postgres", "servers.central"]
pytestmark = pytest.mark.servers

DIGEST = "a" * 64
CHECK = {
    "check_id": "c_1", "digest": DIGEST, "verdict": "approve",
    "recipients": [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二",
                    "findings": [{"code": "surname_homonym", "severity": "high",
                                  "message": "本文の一部: 佐藤様 いつもお世話に…"}]}],
    "findings": [{"code": "personal_data", "severity": "high", "message": "090-1234-5678"}],
    "body": "秘密の本文",
}


@pytest.fixture
def desks(central_factory, tmp_path):
    """Two central instances on one database; a sender's PC joined on A, a checker's on B."""
    first, second = central_factory(), central_factory()
    sender_code = first.enrol("田中 一郎", "--email", "tanaka@agency.go.jp")
    checker_code = second.enrol("鈴木 花子", "--email", "suzuki@agency.go.jp")
    sender = client.join(tmp_path / "sender", first.url, sender_code, first.certificate.cert)
    checker = client.join(tmp_path / "checker", second.url, checker_code, second.certificate.cert)
    return first, second, sender, checker


def ask(sender, check=CHECK, checker="鈴木 花子"):
    return approvals.ask(sender, check, checker, sender="tanaka@agency.go.jp",
                         subject="学校見学会について")


def test_a_request_on_one_instance_reaches_a_checker_waiting_on_the_other(desks):
    _first, _second, sender, checker = desks
    seen: dict[str, object] = {}

    def wait_at_desk():
        started = time.monotonic()
        seen["inbox"] = approvals.inbox(checker, after=0, wait=20)
        seen["after"] = time.monotonic() - started

    waiting = threading.Thread(target=wait_at_desk)
    waiting.start()
    time.sleep(1.0)  # the checker is waiting before the request exists
    asked = ask(sender)
    waiting.join(25)
    assert asked["status"] == "waiting"
    [request] = seen["inbox"]["requests"]
    # Woken by the other instance's NOTIFY, not by the long-poll running out (the delay
    # itself is measured in bench/central_approvals.py).
    assert seen["after"] < 19, "the long-poll ran out instead of being woken"
    assert request["id"] == asked["id"]
    assert request["sender"] == "tanaka@agency.go.jp"
    assert request["subject"] == "学校見学会について"
    assert request["recipients"] == [{"field": "to", "address": "k.sato@example.com",
                                      "name": "佐藤 健二", "findings": ["surname_homonym"]}]
    assert request["findings"] == ["personal_data"]
    # Never the body, nor findings' messages that may quote it.
    assert "秘密の本文" not in str(request)
    assert "お世話" not in str(request)
    assert "090-1234-5678" not in str(request)


def test_an_approval_reaches_the_sender_and_is_released_once_for_the_same_digest(desks):
    _first, _second, sender, checker = desks
    asked = ask(sender)
    result: dict[str, object] = {}
    waiting = threading.Thread(
        target=lambda: result.update(approvals.decision(sender, asked["id"], wait=20)))
    waiting.start()
    time.sleep(0.5)
    approvals.decide(checker, asked["id"], approve=True, note="宛先を確認しました")
    waiting.join(25)
    assert (result["status"], result["note"]) == ("approved", "宛先を確認しました")
    with pytest.raises(client.LinkError) as changed:
        approvals.release(sender, asked["id"], "b" * 64)
    assert changed.value.code == "recipients_changed"
    released = approvals.release(sender, asked["id"], DIGEST)
    assert (released["check_id"], released["checker"]["name"]) == ("c_1", "鈴木 花子")
    with pytest.raises(client.LinkError) as again:
        approvals.release(sender, asked["id"], DIGEST)
    assert (again.value.status, again.value.code) == (409, "already_used")
    # The checker cannot spend it, nor decide twice.
    with pytest.raises(client.LinkError) as not_theirs:
        approvals.release(checker, asked["id"], DIGEST)
    assert not_theirs.value.status == 404
    with pytest.raises(client.LinkError) as twice:
        approvals.decide(checker, asked["id"], approve=False)
    assert twice.value.code == "already_decided"


def test_a_refusal_carries_the_note_and_releases_nothing(desks):
    _first, _second, sender, checker = desks
    asked = ask(sender)
    approvals.decide(checker, asked["id"], approve=False, note="佐藤さん違いです")
    state = approvals.decision(sender, asked["id"], wait=0)
    assert (state["status"], state["note"]) == ("refused", "佐藤さん違いです")
    with pytest.raises(client.LinkError) as refused:
        approvals.release(sender, asked["id"], DIGEST)
    assert (refused.value.status, refused.value.code) == (403, "not_approved")


def test_nobody_approves_their_own_message(desks):
    _first, _second, sender, checker = desks
    with pytest.raises(client.LinkError) as own_desk:
        ask(sender, checker="田中 一郎")
    assert (own_desk.value.status, own_desk.value.code) == (403, "self_approval")
    # The checker's own message, sent from another PC, cannot go to the checker either.
    with pytest.raises(client.LinkError) as own_mail:
        approvals.ask(sender, CHECK, "鈴木 花子", sender="suzuki@agency.go.jp")
    assert own_mail.value.code == "self_approval"
    assert "自分のメール" in own_mail.value.message.ja
    # Only the named checker may decide.
    asked = ask(sender)
    with pytest.raises(client.LinkError) as not_named:
        approvals.decide(sender, asked["id"], approve=True)
    assert not_named.value.status == 404
    assert approvals.inbox(checker, wait=0)["requests"][0]["id"] == asked["id"]
    assert approvals.inbox(sender, wait=0)["requests"] == []


def test_every_step_is_in_the_central_log_and_verifies(desks):
    first, _second, sender, checker = desks
    asked = ask(sender)
    with pytest.raises(client.LinkError):
        ask(sender, checker="田中 一郎")
    approvals.decide(checker, asked["id"], approve=True)
    approvals.release(sender, asked["id"], DIGEST)
    with psycopg.connect(first.database_url) as conn:
        events = [r[0] for r in conn.execute("SELECT event FROM central_log ORDER BY seq")]
        logged = " ".join(r[0] for r in conn.execute("SELECT data FROM central_log"))
    assert events[-4:] == ["approval_requested", "approval_refused", "approval_granted",
                           "approval_used"]
    assert "秘密の本文" not in logged
    done = first.cli("audit", "verify")
    assert done.returncode == 0, done.stdout
    assert "中央サービス / central service" in done.stdout


def test_the_checker_list_shows_names_only(desks):
    _first, _second, sender, _checker = desks
    listed = sender.call("GET", "checkers")["checkers"]
    assert [c["name"] for c in listed] == ["鈴木 花子"]
    assert "suzuki@agency.go.jp" not in str(listed)


def test_the_hub_wakes_only_the_waiters_of_the_key_that_changed():
    from atesaki.central.notify import Hub

    hub = Hub()
    woken: list[str] = []

    def waiter(key: str) -> None:
        if hub.wait([key], hub.version([key]), 10):
            woken.append(key)

    threads = {key: threading.Thread(target=waiter, args=(key,)) for key in ("inbox:a", "inbox:b")}
    for thread in threads.values():
        thread.start()
    time.sleep(0.2)
    hub.publish("inbox:a")
    threads["inbox:a"].join(5)
    assert woken == ["inbox:a"]
    assert threads["inbox:b"].is_alive()
    hub.reset()  # a lost LISTEN connection: everyone looks again
    threads["inbox:b"].join(5)
    assert woken == ["inbox:a", "inbox:b"]
