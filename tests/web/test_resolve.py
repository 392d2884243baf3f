"""POST /v1/resolve: a name-only chip gets an address only from one exact staff-directory match."""

from __future__ import annotations

import pytest

from atesaki.importers import import_file
from tests.web.test_api import remember_send

DIRECTORY = """\
Name,E-mail Address
佐藤 健二,k-sato@agency.go.jp
佐藤 美咲,m-sato@agency.go.jp
田中 一郎,tanaka@agency.go.jp
田中 一郎,tanaka2@agency.go.jp
"""


@pytest.fixture
def staff_directory(app, tmp_path):
    """Four staff, two of them both called 田中 一郎."""
    path = tmp_path / "staff.csv"
    path.write_text(DIRECTORY, encoding="utf-8")
    import_file(app.extensions["atesaki"].conn(), path, "directory")
    return path


def resolve(client, names):
    response = client.post("/v1/resolve", {"names": names})
    assert response.status_code == 200, response.get_json()
    return {item["name"]: item["address"] for item in response.get_json()["resolved"]}


def test_an_exact_unique_name_gives_its_one_address_whatever_the_spacing(client, staff_directory):
    assert resolve(client, ["佐藤 健二", "佐藤健二", "佐藤　健二"]) == {
        "佐藤 健二": "k-sato@agency.go.jp",
        "佐藤健二": "k-sato@agency.go.jp",
        "佐藤　健二": "k-sato@agency.go.jp",
    }


@pytest.mark.parametrize(
    "name",
    ["田中 一郎", "佐藤", "佐藤 健", "k-sato@agency.go.jp", "", "*"],
    ids=["two-people-share-it", "surname-only", "a-prefix", "an-address", "empty", "a-pattern"],
)
def test_anything_but_one_exact_match_gives_no_address(client, staff_directory, name):
    assert resolve(client, [name]) == {name: None}


def test_contacts_and_history_never_resolve_a_name(app, client, staff_directory):
    remember_send(app, "someone@example.com")
    assert resolve(client, ["someone"]) == {"someone": None}


@pytest.mark.parametrize(
    "body", [{}, {"names": "佐藤 健二"}, {"names": [1]}, {"names": ["x"] * 51}],
    ids=["no-names", "not-a-list", "not-strings", "too-many"],
)
def test_a_bad_request_is_refused(client, body):
    response = client.post("/v1/resolve", body)
    assert (response.status_code, response.get_json()["field"]) == (400, "names")


def test_the_token_is_required(client):
    response = client.raw.post("/v1/resolve", json={"names": ["佐藤 健二"]},
                               headers={"Host": client.headers()["Host"]})
    assert response.status_code == 401
