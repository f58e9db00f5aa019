"""Property-based: random DPV records and random mutations of the Alumeco record never crash the loader,
the validator (default engine), the saved queries or the exports; every finding on a mutated record names
a focus node that exists in the graph. Random byte corruption only ever gives a clear input error."""

from __future__ import annotations

import io
import random
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from ropa_kg.errors import RopaInputError
from ropa_kg.export import graph_bytes, register, to_csv, to_html, to_xlsx
from ropa_kg.generate import VOCABULARY, expand
from ropa_kg.graph import load_graph
from ropa_kg.namespaces import DPV, ROPA
from ropa_kg.queries import catalogue, execute_oxigraph
from ropa_kg.resources import alumeco_dir
from ropa_kg.store import load_store
from ropa_kg.validation import validate

ALUMECO = load_graph([alumeco_dir()], with_ontology=False)
TRIPLES = sorted(ALUMECO, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
TERMS = sorted({t for triple in TRIPLES for t in triple if not isinstance(t, BNode)}, key=str)
CONCEPTS = [URIRef(expand(c)) for c in sorted(VOCABULARY) if not c.split(":", 1)[1][:1].islower()]
PROPERTIES = [URIRef(expand(c)) for c in sorted(VOCABULARY) if c.split(":", 1)[1][:1].islower()]
QUERIES = catalogue()
#: No shrinking: each example validates with pyshacl, and shrinking would multiply the run time.
SETTINGS = settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
#: Printable text: control characters in literals break the XLSX export (see test_xlsx_control_characters).
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)


def check_everything(path: Path) -> None:
    """Load, validate, query and export the record in ``path``: only a clear input error may stop it."""
    try:
        graph = load_graph([path])
        store = load_store([path])
    except RopaInputError as exc:
        assert exc.path is not None
        return
    result = validate(graph)
    nodes = {str(t) for triple in graph for t in triple} | {f"_:{t}" for triple in graph for t in triple}
    for finding in result.active:
        assert finding.focus_node in nodes, finding
    for query in QUERIES:
        execute_oxigraph(query, store, query.bindings())
    reg = register(store)
    to_csv(reg)
    to_xlsx(reg)
    to_html(reg)
    graph_bytes(graph, "turtle")
    graph_bytes(graph, "jsonld")


def write(graph: Graph, folder: str) -> Path:
    path = Path(folder) / "record.nt"
    path.write_bytes(graph.serialize(format="nt", encoding="utf-8"))
    return path


literals = st.one_of(
    TEXT.map(Literal),
    st.sampled_from(["P5Y", "five years", "", "P", "PT"]).map(lambda v: Literal(v, datatype=XSD.duration)),
    st.integers().map(Literal),
)


@st.composite
def random_records(draw: st.DrawFn) -> Graph:
    graph = Graph()
    controller = URIRef("https://example.org/r#Controller")
    graph.add((controller, RDF.type, DPV.DataController))
    for i in range(draw(st.integers(0, 4))):
        activity = URIRef(f"https://example.org/r#A{i}")
        graph.add((activity, RDF.type, DPV.Process))
        if draw(st.booleans()):
            graph.add((activity, DPV.hasDataController, controller))
        for _ in range(draw(st.integers(0, 8))):
            prop = draw(st.sampled_from(PROPERTIES))
            value = draw(
                st.one_of(st.sampled_from(CONCEPTS), literals, st.just(BNode()), st.just(controller))
            )
            graph.add((activity, prop, value))
    return graph


@SETTINGS
@given(random_records())
def test_random_dpv_records_never_crash(graph: Graph) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_everything(write(graph, folder))


def mutate(rng: random.Random) -> Graph:
    """Alumeco with about one triple in twenty dropped, up to ten triples altered (another subject,
    predicate or object, or a random literal) and up to five nodes duplicated under a new name."""
    graph = Graph()
    for triple in TRIPLES:
        if rng.random() > 0.05:
            graph.add(triple)
    for _ in range(rng.randint(0, 10)):
        s, p, o = rng.choice(TRIPLES)
        graph.remove((s, p, o))
        where, term = rng.randint(0, 2), rng.choice(TERMS)
        if where == 0 and not isinstance(term, Literal):
            s = term
        elif where == 1 and isinstance(term, URIRef):
            p = term
        else:
            o = term if rng.random() < 0.7 else Literal(rng.choice(["five years", "", "P5Y", "x" * 50]))
        graph.add((s, p, o))
    for _ in range(rng.randint(0, 5)):
        s = rng.choice(TRIPLES)[0]
        for p, o in ALUMECO.predicate_objects(s):
            graph.add((URIRef(f"{s}-copy"), p, o))
    return graph


@SETTINGS
@given(st.integers(0, 2**32))
def test_mutated_alumeco_records_never_crash_and_findings_name_existing_nodes(seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_everything(write(mutate(random.Random(seed)), folder))  # noqa: S311 - test data, not crypto


def test_xlsx_control_characters() -> None:
    graph = load_graph([alumeco_dir()])
    chat = URIRef("https://w3id.org/ropa-kg/data/alumeco#Chat")
    graph.add((chat, ROPA.hasLegitimateInterest, Literal("interest\x01")))
    with tempfile.TemporaryDirectory() as folder:
        data = to_xlsx(register(load_store([write(graph, folder)], with_ontology=False)))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Register"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    lines = {line for t in texts for line in t.split("\n")}
    assert "interest" in lines  # the value is kept, with the control character dropped


TURTLE = b"\n".join(p.read_bytes() for p in sorted(alumeco_dir().glob("*.ttl")) if p.name == "chat.ttl")


@settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.lists(st.tuples(st.integers(0, len(TURTLE) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_corrupted_bytes_give_a_clear_error_or_load(flips: list[tuple[int, int]]) -> None:
    data = bytearray(TURTLE)
    for offset, value in flips:
        data[offset] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chat.ttl"
        path.write_bytes(bytes(data))
        for load in (load_graph, load_store):
            try:
                load([path])
            except RopaInputError as exc:
                assert Path(str(exc.path)) == path and str(exc).startswith(str(path))
