"""The OpenAPI description of every endpoint, served at /openapi.json.

Modules that add endpoints (approvals, the review pages) contribute their own
``OPENAPI_PATHS`` and ``OPENAPI_SCHEMAS``; this module merges them.
"""

from __future__ import annotations

from typing import Any

from atesaki import __version__
from atesaki.plugins import optional_module

CONTRIBUTORS = ("atesaki.approvals", "atesaki.audit", "atesaki.ui", "atesaki.resolve")


def error(description: str) -> dict[str, Any]:
    """A response that carries the one error shape."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def ok_json(description: str, schema_ref: str) -> dict[str, Any]:
    """A JSON success response with a named schema."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def json_body(schema_ref: str) -> dict[str, Any]:
    """A required JSON request body with a named schema."""
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


GUARDED = {
    "400": error("The body is not valid JSON or a field is wrong; `field` names it."),
    "401": error("Missing or wrong X-Atesaki-Token."),
    "403": error("Host or Origin not allowed."),
    "413": error("Body over 1 MiB, or more than 500 recipients."),
    "415": error("The body is not application/json."),
}

STRING = {"type": "string"}
# Optional fields may be absent or null (webmails often have no display name).
NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["ok", "error", "message", "status"],
        "properties": {
            "ok": {"const": False},
            "error": STRING,
            "message": STRING,
            "messages": {"type": "object", "properties": {"ja": STRING, "en": STRING}},
            "status": {"type": "integer"},
            "field": STRING,
        },
    },
    "RecipientIn": {
        "type": "object",
        "required": ["address"],
        "properties": {
            "field": {"enum": ["to", "cc", "bcc", "TO", "CC", "BCC", None], "default": "to"},
            "address": {"type": "string", "maxLength": 2000},
            "name": {"type": ["string", "null"], "maxLength": 2000},
        },
    },
    "CheckRequest": {
        "type": "object",
        "required": ["recipients"],
        "properties": {
            "sender": {"type": ["string", "null"], "maxLength": 2000},
            "kind": {"enum": ["new", "reply", "forward", "", None]},
            "subject": {"type": ["string", "null"], "maxLength": 20000},
            "recipients": {
                "type": "array", "maxItems": 500,
                "items": {"$ref": "#/components/schemas/RecipientIn"},
            },
            "thread_recipients": {
                "type": ["array", "null"], "maxItems": 2000,
                "items": {"type": "string", "maxLength": 2000},
            },
            "body": {"type": ["string", "null"]},
            "findings": {
                "type": ["array", "null"], "maxItems": 500,
                "description": "What the extension could not read; always makes the verdict block.",
                "items": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {
                        "code": {"const": "unreadable_recipient"},
                        "field": {"enum": ["to", "cc", "bcc", None]},
                        "name": {"type": ["string", "null"]},
                        "reason": {"enum": ["no_address", "unresolved", "count_mismatch",
                                            "none_read"]},
                        "shown": {"type": ["integer", "null"], "minimum": 0},
                        "read": {"type": ["integer", "null"], "minimum": 0},
                    },
                },
            },
            "attachments": {
                "type": ["array", "null"], "maxItems": 200,
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": ["string", "null"], "maxLength": 2000},
                        "size": {"type": ["integer", "null"], "minimum": 0},
                    },
                },
            },
        },
    },
    "Finding": {
        "type": "object",
        "required": ["code", "severity", "message", "related"],
        "properties": {
            "code": STRING,
            "severity": {"enum": ["info", "warn", "high", "block"]},
            "message": STRING,
            "messages": {"type": "object"},
            "related": {"type": "array", "items": {"type": "object"}},
        },
    },
    "RecipientOut": {
        "type": "object",
        "required": ["field", "address", "name", "internal", "known", "sent_count",
                     "last_sent", "findings"],
        "properties": {
            "field": {"enum": ["to", "cc", "bcc"]},
            "address": STRING,
            "name": STRING,
            "internal": {"type": "boolean"},
            "known": {"type": "boolean"},
            "sent_count": {"type": "integer", "minimum": 0},
            "last_sent": NULLABLE_STRING,
            "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
        },
    },
    "CheckResponse": {
        "type": "object",
        "required": ["check_id", "verdict", "digest", "recipients", "findings"],
        "properties": {
            "check_id": STRING,
            "verdict": {"enum": ["pass", "confirm", "approve", "block"]},
            "digest": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "kind": {"enum": ["new", "reply", "forward"]},
            "recipients": {
                "type": "array", "items": {"$ref": "#/components/schemas/RecipientOut"},
            },
            "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
        },
    },
    "SendRequest": {
        "type": "object",
        "required": ["check_id", "recipients"],
        "properties": {
            "check_id": {"type": "string", "minLength": 1},
            "recipients": {
                "type": "array", "maxItems": 500,
                "items": {"$ref": "#/components/schemas/RecipientIn"},
            },
            "release_token": STRING,
        },
    },
    "Ok": {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}},
    "IncidentRequest": {
        "type": "object",
        "description": "At least one of check_id, address, note, what or affected.",
        "properties": {
            "check_id": {"type": ["string", "null"], "minLength": 1},
            "address": {"type": "string", "maxLength": 2000},
            "note": {"type": "string", "maxLength": 20000},
            "what": {"type": "string", "maxLength": 200},
            "affected": {"oneOf": [
                {"type": "string", "maxLength": 2000},
                {"type": "array", "maxItems": 200, "items": {"type": "string", "maxLength": 2000}},
            ]},
        },
        "anyOf": [
            {"required": ["check_id"], "properties": {"check_id": {"type": "string"}}},
            {"required": ["address"], "properties": {"address": {"minLength": 1}}},
            {"required": ["note"], "properties": {"note": {"minLength": 1}}},
            {"required": ["what"]},
            {"required": ["affected"]},
        ],
    },
    "IncidentResponse": {
        "type": "object",
        "required": ["ok", "incident_id"],
        "properties": {"ok": {"const": True}, "incident_id": STRING,
                       "audit_seq": {"type": "integer"}},
    },
    "Health": {
        "type": "object",
        "required": ["ok", "service", "version"],
        "properties": {"ok": {"const": True}, "service": STRING, "version": STRING},
    },
}

