"""The DOCX writer, checked on real output opened with python-docx (and LibreOffice when present)."""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen import charts
from reportgen.document import (
    Document,
    FactText,
    Heading,
    Meta,
    OrderedList,
    Paragraph,
    Table,
    Text,
    TitleBlock,
    iter_inlines,
)
from reportgen.samples import HOSTILE, every_node_document
from reportgen.theme import default_theme
from reportgen.writers import docx as writer

ROOT = Path(__file__).resolve().parents[1]
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@pytest.fixture(scope="module")
def theme():
    return default_theme()


@pytest.fixture(scope="module")
def sample():
    return every_node_document()


@pytest.fixture(scope="module")
def data(sample, theme) -> bytes:
    return writer.render(sample, theme)


@pytest.fixture(scope="module")
def out(data):
    return docx.Document(io.BytesIO(data))


def all_paragraphs(container):
    """Yield every paragraph of a document or cell, including those inside (nested) tables."""
    for block in container.iter_inner_content():
        if hasattr(block, "rows"):
            for row in block.rows:
                for cell in row.cells:
                    yield from all_paragraphs(cell)
        else:
            yield block


def all_text(out) -> str:
    return "\n".join(p.text for p in all_paragraphs(out))


def style_ids(element) -> set[str]:
    return {el.get(qn("w:val")) for tag in ("w:pStyle", "w:rStyle", "w:tblStyle") for el in element.iter(qn(tag))}


def reference_styles():
    return docx.Document(str(writer.REFERENCE_DOCX)).styles


def lookup(styles, style_name: str):
    """Return the style called ``style_name``, ignoring case (Word stores 'toc 1' for 'TOC 1')."""
    return next(s for s in styles if s.name.lower() == style_name.lower())


# ----------------------------------------------------------------------------- module contract


def test_writer_declares_name_and_suffix():
    assert writer.name == "docx" and writer.suffix == ".docx"


def test_unknown_node_is_a_type_error(theme):
    class Mystery:
        pass

    with pytest.raises(TypeError, match="Mystery"):
        writer.render(Document(Meta("x"), (Mystery(),)), theme)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- text


def test_text_of_every_node_comes_back(sample, out):
    text = all_text(out)
    for node in iter_inlines(sample.blocks):
        if isinstance(node, (Text, FactText)):
            assert node.text in text, node
    assert HOSTILE in text
    for expected in ("Sample: every node type", "A test of both writers", "Factsheet", "Contents", "Notes"):
        assert expected in text


def test_control_characters_are_stripped_without_crash(theme):
    doc = Document(Meta("t\x00itle\x1f", author="a\x0bb"), (
        TitleBlock("Ti\x01tle"),
        Paragraph((Text("a\x00b\x08c\x0b\x0cd\x1fe\ufffe tab\there"),)),
        Table(columns=((Text("h\x02"),),), rows=(((Text("c\x03ell"),),),)),
    ))
    out = docx.Document(io.BytesIO(writer.render(doc, theme)))
    text = all_text(out)
    assert "abcde tab here" in text and "Title" in text and "cell" in text and "h" in text
    assert out.core_properties.title == "title" and out.core_properties.author == "ab"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_any_text_round_trips_cleaned(text):
    doc = Document(Meta(text), (Paragraph((Text(text),)),))
    out = docx.Document(io.BytesIO(writer.render(doc, default_theme())))
    expected = "".join(" " if c in "\t\n\r" else c for c in text
                       if not ("\x00" <= c < " " and c not in "\t\n\r") and c not in "\ufffe\uffff"
                       and not "\ud800" <= c <= "\udfff")
    assert out.paragraphs[-1].text == expected


def test_hyperlink_is_a_real_relationship(out):
    links = [h for p in all_paragraphs(out) for h in p.hyperlinks if h.address]
    assert [(h.address, h.text) for h in links] == [("https://www.ons.gov.uk/", "link to the ONS")]
    run = links[0]._hyperlink.find(qn("w:r"))
    assert run.find(qn("w:rPr")).find(qn("w:rStyle")).get(qn("w:val")) == "Hyperlink"


