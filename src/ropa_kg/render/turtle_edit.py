"""Saving an edit of the record as reviewable Turtle: the changed triples patched into the files they
came from, everything else in those files (comments, sections, layout, order) left byte for byte.

Hand-written, because no library edits Turtle in place: rdflib (and pyoxigraph) parse a file into
triples and serialise a graph anew, which drops every comment and reorders everything, so a one-field
edit of a hand-written record would show up in a pull request as a rewrite of the whole file. Here a
small Turtle 1.1 tokenizer and reader locate each statement's subject, predicates and objects as spans
of the text, and an edit becomes a few text replacements:

* a removed object leaves its ``,``-list; a predicate that loses its only object goes with its line (and
  the line's trailing comment); a statement that loses every triple goes; the ``;``/``.`` punctuation
  is fixed, trailing comments stay where they were;
* an added triple goes on a new line after the last line of the same predicate of its subject, else
  before the end of the subject's statement, indented like its neighbours, written with the file's own
  prefixes (a ``@prefix`` line is added for a new namespace that has a well-known prefix in
  :data:`ropa_kg.core.namespaces.PREFIXES`); a subject the file does not describe gets a new block.

The files' graphs are pyoxigraph's readings (literals as written, language tags lower-cased as the
store has them; rdflib's for a file pyoxigraph refuses). The reader reads only the directives and the
statements about the edit's subjects (a field's save into a 240,000-triple file must not take a
minute); should those not give a verified patch, it reads the whole file. Every patch is verified: the
whole patched text is parsed again (pyoxigraph; rdflib when rdflib read the file) and must be the file's
graph minus the removed plus the added triples (ground triples compared as sets, blank-node triples
by isomorphism when their content labels differ). When it is not, or when the reader meets something
it does not handle, the file is rewritten canonically (:func:`canonical_turtle`, ``method="rewrite"``:
its comments are lost, and the change's :attr:`FileChange.notice` says so).

Blank nodes in an edit's triples are matched by the content labels :func:`ropa_kg.load.graph.load_graph`
gives them (:mod:`ropa_kg.core.blank_nodes`); the editor removes blank nodes but never adds new ones.

Saving (:func:`apply_plan`) refuses, with :class:`SaveConflictError`, when a file changed on disk since
the versions the plan was made from (two browser tabs editing the same activity), and writes all files
through temporary files renamed into place.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import gc
import hashlib
import itertools
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from ropa_kg.core.blank_nodes import MAX_ROUNDS, stable_labels
from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.namespaces import PREFIXES
from ropa_kg.core.terms import to_oxigraph, to_rdflib
from ropa_kg.load.graph import declared_prefixes, literals_as_written, parse_into, relabel_blank_nodes
from ropa_kg.load.safe_input import no_network
from ropa_kg.load.store import relabelled_quads
from ropa_kg.render.export import write_atomically

Triple = tuple[Node, URIRef, Node]

#: The two ways a file is saved: surgically, or as a canonical re-serialisation (comments lost).
PATCH = "patch"
REWRITE = "rewrite"


class SaveConflictError(RopaUsageError):
    """A file changed on disk since the editor opened it: the save is refused, nothing is written."""


@dataclass(frozen=True)
class Edit:
    """The triples an edit takes out and puts in (the editor mints IRIs; it never adds blank nodes)."""

    removed: tuple[Triple, ...] = ()
    added: tuple[Triple, ...] = ()


@dataclass(frozen=True)
class FileChange:
    """One file's bytes before and after the save (``before`` None: a new file; ``after`` None: the
    file is deleted), and how the new bytes were made (:data:`PATCH` or :data:`REWRITE`)."""

    path: Path
    before: bytes | None
    after: bytes | None
    method: str
    folder: Path | None = None

    @property
    def name(self) -> str:
        """The path relative to the record folder (the path itself when outside it)."""
        if self.folder is not None:
            try:
                return self.path.relative_to(self.folder).as_posix()
            except ValueError:
                pass
        return self.path.as_posix()

    @property
    def notice(self) -> str:
        """What the reviewer must know beyond the diff ("" when nothing)."""
        if self.method == REWRITE and self.before is not None:
            return (
                f"{self.name} is rewritten canonically (the edit could not be patched into it): "
                "its comments and layout are lost"
            )
        if self.after is None:
            return f"{self.name} is deleted (the edit removes every triple it states)"
        if self.before is None:
            return f"{self.name} is a new file"
        return ""

    def unified_diff(self) -> str:
        """The change as a unified diff (paths relative to the record folder, ``/dev/null`` for a new or
        deleted file), preceded by the :attr:`notice` as ``#`` lines when there is one."""
        before = (self.before or b"").decode("utf-8").splitlines(keepends=True)
        after = (self.after or b"").decode("utf-8").splitlines(keepends=True)
        offset, before, after = _trimmed(before, after)
        lines = [
            _shift_hunk(line, offset) if line.startswith("@@ ") else line
            for line in difflib.unified_diff(
                before,
                after,
                fromfile="/dev/null" if self.before is None else f"a/{self.name}",
                tofile="/dev/null" if self.after is None else f"b/{self.name}",
            )
        ]
        text = "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
        )
        return (f"# {self.notice}\n" if self.notice else "") + text


#: The context lines of a diff's hunks (difflib's default).
_CONTEXT = 3
_HUNK = re.compile(r"^@@ -(\d+)((?:,\d+)?) \+(\d+)((?:,\d+)?) @@")


def _trimmed(before: list[str], after: list[str]) -> tuple[int, list[str], list[str]]:
    """The two texts' lines without the lines they share at the start and the end (but the context a
    hunk shows), and how many lines were cut at the start: difflib compares every line with every
    other, which takes seconds on a file of a large record whose one line changed."""
    limit = min(len(before), len(after))
    start = 0
    while start < limit and before[start] == after[start]:
        start += 1
    end = 0
    while end < limit - start and before[-1 - end] == after[-1 - end]:
        end += 1
    cut, keep = max(0, start - _CONTEXT), max(0, end - _CONTEXT)
    return cut, before[cut : len(before) - keep], after[cut : len(after) - keep]


def _shift_hunk(line: str, offset: int) -> str:
    """A hunk header of a diff of :func:`_trimmed` lines, numbered as in the whole files."""
    match = _HUNK.match(line)
    if match is None or not offset:
        return line
    one, two = int(match.group(1)) + offset, int(match.group(3)) + offset
    return f"@@ -{one}{match.group(2)} +{two}{match.group(4)} @@" + line[match.end() :]


@dataclass(frozen=True)
class SavePlan:
    """The files a save writes (sorted by path; empty when the edit changes nothing), the sha256 of
    each as the plan saw it or as the editor saw it ("" for a file that did not exist), and the
    removed triples no file states."""

    changes: tuple[FileChange, ...] = ()
    base: Mapping[Path, str] = field(default_factory=dict)
    #: Removed triples that no file states (e.g. facts the DPV readings infer when the record is
    #: loaded): the save cannot take them out.
    unstated: tuple[Triple, ...] = ()

    def unified_diff(self) -> str:
        """The preview: every change's diff, in path order."""
        return "".join(change.unified_diff() for change in self.changes)


# --- versions and saving ----------------------------------------------------------------------------


