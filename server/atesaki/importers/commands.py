"""``atesaki import directory|contacts|history FILE...``: one transaction per file, problems listed."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from atesaki.core.i18n import Text, output_language
from atesaki.importers import FORMATS, ReadError

FAILED = Text(
    "{file}: 取り込みませんでした(データベースは変更なし)",
    "{file}: nothing imported (the database is unchanged)",
)


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


def _each(ctx: click.Context, items: Iterable[str], run: Callable) -> None:
    """Run ``run(conn, item)`` per file: report each, exit 2 if any could not be read."""
    lang = output_language()
    conn = _env(ctx).open_store()
    failed = False
    try:
        for item in items:
            try:
                result = run(conn, item)
            except ReadError as exc:
                click.echo(exc.describe(lang), err=True)
                click.echo(FAILED.format(file=item).get(lang), err=True)
                failed = True
                continue
            report(result, lang)
    finally:
        conn.close()
    if failed:
        ctx.exit(2)


def _import_people(
    ctx: click.Context, source: str, files: tuple[str, ...], fmt: str | None, encoding: str | None
) -> None:
    from atesaki.importers import import_file

    def run(conn, file: str):
        size = Path(file).stat().st_size if Path(file).is_file() else 0
        with progress(size, file) as on_read:
            return import_file(conn, file, source, fmt, encoding, on_read)

    _each(ctx, files, run)


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

    _each(ctx, sources, import_history)
