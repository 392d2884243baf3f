"""Files every layer writes: the data folder made private, a file written whole or not at all."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path


def write_atomically(path: str | os.PathLike[str], content: str | bytes | Sequence[bytes],
                     *, mode: int = 0o666) -> None:
    """Write ``content`` (text as UTF-8, bytes, or a list of byte chunks) to ``path``.

    A reader sees the old file or the new one, never half of one. ``mode`` is the
    permission of the file created (before the umask): 0o600 for secrets and pickles,
    which then never exist readable by others, not even for a moment.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One temporary name per process and thread: two writers never share one.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    chunks = [content.encode("utf-8")] if isinstance(content, str) else (
        [content] if isinstance(content, bytes) else content)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.writelines(chunks)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def make_data_dir(path: str | os.PathLike[str]) -> Path:
    """Create the data folder if it is missing: private (0700), as its secrets are."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)  # parents keep the usual mode
    return path
