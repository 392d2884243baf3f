"""CardDAV sync against a real Radicale: incremental, deletions, stale tokens, never half-applied."""

from __future__ import annotations

import pytest
import requests

from atesaki import store
from atesaki.sync import SyncError
from atesaki.sync.carddav import sync_carddav

# The session's Radicale server; tests/ is on sys.path (rootdir conftest, no __init__.py).
pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.servers


def contacts(conn) -> dict[str, str]:
    rows = conn.execute(
        "SELECT e.address, p.display_name FROM person p JOIN person_email e ON e.person_id = p.id "
        "WHERE p.source = 'contacts'"
    )
    return dict(rows.fetchall())


class Counting(requests.Session):
    """A session that counts the cards it was sent by addressbook-multiget."""

    def __init__(self) -> None:
        super().__init__()
        self.multigets: list[int] = []

    def request(self, method, url, *args, **kwargs):
        data = kwargs.get("data") or b""
        if method == "REPORT" and b"addressbook-multiget" in data:
            self.multigets.append(data.count(b"<D:href>"))
        return super().request(method, url, *args, **kwargs)


def run(conn, radicale, url, **kwargs):
    return sync_carddav(conn, url, radicale.user, radicale.password, **kwargs)


def test_first_sync_brings_every_card(conn, radicale):
    url = radicale.new_book({
        "a.vcf": radicale.card("a", "佐藤 健二", "k.sato@example.com", "さとう"),
        "b.vcf": radicale.card("b", "鈴木 花子", "hanako@example.jp"),
    })
    result = run(conn, radicale, url)
    assert (result.imported, result.full) == (2, True)
    assert contacts(conn) == {"k.sato@example.com": "佐藤 健二", "hanako@example.jp": "鈴木 花子"}


def test_next_sync_fetches_only_what_changed_and_removes_deleted_cards(conn, radicale):
    url = radicale.new_book({f"c{i}.vcf": radicale.card(f"c{i}", f"山田 {i}", f"p{i}@example.com")
                             for i in range(30)})
    run(conn, radicale, url)
    radicale.put(url, "c1.vcf", radicale.card("c1", "山田 一郎", "ichiro@example.com"))
    radicale.put(url, "new.vcf", radicale.card("new", "新井 誠", "arai@example.com"))
    radicale.delete(url, "c2.vcf")
    session = Counting()
    result = run(conn, radicale, url, session=session)
    assert not result.full, "the saved token was used"
    assert session.multigets == [2], "only the changed and the new card were fetched"
    assert (result.imported, result.updated, result.deleted) == (1, 1, 1)
    people = contacts(conn)
    assert people["ichiro@example.com"] == "山田 一郎"
    assert "p1@example.com" not in people and "p2@example.com" not in people
    assert len(people) == 30


def test_a_sync_with_nothing_new_changes_nothing(conn, radicale):
    url = radicale.new_book({"a.vcf": radicale.card("a", "佐藤 健二", "k.sato@example.com")})
    run(conn, radicale, url)
    generation = store.generation(conn)
    session = Counting()
    result = run(conn, radicale, url, session=session)
    assert (result.imported, result.updated, result.deleted) == (0, 0, 0)
    assert session.multigets == []
    assert store.generation(conn) == generation


def test_a_stale_token_relists_and_fetches_only_changed_etags(conn, radicale):
    url = radicale.new_book({f"c{i}.vcf": radicale.card(f"c{i}", f"山田 {i}", f"p{i}@example.com")
                             for i in range(10)})
    run(conn, radicale, url)
    conn.execute("UPDATE sync_source SET token = 'http://radicale.org/ns/sync/stale'")
    radicale.put(url, "c3.vcf", radicale.card("c3", "山田 三郎", "saburo@example.com"))
    radicale.delete(url, "c4.vcf")
    session = Counting()
    result = run(conn, radicale, url, session=session)
    assert result.full, "the server refused the token (403 valid-sync-token)"
    assert session.multigets == [1]
    assert (result.updated, result.deleted) == (1, 1)
    assert "saburo@example.com" in contacts(conn)
    assert len(contacts(conn)) == 9


