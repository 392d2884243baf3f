"""Recipient addresses: parsing, normalising, the canonical list and its digest."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses

import idna

FIELDS = ("to", "cc", "bcc")

# RFC 5322 atext plus the dot; we accept what real mail systems accept, not the full grammar.
_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class ParsedAddress:
    """An e-mail address split and normalised; ``valid`` is False for garbage."""

    raw: str
    local: str
    domain: str  # ASCII (IDNA) and lower-case; "" when invalid
    valid: bool
    error: str = ""

    @functools.cached_property  # parsed addresses are remembered, and asked for it again and again
    def address(self) -> str:
        """The normalised address (local part as typed, domain lower-case ASCII)."""
        return f"{self.local}@{self.domain}" if self.valid else self.raw.strip()

    @property
    def domain_unicode(self) -> str:
        """The domain as a person reads it (IDNA decoded)."""
        try:
            return idna.decode(self.domain) if self.domain else ""
        except idna.IDNAError:
            return self.domain


_PLAIN_DOMAIN_RE = re.compile(r"^[A-Za-z0-9.-]+$")


def _ascii_domain(domain: str) -> str | None:
    domain = domain.strip().rstrip(".")
    if not domain or len(domain) > 253:
        return None
    if _PLAIN_DOMAIN_RE.match(domain) and "xn--" not in domain.lower():
        # Nearly every domain: no IDNA work needed (it costs ~0.3 ms an address).
        ascii_domain = domain.lower()
        labels = ascii_domain.split(".")
        if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
            return None
        return None if labels[-1].isdigit() else ascii_domain
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        return None
    if labels[-1].isdigit():
        return None
    return ascii_domain


# An address is longer than this only as garbage: such text is parsed, not remembered.
_REMEMBERED_LENGTH = 320


def parse_address(text: str) -> ParsedAddress:
    """Parse one bare address (``user@example.jp``); never raises."""
    raw = text if isinstance(text, str) else ""
    if len(raw) > _REMEMBERED_LENGTH:
        return _parse(raw)
    return _parse_remembered(raw)


def _parse(raw: str) -> ParsedAddress:
    candidate = raw.strip()
    if candidate.startswith("<") and candidate.endswith(">"):
        candidate = candidate[1:-1].strip()
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[7:]
    if candidate.count("@") != 1:
        return ParsedAddress(raw, "", "", False, "no_single_at")
    local, _, domain = candidate.rpartition("@")
    if not _LOCAL_RE.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        return ParsedAddress(raw, "", "", False, "bad_local_part")
    ascii_domain = _ascii_domain(domain)
    if ascii_domain is None:
        return ParsedAddress(raw, "", "", False, "bad_domain")
    return ParsedAddress(raw, local, ascii_domain, True)


# A check parses each recipient twice (the request, then its digest) and the same
# people come back draft after draft: answers are remembered (they never change).
_parse_remembered = functools.lru_cache(maxsize=8192)(_parse)


def split_header(text: str) -> list[tuple[str, str]]:
    """Split a header value like ``"Sato, Kenji" <k@x.jp>, b@y.jp`` into (name, address) pairs."""
    pairs = []
    for name, addr in getaddresses([text]):
        if addr or name:
            pairs.append((name.strip(), addr.strip()))
    return pairs


def display(name: str, address: str) -> str:
    """``Name <address>`` for people to read, quoting the name when it needs it."""
    if not name:
        return address
    try:
        return str(Address(display_name=name, addr_spec=address))
    except (ValueError, IndexError):
        return f"{name} <{address}>"


def canonical_list(recipients: list[tuple[str, str]]) -> str:
    """The canonical recipient list: ``field:address`` lines, domain lower-cased (IDNA), sorted."""
    lines = []
    for field, address in recipients:
        parsed = parse_address(address)
        lines.append(f"{field.lower()}:{parsed.address}")
    return "\n".join(sorted(lines))


def digest(recipients: list[tuple[str, str]]) -> str:
    """SHA-256 hex of the canonical recipient list: what an approval is bound to."""
    return hashlib.sha256(canonical_list(recipients).encode("utf-8")).hexdigest()
