"""The incident that started Atesaki, end to end over the API.

An officer searched the address book by surname and forwarded a thread to an
outsider who shared a colleague's surname. The staff directory has 佐藤 美咲
<m-sato@agency.go.jp>, whom the user mails weekly; the contacts hold 佐藤 健二
<k.sato@example.com>, mailed once a year ago.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atesaki import store
from atesaki.store import people

DIRECTORY = """BEGIN:VCARD
VERSION:3.0
FN:佐藤 美咲
N:佐藤;美咲;;;
X-PHONETIC-LAST-NAME:サトウ
X-PHONETIC-FIRST-NAME:ミサキ
EMAIL;TYPE=INTERNET:m-sato@agency.go.jp
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:田中 一郎
N:田中;一郎;;;
EMAIL;TYPE=INTERNET:tanaka@agency.go.jp
END:VCARD
"""

CONTACTS = """BEGIN:VCARD
VERSION:3.0
FN:佐藤 健二
N:佐藤;健二;;;
ORG:株式会社エグザンプル
EMAIL;TYPE=INTERNET:k.sato@example.com
END:VCARD
"""


@pytest.fixture
def incident_world(client, runner, data_dir: Path, tmp_path: Path):
    """Directory and contacts imported with the CLI; a year of weekly mail to 佐藤 美咲."""
    directory = tmp_path / "staff.vcf"
    directory.write_text(DIRECTORY, encoding="utf-8")
    contacts = tmp_path / "contacts.vcf"
    contacts.write_text(CONTACTS, encoding="utf-8")
    for kind, path in (("directory", directory), ("contacts", contacts)):
        result = runner("import", kind, str(path))
        assert result.exit_code == 0, result.output
    now = datetime.now(UTC)
    conn = store.connect(data_dir)
    try:
        with store.transaction(conn):
            for week in range(52):
                when = (now - timedelta(weeks=week, days=1)).isoformat(timespec="seconds")
                people.add_history(conn, "m-sato@agency.go.jp", "佐藤 美咲", when)
            when = (now - timedelta(days=366)).isoformat(timespec="seconds")
            people.add_history(conn, "k.sato@example.com", "佐藤 健二", when)
            store.bump_generation(conn)
    finally:
        conn.close()
    return client


def findings_of(response: dict, code: str) -> list[dict]:
    return [f for r in response["recipients"] for f in r["findings"] if f["code"] == code]


def test_forward_to_the_outsider_needs_a_second_checker(incident_world):
    response = incident_world.check(
        [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}],
        sender="tanaka@agency.go.jp",
        kind="forward",
        subject="Fwd: 学校見学会について",
    )
    assert response["verdict"] == "approve"
    (homonym,) = findings_of(response, "surname_homonym")
    assert homonym["severity"] == "high"
    assert homonym["related"][0]["name"] == "佐藤 美咲"
    assert homonym["related"][0]["address"] == "m-sato@agency.go.jp"
    assert homonym["related"][0]["internal"] is True
    assert "佐藤 美咲" in homonym["messages"]["ja"] and "佐藤 美咲" in homonym["messages"]["en"]


def test_the_colleague_mailed_weekly_is_not_held_up_by_the_namesake(incident_world):
    response = incident_world.check(
        [{"field": "to", "address": "m-sato@agency.go.jp", "name": "佐藤 美咲"}],
        sender="tanaka@agency.go.jp",
        kind="forward",
    )
    assert response["verdict"] != "approve"
    assert all(f["severity"] == "info" for f in findings_of(response, "surname_homonym"))


def test_colleagues_name_on_the_outsiders_address_is_a_mismatch(incident_world):
    response = incident_world.check(
        [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 美咲"}],
        kind="new",
    )
    (mismatch,) = findings_of(response, "name_mismatch")
    assert mismatch["severity"] == "high"
    assert mismatch["related"][0]["name"] == "佐藤 健二"
    assert response["verdict"] == "approve"


def test_romaji_chip_finds_the_same_namesake(incident_world):
    response = incident_world.check(
        [{"field": "to", "address": "k.sato@example.com", "name": "Kenji SATO"}],
        kind="forward",
    )
    (homonym,) = findings_of(response, "surname_homonym")
    assert homonym["related"][0]["address"] == "m-sato@agency.go.jp"
