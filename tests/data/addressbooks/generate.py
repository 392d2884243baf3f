"""Writes the address-book fixtures in this folder (run it again after changing one)."""

from __future__ import annotations

import base64
import codecs
import quopri
import re
from pathlib import Path

HERE = Path(__file__).parent


def qp(text: str, charset: str) -> str:
    """Quoted-printable the way feature phones wrote it: soft breaks every 60 or so."""
    encoded = quopri.encodestring(text.encode(charset)).decode("ascii").replace("=\n", "")
    lines, current = [], ""
    for token in re.findall(r"=[0-9A-F]{2}|.", encoded):
        if len(current) + len(token) > 60:
            lines.append(current)
            current = ""
        current += token
    return "=\n".join([*lines, current])


def write(name: str, text: str, encoding: str = "utf-8", newline: str = "\r\n") -> None:
    (HERE / name).write_bytes(text.replace("\n", newline).encode(encoding))


# vCard 2.1 from a feature phone: Shift_JIS bytes in QP, half-width kana readings, 髙 (CP932).
vcard21 = (
    "BEGIN:VCARD\n"
    "VERSION:2.1\n"
    f"N;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp('髙橋;太郎;;;', 'cp932')}\n"
    f"FN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp('髙橋 太郎', 'cp932')}\n"
    f"SOUND;X-IRMC-N;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp('ﾀｶﾊｼ;ﾀﾛｳ;;;', 'cp932')}\n"
    "EMAIL;INTERNET;PREF:t-takahashi@example.co.jp\n"
    "EMAIL;INTERNET:taro.t@docomo.ne.jp\n"
    "END:VCARD\n"
    "BEGIN:VCARD\n"
    "VERSION:2.1\n"
    f"N;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp('山﨑;花子;;;', 'cp932')}\n"
    f"SOUND;X-IRMC-N;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp('ﾔﾏｻﾞｷ;ﾊﾅｺ;;;', 'cp932')}\n"
    f"ORG;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp('株式会社サンプル;営業部', 'cp932')}\n"
    "EMAIL;INTERNET:hanako@sample.example\n"
    "END:VCARD\n"
)
write("vcard21_sjis_qp.vcf", vcard21, "ascii")

# The same phone's export written as raw Shift_JIS bytes (no QP): the file is CP932.
vcard21_raw = (
    "BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=SHIFT_JIS:髙田;一郎;;;\n"
    "SOUND;X-IRMC-N;CHARSET=SHIFT_JIS:ﾀｶﾀﾞ;ｲﾁﾛｳ;;;\nEMAIL;INTERNET:ichiro@takada.example\n"
    "END:VCARD\n"
)
write("vcard21_sjis_raw.vcf", vcard21_raw, "cp932")

# vCard 3.0 (iPhone / macOS): folding, groups, X-PHONETIC-*, SORT-STRING, a broken card.
vcard30 = (
    "BEGIN:VCARD\nVERSION:3.0\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\n"
    "N:佐藤;健二;;;\nFN:佐藤 健二\nX-PHONETIC-LAST-NAME:さとう\nX-PHONETIC-FIRST-NAME:けんじ\n"
    "ORG:株式会社エグザンプル;総務部\n"
    "item1.EMAIL;type=INTERNET;type=pref:k.sato@example.com\n"
    "item2.EMAIL;type=INTERNET:kenji.sato@\n example.net\n"
    "item3.EMAIL;type=INTERNET;type=HOME:kenji@sato-home.example\n"
    "NOTE:folded note that goes on\n  and on\nUID:5F1B2C3D-0000-4000-8000-000000000001\n"
    "END:VCARD\n"
    "BEGIN:VCARD\nVERSION:3.0\nN:Suzuki;Ichiro;;;\nFN:Suzuki Ichiro\n"
    "this line has no colon and breaks the card\nEMAIL:ichiro@broken.example\nEND:VCARD\n"
    "BEGIN:VCARD\nVERSION:3.0\nN:伊藤;美咲;;;\nFN:伊藤 美咲\nSORT-STRING:いとう みさき\n"
    "EMAIL;TYPE=WORK:misaki.ito@example.org\nEND:VCARD\n"
    "BEGIN:VCARD\nVERSION:3.0\nN:Nobody;Noaddress;;;\nFN:Noaddress Nobody\nTEL:03-0000-0000\n"
    "END:VCARD\n"
)
write("vcard30_apple.vcf", vcard30)

