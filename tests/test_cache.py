"""The load cache: parse once, reuse the binary store while the files' hashes match."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ropa_kg.app.generate import generate
from ropa_kg.core.errors import RopaInputError
from ropa_kg.load.cache import cache_key, cache_root, load_cached


def _record(path: Path, seed: int) -> Path:
    buffer = io.StringIO()
    generate(buffer, activities=15, seed=seed)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_second_load_is_a_hit_with_the_same_triples(tmp_path: Path) -> None:
    record = _record(tmp_path / "r.ttl", 1)
    first = load_cached([record], cache_dir=tmp_path / "cache")
    count = len(first.store)
    del first
    second = load_cached([record], cache_dir=tmp_path / "cache")
    assert second.hit and second.cache_path is not None and second.cache_path.is_dir()
    assert len(second.store) == count > 300


def test_changed_content_changes_the_key(tmp_path: Path) -> None:
    record = _record(tmp_path / "r.ttl", 1)
    before = cache_key([record])
    _record(record, 2)
    assert cache_key([record]) != before
    assert not load_cached([record], cache_dir=tmp_path / "cache").hit


def test_key_ignores_location(tmp_path: Path) -> None:
    a = _record(tmp_path / "a.ttl", 3)
    (tmp_path / "sub").mkdir()
    b = _record(tmp_path / "sub" / "b.ttl", 3)
    assert cache_key([a]) == cache_key([b])


def test_parse_error_names_line_and_leaves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "open .\n', encoding="utf-8"
    )
    with pytest.raises(RopaInputError) as info:
        load_cached([bad], cache_dir=tmp_path / "cache", with_ontology=False)
    assert info.value.line == 3
    assert "bad.ttl" in str(info.value)
    assert list((tmp_path / "cache").iterdir()) == []


def test_cache_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path / "env-cache"))
    assert cache_root() == tmp_path / "env-cache"
    loaded = load_cached([_record(tmp_path / "r.ttl", 4)])
    assert loaded.cache_path is not None and loaded.cache_path.parent == tmp_path / "env-cache"


def test_without_cache_builds_in_memory(tmp_path: Path) -> None:
    loaded = load_cached([_record(tmp_path / "r.ttl", 5)], use_cache=False)
    assert loaded.cache_path is None and not loaded.hit and len(loaded.store) > 300
