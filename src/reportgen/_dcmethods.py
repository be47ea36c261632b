"""Compiled dataclass methods, kept between runs.

``@dataclass`` writes the source of each method it generates (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, and a frozen class's ``__setattr__``/``__delattr__``) and compiles it
with ``exec``. In Python 3.11 that is about 0.1 ms a method: reportgen's own classes (the
document model alone has 24 frozen ones) cost a rebuild about 50 ms of CPU over its three
processes, every run, to compile the same text again.

``install`` gives the ``dataclasses`` module an ``exec`` that looks the text up in a table of
code objects compiled earlier, and compiles (exactly as ``exec`` would: no inherited
``__future__`` flags, file name ``<string>``) only what is new. ``save`` writes the table next
to reportgen's ``.pyc`` files, in marshal's format (as ``.pyc`` files are). The key is the
whole source text, so a changed class simply misses; a missing, damaged or unwritable file
costs only the compiling. If a Python version stops calling ``exec`` from ``dataclasses``,
nothing here is used and nothing changes.
"""

from __future__ import annotations

import builtins
import marshal
import os
import sys

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__",
                     f"dataclass-methods.{sys.implementation.cache_tag}-m{marshal.version}.marshal")
_MAX_ENTRIES = 4000  # a long-lived checkout collects stale texts; past this, start again

_codes: dict[str, object] = {}
_added: dict[str, object] = {}
_code_type = type(compile("", "<string>", "exec"))


def _exec(source, globals=None, locals=None, /):  # noqa: A002 - the signature of builtins.exec
    """``exec``, with the compiled form of a source text looked up first."""
    if type(source) is str:
        code = _codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            _codes[source] = _added[source] = code
        source = code
    return builtins.exec(source, globals, locals)


def _read() -> dict[str, object]:
    try:
        with open(_PATH, "rb") as fh:
            table = marshal.loads(fh.read())  # marshal.load(fh) reads object by object: 10× slower
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if type(k) is str and type(v) is _code_type}


def install() -> None:
    """Serve ``dataclasses``' compiles from the saved table (once per process; forks inherit it)."""
    import dataclasses

    if getattr(dataclasses, "exec", None) is _exec:
        return
    _codes.update(_read())
    dataclasses.exec = _exec  # type: ignore[attr-defined]


def save() -> None:
    """Add this process's new entries to the saved table, atomically; quietly do nothing when
    nothing is new or the folder cannot be written (a read-only install)."""
    if not _added:
        return
    table = _read()
    if len(table) + len(_added) > _MAX_ENTRIES:
        table = {}
    table.update(_added)
    tmp = f"{_PATH}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(_PATH), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(marshal.dumps(table))
        os.replace(tmp, _PATH)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return
    _added.clear()
