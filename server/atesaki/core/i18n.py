"""Bilingual text: every message a person reads exists in Japanese and English."""

from __future__ import annotations

import os
from dataclasses import dataclass

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"


@dataclass(frozen=True)
class Text:
    """A message in both languages; ``str()`` gives the Japanese one."""

    ja: str
    en: str

    def get(self, lang: str | None) -> str:
        """The message in ``lang`` ("ja" or "en"); Japanese for anything else."""
        return self.en if lang == "en" else self.ja

    def as_dict(self) -> dict[str, str]:
        """Both versions, for JSON responses."""
        return {"ja": self.ja, "en": self.en}

    def format(self, **values: object) -> Text:
        """Both versions with ``str.format`` placeholders filled."""
        return Text(self.ja.format(**values), self.en.format(**values))

    def __str__(self) -> str:
        return self.ja


def output_language() -> str:
    """The command line's language: ``ja`` when the terminal's locale is Japanese, else ``en``."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"
