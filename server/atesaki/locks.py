"""An exclusive lock on a file, across processes and threads (POSIX flock, Windows msvcrt)."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_TIMEOUT = 20.0


@contextlib.contextmanager
def file_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[bool]:
    """An exclusive lock on ``path`` across processes; yields False when it timed out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+b")  # held for the whole block
    deadline = time.monotonic() + timeout
    locked = False
    try:
        while True:
            try:
                if sys.platform.startswith("win"):
                    import msvcrt

                    handle.seek(0)
                    msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
                else:
                    import fcntl

                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        yield locked
    finally:
        if locked:
            if sys.platform.startswith("win"):
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()
