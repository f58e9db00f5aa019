"""Where the bundled ontology, shapes, queries, data and dashboard live.

In a wheel they are packed under ``ropa_kg/_resources``; in a source checkout (editable install) they
are the repository's top-level folders.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The ``ropa_kg`` package folder (this module lives in ``ropa_kg/core``).
_PACKAGE = Path(__file__).resolve().parents[1]


def resource_root() -> Path:
    """Return the folder holding ``ontology/``, ``shapes/``, ``queries/``, ``data/`` and ``dashboard/``."""
    packed = _PACKAGE / "_resources"
    if packed.is_dir():
        return packed
    return _PACKAGE.parent.parent


def ontology_dir() -> Path:
    return resource_root() / "ontology"


def shapes_dir() -> Path:
    return resource_root() / "shapes"


def queries_dir() -> Path:
    return resource_root() / "queries"


def check_query_path(name: str) -> Path:
    """The project's internal check query ``name`` (``queries/checks/NAME.rq``, not in the catalogue)."""
    return queries_dir() / "checks" / f"{name}.rq"


def reading_dir() -> Path:
    """The queries that read DPV's alternative forms into one (``queries/reading/*.rq``, see
    :mod:`ropa_kg.load.reading`); not in the catalogue."""
    return queries_dir() / "reading"


def data_dir() -> Path:
    return resource_root() / "data"


def cache_root(cache_dir: Path | str | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$ROPA_CACHE_DIR``, else ``$XDG_CACHE_HOME/ropa-kg``
    (``~/.cache/ropa-kg`` when that is unset)."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("ROPA_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ropa-kg"


def alumeco_dir() -> Path:
    """The bundled Alumeco record, the default input of every command."""
    return data_dir() / "alumeco"


def dashboard_dir() -> Path:
    return resource_root() / "dashboard"


__all__ = [
    "alumeco_dir",
    "cache_root",
    "check_query_path",
    "dashboard_dir",
    "data_dir",
    "ontology_dir",
    "queries_dir",
    "reading_dir",
    "resource_root",
    "shapes_dir",
]
