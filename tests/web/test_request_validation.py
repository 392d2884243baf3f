"""Every /v1 request is validated by its schema in the OpenAPI document, and by nothing else."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from atesaki import create_app
from atesaki.core.schema import inline_references
from atesaki.web import openapi
from atesaki.web.validation import openapi_path
from tests.conftest import ApiClient, write_config

WRONG = {"a value of the wrong type": True}  # an object: no top-level member takes one


def post_routes(app) -> list[str]:
    """The app's POST /v1 routes, as the OpenAPI document writes their paths."""
    return sorted(openapi_path(rule.rule) for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/v1/") and "POST" in (rule.methods or ()))


def request_schema(path: str) -> dict[str, Any]:
    """The JSON body schema the document declares for POST ``path`` (references inlined)."""
    operation = inline_references(openapi.spec())["paths"][path]["post"]
    return operation["requestBody"]["content"]["application/json"]["schema"]


def types_of(schema: dict[str, Any]) -> set[str]:
    """The JSON types a member's schema names, in its own ``type`` or its forms'."""
    found = set()
    for part in (schema, *schema.get("anyOf", ()), *schema.get("oneOf", ())):
        kind = part.get("type", ())
        found.update([kind] if isinstance(kind, str) else kind)
    return found


def refused(response, field: str) -> str | None:
    """Why ``response`` is not a 400 naming ``field`` in both languages, or None."""
    body = response.get_json()
    if response.status_code != 400 or body.get("error") != "bad_request":
        return f"{response.status_code} {body}"
    if body.get("field") != field:
        return f"field {body.get('field')!r}, not {field!r}: {body['messages']}"
    if not all(body["messages"][lang].startswith(field) for lang in ("ja", "en")):
        return f"the messages do not start with {field!r}: {body['messages']}"
    return None


def test_every_post_route_declares_its_request_body_with_an_example(app):
    document = openapi.spec()
    routes = post_routes(app)
    assert "/v1/check" in routes and "/v1/approvals" in routes
    for path in routes:
        assert "post" in document["paths"].get(path, {}), (
            f"POST {path}: declare it, with its requestBody, in atesaki/web/openapi.py")
        schema = request_schema(path)
        assert schema.get("type") == "object", path
        assert schema.get("examples"), f"POST {path}: give its request schema an example body"


def concrete(path: str) -> str:
    """``path`` with each path parameter replaced by the example its schema gives."""
    for parameter in openapi.spec()["paths"][path]["post"].get("parameters", ()):
        if parameter["in"] == "path":
            value = parameter["schema"]["examples"][0]
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def test_every_post_route_refuses_a_body_that_breaks_its_schema_by_name(app, client):
    problems = []
    for template in post_routes(app):
        schema = request_schema(template)
        example = schema["examples"][0]
        path = concrete(template)
        answer = client.post(path, example)
        if answer.status_code == 400 or answer.status_code >= 500:
            problems.append(f"{path} refuses its own example: {answer.get_json()}")
        problem = refused(client.post(path, [example]), "body")
        if problem:
            problems.append(f"{path} with an array: {problem}")
        for member in schema.get("required", ()):
            body = {k: v for k, v in example.items() if k != member}
            problem = refused(client.post(path, body), member)
            if problem:
                problems.append(f"{path} without {member}: {problem}")
        for member, member_schema in schema["properties"].items():
            assert "object" not in types_of(member_schema), (path, member)
            problem = refused(client.post(path, {**example, member: WRONG}), member)
            if problem:
                problems.append(f"{path} with a wrong {member}: {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("request_id", ["..", "ar_1?x=1", "ar_" + "x" * 65, "other"])
def test_a_path_parameter_outside_its_schema_is_refused_before_the_view(client, request_id):
    # The id goes on to the central service's URL: only an id of its form may get there.
    answer = client.post(f"/v1/remote-approvals/{quote(request_id, safe='')}/decision",
                         {"decision": "approve"})
    assert answer.status_code == 400
    assert answer.get_json()["field"] == "request_id"


def test_members_the_hand_checks_let_through_are_refused_now(client):
    # Before the schema was the one check, a falsy sender and a form-field object
    # slipped past /v1/check, and an incident's check_id of "" was looked up.
    for body, field in [
        ({"recipients": [], "sender": {}}, "sender"),
        ({"recipients": [], "sender": 0}, "sender"),
        ({"recipients": [{"address": "a@b.jp", "field": "Reply-To"}]}, "recipients"),
    ]:
        assert refused(client.post("/v1/check", body), field) is None, body
    assert refused(client.post("/v1/incidents", {"check_id": ""}), "check_id") is None


def test_the_message_says_where_inside_a_list(client):
    response = client.post("/v1/check", {"recipients": [
        {"address": "a@b.jp"}, {"address": "c@d.jp", "field": "reply-to"}]})
    body = response.get_json()
    assert (response.status_code, body["field"]) == (400, "recipients")
    assert body["messages"]["ja"] == "recipients[1].field: to, cc, bcc のいずれかです。"
    assert body["messages"]["en"] == "recipients[1].field: must be one of: to, cc, bcc"


def test_more_recipients_than_the_schema_allows_is_413_on_sends_too(client):
    recipients = [{"field": "bcc", "address": f"u{i}@example.com"} for i in range(501)]
    response = client.post("/v1/sends", {"check_id": "c_x", "recipients": recipients})
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_many_recipients"


@pytest.mark.parametrize(("path", "body", "secret"), [
    pytest.param("/v1/approvals", {"check_id": "c_x", "checker": "鈴木", "code": "98a7654321"},
                 "98a7654321", id="a mistyped one-time code"),
    pytest.param("/v1/sends", {"check_id": "c_x", "recipients": [],
                               "release_token": ["rt-secret-4f9a"]},
                 "rt-secret-4f9a", id="a release token of the wrong type"),
    pytest.param("/v1/check", {"recipients": [{"address": "a@b.jp", "field": "x-secret-field"}]},
                 "x-secret-field", id="a value outside an enum"),
])
def test_a_refused_value_is_never_echoed(client, path, body, secret):
    response = client.post(path, body)
    assert response.status_code == 400
    assert secret not in response.get_data(as_text=True)


def _app(tmp_path, name):
    data_dir = tmp_path / name
    write_config(data_dir, {"internal_domains": ["agency.go.jp"]})
    return ApiClient(create_app({"DATA_DIR": str(data_dir), "PORT": 8765}))


def test_a_schema_edit_alone_changes_what_is_accepted(tmp_path, monkeypatch):
    three = {"names": ["佐藤 美咲", "鈴木 花子", "田中 一郎"]}
    subject = {"recipients": [{"address": "k.sato@example.com"}], "subject": "資料の送付です"}
    before = _app(tmp_path, "before")
    assert before.post("/v1/resolve", three).status_code == 200
    assert before.post("/v1/check", subject).status_code == 200

    names = openapi.RESOLVE_SCHEMAS["ResolveRequest"]["properties"]["names"]
    monkeypatch.setitem(names, "maxItems", 2)
    monkeypatch.setitem(openapi.SCHEMAS["CheckRequest"]["properties"], "subject",
                        {"type": "string", "maxLength": 5})
    after = _app(tmp_path, "after")
    response = after.post("/v1/resolve", three)
    assert refused(response, "names") is None
    assert "2" in response.get_json()["messages"]["en"]
    assert refused(after.post("/v1/check", subject), "subject") is None
    # The edited document is the one served, and an app made before it keeps its rules.
    assert after.get("/openapi.json").get_json()["paths"]["/v1/resolve"]
    assert before.post("/v1/resolve", three).status_code == 200


def test_query_parameters_are_read_as_the_schema_types_them(client):
    for query, status in [("limit=3", 200), ("limit=100", 200), ("limit=+3", 400),
                          ("limit=3.0", 400), ("", 200)]:
        response = client.get(f"/v1/recent-sends?{query}")
        assert response.status_code == status, (query, response.get_json())
        if status == 400:
            assert response.get_json()["field"] == "limit"
