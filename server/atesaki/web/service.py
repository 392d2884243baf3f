"""The running service's state: data folder, settings, token, per-thread connections, knowledge."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from flask import g, has_request_context

from atesaki import store
from atesaki.core.domains import is_internal
from atesaki.files import make_data_dir
from atesaki.knowledge import Knowledge, KnowledgeCache
from atesaki.settings import Settings, SettingsCache, pairing_token
from atesaki.web.guard import allowed_hosts, own_origins

_SETTINGS = "atesaki_settings"  # this request's settings, in flask.g


class Service:
    """One per app: everything a request needs besides the request."""

    def __init__(self, data_dir: Path, port: int, extra_hosts: tuple[str, ...] = ()) -> None:
        self.data_dir = make_data_dir(data_dir)
        self.port = port
        self.allowed_hosts = allowed_hosts(port, extra_hosts)
        self.own_origins = own_origins(port)
        self._settings = SettingsCache(self.data_dir)
        self.token = pairing_token(self.data_dir)
        self._local = threading.local()
        self._check_conn: sqlite3.Connection | None = None
        self._check_lock = threading.Lock()
        self._kb = KnowledgeCache(self.data_dir, self.is_internal,
                                  lambda: self.settings().internal_domains)
        store.migrate(self.conn())

    def settings(self) -> Settings:
        """Current settings (config.toml is re-read when it changes).

        A request reads them once, at its first ask: it sees one version throughout,
        and the guard, the view and the knowledge do not each look at the file again.
        """
        if not has_request_context():
            return self._settings.get()
        current = g.get(_SETTINGS)
        if current is None:
            current = self._settings.get()
            setattr(g, _SETTINGS, current)
        return current

    def is_internal(self, address: str) -> bool:
        """Inside ``internal_domains`` (subdomains included)."""
        return is_internal(address, self.settings().internal_domains)

    def conn(self) -> sqlite3.Connection:
        """This thread's connection to the store."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = store.connect(self.data_dir)
        return conn

    @contextlib.contextmanager
    def check_conn(self) -> Iterator[sqlite3.Connection]:
        """The connection checks read and write through, one thread at a time.

        Checks are the hot path. On one connection they keep SQLite's page cache, which
        a commit through any other connection empties; waitress hands requests to its
        threads in turn, so per-thread connections would start every check cold.
        """
        with self._check_lock:
            if self._check_conn is None:
                self._check_conn = store.connect(self.data_dir)
            yield self._check_conn

    def warm_up(self) -> None:
        """Build what the first check would otherwise wait for: the indexes, the lookalike
        detector, the name matcher and the common surnames' rankings (run in a background
        thread after start-up)."""
        from atesaki.core.checks import names
        from atesaki.core.checks.domains import detector_for
        from atesaki.core.content import name_matchers_for
        from atesaki.core.domains import warm_up

        warm_up()
        kb = self.knowledge()
        kb.ranked(set(), 1)  # the namesake rank table
        detector_for(kb, self.settings())
        name_matchers_for(kb)
        names.warm_up(kb, self.settings())

    def knowledge(self) -> Knowledge:
        """Directory, contacts and history, rebuilt after imports or internal_domains changes.

        Only the generation is read on the checks' connection: a first load, or a wait
        for a rebuild, must not hold the other checks' store writes.
        """
        with self.check_conn() as conn:
            generation = store.generation(conn)
        return self._kb.get(self.conn(), generation)
