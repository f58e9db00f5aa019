"""The ``ropa`` command line. Each verb lives in its own module and registers itself on ``main``."""

from ropa_kg.cli import generate as _generate  # noqa: F401  (registers the verb)
from ropa_kg.cli import stats as _stats  # noqa: F401  (registers the verb)
from ropa_kg.cli.app import main

__all__ = ["main"]
