"""Layer 5, render: what people read: validation reports and the exported register.

Reports in text, JSON, SARIF, JUnit and Turtle with the node describer they share
(:mod:`~ropa_kg.render.report`), and the Art. 30 register as XLSX, CSV, HTML and PDF, the graph as Turtle
and JSON-LD (:mod:`~ropa_kg.render.export`). Imports the layers below. Start reading at
``export.register``.
"""

__all__ = ["export", "report"]
