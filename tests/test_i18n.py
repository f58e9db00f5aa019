"""The dashboard in Finnish and English: the two message tables agree, the translated views show no
literal English, labels come from the record in the chosen language (falling back to the other, to any,
to DPV's English label, to the compact IRI), and each view renders in Finnish under AppTest."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ropa_kg.app.editor import ACTIVITY_FIELDS, PARTY_FIELDS
from ropa_kg.app.i18n import (
    ART30_KEYS,
    EN,
    FI,
    LANGUAGE_ENV,
    Translator,
    language,
    number,
    placeholders,
    tr,
    tr_count,
)
from ropa_kg.app.record import ART30_FIELDS, Record, load_record
from ropa_kg.app.views import compliance_sections, recipient_rows
from ropa_kg.core.findings import Family
from ropa_kg.core.resources import alumeco_dir, dashboard_dir

APP = str(dashboard_dir() / "app.py")
#: the views that render every text through the catalogue: all twelve
TRANSLATED = (
    *("overview", "activities", "activity", "recipients", "flows", "compliance", "console", "export"),
    *("edit", "parties", "importer", "history"),
)
#: the modules the views share, also free of literal text
SHARED = ("common.py", "editing.py")
ALU = "https://w3id.org/ropa-kg/data/alumeco#"


@pytest.fixture(autouse=True)
def _env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "ropa-cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path_factory.getbasetemp() / "dashboard-work"))
    monkeypatch.delenv("ROPA_DASHBOARD_PATHS", raising=False)
    monkeypatch.delenv(LANGUAGE_ENV, raising=False)


@pytest.fixture(scope="module")
def alumeco() -> Record:
    return load_record()


# --- the catalogue -----------------------------------------------------------------------------------


def test_both_tables_have_the_same_keys_and_placeholders() -> None:
    assert sorted(set(EN) ^ set(FI)) == []
    differ = {key: (EN[key], FI[key]) for key in EN if placeholders(EN[key]) != placeholders(FI[key])}
    assert differ == {}
    assert all(FI[key].strip() for key in FI)


def test_gdpr_vocabulary_in_finnish() -> None:
    assert tr("overview.title", "fi") == "Seloste käsittelytoimista"
    assert tr("field.controller", "fi") == "(a) Rekisterinpitäjä"
    assert tr("role.processor", "fi") == "henkilötietojen käsittelijä"
    assert tr("field.transfers", "fi") == "(e) Siirrot kolmansiin maihin"
    assert [tr(f"severity.{s}", "fi") for s in ("violation", "warning", "info")] == [
        "rikkomus",
        "varoitus",
        "tieto",
    ]
    assert [tr(f"nav.{v}", "fi") for v in ("flows", "compliance", "console", "export")] == [
        "Tietovirrat",
        "Vaatimustenmukaisuus",
        "Kyselykonsoli",
        "Vienti",
    ]


def test_editing_vocabulary_in_finnish() -> None:
    assert [tr(f"{view}.title", "fi") for view in ("edit", "parties", "importer", "history")] == [
        "Muokkaa käsittelytointa",
        "Osapuolet",
        "Tuo laskentataulukko",
        "Historia",
    ]
    assert tr("editing.field.processors", "fi") == "Henkilötietojen käsittelijät (28 art., 30 art. 1 d)"
    assert tr("editing.field.joint_controllers", "fi") == "Yhteisrekisterinpitäjät (26 art.)"
    assert tr("editing.field.mechanisms", "fi").startswith("Siirtomekanismi (")
    assert tr("edit.retention", "fi") == "Säilytysaika (30 art. 1 f; ISO 8601, esim. P5Y, P6M, P30D)"
    assert [tr(k, "fi") for k in ("editing.save", "edit.approve", "edit.new_activity")] == [
        "Tallenna",
        "Hyväksy seloste tänään",
        "Uusi käsittelytoimi",
    ]
    assert tr("editing.preview", "fi", count=1) == "Esikatsele muutosta (1 tiedostoa)"
    assert tr("edit.name", "fi", lang="fi") == "Nimi (fi)"


def test_lookup_fills_placeholders_and_picks_plurals() -> None:
    assert tr("activities.count", "en", shown=1, total=10) == "**1 of 10 activities**"
    assert Translator("fi")("activities.count", shown=1, total=10) == "**1 / 10 käsittelytointa**"
    assert tr_count("console.rows", 1, "en", count=1) == "**1 row**"
    assert tr_count("console.rows", 3, "fi", count=3) == "**3 riviä**"
    assert tr("overview.title", "sv") == "Record of processing activities"  # an unknown language: English
    with pytest.raises(KeyError):
        tr("no.such.key", "fi")
    with pytest.raises(KeyError):
        tr("activities.count", "en", shown=1)  # a placeholder left unfilled


def test_numbers_as_each_language_writes_them() -> None:
    assert tr("common.rows", "en", first=1, last=50, total=120) == "Rows 1-50 of 120"
    assert [number(7872.0), number(4.1, digits=2)] == ["7,872", "4.10"]
    assert [number(7872, "fi"), number(4.1, "fi", digits=2)] == ["7\u00a0872", "4,10"]


def test_language_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [language(x) for x in ("fi", "FI", "fi-FI", "en", "sv", "", None)] == [
        "fi",
        "fi",
        "fi",
        "en",
        "en",
        "en",
        "en",
    ]
    monkeypatch.setenv(LANGUAGE_ENV, "fi")
    assert language(None) == "fi" and language("en") == "en"


def test_english_texts_are_todays() -> None:
    """The English table holds what the views said before the catalogue (the tests of the views and of
    the browser read these), and every Art. 30 field and family has a key."""
    assert {heading: EN[key] for heading, key in ART30_KEYS.items()} == {h: h for h, _ in ART30_FIELDS}
    assert [EN[f"family.{f.value}"] for f in Family] == [f.title for f in Family]
    assert [EN[f"family_label.{f.value}"] for f in Family] == [f.label for f in Family]
    app = (dashboard_dir() / "app.py").read_text(encoding="utf-8")
    pages = re.findall(r'st\.Page\(\s*"views/(\w+)\.py",\s*title="([^"]+)"', app)
    assert len(pages) == 12
    assert {stem: EN[f"nav.{stem}"] for stem, _ in pages} == dict(pages)


def test_the_forms_field_labels_are_the_editors() -> None:
    """Every picker's label (heading and article) and help has a key, its English text the editor's own."""
    pickers = [spec for spec in (*ACTIVITY_FIELDS, *PARTY_FIELDS) if spec.kind in {"terms", "parties"}]
    labels = {
        f"editing.field.{s.key}": f"{s.heading} ({s.article})" if s.article else s.heading for s in pickers
    }
    assert {key: EN[key] for key in labels} == labels
    helps = {f"editing.help.{s.key}": s.help for s in pickers if s.help}
    assert {key: EN[key] for key in helps} == helps
    assert sorted(k for k in EN if k.startswith(("editing.field.", "editing.help."))) == sorted(
        [*labels, *helps]
    )
    assert [EN[key] for key in ("editing.save", "edit.name", "editing.preview")] == [
        "Save",
        "Name ({lang})",
        "Preview the change ({count} files)",
    ]


# --- no literal text in the translated views -----------------------------------------------------------

#: Streamlit calls whose first argument (or list of tabs) is shown text
SHOWN = frozenset(
    {
        *("title", "header", "subheader", "markdown", "caption", "metric", "write", "spinner"),
        *("info", "warning", "error", "success", "expander", "tabs"),
        *("button", "download_button", "selectbox", "multiselect", "radio", "toggle", "checkbox"),
        *("text_input", "text_area", "number_input", "file_uploader"),
    }
)
#: keywords whose value is shown text (widgets' help, plotly's titles and trace names)
SHOWN_KEYWORDS = frozenset({"label", "help", "placeholder", "title", "name", "yaxis_title", "xaxis_title"})
WORD = re.compile(r"[A-Za-z]{2,}")


def _words(text: str) -> list[str]:
    """The words of ``text`` outside HTML tags and URLs."""
    return WORD.findall(re.sub(r"\w+://\S+", "", re.sub(r"<[^>]*>", "", text)))


def _literal_words(node: ast.AST) -> list[str]:
    """The words written literally in the text ``node`` builds (not inside calls such as ``t(...)``, nor
    subscripts, nor HTML tags and URLs)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _words(node.value)
    if isinstance(node, ast.JoinedStr):
        written = "".join(v.value if isinstance(v, ast.Constant) else "\0" for v in node.values)
        inside = [w for v in node.values if isinstance(v, ast.FormattedValue) for w in _literal_words(v)]
        return _words(str(written)) + inside
    if isinstance(node, ast.FormattedValue):
        return _literal_words(node.value)
    if isinstance(node, ast.BinOp):
        return _literal_words(node.left) + _literal_words(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_words(node.body) + _literal_words(node.orelse)
    if isinstance(node, ast.List | ast.Tuple):
        return [w for item in node.elts for w in _literal_words(item)]
    return []


def untranslated(source: str) -> list[tuple[int, str]]:
    """(line, words) of every Streamlit element or plotly title in ``source`` given a literal text."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        shown = [kw.value for kw in node.keywords if kw.arg in SHOWN_KEYWORDS]
        if isinstance(node.func, ast.Attribute) and node.func.attr in SHOWN and node.args:
            shown.append(node.args[0])
        for text in shown:
            words = _literal_words(text)
            if words:
                found.append((node.lineno, " ".join(words)))
    return found


def test_the_check_finds_literal_text() -> None:
    source = "\n".join(
        [
            'st.header("Hello world")',
            'cols[0].metric(f"{n} rows", 1)',
            'st.title(t("x"))',
            'fig.update_layout(title="Flows")',
        ]
    )
    assert untranslated(source) == [(1, "Hello world"), (2, "rows"), (4, "Flows")]


@pytest.mark.parametrize("view", TRANSLATED)
def test_views_render_no_literal_text(view: str) -> None:
    source = (dashboard_dir() / "views" / f"{view}.py").read_text(encoding="utf-8")
    assert untranslated(source) == []
    (title,) = re.findall(r'page_setup\("([^"]+)"\)', source)
    assert title in EN, title  # the page's title is a key, shown in the session's language


@pytest.mark.parametrize("module", SHARED)
def test_shared_modules_render_no_literal_text(module: str) -> None:
    assert untranslated((dashboard_dir() / module).read_text(encoding="utf-8")) == []


# --- labels in the chosen language -----------------------------------------------------------------------


def test_labels_in_finnish_fall_back_to_english(alumeco: Record) -> None:
    finnish = alumeco.with_language("fi")
    assert finnish.language == "fi" and alumeco.language == "en"
    assert finnish.with_language("fi") is finnish and finnish.with_language("en") is alumeco
    assert alumeco.with_language("fi") is finnish  # made once, shared
    chat = f"{ALU}Chat"
    assert (alumeco.label_of(chat), finnish.label_of(chat)) == ("Website chat", "Chat-toiminto")
    assert alumeco.label_of(chat, lang="fi") == "Chat-toiminto"
    assert finnish.label_of(chat, lang="en") == "Website chat"
    assert finnish.name(chat) == "Chat-toiminto (alu:Chat)"
    # labelled in English only: the English label
    addendum = f"{ALU}MetaPageInsightsAddendum"
    assert finnish.label_of(addendum) == "Page Insights Controller Addendum"
    # DPV concepts: the project's Finnish labels (ontology/dpv-terms.ttl)
    assert finnish.label_of("https://w3id.org/dpv#Marketing") == "markkinointi"
    assert finnish.label_of("https://w3id.org/dpv/loc#DK") == "Tanska"
    # what does not depend on the language is shared, not recomputed
    assert finnish.edges is alumeco.edges and finnish.findings_by_activity is alumeco.findings_by_activity


def test_tables_in_finnish_english_unchanged(alumeco: Record) -> None:
    finnish = alumeco.with_language("fi")
    chat_fi = next(r for r in finnish.activity_rows if r["id"] == "alu:Chat")
    chat_en = next(r for r in alumeco.activity_rows if r["id"] == "alu:Chat")
    assert (chat_fi["activity"], chat_en["activity"]) == ("Chat-toiminto", "Website chat")
    assert (chat_fi["countries"], chat_en["countries"]) == (["Tanska"], ["Denmark"])
    assert chat_fi["findings"] == chat_en["findings"] > 0
    netop = next(r for r in recipient_rows(finnish) if r["Tunniste"] == "alu:Netop")
    assert netop["Maa"] == "Tanska" and "henkilötietojen käsittelijä" in netop["Rooli"]
    assert "ei kirjattu: 28 artiklan mukainen käsittelysopimus" in netop["Sopimus"]
    netop_en = next(r for r in recipient_rows(alumeco) if r["ID"] == "alu:Netop")
    assert netop_en["Country"] == "Denmark" and "no Art. 28 agreement recorded" in netop_en["Contract"]
    sections = compliance_sections(finnish.finding_rows, lang="fi")
    assert sections[0].heading.startswith(
        f"Seloste käsittelytoimista (30 artikla): {sections[0].total} havaintoa ("
    )
    assert compliance_sections(alumeco.finding_rows)[0].heading.startswith(
        f"The record (Art. 30): {sections[0].total} findings ("
    )


RECORD = """\
@prefix dpv: <https://w3id.org/dpv#> .
@prefix eu-gdpr: <https://w3id.org/dpv/legal/eu/gdpr#> .
@prefix ex: <https://example.org/kieli#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

ex:Both a dpv:Process ; skos:prefLabel "Palkanlaskenta"@fi, "Payroll"@en ;
    dpv:hasPurpose dpv:AcademicResearch, ex:Unlabelled ; dpv:hasLegalBasis eu-gdpr:A6-1-b .
ex:English a dpv:Process ; skos:prefLabel "Archive"@en .
ex:Finnish a dpv:Process ; rdfs:label "Arkisto"@fi .
ex:German a dpv:Process ; skos:prefLabel "Archiv"@de .
ex:Plain a dpv:Process ; skos:prefLabel "Plain name" ; rdfs:label "Tavallinen nimi"@fi .
"""


def test_the_fallback_chain(tmp_path: Path) -> None:
    path = tmp_path / "kieli.ttl"
    path.write_text(RECORD, encoding="utf-8")
    english = load_record([str(path)])
    finnish = english.with_language("fi")
    ex = "https://example.org/kieli#"
    names = {n: (english.label_of(ex + n), finnish.label_of(ex + n)) for n in ("Both", "English", "Finnish")}
    assert names == {
        "Both": ("Payroll", "Palkanlaskenta"),
        "English": ("Archive", "Archive"),  # the other language
        "Finnish": ("Arkisto", "Arkisto"),
    }
    assert finnish.label_of(ex + "German") == "Archiv"  # any language
    assert finnish.label_of(ex + "Plain") == "Tavallinen nimi"  # Finnish before untagged
    assert english.label_of(ex + "Plain") == "Plain name"
    # DPV's English label where the record and the ontology have no Finnish one
    assert finnish.label_of("https://w3id.org/dpv#AcademicResearch") == "Academic Research"
    assert finnish.label_of("https://w3id.org/dpv#AILiteracy") == "AI Literacy"  # not in the record
    # no label anywhere: the compact form (here the IRI itself: ex: is not one of the project's prefixes)
    assert finnish.label_of(ex + "Unlabelled") == english.label_of(ex + "Unlabelled") == ex + "Unlabelled"


# --- the views in Finnish -----------------------------------------------------------------------------------


def open_view(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "views/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown(at: AppTest) -> str:
    """The page's texts, and its buttons' labels."""
    parts = [str(m.value) for m in [*at.markdown, *at.caption, *at.subheader, *at.header]]
    return "\n".join(parts + [b.proto.label for b in [*at.button, *at.get("download_button")]])


def test_overview_in_finnish() -> None:
    at = open_view("views/overview.py", lang="fi")
    assert [t.value for t in at.title] == ["Seloste käsittelytoimista"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Käsittelytoimet"] == "10" and metrics["Kolmannet maat"] == "0"
    titles = {json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")}
    assert "Havainnot ryhmittäin" in titles
    switch = at.sidebar.radio(key="lang_choice")
    assert switch.label == "Kieli / Language" and switch.value == "fi"
    assert at.query_params["lang"] == "fi"  # the address keeps the language
    assert "10 käsittelytointa" in "\n".join(str(m.value) for m in at.sidebar.markdown)


def test_the_switch_changes_the_language() -> None:
    at = open_view("views/overview.py")
    assert [t.value for t in at.title] == [
        "Record of processing activities"
    ] and "lang" not in at.query_params
    at.sidebar.radio(key="lang_choice").set_value("fi").run()
    assert [t.value for t in at.title] == ["Seloste käsittelytoimista"]
    assert {m.label: m.value for m in at.metric}["Käsittelytoimet"] == "10"
    at.switch_page("views/compliance.py").run()  # the session keeps the language from view to view
    assert [t.value for t in at.title] == ["Vaatimustenmukaisuus"]


def test_the_environment_sets_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LANGUAGE_ENV, "fi")
    at = open_view("views/overview.py")
    assert [t.value for t in at.title] == ["Seloste käsittelytoimista"] and "lang" not in at.query_params
    at = open_view("views/overview.py", lang="en")
    assert [t.value for t in at.title] == ["Record of processing activities"]


def test_activity_in_finnish_and_english() -> None:
    at = open_view("views/activity.py", id="alu:Chat", lang="fi")
    assert [t.value for t in at.title] == ["Käsittelytoimen tiedot"]
    assert [h.value for h in at.header] == ["Chat-toiminto"]
    body = markdown(at)
    assert "#### (a) Rekisterinpitäjä" in body and "#### (e) Siirrot kolmansiin maihin" in body
    assert "Tiedot siirretään Netop Business Solutions A/S:lle." in body  # the policy's sentence as written
    assert "Tietosuojaseloste (suomeksi)" in body
    assert at.selectbox(key="detail_choice").label == "Käsittelytoimi"
    at = open_view("views/activity.py", id="alu:Chat", lang="en")
    assert [h.value for h in at.header] == ["Website chat"]


@pytest.mark.parametrize(
    ("page", "title", "shown"),
    [
        ("views/recipients.py", "Vastaanottajat ja siirrot", ("Siirrot kolmansiin maihin (0)",)),
        ("views/compliance.py", "Vaatimustenmukaisuus", ("Seloste käsittelytoimista (30 artikla): ",)),
        ("views/console.py", "Kyselykonsoli", ("Vain lukeva SPARQL 1.1", "Suorita tallennettu kysely")),
        ("views/export.py", "Vienti", ("Selosteen **Mukana tuleva Alumecon seloste**", "Lataa .csv")),
    ],
)
def test_view_in_finnish(page: str, title: str, shown: tuple[str, ...]) -> None:
    at = open_view(page, lang="fi")
    assert [t.value for t in at.title] == [title]
    body = markdown(at)
    assert [text for text in shown if text not in body] == [], body


def test_activities_in_finnish() -> None:
    at = open_view("views/activities.py", lang="fi")
    assert [t.value for t in at.title] == ["Käsittelytoimet"]
    assert "**10 / 10 käsittelytointa**" in markdown(at)
    (frame,) = [f.value for f in at.dataframe]
    assert list(frame.columns)[:3] == ["Käsittelytoimi", "Tunniste", "Käsittelyn tarkoitukset"]
    assert "Chat-toiminto" in set(frame["Käsittelytoimi"])
    assert "Tanska" in at.multiselect(key="filter_countries").options


def test_flows_in_finnish() -> None:
    at = open_view("views/flows.py", lang="fi")
    assert [t.value for t in at.title] == ["Tietovirrat"]
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["layout"]["xaxis"]["ticktext"][:2] == ["Rekisterinpitäjä", "Käsittelytoimi"]
    shown = {text for trace in spec["data"] for text in trace.get("text") or []}
    assert "Chat-toiminto" in shown and "Tanska" in shown


# --- the editing views in Finnish --------------------------------------------------------------------------

CHAT = f"{ALU}Chat"


def _copy(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = folder / "alumeco"
    if not target.exists():
        shutil.copytree(alumeco_dir(), target)
    monkeypatch.setenv("ROPA_DASHBOARD_PATHS", str(target))
    return target


@pytest.fixture(scope="module")
def shared_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the record the tests below read and never write (outside any git repository)."""
    return tmp_path_factory.mktemp("shared")


def widget(at: AppTest, kind: str, key: str):  # type: ignore[no-untyped-def]
    return next(w for w in getattr(at, kind) if w.key == key)


def test_edit_in_finnish_writes_finnish_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = _copy(tmp_path, monkeypatch)
    at = open_view("views/edit.py", lang="fi", id="alu:Chat")
    assert [t.value for t in at.title] == ["Muokkaa käsittelytointa"]
    name = widget(at, "text_input", f"f:{CHAT}:name")
    assert (name.label, name.value) == ("Nimi (fi)", "Chat-toiminto")
    assert widget(at, "multiselect", f"f:{CHAT}:purposes").label == "Käsittelyn tarkoitukset (30 art. 1 b)"
    assert widget(at, "text_input", f"f:{CHAT}:retention").label.startswith("Säilytysaika (30 art. 1 f;")
    headings = [s.value for s in at.subheader]
    assert any(h.startswith("Havainnot muokatessa (") for h in headings) and "Tallennus" in headings
    assert "ROPA-A30-RETENTION" in markdown(at)  # rule ids as the library gives them
    assert widget(at, "button", f"save:{CHAT}").proto.label == "Tallenna"
    name.input("Chat-palvelu").run()
    widget(at, "button", f"save:{CHAT}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["Tallennettu chat.ttl"]
    text = (record / "chat.ttl").read_text(encoding="utf-8")
    assert '"Chat-palvelu"@fi' in text and '"Chat-toiminto"@fi' not in text and '"Website chat"@en' in text


def test_switching_the_language_reopens_the_form(shared_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _copy(shared_copy, monkeypatch)
    at = open_view("views/edit.py", id="alu:Chat")
    assert widget(at, "text_input", f"f:{CHAT}:name").value == "Website chat"
    at.sidebar.radio(key="lang_choice").set_value("fi").run()
    assert not at.exception, [e.value for e in at.exception]
    name = widget(at, "text_input", f"f:{CHAT}:name")
    assert (name.label, name.value) == ("Nimi (fi)", "Chat-toiminto")
    assert [w.value for w in at.warning] == []  # not taken for another tab's change


@pytest.mark.parametrize(
    ("page", "title", "shown"),
    [
        ("views/parties.py", "Osapuolet", "Tallennus"),
        ("views/importer.py", "Tuo laskentataulukko", "Lue seloste takaisin laskentataulukosta"),
        ("views/history.py", "Historia", "ei ole git-repositorio"),
    ],
)
def test_authoring_view_in_finnish(
    page: str, title: str, shown: str, shared_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy(shared_copy, monkeypatch)
    at = open_view(page, lang="fi")
    assert [t.value for t in at.title] == [title]
    body = "\n".join([markdown(at), *(str(i.value) for i in at.info)])
    assert shown in body, body
