"""Address parsing, the canonical recipient list and its digest."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atesaki.core.recipients import canonical_list, digest, parse_address, split_header

VALID = [
    pytest.param("k.sato@example.com", "k.sato@example.com", id="plain address"),
    pytest.param("K.Sato@Example.COM", "K.Sato@example.com", id="upper-case domain is lowered"),
    pytest.param("a+tag@agency.go.jp", "a+tag@agency.go.jp", id="plus-addressing kept"),
    pytest.param("user@例え.jp", "user@xn--r8jz45g.jp", id="IDN domain becomes punycode"),
    pytest.param("user@ＥＸＡＭＰＬＥ.ｊｐ", "user@example.jp", id="full-width domain is folded"),
    pytest.param("<m-sato@agency.go.jp>", "m-sato@agency.go.jp", id="angle brackets stripped"),
    pytest.param(" mailto:x@y.co.jp ", "x@y.co.jp", id="mailto and spaces stripped"),
    pytest.param("x@y.co.jp.", "x@y.co.jp", id="trailing dot of the domain dropped"),
]


@pytest.mark.parametrize(("text", "address"), VALID)
def test_valid_addresses_are_normalised(text, address):
    parsed = parse_address(text)
    assert parsed.valid
    assert parsed.address == address


INVALID = [
    pytest.param("", id="empty"),
    pytest.param("garbage", id="no at sign"),
    pytest.param("a@@b.jp", id="two at signs"),
    pytest.param("a@b", id="no dot in the domain"),
    pytest.param("a@-b.jp", id="label starting with a hyphen"),
    pytest.param("a@b..jp", id="empty label"),
    pytest.param(".a@b.jp", id="local part starting with a dot"),
    pytest.param("a b@c.jp", id="space in the local part"),
    pytest.param("a@1.2.3.4", id="numeric top-level label"),
    pytest.param("佐藤 <>", id="a name with an empty address"),
    pytest.param("x" * 70 + "@b.jp", id="local part over 64 characters"),
]


@pytest.mark.parametrize("text", INVALID)
def test_garbage_is_invalid_not_an_error(text):
    assert not parse_address(text).valid


@given(st.text(max_size=300))
def test_parse_never_raises(text):
    parsed = parse_address(text)
    assert parsed.valid in (True, False)
    if parsed.valid:
        assert parsed.domain == parsed.domain.lower()


def test_display_names_with_commas_and_quotes_split_correctly():
    pairs = split_header('"Sato, Kenji" <k@x.jp>, "O\'Brien \\"Bob\\"" <b@y.jp>, 佐藤 健二 <k.sato@example.com>')
    assert pairs == [("Sato, Kenji", "k@x.jp"), ('O\'Brien "Bob"', "b@y.jp"),
                     ("佐藤 健二", "k.sato@example.com")]


def test_canonical_list_is_sorted_field_address_lines_with_lower_domain():
    recipients = [("to", "B@Example.COM"), ("cc", "a@例え.jp"), ("bcc", "z@x.jp")]
    assert canonical_list(recipients) == "bcc:z@x.jp\ncc:a@xn--r8jz45g.jp\nto:B@example.com"


def test_digest_is_sha256_of_the_canonical_list_and_ignores_order():
    one = [("to", "a@x.jp"), ("cc", "b@y.jp")]
    two = [("cc", "b@Y.JP"), ("to", "a@x.jp")]
    assert digest(one) == digest(two)
    assert digest(one) == hashlib.sha256(b"cc:b@y.jp\nto:a@x.jp").hexdigest()


def test_digest_changes_when_a_bcc_is_added_or_a_field_moves():
    base = [("to", "a@x.jp")]
    assert digest(base) != digest([*base, ("bcc", "c@z.jp")])
    assert digest(base) != digest([("cc", "a@x.jp")])
