"""DPV conformance: every DPV-family IRI the project uses exists in official DPV 2.3 (../shared/dpv, the
canonical non-OWL files) and is known to the DPV 2.3 index (ontology/dpv-2.3/index.ttl, which gives its
type, hierarchy and English label); ontology/dpv-terms.ttl holds only the project's Finnish labels of DPV
terms, and nothing in ontology/ contradicts DPV's types and hierarchy.

The tests that read ../shared/dpv skip only when it is absent; `.ci/run` sets ROPA_REQUIRE_DPV=1, which turns
that into a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ropa_kg.core.namespaces import DPV_FAMILY, PREFIXES
from ropa_kg.load.vocabulary import index_path, is_known, label

REPO = Path(__file__).resolve().parents[1]
DPV_PREFIXES = {p: str(ns) for p, ns in PREFIXES.items() if str(ns) in DPV_FAMILY}
PREFIXED = re.compile(
    r"(?<![\w/#-])(" + "|".join(map(re.escape, DPV_PREFIXES)) + r"):([A-Za-z][\w-]*[\w])(?![\w-])"
)
FULL = re.compile(r"<(https://w3id\.org/dpv[^>#]*#[^>]+)>")
STRUCTURE = {RDF.type, SKOS.broader, RDFS.subClassOf, RDFS.subPropertyOf}
META_TYPES = {RDFS.Class, SKOS.Concept, RDF.Property}


@pytest.fixture(scope="module")
def official(official_dpv: Store) -> Store:
    """The official DPV files (conftest's session fixture: parsed once for every test file)."""
    return official_dpv


def _project_files() -> list[Path]:
    """The project's Turtle and SPARQL files, without the DPV index (it is DPV itself)."""
    files = [p for d in ("ontology", "data", "shapes", "queries") for p in (REPO / d).rglob("*")]
    index = index_path().parent
    return sorted(p for p in files if p.suffix in {".ttl", ".rq"} and index not in p.parents)


def _used_iris(path: Path) -> set[str]:
    """DPV-family IRIs in a file: prefixed names (also inside SPARQL text) and full IRIs; comments skipped."""
    text = "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    )
    used = {DPV_PREFIXES[m.group(1)] + m.group(2) for m in PREFIXED.finditer(text)}
    used |= {m.group(1) for m in FULL.finditer(text)}
    return used


def _official_objects(store: Store, subject: str, predicate: URIRef) -> set[str]:
    quads = store.quads_for_pattern(NamedNode(subject), NamedNode(str(predicate)), None)
    return {q.object.value for q in quads if isinstance(q.object, NamedNode)}


def _declarations() -> Graph:
    graph = Graph()
    files = sorted((REPO / "ontology").glob("*.ttl"))
    assert files
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def test_every_dpv_iri_used_exists_in_official_dpv(official: Store) -> None:
    files = _project_files()
    assert any(p.suffix == ".rq" for p in files) and any("shapes" in p.parts for p in files)
    missing = {}
    for path in files:
        for iri in _used_iris(path):
            if not any(True for _ in official.quads_for_pattern(NamedNode(iri), None, None)):
                missing.setdefault(iri, []).append(str(path.relative_to(REPO)))
    assert missing == {}, f"not in official DPV 2.3: {missing}"


def test_every_dpv_term_used_is_known_to_the_index() -> None:
    unknown = {}
    for path in _project_files():
        for iri in sorted(i for i in _used_iris(path) if not is_known(i)):
            unknown.setdefault(iri, []).append(str(path.relative_to(REPO)))
    assert unknown == {}, f"used but not in the DPV 2.3 index: {unknown}"


def test_dpv_terms_holds_only_finnish_labels_of_dpv_terms(official: Store) -> None:
    """ontology/dpv-terms.ttl: one Finnish skos:prefLabel per DPV 2.3 term, and nothing else (types,
    hierarchy and English labels come from the index)."""
    graph = Graph().parse(REPO / "ontology" / "dpv-terms.ttl", format="turtle")
    assert len(graph) > 300
    wrong = [
        (str(s), str(p), str(o))
        for s, p, o in graph
        if p != SKOS.prefLabel or not isinstance(o, Literal) or o.language != "fi"
    ]
    assert wrong == []
    subjects = [str(s) for s in graph.subjects()]
    assert len(subjects) == len(set(subjects)), "one Finnish label per term"
    not_dpv = [s for s in subjects if not s.startswith(DPV_FAMILY) or not is_known(s)]
    assert not_dpv == []
    assert all(any(True for _ in official.quads_for_pattern(NamedNode(s), None, None)) for s in subjects)


def test_ontology_does_not_contradict_dpv_types_and_broader(official: Store) -> None:
    """What ontology/*.ttl says about a DPV term's type, skos:broader or subclass/subproperty is what official
    DPV 2.3 says (the project mints its own terms under ropa:, it does not re-declare DPV's)."""
    decl = _declarations()
    subjects = {s for s in decl.subjects() if isinstance(s, URIRef) and str(s).startswith(DPV_FAMILY)}
    assert len(subjects) > 300
    wrong = []
    for subject in subjects:
        for prop in STRUCTURE:
            ours = {
                str(o)
                for o in decl.objects(subject, prop)
                if str(o).startswith(DPV_FAMILY) or o in META_TYPES
            }
            extra = ours - _official_objects(official, str(subject), prop)
            if extra:
                wrong.append((str(subject), str(prop), sorted(extra)))
    assert wrong == []


def test_minted_terms_are_not_in_dpv_and_hang_under_dpv(official: Store) -> None:
    decl = Graph().parse(REPO / "ontology" / "ropa.ttl", format="turtle")
    minted = [s for s in decl.subjects(RDF.type, SKOS.Concept) if str(s).startswith(str(PREFIXES["ropa"]))]
    names = {str(m).rsplit("#", 1)[1] for m in minted}
    assert {
        "Manufacturing",
        "MarketResearch",
        "ProspectiveCustomer",
        "Subcontractor",
        "BusinessPartner",
        "ContactPerson",
        "WebsiteVisitor",
        "Adequacy-EU-US-DPF",
    } <= names
    for term in minted:
        local = str(term).rsplit("#", 1)[1]
        for ns in DPV_FAMILY:  # DPV has no term of that name: we mint only what DPV lacks
            assert not any(True for _ in official.quads_for_pattern(NamedNode(ns + local), None, None)), local
        chain = set(decl.transitive_objects(term, SKOS.broader)) - {term}
        assert any(str(b).startswith(DPV_FAMILY) for b in chain), f"{local} has no skos:broader into DPV"
        assert decl.value(term, SKOS.prefLabel) is not None
        langs = {label.language for label in decl.objects(term, SKOS.prefLabel)}  # type: ignore[union-attr]
        assert {"en", "fi"} <= langs, local


def test_terms_with_finnish_labels_have_english_labels_in_the_index() -> None:
    graph = Graph().parse(REPO / "ontology" / "dpv-terms.ttl", format="turtle")
    unlabeled = sorted(str(s) for s in set(graph.subjects()) if not label(str(s)))
    assert unlabeled == []
