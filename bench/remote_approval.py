"""Approval from another desk, end to end: from the checker's decision to the sender's "approved".

A real PostgreSQL, two ``atesaki central serve`` instances (HTTPS) and two real
``atesaki serve`` PCs: the sender's joined through instance A, the checker's through B.
Each round: the sender checks a message that needs approval and asks the checker; the
checker's long-poll on its own PC sees the request (ask -> seen); the sender's PC waits
for the decision; the checker approves through their PC; the sender's wait returns and
the approval is spent into a local release token (approve -> token). With ``--browser``,
the same rounds run in Chromium with the extension: approve -> the dialog's status turns
"approved" (Send enabled), measured with the page's clock against ours (one machine).

Usage: python bench/remote_approval.py [--rounds 30] [--browser]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from atesaki.link import client  # noqa: E402
from bench.figures import percentile  # noqa: E402
from tests.conftest import LiveService, free_port, write_config  # noqa: E402
from tests.servers.central import CentralService, make_certificate  # noqa: E402
from tests.servers.postgres import postgres_bin, start_postgres  # noqa: E402

OUTSIDER = {"field": "to", "address": "k.sato@example.com", "name": "佐藤 健二"}


def call(pc: LiveService, method: str, path: str, body=None, timeout: float = 40):
    """One JSON call to a PC's service; the answer (raises on an error status)."""
    status, _, answer = pc.request(method, path, body, timeout=timeout)
    if status >= 400:
        raise RuntimeError(f"{method} {path}: {status} {answer}")
    return answer


def pc_service(folder: Path, instance: CentralService, name: str, email: str,
               origins: list[str]) -> LiveService:
    """A PC's service, joined to the central service through ``instance``, then started."""
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    write_config(data_dir, {"internal_domains": ["agency.go.jp"], "extension_origins": origins})
    client.join(data_dir, instance.url, instance.enrol(name, "--email", email),
                instance.certificate.cert)
    return LiveService(data_dir, free_port()).start()


def in_background(function, *args) -> tuple[threading.Thread, dict]:
    """Run ``function(*args)``; the dict gets its "value" and the perf_counter "at" it ended."""
    box: dict = {}

    def run() -> None:
        box["value"] = function(*args)
        box["at"] = time.perf_counter()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def wait_then_release(sender: LiveService, request_id: str, check_id: str) -> dict:
    """The sender's dialog through its worker: wait for the decision, then spend it."""
    state = call(sender, "GET", f"/v1/remote-approvals/{request_id}?wait=20")
    assert state["status"] == "approved", state
    return call(sender, "POST", f"/v1/remote-approvals/{request_id}/release",
                {"check_id": check_id})


def service_rounds(sender: LiveService, checker: LiveService, rounds: int) -> None:
    """Ask -> seen at the checker's desk, and approve -> the sender's release token."""
    seen, approved = [], []
    cursor = call(checker, "GET", "/v1/remote-approvals/inbox?after=0&wait=0")["cursor"]
    for _ in range(rounds):
        check = call(sender, "POST", "/v1/check", {
            "sender": "tanaka@agency.go.jp", "kind": "new", "subject": "見積書の送付",
            "recipients": [OUTSIDER]})
        desk, inbox = in_background(call, checker, "GET",
                                    f"/v1/remote-approvals/inbox?after={cursor}&wait=20")
        time.sleep(0.3)  # the checker is waiting before the request exists
        asked_at = time.perf_counter()
        asked = call(sender, "POST", "/v1/remote-approvals",
                     {"check_id": check["check_id"], "checker": "鈴木 花子"})
        desk.join(30)
        cursor = inbox["value"]["cursor"]
        seen.append(inbox["at"] - asked_at)
        waiter, released = in_background(wait_then_release, sender, asked["request_id"],
                                         check["check_id"])
        time.sleep(0.3)  # the sender is waiting before the decision
        decided_at = time.perf_counter()
        call(checker, "POST", f"/v1/remote-approvals/{asked['request_id']}/decision",
             {"decision": "approve"})
        waiter.join(30)
        assert released["value"]["release_token"]
        approved.append(released["at"] - decided_at)
    report("ask -> the checker's desk sees it", seen)
    report("approve -> the sender's PC holds the release token", approved)


