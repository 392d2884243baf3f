"""The guard over a real socket: Host and Origin allow-lists, token, JSON only, limits, headers."""

from __future__ import annotations

import http.client
import json

import pytest

from tests.conftest import INTERNAL, LiveService, free_port, write_config

EXTENSION = "chrome-extension://" + "a" * 32
OTHER_EXTENSION = "chrome-extension://" + "b" * 32
CHECK = {"recipients": [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}]}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """One real service for the whole table (the guard keeps no state between requests)."""
    data_dir = tmp_path_factory.mktemp("security") / "data"
    write_config(data_dir, {"internal_domains": INTERNAL, "extension_origins": [EXTENSION]})
    live = LiveService(data_dir, free_port()).start()
    yield live
    live.stop()


def raw_request(service: LiveService, method: str, path: str, *, host: str | None = "default",
                headers: dict[str, str] | None = None, body: bytes | None = None,
                token: bool = True):
    """Send one request with full control over Host; returns (status, headers, parsed body)."""
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    if host == "default":
        conn.putheader("Host", f"127.0.0.1:{service.port}")
    elif host is not None:
        conn.putheader("Host", host)
    if token:
        conn.putheader("X-Atesaki-Token", service.token)
    for name, value in (headers or {}).items():
        conn.putheader(name, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw
    return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed


def post_json(service, path="/v1/check", payload=CHECK, **kwargs):
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    return raw_request(service, "POST", path, headers=headers,
                       body=json.dumps(payload).encode(), **kwargs)


HOSTS = [
    pytest.param("127.0.0.1:{port}", 200, id="loopback IPv4 with our port is served"),
    pytest.param("localhost:{port}", 200, id="localhost with our port is served"),
    pytest.param("LOCALHOST:{port}", 200, id="host names are case-insensitive"),
    pytest.param("[::1]:{port}", 200, id="loopback IPv6 with our port is served"),
    pytest.param("evil.example", 403, id="a rebinding name is refused"),
    pytest.param("evil.example:{port}", 403, id="a rebinding name with our port is refused"),
    pytest.param("127.0.0.1.nip.io:{port}", 403, id="a wildcard-DNS name for 127.0.0.1 is refused"),
    pytest.param("localhost.evil.example:{port}", 403, id="a name starting with localhost is refused"),
    pytest.param("127.0.0.1", 403, id="no port is refused"),
    pytest.param("127.0.0.1:1", 403, id="another port is refused"),
    pytest.param("", 403, id="an empty Host is refused"),
    pytest.param(None, 403, id="a missing Host is refused"),
]


@pytest.mark.parametrize(("host", "status"), HOSTS)
@pytest.mark.parametrize("path", ["/v1/health", "/v1/check", "/openapi.json", "/"])
def test_host_allow_list_is_checked_first(service, host, status, path):
    host = host.format(port=service.port) if host else host
    if path == "/v1/check":
        got, _, body = post_json(service, host=host)
    else:
        got, _, body = raw_request(service, "GET", path, host=host)
    if status == 403:
        assert got == 403
        assert body["error"] == "bad_host"
    else:
        assert got != 403 or body["error"] != "bad_host"


ORIGINS = [
    pytest.param(None, 200, id="no Origin (the service worker's fetch may omit it) is served"),
    pytest.param(EXTENSION, 200, id="the paired extension is served"),
    pytest.param("null", 403, id="Origin null is refused"),
    pytest.param(OTHER_EXTENSION, 403, id="another extension is refused"),
    pytest.param(EXTENSION + "x", 403, id="a longer id (prefix match) is refused"),
    pytest.param(EXTENSION + "/", 403, id="a trailing slash variant is refused"),
    pytest.param(EXTENSION + ".evil.example", 403, id="a suffix variant is refused"),
    pytest.param(EXTENSION.upper(), 403, id="an upper-case variant is refused"),
    pytest.param("chrome-extension://" + "a" * 31, 403, id="a shorter id is refused"),
    pytest.param("https://evil.example", 403, id="a web page is refused"),
    pytest.param("https://mail.google.com", 403, id="the webmail page itself is refused"),
    pytest.param("http://127.0.0.1:{port}", 403, id="the service's own origin cannot call the API"),
]


@pytest.mark.parametrize(("origin", "status"), ORIGINS)
def test_origin_allow_list_is_exact(service, origin, status):
    origin = origin.format(port=service.port) if origin else origin
    headers = {"Origin": origin} if origin is not None else {}
    got, response_headers, body = post_json(service, headers=headers)
    assert got == status, body
    if status == 403:
        assert body["error"] == "bad_origin"
        assert "access-control-allow-origin" not in response_headers
    if origin == EXTENSION:
        assert response_headers["access-control-allow-origin"] == EXTENSION
    if origin is None:
        assert "access-control-allow-origin" not in response_headers


TOKENS = [
    pytest.param(None, 401, id="a missing token is refused"),
    pytest.param("", 401, id="an empty token is refused"),
    pytest.param("wrong", 401, id="a wrong short token is refused"),
    pytest.param("{token}x", 401, id="the token with one more character is refused"),
    pytest.param("{token_cut}", 401, id="the token less its last character is refused"),
    pytest.param("{token}", 200, id="the right token is served"),
]


@pytest.mark.parametrize(("token", "status"), TOKENS)
def test_token_on_every_call(service, token, status):
    headers = {}
    if token is not None:
        headers["X-Atesaki-Token"] = token.format(token=service.token,
                                                  token_cut=service.token[:-1])
    got, _, body = post_json(service, headers=headers, token=False)
    assert got == status, body
    if status == 401:
        assert body["error"] == "bad_token"


@pytest.mark.parametrize("path", ["/v1/checkers", "/v1/sends", "/v1/incidents"])
def test_token_guards_every_endpoint_but_health(service, path):
    method = "GET" if path == "/v1/checkers" else "POST"
    status, _, body = raw_request(service, method, path, token=False,
                                  headers={"Content-Type": "application/json"}, body=b"{}")
    assert status == 401, body
    status, _, body = raw_request(service, "GET", "/v1/health", token=False)
    assert status == 200 and body["ok"] is True


def test_token_in_query_string_is_not_accepted(service):
    status, _, _ = raw_request(service, "POST", f"/v1/check?token={service.token}",
                               token=False, headers={"Content-Type": "application/json"},
                               body=json.dumps(CHECK).encode())
    assert status == 401


BODIES = [
    pytest.param("text/plain", json.dumps(CHECK).encode(), 415, "not_json", id="text/plain is refused"),
    pytest.param("application/x-www-form-urlencoded", b"a=b", 415, "not_json", id="a form is refused"),
    pytest.param("multipart/form-data; boundary=x", b"--x--", 415, "not_json", id="multipart is refused"),
    pytest.param(None, json.dumps(CHECK).encode(), 415, "not_json", id="no Content-Type is refused"),
    pytest.param("application/json", b"{not json", 400, "bad_json", id="broken JSON gets 400"),
    pytest.param("application/json", b"[]", 400, "bad_request", id="a JSON array gets 400"),
    pytest.param("application/json", b'{"recipients": [{"address": "a@b.jp", "name": "\\ud800"}]}',
                 400, "bad_json", id="a lone surrogate gets 400, not 500"),
    pytest.param("application/json", b'{"recipients": [{"address": "a\xff@b.jp"}]}',
                 400, "bad_json", id="bytes that are not UTF-8 get 400"),
    pytest.param("application/json", b'{"recipients": "a@b.jp"}', 400, "bad_request",
                 id="recipients not a list gets 400 naming the field"),
    pytest.param("application/json", b'{"recipients": [{"field": "reply-to", "address": "a@b.jp"}]}',
                 400, "bad_request", id="an unknown field gets 400"),
    pytest.param("application/json", b'{"recipients": [{"address": 5}]}', 400, "bad_request",
                 id="a number as address gets 400"),
    pytest.param("application/json", b'{}', 400, "bad_request", id="no recipients gets 400"),
]


@pytest.mark.parametrize(("content_type", "body", "status", "error"), BODIES)
def test_json_only_and_validated(service, content_type, body, status, error):
    headers = {"Content-Type": content_type} if content_type else {}
    got, _, parsed = raw_request(service, "POST", "/v1/check", headers=headers, body=body)
    assert (got, parsed["error"]) == (status, error), parsed
    if error == "bad_request":
        assert parsed["field"] and parsed["field"] in parsed["message"]


def test_body_over_one_mebibyte_gets_413(service):
    payload = dict(CHECK, body="x" * (1024 * 1024))
    status, _, body = post_json(service, payload=payload)
    assert (status, body["error"]) == (413, "too_large")


def test_more_than_500_recipients_get_413(service):
    recipients = [{"field": "bcc", "address": f"u{i}@example.com"} for i in range(501)]
    status, _, body = post_json(service, payload={"recipients": recipients})
    assert (status, body["error"]) == (413, "too_many_recipients")
    recipients.pop()
    status, _, body = post_json(service, payload={"recipients": recipients})
    assert status == 200 and len(body["recipients"]) == 500


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    pytest.param("GET", "/v1/health", {}, id="health"),
    pytest.param("POST", "/v1/check", {"payload": CHECK}, id="a check"),
    pytest.param("POST", "/v1/check", {"token": False}, id="an error"),
    pytest.param("GET", "/openapi.json", {}, id="the OpenAPI document"),
])
def test_every_response_is_no_store_nosniff_and_cookieless(service, method, path, kwargs):
    if method == "POST":
        _, headers, _ = post_json(service, path, **kwargs)
    else:
        _, headers, _ = raw_request(service, method, path)
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in headers


