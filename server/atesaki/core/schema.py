"""JSON Schema validation whose refusals name the wrong field in Japanese and English (no Flask).

The schemas are the OpenAPI document's (``atesaki.web.openapi``); the ``jsonschema``
library does the checking. What is ours is the answer a caller reads: an ``APIError``
(400 ``bad_request`` unless the schema says otherwise) whose message starts with where
the problem is (``recipients[2].field``) and says what is wrong, built from the schema
alone, so a refused value (a code, a token) is never echoed back.

A schema node may carry ``x-errors``, keyed by JSON Schema keyword, to answer a
violation of that keyword differently: ``{"status": 413, "error": "too_many_recipients"}``
and/or a message ``{"ja": …, "en": …}`` (the place is still put in front).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from atesaki.core.errors import APIError
from atesaki.core.i18n import Text

__all__ = ["DOCUMENT_URI", "compile_schema", "refusal"]

DOCUMENT_URI = "urn:atesaki:openapi"  # where a schema's "#/…" references are looked up
_COMBINATORS = ("anyOf", "oneOf")  # "none of the forms fit": said only when nothing plainer is

# (ja, en) for each JSON type, as a message names it.
_TYPES = {
    "string": ("文字列", "a string"),
    "integer": ("整数", "a whole number"),
    "number": ("数値", "a number"),
    "boolean": ("true か false", "true or false"),
    "array": ("配列", "an array"),
    "object": ("オブジェクト", "an object"),
    "null": ("null", "null"),
}


def compile_schema(schema: Mapping[str, Any], document: Mapping[str, Any] | None = None
                   ) -> Draft202012Validator:
    """A validator for ``schema``, its ``#/…`` references looked up in ``document``.

    The references are resolved once, here (by ``referencing``, as ``jsonschema`` would
    on every call), and the schema is checked against the JSON Schema meta-schema, so a
    mistake in it fails at start-up, not on a request. The validator keeps the rules it
    was made with, whatever later happens to the dictionaries it was made from.
    """
    resolver = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document or {}, default_specification=DRAFT202012)
    ).resolver(base_uri=DOCUMENT_URI)
    inlined = _inlined(schema, lambda ref: resolver.lookup(ref).contents, ())
    Draft202012Validator.check_schema(inlined)
    return Draft202012Validator(inlined)


def _inlined(node: Any, lookup: Callable[[str], Any], seen: tuple[str, ...]) -> Any:
    """A copy of ``node`` with each ``$ref`` replaced by what it points at."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in seen:
                raise ValueError(f"a schema that refers to itself cannot be inlined: {ref}")
            target = _inlined(lookup(ref), lookup, (*seen, ref))
            rest = {key: _inlined(value, lookup, seen)
                    for key, value in node.items() if key != "$ref"}
            return {"allOf": [target], **rest} if rest else target  # siblings apply too
        return {key: _inlined(value, lookup, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(value, lookup, seen) for value in node]
    return node


def refusal(validator: Draft202012Validator, instance: Any, root: str = "body") -> APIError | None:
    """None when ``instance`` is valid; else the error to answer with, naming the field.

    ``root`` names the instance itself (``body``, ``query``, ``pastes``). The message
    starts with the exact place (``recipients[2].field``); the error's ``field`` is the
    top-level member that is wrong (the missing one, for ``required``), or ``root``.
    """
    errors = validator.iter_errors(instance)
    first = next(errors, None)
    if first is None:
        return None
    # Plain faults first (a wrong type says more than "no form fits"), shallow before deep.
    chosen = max([first, *errors],
                 key=lambda e: (e.validator not in _COMBINATORS, -len(e.absolute_path)))
    if chosen.validator in _COMBINATORS and not _answer(chosen):
        chosen = best_match([chosen])  # the closest form's own complaint
    path = [*chosen.absolute_path, *_member(chosen)]
    where = _readable(path, root)
    ja, en = _describe(chosen)
    answer = _answer(chosen)
    if "ja" in answer and "en" in answer:
        ja, en = answer["ja"], answer["en"]
    return APIError(
        int(answer.get("status", 400)), str(answer.get("error", "bad_request")),
        Text(f"{where}: {ja}", f"{where}: {en}"),
        field=str(path[0]) if path else root,
    )


def _answer(error: ValidationError) -> dict[str, Any]:
    """The schema's ``x-errors`` entry for the keyword that failed, if any."""
    table = error.schema.get("x-errors") if isinstance(error.schema, Mapping) else None
    entry = table.get(error.validator) if isinstance(table, Mapping) else None
    return dict(entry) if isinstance(entry, Mapping) else {}


def _member(error: ValidationError) -> list[str]:
    """The member a ``required`` or ``additionalProperties`` error is about, as a path step."""
    if not isinstance(error.instance, Mapping):
        return []
    if error.validator == "required":
        return [next(name for name in error.validator_value if name not in error.instance)]
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        known = error.schema.get("properties", {})
        extra = [name for name in error.instance if name not in known]
        return extra[:1]
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


def _describe(error: ValidationError) -> tuple[str, str]:
    """What is wrong, in Japanese and English, from the failed keyword and the schema alone."""
    keyword, value, schema = error.validator, error.validator_value, error.schema
    if keyword == "required":
        return "必須です。", "is required"
    if keyword == "type":
        names = [_TYPES.get(t, (t, t)) for t in ([value] if isinstance(value, str) else value)]
        return ("か".join(ja for ja, _ in names) + "が必要です。",
                "must be " + " or ".join(en for _, en in names))
    if keyword == "enum":
        return f"{_listed(value)} のいずれかです。", f"must be one of: {_listed(value)}"
    if keyword == "const":
        return f"{_listed([value])} だけです。", f"must be {_listed([value])}"
    if keyword in ("minimum", "maximum") and "minimum" in schema and "maximum" in schema:
        low, high = schema["minimum"], schema["maximum"]
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
        return "どの形式にも合いません。", "matches none of the allowed forms"
    return "正しくありません。", "is not valid"
