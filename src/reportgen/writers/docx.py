"""Document → DOCX, on the named Word styles of templates/reference.docx.

``render(doc, theme)`` returns the bytes of a .docx file. Every document starts
from reference.docx (its body emptied), so a user restyles all of them by
editing that one file in Word; this module only names styles ("Body Text",
"Heading 1", "Caption", "Source", "Key Figure", "Key Cities Table", ...) and
adds the few direct properties a style cannot carry (cell shading of the title
band and tiles, column widths, alignment per column).

Each node type of ``reportgen.document`` has one ``visit_<Type>`` function; an
unknown node raises TypeError. Block visitors take ``(node, ctx, parent)`` where
``parent`` is a w:body or w:tc element; inline visitors take
``(node, ctx, parent, fmt)`` where ``parent`` is a w:p or w:hyperlink element.

Choices worth knowing:
- Charts are native, editable Word charts (``docx_charts``: a DrawingML chart
  part per Figure with literal data, no embedded workbook), so this module never
  imports matplotlib; ``CHART_ENGINE = "png"`` switches back to 300-dpi pictures.
- Notes are endnotes drawn as in the PDF: a superscript number in the text and
  a "Notes" Heading 1 with a numbered list at the end (real Word footnotes
  would be a later improvement).
- The table of contents is a real TOC field whose cached result already lists
  the headings, each a link to a bookmark on its heading. Entries carry no page
  numbers (they are unknown without layout); Word adds them on "Update field".
- Output is deterministic: fixed core-property dates, fixed zip timestamps,
  stable zip order.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import docx as python_docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

from ..document import (
    BulletList,
    Callout,
    Document,
    Emph,
    FactText,
    Figure,
    Heading,
    Inline,
    KeyFigures,
    LineBreak,
    Link,
    NoteRef,
    OrderedList,
    PageBreak,
    Paragraph,
    Strong,
    Table,
    TableOfContents,
    Text,
    TitleBlock,
    iter_inlines,
    plain_text,
)
from ..theme import Theme
from . import docx_charts

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

name = "docx"
suffix = ".docx"

REFERENCE_DOCX = Path(__file__).resolve().parents[3] / "templates" / "reference.docx"
FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
NUMBER_ABSTRACT_ID = "11"  # the decimal list in reference.docx (see scripts/make_reference_docx.py)
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_WHITESPACE_CONTROLS = re.compile("[\t\n\r]")
DATA_CELL_MARGINS = (57, 85, 57, 85)  # top, left, bottom, right in twips
_JC = {"left": "left", "right": "right", "center": "center", "centre": "center"}
#: "native": charts as editable Word charts (DrawingML chart parts, no matplotlib);
#: "png": 300-dpi pictures drawn by reportgen.charts (matplotlib)
CHART_ENGINE = "native"


# ----------------------------------------------------------------------------- context


@dataclass(frozen=True)
class RunFmt:
    """Character formatting accumulated by Strong / Emph / Link."""

    bold: bool = False
    italic: bool = False
    char_style: str = ""


@dataclass
class Context:
    """Mutable state of one render: the python-docx document, theme and counters."""

    document: DocxDocument
    theme: Theme
    style_ids: dict[str, str]
    bookmarks: list[tuple[int, str, str]]  # (level, bookmark name, text) in document order
    notes: list[tuple[Inline, ...]] = field(default_factory=list)
    heading_index: int = 0
    list_depth: int = 0
    body_style: str = "Body Text"
    in_note: bool = False
    chart_count: int = 0

    def style(self, style_name: str) -> str:
        """Return the styleId of ``style_name`` (case-insensitive); unknown names give Body Text's."""
        return self.style_ids.get(style_name.lower()) or self.style_ids["body text"]


# ----------------------------------------------------------------------------- public API


def render(doc: Document, theme: Theme, *, reference_docx: Path | None = None) -> bytes:
    """Return ``doc`` as the bytes of a .docx file styled by ``reference_docx``.

    ``reference_docx`` None means the project's templates/reference.docx. The
    same Document and theme always give byte-identical output.
    """
    document = python_docx.Document(io.BytesIO(_reference_bytes(str(reference_docx or REFERENCE_DOCX))))
    ctx = Context(document, theme, _style_ids(document), _collect_bookmarks(doc))
    body = document.element.body
    sect_pr = body.find(qn("w:sectPr"))
    for child in list(body):
        body.remove(child)
    for block in doc.blocks:
        visit(block, ctx, body)
    _write_notes(ctx, body)
    body.append(sect_pr)
    _write_footer(document, doc.meta.footer, ctx.style_ids)
    _write_core_properties(document, doc)
    return _package_bytes(document)


