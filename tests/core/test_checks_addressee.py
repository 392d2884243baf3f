"""addressee_not_recipient and attachment_names_other_org as plain functions, table by table."""

from __future__ import annotations

import pytest

from atesaki.core.checks import addressee as checks
from tests.conftest import DATA
from tests.core.checkbook import book, codes, context

HIGH = [("addressee_not_recipient", "high", None)]
# (id, body, recipients, expected, first related address or None)
GREETING_CASES = [
    ("山本様 to 佐藤 names 山本 of the book", "山本様\n\nいつもお世話になっております。",
     ("to:k.sato@example.com",), HIGH, "h.yamamoto@agency.go.jp"),
    ("山本先生 to 佐藤", "山本先生\n\nご無沙汰しております。", ("to:k.sato@example.com",), HIGH, None),
    ("山本さん to a colleague of another name", "山本さん\nお疲れ様です。",
     ("to:suzuki@agency.go.jp",), HIGH, None),
    ("Dear Mr Yamamoto to 佐藤", "Dear Mr Yamamoto,\n\nThank you.", ("to:k.sato@example.com",),
     HIGH, None),
    ("a greeting in hiragana やまもと様", "やまもと様\n\nお世話になります。",
     ("to:k.sato@example.com",), HIGH, None),
    ("a greeting in katakana ヤマモトさん", "ヤマモトさん\n\nお世話になります。",
     ("to:k.sato@example.com",), HIGH, None),
    ("romaji with -san", "Yamamoto-san,\n\nThanks for the call.", ("to:k.sato@example.com",),
     HIGH, None),
    ("the company line before the name", "株式会社ABC商事\n総務部 山本様\n\nお世話になっております。",
     ("to:k.sato@example.com",), HIGH, "h.yamamoto@agency.go.jp"),
    ("Dear Mr. Smith to 佐藤", "Dear Mr. Smith,\n\nPlease find attached.", ("to:k.sato@example.com",),
     HIGH, "j.smith@acme.com"),
    ("高橋様 finds 髙橋 of the book", "高橋様\n\nお世話になっております。",
     ("to:m.ito@a-sha.co.jp",), HIGH, "j.takahashi@b-sha.co.jp"),
    ("a chip name of someone else at a new address", "山本様\n\nお世話になります。",
     ("to:ichiro@newco.jp:鈴木 一郎",), HIGH, None),
    ("大野 is not 小野, though both are ono@ in romaji", "大野様\n\nお世話になります。",
     ("to:ono@example.org:小野 誠",), HIGH, None),
    ("a greeted surname nobody in the book has", "中村様\n\nお世話になります。",
     ("to:k.sato@example.com",), HIGH, None),
    ("the greeting names the recipient", "佐藤様\n\nお世話になっております。",
     ("to:k.sato@example.com",), [], None),
    ("the recipient's name comes from the book, not the chip", "株式会社エグザンプル\n営業部 佐藤様\n\nいつも",
     ("to:k.sato@example.com:",), [], None),
    ("Sato-san in romaji", "Sato-san,\n\nThanks.", ("to:k.sato@example.com",), [], None),
    ("Dear Mr. Sato", "Dear Mr. Sato,\n\nThank you.", ("to:k.sato@example.com",), [], None),
    ("さとう様 in kana", "さとう様\n\nありがとうございます。", ("to:k.sato@example.com",), [], None),
    ("山本様 to 山本 with a colleague in Cc", "山本様\n\nお世話になっております。",
     ("to:t.yamamoto@abc-shoji.co.jp", "cc:suzuki@agency.go.jp"), [], None),
    ("two greeted names, both recipients", "山本様、佐藤様\n\nお世話になっております。",
     ("to:t.yamamoto@abc-shoji.co.jp", "to:k.sato@example.com"), [], None),
    ("a recipient with no name anywhere may be the one greeted", "山本様\n\nはじめまして。",
     ("to:info@newco.jp",), [], None),
    ("a shared mailbox named for its company may be read by the one greeted",
     "山本様\n\nお世話になります。", ("to:info@acme.co.jp:ACME Inc.",), [], None),
    ("the address's local part names the recipient", "山本様\n\nはじめまして。",
     ("to:t.yamamoto@newco.jp",), [], None),
    ("a greeting to everyone", "関係者各位\n\n説明会のお知らせです。",
     ("to:k.sato@example.com",), [], None),
    ("お疲れ様 is not a name", "お疲れ様です。田中です。\n会議室を予約しました。",
     ("to:suzuki@agency.go.jp",), [], None),
    ("ご担当者様 is not a name", "ご担当者様\n\nお問い合わせです。", ("to:k.sato@example.com",), [], None),
    ("Dear colleagues", "Dear colleagues,\n\nThe office is closed.", ("to:suzuki@agency.go.jp",), [], None),
    ("a given name after Hi", "Hi Kenji,\n\nNoted.", ("to:suzuki@agency.go.jp",), [], None),
    ("a greeting only in the quoted message", "承知しました。\n\n> 山本様\n> お世話になっております。",
     ("to:k.sato@example.com",), [], None),
    ("a name mentioned later in the body", "佐藤様\n\n山本さんにもよろしくお伝えください。",
     ("to:k.sato@example.com",), [], None),
]


@pytest.mark.parametrize(("body", "entries", "expected", "meant"),
                         [c[1:] for c in GREETING_CASES], ids=[c[0] for c in GREETING_CASES])
