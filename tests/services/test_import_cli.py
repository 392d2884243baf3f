"""`atesaki import directory|contacts|history`: what the user sees, exit codes, all-or-nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATA

BOOKS = DATA / "addressbooks"
MAIL = DATA / "mail"


def count(data_dir: Path, table: str) -> int:
    with sqlite3.connect(data_dir / "atesaki.db") as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def write_locked(data_dir: Path) -> bool:
    """True while another process holds the database's write lock."""
    conn = sqlite3.connect(data_dir / "atesaki.db", timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def test_import_prints_counts_and_every_skipped_record(runner):
    result = runner("import", "contacts", str(BOOKS / "vcard30_apple.vcf"))
    assert result.exit_code == 0, result.output
    assert "vcard30_apple.vcf: imported 2, updated 0, skipped 2" in result.stdout
    assert "vcard30_apple.vcf:21: card has a line without ':'" in result.stderr
    assert "vcard30_apple.vcf:31: no e-mail address" in result.stderr


def test_second_import_of_the_same_file_reports_nothing_new(runner):
    runner("import", "directory", str(BOOKS / "outlook_ja_cp932.csv"))
    result = runner("import", "directory", str(BOOKS / "outlook_ja_cp932.csv"))
    assert "imported 0, updated 0, skipped 1, unchanged 1" in result.stdout


def test_an_unreadable_file_exits_2_naming_file_and_line_and_changes_nothing(runner, data_dir):
    runner("import", "contacts", str(BOOKS / "vcard40.vcf"))
    before = count(data_dir, "person")
    result = runner("import", "contacts", str(BOOKS / "broken_no_email_column.csv"))
    assert result.exit_code == 2
    assert "broken_no_email_column.csv:1: no e-mail column" in result.stderr
    assert "database is unchanged" in result.stderr
    assert count(data_dir, "person") == before


def test_good_files_are_imported_even_when_another_on_the_line_is_not(runner, data_dir):
    result = runner("import", "contacts", str(BOOKS / "broken_binary.vcf"),
                    str(BOOKS / "thunderbird_en.csv"))
    assert result.exit_code == 2
    assert "thunderbird_en.csv: imported 1" in result.stdout
    assert count(data_dir, "person") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "Invalid value for '--format'"),
        (["--encoding", "klingon"], "cannot tell the file's text encoding"),
    ],
    ids=["unknown format", "unknown encoding"],
)
def test_bad_overrides_exit_2_with_a_reason(runner, args, message):
    result = runner("import", "contacts", *args, str(BOOKS / "vcard40.vcf"))
    assert result.exit_code == 2
    assert message in result.output


def test_japanese_locale_gets_japanese_output(runner, monkeypatch):
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    result = runner("import", "contacts", str(BOOKS / "google_new.csv"))
    assert "取り込み 3 件" in result.stdout
    assert "メールアドレスがありません" in result.stderr


def test_history_import_counts_each_message_once(runner, data_dir):
    result = runner("import", "history", str(MAIL / "Sent.mbox"), str(MAIL / "Maildir"))
    assert result.exit_code == 0, result.output
    assert "Sent.mbox: imported 2, updated 3, skipped 2" in result.stdout
    assert "Maildir: imported 1, updated 1, skipped 1" in result.stdout
    assert count(data_dir, "history_message") == 3


def test_history_of_something_that_is_not_mail_exits_2(runner):
    result = runner("import", "history", str(BOOKS / "broken_binary.vcf"))
    assert result.exit_code == 2
    assert "broken_binary.vcf:1: not an mbox file" in result.stderr


def test_kill_9_in_the_middle_of_a_large_import_leaves_the_database_as_it_was(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "ATESAKI_DATA_DIR": str(data)}
    small = subprocess.run(
        [sys.executable, "-m", "atesaki", "import", "contacts", str(BOOKS / "vcard40.vcf")],
        env=env, capture_output=True, text=True, check=True,
    )
    assert "imported 2" in small.stdout
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as f:
        f.write("Display Name,E-mail Address\n")
        for i in range(100_000):
            f.write(f"Person {i},p{i}@example.com\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "atesaki", "import", "contacts", str(big)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    # Wait until the import holds the write lock (its transaction is open), then kill it.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and not write_locked(data):
        time.sleep(0.05)
    time.sleep(0.5)  # well inside the transaction: rows are being written
    assert proc.poll() is None, "the import finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(data / "atesaki.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM person").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM person_email").fetchone()[0] == 3
