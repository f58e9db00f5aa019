"""The auditors' query library: saved ``queries/*.rq`` files, their headers and typed parameters.

Every saved query starts with a header of ``#`` comment lines::

    # title: Breach impact at a recipient
    # description: Which activities disclose data to the recipient, whose data and which
    #   categories (continuation lines are indented by at least two spaces).
    # parameters:
    #   ?recipient iri = alu:Netop -- the entity whose data breach is assessed
    # article: GDPR Art. 33(3), 34

``# parameters: none`` says the query takes none. A parameter is a variable of the query's top-level
``WHERE`` group; its type is one of :data:`PARAMETER_TYPES` and its default is what the query runs with
when no value is given. Values are bound as RDF terms, never formatted into the query text; the runners
are in :mod:`ropa_kg.query.queries` (embedded) and :mod:`ropa_kg.query.endpoint` (remote).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal as TypingLiteral
from typing import cast, get_args

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.namespaces import PREFIXES
from ropa_kg.core.resources import check_query_path, queries_dir
from ropa_kg.sparql.guard import CheckedQuery, check_read_only
from ropa_kg.sparql.results import Term

ParameterType = TypingLiteral["iri", "string", "integer", "boolean", "date", "duration"]
PARAMETER_TYPES: tuple[ParameterType, ...] = get_args(ParameterType)

_HEADER_KEYS = ("title", "description", "parameters", "article")
_KEY_LINE = re.compile(r"^#\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}(?P<value>\S.*)$")
_PARAM = re.compile(
    r"^\?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)\s*=\s*"
    r'(?P<default>"[^"]*"|\S+)\s*(?:--\s*(?P<doc>.*))?$'
)
_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
#: Schemes whose IRIs have no ``//`` authority; any other ``x:y`` is taken for a mistyped prefix.
_OPAQUE_SCHEMES = frozenset({"urn:", "tag:", "mailto:"})
_INTEGER = re.compile(r"^[+-]?\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Parameter:
    """A query parameter: a variable bound to a typed RDF term at run time."""

    name: str
    type: ParameterType
    default: str
    doc: str = ""

    def term(self, text: str, *, prefixes: Mapping[str, str] | None = None) -> Term:
        """Turn the text ``text`` into the RDF term this parameter binds.

        ``iri`` accepts a prefixed name with one of the project's prefixes (``alu:Netop``) or of
        ``prefixes`` (those the record's own files declare), an absolute IRI (``https://...``,
        ``urn:...``) or one in angle brackets.

        Raises:
            RopaUsageError: ``text`` is not a valid value of the parameter's type.
        """
        value = text.strip()
        bad = RopaUsageError(f"parameter {self.name}: {text!r} is not a valid {self.type}")
        if self.type == "iri":
            return parse_iri(value, name=self.name, prefixes=prefixes)
        if self.type == "string":
            return Literal(value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value)
        if self.type == "integer":
            if not _INTEGER.match(value):
                raise bad
            return Literal(value, datatype=XSD.integer)
        if self.type == "boolean":
            if value.lower() not in {"true", "false"}:
                raise bad
            return Literal(value.lower(), datatype=XSD.boolean)
        if self.type == "date":
            if not _DATE.match(value):
                raise bad
            return Literal(value, datatype=XSD.date)
        if not _DURATION.match(value):
            raise bad
        return Literal(value, datatype=XSD.duration)


def parse_iri(text: str, *, name: str = "value", prefixes: Mapping[str, str] | None = None) -> URIRef:
    """An IRI from a prefixed name, ``<IRI>`` or an absolute IRI.

    A prefixed name may use the project's prefixes or ``prefixes`` (those the record's own files
    declare, see :func:`ropa_kg.load.graph.declared_prefixes`); the project's win where both define one.

    Raises:
        RopaUsageError: unknown prefix, relative IRI, or a character IRIs may not contain; the message
            lists the known prefixes and says how to give the full IRI.
    """
    value = text.strip()
    known_prefixes = {**(prefixes or {}), **{k: str(v) for k, v in PREFIXES.items()}}
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    else:
        prefix, sep, local = value.partition(":")
        if sep and prefix in known_prefixes and not local.startswith("//"):
            value = known_prefixes[prefix] + local
    scheme = _SCHEME.match(value)
    known = ", ".join(sorted(known_prefixes))
    if scheme is None or _IRI_FORBIDDEN.search(value):
        raise RopaUsageError(
            f"parameter {name}: {text!r} is not an IRI; give an absolute IRI or a prefixed name ({known})"
        )
    if not value[scheme.end() :].startswith("//") and scheme.group().lower() not in _OPAQUE_SCHEMES:
        raise RopaUsageError(
            f"parameter {name}: {text!r}: unknown prefix {scheme.group()!r}: neither the project nor the "
            f"record's files declare it (the prefixes are {known}); give the full IRI instead, in angle "
            f"brackets, e.g. {name}='<https://example.org/ns#{value[scheme.end() :]}>'"
        )
    return URIRef(value)


@dataclass(frozen=True)
class SavedQuery:
    """A query file and its header."""

    name: str
    path: Path
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    article: str
    text: str
    #: A bundled query (checked with rdflib's full parser by the test suite): the guard's fast lexer
    #: layer is enough at run time. Query files a user gives are parsed strictly.
    trusted: bool = False

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``; raises RopaUsageError if the query has none of that name."""
        for param in self.parameters:
            if param.name == name:
                return param
        declared = ", ".join(p.name for p in self.parameters) or "none"
        raise RopaUsageError(f"query {self.name} has no parameter {name!r} (its parameters: {declared})")

    def check(self) -> CheckedQuery:
        """Parse the query and make sure it is read-only (see :mod:`ropa_kg.sparql.guard`)."""
        return _check_cached(self.text, str(self.path), not self.trusted)

    def bindings(
        self, given: Mapping[str, str] | None = None, *, prefixes: Mapping[str, str] | None = None
    ) -> dict[str, Term]:
        """Every parameter bound: the ``given`` text values, defaults for the rest; prefixed names may
        use ``prefixes`` (the record's own, see :meth:`Parameter.term`).

        Raises:
            RopaUsageError: a name is not a parameter of this query, or a value is not valid.
        """
        given = dict(given or {})
        for name in given:
            self.parameter(name)
        return {p.name: p.term(given.get(p.name, p.default), prefixes=prefixes) for p in self.parameters}


