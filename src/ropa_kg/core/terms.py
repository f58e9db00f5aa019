"""RDF terms in the four forms the project meets them, and the one conversion between each pair.

* rdflib terms (``URIRef``, ``BNode``, ``Literal``: reports, exports, pyshacl, the rdflib engine);
* pyoxigraph terms (``NamedNode``, ``BlankNode``, ``Literal``: the store, the fast engine, queries);
* W3C SPARQL 1.1 JSON results terms (``{"type": "uri", "value": ...}``: endpoints, the query worker);
* the text a finding or a table cell carries (:func:`node_text`: the IRI, ``_:label`` for a blank node,
  a literal's lexical form).

``xsd:string`` literals are plain in every form (an rdflib ``Literal("x")``, a JSON term without a
datatype), as pyoxigraph returns them. RDF-star triples never occur in a record and are refused with
``ValueError``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

#: An rdflib term as the project handles it.
Term = URIRef | Literal | BNode
#: A pyoxigraph term that can stand in a triple's subject or object.
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
#: A term of the W3C SPARQL 1.1 Query Results JSON format.
JsonTerm = dict[str, str]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def slug(text: str) -> str:
    """``text`` as the local name of a new IRI: its ASCII words capitalised and joined ("Web shop" ->
    "WebShop", "Henkilöstöhallinto ja palkat" -> "HenkilostohallintoJaPalkat"); "Item" for no word, and
    an "N" before a leading digit."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", plain)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Item"
    return name if name[0].isalpha() else f"N{name}"


def plain_literal(value: str, *, language: str | None = None, datatype: str | None = None) -> Literal:
    """An rdflib literal from its parts, with ``xsd:string`` folded into a plain literal; the lexical form
    is kept as given (rdflib would otherwise rewrite ``"2011-01-01"^^xsd:dateTime``)."""
    if language:
        return Literal(value, lang=language)
    if datatype is None or datatype == _XSD_STRING:
        return Literal(value)
    return Literal(value, datatype=URIRef(datatype), normalize=False)


def to_rdflib(term: object) -> Term | None:
    """A pyoxigraph term as the equal rdflib term (``None`` stays ``None``).

    Raises:
        ValueError: an RDF-star triple or anything that is not a term.
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        return plain_literal(term.value, language=term.language, datatype=term.datatype.value)
    raise ValueError(f"unsupported term in a result: {term!r}")


def to_oxigraph(term: Term) -> OxTerm:
    """An rdflib term as the equal pyoxigraph term (blank nodes keep their label)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def store_from_graph(graph: Graph, *, skip_invalid: bool = False) -> ox.Store:
    """Copy an rdflib graph into a new in-memory pyoxigraph store, each term converted by
    :func:`to_oxigraph` once (terms repeat: a record names its predicates and classes thousands of times):
    blank nodes keep their label, except a label pyoxigraph refuses (``"x y"``), which becomes a fresh
    blank node (the same one for every occurrence). With ``skip_invalid`` a triple holding an IRI
    pyoxigraph refuses is left out instead of raising.

    Raises:
        ValueError: an IRI pyoxigraph refuses (e.g. one holding a space), unless ``skip_invalid``.
        TypeError: the graph holds something that is not an RDF term (a formula, a variable).
    """
    store = ox.Store()
    converted: dict[Node, OxTerm | None] = {}

    def convert(node: Node) -> OxTerm | None:
        if node in converted:
            return converted[node]
        if not isinstance(node, URIRef | Literal | BNode):
            raise TypeError(f"not an RDF term: {node!r}")
        try:
            term: OxTerm | None = to_oxigraph(node)
        except ValueError:
            if isinstance(node, BNode):
                term = ox.BlankNode()
            elif skip_invalid:
                term = None
            else:
                raise
        converted[node] = term
        return term

    quads = []
    for s, p, o in graph:
        subject, predicate, value = convert(s), convert(p), convert(o)
        if subject is not None and predicate is not None and value is not None:
            quads.append(ox.Quad(subject, predicate, value))  # type: ignore[arg-type]  # predicates are IRIs
    store.extend(quads)
    return store


def to_json(term: object) -> JsonTerm | None:
    """An rdflib or pyoxigraph term as a SPARQL JSON term (``None`` stays ``None``).

    Raises:
        ValueError: an RDF-star triple or anything that is not a term.
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):  # pyoxigraph first: the query worker writes millions of these
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        lit = {"type": "literal", "value": term.value}
        if term.language:
            lit["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            lit["datatype"] = term.datatype.value
        return lit
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None and str(term.datatype) != _XSD_STRING:
            out["datatype"] = str(term.datatype)
        return out
    raise ValueError(f"unsupported term in a result: {term!r}")


def from_json(value: dict[str, Any]) -> Term:
    """A SPARQL JSON term as an rdflib term.

    Raises:
        ValueError: the term's type is not uri, bnode, literal or typed-literal.
    """
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in {"literal", "typed-literal"}:
        return plain_literal(value["value"], language=value.get("xml:lang"), datatype=value.get("datatype"))
    raise ValueError(f"unknown term type in SPARQL JSON results: {kind!r}")


def json_to_oxigraph(value: dict[str, Any]) -> OxTerm:
    """A SPARQL JSON term as a pyoxigraph term (for ``substitutions``)."""
    return to_oxigraph(from_json(value))


def node_text(term: object) -> str:
    """The text a finding or a table cell carries for ``term`` (rdflib or pyoxigraph): the IRI,
    ``_:label`` for a blank node, a literal's lexical form."""
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


__all__ = [
    "JsonTerm",
    "OxTerm",
    "Term",
    "from_json",
    "json_to_oxigraph",
    "node_text",
    "plain_literal",
    "slug",
    "store_from_graph",
    "to_json",
    "to_oxigraph",
    "to_rdflib",
]
