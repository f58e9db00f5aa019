"""What the dashboard's views show, computed from a loaded :class:`~ropa_kg.app.record.Record`.

The views in ``dashboard/views/`` only render (Streamlit widgets, plotly figures); the joins, filters and
graph layout they show live here, as plain functions of the record and of the user's choices, so that
they can be tested without Streamlit and cached by their inputs. The texts they add (column names,
"not stated", family headings) are in the language ``lang`` (:mod:`ropa_kg.app.i18n`; default: the
record's, else English); the labels are the record's (:meth:`Record.with_language`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ropa_kg.app.i18n import DEFAULT_LANGUAGE, tr, tr_count
from ropa_kg.app.record import Record
from ropa_kg.core.findings import Family, Severity
from ropa_kg.query.limits import run_limited
from ropa_kg.query.queries import execute_oxigraph, page_rows, paged, resolve
from ropa_kg.rules.validation import ValidationResult
from ropa_kg.sparql.guard import QueryForm, check_read_only
from ropa_kg.sparql.paging import WHOLE, Window
from ropa_kg.sparql.results import ResultTable

#: The activity table's list columns that can be filtered.
ACTIVITY_FILTERS = (
    "purposes",
    "legal basis",
    "data subjects",
    "data categories",
    "recipients",
    "countries",
    "part of",
)
#: The data-flow graph's columns, left to right.
FLOW_LAYERS = ("controller", "activity", "data category", "recipient", "country")
FINDINGS_CHOICES = ("all", "with findings", "without findings")


# --- query console: one page of a result -------------------------------------------------------

_T = TypeVar("_T")

#: The console's page sizes (rows per page) and the default one (the console's default row limit, so
#: that a first page shows what the console showed before it paged).
CONSOLE_PAGE_SIZES = (25, 100, 500, 1000)
DEFAULT_PAGE_SIZE = 1000


@dataclass(frozen=True)
class ResultPage:
    """One page of a query result: its rows (``table``), its number (from 1) and size, whether rows
    follow it (``more``), the result's ``total`` when it is known without another query (this page is
    the last), and whether the row limit cut the page (``truncated``)."""

    table: ResultTable
    page: int
    page_size: int
    more: bool
    truncated: bool = False
    seconds: float = 0.0

    @property
    def first(self) -> int:
        """The number of the page's first row (from 1; 0 for an empty page)."""
        return (self.page - 1) * self.page_size + 1 if self.table.rows else 0

    @property
    def last(self) -> int:
        """The number of the page's last row (0 for an empty page)."""
        return self.first + len(self.table.rows) - 1 if self.table.rows else 0

    @property
    def total(self) -> int | None:
        """The number of rows of the whole result, when this page shows it ends here; else None."""
        if self.more or self.truncated:
            return None
        return (self.page - 1) * self.page_size + len(self.table.rows)


def _window(page: int, page_size: int) -> Window:
    """The rows of page ``page`` and one more (which tells whether a next page exists)."""
    if page < 1 or page_size < 1:
        raise ValueError("the page number and the page size are at least 1")
    return Window(page_size + 1, (page - 1) * page_size)


def _page_of(
    table: ResultTable, page: int, page_size: int, *, truncated: bool = False, seconds: float = 0.0
) -> ResultPage:
    if table.form is QueryForm.ASK:
        return ResultPage(table, 1, page_size, False, truncated, seconds)
    more = len(table.rows) > page_size
    rows = ResultTable(table.form, table.columns, table.rows[:page_size])
    return ResultPage(rows, page, page_size, more, truncated, seconds)


