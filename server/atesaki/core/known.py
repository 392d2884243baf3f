"""What is known about one person or address: the records the checks read from the Knowledge."""

from __future__ import annotations

from dataclasses import dataclass

from atesaki.core.names import NameProfile

HISTORY_REF = "h:"  # how the refs of people known only from the send history begin


@dataclass(frozen=True, slots=True)
class Person:
    """Someone the user deals with: a staff member, a contact, or an address from history."""

    ref: str  # "p:<id>" for directory and contacts, HISTORY_REF + address for history only
    name: str
    addresses: tuple[str, ...]  # lower-case
    internal: bool
    source: str  # "directory" | "contacts" | "history"
    organization: str
    profile: NameProfile

    def __reduce__(self):
        # Unpickled by calling the class. The dataclass's own __setstate__ looks up the
        # fields again for every object: 0.5 s of a snapshot start at 110,000 people.
        return Person, (self.ref, self.name, self.addresses, self.internal, self.source,
                        self.organization, self.profile)

    def related(self, address: str | None = None) -> dict[str, object]:
        """The person as a finding's ``related`` entry."""
        return {
            "name": self.name,
            "address": address or (self.addresses[0] if self.addresses else ""),
            "internal": self.internal,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """What the user has really sent to one address."""

    address: str
    name: str
    count: int
    first_sent: str | None
    last_sent: str | None

    def __reduce__(self):
        # See Person.__reduce__.
        return HistoryEntry, (self.address, self.name, self.count, self.first_sent,
                              self.last_sent)


@dataclass(frozen=True, slots=True)
class MailingList:
    """An address the directory or contacts know as a mailing list."""

    address: str  # lower-case
    name: str
    members: int | None  # how many people it reaches; None when the address book does not say
    source: str  # "directory" | "contacts"

    def __reduce__(self):
        # See Person.__reduce__.
        return MailingList, (self.address, self.name, self.members, self.source)

    def to_dict(self) -> dict[str, object]:
        """The list as the check response's ``mailing_list`` field."""
        return {"name": self.name, "members": self.members, "source": self.source}
