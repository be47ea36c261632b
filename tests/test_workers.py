"""The build's workers: one pool per format on a rebuild, Markdown parsed in the workers, and the
contents seed that lets the paper's PDF build in one pass. Each is checked on real outputs."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from reportgen.build import LEDGER, TOC_SEEDS, Options, Workers, build
from reportgen.config import load_config
from reportgen.templating import TemplateError

from .conftest import copy_project, edit_csv

FS = "templates/factsheet.md.j2"


def digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.suffix in (".docx", ".pdf")}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("workers") / "proj")
    build(Options(project=project, jobs=2))
    return project


@pytest.fixture
def fresh(tmp_path: Path, built: Path) -> Path:
    dest = tmp_path / "proj"
    shutil.copytree(built, dest)
    return dest


def bump_hull_gva(project: Path) -> None:
    """Add £250m to Hull's 2016 GVA: small enough to change no member's rank."""
    path = project / "data" / "gva.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    line, row = next((i, r) for i, r in enumerate(rows, 2) if r["la_code"] == "E06000010" and r["year"] == "2016")
    edit_csv(path, line, "gva_gbp_m", repr(float(row["gva_gbp_m"]) + 250.0))


@pytest.mark.parametrize("rebuild, jobs, formats, expected", [
    (True, 2, ("docx", "pdf"), True),
    (False, 2, ("docx", "pdf"), False),  # a first build or --force shares one pool: 21 documents balance better
    (True, 1, ("docx", "pdf"), False),  # --jobs 1 renders in-process
    (True, 2, ("pdf",), False),
])
def test_a_rebuild_gets_one_pool_per_format(built: Path, rebuild, jobs, formats, expected) -> None:
    workers = Workers(jobs, load_config(built), False, formats, rebuild)
    assert workers.by_format is expected


def test_a_rebuild_starts_the_pdf_pool_first_and_the_docx_pool_once_the_data_are_loaded(fresh: Path,
                                                                                        monkeypatch) -> None:
    import reportgen.pipeline as pipeline

    bump_hull_gva(fresh)
    workers = Workers(2, load_config(fresh), False, ("docx", "pdf"), rebuild=True)
    events: list[str] = []
    real_load, real_submit = pipeline.load_project, workers.submit

    def load(*args, **kwargs):
        events.append("load " + ",".join(sorted(workers.pools)))
        return real_load(*args, **kwargs)

    def submit(*args, **kwargs):
        events.append("submit " + ",".join(sorted(workers.pools)))
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(pipeline, "load_project", load)
    monkeypatch.setattr(workers, "submit", submit)
    try:
        workers.start()
        assert set(workers.pools) == {"pdf"}
        summary = build(Options(project=fresh), workers=workers)
        assert events[0] == "load pdf"  # the DOCX pool is not competing with the data loading
        assert events[1] == "submit docx,pdf"  # but is importing by the time the first file is sent
        assert sorted(summary.written) == ["factsheets/hull.docx", "factsheets/hull.pdf",
                                           "position-paper.docx", "position-paper.pdf"]
    finally:
        workers.close()


def test_the_contents_seed_is_the_papers_contents(built: Path) -> None:
    seeds = json.loads((built / "output" / ".cache" / TOC_SEEDS).read_text(encoding="utf-8"))
    paper = seeds["position-paper"]
    reader = PdfReader(built / "output" / "position-paper.pdf")
    outline = {item.title: reader.get_destination_page_number(item) + 1
               for item in reader.outline if not isinstance(item, list)}
    assert len(paper) >= 5
    for level, title, page, _key in paper:
        if level == 0:  # every top-level entry is a bookmark on the page the contents give
            assert outline[title] == page
    assert not any(name.startswith("factsheets/") for name in seeds)  # factsheets have no contents page


def test_a_rebuild_with_seeds_builds_the_paper_in_one_pass_and_writes_the_same(fresh: Path, tmp_path: Path,
                                                                            monkeypatch) -> None:
    from reportlab.platypus.doctemplate import BaseDocTemplate

    passes: list[str] = []
    real = BaseDocTemplate.build

    def counting(self, flowables, *args, **kwargs):
        passes.append(self.title)
        return real(self, flowables, *args, **kwargs)

    monkeypatch.setattr(BaseDocTemplate, "build", counting)
    bump_hull_gva(fresh)
    summary = build(Options(project=fresh, jobs=1))  # in-process, so the passes can be counted
    assert sorted(summary.written) == ["factsheets/hull.docx", "factsheets/hull.pdf",
                                       "position-paper.docx", "position-paper.pdf"]
    paper_passes = [t for t in passes if "Hull" not in t]
    assert len(paper_passes) == 1, passes
    scratch = tmp_path / "scratch"
    monkeypatch.setattr(BaseDocTemplate, "build", real)
    build(Options(project=fresh, out=scratch, force=True, jobs=2))
    assert digests(fresh / "output") == digests(scratch)


def test_a_damaged_seed_file_is_ignored(fresh: Path, tmp_path: Path) -> None:
    (fresh / "output" / ".cache" / TOC_SEEDS).write_text("{not json", encoding="utf-8")
    bump_hull_gva(fresh)
    build(Options(project=fresh, jobs=2))
    scratch = tmp_path / "scratch"
    build(Options(project=fresh, out=scratch, force=True, jobs=2))
    assert digests(fresh / "output") == digests(scratch)
    assert "position-paper" in json.loads((fresh / "output" / ".cache" / TOC_SEEDS).read_text(encoding="utf-8"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_markdown_error_found_by_a_worker_names_the_template_line_and_replaces_nothing(
        fresh: Path, jobs: int) -> None:
    out = fresh / "output"
    before = digests(out)
    ledger = (out / LEDGER).read_bytes()
    path = fresh / FS
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, text in enumerate(lines) if text.startswith("## People and work"))
    lines.insert(at, ":::{pie}\n:::")
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        build(Options(project=fresh, jobs=jobs))
    assert str(err.value).startswith(f"{FS}:{at + 1}: ")
    assert "pie" in str(err.value)
    assert digests(out) == before and (out / LEDGER).read_bytes() == ledger
    assert not list(out.rglob(".*.tmp"))


def _rebuild_recording(project: Path, monkeypatch, plan_order: bool = False) -> list[str]:
    """Rebuild ``project`` with a one-per-format pool; return the documents in the order sent."""
    import reportgen.build as build_module

    if plan_order:
        monkeypatch.setattr(build_module, "_render_order", lambda targets, workers: list(targets))
    workers = Workers(2, load_config(project), False, ("docx", "pdf"), rebuild=True)
    sent: list[str] = []
    real_submit = workers.submit
    monkeypatch.setattr(workers, "submit", lambda r, files: (sent.append(r.target.name), real_submit(r, files)))
    try:
        workers.start()
        build(Options(project=project), workers=workers)
    finally:
        workers.close()
    return sent


def test_a_rebuild_sends_the_corrected_factsheet_before_the_paper(fresh: Path, tmp_path: Path,
                                                                 monkeypatch) -> None:
    """The PDF worker is warm before the paper's template is rendered: it draws the factsheet
    meanwhile. The outputs, the ledger and the change report are those of a rebuild in the
    usual order (the paper first), byte for byte."""
    usual = tmp_path / "usual"
    shutil.copytree(fresh, usual)
    bump_hull_gva(fresh)
    bump_hull_gva(usual)
    assert _rebuild_recording(fresh, monkeypatch) == ["factsheets/hull", "position-paper"]
    assert _rebuild_recording(usual, monkeypatch, plan_order=True) == ["position-paper", "factsheets/hull"]
    assert (fresh / "output" / "CHANGES.md").read_bytes() == (usual / "output" / "CHANGES.md").read_bytes()
    ledgers = [(p / "output" / LEDGER).read_text(encoding="utf-8").splitlines() for p in (fresh, usual)]
    inputs = [i for i, line in enumerate(ledgers[0]) if line.startswith(' "inputs": ')]
    assert inputs == [2]  # the digest of the inputs, which include the project's folder; else the same
    assert ledgers[0][:2] + ledgers[0][3:] == ledgers[1][:2] + ledgers[1][3:]
    assert digests(fresh / "output") == digests(usual / "output")


def test_a_rebuild_of_every_document_sends_the_paper_second(fresh: Path, monkeypatch) -> None:
    """So that the longest job is not last, where the two workers could not share it."""
    for template in (fresh / FS, fresh / "templates" / "paper.md.j2"):
        template.write_text(template.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    sent = _rebuild_recording(fresh, monkeypatch)
    assert len(sent) == 21 and sent[0].startswith("factsheets/") and sent[1] == "position-paper"
    assert sent[2:] == sorted(sent[2:])
    changes = (fresh / "output" / "CHANGES.md").read_text(encoding="utf-8")
    listed = [line[2:] for line in changes.splitlines() if line.startswith("- ")]
    assert listed == ["position-paper"] + sorted(sent[:1] + sent[2:])  # the usual order, not the order sent


def test_a_full_build_sends_the_paper_first(fresh: Path, monkeypatch) -> None:
    workers = Workers(2, load_config(fresh), False, ("docx", "pdf"), rebuild=False)
    sent: list[str] = []
    real_submit = workers.submit
    monkeypatch.setattr(workers, "submit", lambda r, files: (sent.append(r.target.name), real_submit(r, files)))
    try:
        workers.start()
        build(Options(project=fresh, force=True), workers=workers)
    finally:
        workers.close()
    assert sent[0] == "position-paper" and len(sent) == 21


def test_a_small_rebuild_keeps_each_format_in_its_pool_and_a_large_one_shares_the_pdfs(built: Path) -> None:
    def routed(documents: int) -> list[tuple[str, str]]:
        workers = Workers(2, load_config(built), False, ("docx", "pdf"), rebuild=True)
        weights = [1.0, 5.0] + [1.0] * (documents - 2)  # a factsheet, the paper, the other factsheets
        return [(fmt, workers._route(fmt, w)) for w in weights for fmt in ("docx", "pdf")]

    assert all(fmt == pool for fmt, pool in routed(2))  # the paper and one factsheet: no second import
    every = routed(21)
    assert all(pool == "docx" for fmt, pool in every if fmt == "docx")
    moved = sum(1 for fmt, pool in every if fmt == "pdf" and pool == "docx")
    assert 1 <= moved <= 6  # the DOCX worker, once done, takes a share of the PDFs (after importing reportlab)
