"""Detection before and after the message-wide checks, on the labelled sets of their table tests.

Usage: python bench/eval_who.py

For each family (greeting, attachment name, sender, paste) it prints how many of the
labelled positives the new finding catches and how many labelled negatives it flags,
and the verdicts with the whole registry before (the four new codes dropped) and after.
"Before" shows what an office running the earlier checks would have been shown: a
dialog perhaps, but nothing that says what is wrong. Then the benign mails of
tests/data/mails, each as a reply to the person it greets and as internal mail.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from atesaki.core import policy  # noqa: E402
from atesaki.core.checks import run_checks  # noqa: E402
from atesaki.core.checks.paste import parse_pastes  # noqa: E402
from tests.core import test_checks_addressee as greeting  # noqa: E402
from tests.core import test_checks_paste as paste  # noqa: E402
from tests.core import test_checks_sender as sender  # noqa: E402
from tests.core.checkbook import context  # noqa: E402

NEW_CODES = {"sender_identity", "addressee_not_recipient", "attachment_names_other_org",
             "pasted_text"}


def judge(ctx) -> tuple[set[str], str, str]:
    """(new codes found, verdict before, verdict after) for one check context."""
    findings = run_checks(ctx)
    before = [f for f in findings if f.code not in NEW_CODES]
    return ({f.code for f in findings} & NEW_CODES,
            policy.verdict(ctx.request, before, ctx.settings),
            policy.verdict(ctx.request, findings, ctx.settings))


def cases():
    """(family, code, context, positive) for every labelled case."""
    for _id, body, entries, expected, _meant in greeting.GREETING_CASES:
        yield "greeting", "addressee_not_recipient", context(*entries, body=body), bool(expected)
    for _id, name, entries, expected in greeting.ATTACHMENT_CASES:
        ctx = context(*entries, attachments=({"name": name, "size": 1000},))
        yield "attachment name", "attachment_names_other_org", ctx, bool(expected)
    for _id, who, entries, expected, _usual in sender.CASES:
        ctx = context(*entries, kb=sender.with_identities(), sender=who)
        yield "sender", "sender_identity", ctx, bool(expected)
    for _id, pastes, settings, expected in paste.CASES:
        ctx = context("to:k.sato@example.com", pastes=parse_pastes(pastes), settings=settings,
                      thread_recipients=("boss@example.com",))
        yield "paste", "pasted_text", ctx, bool(expected)


def benign():
    """Every mail of tests/data/mails to the person it greets; those greeting no one also internally."""
    for path in sorted(greeting.MAILS.glob("*.txt")):
        body = path.read_text(encoding="utf-8")
        entries = greeting.INTENDED.get(path.stem, ("to:k.sato@example.com", "cc:suzuki@agency.go.jp"))
        yield path.stem, context(*entries, body=body, kind="reply")
        # The mails greeting nobody in particular, sent to a colleague as well.
        if path.stem in ("08_seminar_notice", "11_customer_greeting", "16_short_ack",
                         "17_english_short", "24_newsletter", "26_english_newsletter"):
            yield path.stem + " (internal)", context("to:suzuki@agency.go.jp", body=body, kind="reply")


def held_out():
    """(why, context, positive) from tests/data/greetings_heldout.tsv (written after the checks)."""
    for param in greeting.held_out():
        body, entries, positive = param.values
        yield param.id, context(*entries, body=body), positive


def main() -> int:
    """Print the figures."""
    table: dict[str, Counter] = {}
    for family, code, ctx, positive in cases():
        found, before, after = judge(ctx)
        row = table.setdefault(family, Counter())
        row["positives" if positive else "negatives"] += 1
        if positive:
            row["caught"] += code in found
            row[f"before {before}"] += 1
            row[f"after {after}"] += 1
        else:
            row["false alarms"] += code in found
    print("family           caught/positives  false alarms/negatives  verdicts on positives before -> after")
    for family, row in table.items():
        before = ", ".join(f"{k[7:]} {v}" for k, v in sorted(row.items()) if k.startswith("before "))
        after = ", ".join(f"{k[6:]} {v}" for k, v in sorted(row.items()) if k.startswith("after "))
        print(f"{family:16} {row['caught']:>3}/{row['positives']:<3} (before 0)    "
              f"{row['false alarms']:>3}/{row['negatives']:<3}                 {before} -> {after}")
    counts, wrong = Counter(), []
    for why, ctx, positive in held_out():
        found = "addressee_not_recipient" in judge(ctx)[0]
        counts["positives" if positive else "negatives"] += 1
        counts["caught" if positive and found else "false alarm" if found else "-"] += 1
        if found != positive:
            wrong.append(f"{'missed' if positive else 'false alarm'}: {why}")
    print(f"held-out greetings: caught {counts['caught']}/{counts['positives']}, "
          f"false alarms {counts['false alarm']}/{counts['negatives']}")
    for line in wrong:
        print("  " + line)
    alarms, changed, total = [], [], 0
    for name, ctx in benign():
        total += 1
        found, before, after = judge(ctx)
        if found:
            alarms.append(f"{name}: {sorted(found)}")
        if before != after:
            changed.append(f"{name}: {before} -> {after}")
    print(f"benign mails: {total}, new findings on {len(alarms)}, verdict changed on {len(changed)}")
    for line in alarms + changed:
        print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
