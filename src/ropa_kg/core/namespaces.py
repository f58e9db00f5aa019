"""The RDF namespaces the project uses, by their canonical IRIs (never DPV's ``/owl#`` variants)."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD

DPV = Namespace("https://w3id.org/dpv#")
EU_GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
PD = Namespace("https://w3id.org/dpv/pd#")
TECH = Namespace("https://w3id.org/dpv/tech#")
LOC = Namespace("https://w3id.org/dpv/loc#")
LEGAL_EU = Namespace("https://w3id.org/dpv/legal/eu#")
ROPA = Namespace("https://w3id.org/ropa-kg/ontology#")
ALU = Namespace("https://w3id.org/ropa-kg/data/alumeco#")

PREFIXES: dict[str, Namespace] = {
    "dpv": DPV,
    "eu-gdpr": EU_GDPR,
    "pd": PD,
    "tech": TECH,
    "loc": LOC,
    "legal-eu": LEGAL_EU,
    "ropa": ROPA,
    "alu": ALU,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "skos": Namespace(str(SKOS)),
    "dct": Namespace(str(DCTERMS)),
    "xsd": Namespace(str(XSD)),
    "sh": Namespace(str(SH)),
}

#: IRI prefixes of the official DPV family; a term under one of these must exist in DPV 2.3.
DPV_FAMILY: tuple[str, ...] = (str(DPV), str(EU_GDPR), str(PD), str(TECH), str(LOC), str(LEGAL_EU))


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


__all__ = [
    "ALU",
    "DPV",
    "DPV_FAMILY",
    "EU_GDPR",
    "LEGAL_EU",
    "LOC",
    "PD",
    "PREFIXES",
    "ROPA",
    "TECH",
    "bind_prefixes",
]