PATHS: dict[str, Any] = {
    "/v1/health": {
        "get": {
            "summary": "Is the service running? (no token needed)",
            "security": [],
            "responses": {"200": ok_json("Running.", "Health"),
                          "403": error("Host or Origin not allowed.")},
        }
    },
    "/v1/check": {
        "post": {
            "summary": "Check a message's recipients and get a verdict.",
            "requestBody": json_body("CheckRequest"),
            "responses": {"200": ok_json("The check.", "CheckResponse"), **GUARDED},
        }
    },
    "/v1/sends": {
        "post": {
            "summary": "Record a send after its check (history and audit log).",
            "requestBody": json_body("SendRequest"),
            "responses": {
                "200": ok_json("Recorded.", "Ok"),
                **GUARDED,
                "403": error("Host or Origin not allowed; the verdict was block (`blocked`); "
                             "or approval required and no valid release token "
                             "(`approval_required`)."),
                "404": error("Unknown or expired check."),
                "409": error("The recipients differ from the check's (`recipients_changed`), "
                             "or the check was already sent (`already_sent`)."),
            },
        }
    },
    "/v1/incidents": {
        "post": {
            "summary": "Report a message that went to the wrong person.",
            "requestBody": {
                "required": True,
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/IncidentRequest"}}},
            },
            "responses": {
                "201": ok_json("Recorded in the audit log.", "IncidentResponse"),
                **GUARDED,
                "404": error("Unknown check."),
            },
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "This description.",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "403": error("Host or Origin not allowed.")},
        }
    },
}


def spec() -> dict[str, Any]:
    """The whole OpenAPI document, with the contributing modules' paths merged in."""
    paths = dict(PATHS)
    schemas = dict(SCHEMAS)
    for name in CONTRIBUTORS:
        module = optional_module(name)
        if module is None:
            continue
        paths.update(getattr(module, "OPENAPI_PATHS", {}))
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Atesaki local verification service",
            "version": __version__,
            "description": "Checks e-mail recipients before they are sent. Loopback only; "
            "every /v1 call but /v1/health carries X-Atesaki-Token.",
        },
        "servers": [{"url": "http://127.0.0.1:8765"}],
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "X-Atesaki-Token"}
            },
            "schemas": schemas,
        },
        "paths": paths,
    }
