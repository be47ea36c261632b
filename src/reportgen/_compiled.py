"""What Python compiles again at every start, kept between runs: dataclass methods and regexes.

* ``@dataclass`` writes the source of each method it generates (``__init__``, ``__repr__``,
  ``__eq__``, ``__hash__``, and a frozen class's ``__setattr__``/``__delattr__``) and compiles it
  with ``exec``, about 0.1 ms a method in Python 3.11. The ``dataclasses`` module gets an
  ``exec`` that looks the text up in a table of code objects compiled earlier, and compiles
  (exactly as ``exec`` would: no inherited ``__future__`` flags, file name ``<string>``) only
  what is new.
* ``re`` parses a pattern and translates it to the regex engine's code in pure Python, about
  0.2 ms a pattern; reportgen, Jinja, markdown-it, reportlab and python-docx compile about 250
  at import. In Python 3.11 (whose ``re`` internals this was checked against; other versions
  skip it), ``re._compiler.compile`` looks up what it would pass to the engine (``_sre.compile``)
  for a (pattern, flags) pair it has seen before, and works it out, the same way, otherwise.

Together that was about 90 ms of CPU in every rebuild, over its three processes.

``save`` writes the tables next to reportgen's ``.pyc`` files, in marshal's format (as ``.pyc``
files are), stamped with the exact Python version and regex engine. The keys are the whole
source text and the whole pattern with its flags, so a changed class or pattern simply misses;
a missing, damaged or unwritable file costs only the compiling.
"""

from __future__ import annotations

import _sre
import builtins
import marshal
import os
import sys

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__",
                     f"compiled.{sys.implementation.cache_tag}-m{marshal.version}.marshal")
_MAX_ENTRIES = 6000  # a long-lived checkout collects stale entries; past this, start again
# Fewer new entries than this are not worth a write: reportlab builds one pattern from a set, whose
# order (string hashing) differs in every process, so each run would otherwise rewrite the file.
_MIN_NEW = 3

_codes: dict[str, object] = {}  # dataclass method source → code
_added: dict[str, object] = {}
_regexes: dict[tuple, tuple] = {}  # (pattern, flags) → the rest of _sre.compile's arguments
_added_regexes: dict[tuple, tuple] = {}
_code_type = type(compile("", "<string>", "exec"))


def _stamp() -> str:
    return f"{sys.version}|{sys.implementation.cache_tag}|sre {_sre.MAGIC}"


# --------------------------------------------------------------------------- dataclasses


def _exec(source, globals=None, locals=None, /):  # noqa: A002 - the signature of builtins.exec
    """``exec``, with the compiled form of a source text looked up first."""
    if type(source) is str:
        code = _codes.get(source)
        if code is None:
            code = _codes[source] = _added[source] = compile(source, "<string>", "exec", dont_inherit=True)
        source = code
    return builtins.exec(source, globals, locals)


# --------------------------------------------------------------------------- regular expressions

_re_compile = None  # re._compiler.compile, when replaced


def _regex_args(pattern, flags: int) -> tuple:
    """Return what ``re._compiler.compile(pattern, flags)`` passes to ``_sre.compile`` after the
    pattern: the same steps, in the same order (Python 3.11's ``re/_compiler.py``)."""
    from re import _compiler, _parser

    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = parsed.state.groupdict
    indexgroup = [None] * parsed.state.groups
    for k, i in groupindex.items():
        indexgroup[i] = k
    # the opcodes are int subclasses (named constants), which marshal cannot store: plain ints
    return (flags | parsed.state.flags, [int(c) for c in code], parsed.state.groups - 1, dict(groupindex),
            tuple(indexgroup))


def _compile_regex(p, flags=0):
    """``re._compiler.compile``, with a pattern seen before served from the table."""
    if type(p) in (str, bytes) and type(flags) is int and not flags & 128:  # 128: re.DEBUG prints
        key = (p, flags)
        args = _regexes.get(key)
        if args is not None:
            try:
                final_flags, code, groups, groupindex, indexgroup = args
                return _sre.compile(p, final_flags, code, groups, dict(groupindex), indexgroup)
            except Exception:  # noqa: BLE001 - a damaged entry (the engine checks the code): compile
                del _regexes[key]
        args = _regexes[key] = _added_regexes[key] = _regex_args(p, flags)
        final_flags, code, groups, groupindex, indexgroup = args
        return _sre.compile(p, final_flags, code, groups, dict(groupindex), indexgroup)
    return _re_compile(p, flags)  # a parsed pattern (re.Scanner) or a debug compile


# --------------------------------------------------------------------------- the file


def _read() -> tuple[dict, dict]:
    try:
        with open(_PATH, "rb") as fh:
            table = marshal.loads(fh.read())  # marshal.load(fh) reads object by object: 10× slower
    except (OSError, EOFError, ValueError, TypeError):
        return {}, {}
    if not (isinstance(table, tuple) and len(table) == 3 and table[0] == _stamp()
            and isinstance(table[1], dict) and isinstance(table[2], dict)):
        return {}, {}
    codes = {k: v for k, v in table[1].items() if type(k) is str and type(v) is _code_type}
    # a regex entry is checked when used: _sre.compile refuses a damaged one, which is then compiled
    return codes, table[2]


def _forget_added() -> None:
    """In a new child process: what the parent compiled is the parent's to save, not the child's."""
    _added.clear()
    _added_regexes.clear()


def install() -> None:
    """Serve ``dataclasses``' and (Python 3.11) ``re``'s compiles from the saved tables; once per
    process (a fork inherits it)."""
    global _re_compile
    import dataclasses

    if getattr(dataclasses, "exec", None) is _exec:
        return
    os.register_at_fork(after_in_child=_forget_added)
    codes, regexes = _read()
    _codes.update(codes)
    _regexes.update(regexes)
    dataclasses.exec = _exec  # type: ignore[attr-defined]
    if sys.version_info[:2] == (3, 11):
        from re import _compiler

        _re_compile = _compiler.compile
        _compiler.compile = _compile_regex


def save() -> None:
    """Add this process's new entries to the saved tables, atomically; quietly do nothing when
    little is new (``_MIN_NEW``) or the folder cannot be written (a read-only install).

    Only the ``reportgen`` command and its workers call this (see build.py): a program that
    imports reportgen (the tests, a notebook) compiles its own things too, which do not belong
    here; a worker it forks saves only what the worker itself compiled."""
    if len(_added) + len(_added_regexes) < _MIN_NEW:
        return
    codes, regexes = _read()
    if len(codes) + len(regexes) + len(_added) + len(_added_regexes) > _MAX_ENTRIES:
        codes, regexes = {}, {}
    codes.update(_added)
    regexes.update(_added_regexes)
    tmp = f"{_PATH}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(_PATH), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(marshal.dumps((_stamp(), codes, regexes)))
        os.replace(tmp, _PATH)
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return
    _added.clear()
    _added_regexes.clear()
