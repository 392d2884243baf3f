"""The service's log file in the data folder: rotated, and never holding a secret.

``setup(data_dir)`` (called once by ``server.run``) sends the ``atesaki`` and
``waitress`` loggers to ``DATA_DIR/atesaki.log`` (1 MB, 3 old files kept).
``init_app(app)`` logs one line per request: method, the route's pattern (never
the path itself: enrolment and sign-in links carry one-time tokens in it),
status and time. Bodies, tokens, codes and query strings are never logged, and
a filter blanks the pairing token should any message hold it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Iterable
from pathlib import Path

from atesaki.files import make_data_dir

LOG_NAME = "atesaki.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"

log = logging.getLogger("atesaki.requests")


class RedactSecrets(logging.Filter):
    """Replaces any of the given secrets in a record's final message."""

    def __init__(self, secrets: Iterable[str] = (), token_file: Path | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 8]
        # The token may be created after logging starts: read it on first need.
        self.token_file = token_file

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message with the secrets blanked; always keep the record."""
        if self.token_file is not None:
            token = _token(self.token_file)
            if token:
                self.secrets.append(token)
                self.token_file = None
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = message
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, REDACTED)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _token(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def setup(
    data_dir: str | os.PathLike[str],
    *,
    filename: str = LOG_NAME,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
    level: int = logging.INFO,
    logger_names: Iterable[str] = ("atesaki", "waitress"),
) -> logging.Handler:
    """Send these loggers to a rotating file in the data folder; calling again replaces it."""
    data_dir = make_data_dir(data_dir)
    path = data_dir / filename
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(token_file=data_dir / "token"))
    handler.set_name(f"atesaki-file:{filename}")
    for name in logger_names:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if old.get_name() == handler.get_name():
                logger.removeHandler(old)
                old.close()
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)
    return handler
