"""The store: WAL, private file, migrations that are safe to rerun, all-or-nothing transactions."""

from __future__ import annotations

import sqlite3

import pytest

from atesaki import store
from atesaki.store.migrations import MIGRATIONS


def test_migrations_apply_once_and_rerun_safely(tmp_path):
    conn = store.connect(tmp_path)
    first = store.migrate(conn)
    assert "core/0001" in first
    assert store.migrate(conn) == []
    conn.close()
    again = store.open_store(tmp_path)  # a second process starting up
    assert store.migrate(again) == []
    names = {row[0] for row in again.execute("SELECT name FROM migrations")}
    assert names == {name for name, _ in MIGRATIONS}


def test_the_database_is_wal_and_private(tmp_path):
    conn = store.open_store(tmp_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (tmp_path / store.DB_NAME).stat().st_mode & 0o777 == 0o600


def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    conn = store.open_store(tmp_path)
    with pytest.raises(RuntimeError), store.transaction(conn):
        conn.execute("INSERT INTO history (address, count) VALUES ('a@b.jp', 1)")
        raise RuntimeError("broken record")
    assert conn.execute("SELECT COUNT(*) FROM history").fetchone()[0] == 0


def test_the_generation_moves_on_only_when_told(tmp_path):
    conn = store.open_store(tmp_path)
    assert store.generation(conn) == 0
    with store.transaction(conn):
        store.bump_generation(conn)
    other = sqlite3.connect(tmp_path / store.DB_NAME)
    assert other.execute("SELECT value FROM meta WHERE key = 'kb_generation'").fetchone()[0] == "1"
    assert store.generation(conn) == 1
