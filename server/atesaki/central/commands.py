"""``atesaki central …``: run the office's central service and administer its PCs."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import click

from atesaki.core.i18n import Text, output_language
from atesaki.exits import BadInput
from atesaki.sync.commands import carddav_source, ldap_password, ldap_source, password_from

ENROL_CODE = Text(
    "「{name}」の登録コード: {code}\n有効期限: {expires}（1 回だけ使えます）\n"
    "そのパソコンで: atesaki join URL {code}",
    "Enrolment code for {name}: {code}\nExpires: {expires} (works once)\n"
    "On that PC: atesaki join URL {code}",
)
REVOKED = Text("{name} ({id}) の資格情報を取り消しました。", "Revoked the credential of {name} ({id}).")
NO_PC = Text("そのようなパソコンはありません: {ref}", "No such PC: {ref}")
DIRECTORY_VERSION = Text(
    "名簿の版 {version}: 追加 {added}、変更 {changed}、削除 {removed}、変更なし {unchanged}",
    "directory version {version}: {added} added, {changed} changed, {removed} removed, "
    "{unchanged} unchanged",
)

database_option = click.option(
    "--database", "database_url", envvar="ATESAKI_CENTRAL_DATABASE", required=True,
    metavar="URL", help="PostgreSQL URL (postgresql://user@host/db); "
                        "default $ATESAKI_CENTRAL_DATABASE.",
)


@contextmanager
def _pool(database_url: str) -> Iterator:
    """A small pool for one command, closed after it."""
    from atesaki.central.db import open_pool

    try:
        pool = open_pool(database_url, min_size=1, max_size=2)
    except Exception as exc:  # any failure to reach or migrate the database is bad input here
        raise BadInput(
            f"{database_url}: cannot open the database: {type(exc).__name__}: {exc}") from None
    try:
        yield pool
    finally:
        pool.close()


@click.group("central")
def central_group() -> None:
    """The office's central service on PostgreSQL: PCs, their audit, approvals."""


@central_group.command("serve")
@database_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8443, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TLS certificate (PEM, with its chain) for HTTPS.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The certificate's private key (PEM).")
@click.option("--threads", default=16, show_default=True, type=click.IntRange(1, 600),
              help="Worker threads to start with (more are added under load).")
@click.option("--smtp", metavar="HOST[:PORT]", default=None,
              help="The office's SMTP relay for incident e-mail (port 25 unless given).")
@click.option("--mail-from", metavar="ADDR", default="atesaki@localhost", show_default=True,
              help="The From address of incident e-mail.")
@click.option("--incidents-to", metavar="ADDR", multiple=True,
              help="Who hears of every incident at once (repeat for several people).")
def serve(database_url: str, host: str, port: int, cert: Path | None, key: Path | None,
          threads: int, smtp: str | None, mail_from: str, incidents_to: tuple[str, ...]) -> None:
    """Run the central service (HTTPS with --cert/--key); migrations are applied at start."""
    if bool(cert) != bool(key):
        raise click.BadParameter("give both --cert and --key, or neither",
                                 param_hint="--cert/--key")
    if bool(smtp) != bool(incidents_to):
        raise click.BadParameter("give both --smtp and --incidents-to, or neither",
                                 param_hint="--smtp/--incidents-to")
    from atesaki.central.incidents import Relay
    from atesaki.central.server import run

    relay = None
    if smtp:
        relay_host, _, relay_port = smtp.rpartition(":") if ":" in smtp else (smtp, "", "25")
        if not relay_port.isdecimal():
            raise click.BadParameter(f"{smtp!r}: HOST or HOST:PORT", param_hint="--smtp")
        relay = Relay(relay_host, int(relay_port), mail_from, incidents_to)
    try:
        run(database_url, host, port, cert=cert, key=key, threads=threads, relay=relay)
    except OSError as exc:
        raise BadInput(f"{host}:{port}: {exc}") from None


@central_group.command("enrol")
@click.argument("name")
@database_option
@click.option("--email", default="", metavar="ADDR",
              help="The person's e-mail address (stops them approving their own messages).")
@click.option("--section", default="", metavar="NAME",
              help="The section whose central policy this PC follows (besides the office's).")
@click.option("--hours", default=72, show_default=True, type=click.IntRange(1, 24 * 30),
              help="How long the code works.")