def test_line_break_is_a_w_br(out):
    para = next(p for p in all_paragraphs(out) if "After a line break." in p.text)
    assert para._p.findall(f".//{{{W_NS}}}br")


def test_endnotes_are_numbered_and_listed_at_the_end(out):
    refs = [r for r in out.element.body.iter(qn("w:r"))
            if r.find(qn("w:rPr")) is not None and r.find(qn("w:rPr")).find(qn("w:rStyle")) is not None
            and r.find(qn("w:rPr")).find(qn("w:rStyle")).get(qn("w:val")) == "NoteReference"]
    assert [r.findtext(qn("w:t")) for r in refs] == ["1", "2"]
    paragraphs = list(out.paragraphs)
    notes_at = [i for i, p in enumerate(paragraphs) if p.text == "Notes" and p.style.name == "Heading 1"]
    assert notes_at, "a Notes heading"
    tail = paragraphs[notes_at[-1] + 1:]
    assert [p.text for p in tail] == ["A note: the Electoral Commission's counting areas, 2016.",
                                      "Second note, with <angle> & ampersand."]
    assert all(p.style.name == "Note Text" and p._p.pPr.numPr is not None for p in tail)
    assert out.styles["Note Reference"].font.superscript


# ----------------------------------------------------------------------------- styles


NAMED = ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Body Text", "Caption", "Source",
         "Key Figure", "Key Figure Label", "Callout", "List Bullet", "List Number", "TOC 1", "TOC 2",
         "Figure", "Note Text", "Hyperlink", "Key Cities Table")


def test_named_styles_are_used_and_all_used_styles_exist(out):
    used = style_ids(out.element)
    ref = reference_styles()
    ref_ids = {s.style_id for s in ref}
    assert used <= ref_ids, used - ref_ids
    for style_name in NAMED:
        assert lookup(ref, style_name).style_id in used, style_name
    footer_styles = style_ids(out.sections[0].footer._element)
    assert footer_styles == {ref["Footer"].style_id}


def test_paragraphs_carry_no_direct_fonts_or_sizes(out):
    for run in out.element.body.iter(qn("w:r")):
        rpr = run.find(qn("w:rPr"))
        if rpr is not None:
            assert rpr.find(qn("w:rFonts")) is None and rpr.find(qn("w:sz")) is None


def test_reference_styles_have_explicit_fonts(theme):
    family = theme.fonts.family
    for style_name in NAMED + ("Normal", "Footer", "Key Figure Comparison", "Table Text", "Table Heading"):
        fonts = lookup(reference_styles(), style_name).element.find(qn("w:rPr")).find(qn("w:rFonts"))
        for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
            assert fonts.get(qn(f"w:{attr}")) == family, (style_name, attr)
    styles_xml = zipfile.ZipFile(writer.REFERENCE_DOCX).read("word/styles.xml").decode()
    assert "asciiTheme" not in styles_xml and "cstheme" not in styles_xml


def test_reference_page_language_and_headings(theme):
    ref = docx.Document(str(writer.REFERENCE_DOCX))
    section = ref.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == theme.page["margin_left"]
    assert round(section.top_margin.mm) == theme.page["margin_top"]
    lang = ref.styles.element.find(qn("w:docDefaults")).find(f".//{{{W_NS}}}lang")
    assert lang.get(qn("w:val")) == "en-GB"
    for level in (1, 2, 3):
        assert ref.styles[f"Heading {level}"].paragraph_format.keep_with_next
    assert not ref.paragraphs and not ref.tables