def test_a_card_broken_on_the_server_is_reported_and_the_rest_synced(conn, radicale):
    url = radicale.new_book({"ok.vcf": radicale.card("ok", "佐藤 健二", "k.sato@example.com")})
    radicale.put(url, "noaddr.vcf",
                 "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:noaddr\r\nFN:No Address\r\nN:Address;No;;;\r\n"
                 "TEL:03-0000-0000\r\nEND:VCARD\r\n")
    result = run(conn, radicale, url)
    assert result.imported == 1
    assert any("noaddr.vcf" in p.describe("en") and "no e-mail address" in p.describe("en")
               for p in result.problems)


def test_into_directory_makes_the_people_staff(conn, radicale):
    url = radicale.new_book({"a.vcf": radicale.card("a", "佐藤 美咲", "m-sato@agency.go.jp")})
    run(conn, radicale, url, into="directory")
    assert conn.execute("SELECT source FROM person").fetchone()[0] == "directory"


@pytest.mark.parametrize(
    ("password", "url_suffix", "message"),
    [
        ("wrong", "", "refused the login"),
        (None, "", "cannot reach"),
    ],
    ids=["wrong password", "server down"],
)
def test_a_failed_sync_keeps_the_last_good_data(conn, radicale, password, url_suffix, message):
    url = radicale.new_book({"a.vcf": radicale.card("a", "佐藤 健二", "k.sato@example.com")})
    run(conn, radicale, url)
    before = contacts(conn)
    target = url if password else url.replace(str(radicale.port), "1")
    with pytest.raises(SyncError) as caught:
        sync_carddav(conn, target, radicale.user, password or radicale.password)
    assert message in caught.value.reason.en
    assert contacts(conn) == before
    error = conn.execute("SELECT last_error FROM sync_source WHERE last_error != ''").fetchone()
    assert error and message in error[0]


def test_the_command_prints_counts_and_exits_2_when_the_sync_fails(runner, radicale):
    url = radicale.new_book({"a.vcf": radicale.card("a", "佐藤 健二", "k.sato@example.com")})
    ok = runner("sync", "carddav", url, "--user", radicale.user,
                "--password-file", str(radicale.password_file))
    assert ok.exit_code == 0, ok.output
    assert "imported 1, updated 0, skipped 0" in ok.stdout
    bad = runner("sync", "carddav", url.replace(str(radicale.port), "1"), "--user", "x",
                 "--password-file", str(radicale.password_file))
    assert bad.exit_code == 2
    assert "the last good data is kept" in bad.stderr


@pytest.fixture
def scheduled_book(radicale):
    """An address book and the [[sync]] table that points at it."""
    url = radicale.new_book({"a.vcf": radicale.card("a", "佐藤 健二", "k.sato@example.com")})
    return url, {"kind": "carddav", "url": url, "user": radicale.user,
                 "password_file": str(radicale.password_file), "into": "contacts",
                 "interval_minutes": 60}


def audit_events(conn, event: str) -> list[dict]:
    import json

    rows = conn.execute("SELECT data FROM audit WHERE event = ? ORDER BY seq", (event,))
    return [json.loads(row[0]) for row in rows]


def test_configured_syncs_run_on_their_interval_and_are_audited(data_dir, scheduled_book):
    from atesaki import create_app
    from tests.conftest import write_config

    _, job = scheduled_book
    write_config(data_dir, {"sync": [job]})
    app = create_app({"DATA_DIR": str(data_dir)})
    scheduler = app.extensions["atesaki_sync"]
    assert scheduler.thread is None, "tests and `atesaki check` never start the thread"
    clock = [1000.0]
    scheduler._clock = lambda: clock[0]
    first = scheduler.tick()
    assert [e["ok"] for e in first] == [True] and first[0]["imported"] == 1
    clock[0] += 59 * 60
    assert scheduler.tick() == [], "not due before interval_minutes"
    clock[0] += 2 * 60
    assert len(scheduler.tick()) == 1
    conn = store.open_store(data_dir)
    assert [e["imported"] for e in audit_events(conn, "sync")] == [1, 0]
    assert "k.sato@example.com" in contacts(conn)