def file_versions(paths: Iterable[Path]) -> dict[Path, str]:
    """The sha256 (hex) of each file's bytes, ``""`` for a file that does not exist.

    Raises:
        RopaUsageError: a file exists but cannot be read.
    """
    out: dict[Path, str] = {}
    for path in paths:
        try:
            out[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        except FileNotFoundError:
            out[path] = ""
        except OSError as exc:
            raise RopaUsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return out


def check_versions(plan: SavePlan) -> None:
    """Check that every file the plan touches still has the version the plan was made from.

    Raises:
        SaveConflictError: a file changed (or appeared, or went) since; names the first such file.
    """
    current = file_versions(change.path for change in plan.changes)
    for path in sorted(current):
        if current[path] != plan.base.get(path, ""):
            raise SaveConflictError(
                f"{path} changed since you opened it (another tab or person saved it): "
                "nothing was saved; reload the activity and make the edit again"
            )


def apply_plan(plan: SavePlan) -> None:
    """Write the plan's files: first check their versions (:func:`check_versions`), then write every
    new content to a temporary file beside its target, then rename them all into place and delete the
    files the plan deletes. A failure while renaming puts back the files already replaced (best effort
    all-or-nothing); a failure before leaves every file as it was.

    Raises:
        SaveConflictError: a file changed since the plan was made; nothing is written.
        RopaUsageError: a file cannot be written.
    """
    check_versions(plan)
    temps: list[tuple[FileChange, Path | None]] = []
    try:
        for change in plan.changes:
            temps.append((change, None if change.after is None else _temp_file(change.path, change.after)))
    except RopaUsageError:
        _remove_temps(temps)
        raise
    done: list[FileChange] = []
    for index, (change, temp) in enumerate(temps):
        try:
            if temp is None:
                change.path.unlink(missing_ok=True)
            else:
                os.replace(temp, change.path)
        except OSError as exc:
            _remove_temps(temps[index:])
            _roll_back(done)
            raise RopaUsageError(f"{change.path}: cannot write: {exc.strerror or exc}") from exc
        done.append(change)


def _temp_file(target: Path, data: bytes) -> Path:
    """``data`` in a new temporary file in ``target``'s folder (mode as a new file would have)."""
    folder = target.parent
    if not folder.is_dir():
        raise RopaUsageError(f"{target}: the folder {folder} does not exist")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{target.name}.", delete=False) as handle:
            temp = Path(handle.name)
            try:
                handle.write(data)
            except OSError:
                temp.unlink(missing_ok=True)
                raise
        umask = os.umask(0)
        os.umask(umask)
        temp.chmod(0o666 & ~umask)
    except OSError as exc:
        raise RopaUsageError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    return temp


def _remove_temps(temps: Iterable[tuple[FileChange, Path | None]]) -> None:
    for _, temp in temps:
        if temp is not None:
            temp.unlink(missing_ok=True)


def _roll_back(done: Iterable[FileChange]) -> None:
    """Put back the files already replaced (best effort: a failure here is not reported)."""
    for change in done:
        try:
            if change.before is None:
                change.path.unlink(missing_ok=True)
            else:
                write_atomically(change.before, change.path)
        except (OSError, RopaUsageError):
            continue


# --- canonical Turtle -------------------------------------------------------------------------------


def canonical_turtle(graph: Graph, *, prefixes: Mapping[str, str]) -> bytes:
    """``graph`` as Turtle in a canonical order (triples inserted sorted, as
    :func:`ropa_kg.render.export.sorted_graph` does) with ``prefixes`` bound (only those used appear);
    blank nodes referenced once are written inline. The same graph gives the same bytes."""
    ordered = Graph(bind_namespaces="none")
    for prefix, namespace in sorted(prefixes.items()):
        ordered.bind(prefix, URIRef(namespace), override=True, replace=True)
    for triple in sorted(graph, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3())):
        ordered.add(triple)
    return ordered.serialize(format="turtle").encode("utf-8")


# --- tokens -----------------------------------------------------------------------------------------

_BASE_CHARS = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U_CHARS = _BASE_CHARS + "_"
_CHARS = _U_CHARS + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_BASE_CHARS}](?:[{_CHARS}.]*[{_CHARS}])?"
_PN_LOCAL = rf"(?:[{_U_CHARS}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_LONG_STRING = r"""'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\""""
_SHORT_STRING = r"""'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*\""""
_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<directive>@(?:prefix|base)\b)"
    r'|(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)'
    rf"|(?P<string>{_LONG_STRING}|{_SHORT_STRING})"
    r"|(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    rf"|(?P<bnode>_:[{_U_CHARS}0-9](?:[{_CHARS}.]*[{_CHARS}])?)"
    rf"|(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)"
    r"|(?P<number>[+-]?(?:\d+\.\d*[eE][+-]?\d+|\.\d+[eE][+-]?\d+|\d+[eE][+-]?\d+|\d*\.\d+|\d+))"
    r"|(?P<word>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<punct>\^\^|[\[\](),;.])",
    re.DOTALL,
)
_LAYOUT = frozenset({"ws", "comment"})


