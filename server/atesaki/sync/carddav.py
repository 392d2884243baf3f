"""CardDAV sync: RFC 6578 sync-collection with the saved token, addressbook-multiget in batches.

A stale token (403 ``valid-sync-token``) or a first run lists everything with
ETags and fetches only the cards whose ETag changed. Deleted cards (404
entries, or missing from a full listing) are removed. A person's identity is
the card's href within the address book.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit
from xml.sax.saxutils import escape

import requests

from atesaki.core.i18n import Text
from atesaki.importers import Problem, Record
from atesaki.importers import vcard as vcard_parser
from atesaki.sync import (
    SyncError,
    SyncResult,
    apply_sync,
    load_state,
    record_failure,
    redact_url,
)

DAV = "{DAV:}"
CARDDAV = "{urn:ietf:params:xml:ns:carddav}"
BATCH = 250
# (connect, read): a server's first listing of a big book can take minutes (Radicale
# builds its item cache then), so reads get a generous limit.
TIMEOUT = (10, 600)

UNREACHABLE = Text("{url} に接続できません: {error}", "cannot reach {url}: {error}")
HTTP_ERROR = Text("{url} が {status} を返しました: {detail}", "{url} answered {status}: {detail}")
BAD_XML = Text("{url} の応答が XML として読めません", "{url} sent a reply that is not valid XML")
NOT_AUTHORISED = Text(
    "{url} にログインできません(ユーザー名かパスワードが違います)",
    "{url} refused the login (wrong user or password)",
)


class StaleToken(Exception):
    """The server no longer knows our sync token."""


class NoSyncCollection(Exception):
    """The server does not do RFC 6578 sync-collection: fall back to PROPFIND listings."""


@dataclass
class Listing:
    """What a sync-collection REPORT said: changed {href: etag}, deleted hrefs, new token."""

    changed: dict[str, str]
    deleted: set[str]
    token: str


def origin_of(url: str) -> str:
    """The address book's identity in the store: its URL without credentials, query or fragment."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return "carddav:" + urlunsplit((parts.scheme, netloc, path, "", ""))


def _parse(url: str, content: bytes) -> ET.Element:
    try:
        # ElementTree resolves no external entities and Python's expat refuses
        # entity-expansion bombs, so a hostile server cannot read files or blow memory.
        return ET.fromstring(content)  # noqa: S314
    except ET.ParseError as exc:
        raise SyncError(BAD_XML.format(url=redact_url(url))) from exc


