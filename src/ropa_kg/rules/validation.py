"""Validate a record against the rule set: run an engine, apply the waivers, return typed findings.

``validate()`` is the one entry point: the CLI, the dashboard and the tests call it. The default engine,
``"fast"``, is :mod:`ropa_kg.rules.fast_engine` (the rules compiled to SPARQL on pyoxigraph; files are loaded
into an in-memory store, faster to query than the on-disk cache of :mod:`ropa_kg.load.cache`); ``"pyshacl"``
is the reference it is tested against.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import Node, Variable

from ropa_kg.core.blank_nodes import stable_labels
from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.findings import Family, Finding, Severity
from ropa_kg.core.terms import to_oxigraph, to_rdflib
from ropa_kg.load.activities import require_activities
from ropa_kg.load.graph import collect_files, declared_prefixes, load_graph, ontology_files, parse_into
from ropa_kg.load.vocabulary import suggest
from ropa_kg.rules.results import (
    ShaclReport,
    ShaclResult,
    findings_from_report,
    findings_from_results,
    results_from_report,
    sorted_results,
)
from ropa_kg.rules.shapes import Rule, guard_shapes, load_shapes, node_id, rule_catalogue
from ropa_kg.rules.waivers import WAIVER_RULES, WaivedFinding, Waiver, apply_waivers, read_waivers
from ropa_kg.sparql.guard import check_read_only

RuleEngine = TypingLiteral["pyshacl", "fast"]
ENGINES: tuple[str, ...] = ("fast", "pyshacl")
DEFAULT_ENGINE: RuleEngine = "fast"


@dataclass
class ValidationResult:
    """Findings of one validation run.

    ``findings`` are the rule findings no valid waiver covers; ``waived`` those a waiver covers;
    ``waiver_problems`` the expired or unused waivers (findings of ROPA-WAIVER-EXPIRED/-UNUSED).
    """

    findings: list[Finding]
    waived: list[WaivedFinding]
    waiver_problems: list[Finding]
    rules: dict[str, Rule]
    engine: str
    graph: Graph = field(repr=False)
    shapes: Graph = field(repr=False, default_factory=Graph)
    files: list[Path] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def active(self) -> list[Finding]:
        """Everything that can fail the build: rule findings and waiver problems, most severe first."""
        return sort_findings([*self.findings, *self.waiver_problems])

    def failing(self, threshold: Severity) -> list[Finding]:
        """The active findings at or above ``threshold``."""
        return [f for f in self.active if f.severity >= threshold]

    def conforms(self, threshold: Severity = Severity.VIOLATION) -> bool:
        """True when no active finding is at or above ``threshold``."""
        return not self.failing(threshold)

    def counts(self) -> dict[str, int]:
        """Number of active findings per severity name (lower case), plus ``waived``."""
        counts = {s.name.lower(): 0 for s in sorted(Severity, reverse=True)}
        for finding in self.active:
            counts[finding.severity.name.lower()] += 1
        counts["waived"] = len(self.waived)
        return counts

    def counts_by_family(self) -> dict[Family, dict[str, int]]:
        """Number of active findings per family (every family, in report order) and severity name."""
        counts = {family: {s.name.lower(): 0 for s in sorted(Severity, reverse=True)} for family in Family}
        for finding in self.active:
            counts[finding.family][finding.severity.name.lower()] += 1
        return counts


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Most severe first, then by rule id, focus node, path and value."""
    return sorted(
        findings, key=lambda f: (-int(f.severity), f.rule_id, f.focus_node, f.path or "", f.value or "")
    )


