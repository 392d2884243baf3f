"""The error a caller sees, with a stable code and a message in both languages (no Flask).

The core and the services raise it; the web layer (``atesaki.web.errors``) turns it
into the one JSON error shape ``{"ok": false, "error", "message", "status"}``.
"""

from __future__ import annotations

from atesaki.core.i18n import Text


class APIError(Exception):
    """An error a caller should see, with a stable code and a message in both languages."""

    def __init__(self, status: int, error: str, message: Text, **extra: object) -> None:
        super().__init__(message.en)
        self.status = status
        self.error = error
        self.message = message
        self.extra = extra

    def to_dict(self, lang: str | None = None) -> dict[str, object]:
        """The JSON body (``message`` in the caller's language, ``messages`` in both)."""
        body: dict[str, object] = {
            "ok": False,
            "error": self.error,
            "message": self.message.get(lang),
            "messages": self.message.as_dict(),
            "status": self.status,
        }
        body.update(self.extra)
        return body


def bad_request(where: str, ja: str, en: str) -> APIError:
    """A 400 ``bad_request`` naming the field ``where`` that is wrong, in both languages."""
    return APIError(400, "bad_request", Text(f"{where}: {ja}", f"{where}: {en}"), field=where)
