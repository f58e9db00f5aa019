"""``python -m ropa_kg.cli``: the ``ropa`` command."""

from ropa_kg.cli import main

main()
