"""Dialog latency in Chromium with the extension and a local `atesaki serve` (targets: p95 <= 300 ms, pass <= 150 ms).

Measures, in the page, (1) Send click -> the dialog's rows visible, and (2) for a `pass` verdict,
Send click -> the webmail's own send handler running. 20 runs each; prints median and p95.

Usage: python bench/dialog_latency.py [--runs 20] [--screenshot docs/dialog-ja.png]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import LiveService, free_port, write_config  # noqa: E402
from extension.conftest import EXTENSION_ORIGIN, Browser, launch  # noqa: E402

STAFF = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:佐藤;美咲;;;\r\nFN:佐藤 美咲\r\nX-PHONETIC-LAST-NAME:さとう\r\n"
    "EMAIL;TYPE=INTERNET:m-sato@agency.go.jp\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:田中;一郎;;;\r\nFN:田中 一郎\r\n"
    "EMAIL;TYPE=INTERNET:tanaka@agency.go.jp\r\nEND:VCARD\r\n"
)

# The incident's message: an outsider sharing a colleague's surname, a list of participants attached.
COMPOSE = """__fixture.compose({subject: '学校見学会について',
    to: [{name: '佐藤 健二', address: 'k.sato@example.com'}],
    cc: [{name: '', address: 'kacho@agency.go.jp'}],
    body: '見学会の参加者名簿を添付します。', attachments: ['参加者名簿.xlsx']})"""

# Runs in the page: click Send, resolve when the dialog's rows are in place. The dialog renders
# its rows in the same task that inserts it, so the MutationObserver sees them at once.
# (requestAnimationFrame is throttled in headless tabs, so frames are not waited for.)
TIME_DIALOG = """async () => {
  const ready = () => document.querySelector('[data-atesaki=dialog]')?.shadowRoot?.querySelector('[data-atesaki=tick]');
  const start = performance.now();
  const shown = new Promise((resolve) => {
    const observer = new MutationObserver(() => { if (ready()) { observer.disconnect(); resolve(performance.now()); } });
    observer.observe(document.documentElement, {childList: true, subtree: true});
  });
  document.querySelector('.M9 .T-I.aoO').click();
  const late = new Promise((resolve) => setTimeout(() => resolve(null), 5000));
  const end = await Promise.race([shown, late]);
  if (end === null) {
    const panel = document.querySelector('[data-atesaki=dialog]')?.shadowRoot?.textContent;
    throw new Error('no dialog rows after 5 s: ' + (panel || 'no dialog'));
  }
  const elapsed = end - start;
  document.querySelector('[data-atesaki=dialog]').shadowRoot.querySelector('[data-atesaki=cancel]').click();
  return elapsed;
}"""

# Runs in the page: click Send on an internal-only message, resolve when the webmail really sent it.
TIME_PASS = """async () => {
  const before = window.__sent.length;
  const id = __fixture.compose({to: [{name: '', address: 'm-sato@agency.go.jp'}], subject: 'Re: 定例会'});
  const button = document.querySelector(`.M9[data-fixture-id="${id}"] .T-I.aoO`);
  const start = performance.now();
  button.click();
  while (window.__sent.length === before) {
    await new Promise((r) => setTimeout(r, 1));
    if (performance.now() - start > 5000) {
      const panel = document.querySelector('[data-atesaki=dialog]')?.shadowRoot?.textContent;
      throw new Error('not sent after 5 s: ' + (panel || 'no dialog'));
    }
  }
  return window.__sent[window.__sent.length - 1].at - start;
}"""


def summary(label: str, samples: list[float], target: float) -> None:
    """Print median and p95 of one measurement against its target."""
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    verdict = "ok" if p95 <= target else "OVER TARGET"
    print(
        f"{label}: median {statistics.median(samples):.0f} ms, p95 {p95:.0f} ms, "
        f"max {max(samples):.0f} ms over {len(samples)} runs (target p95 <= {target:.0f} ms: {verdict})"
    )


def start_service(tmp: Path) -> LiveService:
    """A real service with a small staff directory and one second checker."""
    data = tmp / "data"
    write_config(
        data, {"internal_domains": ["agency.go.jp"], "extension_origins": [EXTENSION_ORIGIN]}
    )
    service = LiveService(data, free_port()).start()
    (tmp / "staff.vcf").write_text(STAFF, encoding="utf-8")
    service.cli("import", "directory", str(tmp / "staff.vcf"))
    service.cli("checker", "add", "鈴木 花子", "--json")
    return service


def main() -> int:
    """Start the service and Chromium, time the dialog and the pass path, optionally save a screenshot."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--screenshot", type=Path, help="save the Japanese dialog here (PNG)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp_name, sync_playwright() as playwright:
        tmp = Path(tmp_name)
        service = start_service(tmp)
        try:
            context, worker = launch(playwright, tmp / "profile", lang="ja")
            browser = Browser(context, worker, "")
            browser.configure(serverUrl=service.url, token=service.token)
            page = browser.open("gmail")
            page.evaluate(COMPOSE)
            page.evaluate(TIME_DIALOG)  # warm-up: wakes the worker, opens the database
            dialog = [page.evaluate(TIME_DIALOG) for _ in range(args.runs)]
            page.evaluate(TIME_PASS)
            passed = [page.evaluate(TIME_PASS) for _ in range(args.runs)]
            summary("Send click -> dialog visible", dialog, 300)
            summary("pass verdict: added delay before the send", passed, 150)
            if args.screenshot:
                shot = browser.open("gmail")
                shot.evaluate(COMPOSE)
                shot.click(".M9 .T-I.aoO")
                shot.locator('[data-atesaki="checker"] option').nth(1).wait_for(state="attached")
                shot.locator('[data-atesaki="tick"]').first.check()
                shot.set_viewport_size({"width": 1000, "height": 1000})
                shot.screenshot(path=str(args.screenshot))
                print(f"screenshot: {args.screenshot}")
            context.close()
        finally:
            service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