# vCard 4.0: N;SORT-AS, and a second N in kana sharing an ALTID.
vcard40 = (
    "BEGIN:VCARD\nVERSION:4.0\nN;SORT-AS=\"わたなべ,ゆうこ\":渡辺;裕子;;;\nFN:渡辺 裕子\n"
    "EMAIL;TYPE=work:yuko.watanabe@example.jp\nUID:urn:uuid:0b7c2f3e-1111-4222-8333-444455556666\n"
    "END:VCARD\n"
    "BEGIN:VCARD\nVERSION:4.0\nN;ALTID=1;LANGUAGE=ja:中村;誠;;;\n"
    "N;ALTID=1;LANGUAGE=ja-Hira:なかむら;まこと;;;\nFN:中村 誠\n"
    "EMAIL:makoto@nakamura.example\nEMAIL;PREF=1:m.nakamura@example.jp\nEND:VCARD\n"
)
write("vcard40.vcf", vcard40, newline="\n")

# Thunderbird's vCard export (115; cards are vCard 4.0 inside): every address of a card,
# the preferred one with PREF=1, properties in the order Thunderbird writes them.
thunderbird_vcf = (
    "BEGIN:VCARD\nVERSION:4.0\nEMAIL;PREF=1:ryo.yamada@example.co.jp\n"
    "EMAIL:ryo@yamada-home.example\nEMAIL:yamada.ryo@ezweb.ne.jp\nFN:山田 亮\n"
    "N:山田;亮;;;\nORG:山田商事;営業部\nUID:8f1c9a4e-2b1d-4c55-9e3a-0d6f7b8a9c01\n"
    "END:VCARD\n"
)
write("thunderbird.vcf", thunderbird_vcf)

# Google Contacts, current export (UTF-8 with BOM), ' ::: ' multi-values.
google_new = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,E-mail 3 - Label,"
    "E-mail 3 - Value,Phone 1 - Label,Phone 1 - Value\n"
    "健二,,佐藤,けんじ,,さとう,,,,,株式会社エグザンプル,,総務部,,,,* myContacts,"
    "* Work,k.sato@example.com ::: kenji@example.com,Home,ksato@gmail.com,,,"
    "Mobile,090-0000-0000\n"
    "美咲,,佐藤,みさき,,さとう,,,,,,,,,\"複数行の\nメモ\",,* myContacts,* Work,"
    "m-sato@agency.go.jp,,,,,,\n"
    "No,,Email,,,,,,,,,,,,,,* myContacts,,,,,,,Mobile,090-1111-1111\n"
    "直樹,,森,なおき,,もり,,,,,,,,,,,* myContacts,* Work,naoki.mori@example.co.jp,"
    "Home,naoki@mori-home.example,Other,mori.naoki@docomo.ne.jp,,\n"
)
write("google_new.csv", google_new, "utf-8-sig")

# Google Contacts, old export ("Google CSV"): Given/Family Name and Yomi columns.
google_old = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,"
    "Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,Group Membership,"
    "E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,"
    "Organization 1 - Type,Organization 1 - Name,Organization 1 - Title,Organization 1 - Department\n"
    "田中 一郎,一郎,,田中,,イチロウ,,タナカ,,,,,* My Contacts,* Work,tanaka@example.jp,,,,"
    "サンプル商事,,経理部\n"
)
write("google_old.csv", google_old, "utf-8")