def visit(node: object, *args: object) -> None:
    """Dispatch ``node`` to ``visit_<TypeName>``; raise TypeError for a type this writer lacks."""
    fn: Callable[..., None] | None = _VISITORS.get(type(node).__name__)
    if fn is None:
        raise TypeError(f"docx writer: no visitor for node type {type(node).__name__}")
    fn(node, *args)


# ----------------------------------------------------------------------------- blocks


def visit_TitleBlock(node: TitleBlock, ctx: Context, parent) -> None:
    """Draw the title band: a full-width one-cell table shaded in the primary colour."""
    cell = _panel(ctx, parent, [1.0], ctx.theme.colour("primary"), margins=(280, 340, 300, 340))[0]
    if node.kicker:
        _add_text_paragraph(ctx, cell, "Kicker", node.kicker)
    _add_text_paragraph(ctx, cell, "Title", node.title)
    if node.subtitle:
        _add_text_paragraph(ctx, cell, "Subtitle", node.subtitle)
    _drop_first_empty(cell)


def visit_Heading(node: Heading, ctx: Context, parent) -> None:
    """Add a Heading 1–3 paragraph (deeper levels use Heading 3) with its TOC bookmark."""
    level = min(max(node.level, 1), 3)
    p = _paragraph(ctx, parent, f"Heading {level}")
    _bookmark_start(p, ctx)
    _inlines(node.inlines, ctx, p)
    _bookmark_end(p, ctx)


def visit_Paragraph(node: Paragraph, ctx: Context, parent) -> None:
    """Add a paragraph in its named style (Body Text becomes Callout inside callouts)."""
    style = ctx.body_style if node.style == "Body Text" else node.style
    _inlines(node.inlines, ctx, _paragraph(ctx, parent, style))


def visit_BulletList(node: BulletList, ctx: Context, parent) -> None:
    """Add a bulleted list on the List Bullet styles (nested lists one level deeper)."""
    _list_items(node.items, ctx, parent, "List Bullet", None)


def visit_OrderedList(node: OrderedList, ctx: Context, parent) -> None:
    """Add a numbered list on the List Number styles, restarting at ``node.start``."""
    num_id = _restarted_num(ctx, node.start, ctx.list_depth)
    _list_items(node.items, ctx, parent, "List Number", num_id)


def visit_Table(node: Table, ctx: Context, parent) -> None:
    """Add caption, a 'Key Cities Table' with a repeating shaded header row, and source."""
    if node.caption:
        _inlines(node.caption, ctx, _paragraph(ctx, parent, "Caption"))
    ncols = max([len(node.columns)] + [len(r) for r in node.rows])
    if ncols == 0:
        raise ValueError("docx writer: a Table needs at least one column")
    widths = _column_widths(node.widths, ncols, _text_width_twips(ctx.theme))
    tbl = _table(ctx, parent, widths, "Key Cities Table", DATA_CELL_MARGINS)
    rows = ([node.columns] if node.columns else []) + list(node.rows)
    n_header = max(node.header_rows, 1) if node.columns else max(node.header_rows, 0)
    for i, cells in enumerate(rows):
        header = i < n_header
        _table_row(ctx, tbl, cells, widths, node.alignments, header, stripe=not header and (i - n_header) % 2 == 1)
    if node.source:
        _inlines(node.source, ctx, _paragraph(ctx, parent, "Source"))


def visit_Figure(node: Figure, ctx: Context, parent) -> None:
    """Add caption, the chart at text width with alt text (native chart or PNG, see CHART_ENGINE), and source."""
    if node.caption:
        _inlines(node.caption, ctx, _paragraph(ctx, parent, "Caption"))
    width_mm, height_mm = _chart_size_mm(node, ctx.theme)
    if CHART_ENGINE == "native" and ctx.theme.chart_engine == "native":
        inline = _chart_inline(node, ctx, width_mm, height_mm)
    else:
        inline = _picture_inline(node, ctx, width_mm, height_mm)
    doc_pr = inline.find(qn("wp:docPr"))
    doc_pr.set("descr", _clean(node.alt_text or node.chart.title))
    doc_pr.set("title", _clean(node.chart.title))
    p = _paragraph(ctx, parent, "Figure")
    _sub(_sub(p, "w:r"), "w:drawing").append(inline)
    if node.source:
        _inlines(node.source, ctx, _paragraph(ctx, parent, "Source"))


