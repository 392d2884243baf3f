"""What an address book gives: one person or mailing list (``Record``) or a note on a line it skipped (``Problem``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from atesaki.core.i18n import Text


@dataclass
class Record:
    """One person (or, with ``is_list``, one mailing list) read from an address book, before it is stored."""

    line: int
    display_name: str = ""
    family: str = ""
    given: str = ""
    family_reading: str = ""
    given_reading: str = ""
    organization: str = ""
    department: str = ""
    emails: list[str] = field(default_factory=list)
    uid: str = ""
    # A mailing list (LDAP group with a mail, vCard KIND:group, a CSV row marked as a
    # list): its address reaches ``members`` people, None when the book does not say.
    is_list: bool = False
    members: int | None = None


@dataclass(frozen=True)
class Problem:
    """A record skipped (``skipped=True``) or a note on a record, with where it is."""

    line: int
    reason: Text
    skipped: bool = True
    file: str = ""

    def describe(self, lang: str | None = None) -> str:
        """``file:line: reason`` in the chosen language."""
        where = f"{self.file}:{self.line}" if self.file else f"line {self.line}"
        return f"{where}: {self.reason.get(lang)}"
