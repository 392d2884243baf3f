"""The central database: a psycopg 3 pool on PostgreSQL and numbered, rerunnable SQL migrations.

Each migration is a name and SQL written to be safe to apply twice (``IF NOT EXISTS``,
``CREATE OR REPLACE``); applied names are recorded in ``central_migrations``. Several
instances may start at once on one database: an advisory lock lets one migrate while
the others wait, and then find nothing left to do.
"""

from __future__ import annotations

import selectors
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool

# Any constant shared by every instance: pg_advisory_xact_lock serialises migrations on it.
MIGRATION_LOCK = 0x61746573

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_pcs",
        """
        CREATE TABLE IF NOT EXISTS pcs (
            id          text PRIMARY KEY,
            name        text NOT NULL,
            email       text NOT NULL DEFAULT '',
            secret_hash text NOT NULL,
            enrolled_at timestamptz NOT NULL DEFAULT now(),
            revoked_at  timestamptz,
            last_seen   timestamptz
        );
        CREATE TABLE IF NOT EXISTS enrolments (
            code_hash  text PRIMARY KEY,
            name       text NOT NULL,
            email      text NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            used_at    timestamptz,
            pc_id      text REFERENCES pcs(id)
        );
        """,
    ),
    (
        "0002_audit",
        """
        CREATE TABLE IF NOT EXISTS audit_entries (
            pc_id       text NOT NULL REFERENCES pcs(id),
            seq         bigint NOT NULL,
            ts          text NOT NULL,
            event       text NOT NULL,
            data        text NOT NULL,
            prev_hash   text NOT NULL,
            hash        text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (pc_id, seq)
        );
        CREATE INDEX IF NOT EXISTS audit_entries_event ON audit_entries (event, received_at);
        -- Each PC's last accepted entry: a chain cut at its tail shows against this.
        CREATE TABLE IF NOT EXISTS audit_heads (
            pc_id text PRIMARY KEY REFERENCES pcs(id),
            seq   bigint NOT NULL,
            hash  text NOT NULL
        );
        -- Batch ids seen per PC: the same request sent again is a replay.
        CREATE TABLE IF NOT EXISTS audit_batches (
            pc_id       text NOT NULL REFERENCES pcs(id),
            batch_id    text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (pc_id, batch_id)
        );
        CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
        CREATE OR REPLACE TRIGGER audit_entries_no_change
            BEFORE UPDATE OR DELETE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
        """,
    ),
    (
        "0003_approvals",
        """
        CREATE TABLE IF NOT EXISTS approval_requests (
            id           text PRIMARY KEY,
            n            bigserial UNIQUE,
            requester_pc text NOT NULL REFERENCES pcs(id),
            checker_pc   text NOT NULL REFERENCES pcs(id),
            check_id     text NOT NULL,
            digest       text NOT NULL,
            sender       text NOT NULL DEFAULT '',
            subject      text NOT NULL DEFAULT '',
            recipients   jsonb NOT NULL,
            findings     jsonb NOT NULL DEFAULT '[]',
            status       text NOT NULL DEFAULT 'waiting',
            note         text NOT NULL DEFAULT '',
            created_at   timestamptz NOT NULL DEFAULT now(),
            decided_at   timestamptz,
            used_at      timestamptz
        );
        CREATE INDEX IF NOT EXISTS approval_requests_inbox
            ON approval_requests (checker_pc, status, n);
        -- The central service's own chain: approvals and enrolments, hashed like a PC's log.
        CREATE TABLE IF NOT EXISTS central_log (
            seq       bigint PRIMARY KEY,
            ts        text NOT NULL,
            event     text NOT NULL,
            data      text NOT NULL,
            prev_hash text NOT NULL,
            hash      text NOT NULL
        );
        CREATE OR REPLACE TRIGGER central_log_no_change
            BEFORE UPDATE OR DELETE ON central_log
            FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
        """,
    ),
    (
        "0004_incidents",
        """
        -- "I sent to the wrong person" entries still to be e-mailed to the responsible people.
        CREATE TABLE IF NOT EXISTS incident_notices (
            pc_id      text NOT NULL,
            seq        bigint NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            mailed_at  timestamptz,
            attempts   integer NOT NULL DEFAULT 0,
            last_error text NOT NULL DEFAULT '',
            PRIMARY KEY (pc_id, seq),
            FOREIGN KEY (pc_id, seq) REFERENCES audit_entries (pc_id, seq)
        );
        CREATE INDEX IF NOT EXISTS incident_notices_pending
            ON incident_notices (created_at) WHERE mailed_at IS NULL;
        """,
    ),
    (
        "0005_review",
        """
        -- The review page's one-time sign-in links and sessions (hashes only), shared by
        -- every instance.
        CREATE TABLE IF NOT EXISTS review_logins (
            token_hash text PRIMARY KEY,
            expires_at timestamptz NOT NULL,
            used_at    timestamptz
        );
        CREATE TABLE IF NOT EXISTS review_sessions (
            id_hash    text PRIMARY KEY,
            expires_at timestamptz NOT NULL
        );
        CREATE INDEX IF NOT EXISTS audit_entries_received ON audit_entries (received_at);
        """,
    ),
    (
        "0006_directory",
        """
        -- The office's staff directory; every change takes the next version, so a PC
        -- asks only for what changed since the version it holds.
        CREATE SEQUENCE IF NOT EXISTS directory_version;
        CREATE TABLE IF NOT EXISTS directory_people (
            uid     text PRIMARY KEY,
            record  jsonb NOT NULL,
            version bigint NOT NULL,
            deleted boolean NOT NULL DEFAULT false
        );
        CREATE INDEX IF NOT EXISTS directory_people_version ON directory_people (version);
        """,
    ),
    (
        "0007_policy",
        """
        -- Settings set centrally: scope '' for the whole office, else a section's name.
        CREATE SEQUENCE IF NOT EXISTS policy_version;
        CREATE TABLE IF NOT EXISTS policies (
            scope   text PRIMARY KEY,
            text    text NOT NULL,
            version bigint NOT NULL
        );
        ALTER TABLE pcs ADD COLUMN IF NOT EXISTS section text NOT NULL DEFAULT '';
        ALTER TABLE enrolments ADD COLUMN IF NOT EXISTS section text NOT NULL DEFAULT '';
        """,
    ),
    (
        "0008_audit_ingest",
        """
        -- A batch of one PC's entries in one statement, so one round trip (and, in
        -- autocommit, one transaction) per batch, the PC's credential checked in it as
        -- service.authenticate checks it. The caller has already recomputed every
        -- entry's hash; this links them to the chain held here. A refusal raises
        -- (message 'atesaki:CODE', detail the entry, hint the expected entry), which
        -- undoes the whole batch, its id included.
        -- The entries come as one JSON array (one C-encoded parameter, not six arrays
        -- dumped value by value) of {"seq", "ts", "event", "data", "prev_hash", "hash"}.
        CREATE OR REPLACE FUNCTION audit_ingest(
            p_pc text, p_secret_hash text, p_batch text, p_entries jsonb, p_genesis text)
        RETURNS TABLE (accepted integer, duplicates integer, head_seq bigint, head_hash text)
        LANGUAGE plpgsql AS $$
        DECLARE
            p_seq     bigint[];
            p_ts      text[];
            p_event   text[];
            p_data    text[];
            p_prev    text[];
            p_hash    text[];
            start_seq bigint;
            last_seq  bigint;
            last_hash text;
            bad       bigint;
            held      integer := 0;
            matches   boolean;
            revoked   boolean;
        BEGIN
            SELECT p.secret_hash = p_secret_hash, p.revoked_at IS NOT NULL
                INTO matches, revoked FROM pcs p WHERE p.id = p_pc;
            IF matches IS NOT TRUE THEN
                RAISE EXCEPTION 'atesaki:bad_credential';
            END IF;
            IF revoked THEN
                RAISE EXCEPTION 'atesaki:revoked';
            END IF;
            SELECT array_agg(e.seq ORDER BY e.seq), array_agg(e.ts ORDER BY e.seq),
                   array_agg(e.event ORDER BY e.seq), array_agg(e.data ORDER BY e.seq),
                   array_agg(e.prev_hash ORDER BY e.seq), array_agg(e.hash ORDER BY e.seq)
                INTO p_seq, p_ts, p_event, p_data, p_prev, p_hash
                FROM jsonb_to_recordset(p_entries) AS e(seq bigint, ts text, event text,
                                                       data text, prev_hash text, hash text);
            -- A batch id seen before is a replay.
            INSERT INTO audit_batches (pc_id, batch_id) VALUES (p_pc, p_batch)
                ON CONFLICT DO NOTHING;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'atesaki:replayed';
            END IF;
            INSERT INTO audit_heads (pc_id, seq, hash) VALUES (p_pc, 0, p_genesis)
                ON CONFLICT DO NOTHING;
            -- One writer per PC at a time: the head row is the chain's lock.
            SELECT h.seq, h.hash INTO last_seq, last_hash FROM audit_heads h
                WHERE h.pc_id = p_pc FOR UPDATE;
            start_seq := last_seq;
            -- Entries already held must be held with the same hash (a retried batch).
            SELECT s.seq INTO bad FROM unnest(p_seq, p_hash) AS s(seq, hash)
                LEFT JOIN audit_entries e ON e.pc_id = p_pc AND e.seq = s.seq
                WHERE s.seq <= start_seq AND e.hash IS DISTINCT FROM s.hash
                ORDER BY s.seq LIMIT 1;
            IF bad IS NOT NULL THEN
                RAISE EXCEPTION 'atesaki:chain_conflict' USING DETAIL = bad::text;
            END IF;
            -- The rest (in order) must follow the head one by one.
            FOR i IN 1 .. coalesce(array_length(p_seq, 1), 0) LOOP
                IF p_seq[i] <= start_seq THEN
                    held := held + 1;
                    CONTINUE;
                END IF;
                IF p_seq[i] <> last_seq + 1 OR p_prev[i] <> last_hash THEN
                    RAISE EXCEPTION 'atesaki:chain_broken'
                        USING DETAIL = p_seq[i]::text, HINT = (last_seq + 1)::text;
                END IF;
                last_seq := p_seq[i];
                last_hash := p_hash[i];
            END LOOP;
            IF last_seq > start_seq THEN
                INSERT INTO audit_entries (pc_id, seq, ts, event, data, prev_hash, hash)
                    SELECT p_pc, s.seq, s.ts, s.event, s.data, s.prev, s.hash
                    FROM unnest(p_seq, p_ts, p_event, p_data, p_prev, p_hash)
                        AS s(seq, ts, event, data, prev, hash)
                    WHERE s.seq > start_seq;
                UPDATE audit_heads SET seq = last_seq, hash = last_hash WHERE pc_id = p_pc;
                -- The responsible people hear of incidents at once (central.incidents).
                INSERT INTO incident_notices (pc_id, seq)
                    SELECT p_pc, s.seq FROM unnest(p_seq, p_event) AS s(seq, event)
                    WHERE s.seq > start_seq AND s.event = 'incident';
                IF FOUND THEN
                    -- notify.announce(conn, "incidents") on notify.CHANNEL, from SQL.
                    PERFORM pg_notify('atesaki_central', 'incidents');
                END IF;
            END IF;
            UPDATE pcs SET last_seen = now() WHERE id = p_pc;
            RETURN QUERY SELECT (last_seq - start_seq)::integer, held, last_seq, last_hash;
        END $$;
        """,
    ),
]


