"""Second checkers without HTTP: enrolment, codes, release tokens, and the ``atesaki checker`` commands."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from atesaki import store
from atesaki.approvals import core
from atesaki.web.errors import APIError

T0 = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)  # 10 s into a 30 s step


def secret_of(uri: str) -> str:
    """The base32 secret inside an otpauth URI."""
    return pyotp.parse_uri(uri).secret


def a_check(check_id: str = "c_1", digest: str = "d" * 64, sender: str = "tanaka@agency.go.jp",
            verdict: str = "approve") -> dict:
    """A stored check as api.load_check returns it (only the fields approvals read)."""
    return {"id": check_id, "digest": digest, "sender": sender, "verdict": verdict,
            "sent_at": None}


def grant(conn, check=None, when=T0, name="鈴木 花子"):
    """Enrol ``name`` and approve ``check`` with the right code at ``when``."""
    checker, uri = core.add_checker(conn, name, "hanako@agency.go.jp", when)
    code = pyotp.TOTP(secret_of(uri)).at(when)
    return core.approve(conn, check or a_check(), checker.id, code, when)


# --- enrolment -----------------------------------------------------------------------------


def test_otpauth_uri_is_what_authenticator_apps_read(conn):
    _, uri = core.add_checker(conn, "鈴木 花子", "hanako@agency.go.jp", T0)
    assert uri.startswith("otpauth://totp/Atesaki:%E9%88%B4%E6%9C%A8%20%E8%8A%B1%E5%AD%90?")
    parsed = pyotp.parse_uri(uri)
    assert (parsed.issuer, parsed.name, parsed.digits, parsed.interval) == (
        "Atesaki", "鈴木 花子", 6, 30)
    assert parsed.digest().name == "sha1"
    assert len(secret_of(uri)) == 32  # 160 bits


@pytest.mark.parametrize(
    ("name", "email", "problem"),
    [
        ("", None, "empty"),
        ("   ", None, "empty"),
        ("x" * 101, None, "longer than 100"),
        ("bad\u0000name", None, "control"),
        ("Hanako", "not-an-address", "not an e-mail address"),
    ],
    ids=["empty name", "blank name", "name too long", "control character", "bad e-mail"],
)
def test_bad_enrolment_input_is_refused_with_a_reason(conn, name, email, problem):
    with pytest.raises(ValueError, match=problem):
        core.add_checker(conn, name, email, T0)
    assert core.list_checkers(conn) == []


def test_the_same_name_in_another_width_or_case_is_the_same_checker(conn):
    core.add_checker(conn, "鈴木 花子", None, T0)
    with pytest.raises(ValueError, match="already enrolled"):
        core.add_checker(conn, "鈴木　花子", None, T0)  # ideographic space
    core.add_checker(conn, "Hanako", None, T0)
    with pytest.raises(ValueError, match="already enrolled"):
        core.add_checker(conn, "ＨＡＮＡＫＯ", None, T0)


def test_a_checker_is_found_by_id_or_by_name(conn):
    checker, _ = core.add_checker(conn, "鈴木 花子", "Hanako@Agency.go.jp", T0)
    assert core.find_checker(conn, checker.id) == checker
    assert core.find_checker(conn, " 鈴木　花子 ") == checker
    assert core.find_checker(conn, "someone else") is None
    assert checker.email == "hanako@agency.go.jp"


# --- codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "digits"),
    [("123456", "123456"), ("123 456", "123456"), ("１２３４５６", "123456"), (" 123-456 ", "123456")],
    ids=["plain", "with a space", "full-width digits from an IME", "with a dash"],
)
def test_a_code_may_be_typed_the_way_people_type_it(typed, digits):
    assert core.normalise_code(typed) == digits


@pytest.mark.parametrize("typed", ["12345", "1234567", "12a456", "", 123456, None],
                         ids=["five digits", "seven digits", "a letter", "empty", "a number",
                              "missing"])
def test_a_code_that_is_not_six_digits_is_a_bad_request(typed):
    with pytest.raises(APIError) as caught:
        core.normalise_code(typed)
    assert (caught.value.status, caught.value.extra["field"]) == (400, "code")


@pytest.mark.parametrize(("seconds", "ja", "en"), [
    (870, "14 分 30 秒", "14 min 30 s"), (900, "15 分", "15 min"), (7, "7 秒", "7 s"),
], ids=["minutes and seconds", "whole minutes", "seconds only"])
def test_waiting_time_reads_naturally_in_both_languages(seconds, ja, en):
    assert core.wait_text(seconds).as_dict() == {"ja": ja, "en": en}


def test_a_granted_approval_stores_only_a_hash_of_the_release_token(conn):
    given = grant(conn)
    rows = [tuple(row) for row in conn.execute("SELECT * FROM releases")]
    assert len(rows) == 1
    assert given.release_token not in repr(rows)
    assert given.expires_at == "2026-03-02T09:05:10+00:00"


def test_a_replayed_code_is_refused_even_for_another_check(conn):
    checker, uri = core.add_checker(conn, "鈴木 花子", None, T0)
    code = pyotp.TOTP(secret_of(uri)).at(T0)
    core.approve(conn, a_check("c_1"), checker.id, code, T0)
    with pytest.raises(APIError) as caught:
        core.approve(conn, a_check("c_2"), checker.id, code, T0 + timedelta(seconds=5))
    assert (caught.value.status, caught.value.error) == (409, "code_reused")


# --- release tokens ------------------------------------------------------------------------


def test_a_release_token_works_once(conn):
    token = grant(conn).release_token
    with store.transaction(conn):
        assert core.consume_release(conn, "c_1", "d" * 64, token, T0)
    with store.transaction(conn):
        assert not core.consume_release(conn, "c_1", "d" * 64, token, T0)


@pytest.mark.parametrize(
    ("check_id", "digest", "later", "valid"),
    [
        ("c_1", "d" * 64, timedelta(minutes=4, seconds=59), True),
        ("c_1", "d" * 64, timedelta(minutes=5), False),
        ("c_1", "e" * 64, timedelta(0), False),
        ("c_2", "d" * 64, timedelta(0), False),
    ],
    ids=["just inside 5 minutes", "at 5 minutes it has expired", "another digest",
         "another check"],
)
def test_a_release_token_covers_one_check_and_digest_for_five_minutes(
        conn, check_id, digest, later, valid):
    token = grant(conn).release_token
    with store.transaction(conn):
        assert core.consume_release(conn, check_id, digest, token, T0 + later) is valid


@pytest.mark.parametrize("token", ["", "r_made_up", None], ids=["empty", "made up", "missing"])
def test_a_token_nobody_issued_releases_nothing(conn, token):
    grant(conn)
    with store.transaction(conn):
        assert not core.consume_release(conn, "c_1", "d" * 64, token, T0)


def test_removing_a_checker_withdraws_their_unused_approvals(conn):
    token = grant(conn).release_token
    assert core.remove_checker(conn, "鈴木 花子").name == "鈴木 花子"
    with store.transaction(conn):
        assert not core.consume_release(conn, "c_1", "d" * 64, token, T0)
    assert core.remove_checker(conn, "鈴木 花子") is None


def test_migrations_can_run_again(conn):
    grant(conn)
    assert store.migrate(conn) == []
    assert len(core.list_checkers(conn)) == 1


# --- the command line ----------------------------------------------------------------------


def test_checker_add_json_prints_exactly_the_contract_fields(runner):
    result = runner("checker", "add", "鈴木 花子", "--email", "hanako@agency.go.jp", "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert set(printed) == {"id", "name", "otpauth_uri"}
    assert printed["name"] == "鈴木 花子"
    assert pyotp.parse_uri(printed["otpauth_uri"]).issuer == "Atesaki"


def test_checker_add_prints_a_qr_code_the_uri_and_a_one_time_link(runner, monkeypatch):
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    result = runner("checker", "add", "鈴木 花子", "--email", "hanako@agency.go.jp",
                    "--port", "9999")
    assert result.exit_code == 0, result.output
    assert "第二確認者「鈴木 花子」" in result.output
    assert "▀" in result.output or "▄" in result.output  # compact terminal QR
    assert "otpauth://totp/Atesaki:" in result.output
    assert "http://127.0.0.1:9999/enrol/" in result.output


def test_checker_add_without_email_warns_that_self_approval_cannot_be_stopped(runner, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    result = runner("checker", "add", "Taro", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["name"] == "Taro"  # stdout stays pure JSON
    assert "cannot stop this checker approving their own messages" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["", "--json"], "NAME"),
        (["Hanako", "--email", "nobody"], "--email"),
    ],
    ids=["empty name", "bad e-mail address"],
)
def test_checker_add_with_bad_input_exits_2_naming_the_argument(runner, args, message):
    result = runner("checker", "add", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_checker_add_twice_with_the_same_name_exits_2(runner):
    assert runner("checker", "add", "Hanako", "--json").exit_code == 0
    result = runner("checker", "add", "hanako", "--json")
    assert result.exit_code == 2
    assert "already enrolled" in result.output


def test_checker_list_and_remove(runner):
    added = json.loads(runner("checker", "add", "鈴木 花子", "--email", "hanako@agency.go.jp",
                              "--json").stdout)
    json.loads(runner("checker", "add", "Taro", "--json").stdout)
    listed = json.loads(runner("checker", "list", "--json").stdout)["checkers"]
    assert [c["name"] for c in listed] == ["Taro", "鈴木 花子"]
    assert all(set(c) == {"id", "name", "email", "created"} for c in listed)
    text = runner("checker", "list").output
    assert added["id"] in text and "hanako@agency.go.jp" in text
    assert runner("checker", "remove", added["id"]).exit_code == 0
    assert runner("checker", "remove", "Taro").exit_code == 0
    listed = json.loads(runner("checker", "list", "--json").stdout)["checkers"]
    assert listed == []
    missing = runner("checker", "remove", "Taro")
    assert missing.exit_code == 2
    assert "Taro" in missing.output


def test_no_checker_command_output_holds_a_secret_but_add(runner):
    added = json.loads(runner("checker", "add", "鈴木 花子", "--json").stdout)
    secret = secret_of(added["otpauth_uri"])
    outputs = [runner("checker", "list").output, runner("checker", "list", "--json").output,
               runner("checker", "remove", "鈴木 花子").output]
    assert all(secret not in out for out in outputs)


def test_the_database_file_is_private(runner, data_dir):
    runner("checker", "add", "鈴木 花子", "--json")
    mode = stat.S_IMODE((data_dir / store.DB_NAME).stat().st_mode)
    assert mode == 0o600
