"""DPV as the world writes it (issue 13): one pair of records per pattern the tool must understand.

Each folder of ``tests/fixtures/patterns/NN-short-name/`` holds a ``pass.ttl`` and a ``fail.ttl``, each a
complete small record written the DPV way in that pattern. Their header says what they expect:

* line 2, ``# expect: RULE-ID ex:Focus RULE-ID ex:Focus ...``: the exact (rule id, focus node) findings of
  ``validate()`` (empty for a passing record). A focus written ``_:`` stands for one blank node (a finding
  on a blank party, whose label the record does not choose);
* optional ``# also: RULE-ID ex:Focus -- reason`` lines: findings a passing record has because the law
  requires them;
* optional ``# activities: N``: the number of processing activities ``ropa stats`` counts.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ropa_kg.load.store import load_store, record_stats
from ropa_kg.rules.validation import validate

FIXTURES = Path(__file__).parent / "fixtures" / "patterns"
EX = "https://example.org/record#"
FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
FILES = [path for folder in FOLDERS for path in sorted(folder.glob("*.ttl"))]
BLANK = "_:"
#: How many header lines may carry ``# also:`` and ``# activities:`` (after the ``# expect:`` line).
HEADER_LINES = 6


def _pairs(tokens: list[str], path: Path) -> list[tuple[str, str]]:
    assert len(tokens) % 2 == 0, f"{path}: expectations come in pairs (RULE-ID ex:Focus): {tokens}"
    pairs = []
    for rule, focus in zip(tokens[::2], tokens[1::2], strict=True):
        assert rule.startswith("ROPA-"), f"{path}: {rule!r} is no rule id"
        assert focus == BLANK or focus.startswith("ex:"), f"{path}: focus {focus!r} is neither ex: nor _:"
        pairs.append((rule, BLANK if focus == BLANK else EX + focus.removeprefix("ex:")))
    return pairs


def expected(path: Path) -> Counter[tuple[str, str]]:
    """The (rule id, focus IRI or ``_:``) findings the header of ``path`` names, each with its count."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("# expect:"), f"{path}: the second line must be '# expect: ...'"
    pairs = _pairs(lines[1].removeprefix("# expect:").split(), path)
    for line in lines[2:HEADER_LINES]:
        if line.startswith("# also:"):
            claim, sep, reason = line.removeprefix("# also:").partition(" -- ")
            assert sep and reason.strip(), f"{path}: '# also:' needs ' -- reason'"
            pairs += _pairs(claim.split(), path)
    if path.stem.startswith("fail"):
        assert pairs, f"{path}: a failing record expects some finding"
    return Counter(pairs)


def expected_activities(path: Path) -> int | None:
    """The ``# activities: N`` of the header of ``path``, if it has one."""
    for line in path.read_text(encoding="utf-8").splitlines()[2:HEADER_LINES]:
        if line.startswith("# activities:"):
            return int(line.removeprefix("# activities:"))
    return None


def test_every_pattern_has_its_records() -> None:
    assert len(FOLDERS) >= 12
    for folder in FOLDERS:
        assert {p.name for p in folder.glob("*.ttl")} >= {"pass.ttl", "fail.ttl"}, folder.name


#: In make check: the patterns that touch the most readings (legal bases, sub-processes, misspellings);
#: make test runs every pair.
EVERYDAY = ("02-", "03-", "12-")


def _marked(paths: list[Path]) -> list[object]:
    return [
        p if p.parent.name.startswith(EVERYDAY) else pytest.param(p, marks=pytest.mark.slow) for p in paths
    ]


@pytest.mark.parametrize("path", _marked(FILES), ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_pattern(path: Path) -> None:
    distinct = {(f.rule_id, f.focus_node) for f in validate(path).findings}
    # each distinct blank focus node counts once under "_:"
    found = Counter((rule, BLANK if focus.startswith(BLANK) else focus) for rule, focus in distinct)
    assert found == expected(path)


@pytest.mark.parametrize(
    "path",
    _marked([p for p in FILES if expected_activities(p) is not None]),
    ids=[f"{p.parent.name}/{p.stem}" for p in FILES if expected_activities(p) is not None],
)
def test_activity_count(path: Path) -> None:
    assert record_stats(load_store([path])).activities == expected_activities(path)
