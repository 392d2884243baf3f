"""``atesaki sync carddav|ldap``: one sync now, all or nothing, with what changed printed."""

from __future__ import annotations

import click

from atesaki.core.i18n import Text, output_language
from atesaki.importers.commands import _env, report

NEEDS_PASSWORD = Text("--bind-dn には --password-file も指定してください",
                      "--bind-dn needs --password-file")
KEPT = Text("同期できませんでした(前回のデータを残しています): {reason}",
            "sync failed (the last good data is kept): {reason}")


def _run(ctx: click.Context, job) -> None:
    from atesaki.sync import SyncError

    lang = output_language()
    conn = _env(ctx).open_store()
    try:
        result = job(conn)
    except SyncError as exc:
        click.echo(KEPT.format(reason=exc.reason.get(lang)).get(lang), err=True)
        ctx.exit(2)
    finally:
        conn.close()
    report(result, lang)


def password_from(file: str | None) -> str | None:
    """The password in ``file`` (None without one); an unreadable file is a bad parameter."""
    from atesaki.sync import SyncError, read_password_file

    if not file:
        return None
    try:
        return read_password_file(file)
    except SyncError as exc:
        raise click.BadParameter(exc.reason.get(output_language()),
                                 param_hint="--password-file") from None


def ldap_password(bind_dn: str | None, password_file: str | None) -> str | None:
    """The bind password for ``bind_dn`` (anonymous: none); a DN without a file is refused."""
    if bind_dn and not password_file:
        raise click.BadParameter(NEEDS_PASSWORD.get(output_language()),
                                 param_hint="--password-file")
    return password_from(password_file)


def _with(func, *decorators):
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def carddav_source(func):
    """The options that name one CardDAV address book and how to log in."""
    return _with(
        func,
        click.argument("url"),
        click.option("--user", required=True, help="CardDAV user name."),
        click.option("--password-file", required=True, type=click.Path(dir_okay=False),
                     help="File whose first line is the password (kept off the command line)."),
    )


def ldap_source(func):
    """The options that name an LDAP/AD directory and how to bind."""
    return _with(
        func,
        click.argument("url"),
        click.option("--base", required=True, help="Search base, e.g. ou=people,dc=example,dc=jp."),
        click.option("--bind-dn", default=None, help="DN to bind as (default: anonymous)."),
        click.option("--password-file", default=None, type=click.Path(dir_okay=False),
                     help="File whose first line is the bind password."),
        click.option("--filter", "search_filter", default=None,
                     help="LDAP filter (default: people with a mail attribute)."),
    )


_into = click.option(
    "--into", type=click.Choice(["directory", "contacts"]),
    help="Where the people go: the staff directory (internal) or your contacts "
    "(default: contacts for CardDAV, directory for LDAP).",
)


@click.group("sync")
def sync_group() -> None:
    """Sync address books from a CardDAV server or an LDAP directory."""


@sync_group.command("carddav")
@carddav_source
@_into
@click.pass_context
def sync_carddav_command(ctx: click.Context, url: str, user: str, password_file: str,
                         into: str | None) -> None:
    """Incremental sync of one CardDAV address book (RFC 6578 sync-collection)."""
    from atesaki.sync.carddav import sync_carddav

    password = password_from(password_file) or ""
    _run(ctx, lambda conn: sync_carddav(conn, url, user, password, into or "contacts"))


@sync_group.command("ldap")
@ldap_source
@_into
@click.pass_context
def sync_ldap_command(ctx: click.Context, url: str, base: str, bind_dn: str | None,
                      password_file: str | None, search_filter: str | None,
                      into: str | None) -> None:
    """Staff directory from LDAP: paged search, deletions found by entryUUID."""
    from atesaki.sync.ldap import DEFAULT_FILTER, sync_ldap

    password = ldap_password(bind_dn, password_file)
    _run(ctx, lambda conn: sync_ldap(conn, url, base, bind_dn, password, into or "directory",
                                     search_filter or DEFAULT_FILTER))
