"""Each request checked against its route's operation in the OpenAPI document before its view runs.

``init_app`` pairs every route of the app with the operation of the same path and
method in ``openapi.spec()`` and compiles, once, a validator for the operation's JSON
request body, one for its query parameters and one for its path parameters. A route
gets validated by being declared there; its view then reads the body with
``http.json_body()`` and the query with ``http.query_args()`` and checks only what a
schema cannot say (lookups, digests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, g, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Map

from atesaki.core.schema import Schema, compile_schema, inline_references, refusal
from atesaki.web.http import QUERY_ARGS, json_body
from atesaki.web.openapi import spec

JSON = "application/json"
_PARAMETER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")  # werkzeug's <converter:name>
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")  # JSON's number, no nan or inf


@dataclass(frozen=True)
class Operation:
    """What one route's requests are checked against."""

    body: Schema | None = None
    query: Schema | None = None
    path: Schema | None = None
    # Query parameter -> (its JSON type, its default): how a query string is read as JSON.
    parameters: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def query_args(self, args: MultiDict) -> dict[str, Any]:
        """The declared query parameters as JSON values (numbers read), defaults filled in."""
        values = {}
        for name, (kind, default) in self.parameters.items():
            raw = args.get(name)
            if raw is None:
                if default is not None:
                    values[name] = default
                continue
            kinds = kind if isinstance(kind, list) else [kind]
            if "integer" in kinds and _WHOLE_NUMBER.fullmatch(raw):
                values[name] = int(raw)
            elif "number" in kinds and len(raw) <= 40 and _NUMBER.fullmatch(raw):
                values[name] = float(raw)  # 1e999 is inf, which the schema's maximum refuses
            else:
                values[name] = raw
        return values


def openapi_path(rule: str) -> str:
    """A werkzeug rule as the OpenAPI document writes its path: ``<name>`` becomes ``{name}``."""
    return _PARAMETER.sub(r"{\1}", rule)


def operations(url_map: Map, document: dict[str, Any]) -> dict[tuple[str, str], Operation]:
    """``(endpoint, method)`` -> its compiled Operation, for each route the document declares."""
    document = inline_references(document)  # once: the validators need no lookups later
    table: dict[tuple[str, str], Operation] = {}
    for rule in url_map.iter_rules():
        item = document["paths"].get(openapi_path(rule.rule))
        for method in rule.methods or ():
            declared = (item or {}).get(method.lower())
            if declared is not None:
                table[(rule.endpoint, method)] = compile_operation(declared)
    return table


def compile_operation(declared: dict[str, Any]) -> Operation:
    """The validators for one operation of the document (its references inlined)."""
    content = declared.get("requestBody", {}).get("content", {})
    body = content.get(JSON, {}).get("schema")
    query = [p for p in declared.get("parameters", ()) if p.get("in") == "query"]
    in_path = [p for p in declared.get("parameters", ()) if p.get("in") == "path"]
    parameters = {}
    for parameter in query:
        schema = parameter.get("schema", {})
        parameters[parameter["name"]] = (schema.get("type"), schema.get("default"))
    query_schema = {
        "type": "object",
        "properties": {p["name"]: p.get("schema", {}) for p in query},
        "required": [p["name"] for p in query if p.get("required")],
    }
    path_schema = {
        "type": "object",
        "properties": {p["name"]: p.get("schema", {}) for p in in_path},
        "required": [p["name"] for p in in_path],
    }
    return Operation(
        body=compile_schema(body) if body is not None else None,
        query=compile_schema(query_schema) if query else None,
        path=compile_schema(path_schema) if in_path else None,
        parameters=parameters,
    )


def init_app(app: Flask) -> None:
    """Validate each request of a declared route; call after every blueprint is registered."""
    table = operations(app.url_map, spec())

    @app.before_request
    def validate_request():
        if request.routing_exception is not None:
            return  # Flask answers 404 or 405 in the one error shape
        method = "GET" if request.method == "HEAD" else request.method
        operation = table.get((request.endpoint, method))
        if operation is None:
            return
        if operation.path is not None:
            problem = refusal(operation.path, dict(request.view_args or {}), root="path")
            if problem is not None:
                raise problem
        if operation.query is not None:
            values = operation.query_args(request.args)
            problem = refusal(operation.query, values, root="query")
            if problem is not None:
                raise problem
            setattr(g, QUERY_ARGS, values)
        if operation.body is not None:
            problem = refusal(operation.body, json_body())
            if problem is not None:
                raise problem
