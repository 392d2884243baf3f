"""Precision and recall of the lookalike-domain check on the labelled set in tests/data.

    python bench/eval_domains.py [--cases tests/data/domain_cases.tsv] [--verbose]

An attack counts as caught only when the finding names the right real domain;
a finding that names another one counts as a false alarm and a miss. Benign
cases, and the "alarm" cases that fire by design, count as false alarms when flagged.
Targets (issue 3): recall >= 0.97 and precision >= 0.95.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "domain_cases.tsv"
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


def detector_for(cases: list[Case]):
    """The detector over the set's known domains and allow-list (plus the mail providers)."""
    from atesaki.core.domains import LookalikeDetector

    known = [c.domain for c in cases if c.label == "known"]
    allow = [[c.domain, c.real] if c.real else c.domain for c in cases if c.label == "allow"]
    return LookalikeDetector(known, allow)


def evaluate(cases: list[Case]) -> Result:
    """Check every attack and benign case and count the outcomes."""
    detector = detector_for(cases)
    result = Result()
    for case in cases:
        if case.label not in ("attack", "benign", "alarm"):
            continue
        reals = [found.real for found in detector.check(case.domain)]
        if case.label == "attack":
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


def main() -> None:
    """Print precision, recall and every wrong answer."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES, help="labelled cases (TSV)")
    args = parser.parse_args()
    result = evaluate(read_cases(args.cases))
    print(f"attacks caught   {result.caught:>4} / {result.caught + result.missed}")
    print(f"benign quiet     {result.quiet:>4} / {result.quiet + result.benign_flagged}")
    print(f"precision        {result.precision:.3f}  (target >= {TARGET_PRECISION})")
    print(f"recall           {result.recall:.3f}  (target >= {TARGET_RECALL})")
    for line in result.wrong:
        print("  wrong:", line)


if __name__ == "__main__":
    main()
