"""Activity detail: every Art. 30 field, the findings, and the policy sentence each fact came from."""

import html

import streamlit as st

from common import SEVERITY_ICONS, page_setup, t, t_count
from ropa_kg.app.i18n import ART30_KEYS
from ropa_kg.app.record import ART30_FIELDS, Fact
from ropa_kg.core.errors import RopaUsageError

QUOTE_STYLE = "margin:0 0 4px 0;border-left:3px solid #1f4e79;padding-left:8px"
VOCABULARY = ("https://w3id.org/dpv", "https://w3id.org/ropa-kg/ontology#")
#: how deep the facts of nested blank nodes are shown (they have no page of their own)
BLANK_DEPTH = 3
record = page_setup("activity.title")
ids = {ident: activity for activity, ident in record.activity_ids.items()}
if not ids:
    st.info(t("activity.none"))
    st.stop()
wanted = st.query_params.get("id", "")
found: str | None = None
if wanted:
    try:
        found = record.find_activity(wanted)
    except RopaUsageError as exc:
        st.warning(t("activity.choose_below", error=exc))
keys = list(ids)
index = keys.index(record.activity_ids[found]) if found else (None if wanted else 0)


def chosen() -> None:
    """The activity picked goes into the address before the page runs (no stale warning about ``id``)."""
    if st.session_state.get("detail_choice") is not None:
        st.query_params["id"] = st.session_state["detail_choice"]


choice = st.selectbox(
    t("activity.activity"),
    keys,
    index=index,
    format_func=lambda k: f"{record.label_of(ids[k])} ({k})",
    key="detail_choice",
    placeholder=t("activity.choose"),
    on_change=chosen,
)
if choice is None:
    st.stop()
if choice != wanted:
    st.query_params["id"] = choice
activity = ids[choice]

st.header(record.label_of(activity))
st.caption(f"{choice} · {t('activity.blank') if activity.startswith('_:') else activity}")


def render_sources(fact: Fact) -> None:
    if not fact.sources:
        st.caption(t("activity.no_source"))
    for source in fact.sources:
        if source.quote:
            line = t("activity.line", line=source.line) if source.line else ""
            where = " / ".join(x for x in (source.section, line) if x)
            st.markdown(
                f'<blockquote lang="fi" style="{QUOTE_STYLE}">{html.escape(source.quote)}<br>'
                f"<small>{t('activity.policy')} · {html.escape(where)}</small></blockquote>",
                unsafe_allow_html=True,
            )
        else:
            origin = source.comment or record.node_id(source.iri)
            st.markdown(t("activity.external", origin=origin, url=source.url or t("activity.not_given")))


def described(node: str) -> list[Fact]:
    """What the record says about ``node`` (not its labels and comments)."""
    return [f for f in record.facts(node) if not f.predicate.endswith(("#prefLabel", "#comment"))]


def render_blank(node: str, depth: int) -> None:
    """The facts of a nested blank node, indented (it has no page of its own), ``BLANK_DEPTH`` deep."""
    for sub in described(node) if depth <= BLANK_DEPTH else []:
        st.markdown(("  " * depth) + f"- *{record.label_of(sub.predicate)}*: {sub.value_label}")
        if sub.value.startswith("_:") and not sub.is_literal:
            render_blank(sub.value, depth + 1)


def render_fact(fact: Fact, *, depth: int = 0) -> None:
    value = fact.value_label if fact.is_literal else f"**{fact.value_label}** `{record.node_id(fact.value)}`"
    st.markdown(("  " * depth) + f"- {value}")
    render_sources(fact)
    # one level down: what the record says about its own nodes (retention, assessments, parties)
    if depth == 0 and not fact.is_literal and not fact.value.startswith(VOCABULARY):
        nested = described(fact.value)
        if nested:
            with st.expander(t("activity.says_about", label=fact.value_label)):
                for sub in nested:
                    st.markdown(f"*{record.label_of(sub.predicate)}*: {sub.value_label}")
                    render_sources(sub)
                    if sub.value.startswith("_:") and not sub.is_literal:
                        render_blank(sub.value, 1)


facts = record.facts(activity)
by_predicate: dict[str, list[Fact]] = {}
for fact in facts:
    by_predicate.setdefault(fact.predicate, []).append(fact)

findings = record.findings_by_activity.get(activity, [])
left, right = st.columns([3, 2])
with left:
    st.subheader(t("activity.fields"))
    for heading, predicates in ART30_FIELDS:
        values = [f for p in predicates for f in by_predicate.get(p, [])]
        with st.container(border=True):
            st.markdown(f"#### {t(ART30_KEYS[heading]) if heading in ART30_KEYS else heading}")
            if not values:
                st.markdown(t("activity.not_stated"))
            for fact in values:
                render_fact(fact)
    transfers = [t for t in record.transfers if t.activity == activity]
    with st.container(border=True):
        st.markdown(f"#### {t('field.transfers')}")
        if not transfers:
            st.markdown(t("activity.no_transfers"))
        for transfer in transfers:
            mechanism = (
                record.label_of(transfer.mechanism) if transfer.mechanism else t("activity.no_mechanism")
            )
            recipient, country = record.label_of(transfer.recipient), record.label_of(transfer.country)
            st.markdown(f"- {recipient} → **{country}**: {mechanism}")
            for fact in record.facts(transfer.recipient):
                if fact.predicate.endswith(("#hasCountry", "#hasLocation")):
                    render_sources(fact)
with right:
    st.subheader(t("activity.findings", count=len(findings)))
    if not findings:
        st.success(t("activity.no_findings"))
    for finding in findings:
        rule = record.validation.rules.get(finding.rule_id)
        severity = finding.severity.name.lower()
        with st.container(border=True):
            st.markdown(
                t(
                    "activity.finding_on",
                    icon=SEVERITY_ICONS.get(severity, ""),
                    rule=finding.rule_id,
                    severity=t(f"severity.{severity}"),
                    focus=record.name(finding.focus_node),
                )
            )
            if rule is not None:
                family = t(f"family_label.{finding.family.value}")
                st.caption(f"{rule.title} — {rule.article} — {family}")
            if finding.affects:
                others = len(finding.affects) - 1
                scope = t(f"scope.{rule.scope.value if rule else 'notice'}")
                st.caption(t_count("activity.affects", others, scope=scope, others=others))
            st.markdown(finding.message)
    other = [f for f in facts if not any(f.predicate in p for _, p in ART30_FIELDS)]
    other = [f for f in other if not f.predicate.endswith(("#prefLabel", "#type"))]
    if other:
        st.subheader(t("activity.other_facts"))
        for fact in other:
            st.markdown(f"*{record.label_of(fact.predicate)}*")
            render_fact(fact)
