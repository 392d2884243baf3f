"""LDAP sync against a real slapd: paged, Japanese names and readings, deletions by entryUUID."""

from __future__ import annotations

import pytest

from atesaki.sync import SyncError
from atesaki.sync.ldap import sync_ldap
from tests.servers.fixtures import Branch

# The session's slapd; tests/ is on sys.path (rootdir conftest, no __init__.py).
pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.servers


@pytest.fixture
def branch(slapd):
    return Branch(slapd)


def directory(conn) -> dict[str, tuple]:
    rows = conn.execute(
        "SELECT e.address, p.display_name, p.family_reading, p.department FROM person p "
        "JOIN person_email e ON e.person_id = p.id WHERE p.source = 'directory'"
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def sync(conn, slapd, branch, **kwargs):
    return sync_ldap(conn, slapd.url, branch.base, slapd.admin_dn, slapd.admin_password, **kwargs)


def test_staff_arrive_with_japanese_names_and_readings(conn, slapd, branch):
    branch.add("k.sato", "佐藤", "健二", "k.sato@agency.go.jp", "さとう")
    branch.add("h.suzuki", "鈴木", "花子", "h.suzuki@agency.go.jp")
    result = sync(conn, slapd, branch)
    assert result.imported == 2
    assert directory(conn)["k.sato@agency.go.jp"] == ("佐藤 健二", "さとう", "総務部")


def test_a_person_removed_from_ldap_leaves_the_directory(conn, slapd, branch):
    for i in range(5):
        branch.add(f"u{i}", "山田", f"{i}郎", f"u{i}@agency.go.jp")
    sync(conn, slapd, branch)
    branch.delete("u3")
    branch.rename_mail("u1", "yamada.1@agency.go.jp")
    result = sync(conn, slapd, branch)
    assert (result.imported, result.updated, result.deleted, result.unchanged) == (0, 1, 1, 3)
    assert set(directory(conn)) == {"u0@agency.go.jp", "yamada.1@agency.go.jp",
                                    "u2@agency.go.jp", "u4@agency.go.jp"}


def test_many_entries_are_read_page_by_page(conn, slapd, branch):
    for i in range(60):
        branch.add(f"p{i}", "田中", f"{i}", f"p{i}@agency.go.jp")
    result = sync(conn, slapd, branch, page_size=25)  # three pages
    assert result.imported == 60


def test_a_search_that_suddenly_finds_nobody_keeps_the_last_good_data(conn, slapd, branch):
    branch.add("k.sato", "佐藤", "健二", "k.sato@agency.go.jp")
    sync(conn, slapd, branch)
    with pytest.raises(SyncError) as caught:
        sync(conn, slapd, branch, search_filter="(mail=nobody@nowhere.example)")
    assert "returned nobody" in caught.value.reason.en
    assert "k.sato@agency.go.jp" in directory(conn)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "wrong"}, "failed"),
        ({"url": "ldap://127.0.0.1:1"}, "failed"),
    ],
    ids=["wrong bind password", "server down"],
)
def test_a_failed_sync_changes_nothing(conn, slapd, branch, change, message):
    branch.add("k.sato", "佐藤", "健二", "k.sato@agency.go.jp")
    sync(conn, slapd, branch)
    before = directory(conn)
    with pytest.raises(SyncError) as caught:
        sync_ldap(conn, change.get("url", slapd.url), branch.base, slapd.admin_dn,
                  change.get("password", slapd.admin_password))
    assert message in caught.value.reason.en
    assert directory(conn) == before


def test_the_command_syncs_and_prints_counts(runner, slapd, branch):
    branch.add("k.sato", "佐藤", "健二", "k.sato@agency.go.jp")
    result = runner("sync", "ldap", slapd.url, "--base", branch.base, "--bind-dn", slapd.admin_dn,
                    "--password-file", str(slapd.password_file))
    assert result.exit_code == 0, result.output
    assert "imported 1, updated 0, skipped 0" in result.stdout


def mailing_lists(conn) -> dict[str, int | None]:
    rows = conn.execute("SELECT e.address, l.members FROM person_list l "
                        "JOIN person_email e USING (person_id)")
    return dict(rows.fetchall())


def test_mail_groups_arrive_as_lists_with_their_member_count(conn, slapd, branch):
    for uid in ("k.sato", "m.ito", "t.tanaka"):
        branch.add(uid, "佐藤", uid, f"{uid}@agency.go.jp")
    branch.add_group("soumu-all", "soumu-all@agency.go.jp", ["k.sato", "m.ito", "t.tanaka"])
    branch.add_group("board", "board@agency.go.jp", ["k.sato", "m.ito"], unique=True)
    result = sync(conn, slapd, branch)
    assert result.imported == 5
    assert mailing_lists(conn) == {"soumu-all@agency.go.jp": 3, "board@agency.go.jp": 2}
    # A list is nobody's name: it is a known address, never a namesake of staff.
    assert "soumu-all@agency.go.jp" in directory(conn)
    branch.add("h.suzuki", "鈴木", "花子", "h.suzuki@agency.go.jp")
    branch.add_member("soumu-all", "h.suzuki")
    again = sync(conn, slapd, branch)
    assert (again.imported, again.updated) == (1, 1)
    assert mailing_lists(conn)["soumu-all@agency.go.jp"] == 4
    branch.ldap.delete(f"cn=board,{branch.base}")
    assert sync(conn, slapd, branch).deleted == 1
    assert mailing_lists(conn) == {"soumu-all@agency.go.jp": 4}
