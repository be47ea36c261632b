"""writers/pdf.py on real output: text of every node, footer, outline, metadata, fonts, print profile."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys

import pytest
from pypdf import PdfReader

from reportgen.document import (
    Document,
    Meta,
    Paragraph,
    Table,
    Text,
    iter_inlines,
    plain_text,
)
from reportgen.samples import HOSTILE, every_node_document
from reportgen.theme import default_theme
from reportgen.writers import WRITER_NAMES, get_writer

pdf = get_writer("pdf")
THEME = default_theme()
A4 = (595.2756, 841.8898)


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return pdf.render(every_node_document(), THEME)


@pytest.fixture(scope="module")
def reader(sample_pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(sample_pdf))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def page_texts(reader: PdfReader) -> list[str]:
    return [squash(p.extract_text()) for p in reader.pages]


def test_registry_names_the_writer() -> None:
    assert "pdf" in WRITER_NAMES
    assert (pdf.name, pdf.suffix) == ("pdf", ".pdf")
    with pytest.raises(ValueError, match="unknown output format"):
        get_writer("odt")


def test_text_of_every_node_comes_back(reader: PdfReader) -> None:
    text = " ".join(page_texts(reader))
    doc = every_node_document()
    for node in iter_inlines(doc.blocks):
        if isinstance(node, Text) and node.text.strip() and node.text != HOSTILE:
            for line in node.text.split("\n"):
                assert squash(line).strip() in text, line
    for phrase in ("Sample: every node type", "A test of both writers", "FACTSHEET", "Contents",
                   "258,995", "£6.1bn", "How we counted", "Figure 1: Leave share by member",
                   "Source: Electoral Commission", "Table 1: Members (test data)", "Wolverhampton (39)",
                   # chart text stays text: titles, reference and direct labels, ticks, axis titles
                   "Most members voted Leave by more than the UK as a whole", "UK 51.9%", "67.6%",
                   "Leave share of valid votes (%)", "England £59k", "Employment rate, ages 16–64 (%)", "80%"):
        assert phrase in text, phrase


def test_hostile_text_is_literal(reader: PdfReader) -> None:
    text = " ".join(page_texts(reader))
    for part in ('Tom & Jerry <b>bold?</b> "quotes" ‘curly’ ]]> {{ 7*7 }}',):
        assert part in text


def test_notes_are_numbered_endnotes(reader: PdfReader) -> None:
    last = page_texts(reader)[-1]
    assert "Notes" in last
    assert "1. A note: the Electoral Commission's counting areas, 2016." in last
    assert "2. Second note, with <angle> & ampersand." in last


def test_footer_has_page_x_of_y(reader: PdfReader) -> None:
    texts = page_texts(reader)
    n = len(texts)
    assert n >= 3
    for i, text in enumerate(texts, 1):
        assert f"Page {i} of {n}" in text
        assert "Key Cities Group · sample data" in text


def test_outline_has_the_headings_at_their_levels(reader: PdfReader) -> None:
    def walk(items: list, depth: int = 0) -> list[tuple[int, str]]:
        out = []
        for item in items:
            if isinstance(item, list):
                out += walk(item, depth + 1)
            else:
                out.append((depth, item.title))
        return out

    outline = walk(reader.outline)
    assert (0, "Headings, paragraphs and inlines") in outline
    assert (1, "Lists") in outline
    assert (0, "Charts") in outline
    assert (1, "A third-level heading") in outline  # level 3 under level 1: clamped, not an error
    assert (0, "Notes") in outline


def test_table_of_contents_lists_headings_with_pages(reader: PdfReader) -> None:
    first = page_texts(reader)[0]
    assert re.search(r"Charts[ .]*\d", first)
    assert "A third-level heading" not in first  # deeper than the contents' depth


def test_metadata(reader: PdfReader) -> None:
    meta = reader.metadata
    assert meta.title == "Sample: every node type"
    assert meta.author == "Key Cities Group"
    assert meta.subject == "Writer test document"
    assert meta["/Keywords"] == "sample, test"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def fonts_of(reader: PdfReader) -> list[dict]:
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            fonts[font["/BaseFont"]] = font
    return list(fonts.values())


def test_every_font_is_embedded_and_no_helvetica(reader: PdfReader) -> None:
    fonts = fonts_of(reader)
    assert fonts
    for font in fonts:
        assert "Helvetica" not in font["/BaseFont"]
        descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler's pdffonts is not installed")
def test_pdffonts_says_embedded(sample_pdf: bytes, tmp_path) -> None:
    path = tmp_path / "s.pdf"
    path.write_bytes(sample_pdf)
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = rows.splitlines()[2:]
    assert rows
    for row in rows:
        assert "Helvetica" not in row
        assert re.search(r"\byes\s+yes\s+yes\b", row), row


def test_a_page_without_text_uses_no_helvetica() -> None:
    from reportgen.document import PageBreak

    doc = Document(Meta("Empty"), (PageBreak(), PageBreak()))
    reader = PdfReader(io.BytesIO(pdf.render(doc, THEME)))
    assert all("Helvetica" not in f["/BaseFont"] for f in fonts_of(reader))


def test_deterministic_bytes(sample_pdf: bytes) -> None:
    assert pdf.render(every_node_document(), THEME) == sample_pdf


def test_header_row_repeats_where_the_long_table_continues(reader: PdfReader) -> None:
    pages = [t for t in page_texts(reader) if "Blackpool" in t or "Wolverhampton (39)" in t]
    continued = next(t for t in pages if "Wolverhampton (39)" in t)
    assert "Table 1" not in continued
    assert re.search(r"Member Leave GVA per job Rank", continued)


def test_print_profile_adds_bleed_and_trim_box() -> None:
    reader = PdfReader(io.BytesIO(pdf.render(every_node_document(), THEME.with_print())))
    bleed = 3 / 25.4 * 72
    page = reader.pages[0]
    assert float(page.mediabox.width) == pytest.approx(A4[0] + 2 * bleed, abs=0.01)
    assert float(page.mediabox.height) == pytest.approx(A4[1] + 2 * bleed, abs=0.01)
    assert float(page.trimbox.width) == pytest.approx(A4[0], abs=0.01)
    content = page.get_contents().get_data().decode("latin-1")
    assert " k\n" in content or " k " in content  # CMYK fill operators
    assert not re.search(r"\d rg\b", content)  # no RGB fills


def test_screen_profile_is_plain_a4(reader: PdfReader) -> None:
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=0.01)


def test_control_characters_and_emoji_do_not_crash() -> None:
    doc = Document(Meta("Odd \x07 title"), (Paragraph((Text("bell\x07 nul\x00 emoji 🙂 <x> & done"),)),))
    text = PdfReader(io.BytesIO(pdf.render(doc, THEME))).pages[0].extract_text()
    assert "bell nul emoji" in text and "<x> & done" in text


def test_unknown_node_is_a_type_error() -> None:
    class Strange:
        pass

    with pytest.raises(TypeError, match="Strange"):
        pdf.render(Document(Meta("x"), (Strange(),)), THEME)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Strange"):
        pdf.render(Document(Meta("x"), (Paragraph((Strange(),)),)), THEME)  # type: ignore[arg-type]


def test_plain_text_helper_matches_headings(reader: PdfReader) -> None:
    heading_texts = [plain_text(b.inlines) for b in every_node_document().blocks if hasattr(b, "level")]
    body = " ".join(page_texts(reader))
    assert all(h in body for h in heading_texts)


def test_a_long_key_figure_shrinks_instead_of_splitting_a_word() -> None:
    from reportgen.document import KeyFigure, KeyFigures, NoteRef

    tile = KeyFigure((Text("not available"), NoteRef((Text("Why."),))), (Text("People"),))
    doc = Document(Meta("Tiles"), (KeyFigures((tile, tile, tile, KeyFigure((Text("54.9%"),), (Text("Leave"),)))),))
    text = PdfReader(io.BytesIO(pdf.render(doc, THEME))).pages[0].extract_text()
    assert text.count("available") == 3
    assert "avail\n" not in text


def test_contents_seed_saves_a_pass_and_changes_no_byte(sample_pdf: bytes, monkeypatch) -> None:
    from reportlab.platypus.doctemplate import BaseDocTemplate

    doc = every_node_document()
    passes: list[int] = []
    real = BaseDocTemplate.build
    monkeypatch.setattr(BaseDocTemplate, "build", lambda self, *a, **k: (passes.append(1), real(self, *a, **k))[1])
    unseeded, entries = pdf.render_with_toc(doc, THEME)
    assert len(passes) >= 2 and unseeded == sample_pdf
    assert entries and all(isinstance(page, int) for _, _, page, _ in entries)
    passes.clear()
    seeded, again = pdf.render_with_toc(doc, THEME, toc_seed=[list(e) for e in entries])
    assert len(passes) == 1 and seeded == sample_pdf and again == entries
    passes.clear()
    stale = [[level, text, page + 1, key] for level, text, page, key in entries]  # pages moved since the seed
    wrong, fixed = pdf.render_with_toc(doc, THEME, toc_seed=stale)
    assert len(passes) >= 2 and wrong == sample_pdf and fixed == entries


def test_bookmarks_and_links_point_at_the_page_they_name(reader: PdfReader) -> None:
    """Pages are held back to print "of Y"; bookmarks made meanwhile must still land on their own page."""
    texts = [squash(t) for t in page_texts(reader)]
    pages = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item

    landed = [(item.title, reader.get_destination_page_number(item)) for item in walk(reader.outline)]
    assert len({page for _, page in landed}) > 1
    for title, page in landed:
        assert squash(title) in texts[page], (title, page)
    targets = [pages[a.get_object()["/Dest"][0].idnum] for p in reader.pages for a in p.get("/Annots") or []
               if "/Dest" in a.get_object()]
    assert targets and max(targets) > 0  # contents and note links reach past the first page


def test_a_font_from_the_cache_draws_the_same_bytes_as_a_parsed_one(tmp_path) -> None:
    """_ttfont keeps reportlab's parsed font tables in the build cache; a font put back from there
    must be indistinguishable: same tables, same scale, same PDF bytes (subset included)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen.canvas import Canvas

    pdf = get_writer("pdf")
    path = THEME.fonts.bold_italic
    parsed = pdf._ttfont("CacheTestA", path, tmp_path)  # parses and fills the cache
    assert len(list(tmp_path.glob("font.*.pickle"))) == 1
    cached = pdf._ttfont("CacheTestB", path, tmp_path)
    assert cached.fontName == "CacheTestB"
    assert isinstance(cached.face, pdf._CachedFace) and "_blob" in vars(cached.face)  # tables not read yet
    assert cached.face.name == parsed.face.name
    assert cached.face.charWidths == parsed.face.charWidths and "_blob" not in vars(cached.face)  # now read
    skip = {"_pdfScale", "_path"}
    assert {k: v for k, v in vars(cached.face).items() if k not in skip} == \
        {k: v for k, v in vars(parsed.face).items() if k not in skip}
    for units in (0, 1, 1234, 2048.5):
        assert cached.face._pdfScale(units) == parsed.face._pdfScale(units)

    def draw(font) -> bytes:
        font.fontName = "CacheTest"
        pdfmetrics.registerFont(font)
        buf = io.BytesIO()
        canvas = Canvas(buf, invariant=1)
        canvas.setFont("CacheTest", 12)
        canvas.drawString(72, 720, "Kingston upon Hull £5.8bn — Ærøskøbing ČŘŽ ΑΒΓ Ωmega ∑ 60%")
        canvas.drawString(72, 700, "".join(chr(c) for c in range(0x100, 0x200)))  # a second subset
        canvas.save()
        return buf.getvalue()

    assert draw(cached) == draw(pdf._ttfont("CacheTestC", path, None))
    assert cached.stringWidth("Hull £5.8bn", 11) == parsed.stringWidth("Hull £5.8bn", 11)


