"""Every table's schema, as numbered migrations in the order they are applied.

Each is applied once and recorded by name in the ``migrations`` table, and every
statement is written to be safe to run again (``IF NOT EXISTS``). The names are
stored in users' databases: never rename one, only add new ones at the end.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    # people, contacts, history, checks and the audit log itself
    (
        "core/0001",
        """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS person (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL CHECK (source IN ('directory', 'contacts')),
            origin TEXT NOT NULL,
            uid TEXT NOT NULL,
            display_name TEXT NOT NULL DEFAULT '',
            family TEXT NOT NULL DEFAULT '',
            given TEXT NOT NULL DEFAULT '',
            family_reading TEXT NOT NULL DEFAULT '',
            given_reading TEXT NOT NULL DEFAULT '',
            organization TEXT NOT NULL DEFAULT '',
            department TEXT NOT NULL DEFAULT '',
            profile TEXT NOT NULL DEFAULT '',
            updated TEXT NOT NULL,
            UNIQUE (source, origin, uid)
        );
        CREATE TABLE IF NOT EXISTS person_email (
            person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
            address TEXT NOT NULL,
            PRIMARY KEY (person_id, address)
        );
        CREATE INDEX IF NOT EXISTS person_email_address ON person_email(address);
        CREATE TABLE IF NOT EXISTS history (
            address TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            profile TEXT NOT NULL DEFAULT '',
            count INTEGER NOT NULL DEFAULT 0,
            first_sent TEXT,
            last_sent TEXT
        );
        CREATE TABLE IF NOT EXISTS history_message (message_id TEXT PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS checks (
            id TEXT PRIMARY KEY,
            created TEXT NOT NULL,
            sender TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            digest TEXT NOT NULL,
            verdict TEXT NOT NULL,
            codes TEXT NOT NULL,
            recipients TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE TABLE IF NOT EXISTS audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            ts TEXT NOT NULL,
            event TEXT NOT NULL,
            data TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            mac TEXT NOT NULL DEFAULT ''
        );
        """,
    ),
    # second checkers: enrolment, failures, release tokens (atesaki.approvals)
    (
        "approvals/0001",
        """
        CREATE TABLE IF NOT EXISTS checkers (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL UNIQUE,
            email TEXT NOT NULL DEFAULT '',
            secret TEXT NOT NULL,
            created TEXT NOT NULL,
            last_step INTEGER NOT NULL DEFAULT -1,
            locked_until INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS approval_failures (
            checker_id TEXT NOT NULL REFERENCES checkers(id) ON DELETE CASCADE,
            at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS approval_failures_checker
            ON approval_failures(checker_id, at);
        CREATE TABLE IF NOT EXISTS releases (
            token_hash TEXT PRIMARY KEY,
            check_id TEXT NOT NULL,
            digest TEXT NOT NULL,
            checker_id TEXT NOT NULL REFERENCES checkers(id) ON DELETE CASCADE,
            created INTEGER NOT NULL,
            expires INTEGER NOT NULL,
            used_at INTEGER
        );
        CREATE TABLE IF NOT EXISTS enrol_links (
            token_hash TEXT PRIMARY KEY,
            checker_id TEXT NOT NULL REFERENCES checkers(id) ON DELETE CASCADE,
            expires INTEGER NOT NULL,
            used_at INTEGER
        );
        """,
    ),
    # the audit log is append-only, and its signed head (atesaki.store.audit)
    (
        "audit/0001",
        """
        CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TABLE IF NOT EXISTS audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            mac TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS audit_event ON audit(event, ts);
        """,
    ),
    # The review page's sign-in (atesaki.ui): only hashes of links and sessions are stored.
    (
        "ui/0001",
        """
        CREATE TABLE IF NOT EXISTS ui_login (
            token_hash TEXT PRIMARY KEY,
            created TEXT NOT NULL,
            expires TEXT NOT NULL,
            used TEXT
        );
        CREATE TABLE IF NOT EXISTS ui_session (
            id_hash TEXT PRIMARY KEY,
            created TEXT NOT NULL,
            expires TEXT NOT NULL,
            csrf TEXT NOT NULL
        );
        """,
    ),
    # CardDAV and LDAP sync state (atesaki.sync)
    (
        "sync/0001",
        """
        CREATE TABLE IF NOT EXISTS sync_source (
            source TEXT NOT NULL,
            origin TEXT NOT NULL,
            token TEXT NOT NULL DEFAULT '',
            last_run TEXT,
            last_ok TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (source, origin)
        );
        CREATE TABLE IF NOT EXISTS sync_item (
            source TEXT NOT NULL,
            origin TEXT NOT NULL,
            href TEXT NOT NULL,
            etag TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (source, origin, href)
        );
        """,
    ),
    (
        # Which of the user's From identities wrote to which domain (store/senders.py).
        "senders/0001",
        """
        CREATE TABLE IF NOT EXISTS sender_history (
            sender TEXT NOT NULL,
            domain TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            last_sent TEXT,
            PRIMARY KEY (sender, domain)
        );
        """,
    ),
    (
        # Approvals from the checker's own desk (issue 17): a release may come from a checker
        # known only to the central service, so `releases` names its checker itself and
        # `checker_id` is empty for those. SQLite cannot drop a NOT NULL: the table is
        # rebuilt, in one transaction that `migrate` enters only while the migration is
        # unapplied. A token whose checker row is gone (possible only with foreign keys
        # off) is not copied: it would break the new table's foreign key and stop the start.
        # `check_detail` keeps, for checks that need approval only, each recipient's name
        # and finding codes: what the checker is shown (never the body).
        "approvals/0002",
        """
        CREATE TABLE IF NOT EXISTS releases_v2 (
            token_hash TEXT PRIMARY KEY,
            check_id TEXT NOT NULL,
            digest TEXT NOT NULL,
            checker_id TEXT REFERENCES checkers(id) ON DELETE CASCADE,
            checker_name TEXT NOT NULL DEFAULT '',
            remote_request TEXT NOT NULL DEFAULT '',
            created INTEGER NOT NULL,
            expires INTEGER NOT NULL,
            used_at INTEGER,
            CHECK (checker_id IS NOT NULL OR remote_request <> '')
        );
        INSERT OR IGNORE INTO releases_v2 (token_hash, check_id, digest, checker_id,
                                           checker_name, created, expires, used_at)
            SELECT r.token_hash, r.check_id, r.digest, r.checker_id, coalesce(c.name, ''),
                   r.created, r.expires, r.used_at
            FROM releases r JOIN checkers c ON c.id = r.checker_id;
        DROP TABLE IF EXISTS releases;
        ALTER TABLE releases_v2 RENAME TO releases;
        CREATE TABLE IF NOT EXISTS check_detail (
            check_id TEXT PRIMARY KEY REFERENCES checks(id) ON DELETE CASCADE,
            recipients TEXT NOT NULL,
            findings TEXT NOT NULL
        );
        """,
    ),
    (
        # Which directory or contact entries are mailing lists, and how many people each
        # reaches (NULL: the address book does not say). A list is a person row too, so
        # imports, syncs and deletions treat it exactly like one (store/people.py).
        "lists/0001",
        """
        CREATE TABLE IF NOT EXISTS person_list (
            person_id INTEGER PRIMARY KEY REFERENCES person(id) ON DELETE CASCADE,
            members INTEGER CHECK (members IS NULL OR members >= 0)
        );
        """,
    ),
]
