"""The review pages through Flask's client: sign-in by one-time link, CSRF, filters, summary, export."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import timedelta

import pytest

from atesaki import store
from atesaki.store import audit
from atesaki.ui import auth
from atesaki.ui.auth import login_required
from atesaki.ui.commands import login_url

HOST = {"Host": "127.0.0.1:8765"}
OWN = "http://127.0.0.1:8765"


def new_link_token(app) -> str:
    """What `atesaki ui` stores and prints."""
    return auth.create_login_token(app.extensions["atesaki"].conn())


def sign_in(client) -> str:
    """Sign the test client in; returns the CSRF token of its session."""
    response = client.raw.get(f"/login?t={new_link_token(client.app)}", headers=HOST)
    assert response.status_code == 303, response.get_data(as_text=True)
    conn = client.app.extensions["atesaki"].conn()
    return conn.execute("SELECT csrf FROM ui_session ORDER BY created DESC LIMIT 1").fetchone()[0]


def page(client, path: str = "/", **headers: str):
    """GET a page as the browser would (own Host)."""
    return client.raw.get(path, headers={**HOST, **headers})


def test_the_review_page_asks_to_sign_in_first(client) -> None:
    response = page(client, **{"Accept-Language": "en-GB,en;q=0.9"})
    assert response.status_code == 401
    assert "atesaki ui" in response.get_data(as_text=True)
    assert "Please sign in" in response.get_data(as_text=True)


def test_the_one_time_link_signs_in_once(client) -> None:
    token = new_link_token(client.app)
    first = client.raw.get(f"/login?t={token}", headers=HOST)
    assert first.status_code == 303 and first.headers["Location"] == "/"
    cookie = first.headers["Set-Cookie"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="):
        assert attribute in cookie
    assert page(client).status_code == 200
    second = client.raw.get(f"/login?t={token}", headers=HOST)
    assert second.status_code == 403
    assert "使用済み" in second.get_data(as_text=True)


def test_links_and_sessions_are_stored_only_as_hashes(client) -> None:
    token = new_link_token(client.app)
    response = client.raw.get(f"/login?t={token}", headers=HOST)
    session_id = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    db = (client.app.extensions["atesaki"].data_dir / store.DB_NAME).read_bytes()
    wal = client.app.extensions["atesaki"].data_dir / (store.DB_NAME + "-wal")
    stored = db + (wal.read_bytes() if wal.exists() else b"")
    assert token.encode() not in stored and session_id.encode() not in stored


def test_an_expired_link_is_refused(client, monkeypatch) -> None:
    token = new_link_token(client.app)
    later = auth.utcnow() + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    assert client.raw.get(f"/login?t={token}", headers=HOST).status_code == 403


def test_an_expired_session_is_signed_out(client, monkeypatch) -> None:
    sign_in(client)
    later = auth.utcnow() + auth.SESSION_TTL + timedelta(seconds=1)
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    assert page(client).status_code == 401


@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site"])
def test_a_link_followed_from_another_site_is_refused_and_not_spent(client, fetch_site) -> None:
    token = new_link_token(client.app)
    refused = client.raw.get(f"/login?t={token}", headers={**HOST, "Sec-Fetch-Site": fetch_site})
    assert refused.status_code == 403
    assert "Set-Cookie" not in refused.headers
    assert client.raw.get(f"/login?t={token}", headers=HOST).status_code == 303


@pytest.mark.parametrize("token", ["", "nope", "x" * 500])
def test_a_made_up_link_is_refused(client, token: str) -> None:
    assert client.raw.get(f"/login?t={token}", headers=HOST).status_code == 403


@pytest.mark.parametrize(("headers", "status"), [
    pytest.param({"Host": "evil.example:8765"}, 403, id="another Host (DNS rebinding)"),
    pytest.param({**HOST, "Origin": "https://evil.example"}, 403, id="another site's Origin"),
    pytest.param({**HOST, "Origin": "http://127.0.0.1:9999"}, 403, id="another local port"),
    pytest.param({**HOST, "Origin": "null"}, 403, id="null Origin"),
])
def test_pages_refuse_other_hosts_and_origins(client, headers, status) -> None:
    sign_in(client)
    assert client.raw.get("/", headers=headers).status_code == status


def test_pages_carry_a_strict_content_security_policy(client) -> None:
    sign_in(client)
    response = page(client)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp  # no script may run at all
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(("headers", "with_token"), [
    pytest.param({"Origin": OWN}, False, id="own origin but no CSRF token"),
    pytest.param({}, True, id="CSRF token but no Origin"),
    pytest.param({"Origin": OWN, "Sec-Fetch-Site": "same-site"}, True,
                 id="token but sent from another local port"),
])
def test_sign_out_needs_origin_and_csrf_token(client, headers, with_token) -> None:
    csrf = sign_in(client)
    data = {"csrf_token": csrf} if with_token else {}
    response = client.raw.post("/logout", data=data, headers={**HOST, **headers})
    assert response.status_code == 403
    assert page(client).status_code == 200  # still signed in


def test_sign_out_ends_the_session(client) -> None:
    csrf = sign_in(client)
    response = client.raw.post("/logout", data={"csrf_token": csrf},
                               headers={**HOST, "Origin": OWN, "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200
    assert page(client).status_code == 401


def test_login_required_guards_other_modules_pages(app, client) -> None:
    @login_required
    def secret_form():
        return "done"

    app.add_url_rule("/test-form", "test_form", secret_form, methods=["GET", "POST"])
    assert page(client, "/test-form").status_code == 401
    csrf = sign_in(client)
    assert page(client, "/test-form").get_data(as_text=True) == "done"
    assert client.raw.post("/test-form", headers=HOST).status_code == 403
    ok = client.raw.post("/test-form", headers={**HOST, "Origin": OWN, "X-CSRF-Token": csrf})
    assert ok.get_data(as_text=True) == "done"


def test_atesaki_ui_prints_a_working_link_and_opens_the_browser(app, client, runner,
                                                                 monkeypatch) -> None:
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    result = runner("ui", "--port", "8765")
    assert result.exit_code == 0, result.output
    url = result.output.splitlines()[0]
    assert url.startswith("http://127.0.0.1:8765/login?t=")
    assert opened == [url]
    assert client.raw.get(url.removeprefix("http://127.0.0.1:8765"), headers=HOST).status_code == 303


def test_atesaki_ui_no_browser_only_prints(runner, monkeypatch) -> None:
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    result = runner("ui", "--no-browser")
    assert result.exit_code == 0 and opened == []
    assert login_url(8765, "x") == "http://127.0.0.1:8765/login?t=x"


# -- what the page shows -----------------------------------------------------------

EXTERNAL = [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}]
INTERNAL = [{"field": "to", "address": "tanaka@agency.go.jp", "name": "田中"}]


@pytest.fixture
def activity(app, client) -> dict[str, str]:
    """An internal send, an external check approved by 鈴木 花子, and an incident on it."""
    inside = client.check(INTERNAL)
    client.post("/v1/sends", {"check_id": inside["check_id"], "recipients": INTERNAL})
    outside = client.check(EXTERNAL)
    conn = app.extensions["atesaki"].conn()
    with store.transaction(conn):
        audit.append(conn, "approval_granted", {"check_id": outside["check_id"],
                                                "checker_id": "k1", "checker": "鈴木 花子"})
    client.post("/v1/incidents", {"check_id": outside["check_id"],
                                  "address": "k.sato@example.com", "note": "別の佐藤さん"})
    return {"inside": inside["check_id"], "outside": outside["check_id"]}


def shown_checks(client, query: str = "") -> set[str]:
    """The check ids in the page's activity table."""
    import re

    html = page(client, "/" + query).get_data(as_text=True)
    return set(re.findall(r'data-check="(c_[^"]+)"', html))