@click.option("--json", "as_json", is_flag=True, help='Print {"code", "expires_at"} as JSON.')
def enrol(name: str, database_url: str, email: str, section: str, hours: int,
          as_json: bool) -> None:
    """Print a one-time enrolment code for the PC (or person) NAME."""
    from atesaki.central import service

    try:
        service.clean_name(name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    with _pool(database_url) as pool:
        enrolment = service.enrol(pool, name, email=email, section=section,
                                  ttl=timedelta(hours=hours))
    expires = enrolment.expires_at.isoformat(timespec="seconds")
    if as_json:
        click.echo(json.dumps({"code": enrolment.code, "expires_at": expires}))
    else:
        click.echo(ENROL_CODE.format(name=enrolment.name, code=enrolment.code,
                                     expires=expires).get(output_language()))


@central_group.command("revoke")
@click.argument("pc")
@database_option
def revoke(pc: str, database_url: str) -> None:
    """Revoke the credential of a PC (its id or name): it gets 401 from then on."""
    from atesaki.central import service

    with _pool(database_url) as pool:
        found = service.revoke(pool, pc)
    if found is None:
        raise BadInput(NO_PC.format(ref=pc).get(output_language()))
    click.echo(REVOKED.format(name=found.name, id=found.id).get(output_language()))


@central_group.command("pcs")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def pcs(database_url: str, as_json: bool) -> None:
    """List enrolled PCs (never their secrets)."""
    from atesaki.central import service

    with _pool(database_url) as pool:
        found = service.list_pcs(pool)
    if as_json:
        click.echo(json.dumps({"pcs": [pc.public() for pc in found]}, ensure_ascii=False))
        return
    for pc in found:
        state = " (revoked)" if pc.revoked_at else ""
        click.echo(f"{pc.id}\t{pc.name}{state}")


@central_group.command("review-link")
@database_option
@click.option("--url", default="https://127.0.0.1:8443", show_default=True,
              help="The central service's address as the supervisor's browser reaches it.")
def review_link(database_url: str, url: str) -> None:
    """Print a one-time sign-in link (15 minutes) to the office-wide review page."""
    from atesaki.central.review import issue_link

    with _pool(database_url) as pool:
        token = issue_link(pool)
    click.echo(f"{url.rstrip('/')}/central/review/login/{token}")


@central_group.group("directory")
def directory_group() -> None:
    """The office's staff directory that every PC pulls."""


@directory_group.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_option
def directory_import(files: tuple[Path, ...], database_url: str) -> None:
    """Make the directory what FILES hold (vCard, CSV, LDIF, as atesaki import directory)."""
    from atesaki.central.directory import replace
    from atesaki.importers import ReadError, read_records

    items: list = []
    for file in files:
        try:
            items += list(read_records(file))
        except ReadError as exc:
            raise BadInput(str(exc)) from None
    with _pool(database_url) as pool:
        result = replace(pool, items)
    _report_directory(result)


def _report_directory(result) -> None:
    lang = output_language()
    for problem in result.problems:
        click.echo(problem.describe(lang), err=True)
    click.echo(DIRECTORY_VERSION.format(
        version=result.version, added=result.added, changed=result.changed,
        removed=result.removed, unchanged=result.unchanged).get(lang))


def _directory_sync(database_url: str, job) -> None:
    """Run one sync on the database; a failure keeps the previous version and exits 2."""
    from atesaki.sync import SyncError
    from atesaki.sync.commands import KEPT

    with _pool(database_url) as pool:
        try:
            result = job(pool)
        except SyncError as exc:
            lang = output_language()
            raise BadInput(KEPT.format(reason=exc.reason.get(lang)).get(lang)) from None
    _report_directory(result)


@directory_group.group("sync")
def directory_sync_group() -> None:
    """Make the directory what an LDAP/AD directory or a CardDAV book holds (all or nothing)."""


@directory_sync_group.command("ldap")
@ldap_source
@database_option
def directory_sync_ldap(url: str, base: str, bind_dn: str | None, password_file: str | None,
                        search_filter: str | None, database_url: str) -> None:
    """Everyone under --base on an LDAP/AD server, with readings; people gone are removed."""
    from atesaki.central.directory import sync_ldap

    password = ldap_password(bind_dn, password_file)
    _directory_sync(database_url, lambda pool: sync_ldap(pool, url, base, bind_dn, password,
                                                         search_filter))


@directory_sync_group.command("carddav")
@carddav_source
@database_option
def directory_sync_carddav(url: str, user: str, password_file: str, database_url: str) -> None:
    """Every card of one CardDAV address book, with readings; cards gone are removed."""
    from atesaki.central.directory import sync_carddav

    password = password_from(password_file) or ""
    _directory_sync(database_url, lambda pool: sync_carddav(pool, url, user, password))


@central_group.group("policy")
def policy_group() -> None:
    """Settings set centrally for the office or a section; every PC follows them."""


@policy_group.command("set")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--section", default="", metavar="NAME",
              help="Only for the PCs enrolled in this section (on top of the office's).")
@database_option
def policy_set(file: Path, section: str, database_url: str) -> None:
    """Set the office's (or a section's) policy from FILE, written like config.toml."""
    from atesaki.central.policy import set_policy
    from atesaki.settings import ConfigError

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{file}: {exc}") from None
    with _pool(database_url) as pool:
        try:
            version = set_policy(pool, text, section, str(file))
        except ConfigError as exc:
            raise BadInput(str(exc)) from None
    click.echo(f"policy version {version}" + (f" (section {section})" if section else ""))


@central_group.group("audit")
def audit_group() -> None:
    """Every PC's audit chain as the central service holds it."""


@audit_group.command("verify")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print each PC's result as JSON.")
def audit_verify(database_url: str, as_json: bool) -> None:
    """Prove no PC's entry was changed, dropped or reordered: exit 0 when every chain holds, else 1."""
    from atesaki.central import service

    with _pool(database_url) as pool:
        results = service.verify_all(pool)
    ok = all(r.ok for r in results)
    if as_json:
        click.echo(json.dumps({"ok": ok, "pcs": [r.to_dict() for r in results]},
                              ensure_ascii=False))
    else:
        lang = output_language()
        for result in results:
            if result.ok:
                click.echo(f"ok {result.count} entries\t{result.name} ({result.pc_id})")
            else:
                click.echo(f"FAILED {result.problem.get(lang)}")
        click.echo(f"{'ok' if ok else 'FAILED'} {len(results)} chains, "
                   f"{sum(r.count for r in results)} entries")
    sys.exit(0 if ok else 1)
