"""``atesaki native-host``: what the browser starts, and ``install`` / ``uninstall`` to register it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from atesaki.core.i18n import Text, output_language
from atesaki.exits import BadInput
from atesaki.nativehost import install as installer
from atesaki.settings import resolve_data_dir

WROTE = Text("書き込みました: {path}", "Wrote {path}")
REMOVED = Text("削除しました: {path}", "Removed {path}")
KEY_SET = Text("レジストリに登録しました: HKCU\\{key}", "Registered HKCU\\{key}")
KEY_REMOVED = Text("レジストリから削除しました: HKCU\\{key}", "Removed HKCU\\{key}")
NOTHING = Text("削除するものはありませんでした。", "Nothing to remove.")
NEXT = Text(
    "ブラウザーの拡張機能が起動すると、サービスの起動とペアリングは自動で行われます。",
    "When the browser extension starts, it starts the service and pairs by itself.",
)

BROWSER_CHOICE = click.Choice([*installer.BROWSERS, "all"])


class _HostGroup(click.Group):
    """A group whose bare invocation (plus the browser's arguments) runs the host."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        attr = "_protected_args" if hasattr(ctx, "_protected_args") else "protected_args"
        protected = getattr(ctx, attr)
        # The browser's first argument is the caller's origin (or Firefox's manifest path),
        # never one of our subcommands: hand everything to the host.
        if protected and protected[0] not in self.commands:
            ctx.args = [*protected, *ctx.args]
            setattr(ctx, attr, [])
            return ctx.args
        return rest


@click.group(
    "native-host", cls=_HostGroup, invoke_without_command=True,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="The service's port (default: $ATESAKI_PORT, else 8765).")
@click.pass_context
def native_host_group(ctx: click.Context, port: int | None) -> None:
    """The native messaging host the browser starts (answers hello with the server URL and token).

    Run by the browser, not by people: register it with `atesaki native-host install`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from atesaki.nativehost.host import main

    env = ctx.find_root().obj
    data_dir = env.data_dir if env is not None else resolve_data_dir()
    sys.exit(main(Path(data_dir), port, list(ctx.args)))


def _bake_data_dir(ctx: click.Context) -> bool:
    """Bake --data-dir into the launcher unless it is the platform default the host finds anyway."""
    env = ctx.find_root().obj
    return Path(env.data_dir).absolute() != Path(resolve_data_dir(None)).absolute() or \
        "ATESAKI_DATA_DIR" in __import__("os").environ


def _report(change: installer.Change, lang: str) -> None:
    for path in change.written:
        click.echo(WROTE.format(path=path).get(lang))
    for key in change.registry_set:
        click.echo(KEY_SET.format(key=key).get(lang))
    for path in change.removed:
        click.echo(REMOVED.format(path=path).get(lang))
    for key in change.registry_removed:
        click.echo(KEY_REMOVED.format(key=key).get(lang))


@native_host_group.command("install")
@click.option("--browser", type=BROWSER_CHOICE, default="all", show_default=True,
              help="Which browsers to register with.")
@click.option("--extension-id", "extension_ids", multiple=True, metavar="ID",
              help="Extension ID allowed to start the host (repeatable; default: the published "
                   "Atesaki IDs). Chrome/Edge: 32 letters a-p; Firefox: name@domain.")
@click.option("--profile", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write into this Chrome/Chromium/Edge user-data folder's "
                   "NativeMessagingHosts/ instead of the per-user location.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="The service's port, baked into the launcher (default 8765).")
@click.pass_context
def install_command(ctx: click.Context, browser: str, extension_ids: tuple[str, ...],
                    profile: Path | None, port: int | None) -> None:
    """Register the native messaging host jp.atesaki.host for this user (no admin rights needed)."""
    env = ctx.find_root().obj
    try:
        change = installer.install(
            env.data_dir, browser=browser, extension_ids=extension_ids, profile=profile,
            port=port, bake_data_dir=_bake_data_dir(ctx))
    except ValueError as exc:
        hint = "--profile" if "profile" in str(exc) else "--extension-id"
        raise click.BadParameter(str(exc), param_hint=hint) from None
    except OSError as exc:
        raise BadInput(f"{exc.filename or ''}: {exc.strerror or exc}") from None
    lang = output_language()
    _report(change, lang)
    click.echo(NEXT.get(lang))


@native_host_group.command("uninstall")
@click.option("--browser", type=BROWSER_CHOICE, default="all", show_default=True,
              help="Which browsers to unregister from.")
@click.option("--profile", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Remove only the manifest in this user-data folder.")
@click.pass_context
def uninstall_command(ctx: click.Context, browser: str, profile: Path | None) -> None:
    """Remove the host manifests, registry keys and launcher that install wrote."""
    env = ctx.find_root().obj
    try:
        change = installer.uninstall(env.data_dir, browser=browser, profile=profile)
    except OSError as exc:
        raise BadInput(f"{exc.filename or ''}: {exc.strerror or exc}") from None
    lang = output_language()
    _report(change, lang)
    if not (change.removed or change.registry_removed):
        click.echo(NOTHING.get(lang))