class _Unsupported(Exception):
    """The reader or the patcher cannot handle this text or edit: the file is rewritten instead."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _tokens(text: str, start: int = 0, end: int | None = None) -> list[_Token]:
    """The Turtle tokens of ``text[start:end]`` (layout included; offsets in ``text``), or
    :class:`_Unsupported`."""
    out: list[_Token] = []
    pos, stop = start, len(text) if end is None else end
    while pos < stop:
        match = _TOKEN.match(text, pos, stop)
        if match is None or match.lastgroup is None:
            raise _Unsupported(f"cannot read the text at offset {pos}")
        out.append(_Token(match.lastgroup, match.group(), pos))
        pos = match.end()
    return out


# --- reading: statements, property lists, spans -----------------------------------------------------


@dataclass
class _Obj:
    """An object of a predicate: its span in the text and its term (``plist``: a ``[ ... ]`` object's
    own property list)."""

    start: int
    end: int
    term: Node
    plist: _PList | None = None


@dataclass
class _Item:
    """One predicate and its objects (``p o1, o2``)."""

    start: int
    verb: Node
    objects: list[_Obj] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.objects[-1].end


@dataclass
class _PList:
    """A property list: a statement's (``top``, closed by ``.``) or a ``[ ... ]``'s (closed by ``]``)."""

    subject: Node
    items: list[_Item]
    close: int
    top: bool
    start: int
    owner: _Obj | None = None
    parent: _PList | None = None
    statement: _Statement | None = None


@dataclass
class _Statement:
    start: int
    end: int
    subject: Node
    plists: list[_PList]


@dataclass
class _Document:
    """What the reader found in a file."""

    tokens: list[_Token]
    statements: list[_Statement]
    plists: list[_PList]
    triples: list[tuple[Node, Node, Node]]
    prefixes: dict[str, str]
    ambiguous: set[str]
    last_directive_end: int | None
    sparql_style: bool
    short_booleans: bool
    short_integers: bool


_ECHAR = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[tbnrf\"'\\])")
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _unescape(text: str) -> str:
    return _ECHAR.sub(lambda m: _ECHARS.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), text)


class _Reader:
    """A recursive-descent reader of Turtle 1.1 over the tokens, recording spans and triples."""

    def __init__(
        self,
        text: str,
        base: str,
        *,
        regions: Sequence[tuple[int, int]] | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        spans = [(0, len(text))] if regions is None else regions
        self.tokens = [token for start, end in spans for token in _tokens(text, start, end)]
        self.sig = [t for t in self.tokens if t.kind not in _LAYOUT]
        self.pos = 0
        self.base = base
        self.prefixes: dict[str, str] = dict(prefixes or {})
        self.ambiguous: set[str] = set()
        self.labels: dict[str, BNode] = {}
        self.statements: list[_Statement] = []
        self.plists: list[_PList] = []
        self.triples: list[tuple[Node, Node, Node]] = []
        self.last_directive_end: int | None = None
        self.sparql_style = False
        self.short_booleans = False
        self.short_integers = False

    def read(self) -> _Document:
        while self.pos < len(self.sig):
            self._statement()
        return _Document(
            self.tokens,
            self.statements,
            self.plists,
            self.triples,
            self.prefixes,
            self.ambiguous,
            self.last_directive_end,
            self.sparql_style,
            self.short_booleans,
            self.short_integers,
        )

    # tokens
    def _peek(self) -> _Token:
        if self.pos >= len(self.sig):
            raise _Unsupported("unexpected end of the text")
        return self.sig[self.pos]

    def _next(self) -> _Token:
        token = self._peek()
        self.pos += 1
        return token

    def _expect(self, text: str) -> _Token:
        token = self._next()
        if token.kind != "punct" or token.text != text:
            raise _Unsupported(f"expected {text!r} at offset {token.start}")
        return token

    def _is(self, text: str) -> bool:
        return (
            self.pos < len(self.sig)
            and self.sig[self.pos].kind == "punct"
            and self.sig[self.pos].text == text
        )

    # statements
    def _statement(self) -> None:
        token = self._peek()
        if token.kind == "directive":
            self._directive(token.text[1:], dotted=True)
        elif token.kind == "word" and token.text.lower() in {"prefix", "base"}:
            self.sparql_style = True
            self._directive(token.text.lower(), dotted=False)
        else:
            self._triples()

    def _directive(self, which: str, *, dotted: bool) -> None:
        self._next()
        if which == "prefix":
            name = self._next()
            if name.kind != "pname" or not name.text.endswith(":") or name.text.count(":") != 1:
                raise _Unsupported(f"bad prefix declaration at offset {name.start}")
            prefix = name.text[:-1]
            namespace = self._iri(self._next())
            if prefix in self.prefixes and self.prefixes[prefix] != namespace:
                self.ambiguous.add(prefix)
            self.prefixes[prefix] = namespace
        else:
            self.base = self._iri(self._next())
        end = self._expect(".").end if dotted else self.sig[self.pos - 1].end
        self.last_directive_end = end

    def _triples(self) -> None:
        start = self._peek().start
        plists_before = len(self.plists)
        if self._is("[") and not self._anon_ahead():
            subject = self._blank_list(parent=None)
            outer = self._plist(subject, top=True, start=start, optional=True)
        else:
            subject = self._subject()
            outer = self._plist(subject, top=True, start=start, optional=False)
        end = self._expect(".").end
        statement = _Statement(start, end, subject, self.plists[plists_before:])
        outer.close = end - 1
        outer.statement = statement
        if statement.plists[0] is not outer and statement.plists[0].parent is None:
            statement.plists[0].statement = statement  # the subject's own [ ... ]
        self.statements.append(statement)

    def _anon_ahead(self) -> bool:
        nxt = self.sig[self.pos + 1] if self.pos + 1 < len(self.sig) else None
        return nxt is not None and nxt.kind == "punct" and nxt.text == "]"

    def _subject(self) -> Node:
        token = self._peek()
        if token.kind == "punct" and token.text == "[":
            self._next()
            self._expect("]")
            return BNode()
        if token.kind == "punct" and token.text == "(":
            return self._collection()
        self._next()
        if token.kind == "bnode":
            return self._label(token.text)
        return self._iri(token)

    def _plist(self, subject: Node, *, top: bool, start: int, optional: bool) -> _PList:
        plist = _PList(subject, [], -1, top, start)
        self.plists.append(plist)
        closing = "." if top else "]"
        if optional and self._is(closing):
            return plist
        while True:
            plist.items.append(self._item(plist))
            if not self._is(";"):
                break
            while self._is(";"):
                self._next()
            if self._is(closing):
                break
        return plist

    def _item(self, plist: _PList) -> _Item:
        token = self._next()
        verb: Node = RDF.type if token.kind == "word" and token.text == "a" else self._iri(token)
        item = _Item(token.start, verb)
        while True:
            item.objects.append(self._object(plist, verb))
            if not self._is(","):
                return item
            self._next()

    def _object(self, plist: _PList, verb: Node) -> _Obj:
        start = self._peek().start
        if self._is("[") and not self._anon_ahead():
            obj = _Obj(start, -1, BNode())
            obj.term = self._blank_list(parent=plist, owner=obj)
        else:
            obj = _Obj(start, -1, self._value())
        obj.end = self.sig[self.pos - 1].end
        self.triples.append((plist.subject, verb, obj.term))
        return obj

    def _blank_list(self, *, parent: _PList | None, owner: _Obj | None = None) -> Node:
        start = self._expect("[").start
        node = BNode()
        inner = self._plist(node, top=False, start=start, optional=False)
        inner.owner, inner.parent = owner, parent
        inner.close = self._expect("]").start
        if owner is not None:
            owner.plist = inner
        return node

    def _collection(self) -> Node:
        self._expect("(")
        members: list[Node] = []
        while not self._is(")"):
            if self._is("[") and not self._anon_ahead():
                members.append(self._blank_list(parent=None))
            else:
                members.append(self._value())
        self._expect(")")
        head: Node = RDF.nil
        for member in reversed(members):
            node = BNode()
            self.triples.append((node, RDF.first, member))
            self.triples.append((node, RDF.rest, head))
            head = node
        return head

    def _value(self) -> Node:
        token = self._peek()
        if token.kind == "punct" and token.text in "[(":
            return self._subject()
        self._next()
        if token.kind == "string":
            return self._literal(token)
        if token.kind == "number":
            self.short_integers |= token.text.isdigit()
            kind = (
                XSD.double if "e" in token.text.lower() else XSD.decimal if "." in token.text else XSD.integer
            )
            return Literal(token.text, datatype=kind)
        if token.kind == "word" and token.text in {"true", "false"}:
            self.short_booleans = True
            return Literal(token.text, datatype=XSD.boolean)
        if token.kind == "bnode":
            return self._label(token.text)
        return self._iri(token)

    def _literal(self, token: _Token) -> Literal:
        """The literal as pyoxigraph reads it (the authority, :func:`_oxigraph_reading`): language tags
        in lower case, ``xsd:string`` literals plain; the lexical form as written."""
        quote = 3 if token.text[:3] in {'"""', "'''"} else 1
        lexical = _unescape(token.text[quote:-quote])
        if self.pos < len(self.sig) and self.sig[self.pos].kind == "langtag":
            return Literal(lexical, lang=self._next().text[1:].lower())
        if self._is("^^"):
            self._next()
            datatype = self._iri(self._next())
            return Literal(lexical) if datatype == XSD.string else Literal(lexical, datatype=datatype)
        return Literal(lexical)

    def _label(self, text: str) -> BNode:
        return self.labels.setdefault(text, BNode())

    def _iri(self, token: _Token) -> URIRef:
        return URIRef(_resolve(token, self.prefixes, self.base))


def _resolve(token: _Token, prefixes: Mapping[str, str], base: str) -> str:
    """The IRI an ``iri`` or ``pname`` token stands for, or :class:`_Unsupported`."""
    if token.kind == "iri":
        value = _unescape(token.text[1:-1])
        return value if _SCHEME.match(value) else urljoin(str(base), value)
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix not in prefixes:
            raise _Unsupported(f"undeclared prefix {prefix!r} at offset {token.start}")
        return str(prefixes[prefix]) + (re.sub(r"\\(.)", r"\1", local) if "\\" in local else local)
    raise _Unsupported(f"expected an IRI at offset {token.start}")


def _relabel(doc: _Document) -> None:
    """Give the reader's blank nodes the content labels :func:`relabel_blank_nodes` gives a graph's."""
    labels = stable_labels(
        doc.triples,
        is_blank=lambda term: isinstance(term, BNode),
        text=lambda term: str(to_oxigraph(term)),  # type: ignore[arg-type]  # triples hold terms
    )
    if not labels:
        return

    def new(term: Node) -> Node:
        return BNode(labels[term]) if isinstance(term, BNode) and term in labels else term

    doc.triples = [(new(s), new(p), new(o)) for s, p, o in doc.triples]
    for plist in doc.plists:
        plist.subject = new(plist.subject)
        for item in plist.items:
            for obj in item.objects:
                obj.term = new(obj.term)
    for statement in doc.statements:
        statement.subject = new(statement.subject)


def _read(text: str, base: str) -> _Document:
    doc = _Reader(text, base).read()
    _relabel(doc)
    return doc


# --- reading only the statements an edit touches ----------------------------------------------------

#: One top-level statement (or directive) with the layout before it, up to its closing ``.``: strings,
#: IRIs, comments and escapes are skipped whole; a ``.`` followed by layout (or the end) closes it. A
#: ``.`` glued to the next statement does not split them (the two are read together, which is harmless).
_CHUNK = re.compile(
    r"(?:[^\"'<#\\.]++|<[^<>\"{}|^`\\\x00-\x20]*+>|(?>"
    + _LONG_STRING
    + "|"
    + _SHORT_STRING
    + r")|#[^\n\r]*+|\\.|\.(?![\s#]|\Z))*+\.(?=[\s#]|\Z)",
    re.DOTALL,
)
_LAYOUT_RUN = re.compile(r"(?:\s++|#[^\n\r]*+)*+")
#: Strings, IRIs, comments and escapes (skipped), or a bare integer (group 1) or boolean (group 2) value.
_SHORT_FORMS = re.compile(
    r"(?:<[^<>\"{}|^`\\\x00-\x20]*+>|(?>"
    + _LONG_STRING
    + "|"
    + _SHORT_STRING
    + r")|#[^\n\r]*+|\\.)|(?<![^\s,;(\[])(?:([0-9]++)|(true|false))\.?(?=[\s,;)\]#]|\Z)",
    re.DOTALL,
)


