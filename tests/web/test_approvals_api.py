"""``POST /v1/approvals``, ``GET /v1/checkers``, release tokens at ``/v1/sends``, the enrolment page."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from atesaki import store
from atesaki.store import people

INTERNAL = ["agency.go.jp"]
SENDER = "tanaka@agency.go.jp"
CHECKER_EMAIL = "hanako@agency.go.jp"
TO_SATO = [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}]


@pytest.fixture
def config():
    """Every message needs a second checker, so each test starts from an ``approve`` verdict."""
    return {"internal_domains": INTERNAL, "policy": {"approval": "always"}}


@dataclass
class Clock:
    """The service's injectable clock: tests move time instead of sleeping."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app) -> Clock:
    """A fixed time 10 s into a 30 s code step, installed as the app's clock."""
    moment = Clock(datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC))
    app.config["CLOCK"] = moment
    return moment


@dataclass
class Enrolled:
    """A checker enrolled through the CLI, with the secret read back from the printed URI."""

    id: str
    name: str
    secret: str

    def code(self, when: datetime, steps: int = 0) -> str:
        """The code the checker's authenticator shows at ``when`` (+ ``steps`` × 30 s)."""
        return pyotp.TOTP(self.secret).at(when, counter_offset=steps)

    def wrong_code(self, when: datetime) -> str:
        """Six digits that match none of the codes accepted at ``when``."""
        accepted = {self.code(when, steps) for steps in (-1, 0, 1)}
        return next(code for code in (f"{n:06d}" for n in range(4)) if code not in accepted)


def enrol(runner, name: str = "鈴木 花子", email: str | None = CHECKER_EMAIL) -> Enrolled:
    """``atesaki checker add NAME --json`` and the secret from its otpauth URI."""
    args = ["checker", "add", name, "--json"] + (["--email", email] if email else [])
    result = runner(*args)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    secret = pyotp.parse_uri(printed["otpauth_uri"]).secret
    return Enrolled(printed["id"], printed["name"], secret)


@pytest.fixture
def hanako(runner) -> Enrolled:
    """The checker 鈴木 花子 <hanako@agency.go.jp>."""
    return enrol(runner)


def checked(client, recipients=None, **body) -> dict:
    """A stored check of ``recipients`` from SENDER; asserts the verdict is approve."""
    result = client.check(recipients or TO_SATO, sender=SENDER, kind="new", **body)
    assert result["verdict"] == "approve", result
    return result


def approve(client, check: dict, checker: str, code: str):
    """POST /v1/approvals."""
    return client.post("/v1/approvals", {"check_id": check["check_id"], "checker": checker,
                                         "code": code})


def send(client, check: dict, token=None, recipients=None):
    """POST /v1/sends with the checked recipients unless others are given."""
    body = {"check_id": check["check_id"], "recipients": recipients or TO_SATO}
    if token is not None:
        body["release_token"] = token
    return client.post("/v1/sends", body)


def error_of(response) -> tuple[int, str]:
    """(status, error code) of a response."""
    return response.status_code, response.get_json().get("error")


# --- the picker ----------------------------------------------------------------------------


def test_checkers_list_shows_ids_and_names_only(client, runner):
    hanako = enrol(runner)
    taro = enrol(runner, "Taro Yamada", "taro@agency.go.jp")
    response = client.get("/v1/checkers")
    assert response.status_code == 200
    assert response.get_json() == {"checkers": [{"id": taro.id, "name": "Taro Yamada"},
                                                {"id": hanako.id, "name": "鈴木 花子"}]}
    assert CHECKER_EMAIL not in response.get_data(as_text=True)


def test_checkers_list_needs_the_token(client):
    response = client.raw.get("/v1/checkers", headers={"Host": "127.0.0.1:8765"})
    assert error_of(response) == (401, "bad_token")


# --- approving and sending -----------------------------------------------------------------


@pytest.mark.parametrize("by", ["id", "name"], ids=["checker by id", "checker by name"])
def test_the_right_code_releases_the_send_exactly_once(client, hanako, clock, by):
    check = checked(client)
    granted = approve(client, check, getattr(hanako, by), hanako.code(clock.now))
    assert granted.status_code == 200, granted.get_json()
    body = granted.get_json()
    assert body["ok"] is True
    assert body["expires_at"] == "2026-03-02T09:05:10+00:00"
    assert body["checker"] == {"id": hanako.id, "name": "鈴木 花子"}
    assert send(client, check, body["release_token"]).status_code == 200
    assert error_of(send(client, check, body["release_token"])) == (403, "approval_required")