def validate(
    *sources: Graph | Path | str,
    shapes_dir: Path | str | None = None,
    shapes: Graph | None = None,
    engine: str = DEFAULT_ENGINE,
    today: dt.date | None = None,
    with_ontology: bool = True,
    store: ox.Store | None = None,
) -> ValidationResult:
    """Validate a record and apply the waivers it holds.

    ``sources`` is either one rdflib graph (validated as it is) or files and folders (loaded with the
    project's ontology unless ``with_ontology`` is false); nothing means the bundled Alumeco record.
    ``shapes`` (a graph) or ``shapes_dir`` choose the rule set (default: the bundled ``shapes/``).
    ``today`` decides which waivers have expired and is the date the dated rules (ROPA-REVIEW-OVERDUE)
    judge against (default: the current date; see :func:`with_validation_date`). With the fast engine,
    ``store`` is the record already loaded from those paths (it is not loaded again).

    Raises:
        RopaInputError: a file is missing or cannot be parsed, a shape or a waiver is malformed.
        NoActivitiesError: the record holds no processing activity (never a pass).
        RopaUsageError: an unknown engine, graphs mixed with paths, or a shape's SPARQL is refused.
    """
    if engine not in ENGINES:
        raise RopaUsageError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    shapes_graph = shapes if shapes is not None else load_shapes(shapes_dir)
    rules = rule_catalogue(shapes_graph)
    if not rules:
        raise RopaInputError("the shapes define no rule (no shape has ropa:ruleId)", shapes_dir)
    if engine == "fast" and not any(isinstance(s, Graph) for s in sources):
        # pyoxigraph in memory (2-3 times faster to query than the on-disk cache of ropa_kg.load.cache, which
        # saves only the parse); reports and waivers read it through an rdflib view
        from ropa_kg.load.store import WrittenForms, load_store, store_graph
        from ropa_kg.rules.fast_engine import run_fast

        paths = [Path(s) for s in sources if not isinstance(s, Graph)]
        if store is None:
            store = load_store(paths or None, with_ontology=with_ontology)
        files = collect_files(paths) if paths else _default_files()
        require_activities(store, files=files)
        written = WrittenForms.of_files([*(ontology_files() if with_ontology else []), *files])
        raw = run_fast(
            store=store,
            shapes_graph=shapes_graph,
            written=written,
            # a shape judging a literal the store does not keep as written runs on the files as parsed
            written_graph=lambda: written_graph(store, paths=paths, with_ontology=with_ontology),
        )
        graph = store_graph(store)
        for prefix, namespace in declared_prefixes(
            [*(ontology_files() if with_ontology else []), *files]
        ).items():
            graph.bind(prefix, namespace, override=False)
    else:
        graph, files = _data_graph(sources, with_ontology=with_ontology)
        require_activities(graph, files=files)
        raw = run_engine(engine, data_graph=graph, shapes_graph=shapes_graph, rules=rules)
    waivers = read_waivers(graph)
    day = today or dt.date.today()
    raw = with_validation_date(raw, graph=graph, shapes_graph=shapes_graph, rules=rules, today=day)
    outcome = apply_waivers(with_suggestions(raw), waivers, today=day)
    return ValidationResult(
        findings=sort_findings(outcome.active),
        waived=sorted(outcome.waived, key=lambda w: sort_findings([w.finding])[0].key),
        waiver_problems=sort_findings(outcome.problems),
        rules={**rules, **WAIVER_RULES},
        engine=engine,
        graph=graph,
        shapes=shapes_graph,
        files=files,
        waivers=waivers,
        today=day,
    )


#: The variable through which a rule's query reads the date of the validation (``$validationDate``).
VALIDATION_DATE = "validationDate"
_MESSAGE_VARIABLE = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def dated_shapes(shapes_graph: Graph, rules: dict[str, Rule]) -> dict[Node, list[str]]:
    """The rule shapes whose SHACL-SPARQL query reads ``$validationDate``, with those queries' texts."""
    found: dict[Node, list[str]] = {}
    for rule in rules.values():
        shape = BNode(rule.shape[2:]) if rule.shape.startswith("_:") else URIRef(rule.shape)
        for constraint in shapes_graph.objects(shape, SH.sparql):
            select = shapes_graph.value(constraint, SH.select)
            if select is not None and f"${VALIDATION_DATE}" in str(select):
                found.setdefault(shape, []).append(str(select))
    return found