def _chunks(text: str) -> list[tuple[int, int]] | None:
    """The text cut into statements (:data:`_CHUNK`), or None when the cut does not reach the end."""
    out: list[tuple[int, int]] = []
    pos = 0
    while pos < len(text):
        match = _CHUNK.match(text, pos)
        if match is None:
            break
        out.append((pos, match.end()))
        pos = match.end()
    tail = _LAYOUT_RUN.match(text, pos)
    return out if tail is not None and tail.end() == len(text) else None


def _first_token(text: str, start: int, end: int) -> _Token | None:
    """The first token after the layout at ``start`` (None: only layout before ``end``)."""
    layout = _LAYOUT_RUN.match(text, start, end)
    pos = start if layout is None else layout.end()
    match = _TOKEN.match(text, pos, end)
    if match is None or match.lastgroup is None:
        return None
    return _Token(match.lastgroup, match.group(), pos)


def _short_forms(text: str) -> tuple[bool, bool]:
    """Whether the text writes an integer bare (``5``), and a boolean (``true``), as the reader notes."""
    integers = booleans = False
    for match in _SHORT_FORMS.finditer(text):
        integers |= match.group(1) is not None
        booleans |= match.group(2) is not None
        if integers and booleans:
            break
    return integers, booleans


def _to_read(text: str, base: str, keys: set[str]) -> list[tuple[int, int]] | None:
    """The spans of the text to read (:func:`_regions`): the :func:`_chunks` of every directive and of
    every statement whose subject is one of the IRIs ``keys`` (and the first statement when the file has
    no directive); None when the text cannot be cut into statements."""
    chunks = _chunks(text)
    if chunks is None:
        return None
    prefixes: dict[str, str] = {}
    picked: list[int] = []
    first: int | None = None
    directives = False
    for index, (start, end) in enumerate(chunks):
        token = _first_token(text, start, end)
        if token is None:
            return None
        if token.kind == "directive" or (token.kind == "word" and token.text.lower() in {"prefix", "base"}):
            reader = _Reader(text, base, regions=[(start, end)], prefixes=prefixes)
            reader.read()
            prefixes, base, directives = reader.prefixes, reader.base, True
            picked.append(index)
        elif token.kind in {"iri", "pname"} and _resolve(token, prefixes, base) in keys:
            picked.append(index)
        first = index if first is None else first
    if not directives and first is not None and first not in picked:
        picked.insert(0, first)
    return _regions(text, chunks, picked)


def _regions(text: str, chunks: list[tuple[int, int]], picked: list[int]) -> list[tuple[int, int]]:
    """The picked chunks, each with the layout after it, and the next chunk too when it starts on the
    same line (what follows a statement on its line decides how it is patched); adjacent ones merged."""
    spans: list[list[int]] = []
    queue = sorted(set(picked))
    done: set[int] = set()
    while queue:
        index = queue.pop(0)
        if index in done:
            continue
        done.add(index)
        start, end = chunks[index]
        layout = _LAYOUT_RUN.match(text, end)
        stop = end if layout is None else layout.end()
        if stop < len(text) and "\n" not in text[end:stop] and index + 1 < len(chunks):
            queue = sorted({*queue, index + 1})
        if spans and spans[-1][1] >= start:
            spans[-1][1] = max(spans[-1][1], stop)
        else:
            spans.append([start, stop])
    return [(start, end) for start, end in spans]


def _read_partial(text: str, base: str, keys: set[str], *, short_forms: bool) -> _Document | None:
    """The reader's findings in the statements about the IRIs ``keys`` (and the directives) only: a
    large file is read in a fraction of the time. None when the text cannot be cut into statements or
    the statements read name a blank node by label (its triples may be anywhere). ``short_forms``: find
    whether the whole text writes integers and booleans bare (only an added one needs to know)."""
    regions = _to_read(text, base, keys)
    if regions is None:
        return None
    doc = _Reader(text, base, regions=regions).read()
    if any(token.kind == "bnode" for token in doc.tokens):
        return None
    doc.short_integers, doc.short_booleans = _short_forms(text) if short_forms else (False, False)
    _relabel(doc)
    return doc


# --- writing terms ----------------------------------------------------------------------------------

_SAFE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')


@dataclass
class _Writer:
    """Writes terms as a file writes them: its prefixes, its short forms; collects new prefixes."""

    prefixes: dict[str, str]
    ambiguous: set[str]
    short_booleans: bool
    short_integers: bool
    new_prefixes: dict[str, str] = field(default_factory=dict)

    def term(self, term: Node) -> str:
        if isinstance(term, URIRef):
            return self.iri(term)
        if isinstance(term, Literal):
            return self.literal(term)
        raise _Unsupported("a new blank node cannot be patched in")

    def verb(self, term: Node) -> str:
        return "a" if term == RDF.type else self.term(term)

    def iri(self, iri: URIRef) -> str:
        value = str(iri)
        known = {**self.prefixes, **self.new_prefixes}
        fits = [
            (len(ns), prefix)
            for prefix, ns in known.items()
            if prefix not in self.ambiguous
            and value.startswith(ns)
            and _SAFE_LOCAL.fullmatch(value[len(ns) :])
        ]
        if fits:
            _, prefix = min(fits, key=lambda f: (-f[0], f[1]))
            return f"{prefix}:{value[len(known[prefix]) :]}"
        for prefix, ns in sorted(PREFIXES.items()):
            if prefix not in known and value.startswith(str(ns)) and _SAFE_LOCAL.fullmatch(value[len(ns) :]):
                self.new_prefixes[prefix] = str(ns)
                return f"{prefix}:{value[len(ns) :]}"
        return "<" + _IRI_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04X}", value) + ">"

    def literal(self, literal: Literal) -> str:
        lexical = str(literal)
        quoted = '"' + "".join(_escape_char(c) for c in lexical) + '"'
        if literal.language:
            return f"{quoted}@{literal.language}"
        datatype = literal.datatype
        if datatype is None:
            return quoted
        if datatype == XSD.boolean and lexical in {"true", "false"} and self.short_booleans:
            return lexical
        if datatype == XSD.integer and re.fullmatch(r"[0-9]+", lexical) and self.short_integers:
            return lexical
        return f"{quoted}^^{self.iri(URIRef(datatype))}"


def _escape_char(char: str) -> str:
    if char in _STRING_ESCAPES:
        return _STRING_ESCAPES[char]
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\u{ord(char):04X}"
    return char


# --- patching ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Replace:
    start: int
    end: int
    text: str
    order: int = 0


