"""``python -m crmkit``: the same as the ``crmkit`` command."""

from crmkit.cli import main

main()