#: How a dated rule's query is answered: (query text, its declared prefixes, the validation date) -> rows.
DatedAnswers = Callable[[str, dict[str, str], dt.date], Iterable[dict[str, Node]]]


def with_validation_date(
    findings: Sequence[Finding],
    *,
    graph: Graph,
    shapes_graph: Graph,
    rules: dict[str, Rule],
    today: dt.date,
    answers: DatedAnswers | None = None,
    targets: Callable[[Node], set[Node]] | None = None,
) -> list[Finding]:
    """``findings`` with those of the dated rules judged as of ``today``.

    A dated rule (:func:`dated_shapes`: ROPA-REVIEW-OVERDUE) compares the record with the date of the
    validation, which SHACL has no way to pass to a shape: run by an engine on its own its query falls back
    to ``NOW()``. Here its engine findings are dropped and its query is run again on ``graph`` (the same
    rdflib view whichever engine ran, so both report it alike) with ``$validationDate`` bound to ``today``
    (never formatted in) and ``$this`` ranging over the shape's ``sh:targetClass`` instances (and
    ``sh:targetNode``); each answer is a SHACL result read as the engines' are
    (:func:`ropa_kg.rules.results.findings_from_results`), its message filled from the answer's variables.

    ``answers`` and ``targets`` replace the evaluation on ``graph``, for a record held elsewhere (a remote
    store, :mod:`ropa_kg.rules.pushdown`): they answer a query with ``$validationDate`` bound, and give a
    shape's focus nodes.

    Raises:
        RopaUsageError: a dated query is refused by :func:`ropa_kg.sparql.guard.check_read_only`.
    """
    dated = dated_shapes(shapes_graph, rules)
    if not dated:
        return list(findings)
    kept = [f for f in findings if f.source_shape not in {node_id(s) for s in dated}]
    results: list[ShaclResult] = []
    for shape, queries in sorted(dated.items(), key=lambda item: str(item[0])):
        focus = targets(shape) if targets is not None else _targets(graph, shapes_graph, shape)
        message = shapes_graph.value(shape, SH.message)
        severity = shapes_graph.value(shape, SH.severity)
        for text in queries:
            check_read_only(text, source=f"the SPARQL query of shape <{shape}>", strict=False)
            prefixes = _declared_prefixes(shapes_graph, shape, text)
            rows = (answers or functools.partial(_dated_answers, graph))(text, prefixes, today)
            for bound in rows:
                this = bound.get("this")
                if this is None or this not in focus:
                    continue
                results.append(
                    ShaclResult(
                        focus=this,
                        component=SH.SPARQLConstraintComponent,
                        source_shape=shape,
                        severity=URIRef(str(severity or SH.Violation)),
                        value=bound.get("value", this),
                        messages=(_filled(message, bound),) if message is not None else (),
                    )
                )
    return [*kept, *findings_from_results(sorted_results(results), rules.values())]


def _dated_answers(
    graph: Graph, text: str, prefixes: dict[str, str], today: dt.date
) -> list[dict[str, Node]]:
    """The rows of a dated query on ``graph``, ``$validationDate`` bound to ``today``."""
    # rdflib evaluates it, whatever store holds the graph (oxrdflib binds projected variables only)
    prepared = _translated(text, tuple(sorted(prefixes.items())))
    answer = evalQuery(graph, prepared, {Variable(VALIDATION_DATE): Literal(today, datatype=XSD.date)})
    return [{str(k): v for k, v in row.items()} for row in answer["bindings"]]


@functools.lru_cache(maxsize=64)
def _translated(text: str, prefixes: tuple[tuple[str, str], ...]) -> Any:
    """rdflib's algebra of the query ``text`` with ``prefixes``, translated once per process."""
    return translateQuery(parseQuery(text), None, dict(prefixes))


def _targets(graph: Graph, shapes_graph: Graph, shape: Node) -> set[Node]:
    """The focus nodes of ``shape``: instances of its target classes (and their subclasses), its target
    nodes."""
    focus: set[Node] = set(shapes_graph.objects(shape, SH.targetNode))
    for cls in shapes_graph.objects(shape, SH.targetClass):
        for sub in graph.transitive_subjects(RDFS.subClassOf, cls):
            focus.update(graph.subjects(RDF.type, sub))
    return focus