class _Patcher:
    """Turns the removals and additions for one file into text replacements on its text."""

    def __init__(
        self, text: str, doc: _Document, removed: set[Triple], added: Sequence[Triple], beside: Node | None
    ) -> None:
        self.text = text
        self.beside = beside
        self.dropped: set[int] = set()
        #: Added triples that take the place of a removed predicate's line, by property list and item.
        self.replacing: dict[int, dict[int, list[Triple]]] = defaultdict(lambda: defaultdict(list))
        self.doc = doc
        self.removed = removed
        self.added = added
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self.writer = _Writer(dict(doc.prefixes), doc.ambiguous, doc.short_booleans, doc.short_integers)
        self.edits: list[_Replace] = []
        self.starts = [t.start for t in doc.tokens]

    # the result
    def patched(self) -> str:
        anchors, blocks = self._anchors()
        for plist in self.doc.plists:
            if self._alive(plist):
                self._patch_plist(plist, anchors.get(id(plist), {}))
        self._new_blocks(blocks)
        self._new_prefixes()
        return self._apply()

    def _apply(self) -> str:
        out: list[str] = []
        pos = 0
        for edit in sorted(self.edits, key=lambda e: (e.start, e.end, e.order)):
            if edit.start < pos:
                raise _Unsupported("overlapping changes")
            out.append(self.text[pos : edit.start])
            out.append(edit.text)
            pos = edit.end
        out.append(self.text[pos:])
        return "".join(out)

    def _edit(self, start: int, end: int, text: str) -> None:
        self.edits.append(_Replace(start, end, text, len(self.edits)))

    # what is kept
    def _gone(self, plist: _PList, item: _Item, obj: _Obj) -> bool:
        return (plist.subject, item.verb, obj.term) in self.removed

    def _kept_objects(self, plist: _PList, item: _Item) -> list[int]:
        return [i for i, obj in enumerate(item.objects) if not self._gone(plist, item, obj)]

    def _kept_items(self, plist: _PList) -> list[int]:
        return [i for i, item in enumerate(plist.items) if self._kept_objects(plist, item)]

    def _alive(self, plist: _PList) -> bool:
        """Whether the property list is still in the text (not inside a removed ``[ ... ]`` object)."""
        while plist.parent is not None and plist.owner is not None:
            owner_item = next(i for i in plist.parent.items if plist.owner in i.objects)
            if self._gone(plist.parent, owner_item, plist.owner):
                return False
            plist = plist.parent
        return True

    # where additions go
    def _anchors(self) -> tuple[dict[int, dict[int, list[Triple]]], dict[Node, list[Triple]]]:
        anchors: dict[int, dict[int, list[Triple]]] = defaultdict(lambda: defaultdict(list))
        blocks: dict[Node, list[Triple]] = defaultdict(list)
        for triple in self.added:
            found = self._anchor(triple)
            if found is None:
                if not isinstance(triple[0], URIRef):
                    raise _Unsupported("a new blank node cannot be patched in")
                blocks[triple[0]].append(triple)
            else:
                plist, index, replace = found
                (self.replacing if replace else anchors)[id(plist)][index].append(triple)
        return anchors, blocks

    def _anchor(self, triple: Triple) -> tuple[_PList, int, bool] | None:
        """Where an added triple goes: after the last kept item of its predicate; else in place of a
        removed item of its predicate (a replaced value stays where it was); else after the last item
        of the subject's longest property list (``True``: in place). None: a new block."""
        subject, verb = triple[0], triple[1]
        alive = [p for p in self.doc.plists if p.subject == subject and self._alive(p)]
        lists = [p for p in alive if self._kept_items(p)]
        same = [
            (plist.items[i].start, plist, i)
            for plist in lists
            for i in self._kept_items(plist)
            if plist.items[i].verb == verb
        ]
        if same:
            _, plist, index = max(same, key=lambda s: s[0])
            return plist, index, False
        for plist in alive:
            for index, item in enumerate(plist.items):
                if item.verb == verb and self._replaceable(plist, index):
                    return plist, index, True
        if not lists:
            return None
        plist = max(lists, key=lambda p: (len(self._kept_items(p)), p.start))
        return plist, self._kept_items(plist)[-1], False

    def _runs(self, plist: _PList) -> list[list[int]]:
        """The runs of consecutive items that lose all their objects."""
        kept = set(self._kept_items(plist))
        runs: list[list[int]] = []
        for index in range(len(plist.items)):
            if index in kept:
                continue
            if runs and runs[-1][-1] == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index])
        return runs

    def _replaceable(self, plist: _PList, index: int) -> bool:
        """Whether removed item ``index`` can be replaced in place: its run of removed items is alone
        on its lines, or it is a run on its own."""
        run = next((r for r in self._runs(plist) if index in r), None)
        if run is None:
            return False
        return len(run) == 1 or all(self._owns_line(plist, i)[0] for i in run)

    def _keeps(self, plist: _PList) -> bool:
        return bool(self._kept_items(plist)) or bool(self.replacing.get(id(plist)))

    # layout helpers
    def _line_start(self, pos: int) -> int:
        return self.text.rfind("\n", 0, pos) + 1

    def _line_end(self, pos: int) -> int:
        found = self.text.find("\n", pos)
        return len(self.text) if found < 0 else found + 1

    def _starts_line(self, pos: int) -> bool:
        return self.text[self._line_start(pos) : pos].strip() == ""

    def _rest_of_line(self, pos: int) -> list[_Token] | None:
        """The tokens from ``pos`` to the end of its line, when they are only layout and punctuation
        (``;``, ``.``), else None."""
        eol = self._line_end(pos)
        index = _bisect(self.starts, pos)
        out: list[_Token] = []
        for token in itertools.islice(self.doc.tokens, index, None):
            if token.start >= eol:
                break
            if token.kind == "ws" and token.end > eol:
                break
            if token.kind not in _LAYOUT and not (token.kind == "punct" and token.text in ";."):
                return None
            out.append(token)
        return out

    def _indent(self, plist: _PList, anchor: int) -> str:
        candidates = [anchor, *list(range(len(plist.items)))]
        for index in candidates:
            start = plist.items[index].start
            if self._starts_line(start) and start != plist.start:
                return self.text[self._line_start(start) : start]
        base = self.text[self._line_start(plist.start) : plist.start]
        return (base if base.strip() == "" else "") + "    "

    # removals
    def _patch_plist(self, plist: _PList, additions: Mapping[int, list[Triple]]) -> None:
        kept = self._kept_items(plist)
        if not self._keeps(plist):
            if plist.items and (plist.top or self._statement_empties(plist)):
                self._drop_statement(plist)
            elif plist.items:
                self._edit(plist.start, plist.close + 1, "[]")
            return
        closing_gone = False
        for run in self._runs(plist):
            closing_gone |= self._drop_run(plist, run)
        for index in kept:
            objects = self._kept_objects(plist, plist.items[index])
            if len(objects) < len(plist.items[index].objects):
                self._drop_objects(plist.items[index], objects)
        if not kept:
            return
        last = kept[-1]
        fix_closing = closing_gone
        for index in sorted(additions):
            moved = self._add(plist, index, additions[index], closing_gone and index == last)
            fix_closing &= not (moved and index == last)
        if fix_closing:
            self._close_after(plist, last)

    def _statement_empties(self, plist: _PList) -> bool:
        """Whether the statement ``plist`` (a subject's ``[ ... ]``) belongs to keeps no triple."""
        statement = plist.statement
        return statement is not None and not any(self._keeps(p) for p in statement.plists if self._alive(p))

    def _drop_statement(self, plist: _PList) -> None:
        statement = plist.statement
        if statement is None:
            raise _Unsupported("a blank node's property list would be emptied")
        if any(self._keeps(p) for p in statement.plists if self._alive(p)):
            raise _Unsupported("a statement would lose its subject's own triples only")
        if id(statement) in self.dropped:
            return
        self.dropped.add(id(statement))
        start, end = statement.start, statement.end
        rest = self._rest_of_line(end)
        if self._starts_line(start) and rest is not None and not any(t.kind == "punct" for t in rest):
            start, end = self._line_start(start), self._line_end(end)
            before_blank = start == 0 or self.text[self._line_start(start - 1) : start].strip() == ""
            after = self.text[end : self._line_end(end)]
            if before_blank and after.strip() == "" and after:
                end = self._line_end(end)
        self._edit(start, end, "")

    def _owns_line(self, plist: _PList, index: int) -> tuple[bool, bool]:
        """Whether item ``index`` is alone on its line(s) (with its ``;``, its comment, and perhaps the
        statement's closing ``.``), and whether that ``.`` is on its line."""
        item = plist.items[index]
        rest = self._rest_of_line(item.end)
        if not self._starts_line(item.start) or rest is None:
            return False, False
        dots = [t for t in rest if t.text == "."]
        closing = bool(dots) and plist.top and dots[0].start == plist.close
        return len(dots) == int(closing), closing

    def _drop_run(self, plist: _PList, run: list[int]) -> bool:
        """Remove the consecutive items ``run``: each alone on its line goes with its line (or is
        replaced by the lines of the triples that take its place), else the run's text up to the next
        item (or from the previous item's end when the run ends the list). True when the statement's
        closing ``.`` went with a removed line."""
        replacing = self.replacing.get(id(plist), {})
        owned = [self._owns_line(plist, index) for index in run]
        if all(own for own, _ in owned):
            closing = any(closing for _, closing in owned)
            carrier = max((i for i in run if i in replacing), default=None) if closing else None
            for index in run:
                item = plist.items[index]
                lines = self._lines(replacing.get(index, []))
                indent = self.text[self._line_start(item.start) : item.start]
                text = "".join(
                    f"{indent}{line} {'.' if index == carrier and i == len(lines) - 1 else ';'}{self.nl}"
                    for i, line in enumerate(lines)
                )
                self._edit(self._line_start(item.start), self._line_end(item.end), text)
            return closing and carrier is None
        first, last = plist.items[run[0]], plist.items[run[-1]]
        if run[0] in replacing:  # a run of one item: its text is replaced, its punctuation stays
            single = self.text.count("\n", plist.start, plist.close) == 0
            sep = " ; " if single else f" ;{self.nl}{self._indent(plist, run[0])}"
            self._edit(first.start, first.end, sep.join(self._lines(replacing[run[0]])))
            return False
        if run[-1] + 1 < len(plist.items):
            following = plist.items[run[-1] + 1]
            if self._starts_line(first.start) and self._starts_line(following.start):
                self._edit(self._line_start(first.start), self._line_start(following.start), "")
            else:
                self._edit(first.start, following.start, "")
        else:
            self._edit(plist.items[run[0] - 1].end, last.end, "")
        return False

    def _drop_objects(self, item: _Item, kept: list[int]) -> None:
        last = kept[-1]
        for index, obj in enumerate(item.objects):
            if index in kept:
                continue
            if index < last:
                self._edit(obj.start, item.objects[index + 1].start, "")
            else:
                self._edit(item.objects[index - 1].end, obj.end, "")

    def _close_after(self, plist: _PList, index: int) -> None:
        """The statement's ``.`` went with a removed line: the ``;`` after item ``index`` becomes it."""
        item = plist.items[index]
        position = _bisect(self.starts, item.end)
        for token in itertools.islice(self.doc.tokens, position, None):
            if token.kind == "punct" and token.text == ";":
                self._edit(token.start, token.end, ".")
                return
            if token.kind not in _LAYOUT:
                break
        raise _Unsupported("no ';' to close the statement with")

    # additions
    def _add(self, plist: _PList, index: int, triples: list[Triple], closing_gone: bool) -> bool:
        """Add ``triples`` after item ``index``; True when the new lines carry the statement's ``.``."""
        lines = self._lines(triples)
        item = plist.items[index]
        rest = self._rest_of_line(item.end)
        indent = self._indent(plist, index)
        if plist.top and rest is not None and any(t.kind == "punct" for t in rest):
            closing = next((t for t in rest if t.text == "." and t.start == plist.close), None)
            if closing is not None:
                self._edit(closing.start, closing.end, ";")
            ends = closing is not None or closing_gone
            text = "".join(
                f"{indent}{line} {'.' if ends and i == len(lines) - 1 else ';'}{self.nl}"
                for i, line in enumerate(lines)
            )
            at = self._line_end(item.end)
            self._edit(at, at, text if self.text[at - 1 : at] == "\n" else self.nl + text)
            return ends
        kept = self._kept_objects(plist, item)
        end = item.objects[kept[-1]].end
        single = self.text.count("\n", plist.start, plist.close) == 0
        sep = " ; " if single else f" ;{self.nl}{indent}"
        self._edit(end, end, "".join(sep + line for line in lines))
        return False

    def _lines(self, triples: Iterable[Triple]) -> list[str]:
        """The ``predicate object`` texts of ``triples``, in a stable order."""
        return [f"{self.writer.verb(p)} {self.writer.term(o)}" for _, p, o in sorted(triples, key=_key)]

    def _new_blocks(self, blocks: Mapping[Node, list[Triple]]) -> None:
        if not blocks:
            return
        text = ""
        for subject in sorted(blocks, key=lambda s: s.n3()):
            triples = sorted(blocks[subject], key=_key)
            text += self.nl + self.writer.term(subject) + self.nl
            for i, (_, p, o) in enumerate(triples):
                end = "." if i == len(triples) - 1 else ";"
                text += f"    {self.writer.verb(p)} {self.writer.term(o)} {end}{self.nl}"
        at = len(self.text)
        beside = [s for s in self.doc.statements if s.subject == self.beside and id(s) not in self.dropped]
        if beside and self._rest_of_line(beside[-1].end) is not None:
            at = self._line_end(beside[-1].end)
        if not self.text[:at].endswith("\n"):
            text = self.nl + text
        self._edit(at, at, text)

    def _new_prefixes(self) -> None:
        if not self.writer.new_prefixes:
            return
        lines = "".join(
            (f"PREFIX {p}: <{ns}>" if self.doc.sparql_style else f"@prefix {p}: <{ns}> .") + self.nl
            for p, ns in sorted(self.writer.new_prefixes.items())
        )
        if self.doc.last_directive_end is not None:
            at = self._line_end(self.doc.last_directive_end)
            self._edit(at, at, lines if self.text[at - 1 : at] == "\n" else self.nl + lines)
        else:
            at = self._line_start(self.doc.statements[0].start) if self.doc.statements else 0
            self._edit(at, at, lines + self.nl)


