"""The checks: the registry (``registry``) and one module per finding family.

Importing this package registers every family, in this order: basic, names,
domains, content, unreadable, sender, addressee, paste (``run_checks`` runs them in registration order).
"""

from __future__ import annotations

# Registration order is run order (and the order of findings of one severity): keep it.
# isort: off
from atesaki.core.checks import basic
from atesaki.core.checks import names
from atesaki.core.checks import domains
from atesaki.core.checks import content
from atesaki.core.checks import unreadable
from atesaki.core.checks import sender
from atesaki.core.checks import addressee
from atesaki.core.checks import paste
# isort: on
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
    "addressee",
    "basic",
    "content",
    "domains",
    "names",
    "paste",
    "register",
    "registry",
    "run_checks",
    "sender",
    "unreadable",
]
