"""Checks every record file passes before a parser sees it, and a guard that keeps parsers off the network.

Every loader (:func:`ropa_kg.load.graph.parse_into` for rdflib, :func:`ropa_kg.load.store.load_file` for
pyoxigraph) calls :func:`read_checked`, which refuses, with a :class:`~ropa_kg.core.errors.RopaInputError`
naming the file (and the line where there is one):

* a file larger than the size limit (:func:`max_file_bytes`: the ``max_bytes`` argument, else the
  ``ROPA_MAX_FILE_BYTES`` environment variable, else :data:`DEFAULT_MAX_FILE_BYTES`), before reading it;
* an empty file (nothing but white space);
* a file that is not UTF-8 text, or holds a NUL byte (a binary file): the offset and line of the first
  bad byte;
* RDF/XML whose document type declaration names an external DTD or external entities (``SYSTEM``,
  ``PUBLIC``), declares parameter entities, nests entity references (the "billion laughs"), declares
  more than :data:`MAX_ENTITIES` entities or would expand past the size limit. Plain abbreviations,
  ``<!ENTITY dpv "https://w3id.org/dpv#">``, are accepted;
* JSON-LD that names a remote or local context document (an ``@context`` or ``@import`` given as a
  string): nothing is ever fetched, so the context must be written inline.

Turtle and N-Triples have no way to load anything: ``owl:imports`` is an ordinary triple to both
parsers. As a second line of defence :func:`no_network` makes any attempt of the parsing thread to open a
network connection fail (a Python audit hook, installed once, active only inside the ``with`` block).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ropa_kg.core.errors import RopaInputError

#: 128 MiB: the largest generated benchmark record that still goes through rdflib comfortably (100,000
#: activities as Turtle, about 100 MB) passes; the 200 MB hostile file does not. Raise it with
#: ``ROPA_MAX_FILE_BYTES`` (e.g. ``512M``) or the ``max_bytes`` option for bigger records.
DEFAULT_MAX_FILE_BYTES = 128 * 1024 * 1024
#: The environment variable that sets the size limit (bytes, or a number with K, M or G).
MAX_BYTES_ENV = "ROPA_MAX_FILE_BYTES"
#: At most this many entity declarations in an RDF/XML document type declaration.
MAX_ENTITIES = 64
#: At most this many characters in one entity's replacement text.
MAX_ENTITY_LENGTH = 2048

_SIZE = re.compile(r"^\s*(\d+)\s*([KMG]?)i?B?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


@dataclass(frozen=True)
class CheckedInput:
    """A record file that passed the checks: its bytes, its text and (JSON-LD) the parsed document."""

    path: Path
    data: bytes
    text: str
    document: Any = None


def max_file_bytes(max_bytes: int | None = None) -> int:
    """The size limit in bytes: ``max_bytes``, else ``$ROPA_MAX_FILE_BYTES``, else the default.

    Raises:
        RopaInputError: the environment variable is not a size such as ``200000000`` or ``512M``.
    """
    if max_bytes is not None:
        return max_bytes
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_FILE_BYTES
    match = _SIZE.match(raw)
    if match is None:
        raise RopaInputError(f"{MAX_BYTES_ENV}={raw!r} is not a size (bytes, or a number with K, M or G)")
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def _size_text(size: int) -> str:
    return f"{size:,} bytes" + (f" ({size / 1024 / 1024:.1f} MiB)" if size >= 1024 * 1024 else "")


def check_size(path: Path, *, max_bytes: int | None = None) -> int:
    """Return the size of ``path``; refuse it, without reading it, if it exceeds the limit.

    Raises:
        RopaInputError: the file cannot be read, or is larger than the limit.
    """
    limit = max_file_bytes(max_bytes)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RopaInputError(f"cannot read: {exc.strerror}", path) from exc
    if size > limit:
        raise RopaInputError(
            f"refused: the file is {_size_text(size)}, larger than the limit of {_size_text(limit)}; "
            f"raise the limit with {MAX_BYTES_ENV} if the file is meant to be this large",
            path,
        )
    return size


def decode_text(data: bytes, path: Path | str) -> str:
    """``data`` as text; refuse empty, binary or non-UTF-8 content.

    Raises:
        RopaInputError: nothing but white space, a NUL byte, or a byte sequence that is not UTF-8 (names
            the offset and the line of the first bad byte).
    """
    if not data.strip():
        raise RopaInputError("the file is empty", path)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise RopaInputError(
            f"not a text file (binary?): a NUL byte at byte offset {nul}", path, data.count(b"\n", 0, nul) + 1
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RopaInputError(
            f"not UTF-8 text (binary file?): byte 0x{data[exc.start]:02x} at byte offset {exc.start}",
            path,
            data.count(b"\n", 0, exc.start) + 1,
        ) from exc


# --- RDF/XML ------------------------------------------------------------------------------------------

_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_DOCTYPE_HEAD = re.compile(r"<!DOCTYPE\s+[^\s\[>]+\s*", re.IGNORECASE)
_SUBSET_ITEM = re.compile(
    r"\s+|<!--.*?-->|<\?.*?\?>"
    r"|<!ENTITY\s+(?P<name>[^\s%\"'>]+)\s+(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)')\s*>"
    r"|(?P<other>\S[^>]*>?)",
    re.DOTALL,
)
_REFERENCE = re.compile(r"&([A-Za-z_][\w.\-]*);")


def check_rdfxml(text: str, path: Path | str, *, max_bytes: int | None = None) -> None:
    """Refuse an RDF/XML text whose DTD could fetch something or expand without bound.

    Accepted: no DTD, or an internal subset holding only general entities whose replacement text is a
    plain string (no ``&`` or ``%``), at most :data:`MAX_ENTITIES` of them, whose expansion in the
    document stays within the size limit.

    Raises:
        RopaInputError: an external DTD or entity (``SYSTEM``/``PUBLIC``), a parameter entity, nested
            entity references, too many or too long entities, any other declaration, or an expansion
            past the limit; names the line.
    """
    position = 0
    while True:
        match = _PROLOG_ITEM.match(text, position)
        if match is None or match.end() == position:
            break
        position = match.end()
    if text.startswith("\ufeff", position):
        position += 1
    head = _DOCTYPE_HEAD.match(text, position)
    entities: dict[str, str] = {}
    body_start = position
    if head is not None:
        body_start = _read_doctype(text, head.end(), path, entities)
    stray = re.search(r"<!(?:DOCTYPE|ENTITY)", text[body_start:], re.IGNORECASE)
    if stray is not None:
        at = body_start + stray.start()
        raise RopaInputError(
            "refused: a document type or entity declaration outside the prolog", path, _line(text, at)
        )
    if not entities:
        return
    limit = max_file_bytes(max_bytes)
    expanded = len(text)
    for ref in _REFERENCE.finditer(text, body_start):
        value = entities.get(ref.group(1))
        if value is not None:
            expanded += len(value) - len(ref.group(0))
            if expanded > limit:
                raise RopaInputError(
                    f"refused: entity expansion would make the document larger than {_size_text(limit)}",
                    path,
                    _line(text, ref.start()),
                )


def _read_doctype(text: str, start: int, path: Path | str, entities: dict[str, str]) -> int:
    """Read a DOCTYPE from after its name; fill ``entities``; return where the document continues."""
    line = _line(text, start)
    if re.match(r"(?:SYSTEM|PUBLIC)\b", text[start:], re.IGNORECASE):
        raise RopaInputError("refused: an external DTD (SYSTEM/PUBLIC); nothing is fetched", path, line)
    if text.startswith(">", start):
        return start + 1
    if not text.startswith("[", start):
        raise RopaInputError("refused: a document type declaration that cannot be read", path, line)
    position = start + 1
    while True:
        close = re.match(r"\]\s*>", text[position : position + 64])
        if close is not None:
            return position + close.end()
        match = _SUBSET_ITEM.match(text, position)
        if match is None or match.end() == position:
            raise RopaInputError("refused: an unterminated document type declaration", path, line)
        at = _line(text, position)
        other = match.group("other")
        if other is not None:
            raise RopaInputError(_why_refused(other), path, at)
        name = match.group("name")
        if name is not None:
            value = match.group("dq") if match.group("dq") is not None else match.group("sq")
            if "&" in value or "%" in value:
                raise RopaInputError(
                    f"refused: entity {name!r} refers to other entities (nested entity expansion, as in "
                    "the 'billion laughs' attack)",
                    path,
                    at,
                )
            if len(value) > MAX_ENTITY_LENGTH:
                raise RopaInputError(
                    f"refused: entity {name!r} is longer than {MAX_ENTITY_LENGTH} characters", path, at
                )
            entities[name] = value
            if len(entities) > MAX_ENTITIES:
                raise RopaInputError(f"refused: more than {MAX_ENTITIES} entity declarations", path, at)
        position = match.end()


def _why_refused(declaration: str) -> str:
    upper = declaration.upper()
    if upper.startswith("<!ENTITY"):
        if re.match(r"<!ENTITY\s+%", upper):
            return "refused: a parameter entity (<!ENTITY % ...>); only plain abbreviations are accepted"
        if re.search(r"\b(?:SYSTEM|PUBLIC)\b", upper):
            return "refused: an external entity (SYSTEM/PUBLIC); nothing is fetched"
        return "refused: an entity declaration that is not a plain quoted string"
    if upper.startswith("%"):
        return "refused: a parameter entity reference in the DTD"
    return (
        f"refused: the DTD declaration {declaration[:40]!r}; only plain entity abbreviations "
        '(<!ENTITY name "text">) are accepted'
    )


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# --- JSON-LD ------------------------------------------------------------------------------------------


def check_jsonld(text: str, path: Path | str) -> Any:
    """Parse a JSON-LD text and refuse any context that would have to be loaded; return the document.

    Raises:
        RopaInputError: not JSON (names the line), nested too deeply, or an ``@context``/``@import``
            given as a string (a URL or a file name): remote and local context documents are never
            loaded; write the context inline.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RopaInputError(
            f"syntax error: not JSON: {exc.msg} (column {exc.colno})", path, exc.lineno
        ) from exc
    except RecursionError as exc:
        raise RopaInputError("refused: the JSON is nested too deeply", path) from exc
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in {"@context", "@import"}:
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, str):
                            raise RopaInputError(
                                f"refused: {key} {item!r} names a context document to load; nothing is "
                                "fetched, so write the context inline (an object)",
                                path,
                                _json_line(text, item),
                            )
                stack.append(value)
    return document


