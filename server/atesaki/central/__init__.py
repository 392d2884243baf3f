"""The office's central service on PostgreSQL (issue 17): enrolment, every PC's audit chain.

Layers: ``db`` (pool and migrations), ``service`` (logic, no Flask), ``web`` (the
``/central/v1`` API), ``server`` (HTTPS with cheroot), ``commands`` (``atesaki central``).
The PC's side (``atesaki join``, forwarding) lives in ``atesaki.link``.
"""

from __future__ import annotations

from atesaki.central.commands import central_group

__all__ = ["central_group"]