@pytest.mark.parametrize("token", [None, "", "r_not-a-token", "other check"],
                         ids=["no token", "empty token", "made-up token",
                              "another check's token"])
def test_an_approve_verdict_sends_nothing_without_a_valid_token(client, hanako, clock, token):
    check = checked(client)
    if token == "other check":
        other = checked(client, [{"field": "to", "address": "m@example.org"}])
        token = approve(client, other, hanako.id, hanako.code(clock.now)).get_json()[
            "release_token"]
    assert error_of(send(client, check, token)) == (403, "approval_required")


def test_a_bcc_added_after_approval_is_refused_and_the_approval_survives(client, hanako, clock):
    check = checked(client)
    token = approve(client, check, hanako.id, hanako.code(clock.now)).get_json()["release_token"]
    added = [*TO_SATO, {"field": "bcc", "address": "someone@example.net"}]
    assert error_of(send(client, check, token, added)) == (409, "recipients_changed")
    assert send(client, check, token).status_code == 200


def test_an_approval_covers_its_own_check_only(client, hanako, clock):
    first, second = checked(client), checked(client)
    token = approve(client, first, hanako.id, hanako.code(clock.now)).get_json()["release_token"]
    assert error_of(send(client, second, token)) == (403, "approval_required")
    assert send(client, first, token).status_code == 200


@pytest.mark.parametrize(("after", "status"), [
    (timedelta(minutes=4, seconds=59), 200), (timedelta(minutes=5), 403)],
    ids=["sent within 5 minutes", "sent after 5 minutes"])
def test_a_release_token_lasts_five_minutes(client, hanako, clock, after, status):
    check = checked(client)
    token = approve(client, check, hanako.id, hanako.code(clock.now)).get_json()["release_token"]
    clock.now += after
    assert send(client, check, token).status_code == status


# --- codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("steps", "status", "error"), [
    (-2, 403, "bad_code"), (-1, 200, None), (0, 200, None), (1, 200, None), (2, 403, "bad_code"),
], ids=["one minute slow", "30 s slow", "on time", "30 s fast", "one minute fast"])
def test_at_most_one_step_of_clock_drift_is_allowed(client, hanako, clock, steps, status, error):
    response = approve(client, checked(client), hanako.id, hanako.code(clock.now, steps))
    assert response.status_code == status
    assert response.get_json().get("error") == error


def test_a_code_used_once_is_refused_until_the_next_one(client, hanako, clock):
    code = hanako.code(clock.now)
    assert approve(client, checked(client), hanako.id, code).status_code == 200
    again = approve(client, checked(client), hanako.id, code)
    assert error_of(again) == (409, "code_reused")
    assert "すでに使われました" in again.get_json()["messages"]["ja"]
    # The previous step's code is older than the accepted one: also refused.
    assert error_of(approve(client, checked(client), hanako.id,
                            hanako.code(clock.now, -1))) == (409, "code_reused")
    clock.advance(seconds=30)
    assert approve(client, checked(client), hanako.id, hanako.code(clock.now)).status_code == 200


def test_one_code_sent_twice_at_once_is_accepted_once(client, hanako, clock):
    """Eight parallel requests (each thread has its own database connection) race one code."""
    checks = [checked(client) for _ in range(8)]
    code = hanako.code(clock.now)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(lambda c: approve(client, c, hanako.id, code).status_code,
                                   checks))
    assert statuses == [200] + [409] * 7


def test_the_sixth_attempt_is_locked_even_with_the_right_code(client, hanako, clock):
    check = checked(client)
    wrong = hanako.wrong_code(clock.now)
    left = []
    for _ in range(5):
        response = approve(client, check, hanako.id, wrong)
        assert error_of(response) == (403, "bad_code")
        left.append(response.get_json()["attempts_left"])
        clock.advance(seconds=10)
    assert left == [4, 3, 2, 1, 0]
    locked = approve(client, check, hanako.id, hanako.code(clock.now))
    assert error_of(locked) == (429, "locked")
    body = locked.get_json()
    # Locked at the fifth failure (40 s in) for 15 minutes; asked 10 s later.
    assert body["messages"]["ja"].endswith("あと 14 分 50 秒待ってください。")
    assert body["messages"]["en"].endswith("Try again in 14 min 50 s.")
    assert locked.headers["Retry-After"] == str(body["retry_after"]) == "890"
    clock.advance(seconds=889)
    assert error_of(approve(client, check, hanako.id, hanako.code(clock.now)))[0] == 429
    clock.advance(seconds=1)
    assert approve(client, check, hanako.id, hanako.code(clock.now)).status_code == 200