def migrate(conn: psycopg.Connection) -> list[str]:
    """Apply the migrations not yet recorded; returns the names applied now."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS central_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        with conn.cursor(row_factory=tuple_row) as cur:  # whatever rows the connection makes
            done = {row[0] for row in cur.execute("SELECT name FROM central_migrations")}
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            conn.execute(sql)
            conn.execute("INSERT INTO central_migrations (name) VALUES (%s)", (name,))
            applied.append(name)
    return applied


def check_idle(conn: psycopg.Connection) -> None:
    """Before a pooled connection is handed out: ask the server only if it said something.

    An idle connection has nothing to read. When the server shuts down or ends the
    session it says so (an error, then end of file) and the socket turns readable:
    then the full check (a round trip) finds it dead and the pool opens another.
    Otherwise no round trip is spent: on the busiest route (audit ingest) the
    usual check was a fifth of a batch's time. A server that vanished without a word
    (a cut cable) costs the one request that finds it (503, retried by the PC).
    """
    if conn.closed:
        raise psycopg.OperationalError("the connection is closed")
    # A selector, not select.select: that refuses descriptors from 1024 up, and a busy
    # service has that many open, so every pooled connection would fail its check (503).
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(conn.fileno(), selectors.EVENT_READ)
            readable = bool(selector.select(0))
    except Exception:  # whatever the selector's trouble, the full check decides
        readable = True
    if readable:
        ConnectionPool.check_connection(conn)


def open_pool(url: str, *, min_size: int = 2, max_size: int = 20) -> ConnectionPool:
    """A connection pool on ``url`` (rows as dicts), opened and migrated.

    Connections are checked before use (``check_idle``), so a database that went away
    and came back costs one failed request, not a pool of dead connections.
    """
    pool = ConnectionPool(
        url, min_size=min_size, max_size=max_size, open=False,
        kwargs={"row_factory": dict_row, "autocommit": True},
        check=check_idle, name="atesaki-central",
        # With the database away a request should fail soon (503), not hang for 30 s.
        timeout=5, reconnect_timeout=3600,
    )
    pool.open(wait=True, timeout=30)
    with pool.connection() as conn:
        migrate(conn)
    return pool


@contextmanager
def transaction(pool: ConnectionPool) -> Iterator[psycopg.Connection]:
    """A connection from the pool inside one transaction (committed on success)."""
    with pool.connection() as conn, conn.transaction():
        yield conn


def listen_connection(url: str) -> psycopg.Connection:
    """A connection of its own for ``LISTEN``: a pooled one would be handed to others."""
    return psycopg.connect(url, autocommit=True)
