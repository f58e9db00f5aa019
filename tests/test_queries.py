"""The saved queries: headers, parsing, expected answers on the Alumeco record, both embedded engines,
parameters, output formats and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Store
from rdflib import Graph, URIRef

from query_cases import all_cases, case_id, expected_path, is_ordered, normalise, parse_csv
from ropa_kg.app.cli import main
from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.load.store import load_store
from ropa_kg.query.queries import (
    PARAMETER_TYPES,
    SavedQuery,
    catalogue,
    execute_oxigraph,
    execute_rdflib,
    parse_iri,
    parse_query_file,
    resolve,
    run_query,
)
from ropa_kg.sparql.guard import QueryForm, check_read_only
from ropa_kg.sparql.results import ResultTable, render

FIXTURES = Path(__file__).parent / "fixtures" / "queries"
MINI = FIXTURES / "mini.ttl"
CASES = all_cases()


# alumeco_store (pyoxigraph) comes from conftest: one parse for every test file of the session


@pytest.fixture(scope="module")
def alumeco_rdflib(alumeco_graph: Graph) -> Graph:
    """conftest's Alumeco graph with the ontology (parsed once for the session; read-only)."""
    return alumeco_graph


def _text(table: ResultTable) -> list[tuple[str, ...]]:
    return [tuple(r) for r in table.text_rows()]


# --- the catalogue ---------------------------------------------------------------------------------


def test_catalogue_has_the_queries_the_issue_asks_for() -> None:
    names = {q.name for q in catalogue()}
    assert len(names) >= 15
    assert {
        "art30-register",
        "activities-by-legal-basis",
        "legitimate-interest",
        "third-country-transfers",
        "processors-and-joint-controllers",
        "breach-impact-recipient",
        "breach-impact-data-category",
        "retention-per-activity",
        "activities-without-retention",
        "data-subjects-and-activities",
        "rights-per-activity",
        "tracking-technologies",
        "findings-per-activity",
    } <= names


@pytest.mark.parametrize("query", catalogue(), ids=lambda q: q.name)
def test_every_query_has_a_complete_header_and_parses(query: SavedQuery) -> None:
    assert query.title and query.description and query.article
    assert "GDPR" in query.article or "ePrivacy" in query.article
    for param in query.parameters:
        assert param.type in PARAMETER_TYPES
        assert f"?{param.name}" in query.text, f"parameter {param.name} is not a variable of the query"
        param.term(param.default)  # the default is a valid value
    # rdflib's full SPARQL 1.1 parser accepts it, and it is read-only
    checked = check_read_only(query.text, source=query.path, strict=True)
    assert checked.form in set(QueryForm)
    assert not checked.has_dataset_clause, "saved queries read the default graph; endpoints choose graphs"


# --- expected answers on the Alumeco record ---------------------------------------------------------


@pytest.mark.parametrize(("name", "params"), CASES, ids=[case_id(n, p) for n, p in CASES])
def test_expected_result_on_alumeco(name: str, params: dict[str, str], alumeco_store: Store) -> None:
    query = resolve(name)
    table = execute_oxigraph(query, alumeco_store, query.bindings(params))
    if query.name == "record-triples":
        triples = {tuple(t.n3() for t in row if t is not None) for row in table.rows}
        assert len(triples) == len(alumeco_store) > 3000
        return
    path = expected_path(name, params)
    assert path.is_file(), f"no expected result {path.name}"
    header, rows = parse_csv(path.read_text(encoding="utf-8"))
    got = render(table, "csv")
    got_header, got_rows = parse_csv(got)
    assert got_header == header
    ordered = is_ordered(query.text)
    assert normalise(got_rows, ordered=ordered) == normalise(rows, ordered=ordered)
    # and to the byte: rows in their ORDER BY order and list cells sorted, whatever the engine did
    assert got == path.read_text(encoding="utf-8")


def test_expected_files_all_belong_to_a_case() -> None:
    known = {expected_path(n, p).name for n, p in CASES}
    files = {p.name for p in (Path(__file__).parent / "expected").glob("*.csv")}
    assert files, "no expected CSV files"
    assert files <= known, f"stale expected files: {sorted(files - known)}"