@lru_cache(maxsize=256)
def _check_cached(text: str, source: str, strict: bool) -> CheckedQuery:
    return check_read_only(text, source=source, strict=strict)


def parse_query_file(path: Path, *, require_header: bool = True, trusted: bool = False) -> SavedQuery:
    """Read a ``.rq`` file and its header.

    Without ``require_header`` (a user's own query file) a missing header is allowed: the title is the
    file name and the query takes no parameters. The query itself is not parsed here; see
    :meth:`SavedQuery.check`.

    Raises:
        RopaInputError: the file cannot be read, or its header is incomplete or malformed (names the line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RopaInputError(f"cannot read query: {exc}", path) from exc
    header = _parse_header(text, path)
    missing = [key for key in _HEADER_KEYS if key not in header]
    if missing and (require_header or len(missing) < len(_HEADER_KEYS)):
        raise RopaInputError(f"query header lacks: {', '.join(missing)}", path, 1)
    params = _parse_parameters(header.get("parameters", ("none", 1)), path)
    return SavedQuery(
        name=path.stem,
        path=path,
        title=header.get("title", (path.name, 1))[0],
        description=header.get("description", ("", 1))[0],
        parameters=params,
        article=header.get("article", ("", 1))[0],
        text=text,
        trusted=trusted,
    )


def _parse_header(text: str, path: Path) -> dict[str, tuple[str, int]]:
    """Header key -> (value with continuation lines joined, line number of the key)."""
    header: dict[str, tuple[str, int]] = {}
    key: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.rstrip()
        if not stripped.startswith("#"):
            break
        cont = _CONTINUATION.match(stripped)
        if cont and key is not None:
            value, at = header[key]
            joiner = "\n" if key == "parameters" else " "
            header[key] = ((value + joiner + cont["value"]).strip(), at)
            continue
        match = _KEY_LINE.match(stripped)
        if match is None:
            key = None
            continue
        key = match["key"]
        if key not in _HEADER_KEYS:
            raise RopaInputError(
                f"unknown query header field {key!r}; expected {', '.join(_HEADER_KEYS)}", path, number
            )
        if key in header:
            raise RopaInputError(f"query header field {key!r} given twice", path, number)
        header[key] = (match["value"].strip(), number)
    for name, (value, number) in header.items():
        if not value:
            raise RopaInputError(f"query header field {name!r} is empty", path, number)
    return header


def _parse_parameters(entry: tuple[str, int], path: Path) -> tuple[Parameter, ...]:
    value, number = entry
    if value.strip().lower() == "none":
        return ()
    params: list[Parameter] = []
    for offset, line in enumerate(value.splitlines()):
        match = _PARAM.match(line.strip())
        if match is None:
            raise RopaInputError(
                "bad parameter line; expected '?name TYPE = DEFAULT -- description'",
                path,
                number + offset + 1,
            )
        ptype = match["type"]
        if ptype not in PARAMETER_TYPES:
            raise RopaInputError(
                f"parameter ?{match['name']}: unknown type {ptype!r}; expected {', '.join(PARAMETER_TYPES)}",
                path,
                number + offset + 1,
            )
        param = Parameter(
            match["name"], cast(ParameterType, ptype), match["default"], (match["doc"] or "").strip()
        )
        try:
            param.term(param.default)
        except RopaUsageError as exc:
            raise RopaInputError(f"bad default: {exc}", path, number + offset + 1) from exc
        params.append(param)
    return tuple(params)


def catalogue(folder: Path | None = None) -> list[SavedQuery]:
    """Every saved query in ``folder`` (default: the bundled ``queries/``), sorted by name.

    Raises:
        RopaInputError: a query file has a bad header, or a file name is not lower-case-with-dashes.
    """
    root = folder if folder is not None else queries_dir()
    found: list[SavedQuery] = []
    for path in sorted(root.glob("*.rq")):
        if not _NAME.match(path.stem):
            raise RopaInputError("query file names are lower-case words joined by dashes", path)
        found.append(parse_query_file(path, trusted=folder is None))
    return found


def check_query(name: str) -> SavedQuery:
    """One of the project's internal check queries (``queries/checks/NAME.rq``), not in the catalogue.

    Raises:
        RopaInputError: the file is missing or its header is malformed.
    """
    path = check_query_path(name)
    if not path.is_file():
        raise RopaInputError("internal check query is missing", path)
    return parse_query_file(path, trusted=True)


def resolve(name_or_file: str, *, folder: Path | None = None) -> SavedQuery:
    """A saved query by name (``art30-register``), or a query file (``my.rq``).

    Raises:
        RopaUsageError: no saved query has that name and no such file exists.
        RopaInputError: the file's header is malformed.
    """
    root = folder if folder is not None else queries_dir()
    if _NAME.match(name_or_file) and (root / f"{name_or_file}.rq").is_file():
        return parse_query_file(root / f"{name_or_file}.rq", trusted=folder is None)
    path = Path(name_or_file)
    if path.is_file():
        return parse_query_file(path, require_header=False)
    names = ", ".join(q.name for q in catalogue(folder)) or "none"
    raise RopaUsageError(f"no saved query or query file {name_or_file!r}; saved queries: {names}")


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """``["recipient=alu:Netop"]`` -> ``{"recipient": "alu:Netop"}`` (a leading ``?`` is allowed).

    Raises:
        RopaUsageError: an entry has no ``=``, or a name is given twice.
    """
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().lstrip("?")
        if not sep or not name:
            raise RopaUsageError(f"--param {pair!r}: expected NAME=VALUE")
        if name in out:
            raise RopaUsageError(f"--param {name} given twice")
        out[name] = value
    return out


__all__ = [
    "PARAMETER_TYPES",
    "Parameter",
    "ParameterType",
    "SavedQuery",
    "catalogue",
    "check_query",
    "parse_iri",
    "parse_params",
    "parse_query_file",
    "resolve",
]
