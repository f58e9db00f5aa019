"""Build ``ontology/dpv-2.3/index.ttl``: every term of the official DPV 2.3 files, without their prose.

``python tools/build_dpv_index.py [--dpv ../shared/dpv] [--output ontology/dpv-2.3/index.ttl] [--check]``

A developer tool, not part of the ``ropa-kg`` wheel (the index it writes is). It reads the DPV 2.3
vocabulary files (:data:`VOCABULARY_FILES`, the canonical RDFS+SKOS serialisation; never the ``*-owl.ttl``
variants nor the ``shacl-*`` files) with pyoxigraph and writes one Turtle file holding, for every subject
IRI in a DPV namespace (``https://w3id.org/dpv...``), only the facts of :data:`KEPT_PREDICATES`:

* its ``rdf:type`` values, ``skos:broader``, ``rdfs:subClassOf`` and ``rdfs:subPropertyOf``;
* the links the legal files give laws, authorities and adequacy decisions (``dpv:hasJurisdiction``: an
  adequacy decision names its country and ``loc:EU``; ``dpv:hasApplicableLaw``, ``dpv:hasAuthority``) and
  the ``dpv:hasInverseJurisdiction`` of a location (``loc:EEA30`` -> ``loc:non-EEA30``);
* the memberships of the supranational inverse jurisdictions (``loc:non-EEA skos:narrower loc:US``): DPV
  states them only with ``skos:narrower``. A country's memberships and a region's country are
  ``skos:broader`` (``loc:FI skos:broader loc:EEA30``, ``loc:FI-01 skos:broader loc:FI``), kept above; the
  rest of ``skos:narrower`` only mirrors ``skos:broader``, and a country's own inverse (``loc:non-FI
  skos:narrower`` every other country, 62,000 triples) says only "every country but FI": both left out;
* its English ``skos:prefLabel`` (else an untagged one, else an English or untagged ``rdfs:label``).

Never definitions, notes, sources, dates or creators. The output is deterministic (subjects, predicates
and objects sorted, a fixed prefix block) and starts with the provenance and DPV's licence notice.
``--check`` compares instead of writing: exit status 1, with a short summary, when the file differs.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DPV = REPO.parent / "shared" / "dpv"
DEFAULT_OUTPUT = REPO / "ontology" / "dpv-2.3" / "index.ttl"

#: The vocabulary files read, in this order (``<name>.ttl`` in the DPV folder).
VOCABULARY_FILES: tuple[str, ...] = (
    "dpv",
    "pd",
    "tech",
    "loc",
    "legal",
    "legal-eu",
    "eu-gdpr",
    "risk",
    "justifications",
)
#: The DPV release and the w3c/dpv commit its files were taken from (../shared/dpv/README.md).
DPV_VERSION = "2.3"
DPV_COMMIT = "f01a55c3c0983e35cdfdf80593ece3353faba7b8"
DPV_BASE = "https://w3id.org/dpv"
NOTICE = (
    "This software or document includes material copied from or derived from the Data Privacy Vocabulary "
    "(DPV) https://w3id.org/dpv . Copyright © 2026 World Wide Web Consortium. "
    "https://www.w3.org/copyright/software-license-2023/"
)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"
DPV = DPV_BASE + "#"
TYPE = RDF + "type"
PREF_LABEL = SKOS + "prefLabel"
LABEL = RDFS + "label"
NARROWER = SKOS + "narrower"
HAS_INVERSE = DPV + "hasInverseJurisdiction"
COUNTRY = DPV + "Country"

#: Links kept as they are (IRI objects only), in the order they are written.
LINKS: tuple[str, ...] = (
    TYPE,
    SKOS + "broader",
    RDFS + "subClassOf",
    RDFS + "subPropertyOf",
    DPV + "hasJurisdiction",
    DPV + "hasApplicableLaw",
    DPV + "hasAuthority",
    HAS_INVERSE,
)
#: Every predicate the index may hold, in the order they are written.
KEPT_PREDICATES: tuple[str, ...] = (*LINKS, NARROWER, PREF_LABEL, LABEL)

#: The prefix block, in this order; a prefix is declared when the index uses it. The jurisdiction modules
#: of legal.ttl (``https://w3id.org/dpv/legal/<cc>#``) get ``legal-<cc>`` after ``legal-eu``.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("dpv", DPV),
    ("pd", DPV_BASE + "/pd#"),
    ("tech", DPV_BASE + "/tech#"),
    ("loc", DPV_BASE + "/loc#"),
    ("legal", DPV_BASE + "/legal#"),
    ("legal-eu", DPV_BASE + "/legal/eu#"),
    ("eu-gdpr", DPV_BASE + "/legal/eu/gdpr#"),
    ("risk", DPV_BASE + "/risk#"),
    ("justifications", DPV_BASE + "/justifications#"),
    ("rdf", RDF),
    ("rdfs", RDFS),
    ("skos", SKOS),
    ("owl", OWL),
    ("prof", "http://www.w3.org/ns/dx/prof/"),
)
_JURISDICTION = re.compile(re.escape(DPV_BASE) + r"/legal/([a-z]{2})#")
#: A local name written as a prefixed name; anything else is written as a full IRI.
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}

#: subject IRI -> predicate IRI -> objects
Facts = dict[str, dict[str, set[ox.NamedNode | ox.Literal]]]


def read_quads(dpv_dir: Path) -> Iterator[ox.Quad]:
    """The triples of the vocabulary files, file after file (duplicates included).

    Raises:
        SystemExit: a file is of another DPV release (its ontology headers do not all say
            ``owl:versionInfo "2.3"``).
    """
    for name in VOCABULARY_FILES:
        path = dpv_dir / f"{name}.ttl"
        versions = set()
        for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
            if quad.predicate.value == OWL + "versionInfo":
                versions.add(quad.object.value)
            yield quad
        if versions != {DPV_VERSION}:
            raise SystemExit(f"{path}: owl:versionInfo {sorted(versions)}, expected {DPV_VERSION!r}")


def collect(quads: Iterable[ox.Quad]) -> tuple[Facts, Facts]:
    """(kept links of DPV subjects, their candidate labels and ``skos:narrower``: filtered later)."""
    links: Facts = defaultdict(lambda: defaultdict(set))
    other: Facts = defaultdict(lambda: defaultdict(set))
    for quad in quads:
        s, p, o = quad.subject, quad.predicate, quad.object
        if not isinstance(s, ox.NamedNode) or not s.value.startswith(DPV_BASE):
            continue
        by_predicate = links[s.value]  # every DPV subject is in the index, even one with no kept fact
        if isinstance(o, ox.NamedNode) and p.value in LINKS:
            by_predicate[p.value].add(o)
        elif isinstance(o, ox.NamedNode | ox.Literal) and p.value in (PREF_LABEL, LABEL, NARROWER):
            other[s.value][p.value].add(o)
    return links, other


def english_labels(candidates: dict[str, set[ox.NamedNode | ox.Literal]]) -> tuple[str, set[ox.Literal]]:
    """The label kept for a term: (predicate, labels), or ``("", set())`` when it has none."""
    for predicate in (PREF_LABEL, LABEL):
        literals = [o for o in candidates.get(predicate, ()) if isinstance(o, ox.Literal)]
        for wanted in ("en", None):
            chosen = {o for o in literals if o.language == wanted}
            if chosen:
                return predicate, chosen
    return "", set()


def memberships(links: Facts, other: Facts) -> Iterator[tuple[str, ox.NamedNode]]:
    """(inverse jurisdiction, member) pairs stated only with ``skos:narrower`` (see the module), except
    for the inverse of a single country."""
    countries = {s for s, facts in links.items() if ox.NamedNode(COUNTRY) in facts.get(TYPE, ())}
    own_inverse = {o.value for c in countries for o in links[c].get(HAS_INVERSE, ())}
    for subject, facts in other.items():
        if subject in own_inverse:
            continue
        for member in facts.get(NARROWER, ()):
            if not isinstance(member, ox.NamedNode):
                continue
            stated = links.get(member.value, {}).get(SKOS + "broader", set())
            if ox.NamedNode(subject) not in stated:
                yield subject, member


def select_facts(quads: Iterable[ox.Quad]) -> Facts:
    """The index: the kept facts of every subject IRI in a DPV namespace (see the module)."""
    links, other = collect(quads)
    facts: Facts = {s: {p: set(objects) for p, objects in by_p.items()} for s, by_p in links.items()}
    for subject, candidates in other.items():
        predicate, labels = english_labels(candidates)
        if predicate:
            facts[subject][predicate] = set(labels)
    for subject, member in memberships(links, other):
        facts[subject].setdefault(NARROWER, set()).add(member)
    return facts


def prefixes_for(facts: Facts) -> list[tuple[str, str]]:
    """The prefix block: :data:`PREFIXES` (with the jurisdiction modules) that the index uses."""
    iris = set(facts) | {o.value for by_p in facts.values() for os in by_p.values() for o in os}
    iris |= {p for by_p in facts.values() for p in by_p}
    codes = sorted({m.group(1) for iri in iris if (m := _JURISDICTION.match(iri))} - {"eu"})
    block = list(PREFIXES)
    at = [p for p, _ in block].index("legal-eu") + 1
    block[at:at] = [(f"legal-{code}", f"{DPV_BASE}/legal/{code}#") for code in codes]
    return [
        (p, ns) for p, ns in block if any(i.startswith(ns) and _LOCAL.fullmatch(i[len(ns) :]) for i in iris)
    ]


class Writer:
    """Turtle text of terms, with the prefixes of one prefix block (longest namespace first)."""

    def __init__(self, prefixes: Sequence[tuple[str, str]]) -> None:
        self._prefixes = sorted(prefixes, key=lambda item: -len(item[1]))

    def iri(self, iri: str) -> str:
        for prefix, namespace in self._prefixes:
            if iri.startswith(namespace) and _LOCAL.fullmatch(iri[len(namespace) :]):
                return f"{prefix}:{iri[len(namespace) :]}"
        return f"<{iri}>"

    def term(self, term: ox.NamedNode | ox.Literal) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        text = "".join(_ESCAPES.get(char, char) for char in term.value)
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f'"{text}"^^{self.iri(term.datatype.value)}'
        return f'"{text}"'

    def subject(self, subject: str, by_predicate: dict[str, set[ox.NamedNode | ox.Literal]]) -> str:
        """One subject's statement: predicates in :data:`KEPT_PREDICATES` order, objects sorted."""
        lines = []
        for predicate in KEPT_PREDICATES:
            objects = sorted(self.term(o) for o in by_predicate.get(predicate, ()))
            if objects:
                verb = "a" if predicate == TYPE else self.iri(predicate)
                lines.append(f"{verb}{_wrap(objects)}")
        return f"{self.iri(subject)} " + " ;\n    ".join(lines) + " .\n"