def _key(triple: Triple) -> tuple[bool, str, str, str]:
    s, p, o = triple
    return (p != RDF.type, s.n3(), p.n3(), o.n3())


def _bisect(starts: list[int], pos: int) -> int:
    """The index of the first token starting at or after ``pos``."""
    lo, hi = 0, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        if starts[mid] < pos:
            lo = mid + 1
        else:
            hi = mid
    return lo


# --- planning ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    """One of the record's files as the plan read it: bytes, version, triples (blank nodes relabelled by
    content, as :func:`ropa_kg.load.graph.load_graph` labels them) and, when pyoxigraph read the file (a
    Turtle file it accepts), its reading as pyoxigraph quads (``quads``; None: rdflib read the file)."""

    path: Path
    data: bytes
    version: str
    quads: frozenset[ox.Quad] | None
    read_by_rdflib: frozenset[tuple[Node, Node, Node]] = frozenset()

    @functools.cached_property
    def subjects(self) -> Counter[object]:
        """How many triples the file states about each subject (counted on first use)."""
        if self.quads is not None:
            return Counter(q.subject for q in self.quads)
        return Counter(s for s, _, _ in self.read_by_rdflib)

    @functools.cached_property
    def triples(self) -> frozenset[tuple[Node, Node, Node]]:
        """The file's triples as rdflib terms (converted on first use)."""
        return self.read_by_rdflib if self.quads is None else _as_rdflib(self.quads)

    @property
    def stated(self) -> frozenset[object]:
        """The file's statements as its reading writes them."""
        return self.read_by_rdflib if self.quads is None else self.quads

    def term(self, node: Node) -> object:
        """``node`` as the file's reading writes terms (None: a term pyoxigraph refuses)."""
        if self.quads is None:
            return node
        try:
            return to_oxigraph(node)  # type: ignore[arg-type]  # triples hold terms
        except ValueError:
            return None

    def statement(self, triple: tuple[Node, Node, Node]) -> object:
        """``triple`` as the file's reading writes statements (None: terms pyoxigraph refuses)."""
        if self.quads is None:
            return triple
        try:
            return _quad(triple)
        except (ValueError, TypeError):
            return None

    def states(self, triple: tuple[Node, Node, Node]) -> bool:
        """Whether the file states ``triple``."""
        if self.quads is None:
            return triple in self.read_by_rdflib
        return self.statement(triple) in self.quads

    def count(self, subject: Node) -> int:
        """How many triples the file states about ``subject``."""
        return self.subjects[self.term(subject)]


#: rdflib's readings of files by (path, sha256): its parser is slow, and the editor plans the same
#: files again and again (preview, save).
_PARSED: dict[tuple[Path, str], frozenset[tuple[Node, Node, Node]]] = {}
_PARSED_MAX = 64


