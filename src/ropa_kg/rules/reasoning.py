"""OWL reasoning with HermiT (the reasoner owlready2 ships; needs Java): consistency and inferences.

The record is RDFS + SKOS (DPV's default serialisation), so before HermiT sees it the graph is made
OWL 2 friendly: provenance reifications are dropped, every property is typed as an object, data or
annotation property by the values it has, literals of datatypes outside the OWL 2 datatype map
(``xsd:date``, ``xsd:duration``) become plain strings, and the ``loc:`` countries are declared pairwise
different (HermiT does not assume unique names). owlready2 parses that ontology and writes it for HermiT.

The axioms HermiT works with are the project's ontology (``ontology/*.ttl``), in particular the OWL
part of ``ontology/rules.ttl``: e.g. ``ropa:ThirdCountryTransfer`` (an activity with a recipient outside
the EEA) and the contradiction ``ropa:noRecipients true`` + a recipient.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.namespaces import DPV_FAMILY, LOC, ROPA, bind_prefixes

#: Datatypes HermiT accepts (the OWL 2 datatype map, the ones a record may use).
OWL2_DATATYPES = frozenset(
    {
        XSD.string, XSD.boolean, XSD.integer, XSD.int, XSD.long, XSD.short, XSD.byte, XSD.decimal,
        XSD.double, XSD.float, XSD.dateTime, XSD.dateTimeStamp, XSD.anyURI, XSD.nonNegativeInteger,
        XSD.positiveInteger, XSD.normalizedString, XSD.token, XSD.language, RDF.langString,
        RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal,
    }
)  # fmt: skip

#: Namespaces whose IRIs are inferred about only when they are the record's own resources.
_BUILTIN = (str(RDF), str(RDFS), str(OWL), str(XSD))

_RESULT = re.compile(r"^([A-Za-z]+)\( ((?:<(?:[^>]+)>\s*)+) \)$", re.MULTILINE)
_PROPERTY_VALUES = re.compile(
    r"^<([^>]+)> \(known instances:\s*(.*?)(?:\s*\|\s*)possible instances:\s*(.*?)\s*\)", re.MULTILINE
)


@dataclass(frozen=True)
class ReasoningResult:
    """What HermiT found: consistency, an explanation if not, and the inferred triples."""

    consistent: bool
    inferred: Graph = field(repr=False)
    explanation: str = ""
    culprits: tuple[str, ...] = ()
    seconds: float = 0.0

    def inferred_types(self) -> list[tuple[str, str]]:
        """(individual, class) pairs HermiT inferred, sorted."""
        return sorted((str(s), str(o)) for s, o in self.inferred.subject_objects(RDF.type))


def reason(graph: Graph, *, explain: bool = True, max_runs: int = 16) -> ReasoningResult:
    """Check ``graph`` (ontology + record) for consistency with HermiT and return what it infers.

    When inconsistent and ``explain`` is true, the record's resources whose facts cause it are searched
    for (by removing groups of resources and asking HermiT again, at most ``max_runs`` times).

    Raises:
        RopaInputError: Java or HermiT cannot run, or HermiT rejects the ontology for another reason.
    """
    start = time.monotonic()
    owl_graph = owl_ready(graph)
    consistent, output = _run_hermit(owl_graph)
    if not consistent:
        culprits: tuple[str, ...] = ()
        if explain:
            culprits = _find_culprits(graph, max_runs=max_runs)
        return ReasoningResult(
            consistent=False,
            inferred=bind_prefixes(Graph()),
            explanation=_explain(graph, culprits),
            culprits=culprits,
            seconds=time.monotonic() - start,
        )
    inferred = _inferred_triples(output, graph)
    return ReasoningResult(consistent=True, inferred=inferred, seconds=time.monotonic() - start)


def owl_ready(graph: Graph, *, drop_subjects: Iterable[Node] = ()) -> Graph:
    """An OWL 2 DL friendly copy of ``graph`` (see the module doc); ``drop_subjects`` are left out."""
    dropped = set(drop_subjects) | set(graph.subjects(RDF.type, RDF.Statement))
    predicates = set(graph.predicates())
    out = Graph()
    kinds: dict[Node, set[str]] = defaultdict(set)
    for s, p, o in graph:
        if s in dropped or p in (RDF.subject, RDF.predicate, RDF.object, ROPA.source):
            continue
        if p == RDF.type and (o in (RDF.Property, RDF.Statement) or (o == SKOS.Concept and s in predicates)):
            continue  # a property that DPV also lists as a concept stays a property for OWL
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES:
            o = Literal(str(o))
        outside_owl2 = isinstance(o, URIRef) and str(o).startswith(str(XSD)) and o not in OWL2_DATATYPES
        if p in (RDFS.range, RDFS.domain) and outside_owl2:
            continue
        out.add((s, p, o))
        if not str(p).startswith(_BUILTIN):
            kinds[p].add("literal" if isinstance(o, Literal) else "resource")
    for prop, kind in kinds.items():
        declared = {o for o in out.objects(prop, RDF.type)}
        if declared & {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}:
            continue
        if kind == {"resource"}:
            out.add((prop, RDF.type, OWL.ObjectProperty))
        elif kind == {"literal"}:
            out.add((prop, RDF.type, OWL.DatatypeProperty))
        else:
            out.add((prop, RDF.type, OWL.AnnotationProperty))
    countries = sorted(
        {n for n in out.all_nodes() if isinstance(n, URIRef) and str(n).startswith(str(LOC))}, key=str
    )
    if len(countries) > 1:
        members = BNode()
        Collection(out, members, list(countries))
        different = BNode()
        out.add((different, RDF.type, OWL.AllDifferent))
        out.add((different, OWL.distinctMembers, members))
    return out


def _run_hermit(owl_graph: Graph) -> tuple[bool, str]:
    """Run HermiT on the graph through owlready2; (consistent, HermiT's output)."""
    import owlready2  # slow to import; only `reason` needs it
    from owlready2 import reasoning as owl_reasoning

    with tempfile.TemporaryDirectory(prefix="ropa-reason-") as tmp:
        source = Path(tmp) / "record.nt"
        owl_graph.serialize(source, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # owlready2 prints its repairs there
                world.get_ontology(source.as_uri()).load()
        except Exception as exc:
            raise RopaInputError(f"owlready2 cannot read the ontology: {exc}") from exc
        target = Path(tmp) / "for-hermit.nt"
        with target.open("wb") as handle:
            world.save(handle, format="ntriples")
        command = [
            owlready2.JAVA_EXE,
            f"-Xmx{owl_reasoning.JAVA_MEMORY}M",
            "-cp",
            owl_reasoning._HERMIT_CLASSPATH,  # owlready2's bundled HermiT
            "org.semanticweb.HermiT.cli.CommandLine",
            "-c",
            "-O",
            "-D",
            "-I",
            target.as_uri(),
            "-Y",
        ]
        try:
            done = subprocess.run(command, capture_output=True, check=False, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RopaInputError(f"cannot run HermiT (is Java installed?): {exc}") from exc
    output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        if "Inconsistent ontology" in output or "InconsistentOntologyException" in output:
            return False, output
        raise RopaInputError(
            f"HermiT failed: {output.strip().splitlines()[0] if output.strip() else done.returncode}"
        )
    return True, output


def _record_node(node: str) -> bool:
    return not node.startswith(_BUILTIN) and not node.startswith("http://www.w3.org/2002/07/owl")


def _inferred_triples(output: str, graph: Graph) -> Graph:
    """Class assertions and object property values HermiT derives that ``graph`` does not state."""
    inferred = bind_prefixes(Graph())
    for relation, iris in _RESULT.findall(output):
        parts = iris.strip()[1:-1].split("> <")
        if relation == "Type" and len(parts) == 2 and all(_record_node(p) for p in parts):
            triple = (URIRef(parts[0]), RDF.type, URIRef(parts[1]))
            if triple not in graph and triple[2] != OWL.Thing:
                inferred.add(triple)
    for prop, known, _possible in _PROPERTY_VALUES.findall(output):
        if not _record_node(prop) or not known.strip():
            continue
        for pair in known.strip()[1:-1].split(")("):
            a, _, b = pair.strip()[1:-1].partition(">, <")
            if a and b:
                triple = (URIRef(a), URIRef(prop), URIRef(b))
                if triple not in graph:
                    inferred.add(triple)
    return inferred


def _record_subjects(graph: Graph) -> list[Node]:
    """The record's own resources: IRIs typed in the data that are not vocabulary terms (DPV, ropa:,
    W3C namespaces), concepts, classes or provenance nodes."""
    vocabulary = (*DPV_FAMILY, str(ROPA), *_BUILTIN, "http://www.w3.org/2004/02/skos/core#")
    skip_types = {RDF.Statement, ROPA.SourceSentence, ROPA.ExternalSource, RDFS.Class, OWL.Class,
                  RDF.Property, OWL.Ontology, SKOS.Concept, ROPA.Waiver}  # fmt: skip
    subjects = set()
    for s in set(graph.subjects(RDF.type, None)):
        if not isinstance(s, URIRef) or str(s).startswith(vocabulary):
            continue
        if set(graph.objects(s, RDF.type)) & skip_types:
            continue
        subjects.add(s)
    return sorted(subjects, key=str)


def _find_culprits(graph: Graph, *, max_runs: int) -> tuple[str, ...]:
    """A small set of record resources whose facts make the ontology inconsistent (ddmin-like search)."""
    everyone = _record_subjects(graph)
    suspects = list(everyone)
    runs = 0
    chunk = max(1, len(suspects) // 2)
    while chunk >= 1 and runs < max_runs:
        i = 0
        removed_any = False
        while i < len(suspects) and runs < max_runs:
            trial = suspects[:i] + suspects[i + chunk :]
            others = [s for s in everyone if s not in trial]
            runs += 1
            consistent, _ = _run_hermit(owl_ready(graph, drop_subjects=others))
            if not consistent:
                suspects = trial
                removed_any = True
            else:
                i += chunk
        if chunk == 1 and not removed_any:
            break
        chunk = max(1, chunk // 2) if chunk > 1 else 0
    return tuple(str(s) for s in suspects)


def _explain(graph: Graph, culprits: tuple[str, ...]) -> str:
    if not culprits:
        return "HermiT reports the ontology and record inconsistent (no resource behind it was isolated)."
    ns = bind_prefixes(Graph()).namespace_manager
    facts = []
    for culprit in culprits:
        for p, o in sorted(graph.predicate_objects(URIRef(culprit)), key=str):
            if p in (RDFS.comment,) or (isinstance(o, Literal) and p != ROPA.noRecipients):
                continue
            facts.append(f"{URIRef(culprit).n3(ns)} {p.n3(ns)} {o.n3(ns)}")
    names = ", ".join(URIRef(c).n3(ns) for c in culprits)
    literals = [
        f"{URIRef(c).n3(ns)} {p.n3(ns)} {o.n3(ns)}"
        for c in culprits
        for p, o in graph.predicate_objects(URIRef(c))
        if isinstance(o, Literal) and p == ROPA.noRecipients
    ]
    shown = sorted(set(facts + literals))[:12]
    return (
        f"the facts about {names} contradict the ontology (e.g. an axiom of ontology/rules.ttl); "
        f"they are: " + "; ".join(shown)
    )


def render_reasoning(result: ReasoningResult, fmt: str) -> str:
    """``text``, ``json`` or ``turtle`` (the inferred triples) rendering of a reasoning result."""
    ns = bind_prefixes(Graph()).namespace_manager
    if fmt == "json":
        return (
            json.dumps(
                {
                    "consistent": result.consistent,
                    "explanation": result.explanation or None,
                    "culprits": list(result.culprits),
                    "inferred": [
                        {"subject": str(s), "predicate": str(p), "object": str(o)}
                        for s, p, o in sorted(result.inferred)
                    ],
                    "seconds": round(result.seconds, 3),
                },
                indent=2,
            )
            + "\n"
        )
    if fmt == "turtle":
        return result.inferred.serialize(format="turtle")
    if not result.consistent:
        return f"INCONSISTENT: {result.explanation}\n"
    lines = [f"consistent (HermiT, {result.seconds:.1f} s); {len(result.inferred)} inferred facts:"]
    lines += [f"  {s.n3(ns)} {p.n3(ns)} {o.n3(ns)}" for s, p, o in sorted(result.inferred)]
    return "\n".join(lines) + "\n"