def visit_KeyFigures(node: KeyFigures, ctx: Context, parent) -> None:
    """Add a one-row table of shaded tiles: value in 'Key Figure', label and comparison small."""
    if not node.items:
        return
    cells = _panel(ctx, parent, [1.0] * len(node.items), ctx.theme.colour("tile_background"),
                   margins=(140, 160, 160, 160), gap_colour="FFFFFF")
    tile_pt = _text_width_twips(ctx.theme) / 20 / len(node.items) - 16  # less the cell margins
    for cell, item in zip(cells, node.items):
        value = _paragraph(ctx, cell, "Key Figure")
        _inlines(item.value, ctx, value)
        _fit_value(value, plain_text(item.value), tile_pt, ctx.theme.size("key_value"))
        _inlines(item.label, ctx, _paragraph(ctx, cell, "Key Figure Label"))
        if item.comparison:
            _inlines(item.comparison, ctx, _paragraph(ctx, cell, "Key Figure Comparison"))
        _drop_first_empty(cell)


# DejaVu Sans Bold advances average about 0.68 em; Word cannot shrink text to fit a cell by itself
_BOLD_EM = 0.68


def _fit_value(p, text: str, width_pt: float, size_pt: float) -> None:
    """Give the runs of a key-figure value a smaller size when the text would not fit its tile
    (so "not available" shrinks rather than breaking inside the word, as in the PDF)."""
    needed = _BOLD_EM * max(len(text), 1)
    if needed * size_pt <= width_pt:
        return
    half_points = str(max(16, int(2 * width_pt / needed)))
    for r in p.iter(qn("w:r")):
        rpr = r.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            r.insert(0, rpr)
        for tag in ("w:sz", "w:szCs"):
            _sub(rpr, tag, {qn("w:val"): half_points})


def visit_Callout(node: Callout, ctx: Context, parent) -> None:
    """Add a one-cell shaded table with an accent rule on the left; body text in 'Callout' style."""
    cell = _panel(ctx, parent, [1.0], ctx.theme.colour("callout_background"), margins=(160, 240, 120, 240),
                  left_rule=ctx.theme.colour("accent"))[0]
    if node.title:
        _inlines(node.title, ctx, _paragraph(ctx, cell, "Callout Heading"))
    saved, ctx.body_style = ctx.body_style, "Callout"
    for block in node.blocks:
        visit(block, ctx, cell)
    ctx.body_style = saved
    _drop_first_empty(cell)
    _close_cell(cell)


def visit_PageBreak(node: PageBreak, ctx: Context, parent) -> None:
    """Add a paragraph holding a page break."""
    p = _paragraph(ctx, parent, "Spacer")
    _sub(_sub(p, "w:r"), "w:br", {qn("w:type"): "page"})


def visit_TableOfContents(node: TableOfContents, ctx: Context, parent) -> None:
    """Add a real TOC field whose cached result lists the headings up to ``depth`` as links."""
    _add_text_paragraph(ctx, parent, "TOC Heading", node.title)
    entries = [(lvl, mark, text) for lvl, mark, text in ctx.bookmarks if lvl <= node.depth]
    instr = f' TOC \\o "1-{max(node.depth, 1)}" \\h \\z \\u '
    first = _paragraph(ctx, parent, f"TOC {entries[0][0]}" if entries else "TOC 1")
    _field_char(first, "begin")
    _instr(first, instr)
    _field_char(first, "separate")
    p = first
    for i, (level, mark, text) in enumerate(entries):
        if i:
            p = _paragraph(ctx, parent, f"TOC {level}")
        link = _sub(p, "w:hyperlink", {qn("w:anchor"): mark, qn("w:history"): "1"})
        _run(link, text, RunFmt())
    if not entries:
        _run(p, "No headings", RunFmt())
    _field_char(p, "end")


# ----------------------------------------------------------------------------- inlines


def visit_Text(node: Text, ctx: Context, parent, fmt: RunFmt) -> None:
    """Add the text as one run, literally."""
    _run(parent, node.text, fmt)