#: The files as read, by (path, sha256), for the same reason (they are never modified).
_READ: dict[tuple[Path, Path, str], _Loaded] = {}


def _load(path: Path) -> _Loaded:
    """Read ``path``: pyoxigraph's reading of a Turtle file it accepts (fast), else rdflib's.

    Raises:
        RopaInputError: the file cannot be read, or rdflib cannot parse it.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RopaInputError(f"cannot read: {exc.strerror or exc}", path) from exc
    version = hashlib.sha256(data).hexdigest()
    key = (path, path.resolve(), version)
    loaded = _READ.get(key)
    if loaded is None:
        loaded = _read_file(path, data, version)
        if len(_READ) >= _PARSED_MAX:
            _READ.pop(next(iter(_READ)))
        _READ[key] = loaded
    return loaded


def _read_file(path: Path, data: bytes, version: str) -> _Loaded:
    if path.suffix.lower() == ".ttl":
        quads = _oxigraph_reading(data, path)
        if quads is not None and not (b"<<" in data and any(_quoted(q) for q in quads)):
            return _Loaded(path, data, version, quads)
    return _Loaded(path, data, version, None, _rdflib_triples(path, version))


def _quoted(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.Triple) or isinstance(quad.object, ox.Triple)


def _oxigraph_reading(data: bytes, path: Path) -> frozenset[ox.Quad] | None:
    """pyoxigraph's reading of the Turtle ``data`` of ``path`` (relative IRIs against the file's URI;
    literals keep their lexical form, language tags are lower-cased), blank nodes relabelled by content
    (:func:`ropa_kg.load.store.relabel_blank_nodes` gives a store the same labels); None when it refuses
    the text."""
    with _no_gc():
        return _oxigraph_quads(data, path)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: reading a large file makes hundreds of thousands of objects
    (none of them cycles), and each collection would walk every object of the process, the loaded
    record's graph included (a save into a 240,000-triple file took twice as long)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _oxigraph_quads(data: bytes, path: Path) -> frozenset[ox.Quad] | None:
    try:
        quads = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return None
    if not any(mark in data for mark in (b"_:", b"[", b"(")):  # how Turtle writes blank nodes
        return frozenset(quads)
    blank = [q for q in quads if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)]
    if not blank:
        return frozenset(quads)
    return (frozenset(quads) - frozenset(blank)) | frozenset(relabelled_quads(blank))


def _as_rdflib(quads: Iterable[ox.Quad]) -> frozenset[tuple[Node, Node, Node]]:
    """The quads' triples as rdflib terms (each distinct term converted once).

    Raises:
        ValueError: an RDF-star triple.
    """
    memo: dict[object, Node] = {}

    def term(value: object) -> Node:
        found = memo.get(value)
        if found is None:
            converted = to_rdflib(value)
            assert converted is not None  # a quad's terms are never None
            found = memo[value] = converted
        return found

    return frozenset((term(q.subject), term(q.predicate), term(q.object)) for q in quads)


def _quad(triple: Triple | tuple[Node, Node, Node]) -> ox.Quad:
    s, p, o = (to_oxigraph(t) for t in triple)  # type: ignore[arg-type]  # triples hold terms
    return ox.Quad(s, p, o)  # type: ignore[arg-type]  # a triple's subject and predicate


def _rdflib_triples(path: Path, version: str) -> frozenset[tuple[Node, Node, Node]]:
    """rdflib's reading of ``path`` (whose bytes have sha256 ``version``), cached.

    Raises:
        RopaInputError: the file cannot be read or parsed.
    """
    key = (path.resolve(), version)
    triples = _PARSED.get(key)
    if triples is None:
        graph = Graph()
        parse_into(graph, path)
        relabel_blank_nodes(graph)
        triples = frozenset(graph)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = triples
    return triples


def _net(edit: Edit) -> tuple[set[Triple], list[Triple]]:
    """The edit without the triples it both removes and adds (those do not change)."""
    both = set(edit.removed) & set(edit.added)
    added = sorted(set(edit.added) - both, key=_key)
    return set(edit.removed) - both, added


def _describer(subject: Node, loaded: Mapping[Path, _Loaded]) -> Path | None:
    """The file with the most triples about ``subject`` (ties: the first in path order), or None."""
    counts = [(f.count(subject), path) for path, f in loaded.items()]
    best = max((count for count, _ in counts), default=0)
    return next((path for count, path in counts if count == best), None) if best else None


def _local_name(iri: Node) -> str:
    name = re.split(r"[#/]", str(iri).rstrip("#/"))[-1]
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "activity"


def _place(
    added: Sequence[Triple], loaded: Mapping[Path, _Loaded], folder: Path, new_file_for: Node | None
) -> dict[Path, list[Triple]]:
    """The file each added triple goes to (triples some file already states go nowhere)."""
    out: dict[Path, list[Triple]] = defaultdict(list)
    for triple in added:
        if any(f.states(triple) for f in loaded.values()):
            continue
        target = _describer(triple[0], loaded)
        if target is None and isinstance(triple[0], BNode):
            # a fresh `[]` in a new file would not be the node the edit means
            raise SaveConflictError(
                f"_:{triple[0]} is not in the record's files any more (a blank node's label follows its "
                "content, which changed since it was read): reload and make the edit again"
            )
        if target is None and new_file_for is not None:
            target = _describer(new_file_for, loaded)
        if target is None:
            target = folder / f"{_local_name(new_file_for or triple[0])}.ttl"
            if target not in loaded and target.exists():
                raise RopaUsageError(f"{target} exists but is not one of the record's files")
        out[target].append(triple)
    return out


def _parse_text(text: str, path: Path) -> Graph | None:
    graph = Graph()
    try:
        with no_network(path):
            graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except Exception:  # any parser failure means the patch is not good
        return None
    relabel_blank_nodes(graph)
    return graph


def _same_graph(one: Graph, two: Graph) -> bool:
    """Whether the graphs are isomorphic (triples without blank nodes compared as sets, the rest by
    rdflib's isomorphism test)."""

    def split(graph: Graph) -> tuple[set[tuple[Node, Node, Node]], Graph]:
        ground: set[tuple[Node, Node, Node]] = set()
        blank = Graph()
        for s, p, o in graph:
            if isinstance(s, BNode) or isinstance(o, BNode):
                blank.add((s, p, o))
            else:
                ground.add((s, p, o))
        return ground, blank

    ground_one, blank_one = split(one)
    ground_two, blank_two = split(two)
    if ground_one != ground_two or len(blank_one) != len(blank_two):
        return False
    return not blank_one or isomorphic(blank_one, blank_two)


def _same_quads(one: frozenset[ox.Quad], two: frozenset[ox.Quad]) -> bool:
    """Whether the two readings are the same graph: equal as sets (blank nodes labelled by content), or
    equal ground triples and isomorphic blank-node triples (content labels can tie)."""
    if one == two:
        return True
    if len(one) != len(two):
        return False

    def blank(quad: ox.Quad) -> bool:
        return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)

    if {q for q in one if not blank(q)} != {q for q in two if not blank(q)}:
        return False
    graphs = []
    for quads in (one, two):
        graph = Graph()
        for triple in _as_rdflib(q for q in quads if blank(q)):
            graph.add(triple)
        graphs.append(graph)
    return isomorphic(graphs[0], graphs[1])


def _verified(patched: str, loaded: _Loaded, removed: set[Triple], added: Sequence[Triple]) -> bool:
    """Whether the patched text reads as the file's graph minus ``removed`` plus ``added`` (every
    triple compared: the patch never loses or adds one silently), with the reading that read the file."""
    if loaded.quads is None:
        result = _parse_text(patched, loaded.path)
        return result is not None and _same_graph(result, _graph(loaded, removed, added))
    got = _oxigraph_reading(patched.encode("utf-8"), loaded.path)
    try:
        expected = (loaded.quads - {_quad(t) for t in removed}) | {_quad(t) for t in added}
    except (ValueError, TypeError):  # a term pyoxigraph refuses cannot be patched in
        return False
    return got is not None and _same_quads(got, expected)


