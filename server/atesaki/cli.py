"""The ``atesaki`` command line: serve, pair, check, and the commands other modules add."""

from __future__ import annotations

import ipaddress
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from atesaki.approvals.commands import checker_group
from atesaki.autostart import autostart_group
from atesaki.central import central_group
from atesaki.core.version import __version__
from atesaki.doctor import doctor_command
from atesaki.exits import BadInput, ExitStatus
from atesaki.importers.commands import import_group
from atesaki.link.commands import join_command, link_group
from atesaki.nativehost import native_host_group
from atesaki.settings import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ConfigError,
    add_extension_origin,
    load_settings,
    pairing_token,
    resolve_data_dir,
)
from atesaki.store.audit import audit_group
from atesaki.sync.commands import sync_group
from atesaki.ui.commands import ui_command


@dataclass
class Env:
    """What every command gets: the resolved data folder."""

    data_dir: Path

    def open_store(self):
        """Connect to the data folder's database and bring it up to date."""
        from atesaki import store

        return store.open_store(self.data_dir)

    def refresh_snapshot(self) -> None:
        """Build the service's indexes after an import, so its next start is fast."""
        from atesaki.core.domains import is_internal
        from atesaki.knowledge import refresh_snapshot

        try:
            domains = tuple(load_settings(self.data_dir).internal_domains)
        except ConfigError:
            return  # the service will not start with this config.toml anyway
        if (self.data_dir / "atesaki.db").exists():
            refresh_snapshot(self.data_dir, domains, lambda a: is_internal(a, domains))

    def settings(self):
        """config.toml, or exit 2 with the file, line and reason."""
        try:
            return load_settings(self.data_dir)
        except ConfigError as exc:
            raise BadInput(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data folder (default: $ATESAKI_DATA_DIR, else the platform's user data folder).",
)
@click.version_option(__version__, prog_name="atesaki")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """Atesaki (宛先): check every e-mail recipient before it is sent.

    The local verification service for the Atesaki webmail extension.
    """
    ctx.obj = Env(resolve_data_dir(data_dir))
    if ctx.invoked_subcommand in ("import", "sync"):
        ctx.call_on_close(ctx.obj.refresh_snapshot)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@main.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--allow-remote", is_flag=True,
              help="Allow a non-loopback --host (the service is meant for this PC only).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads (a wait for an approval from another desk holds one).")
@click.pass_obj
def serve(env: Env, host: str, port: int, allow_remote: bool, threads: int) -> None:
    """Run the service (waitress) on 127.0.0.1:8765."""
    if not _is_loopback(host) and not allow_remote:
        raise click.BadParameter(
            f"{host} is not a loopback address; the service must only be reachable from this PC. "
            "Pass --allow-remote if you really mean it.",
            param_hint="--host",
        )
    env.settings()  # a broken config.toml stops us here with its line
    from atesaki.server import run

    run(env.data_dir, host, port, threads=threads,
        extra_hosts=() if _is_loopback(host) else (host,))


@main.command()
@click.pass_obj
def token(env: Env) -> None:
    """Print the pairing token (created on first use)."""
    click.echo(pairing_token(env.data_dir))


@main.command()
@click.option("--origin", required=True,
              help="chrome-extension://<id> or moz-extension://<uuid>.")
@click.pass_obj
def pair(env: Env, origin: str) -> None:
    """Allow an extension origin (added to extension_origins in config.toml)."""
    try:
        added = add_extension_origin(env.data_dir, origin)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--origin") from None
    except ConfigError as exc:
        raise BadInput(str(exc)) from None
    click.echo(("added " if added else "already allowed ") + origin.rstrip("/"))


@main.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.pass_obj
def check(env: Env, file) -> None:
    """Check one request (JSON as POST /v1/check) and print the response (exit 0 whatever the verdict)."""
    from atesaki import create_app

    try:
        body = json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{file.name}: not valid JSON: {exc}") from None
    env.settings()
    app = create_app({"DATA_DIR": str(env.data_dir)})
    service = app.extensions["atesaki"]
    client = app.test_client()
    response = client.post(
        "/v1/check", json=body,
        headers={"Host": f"127.0.0.1:{app.config['PORT']}", "X-Atesaki-Token": service.token},
    )
    click.echo(json.dumps(response.get_json(), ensure_ascii=False, indent=2))
    if response.status_code != 200:
        sys.exit(ExitStatus.BAD_INPUT)


# Commands that live with the module they drive ("each module registers itself"). Each
# of these modules imports only what its --help needs; Flask and the checks load when
# a command runs.
for _command in (import_group, sync_group, checker_group, audit_group, ui_command,
                 native_host_group, autostart_group, doctor_command, central_group,
                 join_command, link_group):
    main.add_command(_command)
