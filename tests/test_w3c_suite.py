"""The W3C SHACL test suite (``../shared/shacl-test-suite``) on both engines: the fast engine gives no wrong
result and no crash, passes at least as many tests as pySHACL, and compiles (runs without the pyshacl
fallback) at least 85 of the 98 core tests and 15 of the 22 SPARQL tests. Needs ``../shared``: it fails,
never skips, without it."""

from __future__ import annotations

import pytest

from conftest import _shared_path
from w3c_suite import Outcome, run_suite, suite_tests, table

#: One worker runs the suite, once: these tests and the bench's (tests/test_bench.py) share its outcomes.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("w3c-suite")]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, list[Outcome]]:
    tests = suite_tests(_shared_path("shacl-test-suite"))  # skips when absent, fails in CI
    assert len(tests) == 120, "98 core and 22 SPARQL tests"
    assert tests == suite_tests(), "the suite run_suite runs"
    return {engine: list(run_suite(engine)) for engine in ("fast", "pyshacl")}


def _passed(rows: dict[str, int]) -> int:
    return rows["compiled"] + rows["fallback"]


def test_the_fast_engine_gives_no_wrong_result_and_no_crash(outcomes: dict[str, list[Outcome]]) -> None:
    bad = [
        (o.test.name, o.outcome, o.detail[:200]) for o in outcomes["fast"] if o.outcome in ("wrong", "crash")
    ]
    assert bad == []


def test_the_fast_engine_passes_at_least_what_pyshacl_passes(outcomes: dict[str, list[Outcome]]) -> None:
    fast, reference = table(outcomes["fast"]), table(outcomes["pyshacl"])
    for family in ("core", "sparql"):
        assert _passed(fast[family]) >= _passed(reference[family]), (family, fast, reference)


def test_most_of_the_suite_is_compiled(outcomes: dict[str, list[Outcome]]) -> None:
    fast = table(outcomes["fast"])
    assert fast["core"]["compiled"] >= 85, fast
    assert fast["sparql"]["compiled"] >= 15, fast


def test_what_shacl_forbids_is_refused(outcomes: dict[str, list[Outcome]]) -> None:
    refused = {o.test.name for o in outcomes["fast"] if o.test.expects_failure}
    assert {"sparql/pre-binding/unsupported-sparql-001", "sparql/pre-binding/pre-binding-006"} <= refused
    assert all(o.outcome == "compiled" for o in outcomes["fast"] if o.test.expects_failure)
