"""What counts as a processing activity, and the refusal of a record that has none.

A record with no activity is never a pass: every rule, query and export would be silently empty. The
usual cause is a record written in DPV 1.x (``http://www.w3.org/ns/dpv#`` and its ``dpv-gdpr``,
``dpv-pd``, ``dpv-skos`` companions) or in DPV's OWL serialisation (each module's namespace with ``/owl``
before its ``#``), whose IRIs are not DPV 2.x's; the error names the file and line where such a
namespace first occurs, and the namespace DPV 2.x uses instead.

One notion of "activity" for every door (stats, validate, query, export, dashboard):
:data:`ACTIVITY_CLASSES`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.namespaces import DPV

#: The classes whose instances are processing activities.
ACTIVITY_CLASSES: tuple[URIRef, ...] = (DPV.Process,)

#: Namespaces of DPV 1.x, with the DPV 2.x namespace replacing each.
DPV1_NAMESPACES: dict[str, str] = {
    "http://www.w3.org/ns/dpv#": "https://w3id.org/dpv#",
    "http://www.w3.org/ns/dpv-gdpr#": "https://w3id.org/dpv/legal/eu/gdpr#",
    "http://www.w3.org/ns/dpv-pd#": "https://w3id.org/dpv/pd#",
    "http://www.w3.org/ns/dpv-tech#": "https://w3id.org/dpv/tech#",
    "http://www.w3.org/ns/dpv-legal#": "https://w3id.org/dpv/legal/eu#",
    "http://www.w3.org/ns/dpv-skos#": "https://w3id.org/dpv#",
    "http://www.w3.org/ns/dpv-skos-gdpr#": "https://w3id.org/dpv/legal/eu/gdpr#",
    "http://www.w3.org/ns/dpv-skos-pd#": "https://w3id.org/dpv/pd#",
}
#: DPV's OWL files: every module's namespace with ``/owl`` before the ``#`` (the canonical one without it).
_OWL = r"https://w3id\.org/dpv(?:/[a-z][a-z0-9-]*)*/owl#"
_OLD = re.compile("|".join([*(re.escape(ns) for ns in sorted(DPV1_NAMESPACES, key=len, reverse=True)), _OWL]))


def replacement(namespace: str) -> str:
    """The DPV 2.x namespace for an old one (:data:`DPV1_NAMESPACES`, or an OWL namespace without its
    ``/owl``)."""
    return DPV1_NAMESPACES.get(namespace) or namespace.removesuffix("/owl#") + "#"


#: Only the start of a large file is searched for an old namespace (prefixes and first triples).
_SCAN_BYTES = 4 << 20


@dataclass(frozen=True)
class OldNamespace:
    """Where a record first uses a namespace of an older DPV release."""

    namespace: str
    path: Path | None = None
    line: int | None = None

    @property
    def replacement(self) -> str:
        """The DPV 2.x namespace to use instead."""
        return replacement(self.namespace)


class NoActivitiesError(RopaInputError):
    """The record holds no processing activity (the CLI exits with code 2)."""


def store_has_activities(store: ox.Store) -> bool:
    """True when the store's default graph types some node with one of :data:`ACTIVITY_CLASSES`."""
    rdf_type = ox.NamedNode(str(RDF.type))
    return any(
        next(iter(store.quads_for_pattern(None, rdf_type, ox.NamedNode(str(cls)), ox.DefaultGraph())), None)
        is not None
        for cls in ACTIVITY_CLASSES
    )


def graph_has_activities(graph: Graph) -> bool:
    """True when ``graph`` types some node with one of :data:`ACTIVITY_CLASSES`."""
    return any(next(iter(graph.subjects(RDF.type, cls)), None) is not None for cls in ACTIVITY_CLASSES)


def require_activities(
    source: ox.Store | Graph, *, files: Sequence[Path] = (), where: str | None = None
) -> None:
    """Refuse a record without a processing activity.

    ``source`` is the loaded record; ``files`` the record's own files (not the ontology), searched for
    an old DPV namespace; ``where`` names the record when there are no files (an endpoint).

    Raises:
        NoActivitiesError: no node of ``source`` is typed with one of :data:`ACTIVITY_CLASSES`.
    """
    found = store_has_activities(source) if isinstance(source, ox.Store) else graph_has_activities(source)
    if found:
        return
    old = find_old_namespace(files)
    if old is None and isinstance(source, Graph):
        old = _old_namespace_in_graph(source)
    raise no_activities_error(files=files, where=where, old=old)


def no_activities_error(
    *, files: Sequence[Path] = (), where: str | None = None, old: OldNamespace | None = None
) -> NoActivitiesError:
    """The error for a record without activities (see :func:`require_activities`)."""
    classes = ", ".join(f"dpv:{c.rsplit('#', 1)[-1]} ({c})" for c in ACTIVITY_CLASSES)
    cause = (
        f"no processing activity found: an activity is a node typed {classes}, and the record has "
        "none, so there is nothing to check, query or export"
    )
    if old is not None:
        cause += (
            f"; the record uses {old.namespace}, a namespace of an older DPV release: DPV 2.x moved to "
            f"{old.replacement} (change the @prefix declarations; see docs/modelling.md)"
        )
    if old is not None and old.path is not None:
        return NoActivitiesError(cause, old.path, old.line)
    if files:
        named = str(files[0]) if len(files) == 1 else f"{files[0]} (and {len(files) - 1} more files)"
        return NoActivitiesError(cause, named)
    return NoActivitiesError(cause, where or "the record")


def find_old_namespace(files: Iterable[Path]) -> OldNamespace | None:
    """The first use of an old DPV namespace in the text of ``files`` (the first 4 MiB of each), or None."""
    for path in files:
        try:
            with path.open("rb") as handle:
                text = handle.read(_SCAN_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        match = _OLD.search(text)
        if match:
            return OldNamespace(match.group(), path, text.count("\n", 0, match.start()) + 1)
    return None


def _old_namespace_in_graph(graph: Graph) -> OldNamespace | None:
    for triple in graph:
        for term in triple:
            match = _OLD.match(str(term))
            if match:
                return OldNamespace(match.group())
    return None


__all__ = [
    "ACTIVITY_CLASSES",
    "DPV1_NAMESPACES",
    "NoActivitiesError",
    "OldNamespace",
    "find_old_namespace",
    "graph_has_activities",
    "no_activities_error",
    "replacement",
    "require_activities",
    "store_has_activities",
]
