"""Compliance: every finding of the rules, by family (the record, the notice, lawfulness), grouped by rule
and filterable; a notice's or controller's finding names the activities it affects; waivers shown apart."""

import pandas as pd
import streamlit as st

from common import SEVERITY_ICONS, page_setup, t, t_options
from ropa_kg.app.views import SEVERITY_NAMES, compliance_sections, filter_findings, finding_table

record = page_setup("compliance.title")
result = record.validation
rules = result.rules

rows = record.finding_rows
#: the columns of the table of findings when they are not grouped by rule
FLAT_COLUMNS = (
    "severity",
    "rule",
    "title",
    "article",
    "focus",
    "activities",
    "affects",
    "value",
    "path",
    "how to fix",
)

with st.container(border=True):
    cols = st.columns(4)
    severities = cols[0].multiselect(
        t("compliance.severity"),
        list(SEVERITY_NAMES),
        format_func=t_options("severity."),
        placeholder=t("common.choose_options"),
        key="c_severity",
    )
    rule_ids = cols[1].multiselect(
        t("compliance.rule"),
        sorted({str(r["rule"]) for r in rows}),
        placeholder=t("common.choose_options"),
        key="c_rule",
    )
    articles = cols[2].multiselect(
        t("compliance.article"),
        sorted({str(r["article"]) for r in rows if r["article"]}),
        placeholder=t("common.choose_options"),
        key="c_article",
    )
    activities = cols[3].multiselect(
        t("compliance.activity"),
        sorted({a for r in rows for a in r["activities"]}),
        placeholder=t("common.choose_options"),
        key="c_activity",  # type: ignore[attr-defined]
    )
shown = filter_findings(rows, severities=severities, rules=rule_ids, articles=articles, activities=activities)
sections = compliance_sections(shown, lang=record.language)
st.markdown(t("compliance.count", shown=len(shown), total=len(rows)))
st.caption(" · ".join(f"{s.label}: {s.total}" for s in sections))
grouped = st.toggle(t("compliance.group"), value=True, key="c_grouped")
for section in sections:
    st.subheader(section.heading)
    if not section.rules:
        st.caption(t("compliance.empty_family"))
        continue
    if not grouped:
        frame = pd.DataFrame(
            [
                {
                    **r,
                    "severity": t(f"severity.{r['severity']}"),
                    "activities": ", ".join(r["activities"]),  # type: ignore[arg-type]
                    "affects": ", ".join(r["affects"]),  # type: ignore[arg-type]
                }
                for g in section.rules
                for r in g.rows
            ],
            columns=list(FLAT_COLUMNS),
        ).rename(columns={c: t(f"compliance.column.{c}") for c in FLAT_COLUMNS})
        st.dataframe(frame, hide_index=True, key=f"c_flat_{section.family}")
        continue
    for group in section.rules:
        icon = SEVERITY_ICONS.get(group.severity, "")
        label = f"{icon} {group.rule_id} — {group.title} ({len(group.rows)})"
        with st.expander(label, expanded=len(section.rules) <= 3):
            st.caption(group.article)
            rule = rules.get(group.rule_id)
            if rule is not None:
                st.markdown(t("compliance.how_to_fix", message=rule.message))
            if group.merged:
                for row in group.rows:
                    affected = ", ".join(row["affects"])  # type: ignore[arg-type]
                    st.markdown(t("compliance.affects", focus=row["focus"], activities=affected))
            table = finding_table(group, lang=record.language)
            st.dataframe(pd.DataFrame(table), hide_index=True, key=f"c_table_{group.rule_id}")

st.subheader(t("compliance.waived", count=len(result.waived)))
if result.waived:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("compliance.column.rule"): w.finding.rule_id,
                    t("compliance.column.focus"): record.label_of(w.finding.focus_node),
                    t("compliance.column.value"): record.label_of(w.finding.value) if w.finding.value else "",
                    t("compliance.column.owner"): w.waiver.owner,
                    t("compliance.column.expires"): w.waiver.expires.isoformat(),
                    t("compliance.column.justification"): w.waiver.justification,
                    t("compliance.column.waiver"): record.node_id(w.waiver.iri),
                }
                for w in result.waived
            ]
        ),
        hide_index=True,
        key="c_waived",
    )
else:
    st.caption(t("compliance.no_waivers"))
if result.waiver_problems:
    st.subheader(t("compliance.waiver_problems", count=len(result.waiver_problems)))
    for problem in result.waiver_problems:
        st.error(f"{problem.rule_id}: {problem.message}")
