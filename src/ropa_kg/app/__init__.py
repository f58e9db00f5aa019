"""Layer 6, app: the programs: the ``ropa`` command line (:mod:`~ropa_kg.app.cli`), the dashboard's view
model (:mod:`~ropa_kg.app.record`), the synthetic-record generator (:mod:`~ropa_kg.app.generate`) and
``make bench`` (:mod:`~ropa_kg.app.bench`). Nothing imports this layer but ``dashboard/``. Start reading at
``cli.app``.
"""

__all__ = ["bench", "cli", "generate", "record"]
