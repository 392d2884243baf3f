"""Precision and recall of same-surname detection on labelled pairs of names.

Usage: python bench/eval_names.py [PAIRS.tsv ...]   (prints the figures and every mistake)

By default: tests/data/name_pairs.tsv (names in every script) and
tests/data/western_surname_pairs.tsv (Western surnames: spelling, punctuation and accent
variants against surnames a vowel apart).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from atesaki.core.names import person_profile, same_surname

DEFAULT_PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "name_pairs.tsv"
WESTERN_PAIRS = DEFAULT_PAIRS.with_name("western_surname_pairs.tsv")
_ADDRESS = re.compile(r"<([^<>\s]+@[^<>\s]+)>\s*$")


@dataclass
class Result:
    """Counts over the labelled set, and the pairs it got wrong."""

    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    mistakes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of "same surname" answers that were right."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of real same-surname pairs that were found."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def profile_of(cell: str):
    """A TSV cell ("name", "name <addr>" or "<addr>") as a profile."""
    match = _ADDRESS.search(cell)
    address = match.group(1) if match else None
    name = cell[: match.start()].strip() if match else cell
    return person_profile(name, address=address)


def read_pairs(path: Path) -> list[tuple[str, str, bool, str, int]]:
    """(a, b, same, why, line number) for every labelled line; bad lines raise ValueError."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 3 or cells[2] not in ("0", "1"):
            raise ValueError(f"{path}:{number}: expected a<TAB>b<TAB>0|1<TAB>why")
        pairs.append(
            (cells[0], cells[1], cells[2] == "1", cells[3] if len(cells) > 3 else "", number)
        )
    return pairs


def evaluate(path: Path = DEFAULT_PAIRS) -> Result:
    """Run same_surname over every pair."""
    result = Result()
    for a, b, same, why, number in read_pairs(path):
        predicted = same_surname(profile_of(a), profile_of(b))
        if predicted and same:
            result.tp += 1
        elif predicted:
            result.fp += 1
            result.mistakes.append(f"false alarm  line {number}: {a!r} / {b!r} ({why})")
        elif same:
            result.fn += 1
            result.mistakes.append(f"missed       line {number}: {a!r} / {b!r} ({why})")
        else:
            result.tn += 1
    return result


def main(argv: list[str]) -> int:
    """Print the figures; exit 1 when the targets (recall >= 0.97, precision >= 0.95) are missed."""
    paths = [Path(arg) for arg in argv[1:]] or [DEFAULT_PAIRS, WESTERN_PAIRS]
    ok = True
    for path in paths:
        result = evaluate(path)
        total = result.tp + result.fp + result.tn + result.fn
        print(f"{path.name}")
        print(f"pairs: {total} ({result.tp + result.fn} same surname, {result.tn + result.fp} not)")
        print(f"precision: {result.precision:.3f}  recall: {result.recall:.3f}")
        print(f"tp={result.tp} fp={result.fp} tn={result.tn} fn={result.fn}")
        for mistake in result.mistakes:
            print("  " + mistake)
        ok = ok and result.recall >= 0.97 and result.precision >= 0.95
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