# Outlook desktop, English.
outlook_en = (
    '"Title","First Name","Middle Name","Last Name","Suffix","Company","Department",'
    '"Job Title","Business Street","Business City","Business Phone","E-mail Address",'
    '"E-mail Type","E-mail Display Name","E-mail 2 Address","E-mail 2 Type",'
    '"E-mail 2 Display Name","E-mail 3 Address","Birthday","Notes"\n'
    '"","John","Q","Smith","","Contoso Ltd","Sales","Manager","1 Main St","Seattle",'
    '"","john.smith@contoso.com","SMTP","John Smith (john.smith@contoso.com)",'
    '"jsmith@gmail.com","SMTP","","john@smith-family.example","0/0/00",""\n'
    '"","Exchange","","Only","","Contoso Ltd","","","","","",'
    '"/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=only","EX",'
    '"Exchange Only","","","","","0/0/00",""\n'
)
write("outlook_en.csv", outlook_en, "utf-8")

# Outlook desktop, Japanese: CP932, 96 columns matched by name, junk in empty fields.
OUTLOOK_JA_HEADER = [
    "件名", "名", "ミドル ネーム", "姓", "敬称", "会社名", "部署", "役職", "番地 (会社)",
    "番地 2 (会社)", "番地 3 (会社)", "市町村 (会社)", "都道府県 (会社)", "郵便番号 (会社)",
    "国/地域 (会社)", "番地 (自宅)", "番地 2 (自宅)", "番地 3 (自宅)", "市町村 (自宅)",
    "都道府県 (自宅)", "郵便番号 (自宅)", "国/地域 (自宅)", "番地 (その他)", "番地 2 (その他)",
    "番地 3 (その他)", "市町村 (その他)", "都道府県 (その他)", "郵便番号 (その他)",
    "国/地域 (その他)", "アシスタントの電話", "会社 FAX", "会社電話", "会社電話 2",
    "コールバック", "自動車電話", "代表電話", "自宅 FAX", "自宅電話", "自宅電話 2", "ISDN",
    "携帯電話", "その他の FAX", "その他の電話", "ポケットベル", "通常の電話", "無線電話",
    "TTY/TDD 電話", "テレックス", "アカウント", "アシスタントの名前", "インターネット空き時間情報",
    "キーワード", "記念日", "経費情報", "ディレクトリ サーバー", "誕生日", "趣味", "優先度",
    "私用", "性別", "子供", "場所", "秘密度", "初期値", "組織 ID 番号", "紹介者", "電子メール アドレス",
    "電子メールの種類", "電子メール表示名", "電子メール 2 アドレス", "電子メール 2 の種類",
    "電子メール 2 表示名", "電子メール 3 アドレス", "電子メール 3 の種類", "電子メール 3 表示名",
    "配偶者", "分類", "ホーム ページ", "メモ", "事業所", "上司の名前", "勤務先 ID",
    "郵便番号 (私書箱)", "ユーザー 1", "ユーザー 2", "ユーザー 3", "ユーザー 4", "支払い情報",
    "Web ページ", "言語", "住所 (その他)", "住所 (会社)", "住所 (自宅)",
    "姓フリガナ", "名前フリガナ", "会社名フリガナ",
]  # fmt: skip
assert len(OUTLOOK_JA_HEADER) == 96, len(OUTLOOK_JA_HEADER)


def outlook_ja_row(**values: str) -> list[str]:
    row = ["" for _ in OUTLOOK_JA_HEADER]
    row[OUTLOOK_JA_HEADER.index("誕生日")] = "0/0/00"
    row[OUTLOOK_JA_HEADER.index("記念日")] = "0/0/00"
    row[OUTLOOK_JA_HEADER.index("性別")] = "指定なし"
    row[OUTLOOK_JA_HEADER.index("優先度")] = "標準"
    for key, value in values.items():
        row[OUTLOOK_JA_HEADER.index(key)] = value
    return row


def csv_line(cells: list[str]) -> str:
    return ",".join('"' + cell.replace('"', '""') + '"' for cell in cells)


