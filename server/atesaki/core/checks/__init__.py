"""The checks: the registry (``registry``) and one module per finding family.

Importing this package registers every family, in this order: basic, names,
domains, content (``run_checks`` runs them in registration order).
"""

from __future__ import annotations

from atesaki.core.checks import basic, content, domains, names
from atesaki.core.checks.registry import (
    KINDS,
    SEVERITIES,
    SEVERITY_RANK,
    CheckContext,
    CheckFn,
    CheckRequest,
    Finding,
    Recipient,
    register,
    registry,
    run_checks,
)

__all__ = [
    "KINDS",
    "SEVERITIES",
    "SEVERITY_RANK",
    "CheckContext",
    "CheckFn",
    "CheckRequest",
    "Finding",
    "Recipient",
    "basic",
    "content",
    "domains",
    "names",
    "register",
    "registry",
    "run_checks",
]