def test_some_answers_checked_against_the_policy(alumeco_store: Store) -> None:
    """Spot checks written from the policy text itself (not from the query output)."""

    def rows(name: str, **params: str) -> list[tuple[str, ...]]:
        query = resolve(name)
        return _text(execute_oxigraph(query, alumeco_store, query.bindings(params)))

    # "Tiedot siirretään Googlelle" (website): to Google Ireland, in the EEA; no recipient of Alumeco's is
    # outside it. What goes on to the US is the platforms' own onward transfer (an external fact), with no
    # mechanism the record knows of.
    assert rows("third-country-transfers") == []
    onward = {(r[0], r[3], r[4], r[6]) for r in rows("onward-transfers")}
    assert onward == {
        ("alu:Website", "alu:GoogleLLC", "loc:US", "NO MECHANISM"),
        ("alu:SocialMediaYouTube", "alu:GoogleLLC", "loc:US", "NO MECHANISM"),
        ("alu:SocialMediaFacebook", "alu:MetaInc", "loc:US", "NO MECHANISM"),
        ("alu:SocialMediaInstagram", "alu:MetaInc", "loc:US", "NO MECHANISM"),
        ("alu:SocialMediaLinkedIn", "alu:LinkedInCorporation", "loc:US", "NO MECHANISM"),
    }
    # Only the customers' section states a period: five years after the last interaction.
    retention = {r[0]: r[1] for r in rows("retention-per-activity")}
    assert retention["alu:CustomerRelations"] == "P5Y"
    assert "alu:CustomerRelations" not in {r[0] for r in rows("activities-without-retention")}
    # The chat stores name, telephone number and e-mail address and sends them to Netop.
    (netop,) = rows("breach-impact-recipient")
    assert netop[1] == "alu:Chat"
    assert set(netop[4].split(" | ")) == {"Name", "TelephoneNumber", "EmailAddress"}
    # Rights listed in the policy: to check what was collected (line 156: narrower than Art. 15's access),
    # rectification, erasure, restriction, objection, withdrawal.
    rights = {r[1] for r in rows("rights-per-activity") if r[0] == "alu:Chat"}
    assert rights == {"ropa:RightToCheckCollectedData"} | {
        f"eu-gdpr:{a}" for a in ("A16", "A17", "A18", "A21", "A7-3")
    }
    # No activity sends e-mail addresses outside the EEA (Netop is Danish), nor browsing data (Google IE).
    assert rows("data-category-outside-eea") == []
    assert rows("data-category-outside-eea", category="pd:BrowsingBehaviour") == []


# --- both embedded engines agree --------------------------------------------------------------------


#: make check compares the engines on these (the register and queries with property paths and EXISTS);
#: make test on every case
ENGINE_EVERYDAY = (
    "art30-register",
    "activities-by-legal-basis",
    "third-country-transfers",
    "security-measures",
)


@pytest.mark.parametrize(
    ("name", "params"),
    [c if c[0] in ENGINE_EVERYDAY else pytest.param(*c, marks=pytest.mark.slow) for c in CASES],
    ids=[case_id(n, p) for n, p in CASES],
)
def test_oxigraph_and_rdflib_give_the_same_rows(
    name: str, params: dict[str, str], alumeco_store: Store, alumeco_rdflib: Graph
) -> None:
    query = resolve(name)
    bindings = query.bindings(params)
    ox_table = execute_oxigraph(query, alumeco_store, bindings)
    rdf_table = execute_rdflib(query, alumeco_rdflib, bindings)
    assert ox_table.columns == rdf_table.columns
    ordered = is_ordered(query.text)
    # blank node labels are the engine's own: compare them as "some blank node"
    ox_rows = normalise(_anonymous(ox_table.text_rows(compact=False)), ordered=ordered)
    rdf_rows = normalise(_anonymous(rdf_table.text_rows(compact=False)), ordered=ordered)
    assert ox_rows == rdf_rows
    assert len(ox_rows) == len(ox_table.rows)


def _anonymous(rows: list[list[str]]) -> list[list[str]]:
    return [["_:b" if cell.startswith("_:") else cell for cell in row] for row in rows]


# --- cases the Alumeco record lacks (tests/fixtures/queries/mini.ttl) -------------------------------