@pytest.mark.parametrize(("query", "expected"), [
    pytest.param("", {"inside", "outside"}, id="no filter shows all"),
    pytest.param("?external=1", {"outside"}, id="external only"),
    pytest.param("?approval=1", {"outside"}, id="needed approval"),
    pytest.param("?approver=%E9%88%B4%E6%9C%A8+%E8%8A%B1%E5%AD%90", {"outside"},
                 id="approved by 鈴木 花子"),
    pytest.param("?approver=nobody", set(), id="approved by someone else"),
    pytest.param("?incidents=1", {"outside"}, id="with incidents"),
])
def test_filters(client, activity, query, expected) -> None:
    sign_in(client)
    assert shown_checks(client, query) == {activity[name] for name in expected}


def test_the_page_shows_findings_summary_and_the_chain(client, activity) -> None:
    sign_in(client)
    html = page(client).get_data(as_text=True)
    assert 'data-count="sends">1<' in html
    assert 'data-count="approvals">1<' in html
    assert 'data-count="incidents">1<' in html
    # Both checks went to addresses never sent to before (first_time is a warning).
    assert 'data-count="warnings">2<' in html
    assert 'data-code="first_time"' in html
    assert 'data-ok="true"' in html
    conn = client.app.extensions["atesaki"].conn()
    head = audit.verify(conn).head_hash
    assert head in html
    assert "別の佐藤さん" in html
    assert "built-in method" not in html and "Undefined" not in html


def test_the_page_speaks_english_when_asked(client, activity) -> None:
    sign_in(client)
    english = page(client, **{"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert "Last 30 days" in english and 'lang="en"' in english
    switched = page(client, "/?lang=ja", **{"Accept-Language": "en"}).get_data(as_text=True)
    assert "直近 30 日" in switched


def test_the_page_shows_a_broken_chain(client, activity) -> None:
    sign_in(client)
    path = client.app.extensions["atesaki"].data_dir / store.DB_NAME
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("DROP TRIGGER audit_no_delete")
    raw.execute("DELETE FROM audit WHERE seq = 2")
    raw.close()
    html = page(client).get_data(as_text=True)
    assert 'data-ok="false"' in html and "記録 2" in html


def test_csv_export_needs_a_session_and_has_every_entry(client, activity) -> None:
    assert page(client, "/export.csv").status_code == 401
    sign_in(client)
    response = page(client, "/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so Excel reads the Japanese right
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    conn = client.app.extensions["atesaki"].conn()
    assert len(rows) == audit.verify(conn).count


def test_incident_report_from_the_page(client, activity) -> None:
    sign_in(client)
    conn = client.app.extensions["atesaki"].conn()
    incident_id = next(audit.entries(conn, event="incident"))["data"]["incident_id"]
    response = page(client, f"/incidents/{incident_id}/report?format=html&lang=en")
    assert response.status_code == 200 and "What to do now" in response.get_data(as_text=True)
    assert page(client, "/incidents/i_none/report").status_code == 404
