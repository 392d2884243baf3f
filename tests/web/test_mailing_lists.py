"""Mailing lists in a check: the recipient is marked as a list with its size, and its members
count toward the audience under ``policy.mailing_lists``."""

from __future__ import annotations

import pytest

from tests.conftest import write_config

LISTS_CSV = (
    "Name,E-mail Address,Kind,Members\n"
    "職員 全員,all-staff@agency.go.jp,list,40\n"
    "お知らせ,info-ml@agency.go.jp,list,\n"
    "佐藤 美咲,m-sato@agency.go.jp,,\n"
    "佐藤 班,sato-han@partner.example,list,5\n"
)
ALL_STAFF = {"field": "to", "address": "All-Staff@agency.go.jp", "name": "職員 全員"}
INFO = {"field": "cc", "address": "info-ml@agency.go.jp", "name": ""}
COLLEAGUE = {"field": "to", "address": "m-sato@agency.go.jp", "name": "佐藤 美咲"}


@pytest.fixture
def directory(runner, tmp_path):
    """The staff directory with two lists (one of unknown size) and one person."""
    path = tmp_path / "directory.csv"
    path.write_text(LISTS_CSV, encoding="utf-8")
    done = runner("import", "directory", str(path))
    assert done.exit_code == 0, done.output


def codes(body: dict) -> set[str]:
    every = {f["code"] for f in body["findings"]}
    return every | {f["code"] for r in body["recipients"] for f in r["findings"]}


def use_policy(data_dir, **policy) -> None:
    write_config(data_dir, {"internal_domains": ["agency.go.jp"], "policy": policy})


def test_a_list_is_marked_with_its_size_and_a_person_is_not(client, directory):
    body = client.check([ALL_STAFF, INFO, COLLEAGUE])
    listed, unknown, person = body["recipients"]
    assert listed["mailing_list"] == {"name": "職員 全員", "members": 40, "source": "directory"}
    assert unknown["mailing_list"] == {"name": "お知らせ", "members": None, "source": "directory"}
    assert person["mailing_list"] is None
    assert listed["known"] and "not_in_address_book" not in {f["code"] for f in listed["findings"]}


def test_the_members_of_a_list_count_toward_a_large_audience(client, directory, data_dir):
    body = client.check([ALL_STAFF, COLLEAGUE])
    (finding,) = [f for f in body["findings"] if f["code"] == "large_audience"]
    assert "41" in finding["messages"]["en"] and "mailing lists" in finding["messages"]["en"]
    assert finding["related"] == [{"address": "All-Staff@agency.go.jp", "members": 40}]
    # A list of unknown size counts as one: two recipients are no large audience.
    assert "large_audience" not in codes(client.check([INFO, COLLEAGUE]))
    use_policy(data_dir, mailing_lists="one")
    assert "large_audience" not in codes(client.check([ALL_STAFF, COLLEAGUE]))


def test_a_recipient_threshold_counts_the_members_too(client, directory, data_dir):
    use_policy(data_dir, approval="never", approve_recipients=30)
    body = client.check([ALL_STAFF], kind="reply")
    assert body["verdict"] == "approve" and "approval_rule" in codes(body)
    assert client.check([COLLEAGUE, INFO], kind="reply")["verdict"] != "approve"


def test_the_approve_rule_makes_any_list_need_a_second_checker(client, directory, data_dir):
    use_policy(data_dir, approval="never", mailing_lists="approve")
    body = client.check([INFO, COLLEAGUE], kind="reply")
    assert body["verdict"] == "approve"
    assert "approval_rule" in {f["code"] for f in body["recipients"][0]["findings"]}
    assert "approval_rule" not in {f["code"] for f in body["recipients"][1]["findings"]}
    assert client.check([COLLEAGUE], kind="reply")["verdict"] != "approve"


def test_a_list_is_nobodys_namesake(client, directory):
    # "職員 全員" is a list's name, not a person called 職員: a person named 職員 is no homonym of it.
    body = client.check([{"field": "to", "address": "shokuin@example.com", "name": "職員 太郎"}])
    related = [p for r in body["recipients"] for f in r["findings"] for p in f["related"]]
    assert all(p.get("address") != "all-staff@agency.go.jp" for p in related)


def test_the_names_checks_leave_a_list_alone(client, directory):
    # 佐藤 班 (the Sato team) is a list: not a namesake of 佐藤 美咲, nor a wrong name for its address.
    body = client.check([{"field": "to", "address": "sato-han@partner.example", "name": "佐藤 班"},
                         {"field": "cc", "address": "sato-han@partner.example", "name": "佐藤 健二"}])
    assert not codes(body) & {"surname_homonym", "name_mismatch"}, codes(body)
