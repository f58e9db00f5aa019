"""Kept for scripts that started the console's worker by path: the worker is now
:mod:`ropa_kg.query_worker` (``python -m ropa_kg.query_worker``), shared with ``ropa query``."""

from __future__ import annotations

import sys

from ropa_kg.query_worker import main

if __name__ == "__main__":
    sys.exit(main())
