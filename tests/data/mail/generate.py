"""Writes the sent-mail fixtures in this folder: an mbox, .eml files and a Maildir."""

from __future__ import annotations

from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

HERE = Path(__file__).parent


def message(msgid: str | None, date: str, to: list[tuple[str, str]], cc=(), bcc=(),
            subject: str = "件名") -> bytes:
    msg = EmailMessage()
    msg["From"] = formataddr(("田中 一郎", "tanaka@agency.go.jp"))
    # RFC 2047-encoded display names, as mail clients write them.
    msg["To"] = ", ".join(formataddr((str(Header(n, "utf-8").encode()) if n else "", a))
                          for n, a in to)
    if cc:
        msg["Cc"] = ", ".join(formataddr((n, a)) for n, a in cc)
    if bcc:
        msg["Bcc"] = ", ".join(a for _, a in bcc)
    msg["Subject"] = subject
    msg["Date"] = date
    if msgid:
        msg["Message-ID"] = msgid
    msg.set_content("本文です。\nFrom the body: not a new message.\n")
    return bytes(msg)


M1 = message("<m1@agency.go.jp>", "Mon, 01 Apr 2024 09:00:00 +0900",
             [("佐藤 健二", "K.Sato@Example.com")], cc=[("", "suzuki@agency.go.jp")])
M2 = message("<m2@agency.go.jp>", "Tue, 02 Apr 2024 10:00:00 +0900",
             [("佐藤 健二", "k.sato@example.com")], bcc=[("", "boss@agency.go.jp")])
M3 = message("<m3@agency.go.jp>", "Wed, 03 Apr 2024 11:00:00 +0900",
             [("Anna Schmidt", "anna@schmidt.example")])
M4 = message(None, "Thu, 04 Apr 2024 12:00:00 +0900", [("", "nomsgid@example.org")])
NO_RECIPIENTS = message("<draft@agency.go.jp>", "Fri, 05 Apr 2024 08:00:00 +0900", [])


def mbox_entry(data: bytes) -> bytes:
    # mboxrd: body lines starting with "From " get a ">".
    body = b"\n".join(b">" + line if line.startswith(b"From ") else line
                      for line in data.replace(b"\r\n", b"\n").split(b"\n"))
    return b"From tanaka@agency.go.jp Mon Apr  1 00:00:00 2024\n" + body + b"\n"


# Sent.mbox: M1, M2, M1 again (a copy: counted once), a message with no recipients.
(HERE / "Sent.mbox").write_bytes(
    mbox_entry(M1) + mbox_entry(M2) + mbox_entry(M1) + mbox_entry(NO_RECIPIENTS)
)
(HERE / "eml").mkdir(exist_ok=True)
(HERE / "eml" / "m3.eml").write_bytes(M3)
(HERE / "eml" / "m4.eml").write_bytes(M4)
for sub in ("cur", "new", "tmp"):
    (HERE / "Maildir" / sub).mkdir(parents=True, exist_ok=True)
(HERE / "Maildir" / "cur" / "1712000000.M1P1.host:2,S").write_bytes(M1)
(HERE / "Maildir" / "new" / "1712000001.M2P1.host").write_bytes(M3)
(HERE / "Maildir" / "tmp" / ".keep").write_bytes(b"")
