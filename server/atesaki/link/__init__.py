"""This PC's side of the central service (issue 17): join, the credential, the audit outbox.

``client`` keeps the credential and makes authenticated calls; ``forward`` empties
the audit outbox; ``commands`` adds ``atesaki join`` and ``atesaki link``.
"""

from __future__ import annotations

from atesaki.link.commands import doctor_checks, join_command, link_group, status
from atesaki.link.forward import start_background

__all__ = ["doctor_checks", "join_command", "link_group", "start_background", "status"]
