"""The review page in real Chromium against a running service: sign-in, refusals, a screenshot.

Set ATESAKI_UPDATE_SCREENSHOTS=1 to write docs/review-page.png.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_FLAGS, ROOT

pytestmark = pytest.mark.browser

DOCS = ROOT / "docs"
REBIND_HOST = "atesaki-rebind.test"  # resolves to 127.0.0.1 inside the browser only


@pytest.fixture(scope="module")
def browser(playwright_session):
    """Headless Debian Chromium; a fresh context (profile) per test."""
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_FLAGS, f"--host-resolver-rules=MAP {REBIND_HOST} 127.0.0.1"])
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile, Japanese first."""
    ctx = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def sign_in_link(service) -> str:
    """What `atesaki ui --no-browser` prints for this service."""
    result = service.cli("ui", "--no-browser", "--port", str(service.port))
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip().splitlines()[0]
    assert url.startswith(f"{service.url}/login?t=")
    return url


def test_the_one_time_link_signs_in_and_works_only_once(live_service, browser, context) -> None:
    page = context.new_page()
    link = sign_in_link(live_service)
    response = page.goto(link)
    assert response.ok and page.url == live_service.url + "/"
    assert page.locator("[data-testid=summary]").is_visible()
    assert page.locator("[data-testid=chain]").get_attribute("data-ok") == "true"
    cookie = next(c for c in context.cookies() if c["name"].startswith("atesaki_session"))
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # scripts cannot see the session

    other = browser.new_context(locale="ja-JP")
    try:
        again = other.new_page().goto(link)
        assert again.status == 403
        assert "使用済み" in again.text()
    finally:
        other.close()


def test_another_host_name_is_refused(live_service, context) -> None:
    # DNS rebinding: a name that resolves to 127.0.0.1 but is not ours.
    response = context.new_page().goto(f"http://{REBIND_HOST}:{live_service.port}/")
    assert response.status == 403
    assert json.loads(response.text())["error"] == "bad_host"


EVIL_PAGE = """<!doctype html><html><body>
<form id="f" method="post" action="{base}/logout"><input name="csrf_token" value="guess"></form>
</body></html>"""


def test_a_page_from_another_site_can_neither_read_nor_change(live_service, context) -> None:
    page = context.new_page()
    page.goto(sign_in_link(live_service))
    base = live_service.url
    evil = context.new_page()
    evil.route("http://evil.test/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=EVIL_PAGE.format(base=base)))
    evil.goto("http://evil.test/")
    read = evil.evaluate(
        """async (base) => {
            try {
                const r = await fetch(base + "/", {credentials: "include"});
                return "read: " + (await r.text()).slice(0, 40);
            } catch (e) { return "refused"; }
        }""", base)
    assert read == "refused"
    with evil.expect_navigation() as navigation:
        evil.evaluate("document.getElementById('f').submit()")
    assert navigation.value.status == 403
    # Still signed in: the forged sign-out changed nothing.
    assert page.reload().status == 200
    assert page.locator("[data-testid=summary]").is_visible()


def _realistic_activity(service, tmp_path: Path) -> None:
    """A staff directory, a checker, and a morning's checks, sends, an approval and an incident."""
    pyotp = pytest.importorskip("pyotp")
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "First Name,Last Name,E-mail Address\n"
        "美咲,佐藤,m-sato@agency.go.jp\n一郎,田中,tanaka@agency.go.jp\n"
        "花子,鈴木,h-suzuki@agency.go.jp\n", encoding="utf-8")
    assert service.cli("import", "directory", str(staff)).returncode == 0
    added = service.cli("checker", "add", "鈴木 花子", "--json", "--port", str(service.port))
    checker = json.loads(added.stdout)

    def check(recipients, **body):
        status, _, answer = service.request("POST", "/v1/check", {
            "sender": "tanaka@agency.go.jp", "recipients": recipients, **body})
        assert status == 200, answer
        return answer

    def send(answer, recipients, release=None):
        body = {"check_id": answer["check_id"], "recipients": recipients}
        if release:
            body["release_token"] = release
        status, _, result = service.request("POST", "/v1/sends", body)
        assert status == 200, result

    inside = [{"field": "to", "address": "m-sato@agency.go.jp", "name": "佐藤 美咲"}]
    send(check(inside, subject="打合せ資料"), inside)
    outside = [{"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"},
               {"field": "cc", "address": "m-sato@agency.go.jp", "name": "佐藤 美咲"}]
    answer = check(outside, subject="学校見学会について")
    if answer["verdict"] == "approve":
        code = pyotp.parse_uri(checker["otpauth_uri"]).now()
        status, _, approval = service.request("POST", "/v1/approvals", {
            "check_id": answer["check_id"], "checker": checker["id"], "code": code})
        assert status == 200, approval
        send(answer, outside, approval["release_token"])
    else:
        send(answer, outside)
    check([{"field": "to", "address": "info@agency-go.jp"}], subject="申請書")
    # Checked, warned about personal data going outside, and not sent.
    check([{"field": "to", "address": "yamada@example.co.jp", "name": "山田 太郎"}],
          body="山田様 住所: 東京都千代田区1-1 電話 03-1234-5678")
    status, _, _ = service.request("POST", "/v1/incidents", {
        "check_id": answer["check_id"], "address": "k.sato@example.com",
        "note": "佐藤 美咲さん宛ての資料を、外部の佐藤 健二さんにも送ってしまった"})
    assert status == 201


def test_review_page_screenshot(live_service, context, tmp_path: Path) -> None:
    _realistic_activity(live_service, tmp_path)
    page = context.new_page()
    page.goto(sign_in_link(live_service))
    assert page.locator("[data-testid=incidents] tr.incident").count() == 1
    assert page.locator("[data-testid=activity] tbody tr").count() >= 3
    assert re.search(r"\d+", page.locator("[data-count=sends]").inner_text())
    # The filters are a plain form: ticking "external only" narrows the table.
    page.locator("input[name=external]").check()
    page.locator("[data-testid=filters] button").click()
    assert "external=1" in page.url
    assert all("外部" in row.inner_text()
               for row in page.locator("[data-testid=activity] tbody tr").all())
    page.goto(live_service.url + "/?lang=ja")
    target = (DOCS / "review-page.png" if os.environ.get("ATESAKI_UPDATE_SCREENSHOTS")
              else tmp_path / "review-page.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
