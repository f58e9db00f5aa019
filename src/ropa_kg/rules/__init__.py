"""Layer 4a, rules: the SHACL rule set run over a loaded record.

The pipeline, each step in one place:

1. :mod:`~ropa_kg.rules.shapes` loads and guards the shapes and reads each rule once into a typed
   :class:`~ropa_kg.rules.shapes.Rule` (``read_rule``; the catalogue is ``rule_catalogue``), and holds the
   table of the constraint components the project's rules use (``CONSTRAINT_COMPONENTS``);
2. an engine turns the record and the shapes into SHACL results (:mod:`~ropa_kg.rules.results`):
   :mod:`~ropa_kg.rules.fast_engine` compiles each constraint of SHACL Core and SHACL-SPARQL to one SPARQL
   query on pyoxigraph (a compiler per constraint component), pyshacl is the reference (in
   :mod:`~ropa_kg.rules.validation`); one reader (``results.results_from_report``) reads pyshacl's report
   for the pyshacl engine and for the fast engine's fallback, and ``results.findings_from_results`` names a
   rule's findings from its ``Rule``;
3. :mod:`~ropa_kg.rules.waivers` sets waived findings apart;
4. ``validation.validate()``, the one entry point, runs the steps and returns a ``ValidationResult``.

:mod:`~ropa_kg.rules.reasoning` is the OWL consistency check. Imports the layers below; not
:mod:`ropa_kg.query`. Start reading at ``validation.validate``.
"""

__all__ = ["fast_engine", "reasoning", "results", "shapes", "validation", "waivers"]
