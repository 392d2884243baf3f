"""The OpenAPI description of every endpoint, served at /openapi.json: the one schema.

Requests are validated against it (``atesaki.web.validation``): a route's JSON body and
query parameters are checked by the schemas declared here before its view runs, so a
limit or an allowed value is changed here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from atesaki.approvals.core import MAX_NAME
from atesaki.core.checks.paste import PASTES_SCHEMA
from atesaki.core.checks.unreadable import REASONS
from atesaki.core.version import __version__

MAX_RECIPIENTS = 500
RECENT_DEFAULT = 20  # GET /v1/recent-sends
RECENT_MAX = 100
FORMATS = ("md", "html", "json")  # the incident report's formats
MAX_RESOLVE_NAMES = 50  # POST /v1/resolve: one compose window's worth of chips
MAX_RESOLVE_NAME = 200


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


def request_body(schema_ref: str) -> dict[str, Any]:
    """A required JSON request body with a named schema."""
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


GUARDED = {
    "400": error("The body is not valid JSON or a field is wrong; `field` names the request's "
                 "member, the message starts with the exact place (`recipients[2].field`)."),
    "401": error("Missing or wrong X-Atesaki-Token."),
    "403": error("Host or Origin not allowed."),
    "413": error("Body over 1 MiB, or more than 500 recipients."),
    "415": error("The body is not application/json."),
}

STRING = {"type": "string"}
FINDING_CODES = (
    "invalid_address, blocked_domain, external, first_time, not_in_address_book, "
    "name_mismatch, surname_homonym, lookalike_domain, visible_external_recipients, "
    "new_domain_in_reply, forward_external, personal_data, attachment_external, "
    "large_audience, unreadable_recipient, sender_identity, addressee_not_recipient, "
    "attachment_names_other_org, pasted_text (see docs/api.md)"
)
# Optional fields may be absent or null (webmails often have no display name).
NULLABLE_STRING = {"type": ["string", "null"]}
# More recipients than a check takes is 413, as a body over the size limit is.
RECIPIENT_LIST = {
    "type": "array", "maxItems": MAX_RECIPIENTS,
    "items": {"$ref": "#/components/schemas/RecipientIn"},
    "x-errors": {"maxItems": {"status": 413, "error": "too_many_recipients"}},
}
EXAMPLE_RECIPIENT = {"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}

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
            # Any case, as before the schema checked it (To, Cc, BCC): compared lower-cased.
            "field": {"anyOf": [{"type": "string", "pattern": "^([Tt][Oo]|[Cc][Cc]|[Bb][Cc][Cc])$"},
                                {"type": "null"}],
                      "default": "to",
                      "x-errors": {"anyOf": {"ja": "to, cc, bcc のいずれかです。",
                                             "en": "must be one of: to, cc, bcc"}}},
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
            "quoted": {
                "type": ["boolean", "null"],
                "description": "The compose quotes an earlier message (a reply or forward the"
                               " webmail did not name): a reply unless the subject's prefix says forward.",
            },
            "recipients": RECIPIENT_LIST,
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
                        # A client reports only what it could not read; it adds no other finding.
                        "code": {"const": "unreadable_recipient", "x-errors": {"const": {
                            "ja": "unreadable_recipient だけを報告できます。",
                            "en": "only unreadable_recipient may be reported"}}},
                        "field": {"enum": ["to", "cc", "bcc", None]},
                        "name": {"type": ["string", "null"]},
                        "reason": {"enum": list(REASONS)},
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
            "pastes": PASTES_SCHEMA,
        },
        "examples": [{"sender": "tanaka@agency.go.jp", "kind": "new", "subject": "資料の送付",
                      "recipients": [EXAMPLE_RECIPIENT], "body": "佐藤様"}],
    },
    "Finding": {
        "type": "object",
        "required": ["code", "severity", "message", "related"],
        "properties": {
            "code": {"type": "string", "description": FINDING_CODES},
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
            "mailing_list": {
                "type": ["object", "null"],
                "description": "The address is a mailing list the directory or contacts know "
                               "(null: not a known list).",
                "required": ["name", "members", "source"],
                "properties": {
                    "name": STRING,
                    "members": {"type": ["integer", "null"], "minimum": 0,
                                "description": "People it reaches; null when the address "
                                               "book does not say."},
                    "source": {"enum": ["directory", "contacts"]},
                },
            },
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
            "send_delay": {"type": "integer", "minimum": 0, "maximum": 60,
                           "description": "Seconds to hold the send with Undo (policy.send_delay)."},
        },
    },
    "SendRequest": {
        "type": "object",
        "required": ["check_id", "recipients"],
        "properties": {
            "check_id": {"type": "string", "minLength": 1},
            "recipients": RECIPIENT_LIST,
            "release_token": {"type": ["string", "null"],
                              "description": "From POST /v1/approvals, when the verdict was "
                                             "approve."},
        },
        "examples": [{"check_id": "c_example", "recipients": [EXAMPLE_RECIPIENT]}],
    },
    "Ok": {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}},
    "IncidentRequest": {
        "type": "object",
        "description": "At least one of check_id, address, note, what or affected.",
        "properties": {
            "check_id": {"type": ["string", "null"], "minLength": 1},
            "address": {"type": ["string", "null"], "maxLength": 2000},
            "note": {"type": ["string", "null"], "maxLength": 20000},
            "what": {"type": ["string", "null"], "maxLength": 200,
                     "description": "One of the guided form's answers, or free text."},
            "affected": {"description": "Whose data was in the message.", "anyOf": [
                {"type": ["string", "null"], "maxLength": 2000},
                {"type": "array", "maxItems": 200, "items": {"type": "string", "maxLength": 2000}},
            ]},
        },
        "anyOf": [
            {"required": ["check_id"], "properties": {"check_id": {"type": "string"}}},
            {"required": ["address"], "properties": {"address": {"type": "string",
                                                                 "minLength": 1}}},
            {"required": ["note"], "properties": {"note": {"type": "string", "minLength": 1}}},
            {"required": ["what"], "properties": {"what": {"type": "string"}}},
            {"required": ["affected"], "properties": {"affected": {"type": ["string", "array"]}}},
        ],
        "x-errors": {"anyOf": {"ja": "どのメールか、宛先、内容のいずれかを書いてください。",
                               "en": "say which message, address or what happened"}},
        "examples": [{"address": "k.sato@example.com", "what": "wrong_recipient",
                      "note": "佐藤 美咲さん宛てのつもりでした。"}],
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
            "requestBody": request_body("CheckRequest"),
            "responses": {"200": ok_json("The check.", "CheckResponse"), **GUARDED},
        }
    },
    "/v1/sends": {
        "post": {
            "summary": "Record a send after its check (history and audit log).",
            "requestBody": request_body("SendRequest"),
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


# --- second checkers (atesaki.web.approvals) ----------------------------------------------

APPROVAL_SCHEMAS = {
    "ApprovalRequest": {
        "type": "object",
        "required": ["check_id", "checker", "code"],
        "properties": {
            "check_id": {"type": "string", "minLength": 1},
            "checker": {"type": "string", "description": "The checker's id or name.",
                        "minLength": 1, "maxLength": 2 * MAX_NAME},
            # Six digits as people type them; approvals.core.normalise_code reads them.
            "code": {"type": "string", "pattern": "^[\\s\\-－]*(?:[0-9０-９][\\s\\-－]*){6}$",
                     "description": "The 6 digits the authenticator shows (spaces, a dash and "
                                    "full-width digits are also accepted).",
                     "examples": ["123456", "123 456"],
                     "x-errors": {"pattern": {"ja": "6 桁の数字を入力してください。",
                                              "en": "type the 6 digits"}}},
        },
        "examples": [{"check_id": "c_example", "checker": "鈴木 花子", "code": "123456"}],
    },
    "ApprovalResponse": {
        "type": "object",
        "required": ["ok", "release_token", "expires_at"],
        "properties": {
            "ok": {"const": True},
            "release_token": {"type": "string",
                              "description": "Single use; pass to POST /v1/sends."},
            "expires_at": {"type": "string", "format": "date-time"},
            "checker": {"$ref": "#/components/schemas/CheckerSummary"},
        },
    },
    "CheckerSummary": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    },
    "CheckerList": {
        "type": "object",
        "required": ["checkers"],
        "properties": {
            "checkers": {"type": "array",
                         "items": {"$ref": "#/components/schemas/CheckerSummary"}},
        },
    },
}

_HTML = {"text/html": {"schema": {"type": "string"}}}

APPROVAL_PATHS = {
    "/v1/approvals": {
        "post": {
            "summary": "A second checker's one-time code: a release token for the check's digest.",
            "requestBody": request_body("ApprovalRequest"),
            "responses": {
                "200": ok_json("Granted: a release token valid 5 minutes, once.",
                               "ApprovalResponse"),
                **GUARDED,
                "403": error("Host or Origin not allowed; wrong code (`bad_code`, with "
                             "`attempts_left`); the checker is the sender (`self_approval`); "
                             "or the check's verdict is block (`blocked`)."),
                "404": error("Unknown or expired check (`unknown_check`), or unknown checker "
                             "(`unknown_checker`)."),
                "409": error("The code was already used (`code_reused`), or the check was "
                             "already sent (`already_sent`)."),
                "429": error("Five wrong codes within 15 minutes: the checker is locked for 15 "
                             "minutes (`locked`, with `retry_after` seconds and a Retry-After "
                             "header)."),
            },
        }
    },
    "/v1/checkers": {
        "get": {
            "summary": "Enrolled second checkers for the dialog's picker (id and name only).",
            "responses": {
                "200": ok_json("The checkers.", "CheckerList"),
                "401": GUARDED["401"],
                "403": GUARDED["403"],
            },
        }
    },
    "/enrol/{token}": {
        "get": {
            "summary": "The enrolment QR code, once, from the link `atesaki checker add` printed "
                       "(valid 10 minutes).",
            "security": [],
            "parameters": [{"name": "token", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "The page with the QR code.", "content": _HTML},
                "403": error("Host or Origin not allowed."),
                "404": {"description": "Unknown, used or expired link.", "content": _HTML},
            },
        }
    },
}


# --- incidents (atesaki.web.incidents) ---------------------------------------------------

INCIDENT_SCHEMAS: dict[str, Any] = {
    "RecentSends": {
        "type": "object",
        "required": ["sends"],
        "properties": {"sends": {"type": "array", "items": {
            "type": "object",
            "required": ["check_id", "sent_at", "verdict", "recipients"],
            "properties": {
                "check_id": STRING, "sent_at": STRING,
                "verdict": {"enum": ["pass", "confirm", "approve", "block"]},
                "recipients": {"type": "array", "items": {
                    "type": "object", "required": ["field", "address", "internal"],
                    "properties": {"field": {"enum": ["to", "cc", "bcc"]}, "address": STRING,
                                   "internal": {"type": "boolean"}}}},
            }}}},
    },
    "IncidentReport": {
        "type": "object",
        "required": ["incident_id", "steps", "markdown", "audit_seq", "audit_hash"],
        "properties": {
            "incident_id": STRING, "reported_at": STRING, "check_id": STRING,
            "sent_at": STRING, "address": STRING, "what": STRING, "affected": STRING,
            "note": STRING, "recipients": {"type": "array", "items": {"type": "object"}},
            "steps": {"type": "array", "items": {
                "type": "object", "properties": {"ja": STRING, "en": STRING}}},
            "markdown": STRING, "audit_seq": {"type": "integer"}, "audit_hash": STRING,
        },
    },
}

_GET_GUARDED = {k: v for k, v in GUARDED.items() if k in ("400", "401", "403")}

INCIDENT_PATHS: dict[str, Any] = {
    "/v1/recent-sends": {
        "get": {
            "summary": "The user's recent sends, for the incident form (no bodies).",
            "parameters": [{"name": "limit", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": RECENT_MAX,
                                       "default": RECENT_DEFAULT}}],
            "responses": {"200": {"description": "Newest first.", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/RecentSends"}}}},
                **_GET_GUARDED},
        }
    },
    "/v1/incidents/{incident_id}/report": {
        "get": {
            "summary": "A short report on an incident to hand to the supervisor, "
                       "with the steps to take now.",
            "parameters": [
                {"name": "incident_id", "in": "path", "required": True, "schema": STRING},
                {"name": "format", "in": "query", "required": False,
                 "schema": {"enum": list(FORMATS), "default": "md"}},
                {"name": "lang", "in": "query", "required": False,
                 "schema": {"enum": ["ja", "en", "both", ""], "default": "both"},
                 "description": "Empty: both."},
            ],
            "responses": {
                "200": {"description": "Markdown, printable HTML or JSON.", "content": {
                    "text/markdown": {"schema": STRING},
                    "text/html": {"schema": STRING},
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/IncidentReport"}},
                }},
                **_GET_GUARDED,
                "404": error("Unknown incident."),
            },
        }
    },
}


# --- name-only recipients (atesaki.web.resolve) ------------------------------------------

RESOLVE_SCHEMAS = {
    "ResolveRequest": {
        "type": "object",
        "required": ["names"],
        "properties": {
            "names": {"type": "array", "maxItems": MAX_RESOLVE_NAMES,
                      "items": {"type": "string", "maxLength": MAX_RESOLVE_NAME}},
        },
        "examples": [{"names": ["佐藤 美咲"]}],
    },
    "ResolveResponse": {
        "type": "object",
        "required": ["resolved"],
        "properties": {
            "resolved": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "address"],
                    "properties": {"name": {"type": "string"},
                                   "address": {"type": ["string", "null"]}},
                },
            },
        },
    },
}

RESOLVE_PATHS = {
    "/v1/resolve": {
        "post": {
            "summary": "The address of a name-only recipient: an exact, unique staff-directory "
                       "match, else null. Never lists the directory.",
            "requestBody": request_body("ResolveRequest"),
            "responses": {
                "200": ok_json("One answer per name, in order.", "ResolveResponse"),
                **GUARDED,
                "400": error("`names` is missing or wrong."),
            },
        }
    },
}


# --- approvals from the checker's own desk (atesaki.link.desk) ----------------------------

REMOTE_WAIT = {"name": "wait", "in": "query", "required": False,
               "description": "Seconds to wait for a change (long-poll), 0 to 25.",
               "schema": {"type": "number", "minimum": 0, "maximum": 25, "default": 0}}
REQUEST_ID = {"name": "request_id", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": "^ar_[A-Za-z0-9_-]{1,64}$",
                         "examples": ["ar_Q2hlY2tlcnNEZXNr"]}}
CENTRAL_DOWN = error("The central service cannot be reached or failed "
                     "(`central_unreachable`); codes still work.")
NOT_JOINED = error("This PC has not joined a central service (`not_joined`).")

REMOTE_SCHEMAS: dict[str, Any] = {
    "RemoteCheckers": {
        "type": "object",
        "required": ["ok", "joined", "checkers"],
        "properties": {
            "ok": {"const": True},
            "joined": {"type": "boolean",
                       "description": "false: this PC has not joined a central service."},
            "checkers": {"type": "array",
                         "items": {"$ref": "#/components/schemas/CheckerSummary"}},
        },
    },
    "RemoteAsk": {
        "type": "object",
        "required": ["check_id", "checker"],
        "properties": {
            "check_id": {"type": "string", "minLength": 1},
            "checker": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S",
                        "description": "The checker's id or name at the central service.",
                        "x-errors": {"pattern": {"ja": "確認者の ID か名前が必要です。",
                                                 "en": "the checker's id or name is required"}}},
            "subject": {"type": ["string", "null"], "maxLength": 1000},
        },
        "examples": [{"check_id": "c_example", "checker": "鈴木 花子", "subject": "資料の送付"}],
    },
    "RemoteAsked": {
        "type": "object",
        "required": ["ok", "request_id", "status", "checker"],
        "properties": {
            "ok": {"const": True}, "request_id": STRING, "status": {"const": "waiting"},
            "checker": {"$ref": "#/components/schemas/CheckerSummary"},
        },
    },
    "RemoteState": {
        "type": "object",
        "required": ["ok", "request_id", "status", "note", "check_id", "checker"],
        "properties": {
            "ok": {"const": True}, "request_id": STRING,
            "status": {"enum": ["waiting", "approved", "refused", "used"]},
            "note": STRING, "check_id": STRING, "decided_at": NULLABLE_STRING,
            "checker": {"$ref": "#/components/schemas/CheckerSummary"},
        },
    },
    "RemoteRelease": {
        "type": "object",
        "required": ["check_id"],
        "properties": {"check_id": {"type": "string", "minLength": 1}},
        "examples": [{"check_id": "c_example"}],
    },
    "RemoteRequest": {
        "type": "object",
        "description": "What the checker sees: never the body nor findings' messages.",
        "required": ["id", "sender", "subject", "recipients", "findings", "cursor"],
        "properties": {
            "id": STRING, "check_id": STRING, "digest": STRING, "status": STRING,
            "created_at": STRING, "sender": STRING, "subject": STRING, "cursor": {"type": "integer"},
            "requester": {"$ref": "#/components/schemas/CheckerSummary"},
            "findings": {"type": "array", "items": STRING},
            "recipients": {"type": "array", "items": {
                "type": "object", "required": ["field", "address", "name", "findings"],
                "properties": {"field": {"enum": ["to", "cc", "bcc"]}, "address": STRING,
                               "name": STRING, "findings": {"type": "array", "items": STRING}}}},
        },
    },
    "RemoteInbox": {
        "type": "object",
        "required": ["ok", "joined", "requests", "cursor"],
        "properties": {
            "ok": {"const": True}, "joined": {"type": "boolean"},
            "central": {"type": "string",
                        "description": "This PC's enrolment at the central service (absent "
                                       "when not joined); a new one after joining again, when "
                                       "a kept cursor means nothing."},
            "cursor": {"type": "integer", "minimum": 0,
                       "description": "Pass as `after` next time; requests with a higher "
                                      "`cursor` than the `after` sent are new."},
            "requests": {"type": "array",
                         "items": {"$ref": "#/components/schemas/RemoteRequest"}},
        },
    },
    "RemoteDecision": {
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {"enum": ["approve", "refuse"]},
            "note": {"type": ["string", "null"], "maxLength": 500},
        },
        "examples": [{"decision": "refuse", "note": "宛先に社外の方が含まれています"}],
    },
    "RemoteDecided": {
        "type": "object",
        "required": ["ok", "request_id", "status"],
        "properties": {"ok": {"const": True}, "request_id": STRING,
                       "status": {"enum": ["approved", "refused"]}},
    },
}

REMOTE_PATHS: dict[str, Any] = {
    "/v1/remote-approvals/checkers": {
        "get": {
            "summary": "The checkers at other desks this PC's user can ask (from the central "
                       "service; none when not joined).",
            "responses": {"200": ok_json("The checkers.", "RemoteCheckers"), **_GET_GUARDED,
                          "503": CENTRAL_DOWN},
        }
    },
    "/v1/remote-approvals": {
        "post": {
            "summary": "Ask a named checker at another desk to approve a check (sender, subject, "
                       "recipients with fields and finding codes; never the body).",
            "requestBody": request_body("RemoteAsk"),
            "responses": {
                "201": ok_json("Asked; the checker sees it at once.", "RemoteAsked"),
                **GUARDED,
                "403": error("Host or Origin not allowed; the check's verdict is block "
                             "(`blocked`); the checker is the sender (`self_approval`)."),
                "404": error("Unknown or expired check (`unknown_check`), or unknown checker "
                             "(`unknown_checker`)."),
                "409": NOT_JOINED | {"description": "Not joined (`not_joined`); the verdict is "
                                     "not approve (`approval_not_needed`); already sent "
                                     "(`already_sent`)."},
                "503": CENTRAL_DOWN,
            },
        }
    },
    "/v1/remote-approvals/{request_id}": {
        "get": {
            "summary": "A request's state as its sender sees it; `wait` long-polls for the "
                       "decision (with the checker's note).",
            "parameters": [REQUEST_ID, REMOTE_WAIT],
            "responses": {"200": ok_json("The state.", "RemoteState"), **_GET_GUARDED,
                          "404": error("No such request of this PC (`not_found`)."),
                          "409": NOT_JOINED, "503": CENTRAL_DOWN},
        }
    },
    "/v1/remote-approvals/{request_id}/release": {
        "post": {
            "summary": "Spend an approval (once) and get a local release token for the check's "
                       "digest, as a code gives.",
            "parameters": [REQUEST_ID],
            "requestBody": request_body("RemoteRelease"),
            "responses": {
                "200": ok_json("A release token valid 5 minutes, once.", "ApprovalResponse"),
                **GUARDED,
                "403": error("Host or Origin not allowed; not approved (`not_approved`); "
                             "the checker is this PC (`self_approval`); blocked (`blocked`)."),
                "404": error("Unknown check (`unknown_check`) or request (`not_found`)."),
                "409": error("Not joined (`not_joined`); already used (`already_used`); other "
                             "recipients (`recipients_changed`); already sent (`already_sent`)."),
                "410": error("The approval is older than 5 minutes (`expired`)."),
                "503": CENTRAL_DOWN,
            },
        }
    },
    "/v1/remote-approvals/inbox": {
        "get": {
            "summary": "The checker's side: every request waiting for this PC's user; `after` "
                       "and `wait` long-poll for a new one.",
            "parameters": [
                {"name": "after", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 0, "maximum": 10**17, "default": 0}},
                REMOTE_WAIT,
            ],
            "responses": {"200": ok_json("The waiting requests.", "RemoteInbox"),
                          **_GET_GUARDED, "503": CENTRAL_DOWN},
        }
    },
    "/v1/remote-approvals/{request_id}/decision": {
        "post": {
            "summary": "The checker's side: approve or refuse a request, with a note.",
            "parameters": [REQUEST_ID],
            "requestBody": request_body("RemoteDecision"),
            "responses": {
                "200": ok_json("Decided; the sender's dialog turns at once.", "RemoteDecided"),
                **GUARDED,
                "404": error("No such request for this PC's user (`not_found`)."),
                "409": error("Not joined (`not_joined`), or already decided "
                             "(`already_decided`)."),
                "503": CENTRAL_DOWN,
            },
        }
    },
}


def spec() -> dict[str, Any]:
    """The whole OpenAPI document, with the contributing modules' paths merged in."""
    paths = {**PATHS, **APPROVAL_PATHS, **INCIDENT_PATHS, **RESOLVE_PATHS, **REMOTE_PATHS}
    schemas = {**SCHEMAS, **APPROVAL_SCHEMAS, **INCIDENT_SCHEMAS, **RESOLVE_SCHEMAS,
               **REMOTE_SCHEMAS}
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
