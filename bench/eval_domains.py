"""Precision and recall of the lookalike-domain check on labelled sets, and its alarms on real domains.

    python bench/eval_domains.py [--cases FILE ...] [--baseline REF]
                                 [--real-top FILE --real-random FILE]

Labelled set (tests/data): domain_cases.tsv (ours; its classes include those of
mailcheck's typo suite, a slip in the name together with one in the ending). An attack counts as caught only when the finding names
the right real domain; a finding that names another one counts as a false alarm and a
miss. Benign cases, and the "alarm" cases that fire by design, count as false alarms
when flagged. Recall is also printed per class (the note's first word: typo, split,
run, ...). Targets (issue 3): recall >= 0.97 and precision >= 0.95.

Real domains (``--real-top`` and ``--real-random``: two lists of real domains, one a line,
e.g. OpenDNS's public-domain top and random lists of 10,000 each; they are not shipped
here): every domain of one list checked with the other list as the known domains, and the
top list with only the built-in mail providers known. All are real, so every alarm is a
false one or one "by design" (the same name under another suffix).

``--baseline REF`` prints the same figures for the detector as it is at git REF
(today's data files), next to the working tree's: the before/after of a change.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data" / "domain_cases.tsv"
TARGET_RECALL = 0.97
TARGET_PRECISION = 0.95


@dataclass(frozen=True)
class Case:
    """One row of domain_cases.tsv."""

    line: int
    label: str  # known | allow | attack | benign | alarm
    domain: str
    real: str
    note: str


@dataclass
class Result:
    """Counts over the attack and benign cases, and what went wrong."""

    caught: int = 0
    missed: int = 0
    false_alarms: int = 0  # findings naming a wrong real domain, on attacks or benign cases
    quiet: int = 0  # benign cases with no finding
    benign_flagged: int = 0
    wrong: list[str] = field(default_factory=list)
    by_class: Counter = field(default_factory=Counter)  # (class, caught) -> attacks

    @property
    def precision(self) -> float:
        """Share of findings that named the right real domain."""
        flagged = self.caught + self.false_alarms
        return self.caught / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        """Share of attacks caught with the right real domain."""
        attacks = self.caught + self.missed
        return self.caught / attacks if attacks else 1.0


def read_cases(path: Path = CASES) -> list[Case]:
    """The rows of a labelled-cases file; raises ValueError naming the line of a bad row."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("label\t"):
            continue
        cells = line.split("\t")
        if len(cells) != 4 or cells[0] not in ("known", "allow", "attack", "benign", "alarm"):
            raise ValueError(f"{path}:{number}: expected label, domain, real, note (tab-separated)")
        if cells[0] in ("attack", "alarm") and not cells[2]:
            raise ValueError(f"{path}:{number}: {cells[0]} needs the real domain it resembles")
        cases.append(Case(number, *cells))
    return cases


def case_class(case: Case) -> str:
    """The kind of trick a case shows: its note's first word (typo, split, run+typo, ...)."""
    return case.note.split(":")[0].split(" ")[0]


def detector_for(cases: list[Case], module=None):
    """The detector over the set's known domains and allow-list (plus the mail providers)."""
    if module is None:
        from atesaki.core import domains as module

    known = [c.domain for c in cases if c.label == "known"]
    allow = [[c.domain, c.real] if c.real else c.domain for c in cases if c.label == "allow"]
    return module.LookalikeDetector(known, allow)


def evaluate(cases: list[Case], module=None) -> Result:
    """Check every attack and benign case and count the outcomes."""
    detector = detector_for(cases, module)
    result = Result()
    for case in cases:
        if case.label not in ("attack", "benign", "alarm"):
            continue
        reals = [found.real for found in detector.check(case.domain)]
        if case.label == "attack":
            result.by_class[case_class(case), case.real in reals] += 1
            if case.real in reals:
                result.caught += 1
                continue
            result.missed += 1
            if reals:
                result.false_alarms += 1
        elif reals:
            result.false_alarms += 1
            result.benign_flagged += 1
        else:
            result.quiet += 1
            continue
        result.wrong.append(f"line {case.line}: {case.label} {case.domain} -> {reals or 'nothing'}")
    return result


