"""``python -m atesaki``: the same as the ``atesaki`` command."""

from atesaki.cli import main

main(prog_name="atesaki")