outlook_ja = "\n".join(
    [
        csv_line(OUTLOOK_JA_HEADER),
        csv_line(outlook_ja_row(**{
            "名": "花子", "姓": "鈴木", "会社名": "株式会社髙島屋サンプル", "部署": "人事部",
            "姓フリガナ": "スズキ", "名前フリガナ": "ハナコ",
            "電子メール アドレス": "hanako.suzuki@takashimaya.example", "電子メールの種類": "SMTP",
            "電子メール表示名": "鈴木 花子 (hanako.suzuki@takashimaya.example)",
            "電子メール 2 アドレス": "hanako@home.example", "電子メール 2 の種類": "SMTP",
            "電子メール 3 アドレス": "suzuki.hanako@docomo.ne.jp", "電子メール 3 の種類": "SMTP",
        })),
        csv_line(outlook_ja_row(**{
            "名": "次郎", "姓": "髙橋", "部署": "指定なし",
            "電子メール アドレス": "/o=ExchangeLabs/ou=Exchange Administrative Group "
            "(FYDIBOHF23SPDLT)/cn=Recipients/cn=jiro.takahashi",
            "電子メールの種類": "EX", "電子メール表示名": "髙橋 次郎",
        })),
    ]
) + "\n"
write("outlook_ja_cp932.csv", outlook_ja, "cp932")

# Outlook on the web: Given Yomi / Surname Yomi.
outlook_web = (
    "First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi,"
    "E-mail Address,E-mail 2 Address,E-mail 3 Address,Home Phone,Company,Department,Job Title\n"
    "誠,,小野,,,,まこと,おの,makoto.ono@example.jp,ono@onoshoten.example,"
    "makoto.ono@outlook.jp,,小野商店,,\n"
    "誠,,大野,,,,まこと,おおの,makoto.ohno@example.jp,,,,大野工業,,\n"
)
write("outlook_web.csv", outlook_web, "utf-8-sig")

# Thunderbird CSV as its exportDirectoryToDelimitedText writes it: the columns of
# AddrBookUtils' exportAttributes whose string id is not 0, headed by the strings 2100-2136
# of importMsgs.properties in the user's language; no readings; CRLF; UTF-8 without BOM,
# or the system charset (Shift_JIS on Japanese Windows) when the user picks that filter.
# Only two addresses: PrimaryEmail and SecondEmail.
THUNDERBIRD_EN_HEADER = [
    "First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email",
    "Screen Name", "Work Phone", "Home Phone", "Fax Number", "Pager Number", "Mobile Number",
    "Home Address", "Home Address 2", "Home City", "Home State", "Home ZipCode", "Home Country",
    "Work Address", "Work Address 2", "Work City", "Work State", "Work ZipCode", "Work Country",
    "Job Title", "Department", "Organization", "Web Page 1", "Web Page 2", "Birth Year",
    "Birth Month", "Birth Day", "Custom 1", "Custom 2", "Custom 3", "Custom 4", "Notes",
]  # fmt: skip
THUNDERBIRD_JA_HEADER = [
    "名", "姓", "表示名", "ニックネーム", "メールアドレス", "別のメールアドレス", "スクリーンネーム",
    "勤務先の電話番号", "自宅の電話番号", "FAX 番号", "ポケットベル番号", "携帯電話番号",
    "番地 (自宅)", "番地 (自宅) 2", "市区町村 (自宅)", "都道府県 (自宅)", "郵便番号 (自宅)",
    "国 (自宅)", "番地 (勤務先)", "番地 (勤務先) 2", "市区町村 (勤務先)", "都道府県 (勤務先)",
    "郵便番号 (勤務先)", "国 (勤務先)", "役職", "部門", "組織", "ウェブページ 1", "ウェブページ 2",
    "誕生年", "誕生月", "誕生日", "追加情報 1", "追加情報 2", "追加情報 3", "追加情報 4", "メモ",
]  # fmt: skip
assert len(THUNDERBIRD_EN_HEADER) == len(THUNDERBIRD_JA_HEADER) == 37


