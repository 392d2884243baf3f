"""What a message is (new, reply, forward) and what personal data its body carries."""

from __future__ import annotations

import re
import unicodedata

# --- message kind -----------------------------------------------------------------

# Subject prefixes mail programs add, per language. Matched after NFKC (so "ＲＥ：" is
# "RE:") and case-insensitively. Japanese programs use 返信/転送; the others are what
# Outlook, Thunderbird and Gmail write in the languages our users' partners use.
_REPLY_PREFIXES = ("re", "aw", "sv", "antw", "rif", "res", "odp", "返信", "回复", "回覆", "答复")
_FORWARD_PREFIXES = ("fwd", "fw", "転送", "wg", "tr", "rv", "enc", "doorst", "转发", "轉寄")
_PREFIX_KIND = {p: "reply" for p in _REPLY_PREFIXES} | {p: "forward" for p in _FORWARD_PREFIXES}

# One prefix: a word, an optional counter ("Re[2]", "Re(3)", "Re^2"), then a colon;
# list tags like "[team]" may sit in front. Bounded repeats: no backtracking blow-up.
_PREFIX_RE = re.compile(
    r"\s*(?:\[[^\]\n]{0,40}\]\s*)?"
    r"(?P<word>[^\W\d_]{1,6})\s{0,2}(?:\[\d{1,3}\]|\(\d{1,3}\)|\^\d{1,3})?\s{0,2}:",
)


def subject_prefixes(subject: str) -> list[str]:
    """The kinds named by the subject's leading prefixes, outermost first."""
    text = unicodedata.normalize("NFKC", subject or "")
    kinds: list[str] = []
    pos = 0
    # A subject has a handful of prefixes at most; the cap keeps a pathological one cheap.
    while len(kinds) < 20:
        match = _PREFIX_RE.match(text, pos)
        if not match:
            break
        kind = _PREFIX_KIND.get(match["word"].lower())
        if kind is None:
            break
        kinds.append(kind)
        pos = match.end()
    return kinds


def message_kind(kind: str | None, subject: str) -> str:
    """Whether the message is a "new" one, a "reply" or a "forward".

    An explicit ``kind`` of "reply" or "forward" from the webmail wins: it knows which
    button was pressed. Otherwise the subject's outermost prefix decides, so
    "Re: Fwd: 資料" is a reply (answering a forwarded message keeps the people on
    that thread) and "Fwd: Re: 資料" is a forward. A "Fwd:" further inside a
    reply's subject does not make it a forward, and words like "転送" in the middle of
    a subject ("資料転送のお願い") are not prefixes.
    """
    if kind in ("reply", "forward"):
        return kind
    kinds = subject_prefixes(subject)
    return kinds[0] if kinds else "new"
