"""Layer 2, sparql: SPARQL as text, and query results as typed tables.

One lexer (:mod:`~ropa_kg.sparql.lexer`) that every module below reads SPARQL text with; the read-only
guard every query passes (:mod:`~ropa_kg.sparql.guard`), parameters as a ``VALUES`` block
(:mod:`~ropa_kg.sparql.bind`), correlated ``EXISTS`` decorrelated into joins (:mod:`~ropa_kg.sparql.exists`),
SHACL-SPARQL rewritten for all focus nodes at once (:mod:`~ropa_kg.sparql.rewrite`), ``GROUP_CONCAT`` lists
in one order (:mod:`~ropa_kg.sparql.lists`) and result tables with their CSV/JSON/table renderings
(:mod:`~ropa_kg.sparql.results`). The rewriting is hand-written on the lexer's tokens: no SPARQL library
rewrites query text. Imports only :mod:`ropa_kg.core`. Start reading at ``lexer``, then ``guard``.
"""

__all__ = ["bind", "exists", "guard", "lexer", "lists", "results", "rewrite"]
