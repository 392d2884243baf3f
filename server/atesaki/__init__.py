"""Atesaki (宛先): a local service that checks e-mail recipients before they are sent.

The layers, and which may import which, are drawn in ``docs/architecture.md``.
"""

from __future__ import annotations

from typing import Any

from atesaki.core.version import __version__

__all__ = ["__version__", "create_app"]


def create_app(config: dict[str, Any] | None = None):
    """Build the Flask app (see ``atesaki.web.app.create_app``); Flask loads only when called.

    The link to a central service adds its endpoints here: the web layer cannot import it.
    """
    from atesaki.link import desk
    from atesaki.web.app import create_app as build

    return build(config, parts=(desk.init_app,))
