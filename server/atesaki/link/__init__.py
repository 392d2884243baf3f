"""This PC's side of the central service (issue 17): join, the credential, the audit outbox.

``client`` keeps the credential and makes authenticated calls; ``forward`` empties
the audit outbox; ``commands`` adds ``atesaki join`` and ``atesaki link``.

Nothing is imported here: ``atesaki --help`` must not load ``requests``. Import the
module you need (``atesaki.link.commands``, ``atesaki.link.forward``).
"""
