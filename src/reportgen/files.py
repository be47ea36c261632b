"""Input files read once per build: bytes and sha256, reused while the file's status is unchanged.

A build digests every data file to decide whether anything changed (``build.inputs_digest``),
again to key the cached facts (``pipeline.inputs_key``), and reads each one to load it
(``data._cached_frame``). Reading and hashing the 3 MB of CSVs three times cost 7–10 ms of a
rebuild; now the first reader's bytes serve the others. The entry is keyed by the file's
modification and change times, size and inode, so a file saved since is read afresh (which
is also what lets ``reportgen watch`` keep this cache across builds).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

KEEP_BYTES = 16 * 1024 * 1024  # larger files (say, a spreadsheet left in data/) keep only their digest

_CACHE: dict[str, tuple[tuple[int, ...], bytes | None, str]] = {}


def read(path: Path) -> tuple[bytes, str]:
    """Return (bytes, sha256 hex) of ``path``; raise OSError as reading it would."""
    stamp, name = _stamp(path), os.fspath(path)
    hit = _CACHE.get(name)
    if hit is not None and hit[0] == stamp and hit[1] is not None:
        return hit[1], hit[2]
    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if len(data) == stamp[2]:  # else it changed while being read: not kept
        _CACHE[name] = (stamp, data if len(data) <= KEEP_BYTES else None, digest)
    return data, digest


def digest(path: Path) -> str:
    """Return the sha256 hex of ``path``'s bytes; raise OSError as reading it would."""
    hit = _CACHE.get(os.fspath(path))
    if hit is not None and hit[0] == _stamp(path):
        return hit[2]
    return read(path)[1]


def _stamp(path: Path) -> tuple[int, ...]:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, st.st_dev)