def test_the_lock_is_per_checker(client, runner, hanako, clock):
    taro = enrol(runner, "Taro Yamada", "taro@agency.go.jp")
    check = checked(client)
    for _ in range(5):
        approve(client, check, hanako.id, hanako.wrong_code(clock.now))
    assert error_of(approve(client, check, hanako.id, hanako.code(clock.now)))[0] == 429
    assert approve(client, check, taro.id, taro.code(clock.now)).status_code == 200


def test_wrong_codes_older_than_15_minutes_do_not_count(client, hanako, clock):
    check = checked(client)
    for _ in range(4):
        assert approve(client, check, hanako.id, hanako.wrong_code(clock.now)).status_code == 403
    clock.advance(minutes=15)
    response = approve(client, check, hanako.id, hanako.wrong_code(clock.now))
    assert response.get_json()["attempts_left"] == 4


def test_a_right_code_ends_a_run_of_wrong_ones(client, hanako, clock):
    check = checked(client)
    wrong = hanako.wrong_code(clock.now)
    for _ in range(4):
        approve(client, check, hanako.id, wrong)
    assert approve(client, check, hanako.id, hanako.code(clock.now)).status_code == 200
    clock.advance(seconds=30)
    wrong = hanako.wrong_code(clock.now)
    assert approve(client, check, hanako.id, wrong).get_json()["attempts_left"] == 4


# --- who may approve what ------------------------------------------------------------------


@pytest.mark.parametrize("sender", [CHECKER_EMAIL, "Hanako@Agency.GO.JP"],
                         ids=["same address", "same address in other case"])
def test_a_checker_cannot_approve_their_own_message(client, hanako, clock, sender):
    check = client.check(TO_SATO, sender=sender, kind="new")
    response = approve(client, check, hanako.id, hanako.code(clock.now))
    assert error_of(response) == (403, "self_approval")
    assert "別の確認者" in response.get_json()["messages"]["ja"]


@pytest.mark.parametrize(("body", "status", "error"), [
    ({"check_id": "c_nope", "checker": "鈴木 花子", "code": "123456"}, 404, "unknown_check"),
    ({"check_id": None, "checker": "鈴木 花子", "code": "123456"}, 400, "bad_request"),
    ({"checker": "鈴木 花子", "code": "123456"}, 400, "bad_request"),
    ({"check_id": "CHECK", "checker": "nobody", "code": "123456"}, 404, "unknown_checker"),
    ({"check_id": "CHECK", "checker": "", "code": "123456"}, 400, "bad_request"),
    ({"check_id": "CHECK", "checker": 7, "code": "123456"}, 400, "bad_request"),
    ({"check_id": "CHECK", "checker": "鈴木 花子", "code": "12345"}, 400, "bad_request"),
    ({"check_id": "CHECK", "checker": "鈴木 花子", "code": 123456}, 400, "bad_request"),
    ({"check_id": "CHECK", "checker": "鈴木 花子"}, 400, "bad_request"),
], ids=["unknown check", "null check id", "no check id", "unknown checker", "empty checker",
        "checker not a string", "five-digit code", "code as a number", "no code"])
def test_bad_approval_requests_say_what_is_wrong(client, hanako, body, status, error):
    check = checked(client)
    body = {k: (check["check_id"] if v == "CHECK" else v) for k, v in body.items()}
    response = client.post("/v1/approvals", body)
    assert error_of(response) == (status, error)
    assert response.get_json()["message"]


def test_an_expired_check_cannot_be_approved(client, hanako, clock):
    check = checked(client)
    clock.advance(hours=1, seconds=1)
    assert error_of(approve(client, check, hanako.id, hanako.code(clock.now))) == (
        404, "unknown_check")


def test_a_blocked_message_cannot_be_approved(client, hanako, clock):
    check = client.check([{"field": "to", "address": "not an address"}], sender=SENDER)
    assert check["verdict"] == "block"
    assert error_of(approve(client, check, hanako.id, hanako.code(clock.now))) == (
        403, "blocked")


