"""files.read: one read per build, and never a stale answer after the file is saved again."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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
