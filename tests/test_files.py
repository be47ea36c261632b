"""files.read: one read per build, and never a stale answer after the file is saved again."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from reportgen import files


def test_a_second_read_of_an_unchanged_file_is_the_first(tmp_path: Path) -> None:
    path = tmp_path / "gva.csv"
    path.write_bytes(b"la_code,year\nE06000001,2020\n")
    data, digest = files.read(path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    again, _ = files.read(path)
    assert again is data


def test_a_same_size_edit_with_the_old_modification_time_is_seen(tmp_path: Path) -> None:
    """An editor (or a sync tool) may restore the modification time; the change time still moves."""
    path = tmp_path / "gva.csv"
    path.write_bytes(b"la_code,gva\nE06000001,1000\n")
    before = os.stat(path)
    _, first = files.read(path)
    path.write_bytes(b"la_code,gva\nE06000001,2000\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    data, second = files.read(path)
    assert data.endswith(b"2000\n")
    assert second != first == hashlib.sha256(b"la_code,gva\nE06000001,1000\n").hexdigest()


def test_a_replaced_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "gva.csv"
    path.write_bytes(b"a\n1\n")
    files.read(path)
    other = tmp_path / "new.csv"
    other.write_bytes(b"a\n2\n")
    os.replace(other, path)  # as editors save: a new inode
    assert files.read(path)[0] == b"a\n2\n"


def test_a_large_file_keeps_only_its_digest(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(files, "KEEP_BYTES", 10)
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"x" * 100)
    assert files.digest(path) == hashlib.sha256(b"x" * 100).hexdigest()
    assert files._CACHE[str(path)][1] is None  # not held in memory
    assert files.digest(path) == hashlib.sha256(b"x" * 100).hexdigest()  # from the cache
    assert files.read(path)[0] == b"x" * 100  # read again when the bytes are wanted


# --------------------------------------------------------------------------- kept between builds


def _fresh(monkeypatch) -> None:
    """A new build process: nothing read yet, nothing loaded."""
    monkeypatch.setattr(files, "_CACHE", {})
    monkeypatch.setattr(files, "_LOADED", {})


def test_a_kept_digest_spares_reading_an_unchanged_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(files, "SETTLED_SECONDS", 0.0)  # the test's file is seconds old, not minutes
    path, store = tmp_path / "gva.csv", tmp_path / "cache" / "digests"
    path.write_bytes(b"la_code,gva\nE06000001,1000\n")
    _fresh(monkeypatch)
    expected = files.digest(path)
    files.save(store)
    _fresh(monkeypatch)
    files.load(store)
    reads = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real(self))
    assert files.digest(path) == expected == hashlib.sha256(path.read_bytes()).hexdigest()
    assert reads == [path]  # only the test's own read above: files.digest read nothing
    assert files.read(path)[0] == b"la_code,gva\nE06000001,1000\n"  # the bytes, when wanted, are read


def test_a_file_changed_since_its_digest_was_kept_is_hashed_again(tmp_path: Path, monkeypatch) -> None:
    """Same size, modification time put back: the change time still tells."""
    monkeypatch.setattr(files, "SETTLED_SECONDS", 0.0)
    path, store = tmp_path / "gva.csv", tmp_path / "digests"
    path.write_bytes(b"la_code,gva\nE06000001,1000\n")
    before = os.stat(path)
    _fresh(monkeypatch)
    files.digest(path)
    files.save(store)
    path.write_bytes(b"la_code,gva\nE06000001,2000\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    _fresh(monkeypatch)
    files.load(store)
    assert files.digest(path) == hashlib.sha256(b"la_code,gva\nE06000001,2000\n").hexdigest()


def test_a_file_changed_moments_before_it_was_read_is_not_kept(tmp_path: Path, monkeypatch) -> None:
    """It could change again within the same clock tick and keep its status (git's racy case)."""
    path, store = tmp_path / "gva.csv", tmp_path / "digests"
    path.write_bytes(b"a\n1\n")
    _fresh(monkeypatch)
    files.digest(path)
    files.save(store)
    assert not store.exists() or str(path) not in __import__("marshal").loads(store.read_bytes())


@pytest.mark.parametrize("content", [b"", b"garbage", b"\x00\x01"])
def test_a_damaged_store_is_ignored(tmp_path: Path, monkeypatch, content: bytes) -> None:
    store = tmp_path / "digests"
    store.write_bytes(content)
    _fresh(monkeypatch)
    files.load(store)
    assert files._LOADED == {}


def test_a_store_with_other_values_keeps_only_entries(tmp_path: Path, monkeypatch) -> None:
    import marshal

    store = tmp_path / "digests"
    store.write_bytes(marshal.dumps({"a": ((1, 2, 3, 4, 5), "ab"), "b": "x", 3: ((1,), "c"), "d": ((1,), 2)}))
    _fresh(monkeypatch)
    files.load(store)
    assert files._LOADED == {"a": ((1, 2, 3, 4, 5), "ab")}


def test_a_build_sees_a_correction_with_the_digests_kept(tmp_path: Path, monkeypatch) -> None:
    """End to end, every input settled: a same-size correction with its modification time put
    back is noticed (not a no-op), and the new figure is in the rebuilt factsheet."""
    from reportgen.build import DIGESTS, Options, build

    from .conftest import copy_project

    monkeypatch.setattr(files, "SETTLED_SECONDS", 0.0)
    project = copy_project(tmp_path / "proj")
    _fresh(monkeypatch)
    build(Options(project=project, jobs=1, formats=("docx",)))
    assert (project / "output" / ".cache" / DIGESTS).is_file()
    path = project / "data" / "gva.csv"
    text = path.read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if l.startswith("E06000010,") and ",2016," in l)
    value = line.rsplit(",", 2)[1]  # Hull's 2016 GVA, £m (its name holds a comma: counted from the end)
    new_value = f"{float(value) + 500:.1f}"  # £0.5bn: the factsheet prints it
    assert len(new_value) == len(value) and new_value != value
    before = os.stat(path)
    path.write_text(text.replace(line, line.replace(f",2016,{value},", f",2016,{new_value},")), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    _fresh(monkeypatch)
    summary = build(Options(project=project, jobs=1, formats=("docx",)))
    assert "factsheets/hull.docx" in summary.written