def thunderbird_row(header: list[str], **values: str) -> str:
    """One row as Thunderbird writes it: quotes only around a value that needs them."""
    cells = [""] * len(header)
    for key, value in values.items():
        cells[header.index(key)] = value
    return ",".join(
        f'"{cell.replace(chr(34), chr(34) * 2)}"' if any(c in cell for c in ',"\r\n\t') else cell
        for cell in cells
    )


thunderbird_en = "\n".join([
    ",".join(THUNDERBIRD_EN_HEADER),
    thunderbird_row(THUNDERBIRD_EN_HEADER, **{
        "First Name": "Anna", "Last Name": "Schmidt", "Display Name": "Anna Schmidt",
        "Primary Email": "anna@schmidt.example", "Secondary Email": "anna.s@mail.example",
        "Department": "R&D", "Organization": "Schmidt GmbH", "Notes": "met in Berlin, 2024",
    }),
    "",
])  # fmt: skip
write("thunderbird_en.csv", thunderbird_en, "utf-8")
thunderbird_ja_rows = [
    ",".join(THUNDERBIRD_JA_HEADER),
    thunderbird_row(THUNDERBIRD_JA_HEADER, **{
        "名": "陽子", "姓": "木村", "表示名": "木村 陽子",
        "メールアドレス": "yoko.kimura@example.jp", "別のメールアドレス": "yoko@kimura-home.example",
        "部門": "広報課", "組織": "木村事務所", "役職": "所長",
    }),
    thunderbird_row(THUNDERBIRD_JA_HEADER, **{
        "名": "髙志", "姓": "髙木", "表示名": "髙木 髙志", "メールアドレス": "takashi@takagi.example",
        "組織": "髙木工務店",
    }),
    "",
]  # fmt: skip
write("thunderbird_ja.csv", "\n".join(thunderbird_ja_rows), "utf-8")
write("thunderbird_ja_cp932.csv", "\n".join(thunderbird_ja_rows), "cp932")

# Thunderbird LDIF: base64 for non-ASCII values.
def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


ldif = (
    f"dn:: {b64('cn=斎藤 修,mail=osamu@saito.example')}\n"
    "objectclass: top\nobjectclass: person\nobjectclass: organizationalPerson\n"
    "objectclass: inetOrgPerson\nobjectclass: mozillaAbPersonAlpha\n"
    f"givenName:: {b64('修')}\nsn:: {b64('斎藤')}\ncn:: {b64('斎藤 修')}\n"
    "mail: osamu@saito.example\nmozillaSecondEmail: o.saito@mail.example\n"
    f"o:: {b64('斎藤設計')}\nou:: {b64('設計部')}\nmodifytimestamp: 0\n\n"
    "dn: cn=Mailing list,mail=list@example.org\nobjectclass: top\nobjectclass: groupOfNames\n"
    "cn: Mailing list\n\n"
    "dn: cn=Plain Ascii,mail=plain@example.org\nobjectclass: person\ncn: Plain Ascii\n"
    "sn: Ascii\ngivenName: Plain\nmail: plain@example.org\n\n"
    "dn: uid=kato,ou=people,dc=example,dc=org\nobjectclass: inetOrgPerson\n"
    f"cn:: {b64('加藤 健')}\nsn:: {b64('加藤')}\ngivenName:: {b64('健')}\n"
    "mail: ken.kato@example.org\nmail: kato@lab.example.org\nmail: k.kato@example.net\n"
)
write("thunderbird.ldif", ldif, "utf-8", newline="\n")

# Broken files: not an address book; CSV without an e-mail column; undecodable bytes.
write("broken_not_addressbook.txt", "just some notes\nnothing here\n")
write("broken_no_email_column.csv", "Name,Phone\nTaro,03-0000-0000\n")
(HERE / "broken_binary.vcf").write_bytes(b"\x00\x01\x02BEGIN:VCARD\x00\xff\xfe")
(HERE / "broken_unclosed.vcf").write_bytes(
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good\r\nEMAIL:good@example.com\r\nEND:VCARD\r\n"
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut off\r\nEMAIL:cut@example.com\r\n"
)
codecs.lookup("cp932")
