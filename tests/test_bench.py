"""``make bench`` end to end on a tiny size: every section is written, and the fast engine and pyshacl
report the same number of findings in the same run. The benchmark is ``benchmarks/bench.py``, a developer
tool outside the package (and its wheel), loaded here from its file."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

import w3c_suite
from conftest import _shared_path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ropa_bench", BENCH)
    assert spec is not None and spec.loader is not None, BENCH
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def test_bench_is_a_script_outside_the_package() -> None:
    """Its command line answers (and it is not importable from the installed package)."""
    assert importlib.util.find_spec("ropa_kg.app.bench") is None
    with pytest.raises(SystemExit) as done:
        _bench().main(["--help"])
    assert done.value.code == 0


def _sharing_the_suite(bench: ModuleType) -> ModuleType:
    """``bench`` reading the W3C suite's outcomes through the ``w3c_suite`` module the tests import, which
    runs the suite once per process (``tests/test_w3c_suite.py`` runs it in this worker too: one xdist
    group), instead of a copy of its own that would run it again."""
    loaded = bench._sibling

    def sibling(name: str, path: Path) -> object:
        return w3c_suite if name == "w3c_suite" else loaded(name, path)

    bench._sibling = sibling  # type: ignore[attr-defined]  # a module's global
    return bench


@pytest.mark.slow
@pytest.mark.xdist_group("w3c-suite")
def test_bench_writes_every_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "RESULTS.md"
    peers = ["--peer-sizes", "20", "--peer-engines", "fast", "pyshacl-oxigraph", "--peer-timeout", "120"]
    bench = _sharing_the_suite(_bench())
    assert bench.main(["--sizes", "20", "--repeats", "1", "--output", str(out), *peers]) == 0
    text = out.read_text(encoding="utf-8")
    for heading in (
        "# Benchmark results",
        "## `ropa validate` on the Alumeco record",
        "## Saved queries",
        "## In memory or the on-disk cache?",
        "## Dashboard (Streamlit AppTest",
        "## Peers side by side",
        "## Editor: the live check of one activity",
    ):
        assert heading in text, heading
    assert re.search(r"^\| overview \(first load\) \| [\d.]+ s \| [\d.]+ s \|$", text, re.M), text
    row = re.search(
        r"^\| 20 \| [\d,]+ \| [\d.]+ s \| \d+ \| [\d.]+ s \| \d+ \| \*\*\d+x\*\* \| (\d+) / (\d+) \|$",
        text,
        re.M,
    )
    assert row is not None, text
    assert row.group(1) == row.group(2) and int(row.group(1)) > 0
    assert "Same findings both ways: True." in text
    assert "Dashboard errors" not in text
    assert (tmp_path / "RESULTS.png").stat().st_size > 1000
    before_scale = text.split("## Saved queries as `ropa query NAME --format csv` runs them", 1)[0]
    assert before_scale.count("| art30-register | 20 |") == 1
    # the saved queries through Virtuoso too (n/a: a query it refuses)
    assert "| server at 20 | Virtuoso at 20 |" in text
    virtuoso = re.search(r"^\| controller-and-dpo \| .* \| ([\d.]+ s|n/a) \|$", text, re.M)
    assert virtuoso is not None and (virtuoso.group(1) != "n/a" or shutil.which("virtuoso-t") is None), text
    # issue 17: the saved queries as ropa query streams them, with the targets, and push-down against copy
    assert "## Saved queries as `ropa query NAME --format csv` runs them, 20 activities in memory" in text
    assert re.search(
        r"^\| record-triples \| [\d,]+ \| [\d.]+ s \| < 10 s \| (yes|\*\*no\*\*) \|", text, re.M
    ), text
    for store in ("oxigraph", "virtuoso"):
        pushed = re.search(
            rf"^\| {store} \| 20 \| [\d.]+ s \| \d+ \| [\d.,]+ MB \| [\d.]+ s .*\| (\d+) / (\d+) \|$",
            text,
            re.M,
        )
        if store == "virtuoso" and shutil.which("virtuoso-t") is None:
            continue
        assert pushed is not None and pushed.group(1) == pushed.group(2), (store, text)
    suite = _shared_path("shacl-test-suite")  # skips without ../shared, fails in CI
    assert suite.is_dir() and "## The W3C SHACL test suite" in text
    assert re.search(r"^\| fast \| core \| (\d+) \| \d+ \| \d+ \| 0 \| 0 \| 98 \|$", text, re.M), text
    digests = re.findall(
        r"^\| 20 \| (fast|pyshacl-oxigraph) \| [\d.]+ s \| \d+ \| \w* \| (\w+ \(\d+ results\)) \|$",
        text,
        re.M,
    )
    assert len(digests) == 2 and digests[0][1] == digests[1][1], digests  # the same findings
