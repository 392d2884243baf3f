"""Atesaki's version, in one place (the root package and /v1/health read it)."""

__version__ = "0.1.0"
