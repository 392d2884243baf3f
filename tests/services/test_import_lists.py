"""Mailing lists from every address-book format: marked as lists, with their member count, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from atesaki.importers import ReadError, Record, import_file, read_records

VCARD40_GROUP = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:営業部 全員\r\n"
    "EMAIL:eigyo-all@agency.go.jp\r\n"
    "MEMBER:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af\r\n"
    "MEMBER:mailto:k.sato@agency.go.jp\r\nMEMBER:mailto:m.ito@agency.go.jp\r\n"
    "END:VCARD\r\n"
    # A contact group with no address of its own is the user's filing, not a list.
    "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:お客様\r\n"
    "MEMBER:mailto:a@example.com\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:佐藤 健二\r\nN:佐藤;健二;;;\r\n"
    "EMAIL:k.sato@agency.go.jp\r\nEND:VCARD\r\n"
)
VCARD30_APPLE_GROUP = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nFN:PTA 役員\r\n"
    "EMAIL;TYPE=INTERNET:pta@school.ed.jp\r\n"
    "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:1\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:2\r\n"
    "END:VCARD\r\n"
    # A group that lists no members: its size is unknown, not zero.
    "BEGIN:VCARD\r\nVERSION:3.0\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nFN:Announcements\r\n"
    "EMAIL;TYPE=INTERNET:news@example.org\r\nEND:VCARD\r\n"
)
LDIF_GROUPS = """\
dn: cn=soumu-all,ou=groups,dc=agency,dc=go,dc=jp
objectClass: groupOfNames
objectClass: extensibleObject
cn: soumu-all
displayName:: 57eP5YuZ6YOoIOWFqOWToQ==
mail: soumu-all@agency.go.jp
member: uid=k.sato,ou=people,dc=agency,dc=go,dc=jp
member: uid=m.ito,ou=people,dc=agency,dc=go,dc=jp
member: uid=t.tanaka,ou=people,dc=agency,dc=go,dc=jp

dn: cn=board,ou=groups,dc=agency,dc=go,dc=jp
objectClass: groupOfUniqueNames
objectClass: extensibleObject
cn: board
mail: board@agency.go.jp
uniqueMember: uid=k.sato,ou=people,dc=agency,dc=go,dc=jp
uniqueMember: uid=m.ito,ou=people,dc=agency,dc=go,dc=jp

dn: cn=Thunderbird list
objectclass: top
objectclass: groupOfNames
cn: Thunderbird list
member: cn=A,mail=a@example.com

