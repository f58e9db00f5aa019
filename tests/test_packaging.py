"""A wheel built from the repo carries ontology, shapes, queries and data, and none of the developer tools
(benchmarks/bench.py, the test-only libraries); `ropa` works from any folder."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
    )
    (built,) = out.glob("ropa_kg-*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_the_resources(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("ontology", "shapes", "queries", "data/alumeco"):
        assert any(n.startswith(f"ropa_kg/_resources/{folder}/") for n in names), folder
    assert "ropa_kg/_resources/ontology/ropa.ttl" in names
    assert "ropa_kg/_resources/data/alumeco/chat.ttl" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_runtime_dependencies_leave_the_test_tools_out() -> None:
    """The fast half of the wheel checks below (make check): what pyproject.toml declares."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[\s<>=!~\[(;]", r, maxsplit=1)[0].lower() for r in requirements}

    assert "jsonschema" not in names(project["dependencies"])
    assert "jsonschema" in names(project["optional-dependencies"]["dev"])
    assert not list((REPO / "src").rglob("bench*.py")), "the benchmark belongs in benchmarks/, not the wheel"


def _runtime_requirements(metadata: str) -> set[str]:
    """The names in the wheel's ``Requires-Dist`` lines that no extra guards (what ``pip install`` pulls)."""
    names = set()
    for line in metadata.splitlines():
        if line.startswith("Requires-Dist:") and "extra ==" not in line:
            requirement = line.removeprefix("Requires-Dist:").split(";")[0].strip()
            names.add(re.split(r"[\s<>=!~\[(]", requirement, maxsplit=1)[0].lower())
    return names


@pytest.mark.slow
def test_wheel_leaves_the_developer_tools_out(wheel: Path) -> None:
    """The benchmark (benchmarks/bench.py) and the test-only libraries are not part of what users install."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata,) = (n for n in names if n.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode("utf-8")
    assert not any("bench" in n.rsplit("/", 1)[-1] for n in names), sorted(n for n in names if "bench" in n)
    assert "ropa_kg/app/generate.py" in names  # ropa generate is a user command: it stays
    runtime = _runtime_requirements(text)
    assert {"rdflib", "pyoxigraph", "pyshacl"} <= runtime, runtime  # the parse read the real lines
    assert not runtime & {"jsonschema", "pytest", "hypothesis", "matplotlib", "hatchling"}, runtime
    assert re.search(r"^Requires-Dist: jsonschema\b.*; extra == .dev.$", text, re.M), text  # tests need it


@pytest.mark.slow
def test_installed_wheel_runs_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import ropa_kg.core.resources as r, sys; from ropa_kg.app.cli import main; "
        "print(r.resource_root()); sys.argv=['ropa','stats','--format','json']; main()"
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    first, rest = done.stdout.split("\n", 1)
    assert first.startswith(str(target)), first  # resources come from the installed wheel, not the checkout
    assert '"activities": 10' in rest