def report(what: str, seconds: list[float]) -> None:
    """One line: p50, p95, max in milliseconds."""
    print(f"  {what}: p50 {percentile(seconds, 50) * 1000:.0f} ms, "
          f"p95 {percentile(seconds, 95) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms "
          f"({len(seconds)} rounds)")


# Runs in the page: note Date.now() in window.__approvedAt once the dialog's status is "approved".
WATCH_APPROVED = """() => {
  const root = document.querySelector('[data-atesaki=dialog]').shadowRoot;
  const state = () => root.querySelector('[data-atesaki="remote-status"]')?.dataset.state;
  window.__approvedAt = null;
  const observer = new MutationObserver(() => {
    if (state() === 'approved') { observer.disconnect(); window.__approvedAt = Date.now(); }
  });
  observer.observe(root, {subtree: true, attributes: true, childList: true});
}"""


def browser_rounds(sender: LiveService, checker: LiveService, rounds: int, tmp: Path) -> None:
    """Approve -> the extension's dialog shows "approved" with Send enabled."""
    import functools
    import http.server

    from playwright.sync_api import sync_playwright

    from tests.browser.extension.conftest import FIXTURES, Browser, QuietHandler, launch
    from tests.browser.extension.helpers import Dialog

    handler = functools.partial(QuietHandler, directory=str(FIXTURES))
    pages = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    fixture_url = f"http://127.0.0.1:{pages.server_address[1]}"
    turned = []
    with sync_playwright() as driver:
        context, worker = launch(driver, tmp / "profile")
        browser = Browser(context, worker, fixture_url)
        browser.configure(serverUrl=sender.url, token=sender.token, webmailHosts=[fixture_url])
        try:
            for _ in range(rounds):
                page = browser.open("gmail")
                page.evaluate("m => __fixture.compose(m)",
                              {"to": [{"name": OUTSIDER["name"], "address": OUTSIDER["address"]}],
                               "subject": "学校見学会のご案内"})
                page.click(".T-I.aoO")
                dialog = Dialog(page).wait_rows()
                dialog.tick_all()
                dialog.hook("remote-checker").select_option(label="鈴木 花子")
                dialog.hook("ask-checker").click()
                inbox = call(checker, "GET", "/v1/remote-approvals/inbox?after=0&wait=10")
                [request] = inbox["requests"]
                page.wait_for_timeout(300)  # the dialog's long-poll is waiting
                page.evaluate(WATCH_APPROVED)
                decided_at = time.time()
                call(checker, "POST", f"/v1/remote-approvals/{request['id']}/decision",
                     {"decision": "approve"})
                page.wait_for_function("window.__approvedAt", timeout=30_000)
                at = page.evaluate("window.__approvedAt") / 1000
                assert dialog.send_enabled()
                turned.append(at - decided_at)
                dialog.hook("cancel").click()
                page.close()
        finally:
            context.close()
            pages.shutdown()
    report("approve -> the sender's dialog says approved (Chromium)", turned)


def main() -> int:
    """Start PostgreSQL, two central instances and two PCs; run the rounds; print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--browser", action="store_true", help="also time the extension's dialog")
    args = parser.parse_args()
    bin_dir = postgres_bin()
    if bin_dir is None:
        print("PostgreSQL is not installed (apt-get install postgresql)")
        return 2
    from tests.browser.extension.conftest import EXTENSION_ORIGIN

    tmp = Path(tempfile.mkdtemp(prefix="atesaki-bench-"))
    pg = start_postgres(bin_dir)
    started: list = []
    try:
        url = pg.create_database()
        cert = make_certificate(tmp / "tls")
        first, second = (CentralService(url, cert, free_port(), tmp / f"central-{n}.log").start()
                         for n in "ab")
        started += [first, second]
        sender = pc_service(tmp / "sender", first, "田中 一郎", "tanaka@agency.go.jp",
                            [EXTENSION_ORIGIN])
        started.append(sender)
        checker = pc_service(tmp / "checker", second, "鈴木 花子", "suzuki@agency.go.jp", [])
        started.append(checker)
        print("sender's PC on central instance A, checker's PC on instance B, one PostgreSQL")
        service_rounds(sender, checker, args.rounds)
        if args.browser:
            browser_rounds(sender, checker, max(5, args.rounds // 3), tmp)
    finally:
        for thing in reversed(started):
            thing.stop()
        pg.stop()
        shutil.rmtree(pg.root, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
