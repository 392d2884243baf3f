"""JSON Schema validation whose refusals name the wrong field in Japanese and English (no Flask).

The schemas are the OpenAPI document's (``atesaki.web.openapi``); ``jsonschema-rs``
does the checking (a valid check request costs microseconds). What is ours is the
answer a caller reads: an ``APIError`` (400 ``bad_request`` unless the schema says
otherwise) whose message starts with where the problem is (``recipients[2].field``)
and says what is wrong, built from the schema alone, so a refused value (a code, a
token) is never echoed back.

A schema node may carry ``x-errors``, keyed by JSON Schema keyword, to answer a
violation of that keyword differently: ``{"status": 413, "error": "too_many_recipients"}``
and/or a message ``{"ja": …, "en": …}`` (the place is still put in front).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema_rs import Draft202012Validator, Registry, ValidationError, dereference, meta

from atesaki.core.errors import APIError
from atesaki.core.i18n import Text

__all__ = ["Schema", "compile_schema", "inline_references", "refusal"]

_DOCUMENT = "urn:atesaki:document"  # the name the document's own references resolve against
_COMBINATORS = ("anyOf", "oneOf")  # "none of the forms fit": said only when nothing plainer is

# (ja, en) for each JSON type, as a message names it.
_TYPES = {
    "string": ("文字列", "a string"),
    "integer": ("整数", "a whole number"),
    "number": ("数値", "a number"),
    "boolean": ("真偽値（true か false）", "true or false"),
    "array": ("配列", "an array"),
    "object": ("オブジェクト", "an object"),
    "null": ("null", "null"),
}


@dataclass(frozen=True)
class Schema:
    """A compiled schema and the self-contained schema it was compiled from."""

    schema: dict[str, Any]
    validator: Draft202012Validator


def inline_references(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every ``$ref`` replaced by what it points at (nothing fetched).

    The document need not be a schema (an OpenAPI document is not, and jsonschema-rs
    from 0.61 inlines only references in a schema's own keywords), so each local
    ``$ref`` is found wherever it stands and resolved by jsonschema-rs against the whole
    document, which inlines the references inside its target too.
    """
    registry = Registry([(_DOCUMENT, document)])

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                target = dereference({"$ref": _DOCUMENT + ref}, registry=registry, offline=True)
                siblings = {key: inline(value) for key, value in node.items() if key != "$ref"}
                return {**target, **siblings}
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return inline(copy.deepcopy(document))


def compile_schema(schema: Mapping[str, Any]) -> Schema:
    """A validator for a self-contained schema (see ``inline_references``).

    The schema is checked against the JSON Schema meta-schema, so a mistake in it
    fails when the app is made, not on a request; it is copied, so the validator keeps
    the rules it was made with whatever later happens to the dictionaries.
    """
    schema = copy.deepcopy(dict(schema))
    meta.validate(schema)
    return Schema(schema, Draft202012Validator(schema))


def refusal(compiled: Schema, instance: Any, root: str = "body") -> APIError | None:
    """None when ``instance`` is valid; else the error to answer with, naming the field.

    ``root`` names the instance itself (``body``, ``query``, ``pastes``). The message
    starts with the exact place (``recipients[2].field``); the error's ``field`` is the
    top-level member that is wrong (the missing one, for ``required``), or ``root``.
    """
    if compiled.validator.is_valid(instance):  # the usual case, and the fastest call
        return None
    chosen = max(compiled.validator.iter_errors(instance), key=_relevance)
    node = _node(compiled.schema, chosen)
    answer = _answer(node, chosen)
    if chosen.kind.name in _COMBINATORS and not answer:
        chosen = _closest(chosen)
        node = _node(compiled.schema, chosen)
        answer = _answer(node, chosen)
    path = [*chosen.instance_path, *_member(chosen)]
    where = _readable(path, root)
    ja, en = _describe(chosen, node)
    if "ja" in answer and "en" in answer:
        ja, en = answer["ja"], answer["en"]
    return APIError(
        int(answer.get("status", 400)), str(answer.get("error", "bad_request")),
        Text(f"{where}: {ja}", f"{where}: {en}"),
        field=str(path[0]) if path else root,
    )


def _relevance(error: ValidationError) -> tuple[bool, int]:
    # Plain faults first (a wrong type says more than "no form fits"), the shallowest of them;
    # of "no form fits", the deepest (the member's forms before the whole body's).
    plain = error.kind.name not in _COMBINATORS
    depth = len(error.instance_path)
    return plain, -depth if plain else depth


