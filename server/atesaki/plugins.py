"""Optional modules: each feature module registers itself if it is installed."""

from __future__ import annotations

import importlib
from types import ModuleType


def optional_module(name: str) -> ModuleType | None:
    """Import ``name``, or None when it (or a package above it) does not exist.

    An ImportError from inside the module is not swallowed: a broken module
    must fail loudly, not disappear.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise
