"""Shared fixtures: the repository, ../shared (official DPV files and the seed policy), the Alumeco record
(graph, store, validation result), the rule set.

The parsed fixtures are session-scoped: each test process parses them once, on first use (never at
collection), however many test files read them. They are shared, so they are read-only: a test that
changes a graph or a store makes its own (``load_graph()``, ``load_store()``, ``Graph() + fixture``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import settings
from rdflib import Graph

from ropa_kg.core.resources import alumeco_dir
from ropa_kg.load.graph import load_graph
from ropa_kg.load.store import load_store
from ropa_kg.rules.shapes import load_shapes
from ropa_kg.rules.validation import ValidationResult, validate

# Property tests: derandomised in CI (the same examples every run, so a red CI is never luck), random
# elsewhere; `make fuzz` runs a long random pass (profile "fuzz", ROPA_FUZZ_SCALE times the examples).
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.register_profile("fuzz", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
#: How many times the usual number of examples the property tests try (``make fuzz`` raises it).
FUZZ_SCALE = max(1, int(os.environ.get("ROPA_FUZZ_SCALE", "1")))

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ROPA_SHARED_DIR", REPO.parent / "shared"))
#: The official DPV 2.3 files the record, the rules and the generator draw their terms from.
OFFICIAL_DPV_FILES = ("dpv.ttl", "eu-gdpr.ttl", "pd.ttl", "tech.ttl", "loc.ttl", "legal-eu.ttl")


def _shared_path(*parts: str) -> Path:
    """A path under ../shared; skips when absent, but fails in CI (ROPA_REQUIRE_DPV=1 set by .ci/run)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is absent (the official DPV files and the seed policy live in ../shared)"
        if os.environ.get("ROPA_REQUIRE_DPV") == "1":
            pytest.fail(message + "; ROPA_REQUIRE_DPV=1 makes this a failure")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def dpv_examples_dir() -> Path:
    """The 88 official DPV 2.3 examples (``../shared/dpv-examples/E0001.ttl`` ... ``E0088.ttl``)."""
    return _shared_path("dpv-examples")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def dpv_dir() -> Path:
    return _shared_path("dpv")


@pytest.fixture(scope="session")
def official_dpv(dpv_dir: Path) -> ox.Store:
    """The official DPV files (:data:`OFFICIAL_DPV_FILES`) in one pyoxigraph store (read-only: do not
    modify). pyoxigraph parses them in about half a second; rdflib takes ten."""
    store = ox.Store()
    for name in OFFICIAL_DPV_FILES:
        store.bulk_load(path=str(_shared_path("dpv", name)), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="session")
def dpv_terms(official_dpv: ox.Store) -> frozenset[str]:
    """Every IRI the official DPV files say something about (the subjects of their triples)."""
    subjects = (q.subject for q in official_dpv.quads_for_pattern(None, None, None))
    return frozenset(s.value for s in subjects if isinstance(s, ox.NamedNode))


@pytest.fixture(scope="session")
def seed_text() -> str:
    return _shared_path("seed", "alumeco-tietosuojaseloste.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def shapes_graph() -> Graph:
    """The bundled rule set, ``shapes/`` (read-only: do not modify)."""
    return load_shapes()


@pytest.fixture(scope="session")
def alumeco_graph() -> Graph:
    """The bundled Alumeco record with the project's ontology (read-only: do not modify)."""
    return load_graph()


@pytest.fixture(scope="session")
def alumeco_record_graph() -> Graph:
    """The bundled Alumeco record alone, without the ontology (read-only: do not modify)."""
    return load_graph([alumeco_dir()], with_ontology=False)


@pytest.fixture(scope="session")
def alumeco_store() -> ox.Store:
    """The bundled Alumeco record with the project's ontology in a pyoxigraph store (read-only)."""
    return load_store()


@pytest.fixture(scope="session")
def alumeco_validation(shapes_graph: Graph) -> ValidationResult:
    """``validate()`` of the bundled Alumeco record with the default engine and rule set (read-only)."""
    return validate(shapes=shapes_graph)


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Stores parsed by the tests go to a temporary cache, never the user's ~/.cache/ropa-kg."""
    if not os.environ.get("ROPA_CACHE_DIR"):
        os.environ["ROPA_CACHE_DIR"] = str(tmp_path_factory.getbasetemp() / "ropa-cache")