# rdflib's engine (4 s on these queries) in make test; it is compared with oxigraph on every case above
@pytest.mark.parametrize("engine", ["oxigraph", pytest.param("rdflib", marks=pytest.mark.slow)])
def test_mini_record_mechanisms_art9_dpo_and_consent(engine: str) -> None:
    def rows(name: str) -> list[tuple[str, ...]]:
        return _text(run_query(resolve(name), data=[MINI], engine=engine))  # type: ignore[arg-type]

    ex = "https://example.org/mini#"
    assert {(r[0], r[3], r[4]) for r in rows("third-country-transfers")} == {
        (f"{ex}Newsletter", "eu-gdpr:A46-2-c", "mechanism stated"),  # on the recipient
        (f"{ex}Analytics", "eu-gdpr:A49-1-a", "mechanism stated"),  # on the activity
    }
    assert rows("any-transfer-without-mechanism") == [("false",)]
    register = {r[0]: r for r in rows("art30-register")}
    assert register[f"{ex}Payroll"][13] == "Art 9(2-b) employment, social security, social protection law"
    assert register[f"{ex}Payroll"][8] == "none (stated)"
    assert register[f"{ex}Newsletter"][4] == "Dana Protector <dpo@acme.example>"
    assert register[f"{ex}Newsletter"][10] == "P2Y from unsubscription"
    assert rows("legitimate-interest") == [
        (f"{ex}Analytics", "Knowing which products visitors look at", "no", "", "")
    ]
    consent = {r[0]: r for r in rows("consent-and-withdrawal")}
    # no notice covers it (column 1 empty): the activity's own statements count
    assert consent[f"{ex}Newsletter"][1:] == ("", "true", "true", "Unsubscribe link in every e-mail")
    assert [(r[0], r[4]) for r in rows("processors-and-joint-controllers")] == [
        (f"{ex}MailCo", f"{ex}MailCoDpa")
    ]


# --- the CLI --------------------------------------------------------------------------------------------


def test_queries_lists_every_saved_query() -> None:
    result = CliRunner().invoke(main, ["queries", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [e["name"] for e in listed] == [q.name for q in catalogue()]
    breach = next(e for e in listed if e["name"] == "breach-impact-recipient")
    assert breach["parameters"] == [
        {
            "name": "recipient",
            "type": "iri",
            "default": "alu:Netop",
            "description": breach["parameters"][0]["description"],
        }
    ]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_query_formats(fmt: str) -> None:
    result = CliRunner().invoke(
        main, ["query", "breach-impact-recipient", "--param", "recipient=alu:Google", "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.output)
        assert data["head"]["vars"][:2] == ["recipient", "activity"]
        activities = {b["activity"]["value"] for b in data["results"]["bindings"]}
        assert activities == {
            "https://w3id.org/ropa-kg/data/alumeco#" + a
            for a in ("Website", "SocialMediaYouTube", "VisitorIdentification")
        }
    elif fmt == "markdown":
        assert result.output.startswith("| recipient | activity |")
        assert "alu:Website" in result.output
    else:
        assert "alu:VisitorIdentification" in result.output


def test_query_file_and_ask_json(tmp_path: Path) -> None:
    path = tmp_path / "mine.rq"
    path.write_text("PREFIX dpv: <https://w3id.org/dpv#>\nASK { ?a a dpv:Process }\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["query", str(path), "--format", "json", "--engine", "rdflib"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SPARQL Update (INSERT)"),
        ("DELETE WHERE { ?s ?p ?o }", "SPARQL Update (DELETE)"),
        ("LOAD <http://127.0.0.1:9/evil.ttl>", "SPARQL Update (LOAD)"),
        ("CLEAR ALL", "SPARQL Update (CLEAR)"),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE is not allowed"),
        (
            "SELECT * WHERE { ?s ?p ?o OPTIONAL { service silent <http://127.0.0.1:9/> { ?s ?q ?r } } }",
            "SERVICE",
        ),
    ],
)
@pytest.mark.parametrize("where", ["embedded", "endpoint"])
def test_updates_load_and_service_are_refused(tmp_path: Path, text: str, expected: str, where: str) -> None:
    path = tmp_path / "bad.rq"
    path.write_text(text + "\n", encoding="utf-8")
    # port 9 (discard) on loopback: if anything were sent, the test would see a connection error instead
    extra = ["--endpoint", "http://127.0.0.1:9/query"] if where == "endpoint" else []
    result = CliRunner().invoke(main, ["query", str(path), *extra])
    assert result.exit_code == 2
    assert "refused" in result.output and expected in result.output, result.output
    assert str(path) in result.output


def test_words_inside_strings_iris_and_names_are_not_keywords() -> None:
    text = (
        'PREFIX ex: <http://example.org/load#> SELECT ?load ?service WHERE { ?load ex:SERVICE "LOAD DROP" . '
        "?service ex:insert '''DELETE\nWHERE''' } # CLEAR ALL"
    )
    assert check_read_only(text).form is QueryForm.SELECT


def test_syntax_error_in_a_query_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.rq"
    path.write_text("PREFIX dpv: <https://w3id.org/dpv#>\nSELECT * WHERE {\n  ?s ?p \n}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["query", str(path)])
    assert result.exit_code == 2
    assert f"{path}, line 3" in result.output and "not a valid SPARQL 1.1 query" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "nope=1"], "has no parameter 'nope'"),
        (["--param", "recipient"], "expected NAME=VALUE"),
        (["--param", "recipient=unknownprefix:X"], "unknown prefix 'unknownprefix:'"),
        (["--param", "recipient=http://x/> } ; DROP ALL #"], "is not an IRI"),
        (["--param", "recipient=alu:Netop", "--param", "recipient=alu:Meta"], "given twice"),
        (["--graph", "urn:x"], "need --endpoint"),
    ],
)
def test_bad_parameters_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["query", "breach-impact-recipient", *args])
    assert result.exit_code == 2
    assert message in result.output, result.output