def visit_FactText(node: FactText, ctx: Context, parent, fmt: RunFmt) -> None:
    """Add the formatted figure as a plain run."""
    _run(parent, node.text, fmt)


def visit_Strong(node: Strong, ctx: Context, parent, fmt: RunFmt) -> None:
    """Add the children in bold."""
    _inlines(node.children, ctx, parent, replace(fmt, bold=True))


def visit_Emph(node: Emph, ctx: Context, parent, fmt: RunFmt) -> None:
    """Add the children in italic."""
    _inlines(node.children, ctx, parent, replace(fmt, italic=True))


def visit_Link(node: Link, ctx: Context, parent, fmt: RunFmt) -> None:
    """Add a w:hyperlink (external relationship, or an anchor for '#name') in the Hyperlink style."""
    url = _clean(node.url)
    if url.startswith("#"):
        attrs = {qn("w:anchor"): url[1:], qn("w:history"): "1"}
    else:
        r_id = ctx.document.part.relate_to(url, RT.HYPERLINK, is_external=True)
        attrs = {qn("r:id"): r_id, qn("w:history"): "1"}
    target = parent if parent.tag == qn("w:hyperlink") else _sub(parent, "w:hyperlink", attrs)
    _inlines(node.children, ctx, target, replace(fmt, char_style=ctx.style("Hyperlink")))


def visit_NoteRef(node: NoteRef, ctx: Context, parent, fmt: RunFmt) -> None:
    """Add a superscript note number; the note itself goes to the Notes section at the end."""
    if ctx.in_note:
        return  # a note inside a note has nowhere to go
    if node.children not in ctx.notes:  # the same note again shares its number (as in the PDF writer)
        ctx.notes.append(node.children)
    _run(parent, str(ctx.notes.index(node.children) + 1), RunFmt(char_style=ctx.style("Note Reference")))


def visit_LineBreak(node: LineBreak, ctx: Context, parent, fmt: RunFmt) -> None:
    """Add a line break (w:br) inside the paragraph."""
    _sub(_sub(parent, "w:r"), "w:br")


_VISITORS: dict[str, Callable[..., None]] = {
    key[len("visit_"):]: fn for key, fn in dict(globals()).items() if key.startswith("visit_") and callable(fn)
}


# ----------------------------------------------------------------------------- XML helpers


def _sub(parent, tag: str, attrs: dict[str, str] | None = None):
    """Append a new ``tag`` ('w:p') element, with python-docx's element classes, to ``parent``; return it."""
    el = parent.makeelement(_clark(tag), attrs or {})
    parent.append(el)
    return el


@cache
def _clark(tag: str) -> str:
    """Return 'w:p' as '{namespace}p' (cached: this is the writer's hottest path)."""
    return qn(tag)


def _clean(text: str) -> str:
    """Return ``text`` without XML-invalid characters; tabs and newlines become spaces."""
    return _WHITESPACE_CONTROLS.sub(" ", _INVALID_XML.sub("", text))


def _paragraph(ctx: Context, parent, style_name: str):
    """Append a w:p in the named style to ``parent`` (w:body or w:tc); return it."""
    p = _sub(parent, "w:p")
    _sub(_sub(p, "w:pPr"), "w:pStyle", {qn("w:val"): ctx.style(style_name)})
    return p


def _ppr(p):
    """Return the w:pPr of ``p`` (every paragraph made here has one)."""
    return p.find(qn("w:pPr"))


def _add_text_paragraph(ctx: Context, parent, style_name: str, text: str):
    """Append a paragraph holding plain ``text`` in the named style; return it."""
    p = _paragraph(ctx, parent, style_name)
    _run(p, text, RunFmt())
    return p


