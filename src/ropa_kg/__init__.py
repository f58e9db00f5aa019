"""ropa-kg: a GDPR Record of Processing Activities as a DPV 2.3 knowledge graph.

The library in data-flow order, one subpackage per layer, each importing only the ones before it
(``make lint`` enforces it with import-linter):

``core`` -> ``sparql`` -> ``load`` -> ``rules`` | ``query`` -> ``render`` -> ``app``

What a library user needs is here, imported on first use: :func:`validate` (check a record),
:class:`Finding`, :func:`load_store` (a record into an in-memory store), :func:`run_query` and
:func:`resolve` (a saved query).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Finding": "ropa_kg.core.findings",
    "Severity": "ropa_kg.core.findings",
    "RopaInputError": "ropa_kg.core.errors",
    "RopaUsageError": "ropa_kg.core.errors",
    "load_store": "ropa_kg.load.store",
    "validate": "ropa_kg.rules.validation",
    "ValidationResult": "ropa_kg.rules.validation",
    "resolve": "ropa_kg.query.queries",
    "run_query": "ropa_kg.query.queries",
}


def __getattr__(name: str) -> Any:
    """The public names, imported on first use (so that ``python -m ropa_kg.query.worker`` and the CLI
    start without loading every layer)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ropa_kg' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = ["__version__", *sorted(_EXPORTS)]
