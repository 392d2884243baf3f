"""Exit statuses of the ``atesaki`` command, and the error that exits with "bad input"."""

from __future__ import annotations

import enum

import click


class ExitStatus(enum.IntEnum):
    """Exit codes of every command (contract)."""

    OK = 0
    DOES_NOT_HOLD = 1  # e.g. `audit verify` found a bad entry
    BAD_INPUT = 2  # bad usage or bad input; the message names the file and line


class BadInput(click.ClickException):
    """A failure the user can mend (a file, a setting, a value): exit 2, as the contract says.

    Click's own ClickException exits 1, which the contract keeps for "the thing checked
    does not hold"; usage errors (``click.BadParameter``) already exit 2.
    """

    exit_code = ExitStatus.BAD_INPUT