def test_reference_docx_is_reproducible_and_up_to_date(theme):
    spec = importlib.util.spec_from_file_location("make_reference_docx", ROOT / "scripts" / "make_reference_docx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    first = module.build_reference(theme)
    assert first == module.build_reference(theme)
    assert first == writer.REFERENCE_DOCX.read_bytes(), "run scripts/make_reference_docx.py"


# ----------------------------------------------------------------------------- lists


def test_lists_use_real_numbering_and_ordered_lists_restart(theme):
    item = ((Paragraph((Text("x"),)),),)
    doc = Document(Meta("t"), (OrderedList(item), Paragraph((Text("between"),)), OrderedList(item, start=5)))
    out = docx.Document(io.BytesIO(writer.render(doc, theme)))
    numbered = [p for p in out.paragraphs if p.style.name == "List Number"]
    num_ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert len(set(num_ids)) == 2
    numbering = out.part.numbering_part.element
    starts = []
    for num_id in num_ids:
        num = numbering.num_having_numId(num_id)
        starts.append(int(num.find(f".//{{{W_NS}}}startOverride").get(qn("w:val"))))
    assert starts == [1, 5]


def test_bullets_nest_one_level_deeper(out):
    styles = [p.style.name for p in out.paragraphs if p.text in ("Nested one", "First bullet", "With a list")
              or p.text.startswith("First bullet")]
    assert "List Bullet" in styles and "List Bullet 2" in styles
    callout_items = [p for p in all_paragraphs(out) if p.text == "With a list"]
    assert callout_items[0].style.name == "List Bullet"


# ----------------------------------------------------------------------------- tables, panels, figures


def data_table(out):
    return next(t for t in out.tables if t.style is not None and t.style.name == "Key Cities Table")


def test_table_header_repeats_and_is_shaded(out, theme):
    table = data_table(out)
    header = table.rows[0]._tr
    assert header.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None
    fill = header.tc_lst[0].tcPr.find(qn("w:shd")).get(qn("w:fill"))
    assert "#" + fill == theme.colour("table_header_background").upper()
    assert [c.text for c in table.rows[0].cells] == ["Member", "Leave", "GVA per job", "Rank"]


def test_numeric_columns_are_right_aligned(out):
    table = data_table(out)
    for row in table.rows:
        aligns = [c.paragraphs[0].alignment for c in row.cells]
        assert aligns[0] is None
        assert aligns[1:] == [WD_ALIGN_PARAGRAPH.RIGHT] * 3


def test_column_widths_follow_relative_widths(out, theme):
    table = data_table(out)
    grid = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    text_width = round((210 - theme.page["margin_left"] - theme.page["margin_right"]) / 25.4 * 1440)
    assert sum(grid) == text_width
    assert grid[0] / grid[3] == pytest.approx(3 / 0.8, rel=0.01)
    cell_widths = [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in table.rows[5]._tr.tc_lst]
    assert cell_widths == grid


def test_caption_above_and_source_below_table(out):
    body = list(out.iter_inner_content())
    index = next(i for i, b in enumerate(body) if hasattr(b, "rows") and b.style.name == "Key Cities Table")
    assert body[index - 1].style.name == "Caption" and body[index - 1].text == "Table 1: Members (test data)"
    assert body[index + 1].style.name == "Source"


def test_title_band_and_key_figure_tiles(out, theme):
    band, tiles = out.tables[0], out.tables[1]
    cell = band.rows[0].cells[0]
    assert [p.style.name for p in cell.paragraphs] == ["Kicker", "Title", "Subtitle"]
    assert "#" + cell._tc.tcPr.find(qn("w:shd")).get(qn("w:fill")) == theme.colour("primary").upper()
    assert len(tiles.rows[0].cells) == 4
    first = tiles.rows[0].cells[0]
    assert [(p.style.name, p.text) for p in first.paragraphs] == [
        ("Key Figure", "258,995"), ("Key Figure Label", "Population, mid-2016"),
        ("Key Figure Comparison", "0.4% of the UK")]


def test_figures_are_native_charts_with_alt_text(out, sample):
    assert len(out.inline_shapes) == 3
    doc_prs = list(out.element.body.iter(qn("wp:docPr")))
    figures = [b for b in sample.blocks if type(b).__name__ == "Figure"]
    assert [d.get("descr") for d in doc_prs] == [f.alt_text for f in figures]
    assert [d.get("title") for d in doc_prs] == [f.chart.title for f in figures]
    shape = out.inline_shapes[0]
    assert shape.width.mm == pytest.approx(170, abs=0.5)
    r_id = shape._inline.graphic.graphicData[0].get(qn("r:id"))
    assert out.part.related_parts[r_id].partname == "/word/charts/chart1.xml"


def test_png_chart_engine_places_pictures_with_alt_text(sample, theme, monkeypatch):
    monkeypatch.setattr(writer, "CHART_ENGINE", "png")
    out = docx.Document(io.BytesIO(writer.render(sample, theme)))
    figures = [b for b in sample.blocks if type(b).__name__ == "Figure"]
    assert [d.get("descr") for d in out.element.body.iter(qn("wp:docPr"))] == [f.alt_text for f in figures]
    shape = out.inline_shapes[0]
    blob = out.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
    assert blob.startswith(b"\x89PNG")


# ----------------------------------------------------------------------------- TOC, footer, metadata


def test_toc_field_is_prefilled_with_linked_entries(out):
    body = out.element.body
    instr = "".join(t.text for t in body.iter(qn("w:instrText")))
    assert 'TOC \\o "1-2"' in instr
    kinds = [f.get(qn("w:fldCharType")) for f in body.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]
    entries = [p for p in out.paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert [p.text for p in entries] == ["Headings, paragraphs and inlines", "Lists", "A callout", "Charts",
                                         "A long table", "Notes"]
    bookmarks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    anchors = [h.get(qn("w:anchor")) for p in entries for h in p._p.findall(qn("w:hyperlink"))]
    assert len(anchors) == len(entries) and set(anchors) <= bookmarks
    settings = out.settings.element
    assert settings.find(qn("w:updateFields")) is None


def test_footer_has_text_and_page_x_of_y(out):
    ftr = out.sections[0].footer._element
    instrs = [f.get(qn("w:instr")).strip() for f in ftr.iter(qn("w:fldSimple"))]
    assert instrs == ["PAGE", "NUMPAGES"]
    text = "".join(t.text for t in ftr.iter(qn("w:t")))
    assert text.startswith("Key Cities Group · sample data") and "Page 1 of 1" in text


def test_core_properties(out):
    cp = out.core_properties
    assert (cp.title, cp.subject, cp.author, cp.keywords, cp.language) == (
        "Sample: every node type", "Writer test document", "Key Cities Group", "sample, test", "en-GB")
    assert cp.created.year == 2000 and cp.modified == cp.created and cp.revision == 1


# ----------------------------------------------------------------------------- determinism


def test_same_document_gives_identical_bytes(sample, theme, data):
    charts.clear_cache()
    assert writer.render(sample, theme) == data


def test_zip_has_fixed_timestamps_and_stable_order(data):
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert [i.filename for i in infos[:2]] == ["[Content_Types].xml", "_rels/.rels"]
    assert {i.date_time for i in infos} == {(2000, 1, 1, 0, 0, 0)}
    rest = [i.filename for i in infos[2:]]
    assert rest == sorted(rest)


def test_other_reference_docx_is_used(tmp_path, theme):
    ref = tmp_path / "mine.docx"
    plain = docx.Document()
    plain.styles["Heading 1"].font.size = docx.shared.Pt(33)
    plain.save(str(ref))
    doc = Document(Meta("t"), (Heading(1, (Text("H"),)), Paragraph((Text("p"),))))
    out = docx.Document(io.BytesIO(writer.render(doc, theme, reference_docx=ref)))
    assert [p.text for p in out.paragraphs] == ["H", "p"]
    assert out.styles["Heading 1"].font.size.pt == 33


# ----------------------------------------------------------------------------- LibreOffice


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_the_file(tmp_path, data):
    pypdf = pytest.importorskip("pypdf")
    (tmp_path / "sample.docx").write_bytes(data)
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "sample.docx")],
                   check=True, capture_output=True, timeout=180)
    reader = pypdf.PdfReader(str(tmp_path / "sample.pdf"))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Headings, paragraphs and inlines" in text and "Wolverhampton (39)" in text
    assert f"Page 1 of {len(reader.pages)}" in text
