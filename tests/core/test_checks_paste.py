"""pasted_text as a plain function, and the validation of what the extension reports."""

from __future__ import annotations

import pytest

from atesaki.core.checks import paste as checks
from tests.core.checkbook import codes, context

WARN = [("pasted_text", "warn", None)]
CASES = [
    ("a long paste", [{"length": 800, "from_page": False, "addresses": []}], {}, WARN),
    ("a short paste", [{"length": 40, "from_page": False, "addresses": []}], {}, []),
    ("text from a message to other people", [{"length": 40, "from_page": True,
                                              "addresses": ["someone@other.jp"]}], {}, WARN),
    ("text from a message to these recipients", [{"length": 40, "from_page": True,
                                                  "addresses": ["k.sato@example.com"]}], {}, []),
    ("text from the thread being replied to", [{"length": 40, "from_page": True,
                                                "addresses": ["boss@example.com"]}], {}, []),
    ("long pastes not reported when the administrator says 0",
     [{"length": 5000, "from_page": False, "addresses": []}], {"policy.paste_min_chars": 0}, []),
    ("pastes from the page not reported when turned off",
     [{"length": 40, "from_page": True, "addresses": ["someone@other.jp"]}],
     {"policy.paste_from_page": False}, []),
    ("no pastes", [], {}, []),
]


@pytest.mark.parametrize(("pastes", "settings", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_pasted_text(pastes, settings, expected):
    ctx = context("to:k.sato@example.com", pastes=checks.parse_pastes(pastes), settings=settings,
                  thread_recipients=("boss@example.com",))
    assert codes(checks.check_pasted_text(ctx)) == expected


def test_the_message_names_the_other_people():
    pastes = checks.parse_pastes([{"length": 40, "from_page": True,
                                   "addresses": ["Someone@Other.jp", "k.sato@example.com"]}])
    (finding,) = checks.check_pasted_text(context("to:k.sato@example.com", pastes=pastes))
    assert "someone@other.jp" in finding.message.ja and "someone@other.jp" in finding.message.en
    assert finding.related == [{"address": "someone@other.jp"}]


@pytest.mark.parametrize("value", [
    "x", [1], [{"length": -1}], [{"length": True}], [{"length": 1, "addresses": "a@b"}],
    [{"length": 1, "addresses": [3]}], [{"length": 1}] * 51,
], ids=["not an array", "not objects", "negative length", "a boolean length",
        "addresses not an array", "an address not a string", "too many pastes"])
def test_bad_pastes_are_refused(value):
    with pytest.raises(checks.PasteError):
        checks.parse_pastes(value)
