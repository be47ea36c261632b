"""The saved tables of compiled dataclass methods and regexes (reportgen._compiled): the same
classes and patterns, fewer compiles."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import textwrap

import pytest

from reportgen import _compiled


def _make(frozen: bool):
    @dataclasses.dataclass(frozen=frozen)
    class Point:
        x: int
        label: str = "p"
        tags: list = dataclasses.field(default_factory=list)

    return Point


def _codes_within(code):
    """``code`` and every code object nested in it (the outer text defines __create_fn__, which
    defines the method)."""
    yield code
    for const in code.co_consts:
        if hasattr(const, "co_consts"):
            yield from _codes_within(const)


def test_installed_and_classes_behave_as_compiled_by_plain_exec(monkeypatch):
    assert dataclasses.exec is _compiled._exec  # reportgen's import installed it
    cached = _make(frozen=True)
    monkeypatch.delattr(dataclasses, "exec")  # plain builtins.exec, as without reportgen
    plain = _make(frozen=True)
    a, b = cached(1, tags=[2]), plain(1, tags=[2])
    assert repr(a) == repr(b) and repr(a).endswith("Point(x=1, label='p', tags=[2])")
    assert a == cached(1, tags=[2]) and a != cached(2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x = 5
    for name in ("__init__", "__repr__", "__eq__", "__setattr__", "__delattr__"):
        fa, fb = getattr(cached, name), getattr(plain, name)
        # the same flags (no __future__ annotations leaked from _compiled) and annotations
        assert fa.__code__.co_flags == fb.__code__.co_flags, name
        assert fa.__code__.co_code == fb.__code__.co_code, name
        assert fa.__annotations__ == fb.__annotations__, name


def test_a_repeated_class_is_served_from_the_table():
    _make(frozen=False)
    before = dict(_compiled._codes)
    cls = _make(frozen=False)
    assert dict(_compiled._codes).keys() == before.keys()  # nothing compiled the second time
    assert any(cls.__init__.__code__ is c for code in before.values() for c in _codes_within(code))


def _entries():
    """Three dataclass-method entries and one regex entry, as the tables hold them."""
    codes = {f"x = {i}": compile(f"x = {i}", "<string>", "exec") for i in range(3)}
    return codes, {("a+", 0): _compiled._regex_args("a+", 0)}


def test_save_and_read_back(tmp_path, monkeypatch):
    path = tmp_path / "__pycache__" / "t.marshal"
    codes, regexes = _entries()
    monkeypatch.setattr(_compiled, "_PATH", str(path))
    monkeypatch.setattr(_compiled, "_added", dict(codes))
    monkeypatch.setattr(_compiled, "_added_regexes", dict(regexes))
    _compiled.save()
    read_codes, read_regexes = _compiled._read()
    assert list(read_codes) == list(codes) and read_regexes == regexes
    assert _compiled._added == {} and _compiled._added_regexes == {}
    assert list(path.parent.iterdir()) == [path]  # no temporary left


def test_one_or_two_new_entries_are_not_worth_a_write(tmp_path, monkeypatch):
    """reportlab builds one pattern from a set, in a different order in every process."""
    path = tmp_path / "t.marshal"
    monkeypatch.setattr(_compiled, "_PATH", str(path))
    monkeypatch.setattr(_compiled, "_added", {})
    monkeypatch.setattr(_compiled, "_added_regexes", _entries()[1])
    _compiled.save()
    assert not path.exists()


def test_another_python_or_regex_engine_starts_afresh(tmp_path, monkeypatch):
    import marshal

    path = tmp_path / "t.marshal"
    codes, regexes = _entries()
    path.write_bytes(marshal.dumps(("3.10.0|cpython-310|sre 1", codes, regexes)))
    monkeypatch.setattr(_compiled, "_PATH", str(path))
    assert _compiled._read() == ({}, {})


@pytest.mark.parametrize("content", [b"", b"not marshal at all", b"\x00\x01\x02"])
def test_a_damaged_table_is_ignored(tmp_path, monkeypatch, content):
    path = tmp_path / "t.marshal"
    path.write_bytes(content)
    monkeypatch.setattr(_compiled, "_PATH", str(path))
    assert _compiled._read() == ({}, {})


def test_a_table_holding_other_values_keeps_only_code(tmp_path, monkeypatch):
    import marshal

    path = tmp_path / "t.marshal"
    path.write_bytes(marshal.dumps((_compiled._stamp(),
                                    {"a": 1, 2: compile("", "<string>", "exec"),
                                     "ok": compile("y = 2", "<string>", "exec")}, {})))
    monkeypatch.setattr(_compiled, "_PATH", str(path))
    assert list(_compiled._read()[0]) == ["ok"]


@pytest.mark.parametrize("damaged", [
    (0, ["x"], 0, {}, ()),  # not the engine's code
    (32, [1, 2, 3, 99999], 0, {}, (None,)),  # code the engine refuses
    (32, [], 0, {}, (None,)),
    "not a tuple",
    (32,),
])
@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the regex table is used on Python 3.11 only")
def test_a_damaged_regex_entry_is_compiled_again(monkeypatch, damaged):
    key = ("reportgen-damaged-(\\w+)", 0)
    monkeypatch.setitem(_compiled._regexes, key, damaged)
    pattern = _compiled._compile_regex(*key)
    assert pattern.fullmatch("reportgen-damaged-ok").group(1) == "ok"
    assert _compiled._regexes[key] == _compiled._regex_args(*key)  # replaced


def test_a_forked_child_saves_only_what_it_compiled_itself():
    import os

    _compiled._added["parent = 1"] = compile("parent = 1", "<string>", "exec")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        os.write(write, repr(sorted(_compiled._added)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 1000) == b"[]"
    assert "parent = 1" in _compiled._added
    del _compiled._added["parent = 1"]


def test_only_the_command_saves_the_tables(tmp_path, monkeypatch):
    """A program that calls build() (these tests) compiles its own things: they are not saved;
    the reportgen command saves (checked in a real process: test_a_fresh_process_...)."""
    from reportgen.build import Options, build

    from .conftest import copy_project

    saves = []
    monkeypatch.setattr(_compiled, "save", lambda: saves.append(1))
    project = copy_project(tmp_path / "proj")
    build(Options(project=project, jobs=1))
    assert saves == []
    build(Options(project=project, jobs=1, force=True, exit_after=True))
    assert saves == [1]


# --------------------------------------------------------------------------- regexes

needs_311 = pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the regex table is used on Python 3.11 only")

PATTERNS = [
    ("a+b*", 0), (r"(?P<year>\d{4})-(?P<month>\d\d)", 0), (r"(?i)straße", 0), (r"\bword\b", re.IGNORECASE),
    (r"^\s*#.*$", re.MULTILINE), (r"(a)|(?P<b>b)(?:c)(?=d)(?<!e)", re.VERBOSE), (rb"[\x00-\x1f]+", 0),
    (r"[^\W\d_]+", re.UNICODE), (r"x{2,5}?", re.ASCII), (r"(?s).", 0), ("", 0),
]


@needs_311
@pytest.mark.parametrize("pattern, flags", PATTERNS)
def test_regex_args_are_what_re_passes_to_the_engine(monkeypatch, pattern, flags):
    """_regex_args repeats re._compiler.compile's steps: check it against the real function,
    with the engine's constructor recording its arguments."""
    import _sre
    from re import _compiler

    seen = []

    class Recorder:
        def __getattr__(self, name):
            return getattr(_sre, name)

        def compile(self, *args):
            seen.append(args)
            return _sre.compile(*args)

    monkeypatch.setattr(_compiler, "_sre", Recorder())
    _compiled._re_compile(pattern, int(flags))
    (real,) = seen
    assert real[0] == pattern
    assert (real[1], list(real[2]), *real[3:]) == _compiled._regex_args(pattern, int(flags))