dn: uid=k.sato,ou=people,dc=agency,dc=go,dc=jp
objectClass: inetOrgPerson
cn: 佐藤 健二
sn: 佐藤
mail: k.sato@agency.go.jp
"""
CSV_LISTS = (
    "Name,E-mail Address,Kind,Members\n"
    "経理課 全員,keiri-all@agency.go.jp,list,12\n"
    "佐藤 健二,k.sato@agency.go.jp,,\n"
    "お知らせ,info-ml@agency.go.jp,メーリングリスト,\n"
    "伊藤 美咲,m.ito@agency.go.jp,person,\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def lists(path: Path) -> dict[str, tuple[str, int | None]]:
    """{address: (display name, member count)} of the lists in a file."""
    found = {}
    for item in read_records(path):
        if isinstance(item, Record) and item.is_list:
            for address in item.emails:
                found[address] = (item.display_name, item.members)
    return found


def people(path: Path) -> set[str]:
    return {a for item in read_records(path) if isinstance(item, Record) and not item.is_list
            for a in item.emails}


@pytest.mark.parametrize(("name", "text", "expected", "persons"), [
    pytest.param("groups40.vcf", VCARD40_GROUP, {"eigyo-all@agency.go.jp": ("営業部 全員", 3)},
                 {"k.sato@agency.go.jp"}, id="vCard 4.0 KIND:group counts its MEMBERs"),
    pytest.param("apple.vcf", VCARD30_APPLE_GROUP,
                 {"pta@school.ed.jp": ("PTA 役員", 2), "news@example.org": ("Announcements", None)},
                 set(), id="Apple's vCard 3.0 group; no MEMBER lines means unknown size"),
    pytest.param("groups.ldif", LDIF_GROUPS,
                 {"soumu-all@agency.go.jp": ("総務部 全員", 3), "board@agency.go.jp": ("board", 2)},
                 {"k.sato@agency.go.jp"},
                 id="LDIF groupOfNames and groupOfUniqueNames with a mail; Thunderbird's local list is no address"),
    pytest.param("lists.csv", CSV_LISTS,
                 {"keiri-all@agency.go.jp": ("経理課 全員", 12),
                  "info-ml@agency.go.jp": ("お知らせ", None)},
                 {"k.sato@agency.go.jp", "m.ito@agency.go.jp"},
                 id="CSV Kind and Members columns"),
])
def test_lists_are_read_as_lists_with_their_size(tmp_path, name, text, expected, persons):
    path = write(tmp_path, name, text)
    assert lists(path) == expected
    assert people(path) == persons


def test_japanese_csv_headers_and_a_bad_member_count(tmp_path):
    path = write(tmp_path, "lists_ja.csv",
                 "表示名,メールアドレス,種別,メンバー数\n"
                 "人事課,jinji-ml@agency.go.jp,メーリングリスト,８\n"
                 "広報,koho-ml@agency.go.jp,リスト,たくさん\n"
                 "誰か,someone@agency.go.jp,ロボット,\n", "cp932")
    items = list(read_records(path))
    assert lists(path) == {"jinji-ml@agency.go.jp": ("人事課", 8),
                           "koho-ml@agency.go.jp": ("広報", None)}
    notes = [i.describe("en") for i in items if not isinstance(i, Record)]
    assert any(":3: member count “たくさん” is not a whole number" in n for n in notes)
    assert any(":4: kind “ロボット” is neither list nor person" in n for n in notes)


def test_a_list_is_stored_and_a_new_member_count_is_an_update(conn, tmp_path):
    path = write(tmp_path, "lists.csv", CSV_LISTS)
    first = import_file(conn, path, "directory")
    assert (first.imported, first.updated) == (4, 0)
    assert import_file(conn, path, "directory").unchanged == 4
    stored = dict(conn.execute(
        "SELECT e.address, l.members FROM person_list l JOIN person_email e USING (person_id)"))
    assert stored == {"keiri-all@agency.go.jp": 12, "info-ml@agency.go.jp": None}
    grown = write(tmp_path, "lists2.csv", CSV_LISTS.replace(",list,12", ",list,13"))
    again = import_file(conn, grown, "directory")
    assert (again.updated, again.unchanged) == (1, 3)
    assert conn.execute("SELECT members FROM person_list l JOIN person_email e USING "
                        "(person_id) WHERE e.address = 'keiri-all@agency.go.jp'").fetchone()[0] == 13
    # Once a list, now a person (the export said so): the mark goes.
    person = write(tmp_path, "lists3.csv", CSV_LISTS.replace(",list,12", ",person,"))
    assert import_file(conn, person, "directory").updated == 1
    assert conn.execute("SELECT COUNT(*) FROM person_list").fetchone()[0] == 1


def test_a_file_that_breaks_half_way_imports_no_list(conn, tmp_path):
    path = tmp_path / "broken.csv"
    good = "壊れた行,x@agency.go.jp,list,3\n" * 3000
    path.write_bytes((CSV_LISTS + good).encode() + b"\xff\xfe broken bytes,y@agency.go.jp,list,1\n")
    with pytest.raises(ReadError):
        import_file(conn, path, "directory", encoding="utf-8")
    assert conn.execute("SELECT COUNT(*) FROM person").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM person_list").fetchone()[0] == 0