def _declared_prefixes(shapes_graph: Graph, shape: Node, text: str) -> dict[str, str]:
    """The ``sh:declare`` prefixes (``sh:prefixes``) of the constraint of ``shape`` with query ``text``."""
    declared: dict[str, str] = {}
    for constraint in shapes_graph.objects(shape, SH.sparql):
        if str(shapes_graph.value(constraint, SH.select)) != text:
            continue
        for holder in shapes_graph.objects(constraint, SH.prefixes):
            for declaration in shapes_graph.objects(holder, SH.declare):
                prefix = shapes_graph.value(declaration, SH.prefix)
                namespace = shapes_graph.value(declaration, SH.namespace)
                if prefix is not None and namespace is not None:
                    declared[str(prefix)] = str(namespace)
    return declared


def _filled(message: Node, bound: dict[str, Node]) -> Literal:
    """``message`` with ``{?var}`` / ``{$var}`` replaced by the answer's values (as SHACL fills them)."""
    language = message.language if isinstance(message, Literal) else None

    def value(match: re.Match[str]) -> str:
        term = bound.get(match.group(1))
        return str(term) if term is not None else match.group(0)

    return Literal(_MESSAGE_VARIABLE.sub(value, str(message)), lang=language)


def with_suggestions(findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` with the likely intended term added to the message of each ROPA-DPV-TERM finding
    whose unknown term resembles a known one (``dpv:hasStorage``: ``dpv:hasStorageCondition``), by
    :func:`ropa_kg.load.vocabulary.suggest`; the message does not take part in a finding's key."""
    out: list[Finding] = []
    for finding in findings:
        hint = suggest(finding.value) if finding.rule_id == "ROPA-DPV-TERM" and finding.value else None
        if hint:
            finding = dataclasses.replace(finding, message=f"{finding.message} Likely intended: {hint}.")
        out.append(finding)
    return out


def _data_graph(sources: Sequence[Graph | Path | str], *, with_ontology: bool) -> tuple[Graph, list[Path]]:
    graphs = [s for s in sources if isinstance(s, Graph)]
    if graphs:
        if len(sources) != 1:
            raise RopaUsageError("pass either one graph or paths, not both")
        return graphs[0], []
    paths = [Path(s) for s in sources if not isinstance(s, Graph)]
    graph = load_graph(paths or None, with_ontology=with_ontology)
    return graph, collect_files(paths) if paths else _default_files()


def written_graph(store: ox.Store, *, paths: Sequence[Path], with_ontology: bool = True) -> Graph:
    """The record in ``paths`` as ``load_graph(paths, with_ontology=...)`` gives it (its files parsed by
    rdflib, literals as written, blank nodes labelled by that content), made from ``store``, the same
    record already loaded by ``load_store``: an rdflib copy of the store with each literal the store does
    not keep as written put back as written, and the blank nodes such a literal hangs off relabelled by
    their written content. Only a file holding such a blank node is parsed again (by rdflib, on its own),
    not all of a record that has DPV's files loaded next to it. (Blank nodes that colour refinement cannot
    tell apart, ``-2`` twins, may swap labels, as they do between two parses.)

    Where the written graph cannot be told from the store with certainty (a stored form the files also
    write as such, blank nodes that label alike), the files are parsed again with ``load_graph``.

    Raises:
        RopaInputError: a file cannot be read or parsed any more.
    """
    from ropa_kg.load.store import WrittenForms, rdflib_copy

    files = [
        *(ontology_files() if with_ontology else []),
        *(collect_files(paths) if paths else _default_files()),
    ]
    graph = rdflib_copy(store)
    put_back: list[tuple[Node, Node, Literal]] = []
    for path in files:
        triples = WrittenForms.of_files([path]).lossy_triples() or []
        put_back += [
            (URIRef(s.value), URIRef(p.value), to_rdflib(o))  # type: ignore[misc]  # a literal
            for s, p, o in triples
            if isinstance(s, ox.NamedNode)
        ]
        if any(isinstance(s, ox.BlankNode) for s, _, _ in triples):
            blank = _blank_nodes_as_written(graph, path)
            if blank is None:
                return load_graph(paths or None, with_ontology=with_ontology)
            put_back += blank
    canonical = _stored_forms({literal for _, _, literal in put_back})
    kept = _written_as_such(files, set(canonical.values()))
    for subject, predicate, literal in put_back:
        if (subject, predicate, canonical[literal]) not in kept:
            graph.remove((subject, predicate, canonical[literal]))
    for triple in put_back:
        graph.add(triple)
    return graph


def _written_as_such(files: Sequence[Path], forms: set[Literal]) -> set[tuple[Node, Node, Node]]:
    """The triples of ``files`` with a named subject that write a literal of ``forms`` (stored forms) as
    such: a file writing ``"01"`` and ``"1"`` has two triples where the store holds one. Only a file
    writing one is parsed again. (A blank node's are checked where it is relabelled.)"""
    from ropa_kg.load.store import WrittenForms

    found: set[tuple[Node, Node, Node]] = set()
    for path in files:
        written = {to_rdflib(o) for o in WrittenForms.of_files([path])._originals()} & forms
        if not written:
            continue
        parsed = Graph()
        parse_into(parsed, path)
        found.update(t for t in parsed if t[2] in written and not isinstance(t[0], BNode))
    return found


def _blank_nodes_as_written(graph: Graph, path: Path) -> list[tuple[Node, Node, Literal]] | None:
    """Relabel, in ``graph`` (a copy of a store), the blank nodes of the file ``path`` with the labels
    their written content gives them; return the triples of those blank nodes whose literal the store
    holds in another form, as written. None when a label is not certain (two blank nodes alike, or a
    new label already taken)."""
    from ropa_kg.load.store import WrittenForms

    parsed = Graph()
    parse_into(parsed, path)
    triples = [t for t in parsed if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
    as_written = stable_labels(
        triples,
        is_blank=lambda term: isinstance(term, BNode),
        text=lambda term: str(to_oxigraph(term)),  # type: ignore[arg-type]  # triples hold terms
    )
    scratch = ox.Store()
    scratch.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in triples)  # type: ignore[arg-type]
    as_stored = stable_labels(
        ((q.subject, q.predicate, q.object) for q in scratch),
        is_blank=lambda term: isinstance(term, ox.BlankNode),
        text=str,
    )
    rename = {BNode(as_stored[ox.BlankNode(str(b))]): BNode(label) for b, label in as_written.items()}
    labels = [*map(str, rename), *map(str, rename.values())]
    if any("-" in label for label in labels) or not _free(graph, rename):
        return None
    moved = {
        t for node in rename for t in (*graph.triples((node, None, None)), *graph.triples((None, None, node)))
    }
    for s, p, o in moved:
        graph.remove((s, p, o))
    for s, p, o in moved:
        graph.add((rename.get(s, s), p, rename.get(o, o)))  # type: ignore[call-overload]  # a BNode or not
    typed: list[tuple[Node, Node, Literal]] = [
        (BNode(as_written[s]), p, o)
        for s, p, o in triples
        if isinstance(s, BNode) and isinstance(o, Literal) and WrittenForms.may_differ(to_oxigraph(o))
    ]
    stored = _stored_forms({o for _, _, o in typed})
    lossy = [(s, p, o) for s, p, o in typed if stored[o] != o]
    if {(s, p, stored[o]) for s, p, o in lossy} & set(typed):  # "01" and "1" on one blank node
        return None
    return lossy


def _free(graph: Graph, rename: dict[BNode, BNode]) -> bool:
    """Whether every old label is in ``graph`` once (no ``-2`` twin) and no new label is taken by a blank
    node that is not renamed."""
    old, new = set(rename), set(rename.values())
    twins = {BNode(f"{label}-2") for label in (*old, *new)}
    return (
        len(new) == len(old)
        and all(_in(graph, node) for node in old)
        and not any(_in(graph, node) for node in twins | (new - old))
    )


def _in(graph: Graph, node: BNode) -> bool:
    """Whether ``node`` is a subject or an object in ``graph``."""
    return next(graph.triples((node, None, None)), None) is not None or (
        next(graph.triples((None, None, node)), None) is not None
    )


def _stored_forms(literals: set[Literal]) -> dict[Literal, Literal]:
    """Each literal in the form a pyoxigraph store holds it (:func:`ropa_kg.load.store.stored_forms`)."""
    from ropa_kg.load.store import stored_forms

    by_term = {to_oxigraph(lit): lit for lit in literals}
    found: dict[Literal, Literal] = {}
    for term, stored in stored_forms(by_term).items():  # type: ignore[arg-type]  # literals
        converted = to_rdflib(stored)
        assert isinstance(converted, Literal)
        found[by_term[term]] = converted
    return found


def _default_files() -> list[Path]:
    from ropa_kg.core.resources import alumeco_dir

    return collect_files([alumeco_dir()])


def run_engine(
    engine: str, *, data_graph: Graph, shapes_graph: Graph, rules: dict[str, Rule]
) -> list[Finding]:
    """Run one engine and return its raw findings (before waivers).

    Raises:
        RopaUsageError: the engine is unknown or not installed.
    """
    if engine == "pyshacl":
        return run_pyshacl(data_graph=data_graph, shapes_graph=shapes_graph, rules=rules)
    if engine == "fast":
        from ropa_kg.rules.fast_engine import run_fast

        return run_fast(data_graph=data_graph, shapes_graph=shapes_graph)
    raise RopaUsageError(f"unknown engine {engine!r}")


#: Translated SHACL-SPARQL queries by (text, base, namespaces); shared by all runs of this process.
_PREPARED: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Any] = {}
#: Past this many texts the cache starts afresh (a long-lived dashboard meets ever new rule sets).
_PREPARED_LIMIT = 4096
_CACHE_LOCK = threading.Lock()


def _guarded_prepared(original: Callable[..., Any]) -> Callable[..., Any]:
    """``original`` (rdflib's ``SPARQLProcessor.query``) behind the guard and the translated-query cache."""

    def query(
        self: Any,
        str_or_query: Any,
        initBindings: Any = None,
        initNs: Any = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Any:
        if isinstance(str_or_query, str):
            key = (str_or_query, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            prepared = _PREPARED.get(key)
            if prepared is None:
                # every text rdflib is handed while pyshacl runs passes the guard (no SERVICE, no update)
                # once, before it is translated: a cached text has passed it (pyshacl sends the same text
                # once per focus node)
                check_read_only(str_or_query, source="a SPARQL query of the shapes", strict=False)
                prepared = translateQuery(parseQuery(str_or_query), base, initNs)
                with _CACHE_LOCK:
                    if len(_PREPARED) > _PREPARED_LIMIT:
                        _PREPARED.clear()
                    _PREPARED[key] = prepared
            str_or_query = prepared
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    return query


class _QueryPatch:
    """rdflib's ``SPARQLProcessor.query`` replaced, process-wide, while at least one
    :func:`prepared_sparql` block is open in any thread.

    The first block to open puts the replacement in (remembering the method it replaces); the last to
    close puts that method back, whatever the order in which the blocks of several threads open and close.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0
        self._original: Callable[..., Any] | None = None

    def enter(self) -> None:
        with self._lock:
            if self._open == 0:
                original = processor.SPARQLProcessor.query
                self._original = original
                processor.SPARQLProcessor.query = _guarded_prepared(original)  # type: ignore[method-assign]  # put back by leave()
            self._open += 1

    def leave(self) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0 and self._original is not None:
                processor.SPARQLProcessor.query = self._original  # type: ignore[method-assign]  # put back
                self._original = None


_PATCH = _QueryPatch()


@contextlib.contextmanager
def prepared_sparql() -> Iterator[None]:
    """While active, rdflib parses and translates each distinct SPARQL text once, and every text it is
    handed passes :func:`ropa_kg.sparql.guard.check_read_only` first.

    pyshacl hands rdflib the same SHACL-SPARQL query text once per focus node, and rdflib parses it
    every time (about 80% of the run). Reusing the translated query with new initial bindings is what
    rdflib's own ``prepareQuery`` is for, so the results are unchanged. pyshacl offers no hook for this,
    so rdflib's ``SPARQLProcessor.query`` is replaced for the whole process while any block is open (in
    any thread: two dashboard sessions may validate at once); the last block to close restores it.

    Raises:
        RopaUsageError: inside the block, rdflib was handed an update or a query using ``SERVICE``.
        RopaInputError: inside the block, rdflib was handed a text that is not a SPARQL query.
    """
    _PATCH.enter()
    try:
        yield
    finally:
        _PATCH.leave()


def run_pyshacl(*, data_graph: Graph, shapes_graph: Graph, rules: dict[str, Rule]) -> list[Finding]:
    """Validate with pyshacl (no inference, SHACL-SPARQL on) and turn its report into findings.

    Raises:
        RopaInputError: pyshacl rejects the shapes (the cause is named).
        RopaUsageError: a SPARQL text of the shapes is refused by :func:`ropa_kg.rules.shapes.guard_shapes`.
    """
    import pyshacl  # imported here: it is slow to import and not needed by the other verbs

    guard_shapes(shapes_graph)
    try:
        with prepared_sparql():
            _conforms, report, _text = pyshacl.validate(
                data_graph,
                shacl_graph=shapes_graph,
                inference="none",
                abort_on_first=False,
                allow_infos=False,
                allow_warnings=False,
                advanced=False,
            )
    except RopaUsageError:
        raise
    except Exception as exc:
        raise RopaInputError(f"the rule set cannot be run by pyshacl: {exc}") from exc
    assert isinstance(report, Graph)
    return sort_findings(findings_from_report(report, rules.values()))


def validate_shacl(*, data_graph: Graph, shapes_graph: Graph, engine: str = DEFAULT_ENGINE) -> ShaclReport:
    """Validate ``data_graph`` against any ``shapes_graph`` (no ``ropa:`` metadata needed, nothing added to
    either): SHACL's results. The fast engine runs what it compiles and pyshacl the rest; ``"pyshacl"``
    runs pyshacl alone (no inference, SHACL-SPARQL on).

    Raises:
        RopaUsageError: an unknown engine, or a SPARQL text is refused (``SERVICE``, an update).
        RopaInputError: a SPARQL text is not a query or is one SHACL forbids, or pyshacl rejects the shapes.
    """
    if engine not in ENGINES:
        raise RopaUsageError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    guard_shapes(shapes_graph)
    if engine == "fast":
        from ropa_kg.rules.fast_engine import validate_fast

        return validate_fast(data_graph=data_graph, shapes_graph=shapes_graph)
    import pyshacl

    try:
        with prepared_sparql():
            _conforms, report, _text = pyshacl.validate(
                data_graph, shacl_graph=shapes_graph, inference="none", abort_on_first=False, advanced=False
            )
    except (RopaUsageError, RopaInputError):
        raise
    except Exception as exc:
        raise RopaInputError(f"the shapes cannot be run by pyshacl: {exc}") from exc
    assert isinstance(report, Graph)
    results = results_from_report(report)
    return ShaclReport(results=results, engines={})


def focus_is_iri(finding: Finding) -> bool:
    """True when the finding's focus node is an IRI (so it can be located in a file and waived)."""
    return not finding.focus_node.startswith("_:")


__all__ = [
    "ENGINES",
    "VALIDATION_DATE",
    "RuleEngine",
    "ValidationResult",
    "dated_shapes",
    "focus_is_iri",
    "prepared_sparql",
    "run_engine",
    "run_pyshacl",
    "sort_findings",
    "validate",
    "validate_shacl",
    "with_suggestions",
    "with_validation_date",
    "written_graph",
]
