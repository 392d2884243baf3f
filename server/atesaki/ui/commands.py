"""``atesaki ui``: print a one-time sign-in link to the review page and open the browser."""

from __future__ import annotations

import urllib.request
import webbrowser

import click

from atesaki.settings import DEFAULT_PORT


def login_url(port: int, token: str) -> str:
    """The sign-in link for a token."""
    return f"http://127.0.0.1:{port}/login?t={token}"


def service_running(port: int) -> bool:
    """True when an Atesaki service answers on 127.0.0.1:port."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


@click.command("ui")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535),
              help="The port the service runs on.")
@click.option("--no-browser", is_flag=True, help="Only print the link; do not open a browser.")
@click.pass_obj
def ui_command(env, port: int, no_browser: bool) -> None:
    """Open the review page: prints a sign-in link that works once, for 5 minutes."""
    from atesaki.ui.auth import LOGIN_TTL, create_login_token  # Flask only when it runs

    token = create_login_token(env.open_store())
    url = login_url(port, token)
    minutes = int(LOGIN_TTL.total_seconds() // 60)
    click.echo(url)
    click.echo(f"このリンクは 1 回だけ、{minutes} 分間使えます。 / "
               f"This link works once, for {minutes} minutes.", err=True)
    if not service_running(port):
        click.echo(f"サービスが 127.0.0.1:{port} で動いていません。`atesaki serve` で起動してください。 / "
                   f"The service is not running on 127.0.0.1:{port}; start it with "
                   "`atesaki serve`.", err=True)
    if not no_browser:
        webbrowser.open(url)