def test_a_refused_code_is_remembered_although_the_request_failed(client, hanako, clock):
    check = checked(client)
    approve(client, check, hanako.id, hanako.wrong_code(clock.now))
    conn = client.app.extensions["atesaki"].conn()
    assert conn.execute("SELECT COUNT(*) FROM approval_failures").fetchone()[0] == 1


# --- audit and secrets ---------------------------------------------------------------------


def audit_rows(client) -> list[tuple[str, dict]]:
    """(event, data) of every audit entry."""
    conn = client.app.extensions["atesaki"].conn()
    return [(row[0], json.loads(row[1]))
            for row in conn.execute("SELECT event, data FROM audit ORDER BY seq")]


def values(data) -> list[str]:
    """Every scalar value inside an audit entry's data, as text."""
    if isinstance(data, dict):
        return [v for item in data.values() for v in values(item)]
    if isinstance(data, list):
        return [v for item in data for v in values(item)]
    return [str(data)]


def test_audit_records_granted_refused_and_locked_never_the_code(client, hanako, clock, runner):
    check = checked(client)
    codes = []
    wrong = hanako.wrong_code(clock.now)
    for _ in range(5):
        approve(client, check, hanako.id, wrong)
    codes.append(wrong)
    clock.advance(minutes=15)
    right = hanako.code(clock.now)
    codes.append(right)
    token = approve(client, check, hanako.id, right).get_json()["release_token"]
    approve(client, check, hanako.id, right)  # replay
    assert send(client, check, token).status_code == 200
    rows = audit_rows(client)
    events = [event for event, _ in rows if event.startswith("approval_")]
    assert events == ["approval_refused"] * 5 + ["approval_locked", "approval_granted",
                                                 "approval_refused", "approval_used"]
    for event, data in rows:
        if event.startswith("approval_"):
            assert data["checker_id"] == hanako.id and data["checker"] == "鈴木 花子"
            assert data["check_id"] == check["check_id"] and data["digest"] == check["digest"]
    reasons = [data.get("reason") for event, data in rows if event == "approval_refused"]
    assert reasons == ["bad_code"] * 5 + ["code_reused"]
    everything = [v for _, data in rows for v in values(data)]
    for secret in (hanako.secret, token, *codes):
        assert secret not in everything
    assert hanako.secret not in json.dumps([d for _, d in rows])


def test_no_response_carries_a_secret(client, hanako, clock):
    check = checked(client)
    responses = [
        client.get("/v1/checkers"),
        approve(client, check, hanako.id, hanako.wrong_code(clock.now)),
        approve(client, check, hanako.id, hanako.code(clock.now)),
        approve(client, check, hanako.id, hanako.code(clock.now)),
        client.get("/openapi.json"),
    ]
    for response in responses:
        assert hanako.secret not in response.get_data(as_text=True)


# --- the enrolment page --------------------------------------------------------------------


def enrol_link(runner, name="鈴木 花子") -> tuple[str, str]:
    """(path of the one-time enrolment link, secret) from ``atesaki checker add``."""
    result = runner("checker", "add", name, "--email", CHECKER_EMAIL)
    assert result.exit_code == 0, result.output
    link = re.search(r"http://127\.0\.0\.1:\d+(/enrol/\S+)", result.output).group(1)
    secret = re.search(r"secret=([A-Z2-7]+)", result.output).group(1)
    return link, secret


