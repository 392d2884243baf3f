"""``atesaki join`` and ``atesaki link status|push``: this PC's side of the central service."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from atesaki.core.i18n import Text, output_language
from atesaki.exits import BadInput

JOINED = Text("中央サービス {url} に「{name}」({id}) として参加しました。資格情報: {path}",
              "Joined the central service {url} as {name} ({id}). Credential: {path}")
LINK_OK = Text("中央サービス {url} に接続できます（{name}, {id}）。ポリシーの版: {policy}。"
               "未送信の監査記録: {pending} 件",
               "The central service {url} answers ({name}, {id}). Policy version: {policy}. "
               "Audit entries not yet sent: {pending}")
PUSHED = Text("送信 {sent} 件（重複 {duplicates} 件）、中央の記録は {acknowledged} 番まで、未送信 {pending} 件",
              "Sent {sent} (duplicates {duplicates}); the central chain ends at {acknowledged}; "
              "{pending} not yet sent")

POLICY = Text("ポリシーの版: {version}", "Policy version: {version}")
PULLED = Text("職員名簿: {fetched} 件を受け取り、{deleted} 件を削除しました（{full}）。",
              "Staff directory: {fetched} received, {deleted} removed ({full}).")


def status(data_dir: Path) -> dict[str, Any]:
    """The link as ``doctor`` reports it: ``{"name", "ok", "detail"}`` (ok when not joined)."""
    from atesaki.link import client, forward  # requests loads only when a command runs
    link = client.load_link(data_dir)
    if link is None:
        return {"name": "central", "ok": True, "detail": client.NOT_JOINED.as_dict(),
                "joined": False}
    state = forward.load_state(data_dir)
    pending = max(0, forward.local_head(data_dir) - int(state.get("acknowledged", 0)))
    policy_version = state.get("policy_version", "-")
    try:
        link.call("GET", "me", timeout=5)
    except client.LinkError as exc:
        return {"name": "central", "ok": False, "detail": exc.message.as_dict(),
                "joined": True, "error": exc.code, "status": exc.status, "pending": pending}
    return {"name": "central", "ok": True, "joined": True, "pending": pending,
            "policy_version": policy_version,
            "detail": LINK_OK.format(url=link.url, name=link.name, id=link.pc_id,
                                     pending=pending, policy=policy_version).as_dict()}


CENTRAL = Text("中央サービス", "Central service")
FIX_REVOKED = Text("管理者に新しい登録コードを頼み、`atesaki join URL CODE` を実行してください。",
                   "Ask the administrator for a new enrolment code and run `atesaki join URL CODE`.")
FIX_UNREACHABLE = Text(
    "ネットワークと中央サービスの状態を確かめてください。監査記録はこのパソコンに残り、つながったときに送られます。",
    "Check the network and the central service. Audit entries stay on this PC and are sent "
    "once it answers.")


def doctor_checks(data_dir: Path, Check) -> list:
    """``atesaki doctor``'s ``central`` line when this PC has joined (none otherwise).

    ``Check`` is the doctor's result type, handed in so that this module does not import
    the doctor, which imports it.
    """
    result = status(data_dir)
    if not result["joined"]:
        return []
    detail = Text(result["detail"]["ja"], result["detail"]["en"])
    if result["ok"]:
        return [Check("central", True, CENTRAL, detail)]
    fix = FIX_REVOKED if result.get("status") == 401 else FIX_UNREACHABLE
    return [Check("central", False, CENTRAL, detail, fix)]


@click.command("join")
@click.argument("url")
@click.argument("code")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The certificate (or its CA) the central service's HTTPS must be signed "
                   "by; kept in the data folder and the only one trusted for URL.")
@click.pass_obj
def join_command(env, url: str, code: str, ca_file: Path | None) -> None:
    """Link this PC to the central service at URL with a one-time enrolment CODE."""
    from atesaki.link import client  # requests loads only when a command runs
    if not url.startswith(("https://", "http://")):
        raise click.BadParameter("the URL starts with https://", param_hint="URL")
    try:
        link = client.join(env.data_dir, url, code, ca_file)
    except client.LinkError as exc:
        raise BadInput(exc.message.get(output_language())) from None
    click.echo(JOINED.format(url=link.url, name=link.name, id=link.pc_id,
                             path=client.credential_path(env.data_dir)).get(output_language()))


@click.group("link")
def link_group() -> None:
    """This PC's link to the central service (after atesaki join)."""


@link_group.command("status")
@click.option("--json", "as_json", is_flag=True, help='Print {"name", "ok", "detail", ...}.')
@click.pass_obj
def status_command(env, as_json: bool) -> None:
    """Can this PC reach the central service, is its credential valid? Exit 1 when not."""
    result = status(env.data_dir)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(result["detail"]["ja" if output_language() == "ja" else "en"])
    sys.exit(0 if result["ok"] else 1)


@link_group.command("pull")
@click.pass_obj
def pull_command(env) -> None:
    """Bring the staff directory and the central policy up to date now (the service does it by itself)."""
    from atesaki.link import (
        client,  # requests loads only when a command runs
        policy,
    )
    from atesaki.link.directory import pull
    from atesaki.settings import ConfigError

    if client.load_link(env.data_dir) is None:
        click.echo(client.NOT_JOINED.get(output_language()), err=True)
        sys.exit(1)
    try:
        done = pull(env.data_dir)
        followed = policy.pull(env.data_dir)
    except client.LinkError as exc:
        click.echo(exc.message.get(output_language()), err=True)
        sys.exit(1)
    except ConfigError as exc:
        raise BadInput(str(exc)) from None
    click.echo(PULLED.format(fetched=done.fetched, deleted=done.deleted,
                             full="full" if done.full else "changes").get(output_language()))
    click.echo(POLICY.format(version=followed["version"]).get(output_language()))


@link_group.command("push")
@click.pass_obj
def push_command(env) -> None:
    """Send the audit entries the central service does not have yet (the service does this itself)."""
    from atesaki.link import client, forward  # requests loads only when a command runs
    try:
        done = forward.forward(env.data_dir)
    except client.LinkError as exc:
        message = exc.message if exc.code != "not_joined" else client.NOT_JOINED
        click.echo(message.get(output_language()), err=True)
        sys.exit(1)
    click.echo(PUSHED.format(sent=done.sent, duplicates=done.duplicates,
                             acknowledged=done.acknowledged,
                             pending=done.pending).get(output_language()))
