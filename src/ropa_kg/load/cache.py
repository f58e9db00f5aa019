"""Parse a record once: a binary pyoxigraph store on disk, keyed by the sha256 of the input files.

``load_cached(paths)`` hashes every input file (the project ontology included by default), and opens the
store saved under ``<cache dir>/<key>`` when one exists; otherwise it bulk-loads the files into a fresh
store in a temporary folder beside it and renames that folder into place (so a crash or a parse error
never leaves a half-built store behind, and two processes building the same key do not clash). The
cache folder is ``$ROPA_CACHE_DIR``, else ``$XDG_CACHE_HOME/ropa-kg`` (``~/.cache/ropa-kg``); the oldest
entries beyond :data:`KEEP` are removed. Where no cache folder can be written, the record is loaded in
memory. Every file passes the checks of :mod:`ropa_kg.load.safe_input` (via
:func:`ropa_kg.load.store.load_file`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.resources import alumeco_dir, cache_root
from ropa_kg.load.graph import collect_files, ontology_files
from ropa_kg.load.reading import read_dpv, reading_inputs
from ropa_kg.load.store import load_file, relabel_blank_nodes

#: Bump when the on-disk layout or the loading rules change, so old entries are not reused.
CACHE_VERSION = "2"
#: How many stores the cache keeps.
KEEP = 8


@dataclass(frozen=True)
class LoadedStore:
    """A store holding a record, and how it was obtained."""

    store: ox.Store
    key: str
    files: tuple[Path, ...]
    cache_path: Path | None
    hit: bool
    seconds: float


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes (hex). Raises RopaInputError if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise RopaInputError(f"cannot read: {exc.strerror}", path) from exc
    return digest.hexdigest()


def cache_key(files: Sequence[Path]) -> str:
    """A key for a set of input files: sha256 over the version, each file's format and content hash.

    The key does not depend on where the files are or on their order, only on what they hold; it covers
    the readings (``queries/reading/*.rq``) and the DPV index too, which shape what the store holds.
    """
    parts = sorted(f"{p.suffix.lower()}:{file_digest(p)}" for p in files)
    parts += sorted(f"reading:{p.name}:{file_digest(p)}" for p in reading_inputs())  # order matters
    return hashlib.sha256("\n".join([CACHE_VERSION, *parts]).encode()).hexdigest()


def load_files_into(
    store: ox.Store, files: Sequence[Path], *, max_bytes: int | None = None, vocabulary: bool = True
) -> None:
    """Bulk-load ``files`` into ``store`` (format by extension), each checked by
    :mod:`ropa_kg.load.safe_input` first, then read by :func:`ropa_kg.load.reading.read_dpv` (with the
    DPV index facts when ``vocabulary``).

    Raises:
        RopaInputError: a file is refused, cannot be read or cannot be parsed (names the file and line).
    """
    for path in files:
        load_file(store, path, max_bytes=max_bytes, bulk=True)
    relabel_blank_nodes(store)
    read_dpv(store, vocabulary=vocabulary)


def load_cached(
    paths: Sequence[Path | str] | None = None,
    *,
    with_ontology: bool = True,
    cache_dir: Path | str | None = None,
    use_cache: bool = True,
) -> LoadedStore:
    """Load the record in ``paths`` (default: the bundled Alumeco record) into a pyoxigraph store.

    With ``use_cache`` the store is read from / saved to the on-disk cache and opened read-only (do not
    update it); without, it is built in memory. With ``with_ontology`` the project's ontology is loaded too.

    Raises:
        RopaInputError: a path is missing, or a file cannot be read or parsed.
    """
    start = time.perf_counter()
    files = tuple(collect_files(paths if paths else [alumeco_dir()]))
    all_files = tuple(ontology_files()) + files if with_ontology else files
    key = cache_key(all_files)
    if not use_cache:
        store = ox.Store()
        load_files_into(store, all_files, vocabulary=with_ontology)
        return LoadedStore(store, key, all_files, None, False, time.perf_counter() - start)

    root = cache_root(cache_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:  # nowhere to keep a cache (read-only home, say): load in memory
        return load_cached(paths, with_ontology=with_ontology, use_cache=False)
    target = root / key
    if (target / ".complete").is_file():
        os.utime(target)  # mark as recently used
        store = ox.Store.read_only(str(target))
        return LoadedStore(store, key, all_files, target, True, time.perf_counter() - start)

    building = Path(tempfile.mkdtemp(prefix=f".build-{key[:12]}-", dir=root))
    try:
        fresh = ox.Store(str(building))
        load_files_into(fresh, all_files, vocabulary=with_ontology)
        fresh.flush()
        fresh.optimize()
        del fresh  # closes the database so the folder can be moved
        (building / ".complete").write_text(key + "\n")
        try:
            building.rename(target)
        except OSError:
            # another process finished the same key first: use theirs
            if not (target / ".complete").is_file():
                raise
            shutil.rmtree(building, ignore_errors=True)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _evict(root, keep=KEEP)
    store = ox.Store.read_only(str(target))
    return LoadedStore(store, key, all_files, target, False, time.perf_counter() - start)


def _evict(root: Path, *, keep: int) -> None:
    """Remove the least recently used complete entries beyond ``keep``."""
    entries = [p for p in root.iterdir() if p.is_dir() and (p / ".complete").is_file()]
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def clear_cache(cache_dir: Path | str | None = None) -> int:
    """Remove every cached store; returns how many were removed."""
    root = cache_root(cache_dir)
    if not root.is_dir():
        return 0
    removed = 0
    for entry in root.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


__all__ = [
    "CACHE_VERSION",
    "KEEP",
    "LoadedStore",
    "cache_key",
    "cache_root",
    "clear_cache",
    "file_digest",
    "load_cached",
    "load_files_into",
]
