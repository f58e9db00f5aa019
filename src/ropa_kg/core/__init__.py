"""Layer 1, core: what every other layer uses and nothing else.

Errors (:mod:`~ropa_kg.core.errors`), the namespaces and prefixes (:mod:`~ropa_kg.core.namespaces`), where
the bundled ontology, shapes, queries and data live (:mod:`~ropa_kg.core.resources`), the typed finding
(:mod:`~ropa_kg.core.findings`), content-derived blank-node labels (:mod:`~ropa_kg.core.blank_nodes`) and
the one converter of RDF terms between rdflib, pyoxigraph and SPARQL JSON (:mod:`~ropa_kg.core.terms`).
Imports nothing of the project. Start reading at ``findings``.
"""

__all__ = ["blank_nodes", "errors", "findings", "namespaces", "resources", "terms"]