def console_page(
    text: str,
    *,
    store_path: Path,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    timeout: float,
    max_rows: int,
) -> ResultPage:
    """Page ``page`` of the ad-hoc query ``text`` on the store in ``store_path``, computed by the engine
    (the page's ``LIMIT`` / ``OFFSET``, see :mod:`ropa_kg.sparql.paging`; an ASK has one page). The
    console's row limit ``max_rows`` still cuts a page larger than it (``truncated``).

    Raises:
        RopaUsageError, RopaInputError, QueryTimeout: as :func:`ropa_kg.query.console.run_console_query`.
        ValueError: a page number or page size below 1.
    """
    window = _window(page, page_size)
    form = check_read_only(text, source="query", strict=False).form
    cap = min(page_size, max_rows)
    limited = run_limited(
        text,
        store_path=store_path,
        timeout=timeout,
        max_rows=cap if cap < page_size else page_size + 1,
        allow_dataset=False,
        window=WHOLE if form is QueryForm.ASK else window,
    )
    cut = cap < page_size and limited.truncated
    return _page_of(limited.table, page, page_size, truncated=cut, seconds=limited.seconds)


def saved_page(
    record: Record,
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> ResultPage:
    """Page ``page`` of the saved query ``name`` on ``record``: a SELECT's page is computed by the engine
    (:func:`ropa_kg.query.queries.paged`), a CONSTRUCT's after its triples are sorted.

    Raises:
        RopaUsageError: unknown query or parameter. RopaInputError: the query does not parse.
        ValueError: a page number or page size below 1.
    """
    window = _window(page, page_size)
    query = resolve(name)
    if query.check().form is QueryForm.ASK:
        window = WHOLE
    table = execute_oxigraph(paged(query, window), record.store, query.bindings(params))
    return _page_of(page_rows(table, window), page, page_size)


def page_count(total: int, page_size: int) -> int:
    """How many pages of ``page_size`` rows ``total`` rows fill (at least 1)."""
    if page_size < 1:
        raise ValueError("the page size is at least 1")
    return max(1, -(-total // page_size))


def page_slice(items: Sequence[_T], page: int, page_size: int) -> Sequence[_T]:
    """The items of page ``page`` (from 1; a page past the end is empty)."""
    if page < 1 or page_size < 1:
        raise ValueError("the page number and the page size are at least 1")
    return items[(page - 1) * page_size : page * page_size]


# --- activities ---------------------------------------------------------------------------------


def activity_options(rows: Sequence[Mapping[str, object]], column: str) -> list[str]:
    """The values a filter on ``column`` of the activity table offers, sorted."""
    return sorted({str(value) for row in rows for value in row[column]})  # type: ignore[attr-defined]  # list cells


def filter_activities(
    rows: Sequence[Mapping[str, object]],
    *,
    chosen: Mapping[str, Sequence[str]],
    text: str = "",
    findings: str = "all",
) -> list[Mapping[str, object]]:
    """The activity rows matching every filter: for each column, any chosen value; ``text`` in the name or
    id (case-insensitive); ``findings`` one of :data:`FINDINGS_CHOICES`."""
    needle = text.lower()

    def matches(row: Mapping[str, object]) -> bool:
        if any(wanted and not set(wanted) & set(row[column]) for column, wanted in chosen.items()):  # type: ignore[call-overload]  # list cells
            return False
        if needle and needle not in str(row["activity"]).lower() and needle not in str(row["id"]).lower():
            return False
        if findings == "with findings":
            return bool(row["findings"])
        return findings != "without findings" or not row["findings"]

    return [row for row in rows if matches(row)]


# --- compliance -----------------------------------------------------------------------------------

#: The severities, most severe first, as the compliance view names them.
SEVERITY_NAMES = tuple(s.name.lower() for s in sorted(Severity, reverse=True))


def filter_findings(
    rows: Sequence[Mapping[str, object]],
    *,
    severities: Sequence[str] = (),
    rules: Sequence[str] = (),
    articles: Sequence[str] = (),
    activities: Sequence[str] = (),
) -> list[Mapping[str, object]]:
    """The finding rows (:attr:`Record.finding_rows`) matching every filter: any chosen severity, rule,
    article, and activity (among the activities a row concerns or affects); an empty choice keeps all."""

    def matches(row: Mapping[str, object]) -> bool:
        concerned = set(_texts(row["activities"]))
        return (
            (not severities or row["severity"] in severities)
            and (not rules or row["rule"] in rules)
            and (not articles or row["article"] in articles)
            and (not activities or bool(set(activities) & concerned))
        )

    return [row for row in rows if matches(row)]


def _texts(cell: object) -> list[str]:
    """A list cell of a row as texts (a non-list cell as no texts)."""
    return [str(item) for item in cell] if isinstance(cell, list | tuple) else []


@dataclass(frozen=True)
class RuleFindings:
    """The findings of one rule in the compliance view: its title, article and how to fix, the rows."""

    rule_id: str
    title: str
    article: str
    severity: str
    rows: tuple[Mapping[str, object], ...]

    @property
    def merged(self) -> bool:
        """True when the rule's findings are a notice's or controller's, each naming the activities it
        affects."""
        return any(row["affects"] for row in self.rows)


@dataclass(frozen=True)
class FamilySection:
    """One family of findings (the record, the notice, lawfulness) as the compliance view shows it."""

    family: str
    label: str
    counts: dict[str, int]
    rules: tuple[RuleFindings, ...]
    #: the language of :attr:`heading`
    lang: str = DEFAULT_LANGUAGE

    @property
    def total(self) -> int:
        """How many findings the section holds."""
        return sum(self.counts.values())

    @property
    def heading(self) -> str:
        """``The record (Art. 30): 16 findings (3 violations, 12 warnings, 1 info)``."""
        parts = ", ".join(tr_count(f"severity.{name}", n, self.lang, n=n) for name, n in self.counts.items())
        return tr_count(
            "compliance.section", self.total, self.lang, label=self.label, total=self.total, parts=parts
        )


def compliance_sections(
    rows: Sequence[Mapping[str, object]], *, lang: str = DEFAULT_LANGUAGE
) -> list[FamilySection]:
    """``rows`` (finding rows, most severe first) by family, every family in report order (the record,
    the notice, lawfulness; an empty one too), and within a family by rule in the rows' order; the
    families' labels and headings in ``lang``."""
    sections: list[FamilySection] = []
    for family in Family:
        members = [r for r in rows if r["family"] == family.value]
        by_rule: dict[str, list[Mapping[str, object]]] = {}
        for row in members:
            by_rule.setdefault(str(row["rule"]), []).append(row)
        groups = tuple(
            RuleFindings(
                rule_id=rule_id,
                title=str(items[0]["title"]),
                article=str(items[0]["article"]),
                severity=str(items[0]["severity"]),
                rows=tuple(items),
            )
            for rule_id, items in by_rule.items()
        )
        counts = {name: sum(1 for r in members if r["severity"] == name) for name in SEVERITY_NAMES}
        label = tr(f"family.{family.value}", lang)
        sections.append(FamilySection(family.value, label, counts, groups, lang))
    return sections


def family_counts(validation: ValidationResult, *, lang: str = DEFAULT_LANGUAGE) -> dict[str, dict[str, int]]:
    """The overview's chart: each family's title in ``lang`` (``The record (Art. 30)``, in report order,
    an empty one too) -> how many active findings it holds per severity, most severe first
    (:meth:`ValidationResult.counts_by_family`)."""
    return {
        tr(f"family.{family.value}", lang): counts for family, counts in validation.counts_by_family().items()
    }


def finding_table(group: RuleFindings, *, lang: str = DEFAULT_LANGUAGE) -> list[dict[str, str]]:
    """The table of one rule's findings: focus, the activities concerned (``Affects`` for a notice's or
    controller's finding), value and message; the column names in ``lang``."""
    column = tr("finding.column.affects" if group.merged else "finding.column.activities", lang)
    return [
        {
            tr("finding.column.focus", lang): f"{row['focus']} ({row['focus id']})",
            column: ", ".join(_texts(row["affects"] if group.merged else row["activities"])),
            tr("finding.column.value", lang): str(row["value"]),
            tr("finding.column.message", lang): str(row["how to fix"]),
        }
        for row in group.rows
    ]


# --- recipients and transfers -------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientIndex:
    """The recipients of the record's activities: roles, activities, countries, data received."""

    roles: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    activities: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    countries: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    categories: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(cls, record: Record) -> RecipientIndex:
        index = cls()
        for edge in record.edges:
            if edge.kind == "recipient":
                index.roles[edge.target].add(edge.role)
                index.activities[edge.target].add(edge.source)
            elif edge.kind == "country":
                index.countries[edge.source].add(edge.target)
            elif edge.kind == "data":
                index.categories[edge.source].add(edge.target)
        return index


def contract_status(record: Record, index: RecipientIndex, party: str, *, lang: str | None = None) -> str:
    """The Art. 28 agreement or Art. 26 arrangement recorded for each of ``party``'s roles, in ``lang``
    (default: the record's language)."""
    lang = lang or record.language
    parts = []
    for role in sorted(index.roles[party] - {"recipient"}):
        contract = record.contracts.get((party, role), "")
        kind = tr("recipients.agreement" if role == "processor" else "recipients.arrangement", lang)
        if contract:
            parts.append(
                tr("recipients.contract", lang, kind=kind, label=record.label_of(contract, lang=lang))
            )
        else:
            parts.append(tr("recipients.no_contract", lang, kind=kind))
    return "; ".join(parts) or tr("recipients.no_role", lang)


def recipient_rows(
    record: Record, *, roles: Iterable[str] = (), lang: str | None = None
) -> list[dict[str, str]]:
    """One row per recipient (label order), only those with one of ``roles`` when given; column names,
    roles and texts in ``lang`` (default: the record's language)."""
    lang = lang or record.language
    index = RecipientIndex.of(record)
    third = {t.country for t in record.transfers}
    findings: dict[str, set[str]] = defaultdict(set)
    for finding in record.validation.active:
        findings[finding.focus_node].add(finding.rule_id)
    wanted = set(roles)
    rows = []

    def label(node: str) -> str:
        return record.label_of(node, lang=lang)

    def column(name: str) -> str:
        return tr(f"recipients.column.{name}", lang)

    for party in sorted(index.roles, key=label):
        if wanted and not wanted & index.roles[party]:
            continue
        places = index.countries[party]
        received = {label(c) for a in index.activities[party] for c in index.categories.get(a, set())}
        third_country = "yes" if places & third else ("unknown" if not places else "no")
        rows.append(
            {
                column("recipient"): label(party),
                column("id"): record.node_id(party),
                column("role"): ", ".join(sorted(tr(f"role.{role}", lang) for role in index.roles[party])),
                column("country"): ", ".join(label(c) for c in sorted(places))
                or tr("recipients.not_stated", lang),
                column("third_country"): tr(f"recipients.{third_country}", lang),
                column("contract"): contract_status(record, index, party, lang=lang),
                column("activities"): ", ".join(sorted(label(a) for a in index.activities[party])),
                column("receives"): ", ".join(sorted(received)),
                column("findings"): ", ".join(sorted(findings.get(party, set()))),
            }
        )
    return rows


def transfer_rows(record: Record, *, lang: str | None = None) -> list[dict[str, str]]:
    """One row per transfer to a third country, with its mechanism or the lack of one; column names in
    ``lang`` (default: the record's language)."""
    lang = lang or record.language

    def column(name: str) -> str:
        return tr(f"transfers.column.{name}", lang)

    return [
        {
            column("activity"): record.label_of(t.activity, lang=lang),
            column("recipient"): record.label_of(t.recipient, lang=lang),
            column("destination"): record.label_of(t.country, lang=lang),
            column("mechanism"): record.label_of(t.mechanism, lang=lang)
            if t.mechanism
            else tr("transfers.no_mechanism", lang),
            column("status"): t.status,
        }
        for t in record.transfers
    ]


def flows_per_country(record: Record) -> dict[str, dict[str, int]]:
    """Country label -> activity-recipient flows there, by status (without / with mechanism, EEA),
    countries with the most flows first."""
    index = RecipientIndex.of(record)
    third = {t.country for t in record.transfers}
    missing = {(t.activity, t.recipient) for t in record.transfers if not t.mechanism}
    per_country: dict[str, dict[str, int]] = defaultdict(
        lambda: {"without mechanism": 0, "with mechanism": 0, "EEA": 0}
    )
    for party, places in index.countries.items():
        for country in places:
            for activity in index.activities[party]:
                if country not in third:
                    status = "EEA"
                else:
                    status = "without mechanism" if (activity, party) in missing else "with mechanism"
                per_country[country][status] += 1
    order = sorted(per_country, key=lambda c: (-sum(per_country[c].values()), record.label_of(c)))
    return {record.label_of(c): per_country[c] for c in order}


# --- data flows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowGraph:
    """The data-flow graph of some activities, laid out in :data:`FLOW_LAYERS` columns."""

    layer_of: dict[str, str]
    edges: set[tuple[str, str]]
    positions: dict[str, tuple[float, float]]
    severities: dict[str, list[Severity]]

    def layer_size(self) -> int:
        """The number of nodes in the fullest column."""
        return max((sum(1 for v in self.layer_of.values() if v == lay) for lay in FLOW_LAYERS), default=1)


def flow_graph(record: Record, activities: Iterable[str]) -> FlowGraph:
    """controller -> activity -> data category -> recipient -> country for ``activities``; each node
    with the severities of its findings (a country also with its transfers: without a mechanism is a
    violation)."""
    keep = set(activities)
    layer_of, edges = _flow_edges(record, keep)
    severities: dict[str, list[Severity]] = defaultdict(list)
    for finding in record.validation.active:
        severities[finding.focus_node].append(finding.severity)
        if finding.value:
            severities[finding.value].append(finding.severity)
    for transfer in record.transfers:
        severities[transfer.country].append(Severity.VIOLATION if not transfer.mechanism else Severity.INFO)
    positions: dict[str, tuple[float, float]] = {}
    for column, layer in enumerate(FLOW_LAYERS):
        nodes = sorted((n for n, lay in layer_of.items() if lay == layer), key=record.label_of)
        for row, node in enumerate(nodes):
            positions[node] = (float(column), 1.0 - (row + 1) / (len(nodes) + 1))
    return FlowGraph(layer_of, edges, positions, severities)


def _flow_edges(record: Record, keep: set[str]) -> tuple[dict[str, str], set[tuple[str, str]]]:
    layer_of: dict[str, str] = {}
    edges: set[tuple[str, str]] = set()
    linked: dict[str, dict[str, set[str]]] = {
        kind: defaultdict(set) for kind in ("data", "recipient", "country")
    }
    for edge in record.edges:
        if edge.kind == "controller" and edge.target in keep:
            layer_of[edge.source], layer_of[edge.target] = "controller", "activity"
            edges.add((edge.source, edge.target))
        elif edge.kind in linked and (edge.kind == "country" or edge.source in keep):
            linked[edge.kind][edge.source].add(edge.target)
    for activity in keep:
        layer_of.setdefault(activity, "activity")
        categories, recipients = linked["data"][activity], linked["recipient"][activity]
        for category in categories:
            layer_of[category] = "data category"
            edges.add((activity, category))
            edges.update((category, recipient) for recipient in recipients)
        for recipient in recipients:
            layer_of[recipient] = "recipient"
            if not categories:
                edges.add((activity, recipient))
            for country in linked["country"][recipient]:
                layer_of[country] = "country"
                edges.add((recipient, country))
    return layer_of, edges


__all__ = [
    "ACTIVITY_FILTERS",
    "CONSOLE_PAGE_SIZES",
    "DEFAULT_PAGE_SIZE",
    "FINDINGS_CHOICES",
    "FLOW_LAYERS",
    "SEVERITY_NAMES",
    "FamilySection",
    "FlowGraph",
    "RecipientIndex",
    "ResultPage",
    "RuleFindings",
    "activity_options",
    "compliance_sections",
    "console_page",
    "contract_status",
    "family_counts",
    "filter_activities",
    "filter_findings",
    "finding_table",
    "flow_graph",
    "flows_per_country",
    "page_count",
    "page_slice",
    "recipient_rows",
    "saved_page",
    "transfer_rows",
]
