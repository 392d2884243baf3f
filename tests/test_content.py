"""Tests for atesaki.content: message kind and the personal-data scanner."""

from __future__ import annotations

import pytest
from atesaki.content import message_kind

KIND_CASES = [
    ("no prefix is a new message", None, "学校見学会について", "new"),
    ("Re: is a reply", None, "Re: 学校見学会について", "reply"),
    ("RE: in capitals is a reply", "new", "RE: Meeting", "reply"),
    ("Re[2]: with a counter is a reply", None, "Re[2]: 見積書", "reply"),
    ("Re(3): with a counter is a reply", None, "Re(3): 見積書", "reply"),
    ("Fwd: is a forward", None, "Fwd: 見積書", "forward"),
    ("FW: is a forward", None, "FW: 見積書", "forward"),
    ("Fw: is a forward", None, "Fw: 見積書", "forward"),
    ("転送: is a forward", None, "転送: 見積書", "forward"),
    ("返信: is a reply", None, "返信: 見積書", "reply"),
    ("full-width ＲＥ： is a reply", None, "ＲＥ：見積書", "reply"),
    ("full-width colon after Re is a reply", None, "Re：見積書", "reply"),
    ("German AW: is a reply", None, "AW: Angebot", "reply"),
    ("list tag before Re: is a reply", None, "[sales:123] Re: 見積書", "reply"),
    ("outermost Re decides Re: Fwd: Re:", None, "Re: Fwd: Re: 資料", "reply"),
    ("outermost Fwd decides Fwd: Re:", None, "Fwd: Re: 資料", "forward"),
    ("転送 inside the subject is not a prefix", None, "資料転送のお願い", "new"),
    ("a word ending in a colon is not a prefix", None, "Report: Q3", "new"),
    ("explicit forward beats a Re: subject", "forward", "Re: 資料", "forward"),
    ("explicit reply beats a Fwd: subject", "reply", "Fwd: 資料", "reply"),
    ("explicit new with a Fwd: subject is a forward", "new", "Fwd: 資料", "forward"),
    ("empty subject and no kind is new", None, "", "new"),
]


@pytest.mark.parametrize(
    ("kind", "subject", "expected"),
    [case[1:] for case in KIND_CASES],
    ids=[case[0] for case in KIND_CASES],
)
def test_message_kind(kind, subject, expected):
    assert message_kind(kind, subject) == expected