def test_a_damaged_table_blob_in_a_font_cache_entry_is_parsed_from_the_file(tmp_path) -> None:
    import pickle

    pdf = get_writer("pdf")
    pdf._ttfont("BlobA", THEME.fonts.italic, tmp_path)
    (entry,) = tmp_path.glob("font.*.pickle")
    font_state, name, blob = pickle.loads(entry.read_bytes())
    entry.write_bytes(pickle.dumps((font_state, name, blob[: len(blob) // 2])))
    font = pdf._ttfont("BlobB", THEME.fonts.italic, tmp_path)
    assert font.stringWidth("Hull", 10) == pdf._ttfont("BlobC", THEME.fonts.italic, None).stringWidth("Hull", 10)


def test_fonts_from_the_cache_draw_the_same_document_and_unused_faces_stay_unread(sample_pdf: bytes,
                                                                                   tmp_path) -> None:
    """In a fresh interpreter, as a worker does: the theme's fonts come from the cache; the warm-up
    reads the regular and bold faces (every document uses them), and an upright document no italic one; the every-node document is byte-identical to this process's,
    drawn with parsed fonts."""
    import hashlib

    code = f"""
import hashlib
from pathlib import Path
from reportgen.document import Document, Meta, Paragraph, Text
from reportgen.samples import every_node_document
from reportgen.theme import default_theme
from reportgen.writers import pdf
theme, cache = default_theme(), Path({str(tmp_path)!r})
for i, path in enumerate((theme.fonts.regular, theme.fonts.bold, theme.fonts.italic, theme.fonts.bold_italic)):
    pdf._ttfont(f"Fill{{i}}", path, cache)  # fills the cache, as an earlier build did
pdf.warm(theme, None, cache_dir=cache)
upright = Document(meta=Meta(title="t"), blocks=(Paragraph((Text("Hull 67.6%"),)),))
pdf.render(upright, theme)
faces = sorted((name.rsplit("-", 1)[-1], "_blob" in vars(f.face)) for name, f in pdf.pdfmetrics._fonts.items()
               if isinstance(getattr(f, "face", None), pdf._CachedFace))
print(faces)
print(hashlib.sha256(pdf.render(every_node_document(), theme)).hexdigest())
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    faces, digest = run.stdout.strip().splitlines()
    # the warm-up read the regular and bold faces; the italic ones are registered, unread
    assert faces == "[('Bold', False), ('BoldItalic', True), ('DejaVuSans', False), ('Italic', True)]", faces
    assert digest == hashlib.sha256(sample_pdf).hexdigest()


def test_a_damaged_font_cache_entry_is_parsed_again(tmp_path) -> None:
    pdf = get_writer("pdf")
    pdf._ttfont("DamagedA", THEME.fonts.regular, tmp_path)
    (entry,) = tmp_path.glob("font.*.pickle")
    entry.write_bytes(b"not a pickle")
    font = pdf._ttfont("DamagedB", THEME.fonts.regular, tmp_path)
    assert font.stringWidth("Hull", 10) > 0 and font.face.charToGlyph
    assert entry.read_bytes() != b"not a pickle"  # written again


def _text_runs(data: bytes) -> list[tuple[int, str, float, float]]:
    """Return (page, text, x, y) of every non-blank text run, in drawing order."""
    runs: list[tuple[int, str, float, float]] = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages):
        def visit(text, cm, tm, font, size, number=number) -> None:
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append((number, text.strip(), round(x, 2), round(y, 2)))
        page.extract_text(visitor_text=visit)
    return runs


def test_plain_table_cells_are_drawn_where_a_paragraph_would_put_them(monkeypatch) -> None:
    """Unstyled cells that fit on one line are drawn as strings (much faster than Paragraphs);
    every word must land exactly where the Paragraph version put it, in every alignment."""
    doc = every_node_document()
    fast = pdf.render(doc, THEME)
    monkeypatch.setattr(pdf, "_cell", lambda style, inlines, room, ctx: pdf.Paragraph(pdf.markup(inlines, ctx), style))
    slow = pdf.render(doc, THEME)
    assert fast != slow  # the string path was taken
    def by_text(runs: list) -> dict:
        out: dict = {}
        for page, text, x, y in runs:
            out.setdefault((page, text), []).append((x, y))
        return {k: sorted(v) for k, v in out.items()}
    a, b = by_text(_text_runs(fast)), by_text(_text_runs(slow))
    assert a.keys() == b.keys()
    moved = [(k, p, q) for k in a for p, q in zip(a[k], b[k], strict=True)
             if abs(p[0] - q[0]) > 0.05 or abs(p[1] - q[1]) > 0.05]
    assert not moved, moved[:5]


def test_a_cell_too_long_for_one_line_still_wraps() -> None:
    long_name = "Kingston upon Hull and the East Riding of Yorkshire combined authority area " * 2
    doc = Document(Meta(title="T"), blocks=(Table(columns=((Text("Name"),), (Text("Value"),)),
                                            rows=(((Text(long_name),), (Text("£5.8bn"),)),)),))
    text = squash(PdfReader(io.BytesIO(pdf.render(doc, THEME))).pages[0].extract_text())
    assert squash(long_name).strip() in text


def test_remembered_line_breaking_changes_no_byte(sample_pdf: bytes, monkeypatch) -> None:
    """The every-node document (lists, figures in KeepTogether, long tables that split, a
    contents page built twice) is byte-identical with reportlab's own wrap, and the memo is used."""
    from reportgen.writers import pdf as module

    calls = {"break": 0}
    real_break = module.RLParagraph.breakLines

    def counting(self, widths):
        calls["break"] += 1
        return real_break(self, widths)

    monkeypatch.setattr(module.RLParagraph, "breakLines", counting)
    assert pdf.render(every_node_document(), THEME) == sample_pdf
    with_memo = calls["break"]
    monkeypatch.setattr(module.Paragraph, "wrap", module.RLParagraph.wrap)
    calls["break"] = 0
    assert pdf.render(every_node_document(), THEME) == sample_pdf
    assert with_memo < calls["break"], (with_memo, calls["break"])


def test_the_memo_holds_only_for_the_same_width_and_until_split_or_drawn() -> None:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen.canvas import Canvas

    from reportgen.writers.pdf import Paragraph as MemoParagraph

    p = MemoParagraph("word " * 80, ParagraphStyle("x", fontName="Helvetica", fontSize=10, leading=12))
    w1, h1 = p.wrap(200, 1000)
    first = p.blPara
    assert p.wrap(200, 1000) == (w1, h1) and p.blPara is first  # remembered
    w2, h2 = p.wrap(100, 1000)
    assert (w2, h2) != (w1, h1) and h2 > h1  # another width: broken again
    parts = p.split(100, 3 * 12)
    assert len(parts) == 2 and p._memo is None
    p.wrap(100, 1000)
    p.canv = Canvas(io.BytesIO())
    p.draw()
    assert p._memo is None
    assert p.wrap(100, 1000) == (w2, h2)
