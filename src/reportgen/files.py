"""Input files read once per build: bytes and sha256, reused while the file's status is unchanged.

A build digests every data file to decide whether anything changed (``build.inputs_digest``),
again to key the cached facts (``pipeline.inputs_key``), and reads each one to load it
(``data._cached_frame``). Reading and hashing the 3 MB of CSVs three times cost 7–10 ms of a
rebuild; now the first reader's bytes serve the others. The entry is keyed by the file's
modification and change times, size and inode, so a file saved since is read afresh (which
is also what lets ``reportgen watch`` keep this cache across builds).

The digests are also kept between builds (``load``/``save``, in the build cache), as git keeps
its index: a file whose status is what it was when it was hashed is not read again. Reading and
hashing every input (and reportgen's own source, for ``code_digest``) took 20–25 ms of every
build before its first document. A file changed since always shows in its status: the change
time moves with any write, and cannot be set back, even by a program that restores the
modification time. Only a write within the same clock tick as the one hashed could leave the
status as it was; so a digest is kept only for a file that had not changed for
``SETTLED_SECONDS`` when it was read (git's "racy" entries).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import time
from pathlib import Path

KEEP_BYTES = 16 * 1024 * 1024  # larger files (say, a spreadsheet left in data/) keep only their digest
SETTLED_SECONDS = 2.0

# path → (status, bytes or None, sha256, whether the digest may be kept for the next build)
_CACHE: dict[str, tuple[tuple[int, ...], bytes | None, str, bool]] = {}
_LOADED: dict[str, tuple[tuple[int, ...], str]] = {}  # what the last build kept


def read(path: Path) -> tuple[bytes, str]:
    """Return (bytes, sha256 hex) of ``path``; raise OSError as reading it would."""
    stamp, name = _stamp(path), os.fspath(path)
    hit = _CACHE.get(name)
    if hit is not None and hit[0] == stamp and hit[1] is not None:
        return hit[1], hit[2]
    now = time.time()
    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if len(data) == stamp[2]:  # else it changed while being read: not kept
        settled = max(stamp[0], stamp[1]) < (now - SETTLED_SECONDS) * 1e9
        _CACHE[name] = (stamp, data if len(data) <= KEEP_BYTES else None, digest, settled)
    return data, digest


def digest(path: Path) -> str:
    """Return the sha256 hex of ``path``'s bytes; raise OSError as reading it would."""
    stamp, name = _stamp(path), os.fspath(path)
    hit = _CACHE.get(name)
    if hit is not None and hit[0] == stamp:
        return hit[2]
    kept = _LOADED.get(name)
    if kept is not None and kept[0] == stamp:
        _CACHE[name] = (stamp, None, kept[1], True)
        return kept[1]
    return read(path)[1]


def load(store: Path) -> None:
    """Take the digests the last build kept in ``store`` (absent or damaged: none)."""
    try:
        table = marshal.loads(store.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return
    if isinstance(table, dict):
        _LOADED.update((k, v) for k, v in table.items()
                       if type(k) is str and type(v) is tuple and len(v) == 2 and type(v[0]) is tuple
                       and type(v[1]) is str)


def save(store: Path) -> None:
    """Keep this process's settled digests in ``store`` for the next build (atomically; a failure
    only costs the next build the hashing)."""
    table = {name: (entry[0], entry[2]) for name, entry in _CACHE.items() if entry[3]}
    if table == _LOADED:
        return  # as kept
    tmp = store.with_name(f".{store.name}.{os.getpid()}.tmp")
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps(table))
        os.replace(tmp, store)
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)
        return
    _LOADED.clear()
    _LOADED.update(table)


def _stamp(path: Path) -> tuple[int, ...]:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, st.st_dev)
