"""Layer 6, app: the programs: the ``ropa`` command line (:mod:`~ropa_kg.app.cli`), the dashboard's view
model (:mod:`~ropa_kg.app.record`: a loaded record and its tables; :mod:`~ropa_kg.app.views`: the joins,
filters and layouts the views render; :mod:`~ropa_kg.app.sources`: uploads and endpoint snapshots), the
synthetic-record generator (:mod:`~ropa_kg.app.generate`). ``make bench`` is
``benchmarks/bench.py``, outside the package. Nothing imports this layer but ``dashboard/`` and
``benchmarks/``. Start reading at ``cli.app``.
"""

__all__ = ["cli", "generate", "record", "sources", "views"]
