"""Compliance: every finding of the rules, by family (the record, the notice, lawfulness), grouped by rule
and filterable; a notice's or controller's finding names the activities it affects; waivers shown apart."""

import pandas as pd
import streamlit as st

from common import SEVERITY_ICONS, page_setup
from ropa_kg.app.views import SEVERITY_NAMES, compliance_sections, filter_findings, finding_table

record = page_setup("Compliance")
result = record.validation
rules = result.rules

rows = record.finding_rows

with st.container(border=True):
    cols = st.columns(4)
    severities = cols[0].multiselect("Severity", list(SEVERITY_NAMES), key="c_severity")
    rule_ids = cols[1].multiselect("Rule", sorted({str(r["rule"]) for r in rows}), key="c_rule")
    articles = cols[2].multiselect(
        "Article", sorted({str(r["article"]) for r in rows if r["article"]}), key="c_article"
    )
    activities = cols[3].multiselect(
        "Activity",
        sorted({a for r in rows for a in r["activities"]}),
        key="c_activity",  # type: ignore[attr-defined]
    )
shown = filter_findings(rows, severities=severities, rules=rule_ids, articles=articles, activities=activities)
sections = compliance_sections(shown)
st.markdown(f"**{len(shown)} of {len(rows)} findings**")
st.caption(" · ".join(f"{s.label}: {s.total}" for s in sections))
grouped = st.toggle("Group by rule", value=True, key="c_grouped")
for section in sections:
    st.subheader(section.heading)
    if not section.rules:
        st.caption("No findings in this family.")
        continue
    if not grouped:
        frame = pd.DataFrame(
            [
                {
                    **r,
                    "activities": ", ".join(r["activities"]),  # type: ignore[arg-type]
                    "affects": ", ".join(r["affects"]),  # type: ignore[arg-type]
                }
                for g in section.rules
                for r in g.rows
            ],
            columns=[
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
            ],
        )
        st.dataframe(frame, hide_index=True, key=f"c_flat_{section.family}")
        continue
    for group in section.rules:
        icon = SEVERITY_ICONS.get(group.severity, "")
        label = f"{icon} {group.rule_id} — {group.title} ({len(group.rows)})"
        with st.expander(label, expanded=len(section.rules) <= 3):
            st.caption(group.article)
            rule = rules.get(group.rule_id)
            if rule is not None:
                st.markdown(f"**How to fix:** {rule.message}")
            if group.merged:
                for row in group.rows:
                    st.markdown(f"**{row['focus']}** affects: {', '.join(row['affects'])}")  # type: ignore[arg-type]
            st.dataframe(pd.DataFrame(finding_table(group)), hide_index=True, key=f"c_table_{group.rule_id}")

st.subheader(f"Waived findings ({len(result.waived)})")
if result.waived:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "rule": w.finding.rule_id,
                    "focus": record.label_of(w.finding.focus_node),
                    "value": record.label_of(w.finding.value) if w.finding.value else "",
                    "owner": w.waiver.owner,
                    "expires": w.waiver.expires.isoformat(),
                    "justification": w.waiver.justification,
                    "waiver": record.node_id(w.waiver.iri),
                }
                for w in result.waived
            ]
        ),
        hide_index=True,
        key="c_waived",
    )
else:
    st.caption(
        "No waivers in this record (a ropa:Waiver names a rule, a focus node, an owner and an expiry date)."
    )
if result.waiver_problems:
    st.subheader(f"Waiver problems ({len(result.waiver_problems)})")
    for problem in result.waiver_problems:
        st.error(f"{problem.rule_id}: {problem.message}")
