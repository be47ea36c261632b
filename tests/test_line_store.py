"""The kept line breaking of the PDF's paragraphs (writers.pdf.LineStore): the same bytes with
the store cold, warm or damaged, on one-pass and two-pass builds and after a correction."""

from __future__ import annotations

import hashlib
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reportgen.build import LINES, TOC_SEEDS, Options, _lines_file, build
from reportgen.writers import pdf

from .conftest import ROOT, copy_project


def pdf_digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*.pdf"))}


@pytest.fixture
def counted(monkeypatch):
    """Count the store's answers: kept (a paragraph not broken again) and missing."""
    seen = {"kept": 0, "missing": 0}
    real = pdf.LineStore.get

    def get(self, key):
        result = real(self, key)
        seen["kept" if result is not None else "missing"] += 1
        return result

    monkeypatch.setattr(pdf.LineStore, "get", get)
    return seen


def test_warm_and_cold_stores_give_the_same_pdfs_in_one_and_two_passes(tmp_path: Path, counted) -> None:
    project = copy_project(tmp_path / "proj")
    out = project / "output"
    build(Options(project=project, jobs=1, formats=("pdf",)))  # cold store, two passes for the paper
    cold = pdf_digests(out)
    assert len(cold) == 21 and counted["kept"] == 0
    assert len(list((out / ".cache" / LINES).glob("*.pickle"))) == 21
    counted.update(kept=0, missing=0)
    build(Options(project=project, jobs=1, formats=("pdf",), force=True))  # warm store, seeded: one pass
    assert pdf_digests(out) == cold
    stored = sum(len(pickle.loads(f.read_bytes())["lines"]) for f in (out / ".cache" / LINES).glob("*.pickle"))
    assert counted["kept"] >= stored > 500 and counted["missing"] == 0  # every paragraph, kept
    (out / ".cache" / TOC_SEEDS).unlink()
    build(Options(project=project, jobs=1, formats=("pdf",), force=True))  # warm store, two passes again
    assert pdf_digests(out) == cold


def test_a_correction_breaks_only_the_changed_paragraphs_again(tmp_path: Path, counted, monkeypatch) -> None:
    """And its PDFs are those of a build without any kept line breaking."""
    import reportgen.build as build_module

    from .test_workers import bump_hull_gva

    project = copy_project(tmp_path / "proj")
    build(Options(project=project, jobs=1, formats=("pdf",)))
    bare = tmp_path / "bare"
    shutil.copytree(project, bare)
    bump_hull_gva(project)
    bump_hull_gva(bare)
    counted.update(kept=0, missing=0)
    summary = build(Options(project=project, jobs=1, formats=("pdf",)))
    assert sorted(summary.written) == ["factsheets/hull.pdf", "position-paper.pdf"]
    assert counted["kept"] > 100 and 0 < counted["missing"] < 20
    monkeypatch.setattr(build_module, "_kept_lines", lambda cache_dir, name: None)
    build(Options(project=bare, jobs=1, formats=("pdf",)))
    assert pdf_digests(project / "output") == pdf_digests(bare / "output")


@pytest.mark.parametrize("damage", ["garbage", "other version", "bad entry"])
def test_a_damaged_or_foreign_store_is_not_used_and_is_replaced(tmp_path: Path, counted, damage) -> None:
    project = copy_project(tmp_path / "proj")
    out = project / "output"
    build(Options(project=project, jobs=1, formats=("pdf",), cities=["Hull"]))
    good = pdf_digests(out)
    path = _lines_file(out / ".cache", "factsheets/hull")
    kept = pickle.loads(path.read_bytes())
    if damage == "garbage":
        path.write_bytes(b"not a pickle")
    elif damage == "other version":
        path.write_bytes(pickle.dumps({**kept, "version": ("0.0", (3, 0))}))
    else:
        path.write_bytes(pickle.dumps({**kept, "lines": {k: b"not a pickle" for k in kept["lines"]}}))
    counted.update(kept=0, missing=0)
    build(Options(project=project, jobs=1, formats=("pdf",), cities=["Hull"], force=True))
    assert pdf_digests(out) == good and counted["kept"] == 0
    assert pickle.loads(path.read_bytes()) == kept  # written again, as it was


def test_the_key_is_text_style_width_and_fonts(monkeypatch) -> None:
    from reportlab.lib.styles import ParagraphStyle

    store = pdf.LineStore()
    monkeypatch.setattr(pdf, "_FONT_DIGESTS", {"F": "a"})
    style = ParagraphStyle("Body", fontName="F", fontSize=10, leading=12)
    key = store.key("Hull <b>67.6%</b>", style, [200.0, 200.0])
    assert key == store.key("Hull <b>67.6%</b>", style, (200.0, 200.0))
    assert key != store.key("Hull <b>67.7%</b>", style, [200.0, 200.0])
    assert key != store.key("Hull <b>67.6%</b>", style, [201.0, 200.0])
    assert key != pdf.LineStore().key("Hull <b>67.6%</b>", ParagraphStyle("Body", fontName="F", fontSize=10,
                                                                          leading=13), [200.0, 200.0])
    monkeypatch.setattr(pdf, "_FONT_DIGESTS", {"F": "b"})  # another font file under the same name
    assert key != pdf.LineStore().key("Hull <b>67.6%</b>", style, [200.0, 200.0])
    monkeypatch.setattr(pdf, "_FONT_DIGESTS", {})  # fonts not read from known files: nothing kept
    assert pdf.LineStore().key("Hull", style, [200.0]) is None


def test_a_rebuilds_main_process_imports_no_writer(tmp_path: Path) -> None:
    """The PDF and DOCX libraries load in the workers only: in the main process they would be
    on the path to the first document (the kept line breaking once imported the PDF writer)."""
    project = copy_project(tmp_path / "proj")
    build(Options(project=project, jobs=2))
    from .test_workers import bump_hull_gva

    bump_hull_gva(project)
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from reportgen.build import Options, build
        summary = build(Options(project=Path({str(project)!r}), jobs=2))
        print(sorted(summary.written))
        print(sorted({{m.split('.')[0] for m in sys.modules}} & {{'reportlab', 'docx', 'lxml', 'markdown_it', 'PIL', 'matplotlib'}}))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    written, loaded = run.stdout.strip().splitlines()
    assert "position-paper.pdf" in written and "factsheets/hull.docx" in written
    assert loaded == "[]"
