"""Shared fixtures: the repository, ../shared (official DPV files and the seed policy), the Alumeco graph."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from rdflib import Graph

from ropa_kg.load.graph import load_graph

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
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def dpv_dir() -> Path:
    return _shared_path("dpv")


@pytest.fixture(scope="session")
def seed_text() -> str:
    return _shared_path("seed", "alumeco-tietosuojaseloste.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def alumeco_graph() -> Graph:
    """The bundled Alumeco record with the project's ontology (read-only: do not modify)."""
    return load_graph()


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Stores parsed by the tests go to a temporary cache, never the user's ~/.cache/ropa-kg."""
    if not os.environ.get("ROPA_CACHE_DIR"):
        os.environ["ROPA_CACHE_DIR"] = str(tmp_path_factory.getbasetemp() / "ropa-cache")
