"""What a refused request reads: the place and the fault, in both languages, from the schema alone."""

from __future__ import annotations

import pytest
from jsonschema_rs import ValidationError

from atesaki.core.schema import compile_schema, inline_references, refusal

PERSON = {
    "type": "object",
    "required": ["address"],
    "additionalProperties": False,
    "properties": {
        "address": {"type": "string", "maxLength": 10},
        "field": {"enum": ["to", "cc", "TO", "CC", None]},
        "age": {"type": ["integer", "null"], "minimum": 0, "maximum": 150},
        "code": {"type": "string", "pattern": "^[0-9]{6}$",
                 "x-errors": {"pattern": {"ja": "6 桁の数字です。", "en": "six digits"}}},
        "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"},
                 "x-errors": {"maxItems": {"status": 413, "error": "too_many"}}},
        "about": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    },
}
LIST = {"type": "object", "properties": {"people": {"type": "array", "items": PERSON}}}

CASES = [
    ("a missing member", PERSON, {}, 400, "address",
     "address: 必須です。", "address: is required"),
    ("a wrong type", PERSON, {"address": 5}, 400, "address",
     "address: 文字列が必要です。", "address: must be a string"),
    ("too long", PERSON, {"address": "x" * 11}, 400, "address",
     "address: 10 文字以内にしてください。", "address: must be at most 10 characters"),
    ("outside an enum, each value listed once", PERSON, {"address": "a", "field": "bcc"}, 400,
     "field", "field: to, cc のいずれかです。", "field: must be one of: to, cc"),
    ("outside a range", PERSON, {"address": "a", "age": 200}, 400, "age",
     "age: 0〜150 の範囲です。", "age: must be from 0 to 150"),
    ("two types allowed", PERSON, {"address": "a", "age": "old"}, 400, "age",
     "age: 整数、null のいずれかが必要です。", "age: must be a whole number or null"),
    ("the schema's own message", PERSON, {"address": "a", "code": "12a456"}, 400, "code",
     "code: 6 桁の数字です。", "code: six digits"),
    ("the schema's own status", PERSON, {"address": "a", "tags": ["a", "b", "c"]}, 413, "tags",
     "tags: 2 件までです。", "tags: at most 2 items"),
    ("a member nobody declared", PERSON, {"address": "a", "nick": "x"}, 400, "nick",
     "nick: この項目は使えません。", "nick: is not allowed here"),
    ("inside a form the value fits", PERSON, {"address": "a", "about": ["x", 3]}, 400, "about",
     "about[1]: 文字列が必要です。", "about[1]: must be a string"),
    ("no form fits", PERSON, {"address": "a", "about": 3}, 400, "about",
     "about: 文字列、配列 のいずれかが必要です。", "about: must be a string or an array"),
    ("deep in a list", LIST, {"people": [{"address": "a"}, {"address": 1}]}, 400, "people",
     "people[1].address: 文字列が必要です。", "people[1].address: must be a string"),
    ("not an object at all", PERSON, [], 400, "body",
     "body: オブジェクトが必要です。", "body: must be an object"),
]


@pytest.mark.parametrize(("schema", "instance", "status", "field", "ja", "en"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_refusal_names_the_place_and_the_fault(schema, instance, status, field, ja, en):
    error = refusal(compile_schema(schema), instance)
    assert error is not None
    assert (error.status, error.extra["field"]) == (status, field)
    assert (error.message.ja, error.message.en) == (ja, en)


def test_a_valid_instance_is_no_refusal():
    assert refusal(compile_schema(PERSON), {"address": "a", "about": ["x"], "age": None}) is None


def test_the_refused_value_is_not_in_the_message():
    error = refusal(compile_schema(PERSON), {"address": "a", "code": "s3cr3t"})
    assert "s3cr3t" not in error.message.ja + error.message.en


def test_a_broken_schema_fails_when_it_is_compiled():
    with pytest.raises(ValidationError):
        compile_schema({"type": "strin"})


def test_references_are_inlined_once_and_the_copy_is_kept():
    document = {"components": {"schemas": {"Name": {"type": "string", "maxLength": 3}}},
                "request": {"type": "object",
                            "properties": {"name": {"$ref": "#/components/schemas/Name"}}}}
    compiled = compile_schema(inline_references(document)["request"])
    document["components"]["schemas"]["Name"]["maxLength"] = 100  # later edits change nothing
    assert refusal(compiled, {"name": "abcd"}).message.en == "name: must be at most 3 characters"
