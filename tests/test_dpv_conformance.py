"""DPV conformance: every DPV-family IRI the project uses exists in official DPV 2.3 (../shared/dpv, the
canonical non-OWL files), and every declaration in ontology/ matches the official type and skos:broader.

Skips only when ../shared/dpv is absent; `.ci/run` sets ROPA_REQUIRE_DPV=1, which turns that into a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ropa_kg.core.namespaces import DPV_FAMILY, PREFIXES

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
    files = [p for d in ("ontology", "data", "shapes", "queries") for p in (REPO / d).rglob("*")]
    return sorted(p for p in files if p.suffix in {".ttl", ".rq"})


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


def test_every_dpv_term_used_is_declared_in_the_ontology() -> None:
    declared = {str(s) for s in _declarations().subjects(RDF.type, None)}
    undeclared = {}
    for path in _project_files():
        for iri in _used_iris(path) - declared:
            undeclared.setdefault(iri, []).append(str(path.relative_to(REPO)))
    assert undeclared == {}, f"used but not declared in ontology/: {undeclared}"


def test_declared_types_and_broader_match_official_dpv(official: Store) -> None:
    decl = _declarations()
    subjects = {s for s in decl.subjects() if isinstance(s, URIRef) and str(s).startswith(DPV_FAMILY)}
    assert len(subjects) > 100
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


def test_declared_broader_chains_reach_the_top(official: Store) -> None:
    """Each declared term's official skos:broader parents are declared too, so chains are complete."""
    decl = _declarations()
    declared = {str(s) for s in decl.subjects(RDF.type, None)}
    broken = []
    for subject in declared:
        if not subject.startswith(DPV_FAMILY):
            continue
        for parent in _official_objects(official, subject, SKOS.broader):
            if parent.startswith(DPV_FAMILY) and parent not in declared:
                broken.append((subject, parent))
    assert broken == []


def test_minted_terms_are_not_in_dpv_and_hang_under_dpv(official: Store) -> None:
    decl = Graph().parse(REPO / "ontology" / "ropa.ttl", format="turtle")
    minted = [s for s in decl.subjects(RDF.type, SKOS.Concept) if str(s).startswith(str(PREFIXES["ropa"]))]
    names = {str(m).rsplit("#", 1)[1] for m in minted}
    assert {
        "Manufacturing",
        "MarketResearch",
        "Procurement",
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


def test_declared_terms_have_english_and_finnish_labels() -> None:
    decl = _declarations()
    unlabeled = []
    for subject in {s for s in decl.subjects(RDF.type, None) if str(s).startswith(DPV_FAMILY)}:
        labels = list(decl.objects(subject, SKOS.prefLabel)) + list(decl.objects(subject, RDFS.label))
        langs = {getattr(label, "language", None) for label in labels}
        if not {"en", "fi"} <= langs:
            unlabeled.append(str(subject))
    assert unlabeled == []
