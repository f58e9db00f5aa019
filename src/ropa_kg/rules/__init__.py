"""Layer 4a, rules: the SHACL rule set run over a loaded record.

The rule catalogue read from the shapes (:mod:`~ropa_kg.rules.shapes`), the fast engine that compiles
shapes to SPARQL on pyoxigraph (:mod:`~ropa_kg.rules.fast_engine`), waivers
(:mod:`~ropa_kg.rules.waivers`), the one entry point ``validate()`` with the pyshacl engine
(:mod:`~ropa_kg.rules.validation`), and the OWL consistency check (:mod:`~ropa_kg.rules.reasoning`).
Imports the layers below; not :mod:`ropa_kg.query`. Start reading at ``validation.validate``.
"""

__all__ = ["fast_engine", "reasoning", "shapes", "validation", "waivers"]
