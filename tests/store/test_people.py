"""Storing people: re-imports change nothing, edits update, each file is all or nothing."""

from __future__ import annotations

import shutil
import time

import pytest

from atesaki import store
from atesaki.importers import ReadError, Record, import_file
from atesaki.store.people import apply_records, record_send
from tests.conftest import DATA

BOOKS = DATA / "addressbooks"


def people(conn) -> dict[str, tuple]:
    rows = conn.execute(
        "SELECT e.address, p.source, p.display_name, p.family_reading FROM person p "
        "JOIN person_email e ON e.person_id = p.id"
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def test_importing_the_same_file_twice_changes_nothing(conn):
    first = import_file(conn, BOOKS / "google_new.csv", "contacts")
    generation = store.generation(conn)
    before = people(conn)
    second = import_file(conn, BOOKS / "google_new.csv", "contacts")
    assert (first.imported, first.skipped) == (3, 1)
    assert (second.imported, second.updated, second.unchanged) == (0, 0, 3)
    assert people(conn) == before
    assert store.generation(conn) == generation, "an unchanged import does not reload the service"


def test_an_edited_card_is_updated_in_place(conn, tmp_path):
    card = tmp_path / "one.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nUID:u-1\nFN:佐藤 健二\nN:佐藤;健二;;;\n"
                    "EMAIL:k.sato@example.com\nEND:VCARD\n", encoding="utf-8")
    import_file(conn, card, "contacts")
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nUID:u-1\nFN:佐藤 健二\nN:佐藤;健二;;;\n"
                    "X-PHONETIC-LAST-NAME:さとう\nEMAIL:kenji@example.com\nEND:VCARD\n",
                    encoding="utf-8")
    result = import_file(conn, card, "contacts")
    assert (result.imported, result.updated) == (0, 1)
    assert people(conn) == {"kenji@example.com": ("contacts", "佐藤 健二", "さとう")}


def test_directory_and_contacts_keep_their_own_copies(conn):
    import_file(conn, BOOKS / "vcard40.vcf", "directory")
    import_file(conn, BOOKS / "vcard40.vcf", "contacts")
    sources = {row[0] for row in conn.execute("SELECT source FROM person")}
    assert sources == {"directory", "contacts"}


def test_the_same_person_twice_in_one_file_is_skipped_and_named(conn, tmp_path):
    twice = tmp_path / "twice.csv"
    twice.write_text("Name,E-mail Address\n佐藤 健二,k@example.com\n佐藤 健二,K@Example.com\n",
                     encoding="utf-8")
    result = import_file(conn, twice, "contacts")
    assert (result.imported, result.skipped) == (1, 1)
    assert "same person as line 2" in result.problems[0].describe("en")
    assert ":3:" in result.problems[0].describe("en")


def test_a_file_that_breaks_halfway_changes_nothing(conn, tmp_path):
    # Valid UTF-8 for the first rows, then a byte that is not: found only mid-stream.
    broken = tmp_path / "broken.csv"
    rows = "".join(f"Person {i},p{i}@example.com\n" for i in range(5000))
    broken.write_bytes(b"Name,E-mail Address\n" + rows.encode() + b"Bad,\xff@example.com\n")
    with pytest.raises(ReadError) as caught:
        import_file(conn, broken, "contacts", encoding="utf-8")
    assert caught.value.line > 1
    assert people(conn) == {}
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_importing_people_tells_the_service_to_reload(conn):
    before = store.generation(conn)
    import_file(conn, BOOKS / "outlook_web.csv", "directory")
    assert store.generation(conn) == before + 1


def test_apply_records_refuses_an_unknown_source(conn):
    with pytest.raises(ValueError, match="source"):
        apply_records(conn, [Record(line=1, emails=["a@example.com"])], "friends")


def test_record_send_counts_and_widens_the_dates(conn):
    with store.transaction(conn):
        record_send(conn, [("K.Sato@Example.com", "佐藤 健二")], "2024-04-02T00:00:00+00:00")
        record_send(conn, [("k.sato@example.com", "")], "2024-04-01T00:00:00+00:00")
    row = conn.execute("SELECT name, count, first_sent, last_sent FROM history").fetchone()
    assert tuple(row) == ("佐藤 健二", 2, "2024-04-01T00:00:00+00:00", "2024-04-02T00:00:00+00:00")


def test_names_keep_the_profile_computed_at_import(conn, tmp_path):
    shutil.copy(BOOKS / "vcard21_sjis_qp.vcf", tmp_path / "phone.vcf")
    import_file(conn, tmp_path / "phone.vcf", "contacts")
    profile = conn.execute(
        "SELECT p.profile FROM person p JOIN person_email e ON e.person_id = p.id "
        "WHERE e.address = 't-takahashi@example.co.jp'"
    ).fetchone()[0]
    assert "たかはし" in profile, "the half-width kana reading reached the name profile"


def test_the_running_service_knows_people_right_after_an_import(client, app):
    conn = app.extensions["atesaki"].conn()
    recipient = [{"field": "to", "address": "K.Sato@example.com", "name": "佐藤 健二"}]
    assert client.check(recipient)["recipients"][0]["known"] is False
    import_file(conn, BOOKS / "google_new.csv", "contacts")
    # The service rebuilds its indexes in the background; a check waits briefly for it.
    deadline = time.monotonic() + 15
    while not client.check(recipient)["recipients"][0]["known"]:
        assert time.monotonic() < deadline, "the import never reached the service"
        time.sleep(0.1)