class CardDavClient:
    """The few CardDAV requests a sync needs, over one HTTP session."""

    def __init__(self, url: str, user: str, password: str,
                 session: requests.Session | None = None) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.shown = redact_url(self.url)  # what messages may show
        self.path = urlsplit(self.url).path
        self.session = session or requests.Session()
        self.session.auth = (user, password)

    def _request(self, method: str, body: str, depth: str) -> requests.Response:
        try:
            response = self.session.request(
                method, self.url, data=body.encode("utf-8"), timeout=TIMEOUT,
                headers={"Depth": depth, "Content-Type": "application/xml; charset=utf-8"},
            )
        except requests.RequestException as exc:
            raise SyncError(UNREACHABLE.format(url=self.shown, error=exc)) from exc
        if response.status_code == 401:
            raise SyncError(NOT_AUTHORISED.format(url=self.shown))
        return response

    def _fail(self, response: requests.Response):
        detail = response.text[:200].strip().replace("\n", " ")
        raise SyncError(HTTP_ERROR.format(url=self.shown, status=response.status_code,
                                          detail=detail))

    def key(self, href: str) -> str:
        """A card's href as one canonical string (servers differ in what they percent-encode)."""
        return unquote(urlsplit(urljoin(self.url, href)).path)

    def _is_member(self, key: str) -> bool:
        return key.rstrip("/") != unquote(self.path).rstrip("/") and not key.endswith("/")

    def sync_collection(self, token: str) -> Listing:
        """RFC 6578: changes since ``token`` ("" lists every card). Raises ``StaleToken``."""
        token_xml = f"<D:sync-token>{escape(token)}</D:sync-token>" if token else "<D:sync-token/>"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<D:sync-collection xmlns:D="DAV:">{token_xml}<D:sync-level>1</D:sync-level>'
            "<D:prop><D:getetag/></D:prop></D:sync-collection>"
        )
        response = self._request("REPORT", body, "0")
        if token and response.status_code in (403, 409) and "valid-sync-token" in response.text:
            raise StaleToken
        if not token and response.status_code in (400, 403, 405, 415, 501):
            raise NoSyncCollection
        if response.status_code != 207:
            self._fail(response)
        return self._listing(response)

    def list_etags(self) -> Listing:
        """Every card and its ETag by PROPFIND, for servers without sync-collection."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>'
        )
        response = self._request("PROPFIND", body, "1")
        if response.status_code != 207:
            self._fail(response)
        return self._listing(response)

    def _listing(self, response: requests.Response) -> Listing:
        root = _parse(self.url, response.content)
        listing = Listing({}, set(), (root.findtext(f"{DAV}sync-token") or "").strip())
        for item in root.iter(f"{DAV}response"):
            href = self.key((item.findtext(f"{DAV}href") or "").strip())
            if not self._is_member(href):
                continue
            status = item.findtext(f"{DAV}status") or ""
            if " 404" in status:
                listing.deleted.add(href)
                continue
            etag = ""
            for propstat in item.iter(f"{DAV}propstat"):
                if " 200" in (propstat.findtext(f"{DAV}status") or ""):
                    etag = (propstat.findtext(f"{DAV}prop/{DAV}getetag") or "").strip()
            listing.changed[href] = etag
        return listing

    def multiget(self, hrefs: list[str]) -> tuple[dict[str, tuple[str, str]], set[str]]:
        """({href: (etag, vCard text)}, hrefs that are gone), fetched ``BATCH`` at a time."""
        found: dict[str, tuple[str, str]] = {}
        gone: set[str] = set()
        for start in range(0, len(hrefs), BATCH):
            batch = hrefs[start : start + BATCH]
            body = (
                '<?xml version="1.0" encoding="utf-8"?>'
                '<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
                "<D:prop><D:getetag/><C:address-data/></D:prop>"
                + "".join(f"<D:href>{escape(quote(h))}</D:href>" for h in batch)
                + "</C:addressbook-multiget>"
            )
            response = self._request("REPORT", body, "1")
            if response.status_code != 207:
                self._fail(response)
            root = _parse(self.url, response.content)
            for item in root.iter(f"{DAV}response"):
                href = self.key((item.findtext(f"{DAV}href") or "").strip())
                data = item.find(f".//{CARDDAV}address-data")
                if data is None or data.text is None:
                    gone.add(href)
                    continue
                etag = (item.findtext(f".//{DAV}getetag") or "").strip()
                found[href] = (etag, data.text)
        gone |= set(hrefs) - set(found)
        return found, gone


@dataclass
class BookRead:
    """One read of an address book: its people, who went, ETags and the token to resume from."""

    records: list[Record | Problem]
    deleted: set[str]
    etags: dict[str, str]
    token: str
    full: bool
    fetched: int


def read_book(client: CardDavClient, token: str = "", known: dict[str, str] | None = None
              ) -> BookRead:
    """Everything that changed since ``token`` (with ``known`` {href: etag}); no token: every card.

    Nothing is written anywhere: a caller applies the result in one transaction, so a
    failure half-way (``SyncError``) leaves its data as it was.
    """
    known = known or {}
    full = False
    try:
        if not token:
            raise StaleToken
        listing = client.sync_collection(token)
    except StaleToken:
        full = True
        try:
            listing = client.sync_collection("")
        except NoSyncCollection:
            listing = client.list_etags()  # no token: every run is a listing
        listing.deleted = set(known) - set(listing.changed)
        # Only cards whose ETag moved are fetched again.
        listing.changed = {
            href: etag for href, etag in listing.changed.items()
            if not etag or known.get(href) != etag
        }
    fetched, gone = client.multiget(sorted(listing.changed))
    records: list[Record | Problem] = []
    unusable: set[str] = set()
    for href, (_etag, text) in fetched.items():
        usable = False
        for item in vcard_parser.parse_text(text):
            if isinstance(item, Record):
                item.uid, usable = href, True
            else:
                item = Problem(item.line, item.reason, item.skipped, href)
            records.append(item)
        if not usable:
            unusable.add(href)  # e.g. its last address was removed: the person goes
    return BookRead(records, listing.deleted | gone | unusable,
                    {href: etag for href, (etag, _) in fetched.items()}, listing.token, full,
                    len(fetched))


def sync_carddav(
    conn: sqlite3.Connection,
    url: str,
    user: str,
    password: str,
    into: str = "contacts",
    session: requests.Session | None = None,
) -> SyncResult:
    """Bring one CardDAV address book into ``into`` (directory or contacts); all or nothing."""
    origin = origin_of(url)
    result = SyncResult(file=redact_url(url))
    try:
        token, known = load_state(conn, into, origin)
        read = read_book(CardDavClient(url, user, password, session), token, known)
        result.full, result.fetched = read.full, read.fetched
        return apply_sync(conn, into, origin, read.records, read.deleted, result, read.token,
                          read.etags)
    except SyncError as exc:
        record_failure(conn, into, origin, exc.reason.en)
        raise
