"""What every benchmark prints its latencies with: one percentile rule."""

from __future__ import annotations

import math


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) of ``values`` by nearest rank: a value that was measured."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), math.ceil(p / 100 * len(ordered))) - 1)]