def _wrap(objects: Sequence[str], width: int = 110) -> str:
    """An object list after the predicate, or (when too long) on lines of up to ``width`` below it."""
    one_line = ", ".join(objects)
    if len(objects) == 1 or len(one_line) <= width - 30:
        return f" {one_line}"
    lines = [""]
    for text in objects:
        if lines[-1] and len(lines[-1]) + len(text) + 10 > width:
            lines.append("")
        lines[-1] += f"{text}, "
    return "".join(f"\n        {line.rstrip()}" for line in lines).rstrip(",")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def header(dpv_dir: Path) -> str:
    """The comment block: what this file is, where it comes from, DPV's licence notice."""
    sources = "\n".join(
        f"#   {name + '.ttl':<19} sha256 {file_sha256(dpv_dir / f'{name}.ttl')}" for name in VOCABULARY_FILES
    )
    return (
        f"# GENERATED by tools/build_dpv_index.py from DPV {DPV_VERSION}: do not edit; regenerate with\n"
        "#   python tools/build_dpv_index.py --dpv ../shared/dpv\n"
        "# (tests/test_dpv_index.py fails when this file differs from a fresh build).\n"
        f'# Source: W3C Data Privacy Vocabulary (DPV) {DPV_VERSION} (owl:versionInfo "{DPV_VERSION}"),\n'
        f"#   version IRIs https://w3id.org/dpv/{DPV_VERSION}/..., the canonical RDFS+SKOS files of\n"
        f"#   w3c/dpv, folder {DPV_VERSION}/ at commit {DPV_COMMIT}:\n"
        f"{sources}\n"
        "# Holds, for every term, only its types, hierarchy (skos:broader, rdfs:subClassOf,\n"
        "#   rdfs:subPropertyOf, the members of loc:non-EEA and the like), jurisdiction links and\n"
        "#   English label; no definitions, notes, sources or dates. See NOTICE.md beside this file.\n"
        "#\n"
        f"# NOTICE: {NOTICE}\n"
    )


