"""The central service on a real PostgreSQL: migrations, enrolment codes, credentials, revocation."""

from __future__ import annotations

import gc
import json
import os
import resource
import stat
import subprocess
import sys
import threading
from datetime import timedelta

import psycopg
import pytest
import requests

from atesaki.central import db, service
from atesaki.web.errors import APIError

pytest_plugins = ["servers.postgres", "servers.central"]
pytestmark = pytest.mark.servers


@pytest.fixture(autouse=True)
def english_terminal(monkeypatch) -> None:
    """The commands speak the terminal's language; these tests read the English messages."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")


@pytest.fixture
def pool(database_url):
    """A migrated pool on this test's own database."""
    opened = db.open_pool(database_url, min_size=1, max_size=8)
    yield opened
    opened.close()


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_migrations_are_recorded_and_a_second_run_applies_nothing(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        first = db.migrate(conn)
        second = db.migrate(conn)
        recorded = [r[0] for r in conn.execute(
            "SELECT name FROM central_migrations ORDER BY name")]
    assert first == [name for name, _ in db.MIGRATIONS]
    assert second == []
    assert recorded == first
    assert {"pcs", "enrolments", "audit_entries", "audit_heads"} <= tables(database_url)


def test_two_instances_starting_together_migrate_once(database_url):
    applied: list[list[str]] = []

    def start():
        with psycopg.connect(database_url, autocommit=True) as conn:
            applied.append(db.migrate(conn))

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(a) for a in applied) == [0, 0, len(db.MIGRATIONS)]


def test_a_migration_already_applied_by_hand_can_run_again(database_url):
    # Every migration is written to be rerunnable: its tables may exist, its record not.
    with psycopg.connect(database_url, autocommit=True) as conn:
        db.migrate(conn)
        conn.execute("DELETE FROM central_migrations")
        assert db.migrate(conn) == [name for name, _ in db.MIGRATIONS]


def test_an_enrolment_code_works_once(pool):
    code = service.enrol(pool, "総務課 PC-01").code
    credential = service.join(pool, code)
    assert credential.name == "総務課 PC-01"
    with pytest.raises(APIError) as again:
        service.join(pool, code)
    assert (again.value.status, again.value.error) == (409, "code_used")


def test_codes_are_typed_forgivingly(pool):
    code = service.enrol(pool, "PC-02").code
    assert service.join(pool, " " + code.replace("-", " ").lower() + " ").name == "PC-02"


def test_an_expired_or_unknown_code_is_refused(pool):
    expired = service.enrol(pool, "PC-03", ttl=timedelta(seconds=-1)).code
    with pytest.raises(APIError) as late:
        service.join(pool, expired)
    assert (late.value.status, late.value.error) == (410, "code_expired")
    with pytest.raises(APIError) as unknown:
        service.join(pool, "AAAA-BBBB-CCCC-DDDD")
    assert (unknown.value.status, unknown.value.error) == (404, "unknown_code")


