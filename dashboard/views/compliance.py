"""Compliance: every finding of the rules, grouped by rule and filterable; waivers shown apart."""

import pandas as pd
import streamlit as st

from common import SEVERITY_ICONS, page_setup

record = page_setup("Compliance")
result = record.validation
rules = result.rules

rows = record.finding_rows

with st.container(border=True):
    cols = st.columns(4)
    severities = cols[0].multiselect("Severity", ["violation", "warning", "info"], key="c_severity")
    rule_ids = cols[1].multiselect("Rule", sorted({r["rule"] for r in rows}), key="c_rule")
    articles = cols[2].multiselect(
        "Article", sorted({r["article"] for r in rows if r["article"]}), key="c_article"
    )
    activities = cols[3].multiselect(
        "Activity", sorted({a for r in rows for a in r["activities"]}), key="c_activity"
    )
shown = [
    r
    for r in rows
    if (not severities or r["severity"] in severities)
    and (not rule_ids or r["rule"] in rule_ids)
    and (not articles or r["article"] in articles)
    and (not activities or set(activities) & set(r["activities"]))
]
st.markdown(f"**{len(shown)} of {len(rows)} findings**")
grouped = st.toggle("Group by rule", value=True, key="c_grouped")
if grouped:
    order: dict[str, list[dict[str, object]]] = {}
    for r in shown:
        order.setdefault(str(r["rule"]), []).append(r)
    for rule_id, items in order.items():
        first = items[0]
        icon = SEVERITY_ICONS.get(str(first["severity"]), "")
        with st.expander(f"{icon} {rule_id} — {first['title']} ({len(items)})", expanded=len(order) <= 3):
            st.caption(f"{first['article']}")
            rule = rules.get(rule_id)
            if rule is not None:
                st.markdown(f"**How to fix:** {rule.message}")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Focus": f"{i['focus']} ({i['focus id']})",
                            "Activities": ", ".join(i["activities"]),  # type: ignore[arg-type]
                            "Value": i["value"],
                            "Message": i["how to fix"],
                        }
                        for i in items
                    ]
                ),
                hide_index=True,
                key=f"c_table_{rule_id}",
            )
else:
    frame = pd.DataFrame(
        [{**r, "activities": ", ".join(r["activities"])} for r in shown],  # type: ignore[arg-type]
        columns=[
            "severity",
            "rule",
            "title",
            "article",
            "focus",
            "activities",
            "value",
            "path",
            "how to fix",
        ],
    )
    st.dataframe(frame, hide_index=True, key="c_flat")

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
