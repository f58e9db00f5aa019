"""``ropa import``: a spreadsheet register read back into a Turtle record (docs/import.md).

Two layouts are read: the tool's own register export (sheet ``Register`` of ``ropa export --format xlsx``,
or its CSV; the headings of :data:`ropa_kg.render.export.REGISTER_COLUMNS` or any translation of them the
export module holds, asked by column key, never by position) and the ICO's ROPA documentation template
(sheet ``Template``, the contact block above the heading row, the 30 columns of :data:`ICO_COLUMNS`).

Each cell's values (the export joins them with ``" | "`` in CSV and with new lines in XLSX; the ICO
layout with ``;`` or new lines) map back to terms: DPV terms by their English label (case-insensitive), a
compact IRI (``dpv:Marketing``) or a full IRI; the project's own terms (``ontology/ropa.ttl``) by label;
parties and the record's own concepts by their label. A value that maps to nothing becomes a concept of
the record's namespace (``skos:prefLabel``, ``skos:broader`` the column's DPV concept) and is reported as
kept as a new term; prose (a retention sentence, a link, a DPIA status) is kept as a note
(``dct:description`` or ``rdfs:comment``) and reported. Every node gets an IRI (never a blank node): the
activity from its Activity ID, else from its name, in the namespace ``base``.

:func:`read_import` builds the record in memory (:class:`ImportResult`: the files' bytes and what each
cell mapped to); :func:`write_import` writes it into an empty or new folder, all files or none;
:func:`import_spreadsheet` does both and validates the written folder (:class:`ImportReport`).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.findings import Severity
from ropa_kg.core.namespaces import DPV, EU_GDPR, LOC, PREFIXES, ROPA
from ropa_kg.core.resources import ontology_dir
from ropa_kg.core.signoff import (
    ROPA_APPROVED,
    ROPA_APPROVER,
    ROPA_MODIFIED,
    ROPA_OWNER,
    ROPA_RECORD,
    ROPA_REVIEW_PERIOD,
    ROPA_VERSION,
)
from ropa_kg.core.terms import slug
from ropa_kg.load import vocabulary
from ropa_kg.load.spreadsheet import Sheet, read_spreadsheet
from ropa_kg.render import export as export_module
from ropa_kg.render.export import REGISTER_COLUMNS, graph_bytes
from ropa_kg.sparql.results import LIST_SEPARATOR

__all__ = [
    "ICO_COLUMNS",
    "LAYOUTS",
    "OUTCOMES",
    "FindingsSummary",
    "ImportPreview",
    "ImportReport",
    "ImportResult",
    "MappedValue",
    "expand_iri",
    "import_spreadsheet",
    "preview_import",
    "read_import",
    "render_report",
    "summarise_findings",
    "value_rows",
    "write_import",
]

DEFAULT_BASE = "https://example.org/ropa#"
DEFAULT_PREFIX = "ex"
REGISTER_SHEET = "Register"
ICO_SHEET = "Template"
LAYOUTS = ("register", "ico")
#: How a value was read, in the report's order.
OUTCOMES = ("mapped", "record", "new term", "note", "skipped")
#: The rows looked at for a heading row.
HEADING_SEARCH_ROWS = 40

#: The ICO template's columns (ico-template.md): key, heading (matched without the parenthesised parts,
#: case and punctuation).
ICO_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Business function"),
    ("purposes", "Purpose of processing"),
    ("jointControllers", "Name and contact details of joint controller (if applicable)"),
    ("dataSubjects", "Categories of individuals"),
    ("personalData", "Categories of personal data"),
    ("recipients", "Categories of recipients"),
    ("processorContract", "Link to contract with processor"),
    (
        "thirdCountries",
        "Names of third countries or international organisations that personal data are transferred to "
        "(if applicable)",
    ),
    (
        "safeguards",
        "Safeguards for exceptional transfers of personal data to third countries or international "
        "organisations (if applicable)",
    ),
    ("retention", "Retention schedule (if possible)"),
    (
        "securityMeasures",
        "General description of technical and organisational security measures (if possible)",
    ),
    ("art6Basis", "Article 6 lawful basis for processing personal data"),
    ("art9Condition", "Article 9 condition for processing special category data"),
    ("legitimateInterest", "Legitimate interests for the processing (if applicable)"),
    ("legitimateInterestAssessment", "Link to record of legitimate interests assessment (if applicable)"),
    ("rights", "Rights available to individuals"),
    ("automatedDecisions", "Existence of automated decision-making, including profiling (if applicable)"),
    ("dataSources", "The source of the personal data (if applicable)"),
    ("consentRecord", "Link to record of consent"),
    ("dataLocation", "Location of personal data"),
    ("dpiaRequired", "Data Protection Impact Assessment required?"),
    ("dpiaProgress", "DPIA progress"),
    ("dpiaLink", "Link to DPIA"),
    ("breach", "Has a personal data breach occurred?"),
    ("breachLink", "Link to record of personal data breach"),
    ("dpaSchedule1", "Data Protection Act 2018 Schedule 1 Condition for processing"),
    ("art6BasisGdpr", "GDPR Article 6 lawful basis for processing"),
    ("retentionPolicy", "Link to retention and erasure policy document"),
    ("retentionFollowed", "Is personal data retained and erased in accordance with the policy document?"),
    ("retentionReasons", "Reasons for not adhering to policy document (if applicable)"),
)


@dataclass(frozen=True)
class _TermColumn:
    """A column whose values are terms: the activity's property and the DPV concept a new term is under."""

    prop: URIRef
    top: URIRef
    #: namespaces preferred, in order, when labels collide
    prefer: tuple[str, ...] = ()


_TERM_COLUMNS: dict[str, _TermColumn] = {
    "purposes": _TermColumn(DPV.hasPurpose, DPV.Purpose, (str(DPV), str(ROPA))),
    "dataSubjects": _TermColumn(DPV.hasDataSubject, DPV.DataSubject, (str(DPV), str(ROPA))),
    "personalData": _TermColumn(DPV.hasPersonalData, DPV.PersonalData, (PREFIXES["pd"], str(DPV), str(ROPA))),
    "securityMeasures": _TermColumn(
        DPV.hasTechnicalOrganisationalMeasure,
        DPV.TechnicalOrganisationalMeasure,
        (str(DPV), PREFIXES["tech"]),
    ),
    "rights": _TermColumn(DPV.hasRight, DPV.DataSubjectRight, (str(EU_GDPR), str(DPV))),
    "dataSources": _TermColumn(DPV.hasDataSource, DPV.DataSource, (str(DPV),)),
    "art6Basis": _TermColumn(DPV.hasLegalBasis, DPV.LegalBasis, (str(EU_GDPR), str(DPV))),
    "art9Condition": _TermColumn(DPV.hasLegalBasis, DPV.LegalBasis, (str(EU_GDPR), str(DPV))),
}
_TRANSFER_TOOL = EU_GDPR.DataTransferTool