def _json_line(text: str, value: str) -> int | None:
    at = text.find(json.dumps(value)[1:-1])
    return _line(text, at) if at >= 0 else None


# --- all together -------------------------------------------------------------------------------------


def read_checked(path: Path, fmt: str, *, max_bytes: int | None = None) -> CheckedInput:
    """Read ``path`` (format ``fmt``: an rdflib name, ``turtle``/``nt``/``xml``/``json-ld``) and run
    every check above that applies.

    Raises:
        RopaInputError: the file is missing, too large, empty, binary, not UTF-8, or hostile.
    """
    check_size(path, max_bytes=max_bytes)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RopaInputError(f"cannot read: {exc.strerror}", path) from exc
    text = decode_text(data, path)
    document = None
    if fmt == "xml":
        check_rdfxml(text, path, max_bytes=max_bytes)
    elif fmt == "json-ld":
        document = check_jsonld(text, path)
    return CheckedInput(path, data, text, document)


# --- no network while parsing ---------------------------------------------------------------------------

_BLOCKING: ContextVar[list[str] | None] = ContextVar("ropa_no_network", default=None)
_NETWORK_EVENTS = frozenset(
    {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request"}
)
_hook_installed = False


class NetworkBlocked(RopaInputError):
    """A parser tried to open a network connection while :func:`no_network` was active."""


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event in _NETWORK_EVENTS:
        attempts = _BLOCKING.get()
        if attempts is not None:
            target = str(args[1] if event == "socket.connect" and len(args) > 1 else args[0] if args else "")
            attempts.append(f"{event} {target}")
            raise NetworkBlocked(f"refused: the parser tried to contact {target}; nothing is fetched")


@contextmanager
def no_network(path: Path | str | None = None) -> Iterator[list[str]]:
    """Inside the block, any network connection the current thread attempts raises
    :class:`NetworkBlocked`; the attempts are collected in the yielded list (so that a parser that
    swallows the exception is still caught: the caller checks the list).

    Other threads (a web server, say) are not affected.
    """
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    attempts: list[str] = []
    token = _BLOCKING.set(attempts)
    try:
        yield attempts
    finally:
        _BLOCKING.reset(token)


def refuse_attempts(attempts: list[str], path: Path | str) -> None:
    """Raise if :func:`no_network` recorded any attempt.

    Raises:
        NetworkBlocked: the parser tried to reach the network while reading ``path``.
    """
    if attempts:
        raise NetworkBlocked(f"refused: the parser tried to reach the network ({attempts[0]})", path)


__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "MAX_BYTES_ENV",
    "MAX_ENTITIES",
    "MAX_ENTITY_LENGTH",
    "CheckedInput",
    "NetworkBlocked",
    "check_jsonld",
    "check_rdfxml",
    "check_size",
    "decode_text",
    "max_file_bytes",
    "no_network",
    "read_checked",
    "refuse_attempts",
]
