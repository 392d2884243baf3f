"""Tests for atesaki.core.text: the one accent folding that names and domains share."""

from __future__ import annotations

import unicodedata

import pytest

from atesaki.core.domains import skeleton
from atesaki.core.names.normalize import fold_latin
from atesaki.core.text import strip_accents


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        pytest.param("Satō", "Sato", id="a macron goes"),
        pytest.param("gmàil", "gmail", id="a grave accent goes"),
        pytest.param("Nguyễn", "Nguyen", id="two stacked accents go"),
        pytest.param("Ñúñez", "Nunez", id="a tilde and an acute go"),
        pytest.param("gma\u034fil", "gmail", id="the invisible grapheme joiner goes"),
        pytest.param("gma\u1dc4il", "gmail", id="a mark from the supplement block goes"),
        pytest.param("أحمد", "احمد", id="the Arabic hamza goes"),
        pytest.param("Jørgensen", "Jørgensen", id="a letter with no decomposition stays"),
        pytest.param("plain", "plain", id="ASCII is left alone"),
    ],
)
def test_strip_accents(text, folded):
    assert strip_accents(text) == folded


@pytest.mark.parametrize("voiced", ["ガ", "パ", "が", "ぱ"])
def test_kana_voicing_marks_stay(voiced):
    """ガ is another sound than カ, not カ with an accent: a reading must keep it."""
    assert unicodedata.normalize("NFC", strip_accents(voiced)) == voiced


def test_names_and_domains_fold_the_same_accents():
    assert fold_latin("Zoë Brontë") == "zoe bronte"
    assert skeleton("gmàil.com") == skeleton("gmail.com")
    assert skeleton("gma\u1dc4il.com") == skeleton("gmail.com")