@needs_311
@pytest.mark.parametrize("pattern, flags", PATTERNS)
def test_a_pattern_from_the_table_matches_as_a_fresh_one(pattern, flags):
    cached = _compiled._compile_regex(pattern, int(flags))
    assert (pattern, int(flags)) in _compiled._regexes
    again = _compiled._compile_regex(pattern, int(flags))  # served from the table
    fresh = _compiled._re_compile(pattern, int(flags))
    for p in (cached, again):
        assert (p.pattern, p.flags, p.groups, dict(p.groupindex)) == \
               (fresh.pattern, fresh.flags, fresh.groups, dict(fresh.groupindex))
    samples = ["aab", "2024-11 x", "STRASSE straße", "a Word here", "  # note\nx", "abcd", "x\ny", "xxxxx", "é1_"]
    for text in samples:
        subject = text.encode() if isinstance(pattern, bytes) else text
        assert [m.span() for m in again.finditer(subject)] == [m.span() for m in fresh.finditer(subject)]
        assert [m.groups() for m in again.finditer(subject)] == [m.groups() for m in fresh.finditer(subject)]


@needs_311
def test_re_uses_the_table_and_leaves_the_rest_to_re():
    import re as re_module
    from re import _compiler

    assert _compiler.compile is _compiled._compile_regex
    pattern = re_module.compile(r"reportgen-table-test-(\d+)")
    assert ("reportgen-table-test-(\\d+)", 0) in _compiled._regexes
    assert pattern.fullmatch("reportgen-table-test-42").group(1) == "42"
    scanner = re_module.Scanner([(r"\d+", lambda s, t: int(t)), (r"\s+", None)])  # a parsed pattern
    assert scanner.scan("1 22 333") == ([1, 22, 333], "")


def test_a_fresh_process_compiles_no_document_class_once_saved():
    """The second interpreter finds every method of the document model in the table: it compiles
    no dataclass method, and (Python 3.11) all but one of the writers' regexes."""
    imports = "import reportgen.document, reportgen.markdown, reportgen.writers.pdf, reportgen.writers.docx"
    first = f"{imports}; from reportgen import _compiled; _compiled.save()"
    second = textwrap.dedent(f"""
        from reportgen import _compiled
        {imports}
        print(len(_compiled._added), len(_compiled._codes))
        print(len(_compiled._added_regexes))  # reportlab's pattern made from a set misses
        code = reportgen.document.Text.__init__.__code__
        print(any(code is c for t in _compiled._codes.values() for d in t.co_consts
                  if hasattr(d, "co_consts") for c in d.co_consts))
    """)
    subprocess.run([sys.executable, "-c", first], check=True)
    out = subprocess.run([sys.executable, "-c", second], check=True, capture_output=True, text=True).stdout.split()
    assert out[0] == "0" and int(out[1]) > 100 and out[3] == "True"
    if sys.version_info[:2] == (3, 11):
        assert int(out[2]) <= 1
