"""``atesaki import directory|contacts|history FILE...``: one transaction per file, problems listed."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from atesaki.i18n import Text
from atesaki.importers import FORMATS, ReadError

FAILED = Text(
    "{file}: 取り込みませんでした(データベースは変更なし)",
    "{file}: nothing imported (the database is unchanged)",
)


def output_language() -> str:
    """``ja`` when the terminal's locale is Japanese, else ``en``."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def _env(ctx: click.Context):
    env = ctx.find_root().obj
    if env is None or not hasattr(env, "open_store"):
        from atesaki.settings import resolve_data_dir
        from atesaki.store import open_store

        class _Fallback:
            data_dir = resolve_data_dir()

            def open_store(self):
                return open_store(self.data_dir)

        env = _Fallback()
    return env


@contextlib.contextmanager
def progress(total: int, label: str):
    """A byte-count progress bar on a terminal; a no-op callback otherwise."""
    if not sys.stdout.isatty() or total < (1 << 20):
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def report(result, lang: str) -> None:
    """Print a file's summary on stdout and each problem (file:line: reason) on stderr."""
    for problem in result.problems:
        click.echo(problem.describe(lang), err=True)
    click.echo(f"{result.file}: {result.summary(lang)}")


def _import_people(
    ctx: click.Context, source: str, files: tuple[str, ...], fmt: str | None, encoding: str | None
) -> None:
    from atesaki.people import import_file

    lang = output_language()
    conn = _env(ctx).open_store()
    failed = False
    try:
        for file in files:
            try:
                size = Path(file).stat().st_size if Path(file).is_file() else 0
                with progress(size, file) as on_read:
                    result = import_file(conn, file, source, fmt, encoding, on_read)
            except ReadError as exc:
                click.echo(exc.describe(lang), err=True)
                click.echo(FAILED.format(file=file).get(lang), err=True)
                failed = True
                continue
            report(result, lang)
    finally:
        conn.close()
    if failed:
        ctx.exit(2)


_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    default=None,
    help="File format (default: detected). google/outlook/thunderbird are CSV read by column name.",
)
_encoding_option = click.option(
    "--encoding",
    default=None,
    metavar="NAME",
    help="Text encoding, e.g. utf-8, cp932 (default: BOM, UTF-8, CP932, then a guess).",
)


@click.group("import")
def import_group() -> None:
    """Import address books (staff directory, personal contacts) and sent mail."""


def _people_command(source: str, doc: str) -> None:
    @import_group.command(source, help=doc)
    @click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
    @_format_option
    @_encoding_option
    @click.pass_context
    def command(ctx: click.Context, files: tuple[str, ...], fmt, encoding) -> None:
        _import_people(ctx, source, files, fmt, encoding)


_people_command(
    "directory", "Import the organisation's staff (internal people) from vCard, CSV or LDIF files."
)
_people_command("contacts", "Import your personal address book from vCard, CSV or LDIF files.")


@import_group.command("history")
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@click.pass_context
def import_history_command(ctx: click.Context, sources: tuple[str, ...]) -> None:
    """Learn who you send to from sent mail: mbox files, .eml files or Maildir folders."""
    from atesaki.importers.mail import import_history

    lang = output_language()
    conn = _env(ctx).open_store()
    failed = False
    try:
        for source in sources:
            try:
                result = import_history(conn, source)
            except ReadError as exc:
                click.echo(exc.describe(lang), err=True)
                click.echo(FAILED.format(file=source).get(lang), err=True)
                failed = True
                continue
            report(result, lang)
    finally:
        conn.close()
    if failed:
        ctx.exit(2)