def _graph(loaded: _Loaded, removed: set[Triple], added: Sequence[Triple]) -> Graph:
    """The file's graph after the edit."""
    graph = Graph()
    for triple in loaded.triples:
        if triple not in removed:
            graph.add(triple)
    for triple in added:
        graph.add(triple)
    return graph


def _documents(
    loaded: _Loaded, text: str, removed: set[Triple], added: Sequence[Triple], beside: Node | None
) -> Iterable[_Document]:
    """What the reader finds in the file, when it agrees with the file's triples: first in the
    statements about the edit's subjects only (:func:`_read_partial`), then, should that not give a
    verified patch, in the whole file."""
    base = loaded.path.resolve().as_uri()
    subjects = _edited_subjects(loaded, removed, added, beside)
    keys = {str(s) for s in subjects if isinstance(s, URIRef)}
    try:
        partial = _read_partial(text, base, keys, short_forms=any(_short_form(o) for _, _, o in added))
    except (_Unsupported, RecursionError):
        partial = None
    if partial is not None and _complete(loaded, partial, subjects):
        yield partial
    try:
        doc = _read(text, base)
    except (_Unsupported, RecursionError):
        return
    if {loaded.statement(t) for t in doc.triples} == loaded.stated:
        yield doc


def _complete(loaded: _Loaded, doc: _Document, subjects: set[Node]) -> bool:
    """Whether the reader found, in the statements it read, only triples the file states, and every
    triple the file states about ``subjects``."""
    if not {loaded.statement(t) for t in doc.triples} <= loaded.stated:
        return False
    counts = Counter(s for s, _, _ in {*doc.triples})
    return all(counts[s] == loaded.count(s) for s in subjects)


def _short_form(term: Node) -> bool:
    """Whether a file may write ``term`` in a short form (a bare integer or boolean)."""
    return isinstance(term, Literal) and term.datatype in {XSD.integer, XSD.boolean}


def _edited_subjects(
    loaded: _Loaded, removed: set[Triple], added: Sequence[Triple], beside: Node | None
) -> set[Node]:
    """The subjects of the edit's triples (and ``beside``), with the subjects whose statements hold the
    edit's blank subjects (followed up the triples that point at them)."""
    subjects: set[Node] = {s for s, _, _ in (*removed, *added)} | ({beside} if beside is not None else set())
    frontier = {s for s in subjects if isinstance(s, BNode)}
    for _ in range(MAX_ROUNDS):
        if not frontier:
            break
        owners = {s for s, _, o in loaded.triples if o in frontier}  # only for an edit of blank nodes
        frontier = {s for s in owners if isinstance(s, BNode)} - subjects
        subjects |= owners
    return subjects


def _patch(loaded: _Loaded, removed: set[Triple], added: Sequence[Triple], beside: Node | None) -> str | None:
    """The file's text with the edit patched in, verified (:func:`_verified`); None when the reader
    or the patcher cannot do it or the result is not the expected graph."""
    try:
        text = loaded.data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    for doc in _documents(loaded, text, removed, added, beside):
        try:
            patched = _Patcher(text, doc, removed, added, beside).patched()
        except _Unsupported:
            continue
        if _verified(patched, loaded, removed, added):
            return patched
    return None


def _file_change(
    loaded: _Loaded,
    removed: set[Triple],
    added: Sequence[Triple],
    *,
    folder: Path,
    beside: Node | None,
) -> FileChange | None:
    """The change of one existing file, or None when its bytes stay the same (``removed``: triples the
    file states; ``added``: triples it does not)."""
    if len(loaded.stated) == len(removed) and not added:
        return FileChange(loaded.path, loaded.data, None, PATCH, folder)
    if loaded.path.suffix.lower() != ".ttl":
        raise RopaUsageError(f"{loaded.path}: only Turtle files can be saved by the editor")
    patched = _patch(loaded, removed, added, beside)
    if patched is not None:
        after, method = patched.encode("utf-8"), PATCH
    else:
        expected = _graph(loaded, removed, added)
        after, method = canonical_turtle(expected, prefixes=declared_prefixes([loaded.path])), REWRITE
    return None if after == loaded.data else FileChange(loaded.path, loaded.data, after, method, folder)


def _check_present(files: Iterable[Path], versions: Mapping[Path, str] | None) -> None:
    """A file the editor opened that is gone now was deleted by another save: a conflict.

    Raises:
        SaveConflictError: such a file.
    """
    for path in sorted(set(files)):
        if versions is not None and versions.get(path) and not path.exists():
            raise SaveConflictError(
                f"{path} changed since you opened it (it was deleted): nothing was saved; "
                "reload the activity and make the edit again"
            )


def _new_file_prefixes(loaded: Mapping[Path, _Loaded], given: Mapping[str, str] | None) -> dict[str, str]:
    """The prefixes of a new file: the project's well-known ones, then ``given``, then those the record's
    files declare (each later one wins a prefix or a namespace)."""
    chosen: dict[str, str] = {}
    for layer in (
        {p: str(ns) for p, ns in PREFIXES.items() if p not in {"alu", "sh", "owl"}},
        dict(given or {}),
        declared_prefixes(sorted(loaded)),
    ):
        for prefix, namespace in layer.items():
            for old in [p for p, ns in chosen.items() if ns == namespace]:
                del chosen[old]
            chosen[prefix] = namespace
    return chosen


def plan_save(
    edit: Edit,
    *,
    files: Sequence[Path],
    folder: Path,
    new_file_for: Node | None = None,
    versions: Mapping[Path, str] | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> SavePlan:
    """What saving ``edit`` into the record's Turtle ``files`` would write (nothing is written: see
    :func:`apply_plan`).

    A removed triple leaves every file that states it. An added triple goes into the file that already
    describes its subject (the most triples with it as subject; ties: the first in path order), else
    into the file that describes ``new_file_for`` (the activity being edited), else into a new file
    ``folder/<local name>.ttl`` (of ``new_file_for`` when given, else of the subject) written with
    :func:`canonical_turtle` with the prefixes the record's files declare, else ``prefixes`` (a new
    record's own), else the project's well-known ones (``dpv:``, ``pd:``, ``eu-gdpr:``...). Each
    existing file is patched (``method="patch"``, verified) or, when that fails, rewritten
    (``method="rewrite"``); a file that
    loses every triple is deleted (``after`` None). ``versions`` are the files' hashes when the editor
    opened them (default: as read now); they become the plan's ``base``.

    Raises:
        RopaInputError: a file cannot be read or parsed.
        SaveConflictError: a file of ``versions`` was deleted since.
        RopaUsageError: the edit would change a file that is not Turtle, or a new file's name is taken
            by a file outside the record.
    """
    with literals_as_written(), _no_gc():
        _check_present(files, versions)
        loaded = {path: _load(path) for path in sorted(set(files))}
        removed, added = _net(edit)
        removals = {path: {t for t in removed if f.states(t)} for path, f in loaded.items()}
        additions = _place(added, loaded, folder, new_file_for)
        changes: list[FileChange] = []
        for path in sorted({p for p, r in removals.items() if r} | set(additions)):
            if path in loaded:
                change = _file_change(
                    loaded[path], removals[path], additions.get(path, []), folder=folder, beside=new_file_for
                )
            else:
                graph = Graph()
                for triple in additions[path]:
                    graph.add(triple)
                after = canonical_turtle(graph, prefixes=_new_file_prefixes(loaded, prefixes))
                change = FileChange(path, None, after, REWRITE, folder)
            if change is not None:
                changes.append(change)
    seen = versions or {}
    base = {c.path: seen.get(c.path, loaded[c.path].version if c.path in loaded else "") for c in changes}
    unstated = tuple(sorted((t for t in removed if not any(f.states(t) for f in loaded.values())), key=_key))
    return SavePlan(tuple(changes), base, unstated)


__all__ = [
    "PATCH",
    "REWRITE",
    "Edit",
    "FileChange",
    "SaveConflictError",
    "SavePlan",
    "Triple",
    "apply_plan",
    "canonical_turtle",
    "check_versions",
    "file_versions",
    "plan_save",
]
