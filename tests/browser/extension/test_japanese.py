"""With a Japanese browser the dialog, the findings and the service's messages are in Japanese."""

from __future__ import annotations

import pytest

from .conftest import launch
from .helpers import Dialog, check_answer, homonym, misbehaving, still_nothing_sent

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_ja(playwright_session, fixture_server, tmp_path_factory):
    """A Chromium whose UI language is Japanese."""
    from .conftest import Browser

    context, worker = launch(playwright_session, tmp_path_factory.mktemp("profile-ja"), lang="ja")
    yield Browser(context, worker, fixture_server)
    context.close()


def test_the_dialog_speaks_japanese(browser_ja, stub):
    browser_ja.configure(serverUrl=stub.url, token=stub.token)
    stub.on(
        "POST", "/v1/check", check_answer(stub, per_address={"k.sato@example.com": [homonym()]})
    )
    page = browser_ja.open("gmail")
    page.evaluate(
        "__fixture.compose({to: [{name: '佐藤 健二', address: 'k.sato@example.com'}], subject: '見学会'})"
    )
    page.click(".T-I.aoO")
    dialog = Dialog(page).wait_rows()
    assert dialog.root.locator("h2").inner_text() == "送信前に宛先を確認してください"
    assert dialog.root.locator(".badge").inner_text() == "組織外"
    assert dialog.root.locator(".history").inner_text() == "初めての送信先です"
    assert (
        dialog.root.locator('[data-code="surname_homonym"]')
        .inner_text()
        .startswith("同じ姓の別の人がいます")
    )
    assert dialog.hook("did-you-mean").inner_text().startswith("もしかして: 佐藤 美咲")
    assert dialog.hook("send").inner_text() == "送信する"
    assert stub.requests[0]["headers"]["Accept-Language"].startswith("ja")


def test_the_dialog_keeps_focus_and_escape_cancels(browser_ja, stub):
    browser_ja.configure(serverUrl=stub.url, token=stub.token)
    page = browser_ja.open("gmail")
    page.evaluate(
        "__fixture.compose({to: [{name: '', address: 'a@example.com'}, {name: '', address: 'b@example.org'}]})"
    )
    page.click(".T-I.aoO")
    dialog = Dialog(page).wait_rows()
    focused = (
        "document.querySelector('[data-atesaki=dialog]').shadowRoot.activeElement?.dataset.atesaki"
    )
    assert page.evaluate(focused) == "tick"
    # Tab walks the dialog's controls and wraps around; focus never reaches the webmail.
    seen = []
    for _ in range(6):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(focused))
        assert page.evaluate("document.activeElement.dataset.atesaki") == "dialog"
    # Two ticks and Cancel; Send is disabled until both are ticked, so it is skipped.
    assert seen == ["tick", "cancel", "tick", "tick", "cancel", "tick"]
    page.keyboard.press("Space")
    assert dialog.hook("tick").first.is_checked(), "a row can be ticked from the keyboard"
    page.keyboard.press("Escape")
    dialog.wait_closed()
    assert page.evaluate("window.__sent") == []


def test_a_failing_service_is_explained_in_japanese(browser_ja, fixture_server):
    with misbehaving(500, b"Internal Server Error", "text/plain") as (url, _seen):
        browser_ja.configure(serverUrl=url, token="stub-token", webmailHosts=[fixture_server])
        page = browser_ja.open("roundcube")
        page.evaluate("__fixture.compose({to: [{name: '', address: 'k.sato@example.com'}]})")
        page.click("a.send")
        text = Dialog(page).wait_error().hook("error").inner_text()
        assert "内部でエラーが起きました" in text
        assert "`atesaki doctor` を実行してください" in text
        assert "メールは送信されていません" in text
        assert still_nothing_sent(page)
        page.close()


def test_a_mailing_list_is_shown_in_japanese_with_its_size(browser_ja, stub):
    browser_ja.configure(serverUrl=stub.url, token=stub.token)
    lists = {"all-staff@agency.go.jp": {"name": "職員 全員", "members": 40, "source": "directory"},
             "news@example.org": {"name": "お知らせ", "members": None, "source": "contacts"}}

    def answer(body):
        status, result = check_answer(stub)(body)
        for recipient in result["recipients"]:
            recipient["mailing_list"] = lists.get(recipient["address"])
        return status, result

    stub.on("POST", "/v1/check", answer)
    page = browser_ja.open("gmail")
    page.evaluate("m => __fixture.compose(m)", {"to": [
        {"name": "職員 全員", "address": "all-staff@agency.go.jp"},
        {"name": "", "address": "news@example.org"}, {"name": "", "address": "k.sato@example.com"}]})
    page.click(".T-I.aoO")
    dialog = Dialog(page).wait_rows()
    badges = dialog.root.locator('[data-atesaki="mailing-list"]')
    assert badges.all_inner_texts() == ["メーリングリスト・40 名", "メーリングリスト"]
    page.close()
