"""Layer 3, load: files into graphs and stores, safely.

The checks every file passes first (:mod:`~ropa_kg.load.safe_input`), files into an rdflib graph
(:mod:`~ropa_kg.load.graph`) or an in-memory pyoxigraph store (:mod:`~ropa_kg.load.store`), the on-disk
store cache (:mod:`~ropa_kg.load.cache`), and what counts as a processing activity
(:mod:`~ropa_kg.load.activities`). Imports :mod:`ropa_kg.core` and :mod:`ropa_kg.sparql`. Start reading at
``store.load_store``.
"""

__all__ = ["activities", "cache", "graph", "safe_input", "store"]
