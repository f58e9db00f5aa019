"""``python -m ropa_kg.app.cli``: the ``ropa`` command."""

from ropa_kg.app.cli import main

main()
