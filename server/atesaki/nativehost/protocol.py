"""Native messaging framing: a 4-byte little-endian length, then that many bytes of UTF-8 JSON."""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

# Chrome refuses host answers above 1 MiB; our own requests are a few hundred bytes,
# so anything far bigger is not a browser talking to us and is refused unread.
MAX_INCOMING = 64 * 1024
MAX_OUTGOING = 1024 * 1024


class ProtocolError(Exception):
    """A message could not be read; ``code`` names why, ``fatal`` when the stream cannot go on."""

    def __init__(self, code: str, detail: str, *, fatal: bool) -> None:
        super().__init__(detail)
        self.code = code
        self.fatal = fatal


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(stream: BinaryIO) -> dict[str, Any] | None:
    """The next message, or None at the end of input.

    Raises ProtocolError: fatal when the framing is lost (a length over
    MAX_INCOMING, input cut short), not fatal when one whole message was read
    but is not a JSON object (the next one can still be read).
    """
    header = _read_exact(stream, 4)
    if not header:
        return None
    if len(header) < 4:
        raise ProtocolError("truncated", "input ended inside a length header", fatal=True)
    (length,) = struct.unpack("<I", header)
    if length > MAX_INCOMING:
        raise ProtocolError("too_large", f"message of {length} bytes (limit {MAX_INCOMING})",
                            fatal=True)
    body = _read_exact(stream, length)
    if len(body) < length:
        raise ProtocolError("truncated", f"input ended after {len(body)} of {length} bytes",
                            fatal=True)
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError("bad_json", f"not UTF-8 JSON: {exc}", fatal=False) from None
    if not isinstance(message, dict):
        raise ProtocolError("bad_message", "a message must be a JSON object", fatal=False)
    return message


def encode_message(message: dict[str, Any]) -> bytes:
    """One framed message; raises ValueError above the browser's 1 MiB limit."""
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_OUTGOING:
        raise ValueError(f"answer of {len(body)} bytes is over the browser's limit")
    return struct.pack("<I", len(body)) + body


def write_message(stream: BinaryIO, message: dict[str, Any]) -> None:
    """Write one framed message and flush (the browser waits for it)."""
    stream.write(encode_message(message))
    stream.flush()
