"""Nothing gets in: data strings are text, never markup, template code or a path.

A member's name and a council note full of markup and template syntax must come out literally in the
DOCX (python-docx) and the PDF (pypdf); ``{{ 7*7 }}`` must never become 49. A member called
``../../etc/passwd`` (or with slashes and backslashes) must write only inside output/. Template code
itself runs in Jinja's sandbox (see cases.py: sandbox-escape, sandbox-format, huge-range).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from reportgen.build import BuildError, safe_output_path

from .helpers import copy_project, docx_text, pdf_text, run_cli, squash

# No ';' in the name: see test_name_with_semicolon (a bug in markdown.py's :highlight: option).
HOSTILE = 'Hull <b>&amp <para>]]> {{ 7*7 }} {% include "x" %} `tick` {fact}`x|1` [^1] ::: *em* end'
NOTE = 'A note <i>&amp; &lt; <para>]]> {{ 7*7 }} {% include "x" %} ``` {fact}`city.hull.population|1` [^2] ::: \\ end'


def set_members(project: Path, changes: dict[str, dict[str, str]]) -> None:
    """Change cells of members.csv: member code → {column: value}, on every row of that member."""
    path = project / "data" / "members.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        row.update(changes.get(row["member_code"], {}))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def tree(root: Path, skip: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if skip not in p.parents and p != skip}


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("inject") / "proj")
    set_members(project, {"E06000010": {"member": HOSTILE, "note": NOTE}})
    run = run_cli("build", "--project", str(project), "--city", "E06000010", "--jobs", "1")
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    return project


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_name_and_note_print_literally(hostile_build: Path, fmt: str):
    files = list((hostile_build / "output" / "factsheets").glob(f"*.{fmt}"))
    assert len(files) == 1, files
    text = squash(docx_text(files[0]) if fmt == "docx" else pdf_text(files[0]))
    assert HOSTILE in text
    assert squash(NOTE) in text
    for piece in ("<b>", "&amp;", "&amp ", "<para>", "]]>", "{{ 7*7 }}", '{% include "x" %}', "`tick`", "{fact}`x|1`",
                  "[^1]", ":::", "*em*", "&lt;", "```"):
        assert piece in text, piece
    assert "49" not in text.replace(HOSTILE, "").replace(squash(NOTE), "") or "{{ 7*7 }}" in text
    assert "]]> 49" not in text


def test_hostile_name_slug_is_sanitised(hostile_build: Path):
    (doc,) = (hostile_build / "output" / "factsheets").glob("*.pdf")
    assert doc.stem == "hull-b-amp-para-7-7-include-x-tick-fact-x-1-1-em-end"
    ledger = json.loads((hostile_build / "output" / "facts.json").read_text(encoding="utf-8"))
    assert list(ledger["documents"]) == [f"factsheets/{doc.stem}"]


@pytest.mark.parametrize("name, slug", [
    ("../../etc/passwd", "etc-passwd"),
    ("/tmp/evil\\..\\..\\x", "tmp-evil-x"),
    ("..", "member"),
])
def test_path_names_stay_inside_output(tmp_path: Path, name: str, slug: str):
    project = copy_project(tmp_path / "proj")
    set_members(project, {"E06000010": {"member": name}})
    before = tree(tmp_path, project / "output")
    run = run_cli("build", "--project", str(project), "--city", "E06000010", "--jobs", "1", "--format", "pdf")
    assert run.returncode == 0, run.stderr
    out = project / "output"
    assert tree(tmp_path, out) == before, "a file was written outside output/"
    assert sorted(p.name for p in (out / "factsheets").iterdir()) == [f"{slug}.pdf"]
    assert name in squash(pdf_text(out / "factsheets" / f"{slug}.pdf"))
    assert not Path("/etc/passwd.pdf").exists()


@pytest.mark.parametrize("name", ["../../etc/passwd", "factsheets/../../x", "/etc/passwd"])
def test_safe_output_path_refuses_to_leave(tmp_path: Path, name: str):
    with pytest.raises(BuildError, match="outside the output folder"):
        safe_output_path(tmp_path / "out", name, "pdf")


def test_name_with_semicolon(tmp_path: Path):
    project = copy_project(tmp_path / "proj")
    set_members(project, {"E06000010": {"member": "Hull &amp; Humber; East"}})
    run = run_cli("build", "--project", str(project), "--city", "E06000010", "--jobs", "1", "--format", "pdf")
    assert run.returncode == 0, run.stderr
    (doc,) = (project / "output" / "factsheets").glob("*.pdf")
    assert "Hull &amp; Humber; East" in squash(pdf_text(doc))