#: Art. 6(1) and 9(2) points by the words of a free-text basis (checked in this order).
_ART6_WORDS: tuple[tuple[str, str], ...] = (
    ("legitimate interest", "A6-1-f"),
    ("legal obligation", "A6-1-c"),
    ("vital interest", "A6-1-d"),
    ("public task", "A6-1-e"),
    ("public interest", "A6-1-e"),
    ("official authority", "A6-1-e"),
    ("contract", "A6-1-b"),
    ("consent", "A6-1-a"),
    # the same in Finnish
    ("oikeutettu etu", "A6-1-f"),
    ("oikeutetun edun", "A6-1-f"),
    ("lakisäätei", "A6-1-c"),
    ("oikeudellinen velvoite", "A6-1-c"),
    ("elintärke", "A6-1-d"),
    ("yleisen edun", "A6-1-e"),
    ("julkisen vallan", "A6-1-e"),
    ("sopimu", "A6-1-b"),
    ("suostumu", "A6-1-a"),
)
_ART9_WORDS: tuple[tuple[str, str], ...] = (
    ("explicit consent", "A9-2-a"),
    ("employment", "A9-2-b"),
    ("social security", "A9-2-b"),
    ("vital interest", "A9-2-c"),
    ("not-for-profit", "A9-2-d"),
    ("made public", "A9-2-e"),
    ("legal claim", "A9-2-f"),
    ("substantial public interest", "A9-2-g"),
    ("public health", "A9-2-i"),
    ("health", "A9-2-h"),
    ("social care", "A9-2-h"),
    ("archiving", "A9-2-j"),
    ("research", "A9-2-j"),
    ("nimenomai", "A9-2-a"),
    ("työoikeu", "A9-2-b"),
    ("oikeusvaatimu", "A9-2-f"),
    ("terveydenhuol", "A9-2-h"),
)
_ARTICLE_POINT = re.compile(r"\b(?:art(?:icle)?\.?\s*)?([69])\s*\(\s*([12])\s*\)\s*\(\s*([a-j])\s*\)", re.I)
_ARTICLE_DASH = re.compile(r"\bart(?:icle)?\.?\s*([69])\s*\(\s*([12])\s*-\s*([a-j])\s*\)", re.I)
_NOTHING = frozenset({"", "-", "n/a", "na", "none", "not applicable", "no", "nil"})
_ISO_DURATION = re.compile(
    r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
_PROSE_DURATION = re.compile(
    r"^(\d+)\s*(year|month|week|day)s?(?:\s+(?:after|from|following)\s+(?:the\s+)?(.+?))?\.?$", re.I
)
_RETENTION = re.compile(
    r"^(?:(?:until|kunnes) (?P<event>.+?)|(?P<dur>\S+)|\(no value\)|\(ei arvoa\))"
    r"(?:(?: from| alkaen:) (?P<start>.+))?$"
)
_RECIPIENT = re.compile(
    r"^(?P<who>.+) \((?P<roles>(?:recipient|processor|joint controller|vastaanottaja"
    r"|henkilötietojen käsittelijä|yhteisrekisterinpitäjä)(?:, [^()]+)*)\)$"
)
#: The register's fixed texts (English and Finnish): what each states. ``derived`` texts follow from other
#: columns (nothing to write); the others name the statement written.
_STATED: dict[str, dict[str, str]] = {
    "dpo": {"none designated (stated)": "noDPO", "ei nimetty (ilmoitettu)": "noDPO"},
    "recipients": {"none (stated)": "noRecipients", "ei vastaanottajia (ilmoitettu)": "noRecipients"},
    "thirdCountryTransfers": {
        "none: no recipients (stated)": "derived",
        "ei siirtoja: ei vastaanottajia (ilmoitettu)": "derived",
        "none: every recipient is in the EEA": "inEEA",
        "ei siirtoja: kaikki vastaanottajat ovat ETA-alueella": "inEEA",
    },
    "art9Condition": {
        "not applicable: special categories excluded (stated)": "specialCategoriesExcluded",
        "ei sovelleta: erityiset henkilötietoryhmät rajattu pois (ilmoitettu)": "specialCategoriesExcluded",
        "not applicable: ordinary data, no special categories (stated)": "noSpecialCategoryData",
        (
            "ei sovelleta: tavanomaisia tietoja, ei erityisiä henkilötietoryhmiä (ilmoitettu)"
        ): "noSpecialCategoryData",
        "not applicable: no special categories recorded": "derived",
        "ei sovelleta: ei erityisiä henkilötietoryhmiä kirjattu": "derived",
    },
    "legitimateInterestAssessment": {"recorded": "recorded", "kirjattu": "recorded"},
}
_NO_MECHANISM = frozenset({"NO MECHANISM", "EI SIIRTOPERUSTETTA"})
_ROLES_FI = {
    "vastaanottaja": "recipient",
    "henkilötietojen käsittelijä": "processor",
    "yhteisrekisterinpitäjä": "joint controller",
}
_TRANSFER = re.compile(r"^(?P<who>.+) \((?P<country>[^()]*)\): (?P<mech>.+)$")
_DPO = re.compile(r"^(?P<name>.*?)(?: <(?P<contact>[^<>]*)>)?$")
_COMPACT = re.compile(r"^([A-Za-z][\w.-]*):([^\s/][^\s]*)$")
_FULL_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s<>\"{}|\\^`]+$", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Country names a sheet writes that are not DPV's labels (``loc:US`` is "United States of America").
_COUNTRY_ALIASES = {
    "united states": "US",
    "usa": "US",
    "u.s.": "US",
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "russia": "RU",
    "south korea": "KR",
}
_ROLE = {"recipient": DPV.hasRecipient, "processor": DPV.hasDataProcessor}


# --- the report's records --------------------------------------------------------------------------


@dataclass(frozen=True)
class MappedValue:
    """What one value of one cell became: ``outcome`` is one of :data:`OUTCOMES` (``mapped``: a DPV or
    project term; ``record``: a party, activity or other node of the record; ``new term``: a concept
    minted in the record's namespace; ``note``: free text kept as a description; ``skipped``: not kept)."""

    sheet: str
    row: int
    column: str
    text: str
    outcome: str
    term: str = ""
    detail: str = ""


@dataclass(frozen=True)
class ImportResult:
    """A spreadsheet read into a record, not yet written: file name -> Turtle bytes (one file per activity,
    plus ``record.ttl`` for the controller, parties and shared terms) and what every value mapped to."""

    source: str
    layout: str
    sheet: str
    activities: tuple[str, ...]
    files: Mapping[str, bytes]
    values: tuple[MappedValue, ...]

    def by_outcome(self, outcome: str) -> list[MappedValue]:
        """The values read with ``outcome``."""
        return [v for v in self.values if v.outcome == outcome]

    def counts(self) -> dict[str, int]:
        """Values per outcome, every outcome present."""
        found = Counter(v.outcome for v in self.values)
        return {outcome: found.get(outcome, 0) for outcome in OUTCOMES}


@dataclass(frozen=True)
class FindingsSummary:
    """The findings of the written record: counts per severity and per rule, and the worst severity."""

    total: int
    by_severity: Mapping[str, int]
    by_rule: Mapping[str, int]
    worst: Severity | None
    #: rule id -> the severity of its findings (the worst, when they differ)
    rule_severity: Mapping[str, str] = field(default_factory=dict)

    def failing(self, threshold: Severity | None) -> bool:
        """True when a finding is at or above ``threshold`` (None: never)."""
        return threshold is not None and self.worst is not None and self.worst >= threshold


@dataclass(frozen=True)
class ImportReport:
    """An import done: what was read, where it was written, and its findings."""

    result: ImportResult
    output: Path
    findings: FindingsSummary
    written: tuple[str, ...] = field(default=())


# --- locating the table ----------------------------------------------------------------------------


def _norm(text: str) -> str:
    """A heading compared without case, parenthesised parts, punctuation or extra spaces."""
    text = re.sub(r"\([^)]*\)", " ", text.casefold())
    return " ".join(re.findall(r"[^\W_]+", text))


def _register_heading_tables() -> list[Mapping[str, str]]:
    """Every table of register headings the export module holds: :data:`REGISTER_COLUMNS` and any dict
    (or dict of dicts, e.g. per language) with the same column keys, such as translated headings."""
    tables: list[Mapping[str, str]] = [REGISTER_COLUMNS]
    keys = set(REGISTER_COLUMNS)
    for value in vars(export_module).values():
        candidates = list(value.values()) if isinstance(value, dict) else []
        for candidate in [value, *candidates]:
            if (
                isinstance(candidate, dict)
                and candidate is not REGISTER_COLUMNS
                and set(candidate) == keys
                and all(isinstance(v, str) for v in candidate.values())
            ):
                tables.append(candidate)
    return tables


def _headings(layout: str) -> dict[str, str]:
    """Normalised heading -> column key for ``layout`` (the register also by its column keys)."""
    if layout == "ico":
        return {_norm(heading): key for key, heading in ICO_COLUMNS}
    found: dict[str, str] = {_norm(key): key for key in REGISTER_COLUMNS}
    for table in _register_heading_tables():
        for key, heading in table.items():
            found.setdefault(_norm(heading), key)
    return found


@dataclass(frozen=True)
class _Table:
    layout: str
    sheet: Sheet
    heading_row: int
    columns: dict[str, int]  # key -> 0-based column index
    headings: dict[str, str]  # key -> the heading as written


def _column_letter(index: int) -> str:
    """The spreadsheet letter of the 0-based column ``index``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _where(sheet: str, row: int, column: int | None = None, heading: str = "") -> str:
    text = f"sheet {sheet!r}, row {row}"
    if column is not None:
        text += f", column {_column_letter(column)}"
    if heading:
        text += f" ({heading})"
    return text


def _best_heading_row(sheet: Sheet, layout: str) -> tuple[int, dict[str, int]]:
    """The row (1-based) of ``sheet`` with the most headings of ``layout``, and its columns; (0, {})
    when no row has two."""
    known = _headings(layout)
    best: tuple[int, dict[str, int]] = (0, {})
    for number, row in enumerate(sheet.rows[:HEADING_SEARCH_ROWS], start=1):
        columns: dict[str, int] = {}
        for index, cell in enumerate(row):
            key = known.get(_norm(cell)) if cell else None
            if key and key not in columns:
                columns[key] = index
        if (len(columns) >= 2 or "name" in columns) and len(columns) > len(best[1]):
            best = (number, columns)
    return best


def _locate(sheets: Sequence[Sheet], path: Path) -> _Table:
    """The sheet, layout and heading row to read.

    Raises:
        RopaInputError: no sheet holds either layout's headings, the activity name column is missing,
            or a heading cell is merged.
    """
    named = {REGISTER_SHEET.casefold(): "register", ICO_SHEET.casefold(): "ico"}
    preferred = [s for s in sheets if s.name.casefold() in named]
    candidates: list[tuple[int, int, str, Sheet, int, dict[str, int]]] = []
    for order, sheet in enumerate(preferred or sheets):
        layouts = [named[sheet.name.casefold()]] if sheet.name.casefold() in named else list(LAYOUTS)
        for layout in layouts:
            row, columns = _best_heading_row(sheet, layout)
            if row:
                candidates.append((-len(columns), order, layout, sheet, row, columns))
    if not candidates:
        names = ", ".join(repr(s.name) for s in sheets) or "none"
        raise RopaInputError(
            f"no sheet {REGISTER_SHEET!r} (ropa export) or {ICO_SHEET!r} (ICO template), and no sheet with "
            f"their column headings (sheets: {names})",
            path,
        )
    _, _, layout, sheet, row, columns = min(candidates, key=lambda c: c[:2])
    headings = {key: sheet.row(row)[index] for key, index in columns.items()}
    _check_merged(sheet, row, path)
    if "name" not in columns:
        wanted = REGISTER_COLUMNS["name"] if layout == "register" else ICO_COLUMNS[0][1]
        raise RopaInputError(
            f"{_where(sheet.name, row)}: the required column {wanted!r} (the activity's name) is missing",
            path,
        )
    return _Table(layout, sheet, row, columns, headings)


def _check_merged(sheet: Sheet, row: int, path: Path) -> None:
    """Refuse a merged cell in the heading row (its columns cannot be told apart)."""
    for merged in sheet.merged:
        if merged.covers_row(row):
            heading = sheet.row(row)[merged.min_col - 1] if merged.min_col <= len(sheet.row(row)) else ""
            raise RopaInputError(
                f"{_where(sheet.name, row, merged.min_col - 1, heading)}: the heading cell is merged "
                f"(columns {_column_letter(merged.min_col - 1)}-{_column_letter(merged.max_col - 1)}); "
                "unmerge it so that each column has its own heading",
                path,
            )


# --- the vocabulary: labels of DPV and of the project's ontology -------------------------------------


@dataclass(frozen=True)
class _Vocabulary:
    #: folded label -> terms with that label (sorted)
    labels: dict[str, tuple[str, ...]]
    #: folded label without a leading article code ("A15 ", "Art 6(1-f) ") -> terms
    short_labels: dict[str, tuple[str, ...]]
    #: term -> its types and broader concepts and classes
    parents: dict[str, frozenset[str]]
    #: folded Finnish label (``ontology/dpv-terms.ttl``, ``ontology/ropa.ttl``) -> terms
    fi_labels: dict[str, tuple[str, ...]]


_LABEL_PREDICATES = frozenset({str(SKOS.prefLabel), str(RDFS.label)})
_PARENT_PREDICATES = frozenset({str(RDF.type), str(SKOS.broader), str(RDFS.subClassOf)})
_ARTICLE_CODE = re.compile(r"^(?:art(?:icle)?\.?\s*)?a?\d+[\w().-]*\s+", re.I)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


@functools.cache
def _vocabulary() -> _Vocabulary:
    """The labels (English or untagged) and parents of every DPV 2.3 term and of the project's terms."""
    labels: defaultdict[str, set[str]] = defaultdict(set)
    short: defaultdict[str, set[str]] = defaultdict(set)
    parents: defaultdict[str, set[str]] = defaultdict(set)
    finnish: defaultdict[str, set[str]] = defaultdict(set)
    for source in (vocabulary.index_path(), ontology_dir() / "ropa.ttl", ontology_dir() / "dpv-terms.ttl"):
        for quad in ox.parse(path=source, format=ox.RdfFormat.TURTLE):
            subject, predicate, obj = quad.subject.value, quad.predicate.value, quad.object
            if predicate in _PARENT_PREDICATES and isinstance(obj, ox.NamedNode):
                parents[subject].add(obj.value)
            elif predicate in _LABEL_PREDICATES and isinstance(obj, ox.Literal) and obj.language == "fi":
                finnish[_fold(obj.value)].add(subject)
            elif (
                predicate in _LABEL_PREDICATES
                and isinstance(obj, ox.Literal)
                and (obj.language or "en").startswith("en")
            ):
                labels[_fold(obj.value)].add(subject)
                stripped = _ARTICLE_CODE.sub("", obj.value)
                loose = re.sub(r"\s*\([^)]*\)", "", stripped).strip()
                for variant in {stripped, loose} - {obj.value, ""}:
                    short[_fold(variant)].add(subject)
    return _Vocabulary(
        labels={k: tuple(sorted(v)) for k, v in labels.items()},
        short_labels={k: tuple(sorted(v)) for k, v in short.items()},
        parents={k: frozenset(v) for k, v in parents.items()},
        fi_labels={k: tuple(sorted(v)) for k, v in finnish.items()},
    )


def _is_under(term: str, top: str, vocab: _Vocabulary) -> bool:
    """True when ``term`` reaches ``top`` through types, ``skos:broader`` and ``rdfs:subClassOf``."""
    seen, todo = {term}, [term]
    while todo:
        for parent in vocab.parents.get(todo.pop(), ()):
            if parent == top:
                return True
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return False


def _choose(candidates: Iterable[str], column: _TermColumn, vocab: _Vocabulary) -> str | None:
    """The candidate to take: one under the column's concept first, then by preferred namespace."""

    def rank(term: str) -> tuple[int, int, str]:
        namespace = next((i for i, ns in enumerate(column.prefer) if term.startswith(ns)), len(column.prefer))
        return (0 if _is_under(term, str(column.top), vocab) else 1, namespace, term)

    found = sorted(candidates, key=rank)
    return found[0] if found else None


# --- building the record ---------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    activity: URIRef
    name: str
    cells: dict[str, list[str]]


class _Builder:
    """The record under construction, and the report of every value read."""

    def __init__(self, *, sheet: str, base: str, prefix: str, language: str) -> None:
        self.sheet = sheet
        self.base = base
        self.prefix = prefix
        self.language = language or None
        self.graph = Graph()
        self.values: list[MappedValue] = []
        self.owner: dict[URIRef, URIRef] = {}  # node -> the activity whose file holds it
        self.used: dict[URIRef, str] = {}  # minted IRI -> what it was minted for
        self.minted: dict[tuple[str, str], URIRef] = {}  # (kind, folded label) -> IRI
        self.vocab = _vocabulary()
        self.loose = False

    # -- small helpers
    def label(self, text: str) -> Literal:
        return Literal(text, lang=self.language)

    def note(self, row: int, column: str, text: str, outcome: str, term: str = "", detail: str = "") -> None:
        self.values.append(MappedValue(self.sheet, row, column, text, outcome, term, detail))

    def mint(self, kind: str, text: str, *, local: str | None = None) -> tuple[URIRef, bool]:
        """The record's IRI for ``text`` of ``kind`` (the same text and kind, the same IRI), and whether
        it is new."""
        key = (kind, _fold(text))
        if key in self.minted:
            return self.minted[key], False
        name = local or slug(text)
        iri, counter = URIRef(self.base + name), 1
        while iri in self.used:
            counter += 1
            iri = URIRef(f"{self.base}{name}-{counter}")
        self.used[iri] = kind
        self.minted[key] = iri
        return iri, True

    def owned(self, node: URIRef, activity: URIRef) -> URIRef:
        self.owner.setdefault(node, activity)
        return node

    # -- terms
    def lookup(self, text: str, column: _TermColumn) -> str | None:
        """The DPV or project term ``text`` names: an IRI, a compact IRI or a label (any case, English or
        Finnish); when ``loose`` (a sheet written by hand), also a label without its article code or
        parenthesised parts ("Right of access" for "A15 Right of Access")."""
        iri = expand_iri(text)
        if iri is not None:
            return iri if _is_vocabulary(iri) else None
        folded = _fold(text)
        found = self.vocab.labels.get(folded) or self.vocab.fi_labels.get(folded)
        if not found and self.loose:
            stripped = _fold(_ARTICLE_CODE.sub("", text))
            found = (
                self.vocab.short_labels.get(folded)
                or self.vocab.short_labels.get(stripped)
                or self.vocab.labels.get(stripped)
            )
        return _choose(found or (), column, self.vocab)

    def term(self, row: _Row, key: str, heading: str, text: str) -> URIRef:
        """The term a value of a term column names, minting a new concept under the column's DPV concept
        (or the basis the words name, for Art. 6 and 9) when it names none."""
        column = _TERM_COLUMNS[key]
        found = self.lookup(text, column)
        if found is not None:
            self.note(row.number, heading, text, "mapped", found)
            return URIRef(found)
        iri = expand_iri(text)
        if iri is not None:
            self.note(row.number, heading, text, "record", iri, "an IRI outside DPV, kept as written")
            return URIRef(iri)
        top = _basis_for(text, key) or column.top
        node, new = self.mint(f"term:{top}", text)
        if new:
            # a basis is named by dct:title: a label on a legitimate-interest basis is read as the interest
            name_property = DCTERMS.title if key in {"art6Basis", "art9Condition"} else SKOS.prefLabel
            self.graph.add((node, RDF.type, SKOS.Concept))
            self.graph.add((node, name_property, self.label(text)))
            self.graph.add((node, SKOS.broader, top))
        self.note(row.number, heading, text, "new term", str(node), f"under {_compact(str(top))}")
        return node

    def party(self, name: str, *, kind: URIRef, context: str = "") -> URIRef:
        """The party named ``name`` (the same name in the same ``context``: the same party), typed
        ``kind``."""
        node, new = self.mint(f"party{context}", name)
        if new:
            self.graph.add((node, SKOS.prefLabel, self.label(name)))
            self.graph.add((node, DPV.hasName, Literal(name)))
        self.graph.add((node, RDF.type, kind))
        return node


def _compact(iri: str) -> str:
    from ropa_kg.sparql.results import compact_iri

    return compact_iri(iri)


def expand_iri(text: str) -> str | None:
    """The IRI ``text`` is written as: a full IRI, or a compact one with a prefix of the project
    (``dpv:Marketing``); None for anything else."""
    if _FULL_IRI.match(text):
        return text
    match = _COMPACT.match(text)
    if match and match.group(1) in PREFIXES:
        return str(PREFIXES[match.group(1)]) + match.group(2)
    return None


def _is_vocabulary(iri: str) -> bool:
    """A term of DPV 2.3 or of the project's ontology."""
    return vocabulary.is_known(iri) or (iri.startswith(str(ROPA)) and iri in _vocabulary().parents)


def _basis_for(text: str, key: str) -> URIRef | None:
    """The Art. 6(1) point (or Art. 9(2), in that column) a free-text basis names, if any."""
    if key not in {"art6Basis", "art9Condition"}:
        return None
    for pattern in (_ARTICLE_POINT, _ARTICLE_DASH):
        match = pattern.search(text)
        if match:
            return EU_GDPR[f"A{match.group(1)}-{match.group(2)}-{match.group(3).lower()}"]
    words = text.casefold()
    for phrase, point in _ART9_WORDS if key == "art9Condition" else _ART6_WORDS:
        if phrase in words:
            return EU_GDPR[point]
    return None


# --- reading the rows ------------------------------------------------------------------------------


def _split_cell(text: str, layout: str) -> list[str]:
    """A cell's values: the export's lines or ``" | "`` parts; the ICO layout's lines or ``;`` parts."""
    parts = re.split(r"\n" if layout == "register" else r"[\n;]", text)
    values: list[str] = []
    for part in parts:
        pieces = part.split(LIST_SEPARATOR) if layout == "register" else [part]
        values.extend(p.strip() for p in pieces if p.strip())
    return values


def _activity_iri(text: str, name: str, builder: _Builder) -> URIRef:
    """The activity's IRI: its Activity ID (a full or compact IRI, or a local name in ``base``), else a
    slug of its name."""
    if text and not text.startswith("_:"):
        iri = expand_iri(text)
        if iri is None and text.startswith(f"{builder.prefix}:"):
            iri = builder.base + text.split(":", 1)[1]
        if iri is None:
            iri = builder.base + slug(text)
        node = URIRef(iri)
        builder.used[node] = "activity"
        return node
    node, _ = builder.mint("activity", name or text)
    return node


def _rows(table: _Table, builder: _Builder, path: Path) -> list[_Row]:
    """The activity rows below the heading row.

    Raises:
        RopaInputError: a row without a name, or two rows with the same Activity ID.
    """
    rows: list[_Row] = []
    seen: dict[URIRef, int] = {}
    ids: list[tuple[int, str, str]] = []
    for number in range(table.heading_row + 1, len(table.sheet.rows) + 1):
        cells = table.sheet.row(number)
        if not any(cells):
            continue
        values = {key: cells[index] for key, index in table.columns.items() if index < len(cells)}
        name, given = values.get("name", ""), values.get("activity", "")
        if not name and not given:
            raise RopaInputError(
                f"{_where(table.sheet.name, number, table.columns['name'], table.headings['name'])}: "
                "the activity has no name",
                path,
            )
        ids.append((number, given, name))
    for number, given, _ in ids:  # the explicit IDs first, so that a minted one never takes theirs
        if given and not given.startswith("_:"):
            node = _activity_iri(given, "", builder)
            if node in seen:
                column = table.columns["activity"]
                raise RopaInputError(
                    f"{_where(table.sheet.name, number, column, table.headings['activity'])}: duplicate "
                    f"activity ID {given!r} (already on row {seen[node]})",
                    path,
                )
            seen[node] = number
    for number, given, name in ids:
        cells = table.sheet.row(number)
        explicit = bool(given) and not given.startswith("_:")
        node = _activity_iri(given, name, builder) if explicit else _activity_iri("", name or given, builder)
        split = {
            key: _split_cell(cells[index], table.layout)
            for key, index in table.columns.items()
            if key not in {"activity", "name"} and index < len(cells)
        }
        rows.append(_Row(number, node, name, split))
    return rows


class _Importer:
    """Reads the rows of one table into a :class:`_Builder`."""

    def __init__(self, table: _Table, builder: _Builder, path: Path) -> None:
        self.table = table
        self.b = builder
        self.path = path
        self.controllers: dict[URIRef, list[URIRef]] = {}
        self.transfer_rows: list[tuple[URIRef, URIRef, frozenset[URIRef]]] = []
        self.in_eea: list[URIRef] = []

    def heading(self, key: str) -> str:
        return self.table.headings.get(key, key)

    def run(self, rows: Sequence[_Row], contacts: Mapping[str, Mapping[str, str]]) -> None:
        for row in rows:
            self.activity(row)
        if self.table.layout == "ico":
            self.ico_controller(rows, contacts)
        for row in rows:
            self.read_row(row)
        self.place_mechanisms()
        self.place_in_eea()
        self.parts(rows)

    def activity(self, row: _Row) -> None:
        g = self.b.graph
        g.add((row.activity, RDF.type, DPV.Process))
        if row.name:
            g.add((row.activity, SKOS.prefLabel, self.b.label(row.name)))
        self.b.note(
            row.number, self.heading("name"), row.name or str(row.activity), "record", str(row.activity)
        )

    def read_row(self, row: _Row) -> None:
        readers = {
            "controller": self.controller,
            "controllerContact": self.controller_contact,
            "dpo": self.dpo,
            "recipients": self.recipients,
            "jointControllers": self.joint_controllers,
            "thirdCountryTransfers": self.transfers,
            "thirdCountries": self.third_countries,
            "retention": self.retention,
            "legitimateInterest": self.legitimate_interest,
            "legitimateInterestAssessment": self.assessment,
            "dataLocation": self.location,
            "art6BasisGdpr": self.art6_gdpr,
        }
        for key, values in row.cells.items():
            if not values or key == "partOf":
                continue
            if key in _TERM_COLUMNS:
                self.terms(row, key, values)
            elif key in readers:
                readers[key](row, values)
            elif key != "safeguards":
                self.comment(row, key, values)

    def useful(self, row: _Row, key: str, values: Sequence[str]) -> list[str]:
        """The values that say something ("n/a", "none" and nameless nodes are reported and dropped)."""
        kept = []
        for value in values:
            if value in _STATED.get(key, {}):
                kept.append(value)
            elif value.casefold() in _NOTHING:
                self.b.note(row.number, self.heading(key), value, "skipped", detail="says nothing")
            elif value == "(unnamed)":
                self.b.note(row.number, self.heading(key), value, "skipped", detail="a node without a name")
            else:
                kept.append(value)
        return kept

    def terms(self, row: _Row, key: str, values: Sequence[str]) -> None:
        column = _TERM_COLUMNS[key]
        for value in self.useful(row, key, values):
            if self.stated(row, key, value):
                continue
            self.b.graph.add((row.activity, column.prop, self.b.term(row, key, self.heading(key), value)))

    def art6_gdpr(self, row: _Row, values: Sequence[str]) -> None:
        for value in self.useful(row, "art6BasisGdpr", values):
            self.b.graph.add(
                (
                    row.activity,
                    DPV.hasLegalBasis,
                    self.b.term(row, "art6Basis", self.heading("art6BasisGdpr"), value),
                )
            )

    def stated(self, row: _Row, key: str, value: str) -> bool:
        """Write what a fixed text of the register states (True), or False for any other value."""
        meaning = _STATED.get(key, {}).get(value)
        if meaning is None:
            return False
        if meaning == "derived":
            self.b.note(
                row.number, self.heading(key), value, "skipped", detail="follows from the other columns"
            )
        elif meaning == "inEEA":
            self.in_eea.append(row.activity)
            self.b.note(
                row.number, self.heading(key), value, "record", detail="recipients located in loc:EEA"
            )
        else:
            self.b.graph.add((row.activity, ROPA[meaning], Literal(True)))
            self.b.note(row.number, self.heading(key), value, "record", detail=f"ropa:{meaning}")
        return True

    def place_in_eea(self) -> None:
        """The recipients of an activity whose register says every recipient is in the EEA, and whose
        country the register does not show: located in the EEA (``dpv:hasLocation loc:EEA``)."""
        g = self.b.graph
        for activity in self.in_eea:
            own = set(g.objects(activity, DPV.hasDataController))
            nodes = {*g.objects(activity, DPV.hasRecipient), *g.objects(activity, DPV.hasDataProcessor)}
            for group in g.objects(activity, DPV.hasJointDataControllers):
                nodes.update(set(g.objects(group, DPV.hasDataController)) - own)
            for node in sorted(nodes, key=str):
                if isinstance(node, URIRef) and g.value(node, DPV.hasCountry) is None:
                    g.add((node, DPV.hasLocation, LOC.EEA))

    def comment(self, row: _Row, key: str, values: Sequence[str]) -> None:
        """A column this tool has no model for: kept as an ``rdfs:comment`` on the activity."""
        for value in self.useful(row, key, values):
            text = f"{self.heading(key)}: {value}"
            self.b.graph.add((row.activity, RDFS.comment, self.b.label(text)))
            self.b.note(
                row.number,
                self.heading(key),
                value,
                "note",
                str(row.activity),
                "rdfs:comment on the activity",
            )

    # -- (a) controller, contact, DPO
    def controller(self, row: _Row, values: Sequence[str]) -> None:
        for value in self.useful(row, "controller", values):
            node = self.b.party(value, kind=DPV.DataController)
            self.b.graph.add((row.activity, DPV.hasDataController, node))
            self.controllers.setdefault(row.activity, []).append(node)
            self.b.note(row.number, self.heading("controller"), value, "record", str(node))

    def controller_contact(self, row: _Row, values: Sequence[str]) -> None:
        for value in self.useful(row, "controllerContact", values):
            for node in self.controllers.get(row.activity, []):
                self.b.graph.add((node, DPV.hasContact, Literal(value)))
            self.b.note(
                row.number,
                self.heading("controllerContact"),
                value,
                "record",
                detail="dpv:hasContact of the controller",
            )

    def dpo(self, row: _Row, values: Sequence[str]) -> None:
        g = self.b.graph
        for value in self.useful(row, "dpo", values):
            for controller in self.controllers.get(row.activity, []):
                if _STATED["dpo"].get(value) == "noDPO":
                    g.add((controller, ROPA.noDataProtectionOfficer, Literal(True)))
                    continue
                match = _DPO.match(value)
                assert match is not None  # the pattern matches any text
                node, _ = self.b.mint("dpo", value, local=slug(match.group("name")) + "DPO")
                g.add((node, RDF.type, DPV.DataProtectionOfficer))
                g.add((node, DPV.hasName, Literal(match.group("name"))))
                if match.group("contact"):
                    g.add((node, DPV.hasContact, Literal(match.group("contact"))))
                g.add((controller, DPV.hasDataProtectionOfficer, node))
            self.b.note(row.number, self.heading("dpo"), value, "record", detail="the controller's DPO")

    def ico_controller(self, rows: Sequence[_Row], contacts: Mapping[str, Mapping[str, str]]) -> None:
        """The ICO template's contact block: the controller of every activity, its DPO."""
        block = contacts.get("controller", {})
        name = block.get("name", "")
        if not name:
            self.b.note(1, "contact block", "", "skipped", detail="no controller named above the headings")
            return
        node = self.b.party(name, kind=DPV.DataController)
        g = self.b.graph
        for key, prop in (
            ("email", DPV.hasContact),
            ("telephone", DPV.hasContact),
            ("address", DPV.hasAddress),
        ):
            if block.get(key):
                g.add((node, prop, Literal(block[key])))
        dpo = contacts.get("dpo", {})
        if dpo.get("name"):
            officer, _ = self.b.mint("dpo", dpo["name"], local=slug(dpo["name"]) + "DPO")
            g.add((officer, RDF.type, DPV.DataProtectionOfficer))
            g.add((officer, DPV.hasName, Literal(dpo["name"])))
            for key in ("email", "telephone"):
                if dpo.get(key):
                    g.add((officer, DPV.hasContact, Literal(dpo[key])))
            g.add((node, DPV.hasDataProtectionOfficer, officer))
        self.b.note(1, "contact block", name, "record", str(node), "the controller of every activity")
        for row in rows:
            g.add((row.activity, DPV.hasDataController, node))
            self.controllers.setdefault(row.activity, []).append(node)

    # -- (d) recipients
    def recipients(self, row: _Row, values: Sequence[str]) -> None:
        for value in self.useful(row, "recipients", values):
            if _STATED["recipients"].get(value) == "noRecipients":
                self.b.graph.add((row.activity, ROPA.noRecipients, Literal(True)))
                self.b.note(
                    row.number, self.heading("recipients"), value, "record", detail="ropa:noRecipients"
                )
                continue
            match = _RECIPIENT.match(value)
            roles = (
                [_ROLES_FI.get(r.strip(), r.strip()) for r in match.group("roles").split(",")]
                if match
                else []
            )
            if self.table.layout == "ico" and value.casefold().endswith("(processor)"):
                roles = ["processor"]
            name = match.group("who") if match and roles else value
            for role in roles or ["recipient"]:
                self.role(row, name, role)
            party = self.b.minted[(f"party{self.context(row)}", _fold(name))]
            self.b.note(row.number, self.heading("recipients"), value, "record", str(party))

    def context(self, row: _Row) -> str:
        """The controllers of the row: a recipient is the same party wherever the same controllers name
        it (two controllers' processors of the same name are two parties, as a modeller writes them)."""
        return "|" + "|".join(sorted(str(c) for c in self.controllers.get(row.activity, [])))

    def role(self, row: _Row, name: str, role: str) -> URIRef:
        kinds = {
            "recipient": DPV.Recipient,
            "processor": DPV.DataProcessor,
            "joint controller": DPV.DataController,
        }
        node = self.b.party(name, kind=kinds.get(role, DPV.Recipient), context=self.context(row))
        if role == "joint controller":
            group = self.b.owned(URIRef(f"{row.activity}-JointControllers"), row.activity)
            self.b.graph.add((row.activity, DPV.hasJointDataControllers, group))
            self.b.graph.add((group, RDF.type, DPV.JointDataControllers))
            self.b.graph.add((group, DPV.hasDataController, node))
            for own in self.controllers.get(row.activity, []):
                self.b.graph.add((group, DPV.hasDataController, own))
        else:
            self.b.graph.add((row.activity, _ROLE.get(role, DPV.hasRecipient), node))
        return node

    def joint_controllers(self, row: _Row, values: Sequence[str]) -> None:
        for value in self.useful(row, "jointControllers", values):
            email = _EMAIL.search(value)
            name = value[: email.start()].strip(" ,-<(") if email and email.start() > 0 else value
            node = self.role(row, name, "joint controller")
            if email:
                self.b.graph.add((node, DPV.hasContact, Literal(email.group(0))))
            self.b.note(
                row.number, self.heading("jointControllers"), value, "record", str(node), "joint controller"
            )

    # -- (e) transfers
    def transfers(self, row: _Row, values: Sequence[str]) -> None:
        """The register's transfers: ``recipient (country): mechanisms``; the mechanisms are placed once
        every row is read (:meth:`place_mechanisms`)."""
        for value in self.useful(row, "thirdCountryTransfers", values):
            if self.stated(row, "thirdCountryTransfers", value):
                continue
            match = _TRANSFER.match(value)
            country = self.country(match.group("country")) if match else None
            if match is None or country is None:
                self.comment(row, "thirdCountryTransfers", [value])
                continue
            node = self.b.minted.get((f"party{self.context(row)}", _fold(match.group("who")))) or self.role(
                row, match.group("who"), "recipient"
            )
            self.b.graph.add((node, DPV.hasCountry, country))
            text = match.group("mech")
            mechanisms = frozenset() if text in _NO_MECHANISM else frozenset(self.mechanisms(row, text))
            self.transfer_rows.append((row.activity, node, mechanisms))
            self.b.note(
                row.number,
                self.heading("thirdCountryTransfers"),
                value,
                "record",
                str(node),
                f"in {_compact(str(country))}",
            )

    def place_mechanisms(self) -> None:
        """Each transfer's mechanisms on the recipient (``ropa:hasTransferMechanism``) when it has them in
        every activity, the rest on the activity (``dpv:hasLegalBasis``, which the register reads for
        every transfer of the activity)."""
        on_recipient: dict[URIRef, frozenset[URIRef]] = {}
        for _, node, mechanisms in self.transfer_rows:
            on_recipient[node] = on_recipient.get(node, mechanisms) & mechanisms
        for node, mechanisms in on_recipient.items():
            for mechanism in mechanisms:
                self.b.graph.add((node, ROPA.hasTransferMechanism, mechanism))
        for activity, node, mechanisms in self.transfer_rows:
            for mechanism in mechanisms - on_recipient[node]:
                self.b.graph.add((activity, DPV.hasLegalBasis, mechanism))

    def mechanisms(self, row: _Row, text: str, key: str = "thirdCountryTransfers") -> list[URIRef]:
        column = _TermColumn(DPV.hasLegalBasis, _TRANSFER_TOOL, (str(EU_GDPR), str(DPV)))
        whole = self.b.lookup(text, column)
        parts = [text] if whole else [p.strip() for p in text.split(", ") if p.strip()]
        found = []
        for part in parts:
            term = self.b.lookup(part, column)
            if term is None:
                node, new = self.b.mint(f"term:{_TRANSFER_TOOL}", part)
                if new:
                    self.b.graph.add((node, RDF.type, SKOS.Concept))
                    self.b.graph.add((node, DCTERMS.title, self.b.label(part)))
                    self.b.graph.add((node, SKOS.broader, _TRANSFER_TOOL))
                found.append(node)
                self.b.note(
                    row.number,
                    self.heading(key),
                    part,
                    "new term",
                    str(node),
                    "under eu-gdpr:DataTransferTool",
                )
            else:
                found.append(URIRef(term))
                self.b.note(row.number, self.heading(key), part, "mapped", term)
        return found

    def country(self, text: str) -> URIRef | None:
        """A country by its code (``US``), its English name or its IRI."""
        iri = expand_iri(text)
        code = _COUNTRY_ALIASES.get(_fold(text), text)
        if iri is None and vocabulary.is_known(str(LOC) + code):
            iri = str(LOC) + code
        if iri is None:
            found = [t for t in self.b.vocab.labels.get(_fold(text), ()) if t.startswith(str(LOC))]
            iri = found[0] if found else None
        return URIRef(iri) if iri else None

    def third_countries(self, row: _Row, values: Sequence[str]) -> None:
        """The ICO layout's countries: a recipient in each (the template does not say who), with the
        row's safeguards as its transfer mechanisms."""
        safeguards = self.useful(row, "safeguards", row.cells.get("safeguards", []))
        for value in self.useful(row, "thirdCountries", values):
            country = self.country(value)
            if country is None:
                self.comment(row, "thirdCountries", [value])
                continue
            node = self.role(row, f"Recipients in {value}", "recipient")
            self.b.graph.add((node, DPV.hasCountry, country))
            self.b.note(
                row.number,
                self.heading("thirdCountries"),
                value,
                "mapped",
                str(country),
                f"a recipient in it: {node}",
            )
            for safeguard in safeguards:
                for mechanism in self.mechanisms(row, safeguard, "safeguards"):
                    self.b.graph.add((node, ROPA.hasTransferMechanism, mechanism))
        if safeguards and not values:
            self.comment(row, "safeguards", safeguards)

    def location(self, row: _Row, values: Sequence[str]) -> None:
        for value in self.useful(row, "dataLocation", values):
            country = self.country(value)
            if country is None:
                self.comment(row, "dataLocation", [value])
                continue
            self.b.graph.add((row.activity, DPV.hasLocation, country))
            self.b.note(
                row.number, self.heading("dataLocation"), value, "mapped", str(country), "dpv:hasLocation"
            )

    # -- (f) retention
    def retention(self, row: _Row, values: Sequence[str]) -> None:
        for index, value in enumerate(self.useful(row, "retention", values), start=1):
            node = self.b.owned(
                URIRef(f"{row.activity}-Retention{'' if index == 1 else index}"), row.activity
            )
            self.b.graph.add((row.activity, DPV.hasStorageCondition, node))
            self.retention_value(row, node, value)

    def retention_value(self, row: _Row, node: URIRef, value: str) -> None:
        g, heading = self.b.graph, self.heading("retention")
        exported = _RETENTION.match(value) if self.table.layout == "register" else None
        prose = _PROSE_DURATION.match(value) if exported is None else None
        duration = start = event = None
        if exported and (exported.group("dur") is None or _ISO_DURATION.match(exported.group("dur"))):
            duration, start, event = exported.group("dur"), exported.group("start"), exported.group("event")
        elif _ISO_DURATION.match(value):
            duration = value
        elif value.casefold().startswith("until "):
            event = value[len("until ") :].strip()
        elif prose:
            duration = f"P{prose.group(1)}{prose.group(2)[0].upper()}"
            start = prose.group(3)
        if (
            duration is None
            and event is None
            and not (exported and value.startswith(("(no value)", "(ei arvoa)")))
        ):
            g.add((node, RDF.type, DPV.StorageCondition))
            g.add((node, DCTERMS.description, self.b.label(value)))
            self.b.note(
                row.number, heading, value, "note", str(node), "dct:description of a dpv:StorageCondition"
            )
            return
        g.add((node, RDF.type, DPV.StorageDuration))
        if duration:
            limit = self.b.owned(URIRef(f"{node}Limit"), row.activity)
            g.add((node, DPV.hasDuration, limit))
            g.add((limit, RDF.type, DPV.TemporalDuration))
            g.add((limit, RDF.value, Literal(duration, datatype=XSD.duration)))
        if event:
            until = self.b.owned(URIRef(f"{node}Event"), row.activity)
            g.add((node, DPV.hasDuration, until))
            g.add((until, RDF.type, DPV.UntilEventDuration))
            g.add((until, DCTERMS.description, self.b.label(event)))
        if start:
            g.add((node, ROPA.durationStartsAt, self.b.label(start)))
        self.b.note(
            row.number,
            heading,
            value,
            "mapped",
            str(node),
            f"dpv:StorageDuration {duration or 'until ' + str(event)}",
        )

    # -- legitimate interest
    def legitimate_interest(self, row: _Row, values: Sequence[str]) -> None:
        for value in self.useful(row, "legitimateInterest", values):
            obj = URIRef(value) if _FULL_IRI.match(value) else self.b.label(value)
            self.b.graph.add((row.activity, ROPA.hasLegitimateInterest, obj))
            self.b.note(
                row.number,
                self.heading("legitimateInterest"),
                value,
                "record",
                detail="ropa:hasLegitimateInterest",
            )

    def assessment(self, row: _Row, values: Sequence[str]) -> None:
        for index, value in enumerate(self.useful(row, "legitimateInterestAssessment", values), start=1):
            node = self.b.owned(URIRef(f"{row.activity}-LIA{'' if index == 1 else index}"), row.activity)
            g = self.b.graph
            g.add((row.activity, DPV.hasAssessment, node))
            g.add((node, RDF.type, DPV.LegitimateInterestAssessment))
            if _FULL_IRI.match(value):
                g.add((node, RDFS.seeAlso, URIRef(value)))
            elif self.table.layout == "ico":
                g.add((node, DCTERMS.description, self.b.label(value)))
            elif value not in _STATED["legitimateInterestAssessment"]:
                g.add((node, ROPA.conclusion, self.b.label(value)))
            self.b.note(
                row.number,
                self.heading("legitimateInterestAssessment"),
                value,
                "record",
                str(node),
                "dpv:LegitimateInterestAssessment",
            )

    # -- part of
    def parts(self, rows: Sequence[_Row]) -> None:
        by_name: dict[str, URIRef] = {}
        for row in rows:
            for text in (row.name, str(row.activity), re.split(r"[#/]", str(row.activity))[-1]):
                if text:
                    by_name.setdefault(_fold(text), row.activity)
        for row in rows:
            for value in self.useful(row, "partOf", row.cells.get("partOf", [])):
                parent = by_name.get(_fold(value)) or (URIRef(i) if (i := expand_iri(value)) else None)
                if parent is None:
                    self.comment(row, "partOf", [value])
                    continue
                self.b.graph.add((parent, DPV.hasProcess, row.activity))
                self.b.note(
                    row.number, self.heading("partOf"), value, "record", str(parent), "dpv:hasProcess"
                )


# --- the ICO contact block -------------------------------------------------------------------------

_CONTACT_FIELDS = {
    "name": "name",
    "address": "address",
    "email": "email",
    "e mail": "email",
    "telephone": "telephone",
    "phone": "telephone",
}
_CONTACT_ROLES = (
    ("dpo", ("data protection officer", "dpo")),
    ("representative", ("representative",)),
    ("controller", ("controller", "organisation", "company")),
)


def _contact_block(table: _Table) -> dict[str, dict[str, str]]:
    """The ICO template's contact block above the heading row: role -> field -> value. The roles are
    told by a row of role names (Controller, Data Protection Officer, Representative) when there is
    one, else by order (the first column of values is the controller's)."""
    roles: dict[int, str] = {}
    block: dict[str, dict[str, str]] = defaultdict(dict)
    for number in range(1, table.heading_row):
        cells = table.sheet.row(number)
        label = next(((i, c) for i, c in enumerate(cells) if c), None)
        if label is None:
            continue
        field_name = _CONTACT_FIELDS.get(_norm(label[1]))
        if field_name is None:
            for index, cell in enumerate(cells):
                for role, words in _CONTACT_ROLES:
                    if cell and any(w in _norm(cell) for w in words) and index not in roles:
                        roles[index] = role
            continue
        values = [(i, c) for i, c in enumerate(cells) if i > label[0] and c]
        order = ("controller", "dpo", "representative")
        for position, (index, value) in enumerate(values):
            role = roles.get(index) or (order[position] if position < len(order) else "")
            if role:
                block[role].setdefault(field_name, value)
    return dict(block)


# --- the register's cover sheet ---------------------------------------------------------------------

#: The cover's fields (``ropa_kg.render.export.cover``): the key of its label in the export's texts, the
#: property of the record (``dpv:ROPA``) it shows, and whether its value names a party.
_COVER_FIELDS: tuple[tuple[str, URIRef, bool], ...] = (
    ("organisation", DCTERMS.subject, True),
    ("version", ROPA_VERSION, False),
    ("modified", ROPA_MODIFIED, False),
    ("owner", ROPA_OWNER, True),
    ("approver", ROPA_APPROVER, True),
    ("approved", ROPA_APPROVED, False),
    ("review period", ROPA_REVIEW_PERIOD, False),
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _cover_texts() -> tuple[dict[str, str], set[str]]:
    """The cover's labels in every language the export writes (label -> field key), and the texts that
    mean "not stated"."""
    texts: Mapping[str, Mapping[str, str]] = getattr(export_module, "TEXTS", {})
    labels: dict[str, str] = {}
    silent: set[str] = set()
    for words in texts.values():
        for key, _, _ in _COVER_FIELDS:
            if key in words:
                labels[_fold(words[key])] = key
        silent.update(words[k] for k in ("not stated", "not stated short") if k in words)
    return labels, silent


def _cover_values(sheets: Sequence[Sheet]) -> dict[str, str]:
    """The stated fields of the cover sheet (field key -> text); empty without a cover sheet."""
    labels, silent = _cover_texts()
    names = {_fold(n) for n in ("Cover", "Kansilehti")}
    found: dict[str, str] = {}
    for sheet in (s for s in sheets if _fold(s.name) in names):
        for cells in sheet.rows:
            texts = [c for c in cells if c]
            if len(texts) < 2 or _fold(texts[0]) not in labels:
                continue
            value = texts[1]
            if value not in silent and not any(value.startswith(f"{t} (") for t in silent):
                found.setdefault(labels[_fold(texts[0])], value)
    return found


def _read_cover(sheets: Sequence[Sheet], builder: _Builder) -> None:
    """The export's cover sheet (``Cover``, ``Kansilehti``), if any: the record's ``dpv:ROPA`` node with
    the version, dates, owner, approver and review period it states (the organisation only when it is
    not simply the activities' controllers, which the cover shows when the record names none)."""
    found = _cover_values(sheets)
    g = builder.graph
    controllers = sorted({str(o) for o in g.objects(None, DPV.hasDataController)})
    derived = ", ".join(sorted(str(g.value(URIRef(c), SKOS.prefLabel)) for c in controllers))
    if found.get("organisation") == derived:
        del found["organisation"]
    if not found:
        return
    record, _ = builder.mint("record", "Record")
    g.add((record, RDF.type, ROPA_RECORD))
    for key, prop, is_party in _COVER_FIELDS:
        value = found.get(key)
        if value is None:
            continue
        if is_party:
            obj: URIRef | Literal = builder.party(value, kind=DPV.Entity)
        elif prop == ROPA_REVIEW_PERIOD and _ISO_DURATION.match(value.split(" (", 1)[0]):
            # the cover glosses a period it knows: "P6M (6 months)"
            obj = Literal(value.split(" (", 1)[0], datatype=XSD.duration)
        elif _DATE.match(value):
            obj = Literal(value, datatype=XSD.date)
        else:
            obj = Literal(value)
        g.add((record, prop, obj))
        builder.note(0, "cover", value, "record", str(record), f"{_compact(str(prop))} of the record")


# --- the files -------------------------------------------------------------------------------------


def _files(builder: _Builder, rows: Sequence[_Row]) -> dict[str, bytes]:
    """One Turtle file per activity (its triples and the nodes only it has) and ``record.ttl`` (the rest,
    when there is any)."""
    graphs: dict[URIRef, Graph] = {row.activity: Graph() for row in rows}
    shared = Graph()
    for triple in builder.graph:
        subject = URIRef(str(triple[0]))
        owner = subject if subject in graphs else builder.owner.get(subject)
        (graphs.get(owner, shared) if owner is not None else shared).add(triple)
    namespaces = _namespaces(builder)
    names: dict[str, bytes] = {}
    taken = {"record"}
    for row in rows:
        name = slug(re.split(r"[#/]", str(row.activity))[-1] or row.name)
        while name.casefold() in taken:
            name += "-2"
        taken.add(name.casefold())
        names[f"{name}.ttl"] = _turtle(graphs[row.activity], namespaces)
    if len(shared):  # (a file without triples is not a record file: the loader refuses it)
        names["record.ttl"] = _turtle(shared, namespaces)
    return dict(sorted(names.items()))


def _namespaces(builder: _Builder) -> dict[str, str]:
    """The prefixes the files declare: the record's namespace, the project's, and one per other
    namespace of an activity's IRI."""
    found = {builder.prefix: builder.base}
    known = {str(ns) for ns in PREFIXES.values()} | {builder.base}
    others = sorted(
        {
            str(s)[: max(str(s).rfind("#"), str(s).rfind("/")) + 1]
            for s in builder.graph.subjects(RDF.type, DPV.Process)
        }
        - known
    )
    for index, namespace in enumerate(others, start=1):
        found[f"act{index}" if len(others) > 1 else "act"] = namespace
    return found


def _turtle(graph: Graph, namespaces: Mapping[str, str]) -> bytes:
    for prefix, namespace in namespaces.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph_bytes(graph, "turtle")


# --- the public functions --------------------------------------------------------------------------


def _check_base(base: str, prefix: str) -> None:
    if not _FULL_IRI.match(base) or base[-1] not in "#/":
        raise RopaUsageError(f"--base must be an absolute IRI ending in '#' or '/', not {base!r}")
    if not re.fullmatch(r"[A-Za-z][\w-]*", prefix):
        raise RopaUsageError(f"--prefix must be a Turtle prefix name, not {prefix!r}")


def read_import(
    path: Path | str,
    *,
    data: bytes | None = None,
    base: str = DEFAULT_BASE,
    prefix: str = DEFAULT_PREFIX,
    language: str = "en",
) -> ImportResult:
    """Read the spreadsheet at ``path`` (``data``: its bytes, for an upload) into a record in memory.

    ``base`` and ``prefix`` are the namespace (and its prefix) of every node the import mints;
    ``language`` tags the labels and notes it writes ("" for none).

    Raises:
        RopaInputError: the file is unreadable, has no sheet in either layout, misses the activity name
            column, has a merged heading, a row without a name, or a duplicate activity ID (naming the
            sheet, row and column).
        RopaUsageError: ``base`` or ``prefix`` is malformed.
    """
    _check_base(base, prefix)
    where = Path(path)
    sheets = read_spreadsheet(where, data=data)
    table = _locate(sheets, where)
    builder = _Builder(sheet=table.sheet.name, base=base, prefix=prefix, language=language)
    builder.loose = table.layout == "ico"
    rows = _rows(table, builder, where)
    if not rows:
        raise RopaInputError(
            f"{_where(table.sheet.name, table.heading_row)}: no activity below the headings", where
        )
    contacts = _contact_block(table) if table.layout == "ico" else {}
    _Importer(table, builder, where).run(rows, contacts)
    if table.layout == "register":
        _read_cover(sheets, builder)
    return ImportResult(
        source=where.name,
        layout=table.layout,
        sheet=table.sheet.name,
        activities=tuple(str(row.activity) for row in rows),
        files=_files(builder, rows),
        values=tuple(builder.values),
    )


def write_import(result: ImportResult, output: Path | str) -> Path:
    """Write ``result``'s files into the folder ``output``, which must be empty or not exist: into a
    temporary folder beside it first, renamed into place, so that either every file is written or none.

    Raises:
        RopaUsageError: ``output`` is a file or a folder that is not empty, or cannot be written.
    """
    target = Path(output)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise RopaUsageError(f"{target}: --output must be an empty folder or not exist")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise RopaUsageError(f"{target}: the folder {parent} does not exist")
    temp: Path | None = None
    try:
        temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
        for name, data in result.files.items():
            (temp / name).write_bytes(data)
        temp.chmod(0o755)
        if target.exists():
            target.rmdir()
        temp.rename(target)
    except OSError as exc:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        raise RopaUsageError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    return target


def summarise_findings(folder: Path | str) -> FindingsSummary:
    """Validate the record in ``folder`` (``ropa_kg.rules.validation.validate``) and count its findings.

    Raises:
        RopaInputError: the folder's files cannot be read (they are the import's own, so this is a bug).
    """
    from ropa_kg.rules.validation import validate

    result = validate(Path(folder))
    findings = result.findings
    by_severity = Counter(f.severity.name.lower() for f in findings)
    by_rule = Counter(f.rule_id for f in findings)
    worst_of: dict[str, Severity] = {}
    for finding in findings:
        worst_of[finding.rule_id] = max(finding.severity, worst_of.get(finding.rule_id, finding.severity))
    return FindingsSummary(
        total=len(findings),
        by_severity={s: by_severity.get(s, 0) for s in ("violation", "warning", "info")},
        by_rule=dict(sorted(by_rule.items())),
        worst=max((f.severity for f in findings), default=None),
        rule_severity={rule: worst_of[rule].name.lower() for rule in sorted(worst_of)},
    )


def import_spreadsheet(
    path: Path | str,
    output: Path | str,
    *,
    base: str = DEFAULT_BASE,
    prefix: str = DEFAULT_PREFIX,
    language: str = "en",
    data: bytes | None = None,
) -> ImportReport:
    """Read the spreadsheet at ``path``, write the record into ``output`` and validate it.

    Raises:
        RopaInputError: the spreadsheet is bad input (see :func:`read_import`); nothing is written.
        RopaUsageError: ``output`` is not an empty folder, or the options are malformed.
    """
    result = read_import(path, data=data, base=base, prefix=prefix, language=language)
    target = write_import(result, output)
    return ImportReport(result, target, summarise_findings(target), tuple(result.files))


@dataclass(frozen=True)
class ImportPreview:
    """What an import would write, and the findings the written record would have (for the dashboard)."""

    result: ImportResult
    findings: FindingsSummary


def preview_import(
    name: str,
    data: bytes,
    *,
    base: str = DEFAULT_BASE,
    prefix: str = DEFAULT_PREFIX,
    language: str = "en",
) -> ImportPreview:
    """Read the spreadsheet ``data`` (a file called ``name``) and validate the record it gives, written
    to a temporary folder that is removed afterwards.

    Raises:
        RopaInputError: the spreadsheet is bad input (see :func:`read_import`).
        RopaUsageError: the options are malformed.
    """
    result = read_import(name, data=data, base=base, prefix=prefix, language=language)
    with tempfile.TemporaryDirectory(prefix="ropa-import-") as folder:
        target = write_import(result, Path(folder) / "record")
        findings = summarise_findings(target)
    return ImportPreview(result, findings)


def value_rows(result: ImportResult, outcomes: Iterable[str] = OUTCOMES) -> list[dict[str, str | int]]:
    """The values read with one of ``outcomes``, as table rows (row, column, value, outcome, term, detail)."""
    wanted = set(outcomes)
    return [
        {
            "row": v.row,
            "column": v.column,
            "value": v.text,
            "outcome": v.outcome,
            "term": _compact(v.term) if v.term else "",
            "detail": v.detail,
        }
        for v in result.values
        if v.outcome in wanted
    ]


def _grouped(items: Sequence[MappedValue]) -> list[str]:
    """One line per (column, value, detail): the rows it is on."""
    rows: dict[tuple[str, str, str], list[int]] = {}
    for v in items:
        detail = f"-> {_compact(v.term)}" if v.outcome == "mapped" and v.term and not v.detail else v.detail
        rows.setdefault((v.column, v.text, detail), []).append(v.row)
    lines = []
    for (column, text, detail), numbers in rows.items():
        where = "row" if len(numbers) == 1 else "rows"
        lines.append(
            f"  {column}: {text!r}{f' ({detail})' if detail else ''} - {where} {', '.join(map(str, numbers))}"
        )
    return lines


def render_report(report: ImportReport, fmt: str = "text") -> str:
    """The report as ``text`` (a summary, then every value that did not map to a term) or ``json``."""
    result = report.result
    if fmt == "json":
        document = {
            "source": result.source,
            "layout": result.layout,
            "sheet": result.sheet,
            "output": str(report.output),
            "files": list(report.written),
            "activities": list(result.activities),
            "counts": result.counts(),
            "values": [v.__dict__ for v in result.values],
            "findings": {
                "total": report.findings.total,
                "by_severity": dict(report.findings.by_severity),
                "by_rule": dict(report.findings.by_rule),
                "rule_severity": dict(report.findings.rule_severity),
            },
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    counts = result.counts()
    lines = [
        f"imported {len(result.activities)} activities from {result.source} (sheet {result.sheet!r}, "
        f"{'ropa export' if result.layout == 'register' else 'ICO template'} layout) into {report.output}: "
        f"{len(report.written)} files",
        "values: " + ", ".join(f"{counts[o]} {o}" for o in OUTCOMES),
    ]
    for outcome, title in (
        ("mapped", "mapped to DPV and project terms"),
        ("new term", "kept as a new term"),
        ("note", "kept as a note"),
        ("skipped", "not kept"),
    ):
        items = result.by_outcome(outcome)
        if items:
            lines.append(f"{title}:")
            lines.extend(_grouped(items))
    summary = report.findings
    lines.append(
        f"findings: {summary.total} (" + ", ".join(f"{n} {s}" for s, n in summary.by_severity.items()) + ")"
    )
    lines.extend(
        f"  {rule} ({summary.rule_severity.get(rule, '')}): {n}" for rule, n in summary.by_rule.items()
    )
    return "\n".join(lines) + "\n"
