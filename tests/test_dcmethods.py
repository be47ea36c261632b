"""The saved table of compiled dataclass methods (reportgen._dcmethods): same classes, fewer compiles."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap

import pytest

from reportgen import _dcmethods


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
    assert dataclasses.exec is _dcmethods._exec  # reportgen's import installed it
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
        # the same flags (no __future__ annotations leaked from _dcmethods) and annotations
        assert fa.__code__.co_flags == fb.__code__.co_flags, name
        assert fa.__code__.co_code == fb.__code__.co_code, name
        assert fa.__annotations__ == fb.__annotations__, name


def test_a_repeated_class_is_served_from_the_table():
    _make(frozen=False)
    before = dict(_dcmethods._codes)
    cls = _make(frozen=False)
    assert dict(_dcmethods._codes).keys() == before.keys()  # nothing compiled the second time
    assert any(cls.__init__.__code__ is c for code in before.values() for c in _codes_within(code))


def test_save_and_read_back(tmp_path, monkeypatch):
    path = tmp_path / "__pycache__" / "t.marshal"
    monkeypatch.setattr(_dcmethods, "_PATH", str(path))
    monkeypatch.setattr(_dcmethods, "_added", {"x = 1": compile("x = 1", "<string>", "exec")})
    _dcmethods.save()
    assert list(_dcmethods._read()) == ["x = 1"]
    assert _dcmethods._added == {}
    assert list(path.parent.iterdir()) == [path]  # no temporary left


@pytest.mark.parametrize("content", [b"", b"not marshal at all", b"\x00\x01\x02"])
def test_a_damaged_table_is_ignored(tmp_path, monkeypatch, content):
    path = tmp_path / "t.marshal"
    path.write_bytes(content)
    monkeypatch.setattr(_dcmethods, "_PATH", str(path))
    assert _dcmethods._read() == {}


def test_a_table_holding_other_values_keeps_only_code(tmp_path, monkeypatch):
    import marshal

    path = tmp_path / "t.marshal"
    path.write_bytes(marshal.dumps({"a": 1, 2: compile("", "<string>", "exec"),
                                    "ok": compile("y = 2", "<string>", "exec")}))
    monkeypatch.setattr(_dcmethods, "_PATH", str(path))
    assert list(_dcmethods._read()) == ["ok"]


def test_an_unwritable_folder_is_left_alone(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(_dcmethods, "_PATH", str(blocker / "sub" / "t.marshal"))
    monkeypatch.setattr(_dcmethods, "_added", {"x = 1": compile("x = 1", "<string>", "exec")})
    _dcmethods.save()  # no exception
    assert _dcmethods._added  # kept: not saved


def test_a_fresh_process_compiles_no_document_class_once_saved():
    """The second interpreter finds every method of the document model and the writers in the
    table: it compiles nothing."""
    first = "import reportgen.document, reportgen.markdown; from reportgen import _dcmethods; _dcmethods.save()"
    second = textwrap.dedent("""
        from reportgen import _dcmethods
        import reportgen.document, reportgen.markdown
        print(len(_dcmethods._added), len(_dcmethods._codes))
        code = reportgen.document.Text.__init__.__code__
        print(any(code is c for t in _dcmethods._codes.values() for d in t.co_consts
                  if hasattr(d, "co_consts") for c in d.co_consts))
    """)
    subprocess.run([sys.executable, "-c", first], check=True)
    out = subprocess.run([sys.executable, "-c", second], check=True, capture_output=True, text=True).stdout.split()
    assert out[0] == "0" and int(out[1]) > 100 and out[2] == "True"
