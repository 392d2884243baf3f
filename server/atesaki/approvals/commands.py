"""``atesaki checker add|list|remove``: enrol the second checkers who approve risky messages."""

from __future__ import annotations

import io
import json

import click

from atesaki.core import clock
from atesaki.core.i18n import Text, output_language
from atesaki.settings import DEFAULT_PORT

ENROLLED = Text("第二確認者「{name}」({id}) を登録しました。",
                "Enrolled second checker {name} ({id}).")
SCAN = Text(
    "Google Authenticator または Microsoft Authenticator でこの QR コードを読み取ってください:",
    "Scan this QR code with Google Authenticator or Microsoft Authenticator:",
)
URI = Text("QR コードが読めないときの登録 URI（秘密の値を含みます。共有しないでください）:",
           "The enrolment URI if the QR code cannot be read (it holds the secret; do not share it):")
LINK = Text(
    "このパソコンのブラウザで QR コードを表示するリンク（{minutes} 分以内に 1 回だけ、サービス起動中）:",
    "Or show the QR code in a browser on this PC ({minutes} minutes, once, while the service runs):",
)
NO_EMAIL = Text(
    "注意: --email がないため、この確認者が自分の送るメールを承認しても止められません。",
    "Note: without --email, Atesaki cannot stop this checker approving their own messages.",
)
NONE = Text("登録された第二確認者はいません。", "No second checker is enrolled.")
REMOVED = Text("第二確認者「{name}」({id}) を削除しました。", "Removed second checker {name} ({id}).")
UNKNOWN = Text("そのような確認者はいません: {ref}", "No such checker: {ref}")


@click.group("checker")
def checker_group() -> None:
    """Second checkers: people who approve risky messages with a one-time code."""


@checker_group.command("add")
@click.argument("name")
@click.option("--email", default=None, metavar="ADDR",
              help="The checker's own e-mail address (stops them approving their own messages).")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"id", "name", "otpauth_uri"} as JSON, nothing else.')
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535),
              help="The service's port, for the one-time enrolment link.")
@click.pass_obj
def add(env, name: str, email: str | None, as_json: bool, port: int) -> None:
    """Enrol a second checker NAME: prints the otpauth:// URI and a QR code for the authenticator app."""
    import segno  # with pyotp, only when a checker is enrolled: `atesaki --help` stays light

    from atesaki.approvals import core

    for value, check, hint in ((name, core.clean_name, "NAME"), (email, core.clean_email, "--email")):
        try:
            check(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=hint) from None
    conn = env.open_store()
    try:
        checker, uri = core.add_checker(conn, name, email)
    except ValueError as exc:  # the name is taken
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    lang = output_language()
    if not checker.email:
        click.echo(NO_EMAIL.get(lang), err=True)
    if as_json:
        click.echo(json.dumps({"id": checker.id, "name": checker.name, "otpauth_uri": uri},
                              ensure_ascii=False))
        return
    token = core.issue_enrol_link(conn, checker.id, clock.now())
    qr = io.StringIO()
    segno.make(uri, error="m").terminal(out=qr, compact=True)
    click.echo(ENROLLED.format(name=checker.name, id=checker.id).get(lang))
    click.echo(SCAN.get(lang))
    click.echo(qr.getvalue(), nl=False)
    click.echo(URI.get(lang))
    click.echo(uri)
    click.echo(LINK.format(minutes=int(core.ENROL_TTL.total_seconds()) // 60).get(lang))
    click.echo(f"http://127.0.0.1:{port}/enrol/{token}")


@checker_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_obj
def list_(env, as_json: bool) -> None:
    """The enrolled second checkers (never their secrets)."""
    from atesaki.approvals import core

    checkers = core.list_checkers(env.open_store())
    if as_json:
        click.echo(json.dumps(
            {"checkers": [{"id": c.id, "name": c.name, "email": c.email, "created": c.created}
                          for c in checkers]}, ensure_ascii=False))
        return
    if not checkers:
        click.echo(NONE.get(output_language()))
    for c in checkers:
        click.echo("\t".join((c.id, c.name, c.email or "-", c.created)))


@checker_group.command("remove")
@click.argument("checker")
@click.pass_obj
def remove(env, checker: str) -> None:
    """Remove a second checker by id or name; their unused approvals stop working."""
    from atesaki.approvals import core

    lang = output_language()
    removed = core.remove_checker(env.open_store(), checker)
    if removed is None:
        raise click.BadParameter(UNKNOWN.format(ref=checker).get(lang), param_hint="CHECKER")
    click.echo(REMOVED.format(name=removed.name, id=removed.id).get(lang))
