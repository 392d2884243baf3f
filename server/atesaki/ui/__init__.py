"""The review pages at ``/``: sign-in by one-time link, recent activity, the audit chain's state.

``views`` holds the pages and ``init_app``; other modules protect their own pages
with ``auth.login_required`` (it also checks CSRF on state-changing requests).
``commands`` adds ``atesaki ui`` and imports no Flask until it runs.
"""
