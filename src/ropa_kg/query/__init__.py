"""Layer 4b, query: the auditors' saved questions, run embedded or on a SPARQL endpoint.

The catalogue of ``queries/*.rq`` with typed parameters (:mod:`~ropa_kg.query.catalogue`), the embedded
runners and ``run_query`` (:mod:`~ropa_kg.query.queries`), SPARQL endpoints and ``oxigraph serve``
(:mod:`~ropa_kg.query.endpoint`), time and row limits in a child process (:mod:`~ropa_kg.query.limits`,
the child: :mod:`~ropa_kg.query.worker`) and the dashboard console's runner
(:mod:`~ropa_kg.query.console`). Imports the layers below; not :mod:`ropa_kg.rules`. Start reading at
``queries.run_query``.
"""

__all__ = ["catalogue", "console", "endpoint", "limits", "queries", "worker"]
