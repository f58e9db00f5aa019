"""The ``ropa`` command line. Each verb lives in its own module and registers itself on ``main``."""

from ropa_kg.app.cli import dashboard as _dashboard  # noqa: F401  (registers the verb)
from ropa_kg.app.cli import diff as _diff  # noqa: F401  (registers the verb)
from ropa_kg.app.cli import export as _export  # noqa: F401  (registers the verb)
from ropa_kg.app.cli import generate as _generate  # noqa: F401  (registers the verb)
from ropa_kg.app.cli import importer as _importer  # noqa: F401  (registers the verb)
from ropa_kg.app.cli import query as _query  # noqa: F401  (registers the verbs queries, query)
from ropa_kg.app.cli import serve as _serve  # noqa: F401  (registers the verbs serve, load)
from ropa_kg.app.cli import stats as _stats  # noqa: F401  (registers the verb)
from ropa_kg.app.cli import validate as _validate  # noqa: F401  (registers the verbs validate and reason)
from ropa_kg.app.cli.app import main

__all__ = ["main"]