def _run(parent, text: str, fmt: RunFmt) -> None:
    """Append a w:r holding ``text`` (cleaned) with ``fmt`` to a w:p or w:hyperlink."""
    r = _sub(parent, "w:r")
    if fmt.char_style or fmt.bold or fmt.italic:
        rpr = _sub(r, "w:rPr")
        if fmt.char_style:
            _sub(rpr, "w:rStyle", {qn("w:val"): fmt.char_style})
        if fmt.bold:
            _sub(rpr, "w:b")
            _sub(rpr, "w:bCs")
        if fmt.italic:
            _sub(rpr, "w:i")
            _sub(rpr, "w:iCs")
    t = _sub(r, "w:t", {"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
    t.text = _clean(text)


def _inlines(inlines: tuple[Inline, ...], ctx: Context, parent, fmt: RunFmt | None = None) -> None:
    """Visit each inline into ``parent`` (a w:p or w:hyperlink)."""
    for node in inlines:
        visit(node, ctx, parent, fmt or RunFmt())


def _field_char(p, kind: str) -> None:
    """Append a w:fldChar run of ``kind`` ('begin', 'separate', 'end')."""
    _sub(_sub(p, "w:r"), "w:fldChar", {qn("w:fldCharType"): kind})


def _instr(p, instr: str) -> None:
    """Append a field instruction run."""
    el = _sub(_sub(p, "w:r"), "w:instrText", {"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
    el.text = instr


def _simple_field(p, instr: str, cached: str) -> None:
    """Append a w:fldSimple (e.g. PAGE) with a cached result Word and LibreOffice refresh."""
    fld = _sub(p, "w:fldSimple", {qn("w:instr"): instr})
    _run(fld, cached, RunFmt())


# ----------------------------------------------------------------------------- bookmarks, TOC, notes


def _collect_bookmarks(doc: Document) -> list[tuple[int, str, str]]:
    """Return (level, bookmark name, text) for every heading, in the order visit_Heading meets them."""
    headings = [(b.level, plain_text(b.inlines), b.id) for b in _walk_blocks(doc.blocks) if isinstance(b, Heading)]
    if any(isinstance(i, NoteRef) for i in iter_inlines(doc.blocks)):
        headings.append((1, "Notes", "notes"))
    return [(min(max(lvl, 1), 3), _bookmark_name(i, hid), _clean(text)) for i, (lvl, text, hid) in
            enumerate(headings)]


def _walk_blocks(blocks):
    """Yield blocks depth first, in document order, including those inside lists and callouts."""
    for block in blocks:
        yield block
        if isinstance(block, Callout):
            yield from _walk_blocks(block.blocks)
        elif isinstance(block, (BulletList, OrderedList)):
            for item in block.items:
                yield from _walk_blocks(item)


def _bookmark_name(index: int, heading_id: str) -> str:
    """Return a valid, unique Word bookmark name (≤ 40 characters) for the index-th heading."""
    slug = re.sub(r"[^A-Za-z0-9_]", "_", heading_id)
    return f"_Toc{index:04d}_{slug}"[:40].rstrip("_")


def _bookmark_start(p, ctx: Context) -> None:
    """Open the bookmark of the next heading in ``p``."""
    _, mark, _ = ctx.bookmarks[ctx.heading_index]
    _sub(p, "w:bookmarkStart", {qn("w:id"): str(ctx.heading_index), qn("w:name"): mark})


def _bookmark_end(p, ctx: Context) -> None:
    """Close the bookmark opened by ``_bookmark_start`` and move to the next heading."""
    _sub(p, "w:bookmarkEnd", {qn("w:id"): str(ctx.heading_index)})
    ctx.heading_index += 1


def _write_notes(ctx: Context, body) -> None:
    """Append the 'Notes' heading and the numbered notes, as the PDF writer does."""
    if not ctx.notes:
        return
    visit_Heading(Heading(1, (Text("Notes"),), "notes"), ctx, body)
    num_id = _restarted_num(ctx, 1, 0)
    ctx.in_note = True
    for note in ctx.notes:
        p = _paragraph(ctx, body, "Note Text")
        _num_pr(p, num_id, 0)
        _inlines(note, ctx, p)
    ctx.in_note = False


# ----------------------------------------------------------------------------- lists


def _list_items(items, ctx: Context, parent, base_style: str, num_id: str | None) -> None:
    """Add list items: the first paragraph of each item numbered, later ones as List Continue."""
    ctx.list_depth += 1
    level = min(ctx.list_depth, 3)
    suffix = "" if level == 1 else f" {level}"
    for item in items:
        for i, block in enumerate(item):
            if isinstance(block, Paragraph):
                style = f"{base_style}{suffix}" if i == 0 else f"List Continue{suffix}"
                p = _paragraph(ctx, parent, style)
                if num_id and i == 0:
                    _num_pr(p, num_id, level - 1)
                _inlines(block.inlines, ctx, p)
            else:
                visit(block, ctx, parent)
    ctx.list_depth -= 1


def _num_pr(p, num_id: str, ilvl: int) -> None:
    """Give paragraph ``p`` explicit numbering: list ``num_id`` at level ``ilvl``."""
    num_pr = OxmlElement("w:numPr")
    _sub(num_pr, "w:ilvl", {qn("w:val"): str(ilvl)})
    _sub(num_pr, "w:numId", {qn("w:val"): num_id})
    _ppr(p).find(qn("w:pStyle")).addnext(num_pr)


def _restarted_num(ctx: Context, start: int, ilvl: int) -> str:
    """Add a w:num on the decimal abstract list that restarts at ``start``; return its numId."""
    numbering = ctx.document.part.numbering_part.element
    used = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
    num_id = str(max(used + [0]) + 1)
    num = _sub(numbering, "w:num", {qn("w:numId"): num_id})
    _sub(num, "w:abstractNumId", {qn("w:val"): NUMBER_ABSTRACT_ID})
    override = _sub(num, "w:lvlOverride", {qn("w:ilvl"): str(min(ilvl, 2))})
    _sub(override, "w:startOverride", {qn("w:val"): str(start)})
    return num_id


# ----------------------------------------------------------------------------- tables


def _text_width_twips(theme: Theme) -> int:
    """Return the A4 text width between the theme margins, in twips."""
    return round((210 - theme.page["margin_left"] - theme.page["margin_right"]) / 25.4 * 1440)


def _column_widths(relative: tuple[float, ...], ncols: int, total: int) -> list[int]:
    """Return ``ncols`` widths in twips summing to ``total``, proportional to ``relative`` (or equal)."""
    rel = list(relative[:ncols]) if len(relative) >= ncols and all(w > 0 for w in relative) else [1.0] * ncols
    widths = [int(total * w / sum(rel)) for w in rel]
    widths[-1] += total - sum(widths)
    return widths


def _table(ctx: Context, parent, widths: list[int], style_name: str, margins: tuple[int, int, int, int]):
    """Append a fixed-layout w:tbl of the given column widths, style and cell margins; return it.

    The table is indented by its left cell margin, so its edge (not its text) lines up with the text
    column in Word's and LibreOffice's table placement.
    """
    if len(parent) and parent[-1].tag == qn("w:tbl"):
        _paragraph(ctx, parent, "Spacer")  # two adjacent tables would merge into one
    tbl = _sub(parent, "w:tbl")
    pr = _sub(tbl, "w:tblPr")
    _sub(pr, "w:tblStyle", {qn("w:val"): ctx.style(style_name)})
    _sub(pr, "w:tblW", {qn("w:w"): str(sum(widths)), qn("w:type"): "dxa"})
    _sub(pr, "w:tblInd", {qn("w:w"): str(margins[1]), qn("w:type"): "dxa"})
    _sub(pr, "w:tblLayout", {qn("w:type"): "fixed"})
    _cell_margins(pr, "w:tblCellMar", margins)
    _sub(pr, "w:tblLook", {qn("w:val"): "0420", qn("w:firstRow"): "1", qn("w:lastRow"): "0",
                           qn("w:firstColumn"): "0", qn("w:lastColumn"): "0", qn("w:noHBand"): "1",
                           qn("w:noVBand"): "1"})
    grid = _sub(tbl, "w:tblGrid")
    for w in widths:
        _sub(grid, "w:gridCol", {qn("w:w"): str(w)})
    return tbl


def _cell_margins(parent, tag: str, margins: tuple[int, ...]) -> None:
    """Append cell margins (top, left, bottom, right in twips) as ``tag``."""
    mar = _sub(parent, tag)
    for side, value in zip(("top", "left", "bottom", "right"), margins):
        _sub(mar, f"w:{side}", {qn("w:w"): str(value), qn("w:type"): "dxa"})


def _cell(tr, width: int, fill: str = ""):
    """Append a w:tc of ``width`` twips, shaded ``fill`` ('#RRGGBB' or ''); return it."""
    tc = _sub(tr, "w:tc")
    pr = _sub(tc, "w:tcPr")
    _sub(pr, "w:tcW", {qn("w:w"): str(width), qn("w:type"): "dxa"})
    if fill:
        _sub(pr, "w:shd", {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill.lstrip("#").upper()})
    return tc


def _table_row(ctx: Context, tbl, cells, widths: list[int], alignments: tuple[str, ...], header: bool,
               stripe: bool) -> None:
    """Append one data-table row; header rows repeat on each page and are shaded."""
    tr = _sub(tbl, "w:tr")
    tr_pr = _sub(tr, "w:trPr")
    _sub(tr_pr, "w:cantSplit")
    if header:
        _sub(tr_pr, "w:tblHeader")
    colours = ctx.theme.colours
    fill = colours["table_header_background"] if header else (colours["table_stripe"] if stripe else "")
    for i, width in enumerate(widths):
        tc = _cell(tr, width, fill)
        p = _paragraph(ctx, tc, "Table Heading" if header else "Table Text")
        align = _JC.get(alignments[i] if i < len(alignments) else "left", "left")
        if align != "left":
            _sub(_ppr(p), "w:jc", {qn("w:val"): align})
        _inlines(cells[i] if i < len(cells) else (), ctx, p)


def _panel(ctx: Context, parent, rel_widths: list[float], fill: str, margins: tuple[int, int, int, int],
           gap_colour: str = "", left_rule: str = "") -> list:
    """Append a full-width one-row 'Panel Table' of shaded cells; return the cells (each with an empty w:p).

    ``gap_colour`` draws 6 pt borders between cells (tiles); ``left_rule`` a 3 pt rule on the left edge.
    """
    widths = _column_widths(tuple(rel_widths), len(rel_widths), _text_width_twips(ctx.theme))
    tbl = _table(ctx, parent, widths, "Panel Table", margins)
    tr = _sub(tbl, "w:tr")
    _sub(_sub(tr, "w:trPr"), "w:cantSplit")
    cells = []
    for i, width in enumerate(widths):
        tc = _cell(tr, width, fill)
        if gap_colour or left_rule:
            _panel_borders(tc, i, len(widths), gap_colour, left_rule)
        _sub(tc, "w:p")
        cells.append(tc)
    return cells


def _panel_borders(tc, index: int, count: int, gap_colour: str, left_rule: str) -> None:
    """Give a panel cell white gaps between neighbours and/or a coloured left rule."""
    borders = OxmlElement("w:tcBorders")
    tc.find(qn("w:tcPr")).find(qn("w:tcW")).addnext(borders)
    if left_rule:
        _sub(borders, "w:left", {qn("w:val"): "single", qn("w:sz"): "24", qn("w:space"): "0",
                                 qn("w:color"): left_rule.lstrip("#").upper()})
    if gap_colour:
        if index > 0:
            _sub(borders, "w:left", {qn("w:val"): "single", qn("w:sz"): "24", qn("w:space"): "0",
                                     qn("w:color"): gap_colour})
        if index < count - 1:
            _sub(borders, "w:right", {qn("w:val"): "single", qn("w:sz"): "24", qn("w:space"): "0",
                                      qn("w:color"): gap_colour})


def _drop_first_empty(tc) -> None:
    """Remove the placeholder paragraph of a filled cell (keeping at least one block)."""
    paragraphs = tc.findall(qn("w:p"))
    first = paragraphs[0] if paragraphs else None
    if first is not None and len(first) == 0 and len(tc) > 2:
        tc.remove(first)


def _close_cell(tc) -> None:
    """Make sure a cell ends with a paragraph, as Word requires."""
    if tc[-1].tag == qn("w:tbl"):
        _sub(tc, "w:p")


# ----------------------------------------------------------------------------- charts


def _chart_size_mm(node: Figure, theme: Theme) -> tuple[float, float]:
    """Return the (width, height) in mm of the chart: text width, height to suit the chart."""
    width = 210 - theme.page["margin_left"] - theme.page["margin_right"]
    return docx_charts.size_mm(node.chart, width)


def _chart_inline(node: Figure, ctx: Context, width_mm: float, height_mm: float):
    """Return a wp:inline placing ``node``'s chart as a native chart part /word/charts/chartN.xml."""
    ctx.chart_count += 1
    n = ctx.chart_count
    blob = docx_charts.chart_space_xml(node.chart, ctx.theme, width_mm, height_mm)
    part = Part(PackURI(f"/word/charts/chart{n}.xml"), docx_charts.CONTENT_TYPE, blob, ctx.document.part.package)
    r_id = ctx.document.part.relate_to(part, docx_charts.RELATIONSHIP_TYPE)
    return parse_xml(
        f'<wp:inline {nsdecls("wp", "a", "r")} distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{Mm(width_mm)}" cy="{Mm(height_mm)}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{n}" name="Chart {n}"/><wp:cNvGraphicFramePr/>'
        f'<a:graphic><a:graphicData uri="{docx_charts.GRAPHIC_URI}">'
        f'<c:chart xmlns:c="{docx_charts.GRAPHIC_URI}" r:id="{r_id}"/></a:graphicData></a:graphic></wp:inline>')


def _picture_inline(node: Figure, ctx: Context, width_mm: float, height_mm: float):
    """Return a wp:inline placing ``node``'s chart as a 300-dpi PNG drawn by matplotlib (imported here only)."""
    from .. import charts

    png = charts.render(node.chart, ctx.theme, width_mm, height_mm, "png")
    return ctx.document.part.new_pic_inline(io.BytesIO(png), Mm(width_mm), Mm(height_mm))


# ----------------------------------------------------------------------------- package


@lru_cache(maxsize=4)
def _reference_bytes(path: str) -> bytes:
    """Return the bytes of the reference document at ``path`` (read once per process)."""
    return Path(path).read_bytes()


def _style_ids(document) -> dict[str, str]:
    """Return lower-cased style name → styleId for every style of ``document``."""
    out = {}
    for el in document.styles.element.findall(qn("w:style")):
        name_el = el.find(qn("w:name"))
        if name_el is not None:
            out[name_el.get(qn("w:val")).lower()] = el.get(qn("w:styleId"))
    return out


def _write_footer(document, text: str, ids: dict[str, str]) -> None:
    """Fill the footer: ``text`` on the left, 'Page X of Y' (PAGE / NUMPAGES fields) on the right."""
    footer = document.sections[0].footer
    footer.is_linked_to_previous = False
    ftr = footer._element
    for child in list(ftr):
        ftr.remove(child)
    p = _sub(ftr, "w:p")
    _sub(_sub(p, "w:pPr"), "w:pStyle", {qn("w:val"): ids.get("footer", "Footer")})
    _run(p, text, RunFmt())
    _sub(_sub(p, "w:r"), "w:tab")
    _run(p, "Page ", RunFmt())
    _simple_field(p, " PAGE ", "1")
    _run(p, " of ", RunFmt())
    _simple_field(p, " NUMPAGES ", "1")


def _write_core_properties(document, doc: Document) -> None:
    """Set title, subject, author, keywords and language, with fixed dates and revision."""
    cp = document.core_properties
    meta = doc.meta
    cp.title, cp.subject, cp.author = _clean(meta.title), _clean(meta.subject), _clean(meta.author)
    cp.keywords = _clean(", ".join(meta.keywords))
    cp.language = meta.language or "en-GB"
    cp.last_modified_by = _clean(meta.author)
    cp.comments = ""
    cp.created = cp.modified = FIXED_TIME
    cp.revision = 1


def _package_bytes(document) -> bytes:
    """Return the package as a zip: fixed timestamps, [Content_Types].xml and _rels/.rels first, parts sorted.

    Written here rather than by ``document.save`` because python-docx stamps zip entries with the
    current time; images are stored (already compressed), XML is deflated.
    """
    package = document.part.package
    parts = sorted(package.iter_parts(), key=lambda part: str(part.partname))
    entries = [("[Content_Types].xml", _content_types(parts)), ("_rels/.rels", package.rels.xml)]
    for part in parts:
        entries.append((part.partname.membername, part.blob))
        if len(part.rels):
            entries.append((part.partname.rels_uri.membername, part.rels.xml))
    entries[2:] = sorted(entries[2:])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for member, blob in entries:
            info = zipfile.ZipInfo(member, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if member.endswith(_MEDIA) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, blob)
    return out.getvalue()


_MEDIA = (".png", ".jpeg", ".jpg", ".gif")


def _content_types(parts) -> bytes:
    """Return [Content_Types].xml: defaults for rels, xml and images, an override for every other part."""
    defaults = {"rels": "application/vnd.openxmlformats-package.relationships+xml", "xml": "application/xml"}
    overrides = []
    for part in parts:
        ext = part.partname.ext
        if ext in ("png", "jpeg", "jpg", "gif"):
            defaults[ext] = part.content_type
        else:
            overrides.append(f'<Override PartName="{part.partname}" ContentType="{part.content_type}"/>')
    items = [f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in sorted(defaults.items())] + overrides
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            + "".join(items) + "</Types>").encode("utf-8")


__all__ = ["REFERENCE_DOCX", "name", "render", "suffix", "visit"]