def build_index(dpv_dir: Path) -> str:
    """The text of the index built from the DPV files in ``dpv_dir``."""
    facts = select_facts(read_quads(dpv_dir))
    prefixes = prefixes_for(facts)
    writer = Writer(prefixes)
    width = max(len(p) for p, _ in prefixes)
    block = "".join(f"@prefix {(p + ':').ljust(width + 1)} <{ns}> .\n" for p, ns in prefixes)
    body = "\n".join(writer.subject(s, facts[s]) for s in sorted(facts))
    return f"{header(dpv_dir)}\n{block}\n{body}"


def difference(committed: str, fresh: str, *, shown: int = 5) -> str:
    """A short summary of how two texts differ, line by line (not a full diff)."""
    old, new = committed.splitlines(), fresh.splitlines()
    old_set, new_set = set(old), set(new)
    gone = [line for line in old if line not in new_set]
    added = [line for line in new if line not in old_set]
    lines = [f"{len(gone)} line(s) only in the committed file, {len(added)} only in a fresh build"]
    lines += [f"  - {line}" for line in gone[:shown]] + [f"  + {line}" for line in added[:shown]]
    if not gone and not added:
        lines.append("  (the same lines in another order or count)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dpv", type=Path, default=DEFAULT_DPV, help="folder of the DPV 2.3 files")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the index to write")
    parser.add_argument("--check", action="store_true", help="compare with --output instead of writing")
    args = parser.parse_args(argv)
    missing = [n for n in VOCABULARY_FILES if not (args.dpv / f"{n}.ttl").is_file()]
    if missing:
        print(f"{args.dpv}: missing {', '.join(n + '.ttl' for n in missing)}", file=sys.stderr)
        return 2
    fresh = build_index(args.dpv)
    if args.check:
        committed = args.output.read_bytes().decode("utf-8") if args.output.is_file() else ""
        if committed != fresh:
            print(f"{args.output} is stale: {difference(committed, fresh)}", file=sys.stderr)
            print("regenerate it with: python tools/build_dpv_index.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(fresh, encoding="utf-8", newline="\n")
    print(f"wrote {args.output} ({len(fresh.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