def test_the_enrolment_link_shows_the_qr_code_once(client, runner, clock):
    link, secret = enrol_link(runner)
    page = client.raw.get(link, headers={"Host": "127.0.0.1:8765"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<svg" in text and "鈴木 花子" in text
    assert "Google Authenticator" in text and "第二確認者の登録" in text
    assert " ".join(secret[i:i + 4] for i in range(0, 32, 4)) in text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    again = client.raw.get(link, headers={"Host": "127.0.0.1:8765"})
    assert again.status_code == 404
    assert secret.lower() not in again.get_data(as_text=True).lower()
    assert "使えません" in again.get_data(as_text=True)


@pytest.mark.parametrize(("after", "status"), [(timedelta(minutes=9, seconds=59), 200),
                                               (timedelta(minutes=10), 404)],
                         ids=["within 10 minutes", "after 10 minutes"])
def test_the_enrolment_link_lasts_ten_minutes(client, runner, clock, after, status):
    clock.now = datetime.now(UTC)  # the CLI stamps the link with the real time
    link, _ = enrol_link(runner)
    clock.advance(seconds=after.total_seconds())
    assert client.raw.get(link, headers={"Host": "127.0.0.1:8765"}).status_code == status


def test_the_enrolment_page_is_guarded_like_the_api(client, runner):
    link, _ = enrol_link(runner)
    rebinding = client.raw.get(link, headers={"Host": "evil.example:8765"})
    assert rebinding.status_code == 403
    assert client.raw.get("/enrol/made-up", headers={"Host": "127.0.0.1:8765"}).status_code == 404
    # The refused rebinding request did not use the link up.
    assert client.raw.get(link, headers={"Host": "127.0.0.1:8765"}).status_code == 200


# --- policy modes --------------------------------------------------------------------------

EXTERNAL = {"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}
KNOWN_EXTERNAL = {"field": "to", "address": "yamamoto@partner.example", "name": "山本 一郎"}
INTERNAL_PERSON = {"field": "to", "address": "suzuki@agency.go.jp", "name": "鈴木 次郎"}
MESSAGES = {
    "new, internal": dict(recipients=[INTERNAL_PERSON], kind="new"),
    "new, external first time": dict(recipients=[EXTERNAL], kind="new"),
    "new, external sent to before": dict(recipients=[KNOWN_EXTERNAL], kind="new"),
    "reply, external first time": dict(recipients=[EXTERNAL], kind="reply",
                                       thread_recipients=[EXTERNAL["address"]]),
}
NEEDS_APPROVAL = {
    "risky": {"new, external first time"},
    "non_reply_external": {"new, external first time", "new, external sent to before"},
    "always": set(MESSAGES),
    "never": set(),
}


@pytest.mark.parametrize(
    ("config", "mode", "message"),
    [({"internal_domains": INTERNAL, "policy": {"approval": mode}}, mode, message)
     for mode in NEEDS_APPROVAL for message in MESSAGES],
    ids=[f"{mode}: {message}" for mode in NEEDS_APPROVAL for message in MESSAGES],
)
def test_approval_modes_decide_which_messages_need_a_second_checker(client, mode, message):
    conn = client.app.extensions["atesaki"].conn()
    with store.transaction(conn):
        people.record_send(conn, [(KNOWN_EXTERNAL["address"], KNOWN_EXTERNAL["name"])],
                           "2025-01-10T09:00:00+00:00")
        store.bump_generation(conn)
    verdict = client.check(sender=SENDER, **MESSAGES[message])["verdict"]
    assert (verdict == "approve") == (message in NEEDS_APPROVAL[mode]), verdict


# --- over a real socket --------------------------------------------------------------------


def test_approve_and_send_over_a_real_socket(service_factory):
    live = service_factory({"internal_domains": INTERNAL, "policy": {"approval": "always"}})
    added = live.cli("checker", "add", "鈴木 花子", "--email", CHECKER_EMAIL, "--json")
    assert added.returncode == 0, added.stderr
    printed = json.loads(added.stdout)
    secret = pyotp.parse_uri(printed["otpauth_uri"]).secret
    status, _, body = live.request("GET", "/v1/checkers")
    assert (status, body) == (200, {"checkers": [{"id": printed["id"], "name": "鈴木 花子"}]})
    status, _, check = live.request("POST", "/v1/check",
                                    {"sender": SENDER, "kind": "new", "recipients": TO_SATO})
    assert (status, check["verdict"]) == (200, "approve")
    status, _, refused = live.request("POST", "/v1/sends", {"check_id": check["check_id"],
                                                            "recipients": TO_SATO})
    assert (status, refused["error"]) == (403, "approval_required")
    code = pyotp.TOTP(secret).now()
    status, _, granted = live.request("POST", "/v1/approvals", {
        "check_id": check["check_id"], "checker": "鈴木 花子", "code": code})
    assert status == 200, granted
    status, _, sent = live.request("POST", "/v1/sends", {
        "check_id": check["check_id"], "recipients": TO_SATO,
        "release_token": granted["release_token"]})
    assert (status, sent) == (200, {"ok": True})
    live.stop()
    log = (live.data_dir.parent / f"service-{live.port}.log").read_text(encoding="utf-8")
    exported = live.cli("audit", "export", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    events = [json.loads(line)["event"] for line in exported.stdout.splitlines()]
    assert {"approval_granted", "approval_used"} <= set(events)
    assert live.cli("audit", "verify").returncode == 0
    for text in (log, exported.stdout, exported.stderr):
        assert secret not in text and granted["release_token"] not in text
