"""The administrator's rules in config.toml: attention domains, always-approve domains,
thresholds that need approval, and external organisations that must go to Bcc."""

from __future__ import annotations

import re

import pytest

from atesaki import store
from atesaki.settings import ConfigError, parse_settings
from atesaki.store import people

NOTE = "学校宛て: 児童生徒の個人情報は送らないこと"
TEACHER = {"field": "to", "address": "head@east.school.ed.jp", "name": "山本 一郎"}
PARTNER = {"field": "to", "address": "k.sato@partner.example", "name": "佐藤 健二"}
COLLEAGUE = {"field": "to", "address": "m-sato@agency.go.jp", "name": "佐藤 美咲"}


def codes(recipient: dict) -> set[str]:
    return {f["code"] for f in recipient["findings"]}


def known_reply(app, client, recipients: list[dict]) -> dict:
    """A reply to people the user has written to before: on its own it only needs ticking."""
    conn = app.extensions["atesaki"].conn()
    with store.transaction(conn):
        people.record_send(conn, [(r["address"], "") for r in recipients], "2026-11-01T09:00:00+00:00")
        store.bump_generation(conn)
    return client.check(recipients, kind="reply",
                        thread_recipients=[r["address"] for r in recipients])


@pytest.fixture
def config():
    return {
        "internal_domains": ["agency.go.jp"],
        "attention_domains": [{"domain": "school.ed.jp", "note": NOTE}],
        "policy": {"approval": "never", "approve_domains": ["partner.example"],
                   "approve_external_orgs": 3, "approve_recipients": 6},
    }


def test_an_attention_domain_shows_the_administrators_note_on_its_recipients(client):
    body = client.check([TEACHER, COLLEAGUE])
    (finding,) = [f for f in body["recipients"][0]["findings"] if f["code"] == "attention_domain"]
    assert finding["severity"] == "warn"
    assert NOTE in finding["message"] and NOTE in finding["messages"]["en"]
    assert finding["related"] == [{"domain": "school.ed.jp", "note": NOTE}]
    assert "attention_domain" not in codes(body["recipients"][1])


def test_an_always_approve_domain_needs_approval_even_when_approval_is_never(app, client):
    assert known_reply(app, client, [COLLEAGUE])["verdict"] == "pass"
    body = known_reply(app, client, [PARTNER])
    assert body["verdict"] == "approve"
    assert "approval_rule" in codes(body["recipients"][0])


def test_the_sending_of_an_always_approve_message_needs_the_release_token(app, client):
    body = known_reply(app, client, [PARTNER])
    response = client.post("/v1/sends", {"check_id": body["check_id"], "recipients": [PARTNER]})
    assert response.status_code == 403
    assert response.get_json()["error"] == "approval_required"


def test_three_external_organisations_need_approval_two_do_not(app, client):
    two = [{"field": "bcc", "address": f"a@org{i}.example"} for i in range(2)]
    three = [*two, {"field": "bcc", "address": "a@org2.example"}]
    assert known_reply(app, client, two)["verdict"] != "approve"
    body = known_reply(app, client, three)
    assert body["verdict"] == "approve"
    assert [f["code"] for f in body["findings"]] == ["approval_rule"]
    assert "3" in body["findings"][0]["messages"]["en"]


def test_six_recipients_need_approval_five_do_not(app, client):
    staff = [{"field": "bcc", "address": f"staff{i}@agency.go.jp"} for i in range(6)]
    assert known_reply(app, client, staff[:5])["verdict"] != "approve"
    assert known_reply(app, client, staff)["verdict"] == "approve"


class TestExternalOrganisationsMustGoToBcc:
    @pytest.fixture
    def config(self):
        return {"internal_domains": ["agency.go.jp"],
                "policy": {"visible_external_action": "bcc"}}

    def test_they_cannot_be_sent_in_to_and_cc_and_can_in_bcc(self, app, client):
        visible = [{"field": "to", "address": "a@one.example"},
                   {"field": "cc", "address": "b@two.example"}]
        body = known_reply(app, client, visible)
        assert body["verdict"] == "block"
        assert all("visible_external_recipients" in codes(r) for r in body["recipients"])
        response = client.post("/v1/sends", {"check_id": body["check_id"], "recipients": visible})
        assert response.status_code == 403
        moved = [{**r, "field": "bcc"} for r in visible]
        assert known_reply(app, client, moved)["verdict"] != "block"


def test_without_rules_nothing_of_this_fires(app, client, data_dir):
    (data_dir / "config.toml").write_text('internal_domains = ["agency.go.jp"]\n', encoding="utf-8")
    many = [{"field": "to", "address": f"a@org{i}.example"} for i in range(8)] + [TEACHER, PARTNER]
    body = client.check(many)
    every = {f["code"] for r in body["recipients"] for f in r["findings"]}
    every |= {f["code"] for f in body["findings"]}
    assert not every & {"attention_domain", "approval_rule"}
    assert {f["severity"] for r in body["recipients"] for f in r["findings"]
            if f["code"] == "visible_external_recipients"} == {"high"}


BAD = [
    ("a table without a note", '[[attention_domains]]\ndomain = "ed.jp"\n', "needs note"),
    ("a table without a domain", '[[attention_domains]]\nnote = "x"\n', "needs domain"),
    ("a misspelt key", '[[attention_domains]]\ndomian = "ed.jp"\nnote = "x"\n', "unknown keys"),
    ("a plain list", 'attention_domains = ["ed.jp"]\n', "must be [[attention_domains]]"),
    ("a negative threshold", "[policy]\napprove_recipients = -1\n", "at least 0"),
    ("an unknown action", '[policy]\nvisible_external_action = "move"\n', '"bcc"'),
]


@pytest.mark.parametrize(("text", "reason"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_a_bad_rule_is_refused_naming_the_file_and_reason(text, reason):
    with pytest.raises(ConfigError, match=rf"config\.toml:\d+: .*{re.escape(reason)}"):
        parse_settings(text)


def test_several_domains_share_one_note():
    settings = parse_settings('[[attention_domains]]\ndomains = ["ed.jp", "Lg.JP."]\nnote = "x"\n')
    assert settings.attention_domains == [{"domains": ["ed.jp", "lg.jp"], "note": "x"}]
