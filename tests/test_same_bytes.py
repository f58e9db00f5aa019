"""The same input gives the same bytes: every output of ropa (each saved query on both engines, every
export, every report format on both engines) is byte-identical in two separate processes with different
hash seeds and separate load caches, and the two query engines write the same tables.

Records: the bundled Alumeco record (multi-valued register cells), a record full of blank nodes, and a
generated record with faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ropa_kg.app.generate import generate
from ropa_kg.core.resources import alumeco_dir

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("same-bytes")]  # one worker runs the two probes
HERE = Path(__file__).resolve().parent
PROBE = HERE / "same_bytes_probe.py"
BLANK = HERE / "fixtures" / "blank" / "record.ttl"


def digests(records: list[Path], seed: str, cache: Path) -> dict[str, dict[str, str]]:
    """The probe's digests of every output on each of ``records`` (one process for them all, so that
    Python, rdflib and pyshacl start once rather than once per record), keyed by the record's path."""
    env = {**os.environ, "PYTHONHASHSEED": seed, "ROPA_CACHE_DIR": str(cache)}
    env["SOURCE_DATE_EPOCH"] = "1780000000"
    done = subprocess.run(
        [sys.executable, str(PROBE), *map(str, records)], env=env, cwd=HERE, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    found: dict[str, dict[str, str]] = json.loads(done.stdout)
    assert sorted(found) == sorted(map(str, records))
    return found


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("generated") / "generated.ttl"
    with path.open("w", encoding="utf-8") as out:
        generate(out, activities=12, seed=7, fault_rate=0.3)
    return path


@pytest.fixture(scope="session")
def records(generated: Path) -> dict[str, Path]:
    return {"alumeco": alumeco_dir(), "blank": BLANK, "generated": generated}


@pytest.fixture(scope="session")
def two_runs(
    records: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """The digests of two separate processes with different hash seeds and separate load caches, made
    once per test process (session scope: a module fixture was set up again when xdist ran other modules'
    tests between this module's, and the probes took minutes each time); the second takes the records in
    the opposite order (what one record leaves behind in the process must not
    change the bytes of the next)."""
    folder = tmp_path_factory.mktemp("same-bytes")
    order = list(records.values())
    return digests(order, "1", folder / "cache-1"), digests(order[::-1], "2", folder / "cache-2")


def test_two_processes_give_the_same_bytes_and_both_engines_the_same_tables(
    records: dict[str, Path],
    two_runs: tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]],
) -> None:
    """One test for the three records (alumeco, blank, generated): as three parametrised tests, the two
    probe processes were run twice on a clean clone (two workers each set the fixture up, 150-400 s)."""
    assert sorted(records) == ["alumeco", "blank", "generated"]
    for which, path in records.items():
        first, second = (run[str(path)] for run in two_runs)
        assert len(first) > 50, which
        assert {k for k in first if first[k] != second[k]} == set(), which
        engines = {k.rsplit(" ", 1)[0] for k in first if k.startswith(("query ", "cli "))}
        assert {q for q in engines if first[f"{q} oxigraph"] != first[f"{q} rdflib"]} == set(), which
        for name in (
            "art30-register",
            "record-triples",
        ):  # the CLI (query worker) writes what the library does
            assert first[f"cli {name} oxigraph"] == first[f"query {name} oxigraph"], (which, name)