def test_unknown_query_name_lists_the_saved_ones() -> None:
    result = CliRunner().invoke(main, ["query", "no-such-query"])
    assert result.exit_code == 2
    assert "art30-register" in result.output


def test_broken_data_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix dpv: <https://w3id.org/dpv#> .\n\n<urn:a> a dpv:Process ;\n  dpv:hasPurpose .\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["query", "art30-register", "--data", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}, line 4: syntax error" in result.output, result.output
    with pytest.raises(RopaInputError, match="empty"):
        (tmp_path / "empty.ttl").write_text("  \n", encoding="utf-8")
        load_store([tmp_path / "empty.ttl"])


# --- headers and parameters ---------------------------------------------------------------------------


def _write(tmp_path: Path, header: str) -> Path:
    path = tmp_path / "q.rq"
    path.write_text(header + "SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    return path


def test_header_parsing_errors_name_the_line(tmp_path: Path) -> None:
    with pytest.raises(RopaInputError, match="lacks: article") as missing:
        parse_query_file(_write(tmp_path, "# title: T\n# description: D\n# parameters: none\n"))
    assert missing.value.line == 1
    with pytest.raises(RopaInputError, match="bad parameter line") as bad:
        parse_query_file(
            _write(tmp_path, "# title: T\n# description: D\n# parameters:\n#   recipient iri\n# article: A\n")
        )
    assert bad.value.line == 4
    with pytest.raises(RopaInputError, match="unknown type 'colour'"):
        parse_query_file(
            _write(
                tmp_path, "# title: T\n# description: D\n# parameters:\n#   ?c colour = red\n# article: A\n"
            )
        )
    with pytest.raises(RopaInputError, match="unknown query header field 'author'") as unknown:
        parse_query_file(_write(tmp_path, "# title: T\n# author: me\n"))
    assert unknown.value.line == 2


def test_header_with_continuations_and_parameters(tmp_path: Path) -> None:
    query = parse_query_file(
        _write(
            tmp_path,
            "# title: T\n# description: first line\n#   second line\n# parameters:\n"
            '#   ?n integer = 3 -- how many\n#   ?s string = "a b" -- text\n# article: GDPR Art. 30\n',
        )
    )
    assert query.description == "first line second line"
    assert [(p.name, p.type, p.default, p.doc) for p in query.parameters] == [
        ("n", "integer", "3", "how many"),
        ("s", "string", '"a b"', "text"),
    ]
    assert str(query.bindings({"n": "7"})["n"]) == "7"
    assert str(query.bindings()["s"]) == "a b"
    with pytest.raises(RopaUsageError, match="not a valid integer"):
        query.bindings({"n": "seven"})


def test_iri_values() -> None:
    assert parse_iri("alu:Netop") == URIRef("https://w3id.org/ropa-kg/data/alumeco#Netop")
    assert parse_iri("<urn:ropa-kg:record>") == URIRef("urn:ropa-kg:record")
    assert parse_iri("https://example.org/x") == URIRef("https://example.org/x")
    for bad in ("Netop", "alu:Ne top", "http://x/>", 'http://x/"'):
        with pytest.raises(RopaUsageError):
            parse_iri(bad)
