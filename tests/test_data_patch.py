"""A changed CSV is patched from its cached previous version (data._patched_frame): the table
must be exactly what reading the whole file gives, and anything unusual must fall back to the
full read, with its usual error messages."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from reportgen import data
from reportgen.data import SCHEMAS, DataError, Table, _cached_frame, load_frame

SCHEMA = {s.file: s for s in SCHEMAS.values()}


def full_read(path: Path) -> Table:
    return load_frame(path, SCHEMA[path.name], path.name)


def same(a: Table, b: Table) -> None:
    """Equal values of equal types (1 and 1.0 compare equal, so the types are checked too)."""
    assert a.lines == b.lines
    assert list(a.columns) == list(b.columns)
    for name in a.columns:
        assert [(type(v), v) for v in a[name]] == [(type(v), v) for v in b[name]], name


@pytest.fixture
def patches(monkeypatch):
    """Count the patches that succeed, so a test knows which way the table was made."""
    seen = []
    real = data._patched_frame

    def counting(*args):
        frame = real(*args)
        seen.append(frame is not None)
        return frame

    monkeypatch.setattr(data, "_patched_frame", counting)
    return seen


def cached(path: Path, cache: Path) -> Table:
    return _cached_frame(path, SCHEMA[path.name], path.name, cache)[0]


def set_cells(path: Path, edits: dict[tuple[int, str], str]) -> None:
    """Set cells by (line, column) and write the file back with csv's own quoting."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    header = rows[0]
    for (line, column), value in edits.items():
        rows[line - 1][header.index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_a_corrected_figure_is_patched_and_equals_a_full_read(project: Path, patches):
    path, cache = project / "data" / "gva.csv", project / "cache"
    cached(path, cache)
    set_cells(path, {(57, "gva_gbp_m"): "1234.5", (3, "provisional"): "True"})
    patched = cached(path, cache)
    assert patches == [False, True]  # nothing to patch from at first; then patched
    same(patched, full_read(path))
    assert patched["gva_gbp_m"][55] == 1234.5
    # the patched table is cached under the new bytes, and the next correction patches it again
    set_cells(path, {(57, "gva_gbp_m"): "1235.5"})
    same(cached(path, cache), full_read(path))
    assert patches == [False, True, True]


@pytest.mark.parametrize("seed", range(6))
def test_random_corrections_equal_a_full_read(project: Path, patches, seed):
    """Random edits of every kind of column, in files with quoted fields, each checked against a full read."""
    rng = random.Random(seed)
    name = rng.choice(["gva.csv", "population.csv", "members.csv", "eu_referendum_2016.csv", "pay.csv"])
    path, cache = project / "data" / name, project / "cache"
    cached(path, cache)
    for _ in range(3):
        table = full_read(path)
        schema = SCHEMA[name]
        edits = {}
        for _ in range(rng.randint(1, 5)):
            i = rng.randrange(len(table))
            col = rng.choice([c for c in schema.columns if c.name not in schema.key])
            old = table[col.name][i]
            if col.kind == "float" and old is not None:
                value = f"{old * rng.uniform(0.9, 1.1):.1f}"
            elif col.kind == "int" and old is not None and name != "eu_referendum_2016.csv":
                value = str(max(int(old) + rng.randint(-3, 3), 1))
            elif col.kind == "str" and col.pattern is None and col.name != "member":
                value = rng.choice(["Hull, City of", 'The "new" name', "Plain", " padded "])
            else:
                continue
            edits[(table.lines[i], col.name)] = value
        set_cells(path, edits)
        same(cached(path, cache), full_read(path))
    assert len(patches) >= 2 and all(patches[1:]), patches  # every edit after the first read was patched


@pytest.mark.parametrize("line, column, value, expected", [
    (57, "gva_gbp_m", "n/a", "gva.csv:57: column 'gva_gbp_m': 'n/a' is not a number"),
    (4, "year", "2016.5", "gva.csv:4: column 'year': '2016.5' is not a whole number"),
    (6, "la_code", "", "gva.csv:6: column 'la_code': is empty"),
    (4, "year", "1999", "gva.csv:4: column 'la_code': duplicate la_code=E06000001, year=1999 (first at line 3)"),
])
def test_a_bad_correction_gives_the_full_reads_error(project: Path, patches, line, column, value, expected):
    path, cache = project / "data" / "gva.csv", project / "cache"
    cached(path, cache)
    set_cells(path, {(line, column): value})
    with pytest.raises(DataError) as cached_error:
        cached(path, cache)
    with pytest.raises(DataError) as full_error:
        full_read(path)
    assert cached_error.value.problems == full_error.value.problems
    assert any(expected in p for p in cached_error.value.problems), cached_error.value.problems
    assert patches == [False, False]


def test_whole_numbers_beyond_float_precision_are_exact(project: Path, patches):
    path, cache = project / "data" / "eu_referendum_2016.csv", project / "cache"
    cached(path, cache)
    set_cells(path, {(5, "electorate"): "12345678901234567891"})
    table = cached(path, cache)
    assert patches == [False, True]
    same(table, full_read(path))
    assert table["electorate"][3] == 12345678901234567891


@pytest.mark.parametrize("change", ["insert", "delete", "multiline", "unbalanced", "blank", "crlf", "header"])
def test_structural_changes_fall_back_to_a_full_read(project: Path, patches, change):
    path, cache = project / "data" / "members.csv", project / "cache"
    cached(path, cache)
    lines = path.read_bytes().split(b"\n")
    if change == "insert":
        lines.insert(3, lines[3].replace(b"North West", b"North  West"))
    elif change == "delete":
        del lines[3]
    elif change == "multiline":  # a quoted note now spans two lines: a valid CSV, one record fewer lines
        lines[2] = lines[2].replace(b"abolished on", b"abolished\non")
    elif change == "unbalanced":
        lines[3] = lines[3] + b',"'
    elif change == "blank":
        lines[3] = b"   "
    elif change == "crlf":
        lines = [ln + b"\r" if ln else ln for ln in lines]
    elif change == "header":
        lines[0] = lines[0].replace(b"member,", b"member ,")
    path.write_bytes(b"\n".join(lines))
    try:
        expected = full_read(path)
    except DataError as exc:
        with pytest.raises(DataError) as got:
            cached(path, cache)
        assert got.value.problems == exc.problems
    else:
        same(cached(path, cache), expected)
    assert patches == [False, False]


def test_a_damaged_copy_of_the_previous_version_is_not_patched_from(project: Path, patches):
    path, cache = project / "data" / "gva.csv", project / "cache"
    cached(path, cache)
    (copy,) = cache.glob("gva.csv.*.csv")
    copy.write_bytes(copy.read_bytes().replace(b"Hartlepool", b"Hartlepoox", 1))
    set_cells(path, {(57, "gva_gbp_m"): "1234.5"})
    same(cached(path, cache), full_read(path))
    assert patches == [False, False]


def test_the_key_check_runs_only_when_a_key_changed(project: Path, patches, monkeypatch):
    """A corrected value leaves the (validated) keys as they were: the whole-table key check is
    skipped. A changed key is checked: a clash is the full read's error (above), a new unique key
    is patched and equals a full read."""
    path, cache = project / "data" / "gva.csv", project / "cache"
    checks = []
    real = data._check_key
    monkeypatch.setattr(data, "_check_key", lambda *a: checks.append(1) or real(*a))
    cached(path, cache)
    checks.clear()
    set_cells(path, {(57, "gva_gbp_m"): "1234.5"})
    table = cached(path, cache)
    assert patches[-1] is True and checks == []
    same(table, full_read(path))
    checks.clear()
    set_cells(path, {(4, "year"): "1990"})  # no row of that area has 1990
    table = cached(path, cache)
    assert patches[-1] is True and checks == [1]
    same(table, full_read(path))
    assert table["year"][2] == 1990