def test_a_failing_scheduled_sync_is_audited_and_keeps_the_data(data_dir, scheduled_book, radicale):
    from atesaki.sync.scheduler import run_job

    url, job = scheduled_book
    assert run_job(data_dir, job)["ok"]
    broken = {**job, "url": url.replace(str(radicale.port), "1")}
    entry = run_job(data_dir, broken)
    assert not entry["ok"] and "cannot reach" in entry["error"]
    missing = run_job(data_dir, {k: v for k, v in job.items() if k != "user"})
    assert not missing["ok"] and "bad [[sync]] table" in missing["error"]
    conn = store.open_store(data_dir)
    assert "k.sato@example.com" in contacts(conn)
    assert [e["ok"] for e in audit_events(conn, "sync")] == [True, False, False]


class NoSyncReport(Counting):
    """A server that does not implement sync-collection (answers 501), as some old ones."""

    def request(self, method, url, *args, **kwargs):
        if method == "REPORT" and b"sync-collection" in (kwargs.get("data") or b""):
            response = requests.Response()
            response.status_code, response._content = 501, b"Not Implemented"
            return response
        return super().request(method, url, *args, **kwargs)


def test_a_server_without_sync_collection_is_listed_by_propfind(conn, radicale):
    url = radicale.new_book({f"c{i}.vcf": radicale.card(f"c{i}", f"山田 {i}", f"p{i}@example.com")
                             for i in range(5)})
    assert run(conn, radicale, url, session=NoSyncReport()).imported == 5
    radicale.put(url, "c1.vcf", radicale.card("c1", "山田 一郎", "ichiro@example.com"))
    radicale.delete(url, "c2.vcf")
    session = NoSyncReport()
    result = run(conn, radicale, url, session=session)
    assert session.multigets == [1], "only the card whose ETag changed is fetched"
    assert (result.updated, result.deleted) == (1, 1)


def test_a_password_written_into_the_url_never_shows_in_messages_or_the_audit(data_dir, radicale):
    from atesaki.sync.scheduler import run_job

    url = radicale.new_book()
    leaky = url.replace("http://", "http://tanaka:hunter2@").replace(str(radicale.port), "1")
    entry = run_job(data_dir, {"kind": "carddav", "url": leaky, "user": radicale.user,
                               "password_file": str(radicale.password_file)})
    assert not entry["ok"]
    assert "hunter2" not in entry["url"] and "hunter2" not in entry["error"]
    conn = store.open_store(data_dir)
    assert "hunter2" not in str(audit_events(conn, "sync"))


def group_card(uid: str, name: str, email: str, members: int) -> str:
    """A group as iCloud and Nextcloud serve it (Apple's vCard 3.0 spelling of KIND:group)."""
    lines = "".join(f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:m{i}\r\n" for i in range(members))
    address = f"EMAIL;TYPE=INTERNET:{email}\r\n" if email else ""
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{name};;;;\r\n"
            f"X-ADDRESSBOOKSERVER-KIND:group\r\n{address}{lines}END:VCARD\r\n")


def test_a_group_with_an_address_arrives_as_a_list_and_its_new_size_as_an_update(conn, radicale):
    url = radicale.new_book({
        "a.vcf": radicale.card("a", "佐藤 健二", "k.sato@example.com"),
        "pta.vcf": group_card("pta", "PTA 役員", "pta@school.ed.jp", 2),
        "mine.vcf": group_card("mine", "お客様", "", 5),  # the user's filing: no address
    })
    assert run(conn, radicale, url).imported == 2
    lists = "SELECT e.address, l.members FROM person_list l JOIN person_email e USING (person_id)"
    assert dict(conn.execute(lists).fetchall()) == {"pta@school.ed.jp": 2}
    radicale.put(url, "pta.vcf", group_card("pta", "PTA 役員", "pta@school.ed.jp", 3))
    again = run(conn, radicale, url)
    assert (again.full, again.updated) == (False, 1)
    assert dict(conn.execute(lists).fetchall()) == {"pta@school.ed.jp": 3}