def _closest(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf: the complaint of a form the value has the type of, else the error."""
    here = list(error.instance_path)
    fitting = [errors for errors in getattr(error.kind, "context", ()) if errors and not any(
        e.kind.name == "type" and list(e.instance_path) == here for e in errors)]
    if not fitting:
        return error
    best = max((e for errors in fitting for e in errors), key=_relevance)
    return _closest(best) if best.kind.name in _COMBINATORS else best


def _node(schema: dict[str, Any], error: ValidationError) -> dict[str, Any]:
    """The schema object that holds the keyword that failed."""
    node: Any = schema
    for step in error.schema_path[:-1]:
        node = node[step]
    return node if isinstance(node, dict) else {}


def _answer(node: dict[str, Any], error: ValidationError) -> dict[str, Any]:
    """The schema's ``x-errors`` entry for the keyword that failed, if any."""
    table = node.get("x-errors")
    entry = table.get(error.kind.name) if isinstance(table, Mapping) else None
    return dict(entry) if isinstance(entry, Mapping) else {}


def _member(error: ValidationError) -> list[str]:
    """The member a ``required`` or ``additionalProperties`` error is about, as a path step."""
    if error.kind.name == "required":
        return [str(error.kind.property)]
    if error.kind.name in ("additionalProperties", "unevaluatedProperties"):
        return [str(name) for name in getattr(error.kind, "unexpected", ())][:1]
    return []


def _readable(path: list[Any], root: str) -> str:
    """``recipients[2].field`` for the path ("recipients", 2, "field"); ``root`` for none."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or root


def _listed(values: Any) -> str:
    """The allowed values, as a message lists them: each text once, case aside."""
    seen: dict[str, str] = {}
    for value in values:
        if value is None or value == "":
            continue
        text = value if isinstance(value, str) else repr(value)
        seen.setdefault(text.lower(), text)
    return ", ".join(seen.values())


def _types(names: list[str]) -> tuple[str, str]:
    """"must be a string or null" in both languages."""
    texts = [_TYPES.get(name, (name, name)) for name in dict.fromkeys(names)]
    if len(texts) == 1:
        return f"{texts[0][0]}が必要です。", f"must be {texts[0][1]}"
    return ("、".join(ja for ja, _ in texts) + " のいずれかが必要です。",
            "must be " + ", ".join(en for _, en in texts[:-1]) + " or " + texts[-1][1])


def _describe(error: ValidationError, node: dict[str, Any]) -> tuple[str, str]:
    """What is wrong, in Japanese and English, from the failed keyword and the schema alone."""
    keyword = error.kind.name
    value = node.get(keyword)
    if keyword == "required":
        return "必須です。", "is required"
    if keyword == "type":
        return _types([value] if isinstance(value, str) else list(value))
    if keyword == "enum":
        return f"{_listed(value)} のいずれかです。", f"must be one of: {_listed(value)}"
    if keyword == "const":
        return f"{_listed([value])} だけです。", f"must be {_listed([value])}"
    if keyword in ("minimum", "maximum") and "minimum" in node and "maximum" in node:
        low, high = node["minimum"], node["maximum"]
        return f"{low}〜{high} の範囲です。", f"must be from {low} to {high}"
    if keyword == "minimum":
        return f"{value} 以上です。", f"must be ≥ {value}"
    if keyword == "maximum":
        return f"{value} 以下です。", f"must be ≤ {value}"
    if keyword == "maxLength":
        return f"{value} 文字以内にしてください。", f"must be at most {value} characters"
    if keyword == "minLength":
        if value == 1:
            return "空にはできません。", "must not be empty"
        return f"{value} 文字以上にしてください。", f"must be at least {value} characters"
    if keyword == "maxItems":
        return f"{value} 件までです。", f"at most {value} items"
    if keyword == "minItems":
        return f"{value} 件以上必要です。", f"must have at least {value} items"
    if keyword == "uniqueItems":
        return "同じものが重なっています。", "must not repeat an item"
    if keyword == "pattern":
        return "形式が正しくありません。", "is not in the expected form"
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return "この項目は使えません。", "is not allowed here"
    if keyword in _COMBINATORS:
        forms = value if isinstance(value, list) else []
        if forms and all(isinstance(form, dict) and "type" in form for form in forms):
            # Each form wants another type: say which types would do.
            return _types([t for form in forms for t in (
                [form["type"]] if isinstance(form["type"], str) else form["type"])])
        return "どの形式にも合いません。", "matches none of the allowed forms"
    return "正しくありません。", "is not valid"
