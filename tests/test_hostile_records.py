"""Broken and hostile record files through every door that accepts them: ``ropa validate``, ``ropa stats``,
``ropa query`` (pyoxigraph and rdflib) and the dashboard's loader. Each gets one clear message naming the
file, the line and the cause, exit 2, and no request leaves the machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from hostile_support import CLI_DOORS, HOSTILE, Recorder, door_args, hostile_copy, recording_server, run_cli
from query_cases import normalise, parse_csv
from ropa_kg.app.record import load_record
from ropa_kg.core.errors import RopaInputError
from ropa_kg.load.graph import load_graph, parse_into
from ropa_kg.load.safe_input import DEFAULT_MAX_FILE_BYTES, NetworkBlocked, no_network
from ropa_kg.load.store import load_store
from ropa_kg.rules.validation import validate

EX = "https://example.org/record#"


def query_doors_slow(doors: tuple[str, ...]) -> list[object]:
    """``doors`` with the two ``ropa query`` doors marked slow: each starts a worker process (the oxigraph
    one builds an on-disk store first), about a second a test. ``make check`` still sends hostile files
    through them in the tests of the good record, non-UTF-8 bytes, too many entities, namespace entities
    and owl:imports."""
    return [pytest.param(d, marks=pytest.mark.slow) if d.startswith("query") else d for d in doors]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    yield from recording_server()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROPA_MAX_FILE_BYTES", raising=False)


def assert_refused(door: str, path: Path, *needles: str, line: int | None = None) -> None:
    """``door`` exits 2 with one line on stderr naming the file (and line) and containing ``needles``."""
    result = run_cli(*door_args(door, path))
    assert result.exit_code == 2, (door, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    where = f"{path}, line {line}: " if line is not None else f"{path}: "
    assert lines[0].startswith(f"error: {where}"), (door, lines[0])
    for needle in needles:
        assert needle in lines[0], (door, needle, lines[0])
    assert result.stdout == ""


def assert_dashboard_refuses(path: Path, *needles: str, line: int | None = None) -> None:
    with pytest.raises(RopaInputError) as caught:
        load_record([str(path)])
    assert Path(str(caught.value.path)) == path
    assert caught.value.line == line
    for needle in needles:
        assert needle in str(caught.value)


# --- broken records -------------------------------------------------------------------------------

BROKEN = [
    # file, line, words of the cause that every door must give (both parsers word syntax errors
    # differently; the line is the one where the parser notices: the next statement's start)
    ("malformed.ttl", 46, ("syntax error",)),
    ("undefined-prefix.ttl", 35, ("syntax error", "acme:")),
    ("empty.ttl", None, ("the file is empty",)),
    ("binary.ttl", 3, ("not a text file", "NUL byte at byte offset 8")),
]


@pytest.mark.parametrize("door", query_doors_slow(CLI_DOORS))
@pytest.mark.parametrize(("name", "line", "needles"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_records_are_refused_with_file_line_and_cause(
    door: str, name: str, line: int | None, needles: tuple[str, ...]
) -> None:
    assert_refused(door, HOSTILE / name, *needles, line=line)


@pytest.mark.parametrize(("name", "line", "needles"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_records_through_the_dashboard_loader(
    name: str, line: int | None, needles: tuple[str, ...]
) -> None:
    assert_dashboard_refuses(HOSTILE / name, *needles, line=line)


def test_not_utf8_names_offset_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.ttl"
    path.write_bytes(b'<urn:a> <urn:b> "ok" .\n<urn:a> <urn:b> "k\xe4ytt\xe4j\xe4" .\n')
    for door in CLI_DOORS:
        assert_refused(door, path, "not UTF-8", "byte 0xe4 at byte offset 41", line=2)


def test_the_good_record_passes_every_door() -> None:
    good = HOSTILE / "record-ok.ttl"
    assert run_cli("validate", str(good)).exit_code == 0
    assert run_cli("stats", str(good)).exit_code == 0
    result = run_cli("query", "controller-and-dpo", "--data", str(good), "--format", "csv")
    assert result.exit_code == 0 and f"{EX}Controller" in result.stdout.replace("ex:", EX)


def test_wrong_datatype_is_a_finding_not_an_input_error() -> None:
    path = HOSTILE / "wrong-datatype.ttl"
    found = {(f.rule_id, f.focus_node) for f in validate(path).active}
    assert ("ROPA-RETENTION-FORMAT", f"{EX}Activity") in found
    # a warning (Art. 30(1)(f) says "where possible"): reported, and failing the build at --fail-on warning
    result = run_cli("validate", str(path))
    assert result.exit_code == 0 and "ROPA-RETENTION-FORMAT" in result.stdout
    assert run_cli("validate", str(path), "--fail-on", "warning").exit_code == 1
    # the other doors read it: it is valid RDF
    assert run_cli("stats", str(path)).exit_code == 0
    assert run_cli(*door_args("query", path)).exit_code == 0


def test_dangling_reference_is_a_finding_on_the_missing_node() -> None:
    path = HOSTILE / "dangling.ttl"
    on_ghost = {f.rule_id for f in validate(path).active if f.focus_node == f"{EX}Ghost"}
    # a processor nothing is said about: no country (transfers cannot be judged), no Art. 28 contract
    assert {"ROPA-RECIPIENT-COUNTRY", "ROPA-A28-CONTRACT"} <= on_ghost
    # both are warnings (an unrecorded contract is absence of evidence): they fail at --fail-on warning
    assert run_cli("validate", str(path)).exit_code == 0
    assert run_cli("validate", str(path), "--fail-on", "warning").exit_code == 1


def test_unknown_dpv_term_is_reported_when_the_rule_exists() -> None:
    from ropa_kg.rules.shapes import load_shapes, rule_catalogue

    rules = rule_catalogue(load_shapes(None))
    if "ROPA-DPV-TERM" not in rules:
        pytest.skip("no rule reports unknown DPV terms yet (ROPA-DPV-TERM is proposed to the rules helper)")
    found = {(f.rule_id, f.focus_node) for f in validate(HOSTILE / "unknown-term.ttl").active}
    assert ("ROPA-DPV-TERM", f"{EX}Activity") in found


# --- size -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("door", query_doors_slow(CLI_DOORS))
def test_a_200_mb_file_is_refused_before_it_is_read(door: str, tmp_path: Path) -> None:
    big = tmp_path / "huge.ttl"
    with big.open("wb") as handle:
        handle.truncate(200 * 1000 * 1000)  # sparse: nothing is written to disk
    assert big.stat().st_size > DEFAULT_MAX_FILE_BYTES
    assert_refused(
        door, big, "refused: the file is 200,000,000 bytes", "larger than the limit", "ROPA_MAX_FILE_BYTES"
    )


def test_a_200_mb_file_through_the_dashboard_loader(tmp_path: Path) -> None:
    big = tmp_path / "huge.nt"
    with big.open("wb") as handle:
        handle.truncate(200 * 1000 * 1000)
    assert_dashboard_refuses(big, "larger than the limit")


def test_the_size_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a valid record of 300 KB (the ontology's files are smaller than 100 KB)
    padded = tmp_path / "padded.ttl"
    padded.write_text(
        (HOSTILE / "record-ok.ttl").read_text(encoding="utf-8") + ("# padding\n" * 30_000), encoding="utf-8"
    )
    monkeypatch.setenv("ROPA_MAX_FILE_BYTES", "200K")
    assert_refused(
        "stats",
        padded,
        f"the file is {padded.stat().st_size:,} bytes",
        "larger than the limit of 204,800 bytes",
    )
    monkeypatch.setenv("ROPA_MAX_FILE_BYTES", "1M")
    assert run_cli("stats", str(padded)).exit_code == 0
    with pytest.raises(RopaInputError, match="larger than the limit of 100 bytes"):
        load_store([padded], with_ontology=False, max_bytes=100)
    with pytest.raises(RopaInputError, match="larger than the limit of 100 bytes"):
        parse_into(Graph(), padded, max_bytes=100)
    monkeypatch.setenv("ROPA_MAX_FILE_BYTES", "lots")
    result = run_cli("stats", str(padded))
    assert result.exit_code == 2 and "ROPA_MAX_FILE_BYTES='lots' is not a size" in result.stderr


# --- RDF/XML entities -------------------------------------------------------------------------------

DOORS = (*CLI_DOORS, "dashboard")


def check_door(door: str, path: Path, *needles: str, line: int | None = None) -> None:
    if door == "dashboard":
        assert_dashboard_refuses(path, *needles, line=line)
    else:
        assert_refused(door, path, *needles, line=line)


@pytest.mark.parametrize("door", query_doors_slow(DOORS))
def test_billion_laughs_is_refused(door: str, tmp_path: Path) -> None:
    check_door(door, HOSTILE / "billion-laughs.rdf", "nested entity expansion", "billion laughs", line=5)


@pytest.mark.parametrize("door", query_doors_slow(DOORS))
@pytest.mark.parametrize(
    ("name", "line", "needle"),
    [
        ("external-entity.rdf", 4, "an external entity (SYSTEM/PUBLIC); nothing is fetched"),
        ("external-dtd.rdf", 3, "an external DTD (SYSTEM/PUBLIC); nothing is fetched"),
        ("parameter-entity.rdf", 4, "a parameter entity"),
    ],
)
def test_external_entities_are_refused_and_nothing_is_fetched(
    door: str, name: str, line: int, needle: str, recorder: Recorder, tmp_path: Path
) -> None:
    path = hostile_copy(name, tmp_path, recorder.url)
    check_door(door, path, needle, line=line)
    assert recorder.requests == []


@pytest.mark.parametrize("door", query_doors_slow(("stats", "query")))
def test_local_file_entity_is_refused(door: str) -> None:
    result = run_cli(*door_args(door, HOSTILE / "external-file-entity.rdf"))
    assert result.exit_code == 2 and "external entity" in result.stderr
    assert "root:" not in result.output


@pytest.mark.parametrize("door", query_doors_slow(("stats", "query")))
def test_quadratic_blowup_is_refused(door: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # one long entity used many times: no nesting, but 2,000 x 1,000 characters once expanded
    monkeypatch.setenv("ROPA_MAX_FILE_BYTES", "1M")
    value = "x" * 2000
    path = tmp_path / "blowup.rdf"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY big "{value}">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">\n'
        + "".join(
            f'<rdf:Description rdf:about="https://example.org/n{i}"><ex:p>&big;</ex:p></rdf:Description>\n'
            for i in range(1000)
        )
        + "</rdf:RDF>\n",
        encoding="utf-8",
    )
    assert path.stat().st_size < 1024 * 1024
    result = run_cli(*door_args(door, path))
    assert result.exit_code == 2 and "entity expansion would make the document larger" in result.stderr


def test_too_many_entities_are_refused(tmp_path: Path) -> None:
    decls = "".join(f'<!ENTITY e{i} "https://example.org/{i}#">' for i in range(65))
    path = tmp_path / "many.rdf"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [{decls}]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n',
        encoding="utf-8",
    )
    assert_refused("query", path, "more than 64 entity declarations", line=2)


@pytest.mark.parametrize("door", ("stats", "query", "query-rdflib"))
def test_namespace_abbreviation_entities_are_accepted(door: str) -> None:
    path = HOSTILE / "namespace-entities.rdf"
    result = run_cli(*door_args(door, path))
    assert result.exit_code == 0, result.output
    graph = load_graph([path], with_ontology=False)
    assert (None, None, None) in graph and len(graph) == 2
    assert {str(o) for o in graph.objects()} == {
        "https://w3id.org/dpv#Process",
        "https://w3id.org/dpv#CustomerManagement",
    }


# --- JSON-LD contexts -------------------------------------------------------------------------------


@pytest.mark.parametrize("door", query_doors_slow(DOORS))
@pytest.mark.parametrize(
    ("name", "line", "key"),
    [
        ("remote-context.jsonld", 2, "@context"),
        ("remote-import.jsonld", 2, "@import"),
        ("nested-remote-context.jsonld", 5, "@context"),
    ],
)
def test_remote_json_ld_contexts_are_refused_and_nothing_is_fetched(
    door: str, name: str, line: int, key: str, recorder: Recorder, tmp_path: Path
) -> None:
    path = hostile_copy(name, tmp_path, recorder.url)
    check_door(door, path, f"refused: {key} '{recorder.url}/context.jsonld'", "nothing is fetched", line=line)
    assert recorder.requests == []


def test_local_file_context_is_refused() -> None:
    assert_refused("stats", HOSTILE / "local-file-context.jsonld", "'file:///etc/passwd'", line=2)


def test_rdflib_would_fetch_a_remote_context_without_the_guards(recorder: Recorder, tmp_path: Path) -> None:
    """The control: proves the recording server works and that the pre-parse check is needed."""
    text = hostile_copy("remote-context.jsonld", tmp_path, recorder.url).read_text(encoding="utf-8")
    Graph().parse(data=text, format="json-ld")
    assert recorder.requests == ["GET /context.jsonld"]


def test_no_network_stops_a_parser_that_tries_to_fetch(recorder: Recorder, tmp_path: Path) -> None:
    """The second line of defence, on its own: the same parse inside no_network() sends nothing."""
    text = hostile_copy("remote-context.jsonld", tmp_path, recorder.url).read_text(encoding="utf-8")
    with pytest.raises(Exception) as caught, no_network() as attempts:
        Graph().parse(data=text, format="json-ld")
    assert attempts and "127.0.0.1" in attempts[0]
    assert isinstance(caught.value, NetworkBlocked) or "127.0.0.1" in str(caught.value)
    assert recorder.requests == []


# --- Turtle that names remote resources ----------------------------------------------------------------


@pytest.mark.parametrize(
    "door", [pytest.param(d, marks=pytest.mark.slow) if d == "query-rdflib" else d for d in DOORS]
)
def test_owl_imports_and_remote_iris_are_not_fetched(door: str, recorder: Recorder, tmp_path: Path) -> None:
    path = hostile_copy("imports.ttl", tmp_path, recorder.url)
    if door == "dashboard":
        record = load_record([str(path)])
        assert f"{recorder.url}/activity" in record.activities
    else:
        result = run_cli(*door_args(door, path))
        assert result.exit_code in {0, 1}, result.output  # validate: the tiny record has findings
    assert recorder.requests == []


# --- formats ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alumeco_formats(tmp_path_factory: pytest.TempPathFactory, alumeco_record_graph: Graph) -> dict[str, Path]:
    from ropa_kg.core.namespaces import PREFIXES

    graph = alumeco_record_graph
    folder = tmp_path_factory.mktemp("formats")
    out = {}
    for ext, fmt in {".nt": "nt", ".rdf": "xml", ".jsonld": "json-ld", ".ttl": "turtle"}.items():
        path = folder / f"alumeco{ext}"
        if fmt == "json-ld":
            context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
            graph.serialize(destination=str(path), format=fmt, context=context)
        else:
            graph.serialize(destination=str(path), format=fmt, encoding="utf-8")
        out[ext] = path
    return out


# make test only: the same doors, 5-8 s per format (make check sends Turtle through them in
# test_the_good_record_passes_every_door)
@pytest.mark.parametrize(
    "ext",
    [pytest.param(e, marks=pytest.mark.slow) for e in (".nt", ".rdf", ".jsonld")],
)
def test_every_format_goes_through_every_door(ext: str, alumeco_formats: dict[str, Path]) -> None:
    path, turtle = alumeco_formats[ext], alumeco_formats[".ttl"]
    expected = run_cli("query", "art30-register", "--data", str(turtle), "--format", "csv")
    assert expected.exit_code == 0 and expected.stdout.count("\n") == 11  # header + ten activities
    for engine in ("oxigraph", "rdflib"):
        got = run_cli("query", "art30-register", "--data", str(path), "--format", "csv", "--engine", engine)
        assert got.exit_code == 0, got.output
        header, rows = parse_csv(got.stdout)
        want_header, want = parse_csv(expected.stdout)
        assert header == want_header and normalise(rows, ordered=False) == normalise(want, ordered=False)
    stats = run_cli("stats", str(path), "--format", "json")
    assert stats.exit_code == 0 and stats.stdout == run_cli("stats", str(turtle), "--format", "json").stdout
    by_format = {(f.rule_id, f.focus_node) for f in validate(path, engine="fast").active}
    assert by_format == {(f.rule_id, f.focus_node) for f in validate(turtle, engine="fast").active}
    assert run_cli("validate", str(path)).exit_code == 1  # the Alumeco record has violations
    record = load_record([str(path)])
    assert len(record.activities) == 10
