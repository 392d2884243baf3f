"""The pure core: recipients, names, domains, content, checks and the policy (no Flask, no SQLite, no HTTP)."""