def test_greeting_against_recipients(body, entries, expected, meant):
    findings = list(checks.check_addressee(context(*entries, body=body)))
    assert codes(findings) == expected
    if meant:
        assert findings[0].related[0]["address"] == meant
        assert meant in findings[0].message.ja and meant in findings[0].message.en


HELD_OUT = DATA / "greetings_heldout.tsv"


def held_out() -> list:
    rows = []
    for line in HELD_OUT.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            body, entries, label, why = line.split("\t")
            rows.append(pytest.param(body.replace("\\n", "\n"), entries.split(";"), label == "1", id=why))
    return rows


@pytest.mark.parametrize(("body", "entries", "names_someone_else"), held_out())
def test_held_out_greetings(body, entries, names_someone_else):
    findings = list(checks.check_addressee(context(*entries, body=body)))
    assert bool(findings) == names_someone_else


def test_the_finding_quotes_the_greeting_in_both_languages():
    (finding,) = checks.check_addressee(context("to:k.sato@example.com", body="山本様\n\nいつも"))
    assert "「山本様」" in finding.message.ja and "“山本様”" in finding.message.en
    names = [entry["name"] for entry in finding.related]
    assert names == ["山本 花子", "山本 太郎"], "the colleague first, then the contact"


def test_the_check_can_be_turned_off():
    ctx = context("to:k.sato@example.com", body="山本様\n\nいつも",
                  settings={"policy.addressee_check": False})
    assert list(checks.check_addressee(ctx)) == []


# --- the benign set: every ordinary mail to the person it greets ----------------------

MAILS = DATA / "mails"
# Whom each mail of tests/data/mails is written to: 佐藤 健二 unless named here.
INTENDED = {
    "21_room_booking": ("to:k.sato@agency.go.jp:佐藤 健二",),  # 佐藤さん, a colleague
    "26_english_newsletter": ("to:all@agency.go.jp",),
    "33_school_notice": ("to:kocho@school.ed.jp",),
}


@pytest.mark.parametrize("path", sorted(MAILS.glob("*.txt")), ids=lambda p: p.stem)
def test_ordinary_mail_to_its_addressee_raises_nothing(path):
    entries = INTENDED.get(path.stem, ("to:k.sato@example.com", "cc:suzuki@agency.go.jp"))
    ctx = context(*entries, body=path.read_text(encoding="utf-8"), kind="reply",
                  attachments=({"name": "見積書.pdf", "size": 1000},))
    assert list(checks.check_addressee(ctx)) == []
    assert list(checks.check_attachment_org(ctx)) == []


# --- attachment_names_other_org -------------------------------------------------------

WARN = [("attachment_names_other_org", "warn", None)]
ATTACHMENT_CASES = [
    ("A社様_見積書 to B社", "A社様_見積書.pdf", ("to:j.takahashi@b-sha.co.jp",), WARN),
    ("(株)エグザンプル御中 to ABC商事", "(株)エグザンプル御中_請求書.xlsx",
     ("to:t.yamamoto@abc-shoji.co.jp",), WARN),
    ("ACME in latin letters to エグザンプル", "ACME_quote_2024.pdf", ("to:k.sato@example.com",), WARN),
    ("full-width letters are the same name", "ＡＣＭＥ様_ご提案.pdf", ("to:k.sato@example.com",), WARN),
    ("A社様_見積書 to A社", "A社様_見積書.pdf", ("to:m.ito@a-sha.co.jp",), []),
    ("ACME to someone at ACME", "acme-inc-quote.pdf", ("to:j.smith@acme.com",), []),
    ("a new address at the organisation's domain", "A社様_見積書.pdf", ("to:sales@a-sha.co.jp",), []),
    ("a comparison naming the recipients' organisation too", "A社_B社_比較表.xlsx",
     ("to:j.takahashi@b-sha.co.jp",), []),
    ("a file naming no organisation", "見積書_2024.pdf", ("to:j.takahashi@b-sha.co.jp",), []),
    ("our own organisation's name", "中央行政庁_会議資料.pdf", ("to:k.sato@example.com",), []),
]


@pytest.mark.parametrize(("name", "entries", "expected"), [c[1:] for c in ATTACHMENT_CASES],
                         ids=[c[0] for c in ATTACHMENT_CASES])
def test_attachment_names_against_recipients(name, entries, expected):
    ctx = context(*entries, attachments=({"name": name, "size": 1000},))
    assert codes(checks.check_attachment_org(ctx)) == expected


def test_attachment_finding_names_the_file_and_the_organisation():
    ctx = context("to:j.takahashi@b-sha.co.jp", attachments=({"name": "A社様_見積書.pdf", "size": 1},))
    (finding,) = checks.check_attachment_org(ctx)
    assert "A社様_見積書.pdf" in finding.message.ja and "A社" in finding.message.en
    assert finding.related == [{"name": "A社", "domain": "a-sha.co.jp"}]


def test_organisations_follow_new_contacts():
    kb = book()
    ctx = context("to:k.sato@example.com", kb=kb, attachments=({"name": "Globex_見積.pdf", "size": 1},))
    assert list(checks.check_attachment_org(ctx)) == []
    from atesaki.core.known import Person
    from atesaki.core.names import person_profile

    kb.add_person(Person("p:new", "Hank Scorpio", ("hank@globex.com",), False, "contacts",
                         "Globex Corporation", person_profile("Hank Scorpio")))
    assert codes(checks.check_attachment_org(ctx)) == WARN
