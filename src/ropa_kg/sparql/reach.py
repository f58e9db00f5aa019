"""Which triples a SPARQL query can read: :func:`reads_forward_from` says whether every triple pattern of a
query (in its group, its sub-queries and its ``EXISTS`` blocks) hangs off a start variable, subject to
object, so that the query can only read triples reachable forward from the start node.

The fast engine asks it about a SHACL-SPARQL constraint when the record holds a literal the store does not
keep as written: if the constraint reads only forward from ``$this`` and no such literal is reachable from
any focus node, the constraint cannot see it and stays compiled. Hand-written on rdflib's SPARQL parser
(its algebra lists the triple patterns); no library answers this question.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from rdflib.paths import InvPath, Path
from rdflib.term import BNode, Node, Variable

__all__ = ["reads_forward_from"]


@functools.lru_cache(maxsize=1024)
def reads_forward_from(text: str, start: str, *, backward_variables: frozenset[str] = frozenset()) -> bool:
    """Whether every triple pattern of the query ``text`` is reached from ``?start`` going forward: its
    subject is ``?start`` or an object (a variable or blank node) of a reached pattern, and its
    predicate holds no inverse path (nor a variable of ``backward_variables``, e.g. ``PATH`` when it
    stands for an inverse path). False when the text does not parse. Remembered per text: a process
    validating many records (a test run, the dashboard) parses each constraint once.
    """
    from rdflib.plugins.sparql import prepareQuery  # slow to import; needed only for lossy literals

    try:
        algebra = prepareQuery(text).algebra
    except Exception:
        return False
    triples = list(_triples(algebra))
    reached: set[Node] = {Variable(start)}
    pending = list(triples)
    progress = True
    while pending and progress:
        progress = False
        for triple in list(pending):
            subject, predicate, obj = triple
            if subject not in reached:
                continue
            if _backward(predicate, backward_variables):
                return False
            pending.remove(triple)
            progress = True
            if isinstance(obj, Variable | BNode):
                reached.add(obj)
    return not pending


def _backward(predicate: object, backward_variables: frozenset[str]) -> bool:
    if isinstance(predicate, Variable):
        return str(predicate) in backward_variables
    if isinstance(predicate, InvPath):
        return True
    if isinstance(predicate, Path):
        return any(_backward(part, backward_variables) for part in _path_parts(predicate))
    return False


def _path_parts(path: Path) -> Iterator[object]:
    for name in ("args", "path"):
        part = getattr(path, name, None)
        if isinstance(part, list | tuple):
            yield from part
        elif part is not None:
            yield part


def _triples(node: object) -> Iterator[tuple[Node, object, Node]]:
    """Every triple pattern in the algebra (BGPs) and in the unevaluated parse of EXISTS blocks."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "BGP":
            yield from node.get("triples") or ()
        elif node.name == "TriplesBlock":
            for flat in node.get("triples") or ():
                for i in range(0, len(flat) - 2, 3):
                    yield flat[i], flat[i + 1], flat[i + 2]
        for key in node:
            yield from _triples(node.get(key))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _triples(item)
