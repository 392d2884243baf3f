"""Send history from sent mail: mbox, .eml and Maildir, counted once per message, dates widened."""

from __future__ import annotations

import pytest

from atesaki import store
from atesaki.importers import ReadError
from atesaki.importers.mail import import_history, iter_source
from tests.conftest import DATA

MAIL = DATA / "mail"


def history(conn) -> dict[str, tuple]:
    rows = conn.execute("SELECT address, name, count, first_sent, last_sent FROM history")
    return {row[0]: tuple(row[1:]) for row in rows}


def test_mbox_counts_to_cc_and_bcc_with_first_and_last_date(conn):
    result = import_history(conn, MAIL / "Sent.mbox")
    seen = history(conn)
    assert seen["k.sato@example.com"] == (
        "佐藤 健二", 2, "2024-04-01T00:00:00+00:00", "2024-04-02T01:00:00+00:00"
    ), "RFC 2047 name decoded, address lower-cased, two messages"
    assert seen["suzuki@agency.go.jp"][1] == 1, "Cc counts"
    assert seen["boss@agency.go.jp"][1] == 1, "Bcc counts"
    assert (result.imported, result.duplicates) == (2, 1), "the copied message counts once"


def test_a_message_without_recipients_is_reported_with_its_line(conn):
    result = import_history(conn, MAIL / "Sent.mbox")
    assert [p.describe("en") for p in result.problems] == [
        f"{MAIL / 'Sent.mbox'}:43: message has no To, Cc or Bcc"
    ]


def test_a_line_starting_with_from_in_a_body_is_not_a_new_message():
    messages = [m for m in iter_source(MAIL / "Sent.mbox")]
    assert len(messages) == 4


@pytest.mark.parametrize(
    ("source", "addresses"),
    [
        ("eml", {"anna@schmidt.example", "nomsgid@example.org"}),
        ("Maildir", {"k.sato@example.com", "suzuki@agency.go.jp", "anna@schmidt.example"}),
        ("eml/m3.eml", {"anna@schmidt.example"}),
    ],
    ids=["folder of .eml files", "Maildir cur and new", "one .eml file"],
)
def test_eml_files_and_maildir_folders_are_read(conn, source, addresses):
    import_history(conn, MAIL / source)
    assert set(history(conn)) == addresses


def test_importing_the_same_mail_again_counts_nothing_twice(conn):
    import_history(conn, MAIL / "Sent.mbox")
    import_history(conn, MAIL / "eml")
    before = history(conn)
    generation = store.generation(conn)
    again = import_history(conn, MAIL / "Maildir")
    assert again.imported == 0 and again.duplicates == 2
    assert history(conn) == before
    assert store.generation(conn) == generation


def test_a_message_without_message_id_is_still_counted_once(conn):
    import_history(conn, MAIL / "eml" / "m4.eml")
    import_history(conn, MAIL / "eml" / "m4.eml")
    assert history(conn)["nomsgid@example.org"][1] == 1


def test_something_that_is_not_mail_is_refused_and_changes_nothing(conn, tmp_path):
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    with pytest.raises(ReadError) as caught:
        import_history(conn, junk)
    assert "not an mbox file" in caught.value.reason.en
    assert history(conn) == {}


def test_sends_through_the_api_add_to_the_same_history(client, app):
    import_history(app.extensions["atesaki"].conn(), MAIL / "Sent.mbox")
    recipients = [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}]
    checked = client.check(recipients, sender="tanaka@agency.go.jp", kind="reply")
    response = client.post("/v1/sends", {"check_id": checked["check_id"], "recipients": recipients})
    assert response.status_code == 200, response.get_json()
    conn = app.extensions["atesaki"].conn()
    assert history(conn)["k.sato@example.com"][1] == 3
