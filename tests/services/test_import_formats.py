"""Every address-book format a user has, read into the right names, readings and addresses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atesaki.importers import Problem, ReadError, Record, detect_encoding, read_records
from tests.conftest import DATA

BOOKS = DATA / "addressbooks"


def read(name: str, **kwargs) -> tuple[list[Record], list[Problem]]:
    items = list(read_records(BOOKS / name, **kwargs))
    return (
        [i for i in items if isinstance(i, Record)],
        [i for i in items if isinstance(i, Problem)],
    )


def by_address(records: list[Record]) -> dict[str, Record]:
    return {address: r for r in records for address in r.emails}


# (file, address, display name, family, given, family reading, given reading, organisation)
EXPECTED = [
    ("vcard21_sjis_qp.vcf", "t-takahashi@example.co.jp", "髙橋 太郎", "髙橋", "太郎",
     "タカハシ", "タロウ", ""),
    ("vcard21_sjis_qp.vcf", "hanako@sample.example", "山﨑 花子", "山﨑", "花子",
     "ヤマザキ", "ハナコ", "株式会社サンプル"),
    ("vcard21_sjis_raw.vcf", "ichiro@takada.example", "髙田 一郎", "髙田", "一郎",
     "タカダ", "イチロウ", ""),
    ("vcard30_apple.vcf", "kenji.sato@example.net", "佐藤 健二", "佐藤", "健二",
     "さとう", "けんじ", "株式会社エグザンプル"),
    ("vcard30_apple.vcf", "misaki.ito@example.org", "伊藤 美咲", "伊藤", "美咲",
     "いとう", "みさき", ""),
    ("vcard40.vcf", "yuko.watanabe@example.jp", "渡辺 裕子", "渡辺", "裕子",
     "わたなべ", "ゆうこ", ""),
    ("vcard40.vcf", "m.nakamura@example.jp", "中村 誠", "中村", "誠", "なかむら", "まこと", ""),
    ("google_new.csv", "ksato@gmail.com", "佐藤 健二", "佐藤", "健二", "さとう", "けんじ",
     "株式会社エグザンプル"),
    ("google_old.csv", "tanaka@example.jp", "田中 一郎", "田中", "一郎", "タナカ", "イチロウ",
     "サンプル商事"),
    ("outlook_en.csv", "jsmith@gmail.com", "John Smith", "Smith", "John", "", "", "Contoso Ltd"),
    ("outlook_ja_cp932.csv", "hanako@home.example", "鈴木 花子", "鈴木", "花子",
     "スズキ", "ハナコ", "株式会社髙島屋サンプル"),
    ("outlook_web.csv", "makoto.ohno@example.jp", "大野 誠", "大野", "誠", "おおの", "まこと",
     "大野工業"),
    ("thunderbird_en.csv", "anna.s@mail.example", "Anna Schmidt", "Schmidt", "Anna", "", "",
     "Schmidt GmbH"),
    ("thunderbird_ja.csv", "yoko.kimura@example.jp", "木村 陽子", "木村", "陽子", "", "",
     "木村事務所"),
    ("thunderbird_ja_cp932.csv", "takashi@takagi.example", "髙木 髙志", "髙木", "髙志", "", "",
     "髙木工務店"),
    ("thunderbird.vcf", "ryo.yamada@example.co.jp", "山田 亮", "山田", "亮", "", "", "山田商事"),
    ("thunderbird.ldif", "ken.kato@example.org", "加藤 健", "加藤", "健", "", "", ""),
    ("thunderbird.ldif", "o.saito@mail.example", "斎藤 修", "斎藤", "修", "", "", "斎藤設計"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "address", "display", "family", "given", "family_r", "given_r", "org"),
    EXPECTED,
    ids=[f"{row[0]}: {row[2]}" for row in EXPECTED],
)
def test_each_format_yields_the_persons_name_reading_and_organisation(
    file, address, display, family, given, family_r, given_r, org
):
    records, _ = read(file)
    person = by_address(records)[address]
    assert (person.display_name, person.family, person.given) == (display, family, given)
    assert (person.family_reading, person.given_reading) == (family_r, given_r)
    assert person.organization == org


# Every export format the importers read, with the second and third addresses it can hold
# (Thunderbird's CSV and LDIF hold two: PrimaryEmail and SecondEmail).
EVERY_ADDRESS = [
    ("Google: ' ::: ' in one cell and E-mail 2", "google_new.csv",
     ["k.sato@example.com", "kenji@example.com", "ksato@gmail.com"]),
    ("Google: E-mail 1, 2 and 3", "google_new.csv",
     ["naoki.mori@example.co.jp", "naoki@mori-home.example", "mori.naoki@docomo.ne.jp"]),
    ("Outlook English: E-mail, E-mail 2 and E-mail 3 Address", "outlook_en.csv",
     ["john.smith@contoso.com", "jsmith@gmail.com", "john@smith-family.example"]),
    ("Outlook Japanese: 電子メール アドレス, 2 and 3", "outlook_ja_cp932.csv",
     ["hanako.suzuki@takashimaya.example", "hanako@home.example", "suzuki.hanako@docomo.ne.jp"]),
    ("Outlook on the web: E-mail, E-mail 2 and E-mail 3 Address", "outlook_web.csv",
     ["makoto.ono@example.jp", "ono@onoshoten.example", "makoto.ono@outlook.jp"]),
    ("Thunderbird English CSV: Secondary Email", "thunderbird_en.csv",
     ["anna@schmidt.example", "anna.s@mail.example"]),
    ("Thunderbird Japanese CSV: 別のメールアドレス", "thunderbird_ja.csv",
     ["yoko.kimura@example.jp", "yoko@kimura-home.example"]),
    ("Thunderbird Japanese CSV in Shift_JIS: 別のメールアドレス", "thunderbird_ja_cp932.csv",
     ["yoko.kimura@example.jp", "yoko@kimura-home.example"]),
    ("Thunderbird LDIF: mozillaSecondEmail", "thunderbird.ldif",
     ["osamu@saito.example", "o.saito@mail.example"]),
    ("LDIF from a directory server: three mail values", "thunderbird.ldif",
     ["ken.kato@example.org", "kato@lab.example.org", "k.kato@example.net"]),
    ("Thunderbird vCard: three EMAILs, the preferred first", "thunderbird.vcf",
     ["ryo.yamada@example.co.jp", "ryo@yamada-home.example", "yamada.ryo@ezweb.ne.jp"]),
    ("vCard 3.0 (Apple): three grouped EMAILs, one folded", "vcard30_apple.vcf",
     ["k.sato@example.com", "kenji.sato@example.net", "kenji@sato-home.example"]),
    ("vCard 2.1: two EMAILs", "vcard21_sjis_qp.vcf",
     ["t-takahashi@example.co.jp", "taro.t@docomo.ne.jp"]),
    ("vCard 4.0: two EMAILs", "vcard40.vcf", ["makoto@nakamura.example", "m.nakamura@example.jp"]),
]  # fmt: skip


@pytest.mark.parametrize(("file", "addresses"), [c[1:] for c in EVERY_ADDRESS],
                         ids=[c[0] for c in EVERY_ADDRESS])
def test_every_address_of_a_person_is_kept(file, addresses):
    records, _ = read(file)
    assert by_address(records)[addresses[0]].emails == addresses


@pytest.mark.parametrize(
    ("file", "department"),
    [("thunderbird_ja.csv", "広報課"), ("thunderbird_en.csv", "R&D")],
    ids=["Thunderbird Japanese: 部門", "Thunderbird English: Department"],
)
def test_thunderbird_department_is_read(file, department):
    records, _ = read(file)
    assert records[0].department == department


@pytest.mark.parametrize(
    ("file", "line", "reason"),
    [
        ("vcard30_apple.vcf", 21, "without ':'"),
        ("vcard30_apple.vcf", 31, "no e-mail address"),
        ("broken_unclosed.vcf", 6, "no END:VCARD"),
        ("google_new.csv", 5, "no e-mail address"),
        ("outlook_en.csv", 3, "Exchange address not imported"),
        ("outlook_ja_cp932.csv", 3, "Exchange address not imported"),
    ],
    ids=["broken card among good ones", "card without address", "card cut off at the end",
         "row after a multi-line note", "exchange /o= address", "exchange in the ja export"],
)
def test_a_bad_record_is_reported_with_its_line_and_the_rest_is_read(file, line, reason):
    records, problems = read(file)
    assert records, "the good records around the bad one are still read"
    assert any(p.line == line and reason in p.reason.en and p.file.endswith(file)
               for p in problems), [p.describe("en") for p in problems]


def test_exchange_addresses_never_become_email_addresses():
    for file in ("outlook_en.csv", "outlook_ja_cp932.csv"):
        records, _ = read(file)
        assert not any(a.startswith("/o=") for r in records for a in r.emails)


def test_outlook_junk_values_are_not_taken_as_names():
    records, _ = read("outlook_ja_cp932.csv")
    assert all("指定なし" not in r.department and "0/0/00" not in r.display_name for r in records)


@pytest.mark.parametrize(
    ("file", "encoding"),
    [
        ("google_new.csv", "utf-8-sig"),
        ("outlook_ja_cp932.csv", "cp932"),
        ("vcard21_sjis_raw.vcf", "cp932"),
        ("vcard30_apple.vcf", "utf-8"),
    ],
    ids=["BOM", "CP932 CSV", "CP932 vCard", "plain UTF-8"],
)
def test_encoding_is_detected(file, encoding):
    assert detect_encoding(BOOKS / file) == encoding


@pytest.mark.parametrize(
    ("file", "reason"),
    [
        ("broken_binary.vcf", "not a text file"),
        ("broken_no_email_column.csv", "no e-mail column"),
        ("broken_not_addressbook.txt", "not a vCard, CSV or LDIF"),
        ("does_not_exist.vcf", "no such file"),
    ],
    ids=["binary", "csv without e-mail column", "plain notes", "missing file"],
)
def test_an_unreadable_file_is_refused_as_a_whole(file, reason):
    with pytest.raises(ReadError) as caught:
        list(read_records(BOOKS / file))
    assert reason in caught.value.reason.en
    assert caught.value.file.endswith(file)


def test_encoding_override_reads_a_file_the_detector_would_misread():
    # A wrong --encoding fails loudly (nothing half-read); the right one reads 髙 fine.
    with pytest.raises(ReadError) as caught:
        list(read_records(BOOKS / "outlook_ja_cp932.csv", encoding="utf-8"))
    assert "not valid utf-8" in caught.value.reason.en
    records, _ = read("outlook_ja_cp932.csv", encoding="shift_jis")
    assert by_address(records)["hanako@home.example"].organization == "株式会社髙島屋サンプル"


def test_format_override_reads_a_vcard_with_an_odd_name(tmp_path):
    odd = tmp_path / "export.dat"
    odd.write_bytes((BOOKS / "vcard40.vcf").read_bytes())
    records = [i for i in read_records(odd, fmt="vcard") if isinstance(i, Record)]
    assert {r.display_name for r in records} == {"渡辺 裕子", "中村 誠"}


def test_a_card_without_uid_gets_the_same_identity_every_time():
    from atesaki.store.people import record_uid

    first, _ = read("google_new.csv")
    second, _ = read("google_new.csv")
    assert [record_uid(r) for r in first] == [record_uid(r) for r in second]
    assert len({record_uid(r) for r in first}) == len(first)


@given(st.text(alphabet=st.sampled_from(list("BEGIN:VCARD\r\n;=:,\"ENDmailxé髙ｶ@. \t\\"))
               | st.characters(), max_size=400))
@settings(max_examples=150, deadline=None)
def test_no_input_crashes_the_parsers(text):
    from atesaki.importers import csvfile, ldif, vcard

    lines = text.splitlines(keepends=True)
    for parser in (vcard.parse, ldif.parse, csvfile.parse):
        try:
            items = list(parser(lines, "fuzz"))
        except ReadError:
            continue
        assert all(isinstance(i, Record | Problem) for i in items)


def test_a_vcard_21_photo_in_unindented_base64_does_not_break_the_card(tmp_path):
    card = tmp_path / "photo.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Photo;Has;;;\r\nPHOTO;ENCODING=BASE64;TYPE=JPEG:\r\n"
        "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////\r\n"
        "AAAAAAAAAAAAAA==\r\n\r\nEMAIL;INTERNET:photo@example.com\r\nEND:VCARD\r\n",
        encoding="ascii",
    )
    items = list(read_records(card))
    assert [i.emails for i in items if isinstance(i, Record)] == [["photo@example.com"]]