def real_alarms(top_file: Path, random_file: Path,
                module=None) -> list[tuple[str, int, int, list[str]]]:
    """Alarms on real domains: (what was checked, flagged, checked, the flagged domains)."""
    if module is None:
        from atesaki.core import domains as module

    top = top_file.read_text(encoding="utf-8").split()
    random = random_file.read_text(encoding="utf-8").split()
    rows = []
    for what, known, typed in (
        ("top 10k checked, mail providers known", [], top),
        ("random 10k checked, top 10k known", top, random),
        ("top 10k checked, random 10k known", random, top),
    ):
        detector = module.LookalikeDetector(known)
        flagged = [domain for domain in typed if detector.check(domain)]
        rows.append((what, len(flagged), len(typed), flagged))
    return rows


def baseline_module(ref: str):
    """atesaki's domains module as it is at git ``ref`` (it reads today's data files)."""
    paths = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", ref, "server/atesaki"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    path = next(p for p in paths if p.endswith("/domains.py") and "/checks/" not in p)
    source = subprocess.run(
        ["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    target = Path(tempfile.mkdtemp()) / "baseline_domains.py"
    target.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_domains", target)
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_domains"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    """Print recall and precision per labelled set and per class, and alarms on real domains."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases",
        type=Path,
        nargs="+",
        default=[CASES],
        help="labelled cases (TSV)",
    )
    parser.add_argument("--baseline", metavar="REF", help="also evaluate the detector at git REF")
    parser.add_argument("--real-top", type=Path, help="real domains, one a line (a top list)")
    parser.add_argument("--real-random", type=Path, help="real domains, one a line (a sample)")
    args = parser.parse_args()
    columns = [("now", None)]
    if args.baseline:
        columns.insert(0, (args.baseline, baseline_module(args.baseline)))

    def row(label: str, values: list[str]) -> None:
        print(f"  {label:<40}" + "".join(f"{v:>14}" for v in values))

    for path in args.cases:
        cases = read_cases(path)
        results = [evaluate(cases, module) for _, module in columns]
        print(f"{path.name}")
        row("", [name for name, _ in columns])
        row("attacks caught", [f"{r.caught}/{r.caught + r.missed}" for r in results])
        row("benign quiet", [f"{r.quiet}/{r.quiet + r.benign_flagged}" for r in results])
        row("false alarms (benign, alarm, wrong real)", [str(r.false_alarms) for r in results])
        row(f"precision (target >= {TARGET_PRECISION})", [f"{r.precision:.3f}" for r in results])
        row(f"recall (target >= {TARGET_RECALL})", [f"{r.recall:.3f}" for r in results])
        classes = sorted({kind for r in results for kind, _ in r.by_class})
        for kind in classes:
            row(
                f"  caught: {kind}",
                [
                    f"{r.by_class[kind, True]}/{r.by_class[kind, True] + r.by_class[kind, False]}"
                    for r in results
                ],
            )
        for line in results[-1].wrong:
            print("    wrong:", line)
    if not (args.real_top and args.real_random):
        print("real domains: skipped (give --real-top and --real-random)")
        return
    print("real domains: flagged / checked")
    row("", [name for name, _ in columns])
    tables = [real_alarms(args.real_top, args.real_random, module) for _, module in columns]
    for i, (what, *_rest) in enumerate(tables[-1]):
        row(what, [f"{t[i][1]}/{t[i][2]}" for t in tables])
    if len(tables) == 2:
        for (what, _, _, old), (_, _, _, new) in zip(*tables, strict=True):
            for domain in sorted(set(new) - set(old)):
                print(f"    new alarm ({what}): {domain}")
            for domain in sorted(set(old) - set(new)):
                print(f"    alarm gone ({what}): {domain}")


if __name__ == "__main__":
    main()