def test_preflight_from_the_extension_only(service):
    ok, headers, _ = raw_request(service, "OPTIONS", "/v1/check", token=False, headers={
        "Origin": EXTENSION, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-atesaki-token"})
    assert ok == 200
    assert headers["access-control-allow-origin"] == EXTENSION
    assert "x-atesaki-token" in headers["access-control-allow-headers"].lower()
    bad, headers, _ = raw_request(service, "OPTIONS", "/v1/check", token=False, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert bad == 403
    assert "access-control-allow-origin" not in headers


def _cors(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("access-control-") or k == "vary"}


def test_the_paired_origin_gets_exactly_these_cors_headers(service):
    """What a browser needs, pinned: a flask-cors release that changes them fails here first."""
    status, headers, _ = raw_request(service, "OPTIONS", "/v1/check", token=False, headers={
        "Origin": EXTENSION, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-atesaki-token"})
    assert status == 200
    assert _cors(headers) == {
        "access-control-allow-origin": EXTENSION,
        "access-control-allow-methods": "GET, OPTIONS, POST",
        "access-control-allow-headers": "content-type, x-atesaki-token",
    }
    status, headers, _ = post_json(service, headers={"Origin": EXTENSION})
    assert status == 200
    assert _cors(headers) == {"access-control-allow-origin": EXTENSION}
    status, headers, body = post_json(service, payload={}, headers={"Origin": EXTENSION})
    assert (status, body["error"]) == (400, "bad_request")
    assert _cors(headers) == {"access-control-allow-origin": EXTENSION}, "errors are readable too"


def test_a_newly_paired_origin_is_accepted_without_restart(service):
    newcomer = "chrome-extension://" + "c" * 32
    status, _, _ = post_json(service, headers={"Origin": newcomer})
    assert status == 403
    result = service.cli("pair", "--origin", newcomer)
    assert result.returncode == 0, result.stderr
    status, headers, _ = post_json(service, headers={"Origin": newcomer})
    assert status == 200
    assert headers["access-control-allow-origin"] == newcomer


def test_the_token_never_appears_in_responses_or_the_log(service):
    for path in ("/v1/health", "/openapi.json"):
        _, _, body = raw_request(service, "GET", path)
        assert service.token not in json.dumps(body)
    post_json(service, token=False)
    log = (service.data_dir.parent / f"service-{service.port}.log").read_text()
    assert service.token not in log