def test_two_pcs_racing_with_one_code_get_one_credential(pool):
    code = service.enrol(pool, "PC-04").code
    barrier = threading.Barrier(6)
    won, lost = [], []

    def race():
        barrier.wait()
        try:
            won.append(service.join(pool, code))
        except APIError as exc:
            lost.append(exc.error)

    threads = [threading.Thread(target=race) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert lost == ["code_used"] * 5
    assert [pc.id for pc in service.list_pcs(pool)] == [won[0].pc_id]


def test_a_revoked_credential_gets_401_with_a_clear_message(pool):
    credential = service.join(pool, service.enrol(pool, "PC-05").code)
    assert service.authenticate(pool, credential.bearer).id == credential.pc_id
    with pytest.raises(APIError) as wrong:
        service.authenticate(pool, f"Bearer {credential.pc_id}.not-the-secret")
    assert (wrong.value.status, wrong.value.error) == (401, "bad_credential")
    service.revoke(pool, "PC-05")
    with pytest.raises(APIError) as revoked:
        service.authenticate(pool, credential.bearer)
    assert (revoked.value.status, revoked.value.error) == (401, "revoked")
    assert "revoked by the administrator" in revoked.value.message.en
    assert "取り消されました" in revoked.value.message.ja


@pytest.fixture
def many_open_files():
    """Over 1024 descriptors open, so the next sockets get numbers select() cannot take."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1400
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the hard limit on open files is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    # Earlier tests' dropped connections close their sockets when collected: let that
    # happen now, or the gap they leave below 1024 is where the pool's socket would go.
    gc.collect()
    first = os.open(os.devnull, os.O_RDONLY)
    opened = [first]
    try:
        while opened[-1] < 1100:
            opened.append(os.dup(first))
        yield
    finally:
        for fd in opened:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_busy_service_with_over_1024_files_open_still_serves(many_open_files, database_url):
    # A pooled connection is checked before use; select() on descriptor 1024 or more
    # raised, every connection failed its check and every request was a 503.
    with db.open_pool(database_url, min_size=1, max_size=2) as pool:
        with pool.connection() as conn:
            assert conn.fileno() >= 1024
        credential = service.join(pool, service.enrol(pool, "PC-1024").code)
        assert service.authenticate(pool, credential.bearer).id == credential.pc_id


# -- over HTTPS, with the real commands -------------------------------------------------------


def atesaki(data_dir, *args: str) -> subprocess.CompletedProcess:
    """Run the PC's ``atesaki`` CLI on a data folder."""
    return subprocess.run([sys.executable, "-m", "atesaki", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**__import__("os").environ, "LC_ALL": "C.UTF-8"})


def test_enrol_prints_a_code_and_its_expiry_as_json(central):
    done = central.cli("enrol", "経理課 PC-07", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) == {"code", "expires_at"}
    assert len(answer["code"].replace("-", "")) == 16


def test_a_pc_joins_over_https_and_keeps_a_private_credential(central, tmp_path):
    data_dir = tmp_path / "pc"
    code = central.enrol("総務課 PC-01")
    done = atesaki(data_dir, "join", central.url, code, "--ca-file", str(central.certificate.cert))
    assert done.returncode == 0, done.stderr
    assert "Joined the central service" in done.stdout
    credential = data_dir / "central.json"
    assert stat.S_IMODE(credential.stat().st_mode) == 0o600
    assert json.loads(credential.read_text())["pc_id"].startswith("pc_")
    status = atesaki(data_dir, "link", "status", "--json")
    assert status.returncode == 0, status.stdout + status.stderr
    assert json.loads(status.stdout)["ok"] is True
    # The same code on a second PC is refused, and nothing is written there.
    other = tmp_path / "other"
    again = atesaki(other, "join", central.url, code, "--ca-file", str(central.certificate.cert))
    assert again.returncode == 2
    assert "already been used" in again.stderr
    assert not (other / "central.json").exists()


def test_join_refuses_a_server_whose_certificate_is_not_the_given_one(central, tmp_path):
    from tests.servers.central import make_certificate

    stranger = make_certificate(tmp_path / "stranger")
    done = atesaki(tmp_path / "pc", "join", central.url, central.enrol("PC-08"),
                   "--ca-file", str(stranger.cert))
    assert done.returncode == 2
    assert "SSLError" in done.stderr
    assert not (tmp_path / "pc" / "central.json").exists()


def test_a_revoked_pc_is_told_so(central, tmp_path):
    data_dir = tmp_path / "pc"
    done = atesaki(data_dir, "join", central.url, central.enrol("PC-09"),
                   "--ca-file", str(central.certificate.cert))
    assert done.returncode == 0, done.stderr
    revoked = central.cli("revoke", "PC-09")
    assert revoked.returncode == 0, revoked.stderr
    status = atesaki(data_dir, "link", "status")
    assert status.returncode == 1
    assert "revoked by the administrator" in status.stdout
    as_json = json.loads(atesaki(data_dir, "link", "status", "--json").stdout)
    assert (as_json["ok"], as_json["status"], as_json["error"]) == (False, 401, "revoked")
    doctor = atesaki(data_dir, "doctor", "--json")
    assert doctor.returncode == 1
    [line] = [c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "central"]
    assert line["ok"] is False
    assert "revoked by the administrator" in line["text"]["en"]["detail"]
    assert "atesaki join URL CODE" in line["text"]["en"]["fix"]
    pc_id = json.loads((data_dir / "central.json").read_text())["pc_id"]
    secret = json.loads((data_dir / "central.json").read_text())["secret"]
    raw = central.get("me", headers={"Authorization": f"Bearer {pc_id}.{secret}"})
    assert raw.status_code == 401
    assert raw.json()["error"] == "revoked"


def test_plain_http_is_not_served(central):
    with pytest.raises(requests.RequestException):
        requests.get(f"http://127.0.0.1:{central.port}/central/v1/health", timeout=5)
