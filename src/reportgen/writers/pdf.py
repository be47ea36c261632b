"""Document → PDF with reportlab platypus; the only module that imports reportlab.

One ``visit_<Node>`` function per block type returns flowables, one
``inline_<Node>`` function per inline type returns paragraph markup; an
unknown node is a TypeError. Every font is the theme's TTF family, embedded
(the canvas's initial font included, so Helvetica never appears). Output is
deterministic (reportlab invariant mode). Notes become endnotes under a "Notes"
heading at the end, numbered in reading order, as the DOCX writer does.

With ``theme.print_enabled`` the page grows by ``theme.bleed_mm`` on each side,
the title band bleeds to the media edge, crop marks are drawn in the bleed and
every colour is written as CMYK.
"""

from __future__ import annotations

import functools
import io
import operator
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from . import rl_startup

rl_startup.defer()  # before reportlab's first import: see rl_startup

from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import CMYKColor, Color, HexColor, toColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable
from reportlab.platypus.tableofcontents import TableOfContents as RLTableOfContents

from .. import chartlayout
from ..document import (
    BulletList,
    Callout,
    Chart,
    Document,
    Emph,
    FactText,
    Figure,
    Heading,
    KeyFigures,
    LineBreak,
    Link,
    NoteRef,
    OrderedList,
    PageBreak,
    Strong,
    Table,
    TableOfContents,
    Text,
    TitleBlock,
    iter_inlines,
    plain_text,
)
from ..document import (
    Paragraph as ParagraphNode,
)
from ..theme import Theme
from ..xmltext import escape, quoteattr
from . import pdf_charts

name = "pdf"
suffix = ".pdf"

NOTES_TITLE = "Notes"
_SPACES = re.compile("[ \t\r\n]+")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_FONTS: dict[tuple[str, ...], tuple[str, str, str, str]] = {}
_DRAWINGS: dict[tuple[object, ...], Drawing] = {}
_SVG_FAMILIES: set[tuple[str, ...]] = set()
_FONT_DIGESTS: dict[str, str] = {}  # registered font name → sha256 of its file (and reportlab's version)


# --------------------------------------------------------------------------- public API


def render(doc: Document, theme: Theme, *, reference_docx: object = None, chart_engine: str | None = None) -> bytes:
    """Return ``doc`` as PDF bytes in ``theme``; ``reference_docx`` is ignored (DOCX only).

    ``chart_engine`` is 'native' (reportlab shapes, the default: ``pdf_charts.ENGINE``)
    or 'matplotlib' (charts.py's SVG, converted by svglib).
    Raise TypeError for a node type this writer does not know, ValueError for an unknown engine.
    """
    return render_with_toc(doc, theme, chart_engine=chart_engine)[0]


def render_with_toc(doc: Document, theme: Theme, *, chart_engine: str | None = None,
                    toc_seed: list | None = None, lines: LineStore | None = None) -> tuple[bytes, list]:
    """Return (PDF bytes, the contents' entries) of ``doc``; see ``render``.

    A document with a contents page needs its headings' page numbers before the
    contents can be drawn, so reportlab builds it twice. ``toc_seed``, the entries
    of the last build of the same document, lets it stop after one pass when the
    page numbers have not moved: reportlab's own check (the entries collected in a
    pass equal the ones drawn) decides, so a wrong seed only costs the second pass
    and the bytes are the same either way.

    ``lines``, the line breaking of this document's paragraphs kept from its last build
    (``LineStore``), spares breaking again the lines of a paragraph whose text, style, width
    and fonts are unchanged; the bytes are the same.
    """
    global _LINES
    _LINES = lines
    try:
        return _render_with_toc(doc, theme, chart_engine, toc_seed)
    finally:
        _LINES = None


def _render_with_toc(doc: Document, theme: Theme, chart_engine: str | None,
                     toc_seed: list | None) -> tuple[bytes, list]:
    engine = chart_engine or (theme.chart_engine if theme.chart_engine != "native" else pdf_charts.ENGINE)
    if engine not in pdf_charts.ENGINES:
        raise ValueError(f"unknown chart engine '{engine}' (known: {', '.join(pdf_charts.ENGINES)})")
    ctx = _Context(theme=theme, fonts=register_fonts(theme), chart_engine=engine)
    story = visit_blocks(doc.blocks, ctx) + _endnotes(ctx)
    buf = io.BytesIO()
    template = _template(buf, doc, ctx)
    maker = _canvas_maker(doc.meta.footer, ctx)
    if not ctx.has_toc:
        template.build(story, canvasmaker=maker)
        return buf.getvalue(), []
    toc = next(f for f in story if isinstance(f, RLTableOfContents))
    if toc_seed:
        toc._entries = [tuple(e) for e in toc_seed]
    template.multiBuild(story, canvasmaker=maker)
    return buf.getvalue(), [list(e) for e in toc._entries]


def warm(theme: Theme, reference_docx: object = None, cache_dir: Path | None = None) -> None:
    """Do the per-process set-up ahead of the first document: register the theme's fonts,
    from ``cache_dir`` when they were parsed there before (see ``_ttfont``), and put back the
    tables of the regular and bold faces, which every document uses (body text, headings, key
    figures); the italic ones stay unread until a document uses them. A rebuild's PDF worker is
    warm about 60 ms before the paper's Markdown reaches it, so this is time it would spend
    waiting; left to the first width asked, it was 15–20 ms of the paper's render."""
    for name in register_fonts(theme, cache_dir)[:2]:
        pdfmetrics.getFont(name).face.unitsPerEm  # noqa: B018 - _CachedFace unpickles on first use


def register_fonts(theme: Theme, cache_dir: Path | None = None) -> tuple[str, str, str, str]:
    """Register the theme's four TTFs as one reportlab family once per process.

    Return the (regular, bold, italic, bold_italic) font names.
    """
    f = theme.fonts
    paths = (f.regular, f.bold, f.italic, f.bold_italic)
    if paths not in _FONTS:
        base = f"RG{len(_FONTS)}-" + re.sub(r"[^A-Za-z0-9]", "", f.family)
        names = (base, base + "-Bold", base + "-Italic", base + "-BoldItalic")
        for font_name, path in zip(names, paths):
            pdfmetrics.registerFont(_ttfont(font_name, path, cache_dir))
        _register_family(names)
        _FONTS[paths] = names
    return _FONTS[paths]


def _ttfont(name: str, path: str, cache_dir: Path | None) -> TTFont:
    """Return the TrueType font at ``path`` as ``name``.

    reportlab parses the whole file (its cmap, metrics and glyph tables) for every TTFont:
    about 14 ms for one DejaVu file, 55 ms for the theme's four, in every PDF worker of every
    build. With ``cache_dir`` the parsed tables are kept in a pickle, keyed by the sha256 of
    the file's bytes and by reportlab's version, and put back into a face without parsing
    (``_CachedFace``), which unpickles its tables only when first used: a document in
    upright text never pays for the italic faces. The face's scale function, which cannot be
    pickled, is made again from the font's units per em, as reportlab makes it. Anything
    unexpected (no cache yet, a damaged entry, a reportlab whose fonts keep other state) falls
    back to parsing the file.
    """
    if cache_dir is None:
        return TTFont(name, path)
    import hashlib
    import pickle

    import reportlab

    try:
        data = Path(path).read_bytes()
    except OSError:
        return TTFont(name, path)  # reportlab's own error for an unreadable font
    digest = hashlib.sha256(data + reportlab.Version.encode()).hexdigest()[:32]
    _FONT_DIGESTS[name] = digest  # what a kept line breaking depends on (LineStore)
    entry = Path(cache_dir) / f"font.{digest}.pickle"
    try:
        with open(entry, "rb") as fh:
            font_state, face_name, face_blob = pickle.load(fh)
        if not (isinstance(face_name, (str, bytes)) and isinstance(face_blob, bytes)):
            raise ValueError("not a font cache entry")
        font = TTFont.__new__(TTFont)
        font.__dict__.update(font_state, fontName=name, face=_CachedFace(face_name, face_blob, data, path),
                             state=WeakKeyDictionary())
        return font
    except Exception:  # noqa: BLE001 - absent, damaged or from another reportlab: parse the file
        pass
    font = TTFont(name, path)
    try:
        face_state = _face_state(font.face)
        font_state = {k: v for k, v in vars(font).items() if k not in ("face", "state", "fontName")}
        blob = pickle.dumps((font_state, face_state["name"],
                             pickle.dumps(face_state, protocol=pickle.HIGHEST_PROTOCOL)),
                            protocol=pickle.HIGHEST_PROTOCOL)
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
        tmp.write_bytes(blob)
        os.replace(tmp, entry)
    except Exception:  # noqa: BLE001 - the cache is an optimisation only
        pass
    return font


def _face_state(face: TTFontFace) -> dict[str, Any]:
    """Return what a parsed face holds, but its file's bytes and its scale function."""
    return {k: v for k, v in vars(face).items() if k not in ("_ttf_data", "_pdfScale")}


class _CachedFace(TTFontFace):
    """A font face put back from the font cache: its name now, its tables when first used.

    reportlab registers a font by its face's name; anything else asked of the face (widths,
    glyphs, subsetting) finds no attribute, and ``__getattr__`` then unpickles the tables and
    answers. If they cannot be unpickled, the file is parsed instead.
    """

    def __init__(self, name: bytes, blob: bytes, data: bytes, path: str) -> None:  # noqa: no super().__init__: nothing parsed
        self.__dict__.update(name=name, _blob=blob, _ttf_data=data, _path=path)

    def __getattr__(self, attr: str) -> Any:
        blob = self.__dict__.pop("_blob", None)
        if blob is None:
            raise AttributeError(attr)
        import pickle

        try:
            state = pickle.loads(blob)
            state["_pdfScale"] = _pdf_scale(state["unitsPerEm"])
        except Exception:  # noqa: BLE001 - a damaged entry: parse the file after all
            parsed = TTFontFace(self.__dict__["_path"])
            state = {**_face_state(parsed), "_pdfScale": parsed._pdfScale}
        self.__dict__.update(state)
        return getattr(self, attr)


def _pdf_scale(units_per_em: int) -> Callable[[float], float]:
    """Return the face's font-units → PDF-units function, as reportlab's TTFontFile makes it."""
    if units_per_em == 1000:
        return _identity
    return functools.partial(operator.mul, 1000 / units_per_em)


def _identity(x: float) -> float:
    return x


def _register_family(names: tuple[str, ...]) -> None:
    """Map bold/italic of every font in ``names`` (needed after each registerFont, which resets it)."""
    for font_name in names:
        pdfmetrics.registerFontFamily(font_name, normal=names[0], bold=names[1], italic=names[2],
                                      boldItalic=names[3])


def _map_svg_fonts(theme: Theme, names: tuple[str, ...]) -> None:
    """Make svglib draw chart text in the matplotlib SVG's family with our registered fonts (once)."""
    from svglib.svglib import register_font as svg_register_font

    from .. import charts

    f = theme.fonts
    paths = (f.regular, f.bold, f.italic, f.bold_italic)
    if paths in _SVG_FAMILIES:
        return
    family = charts.font_family(theme)
    variants = ((("normal", "400"), "normal"), (("bold", "700"), "normal"), (("normal", "400"), "italic"),
                (("bold", "700"), "italic"))
    for (weights, style), font_name, path in zip(variants, names, paths):
        for weight in weights:
            svg_register_font(family, path, weight=weight, style=style, rlgFontName=font_name)
    _register_family(names)
    _SVG_FAMILIES.add(paths)


# --------------------------------------------------------------------------- context


@dataclass
class _Context:
    """State of one render: theme, fonts, styles, endnotes and heading keys."""

    theme: Theme
    fonts: tuple[str, str, str, str]
    chart_engine: str = pdf_charts.ENGINE
    notes: list[str] = field(default_factory=list)
    headings: int = 0
    has_toc: bool = False
    toc_depth: int = 2
    styles: dict[str, ParagraphStyle] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.styles = _styles(self)

    def colour(self, name: str) -> Color:
        """Return the theme colour ``name`` (or a #hex) as RGB, or CMYK for print."""
        value = name if name.startswith("#") else self.theme.colour(name)
        return _cmyk(HexColor(value)) if self.theme.print_enabled and self.theme.cmyk else HexColor(value)

    def hex(self, name: str) -> str:
        """Return the theme colour ``name`` as #RRGGBB for paragraph markup."""
        return self.theme.colour(name)

    @property
    def bleed(self) -> float:
        return self.theme.bleed_mm * mm if self.theme.print_enabled else 0.0

    @property
    def frame_width(self) -> float:
        return A4[0] - (self.theme.page["margin_left"] + self.theme.page["margin_right"]) * mm


def _cmyk(colour: object) -> CMYKColor:
    """Return ``colour`` as CMYK (naive conversion; greys go to the black plate only)."""
    c = toColor(colour)
    if isinstance(c, CMYKColor):
        return c
    r, g, b = c.red, c.green, c.blue
    if r == g == b:
        return CMYKColor(0, 0, 0, 1 - r, alpha=c.alpha)
    k = 1 - max(r, g, b)
    return CMYKColor((1 - r - k) / (1 - k), (1 - g - k) / (1 - k), (1 - b - k) / (1 - k), k, alpha=c.alpha)


# --------------------------------------------------------------------------- styles


def _styles(ctx: _Context) -> dict[str, ParagraphStyle]:
    t, (regular, bold, _i, _bi) = ctx.theme, ctx.fonts
    lead = t.size("leading")
    text, muted, primary = ctx.colour("text"), ctx.colour("muted_text"), ctx.colour("primary")

    def style(name: str, size: float, **kw: object) -> ParagraphStyle:
        base = {"fontName": regular, "fontSize": size, "leading": size * lead, "textColor": text}
        return ParagraphStyle(name, **{**base, **kw})

    body = t.size("body")
    out = {
        "Body Text": style("Body Text", body, spaceAfter=body * 0.6),
        "Caption": style("Caption", t.size("caption"), fontName=bold, spaceBefore=6, spaceAfter=3,
                         keepWithNext=1),
        "Source": style("Source", t.size("small"), textColor=muted, spaceBefore=3, spaceAfter=10),
        "Cell": style("Cell", t.size("small") + 0.5, leading=(t.size("small") + 0.5) * 1.25),
        "Key Value": style("Key Value", t.size("key_value"), fontName=bold, textColor=primary,
                           leading=t.size("key_value") * 1.15),
        "Key Label": style("Key Label", t.size("key_label"), leading=t.size("key_label") * 1.3, spaceBefore=3),
        "Key Comparison": style("Key Comparison", t.size("key_label"), textColor=muted,
                                leading=t.size("key_label") * 1.3, spaceBefore=1),
        "Band Title": style("Band Title", t.size("title"), fontName=bold, textColor=ctx.colour("band_text"),
                            leading=t.size("title") * 1.15),
        "Band Subtitle": style("Band Subtitle", t.size("subtitle"), textColor=ctx.colour("band_text"),
                               spaceBefore=4),
        "Band Kicker": style("Band Kicker", t.size("small") + 1, fontName=bold, textColor=ctx.colour("band_text"),
                             spaceAfter=4),
        "Callout Title": style("Callout Title", body, fontName=bold, textColor=primary, spaceAfter=4),
        "Note": style("Note", t.size("small") + 0.5, spaceAfter=2),
    }
    out["Cell Header"] = ParagraphStyle("Cell Header", parent=out["Cell"], fontName=bold,
                                        textColor=ctx.colour("table_header_text"))
    for level, space in ((1, 14), (2, 10), (3, 8)):
        size = t.size(f"heading{level}")
        out[f"Heading {level}"] = style(f"Heading {level}", size, fontName=bold, textColor=primary,
                                        leading=size * 1.2, spaceBefore=space, spaceAfter=size * 0.4,
                                        keepWithNext=1)
    return out


def _aligned(style: ParagraphStyle, alignment: str) -> ParagraphStyle:
    align = {"right": TA_RIGHT, "center": TA_CENTER}.get(alignment, TA_LEFT)
    return ParagraphStyle(f"{style.name} {alignment}", parent=style, alignment=align)


# --------------------------------------------------------------------------- inlines → markup


def clean(text: str) -> str:
    """Return ``text`` without XML-invalid characters, escaped for reportlab markup.

    >>> clean('Tom & <b>\\x07')
    'Tom &amp; &lt;b&gt;'
    """
    return escape(_INVALID_XML.sub("", text))


def markup(inlines: tuple, ctx: _Context) -> str:
    """Return paragraph markup for ``inlines`` (every text escaped)."""
    out = []
    for node in inlines:
        fn = INLINES.get(type(node).__name__)
        if fn is None:
            raise TypeError(f"pdf writer: unknown inline node {type(node).__name__}")
        out.append(fn(node, ctx))
    return "".join(out)


def inline_Text(node: Text, ctx: _Context) -> str:
    return clean(node.text)


def inline_FactText(node: FactText, ctx: _Context) -> str:
    return clean(node.text)


def inline_Strong(node: Strong, ctx: _Context) -> str:
    return f"<b>{markup(node.children, ctx)}</b>"


def inline_Emph(node: Emph, ctx: _Context) -> str:
    return f"<i>{markup(node.children, ctx)}</i>"


def inline_Link(node: Link, ctx: _Context) -> str:
    href = quoteattr(_INVALID_XML.sub("", node.url))
    return f'<a href={href} color="{ctx.hex("primary")}"><u>{markup(node.children, ctx)}</u></a>'


def inline_LineBreak(node: LineBreak, ctx: _Context) -> str:
    return "<br/>"


def inline_NoteRef(node: NoteRef, ctx: _Context) -> str:
    """Return the superscript mark and remember the note's text for the endnotes."""
    text = markup(tuple(n for n in node.children if not isinstance(n, NoteRef)), ctx)
    if text not in ctx.notes:  # the same note again shares its number (as in the DOCX writer)
        ctx.notes.append(text)
    number = ctx.notes.index(text) + 1
    return f'<super><a href="#note-{number}" color="{ctx.hex("primary")}">{number}</a></super>'


INLINES: dict[str, Callable[..., str]] = {
    fn.__name__.removeprefix("inline_"): fn
    for fn in (inline_Text, inline_FactText, inline_Strong, inline_Emph, inline_Link, inline_LineBreak,
               inline_NoteRef)
}


# --------------------------------------------------------------------------- blocks → flowables


def visit_blocks(blocks: tuple, ctx: _Context) -> list[Flowable]:
    """Return the flowables of ``blocks``; raise TypeError for an unknown block type."""
    out: list[Flowable] = []
    for node in blocks:
        fn = VISITORS.get(type(node).__name__)
        if fn is None:
            raise TypeError(f"pdf writer: unknown block node {type(node).__name__}")
        out.extend(fn(node, ctx))
    return out


def visit_TitleBlock(node: TitleBlock, ctx: _Context) -> list[Flowable]:
    s = ctx.styles
    parts = [Paragraph(clean(node.kicker).upper(), s["Band Kicker"])] if node.kicker else []
    parts.append(Paragraph(clean(node.title), s["Band Title"]))
    if node.subtitle:
        parts.append(Paragraph(clean(node.subtitle), s["Band Subtitle"]))
    return [_Band(parts, ctx.colour("primary")), Spacer(1, 8 * mm)]


def visit_Heading(node: Heading, ctx: _Context) -> list[Flowable]:
    level = min(max(node.level, 1), 3)
    ctx.headings += 1
    anchor = f'<a name="{clean(node.id)}"/>' if node.id else ""
    para = _HeadingParagraph(anchor + markup(node.inlines, ctx), ctx.styles[f"Heading {level}"])
    para.outline = (level, plain_text(node.inlines), f"h{ctx.headings}")
    return [para]


def visit_Paragraph(node: ParagraphNode, ctx: _Context) -> list[Flowable]:
    return [Paragraph(markup(node.inlines, ctx), ctx.styles.get(node.style, ctx.styles["Body Text"]))]


def visit_BulletList(node: BulletList, ctx: _Context) -> list[Flowable]:
    return [_list(node.items, ctx, bulletType="bullet", start="•")]


def visit_OrderedList(node: OrderedList, ctx: _Context) -> list[Flowable]:
    return [_list(node.items, ctx, bulletType="1", start=str(node.start), bulletFormat="%s.")]


def _list(items: tuple, ctx: _Context, **kw: object) -> ListFlowable:
    body = ctx.theme.size("body")
    flow_items = [ListItem(visit_blocks(item, ctx) or [Spacer(1, 1)]) for item in items]
    return ListFlowable(flow_items, bulletFontName=ctx.fonts[0], bulletFontSize=body,
                        bulletColor=ctx.colour("primary"), leftIndent=14, bulletDedent=12,
                        spaceAfter=4, **kw)


def visit_Table(node: Table, ctx: _Context) -> list[Flowable]:
    s, ncols = ctx.styles, len(node.columns)
    aligns = tuple(node.alignments) + ("left",) * (ncols - len(node.alignments))
    head = [_aligned(s["Cell Header"], a) for a in aligns]
    cell = [_aligned(s["Cell"], a) for a in aligns]
    header_n = max(1, node.header_rows)
    rows = [node.columns, *node.rows]
    widths = _widths(node.widths, ncols, ctx.frame_width)
    room = [w - 2 * CELL_PADDING for w in widths]
    data = [[_cell((head if r < header_n else cell)[i], c, room[i], ctx) for i, c in enumerate(row)]
            for r, row in enumerate(rows)]
    commands = [(("ALIGN", (i, 0), (i, -1), {"right": "RIGHT", "center": "CENTER"}.get(a, "LEFT")))
                for i, a in enumerate(aligns)]
    for style, rows_from, rows_to in ((head[0], 0, header_n - 1), (cell[0], header_n, -1)):
        commands += [("FONT", (0, rows_from), (-1, rows_to), style.fontName, style.fontSize, style.leading),
                     ("TEXTCOLOR", (0, rows_from), (-1, rows_to), style.textColor)]
    table = RLTable(data, colWidths=widths, repeatRows=header_n, hAlign="LEFT",
                    style=TableStyle(_table_style(ctx, header_n).getCommands() + commands))
    out: list[Flowable] = []
    if node.caption:
        out.append(Paragraph(markup(node.caption, ctx), s["Caption"]))
    out.append(table)
    if node.source:
        out.append(Paragraph(markup(node.source, ctx), s["Source"]))
    return out


CELL_PADDING = 5  # points, left and right (_table_style)


def _cell(style: ParagraphStyle, inlines: tuple, room: float, ctx: _Context) -> Paragraph | str:
    """Return a cell's content: its plain text when it is unstyled and fits on one line, else a
    Paragraph. reportlab draws a string cell directly; a Paragraph cell is laid out (wrapped) on
    every measure and again to draw, which made tables a third of a document's PDF time. Both are
    drawn in the same font, size, colour and place: the table's FONT/TEXTCOLOR/ALIGN commands
    carry the cell style, and a one-line Paragraph is one leading high, like a string.
    """
    if all(type(n) in (Text, FactText) for n in inlines):
        text = _SPACES.sub(" ", _INVALID_XML.sub("", "".join(n.text for n in inlines))).strip(" ")  # as a Paragraph
        if pdfmetrics.stringWidth(text, style.fontName, style.fontSize) <= room:
            return text
    return Paragraph(markup(inlines, ctx), style)


def _widths(widths: tuple[float, ...], n: int, total: float) -> list[float]:
    if len(widths) != n or any(w <= 0 for w in widths):
        widths = (1.0,) * n
    return [total * w / sum(widths) for w in widths]


def _table_style(ctx: _Context, header_n: int) -> TableStyle:
    return TableStyle(_base_cell_style(ctx) + [
        ("BACKGROUND", (0, 0), (-1, header_n - 1), ctx.colour("table_header_background")),
        ("ROWBACKGROUNDS", (0, header_n), (-1, -1), [ctx.colour("#FFFFFF"), ctx.colour("table_stripe")]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, ctx.colour("rule")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ])


def _base_cell_style(ctx: _Context) -> list[tuple]:
    """Return the cell font command every Table needs (reportlab's default is Helvetica)."""
    return [("FONTNAME", (0, 0), (-1, -1), ctx.fonts[0])]


def visit_Figure(node: Figure, ctx: _Context) -> list[Flowable]:
    s = ctx.styles
    drawing = chart_drawing(node.chart, ctx)
    flowable = pdf_charts.ChartFlowable(drawing) if ctx.chart_engine == "native" else drawing
    parts: list[Flowable] = []
    if node.caption:
        parts.append(Paragraph(markup(node.caption, ctx), s["Caption"]))
    parts.append(flowable)
    if node.source:
        parts.append(Paragraph(markup(node.source, ctx), s["Source"]))
    return [KeepTogether(parts)]


def chart_drawing(chart: Chart, ctx: _Context) -> Drawing:
    """Return ``chart`` as a vector Drawing the frame's width, by ``ctx.chart_engine``.

    Cached per process (drawing a Drawing never mutates it): the same chart,
    theme, colour profile, fonts, width and engine is built once.
    """
    t = ctx.theme
    key = (ctx.chart_engine, chart, t.digest, t.fonts, t.print_enabled and t.cmyk, ctx.fonts,
           round(ctx.frame_width, 3))
    if key not in _DRAWINGS:
        if ctx.chart_engine == "native":
            _DRAWINGS[key] = pdf_charts.drawing(chart, t, ctx.frame_width, ctx.fonts[:2], ctx.colour)
        else:
            _DRAWINGS[key] = _matplotlib_drawing(chart, ctx)
    return _DRAWINGS[key]


def _matplotlib_drawing(chart: Chart, ctx: _Context) -> Drawing:
    """Return the chart drawn by charts.py as SVG, converted by svglib and scaled to the frame."""
    from .. import charts

    _map_svg_fonts(ctx.theme, ctx.fonts)
    width_mm, height_mm = chartlayout.size_mm(chart, ctx.frame_width / mm)
    return _convert(charts.render(chart, ctx.theme, width_mm, height_mm, "svg"), ctx.frame_width, ctx.fonts[0])


def _convert(svg: bytes, width: float, font: str) -> Drawing:
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(svg))
    if drawing is None:
        raise ValueError("pdf writer: chart SVG could not be converted")
    scale = width / drawing.width
    drawing.scale(scale, scale)
    drawing.width, drawing.height = width, drawing.height * scale
    drawing.hAlign = "LEFT"
    drawing.initialFontName = font  # charts are paths; this keeps Helvetica out
    return drawing


def visit_KeyFigures(node: KeyFigures, ctx: _Context) -> list[Flowable]:
    if not node.items:
        return []
    s, gap, n = ctx.styles, 4 * mm, len(node.items)
    width = (ctx.frame_width - gap * (n - 1)) / n
    tiles = []
    for item in node.items:
        notes = sum(isinstance(i, NoteRef) for i in iter_inlines(item.value))
        value_style = _fitted_value_style(plain_text(item.value) + "0" * notes, width - 12 - 4, ctx)
        tile = [Paragraph(markup(item.value, ctx), value_style), Paragraph(markup(item.label, ctx), s["Key Label"])]
        if item.comparison:
            tile.append(Paragraph(markup(item.comparison, ctx), s["Key Comparison"]))
        tiles.append(tile)
    row: list[object] = []
    for i, tile in enumerate(tiles):
        row += ([""] if i else []) + [tile]
    widths = [width if i % 2 == 0 else gap for i in range(2 * n - 1)]
    style = _base_cell_style(ctx) + [("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 7),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 8), ("LEFTPADDING", (0, 0), (-1, -1), 7),
             ("RIGHTPADDING", (0, 0), (-1, -1), 5)]
    style += [("BACKGROUND", (2 * i, 0), (2 * i, 0), ctx.colour("tile_background")) for i in range(n)]
    style += [("LINEABOVE", (2 * i, 0), (2 * i, 0), 2, ctx.colour("primary")) for i in range(n)]
    return [RLTable([row], colWidths=widths, style=style, hAlign="LEFT"), Spacer(1, 6 * mm)]


def _fitted_value_style(text: str, inner_width: float, ctx: _Context) -> ParagraphStyle:
    """Return the key-value style, smaller when a word of ``text`` would not fit the tile (never split a word).

    ``text`` carries a digit per note mark, so a word with its mark fits too.
    """
    style = ctx.styles["Key Value"]
    widest = max((pdfmetrics.stringWidth(w, style.fontName, style.fontSize) for w in text.split()), default=0.0)
    if widest <= inner_width:
        return style
    size = max(round(style.fontSize * inner_width / widest * 2) / 2 - 0.5, ctx.theme.size("body"))
    return ParagraphStyle(f"Key Value {size}", parent=style, fontSize=size, leading=size * 1.15)


def visit_Callout(node: Callout, ctx: _Context) -> list[Flowable]:
    inner: list[Flowable] = []
    if node.title:
        inner.append(Paragraph(markup(node.title, ctx), ctx.styles["Callout Title"]))
    inner += visit_blocks(node.blocks, ctx)
    style = _base_cell_style(ctx) + [("BACKGROUND", (0, 0), (-1, -1), ctx.colour("callout_background")),
             ("LINEBEFORE", (0, 0), (0, -1), 3, ctx.colour("accent")),
             ("LEFTPADDING", (0, 0), (-1, -1), 10), ("RIGHTPADDING", (0, 0), (-1, -1), 10),
             ("TOPPADDING", (0, 0), (-1, -1), 8), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
    return [RLTable([[inner]], colWidths=[ctx.frame_width], style=style, hAlign="LEFT"), Spacer(1, 4 * mm)]


def visit_PageBreak(node: PageBreak, ctx: _Context) -> list[Flowable]:
    return [RLPageBreak()]


def visit_TableOfContents(node: TableOfContents, ctx: _Context) -> list[Flowable]:
    """Return the contents title and reportlab's TOC (filled by a multi-pass build)."""
    ctx.has_toc = True
    toc = RLTableOfContents(dotsMinLevel=0)
    toc.tableStyle = TableStyle(_base_cell_style(ctx) + [
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    base = ctx.styles["Body Text"]
    toc.levelStyles = [ParagraphStyle(f"TOC {i}", parent=base, leftIndent=12 * i, firstLineIndent=0,
                                      fontName=ctx.fonts[1] if i == 0 else ctx.fonts[0],
                                      spaceBefore=3 if i == 0 else 0, spaceAfter=1)
                       for i in range(max(1, node.depth))]
    ctx.toc_depth = node.depth
    title = Paragraph(clean(node.title), ParagraphStyle("TOC Title", parent=ctx.styles["Heading 1"], keepWithNext=0))
    return [title, toc, Spacer(1, 4 * mm)]


VISITORS: dict[str, Callable[..., list[Flowable]]] = {
    fn.__name__.removeprefix("visit_"): fn
    for fn in (visit_TitleBlock, visit_Heading, visit_Paragraph, visit_BulletList, visit_OrderedList,
               visit_Table, visit_Figure, visit_KeyFigures, visit_Callout, visit_PageBreak,
               visit_TableOfContents)
}


def _endnotes(ctx: _Context) -> list[Flowable]:
    """Return the "Notes" heading and the numbered notes, or nothing when there are none."""
    if not ctx.notes:
        return []
    heading = visit_Heading(Heading(1, (Text(NOTES_TITLE),), "notes"), ctx)
    items = [ListItem(Paragraph(f'<a name="note-{i}"/>{text}', ctx.styles["Note"]), value=i)
             for i, text in enumerate(ctx.notes, 1)]
    return heading + [ListFlowable(items, bulletType="1", bulletFormat="%s.", bulletFontName=ctx.fonts[0],
                                   bulletFontSize=ctx.styles["Note"].fontSize, leftIndent=16, bulletDedent=14)]


# --------------------------------------------------------------------------- flowables


class Paragraph(RLParagraph):
    """reportlab's Paragraph, remembering its last line breaking.

    platypus lays the same paragraph out more than once at the same width: a KeepTogether
    (a figure's caption and source) or a list measures its contents, then the frame lays each
    out again to place it, and a list lays its items out again to draw them. Breaking lines
    was a third of a document's PDF time, and half of it was such repeats. ``wrap`` depends
    only on the width, the text and the style, and sets only ``width``, ``height``,
    ``blPara`` and ``_wrapWidths``; so a repeat at the same width restores them. Splitting
    or drawing the paragraph may change its fragments, so either forgets the memo.
    """

    _memo: tuple | None = None
    _markup: str | None = None  # the text it was made from (not a part made by a split)
    _pristine = True  # neither split nor drawn yet

    def __init__(self, text: Any, style: Any = None, bulletText: Any = None, frags: Any = None,
                 caseSensitive: int = 1, encoding: str = "utf8") -> None:
        super().__init__(text, style, bulletText, frags, caseSensitive, encoding)
        if isinstance(text, str) and frags is None and bulletText is None:
            self._markup = text

    def breakLines(self, width: Any) -> Any:
        """reportlab's line breaking, or the same result kept from the last build (``LineStore``)."""
        store = _LINES
        if store is None or self._markup is None or not self._pristine:
            return super().breakLines(width)
        key = store.key(self._markup, self.style, width)
        if key is None:
            return super().breakLines(width)
        kept = store.get(key)
        if kept is not None:
            return kept
        result = super().breakLines(width)
        store.put(key, result)
        return result

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        memo = self._memo
        if memo is not None and memo[0] == availWidth and memo[1] is self.style:
            _, _, self.width, self.height, self.blPara, self._wrapWidths = memo
            return self.width, self.height
        width, height = super().wrap(availWidth, availHeight)
        blpara = self.__dict__.get("blPara")
        self._memo = (availWidth, self.style, width, height, blpara, self._wrapWidths) if blpara is not None else None
        return width, height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self._memo = None
        self._pristine = False
        return super().split(availWidth, availHeight)

    def draw(self) -> None:
        self._memo = None
        self._pristine = False
        super().draw()


_LINES: LineStore | None = None  # the store of the document being rendered, if any


class LineStore:
    """The line breaking of one document's paragraphs, kept from its last build.

    Breaking a paragraph into lines (and measuring every word for it) was a quarter of the
    paper's PDF time, and a correction changes a few of its paragraphs. reportlab's result
    (``breakLines``) depends only on the paragraph's text and style, the widths it is broken
    to, and the fonts' metrics; so it is kept, pickled, under a key made of exactly those
    (the style as the repr of all its attributes, the fonts as the sha256 of every font file
    registered in this process), with reportlab's and Python's versions for the whole store.
    A paragraph already split or drawn (whose fragments reportlab may have changed) always
    breaks afresh. ``used`` ends holding what this render used, which is what to keep for the
    next; ``changed`` says whether that differs from what was kept.
    """

    def __init__(self, kept: dict | None = None) -> None:
        self.kept: dict[tuple, bytes] = kept if isinstance(kept, dict) else {}
        self.used: dict[tuple, bytes] = {}
        self._styles: dict[int, tuple[Any, str]] = {}

    @staticmethod
    def version() -> tuple:
        import sys

        import reportlab

        return (reportlab.Version, sys.version_info[:2])

    @property
    def changed(self) -> bool:
        """Whether ``used`` differs from ``kept``: an entry added, left unused, or made again
        (a damaged one)."""
        return self.used.keys() != self.kept.keys() or any(self.kept[k] is not b for k, b in self.used.items())

    def key(self, markup: str, style: Any, width: Any) -> tuple | None:
        seen = self._styles.get(id(style))
        if seen is None or seen[0] is not style:
            fonts = tuple(sorted(_FONT_DIGESTS.items()))
            if not fonts:
                return None  # fonts not read from files we know: nothing to key on
            attrs = sorted((k, repr(v)) for k, v in vars(style).items() if k != "parent")
            seen = self._styles[id(style)] = (style, repr((attrs, fonts)))
        widths = tuple(width) if isinstance(width, (list, tuple)) else width
        return (markup, seen[1], widths)

    def get(self, key: tuple) -> Any:
        import pickle

        blob = self.kept.get(key)
        if blob is None:
            return None
        try:
            result = pickle.loads(blob)
        except Exception:  # noqa: BLE001 - a damaged entry: break the lines again
            return None
        self.used[key] = blob
        return result

    def put(self, key: tuple, result: Any) -> None:
        import pickle

        try:
            self.used[key] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - not picklable: simply not kept
            pass


class _HeadingParagraph(Paragraph):
    """A heading: carries (level, text, key) for the outline and the table of contents."""

    outline: tuple[int, str, str] = (1, "", "")


class _Band(Flowable):
    """The title band: a full-width coloured box behind ``parts``, bled to the page edges.

    At the top of a frame it reaches up to the page's top edge (the media edge in print).
    """

    def __init__(self, parts: list[Flowable], colour: Color, pad: float = 9 * mm) -> None:
        super().__init__()
        self.parts, self.colour, self.pad = parts, colour, pad

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.heights = [p.wrap(avail_width, avail_height)[1] + p.getSpaceBefore() + p.getSpaceAfter()
                        for p in self.parts]
        self.height = sum(self.heights) + self.pad
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        x0, y0 = canv.absolutePosition(0, 0)
        page_w, page_h = canv._pagesize
        top = page_h - y0 if getattr(canv, "_frame_top", page_h) - (y0 + self.height) < 2 else self.height + 4 * mm
        canv.saveState()
        canv.setFillColor(self.colour)
        canv.rect(-x0, -self.pad * 0.2, page_w, top + self.pad * 0.2, stroke=0, fill=1)
        canv.restoreState()
        y = self.height
        for part, h in zip(self.parts, self.heights):
            y -= h
            part.drawOn(canv, 0, y + part.getSpaceAfter())


class _DocTemplate(BaseDocTemplate):
    """Adds outline entries and TOC notifications for headings as they are placed."""

    toc_depth = 2

    def beforeDocument(self) -> None:
        self._outline_level = -1

    def afterFlowable(self, flowable: Flowable) -> None:
        if not isinstance(flowable, _HeadingParagraph):
            return
        level, text, key = flowable.outline
        self.canv.bookmarkPage(key)
        outline_level = min(level - 1, self._outline_level + 1)
        self.canv.addOutlineEntry(text, key, outline_level, closed=False)
        self._outline_level = outline_level
        if level <= self.toc_depth:
            self.notify("TOCEntry", (level - 1, clean(text), self.page, key))


def _template(buf: io.BytesIO, doc: Document, ctx: _Context) -> _DocTemplate:
    t, b, page = ctx.theme, ctx.bleed, ctx.theme.page
    size = (A4[0] + 2 * b, A4[1] + 2 * b)
    frame = Frame(b + page["margin_left"] * mm, b + page["margin_bottom"] * mm, ctx.frame_width,
                  A4[1] - (page["margin_top"] + page["margin_bottom"]) * mm, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    m = doc.meta
    extra: dict[str, object] = {}
    if t.print_enabled:
        extra = {"trimBox": (b, b, b + A4[0], b + A4[1]), "bleedBox": (0, 0, size[0], size[1])}
        if t.cmyk:
            extra["enforceColorSpace"] = _cmyk
    frame_top = b + A4[1] - page["margin_top"] * mm

    def on_page(canv: Canvas, _doc: object) -> None:
        canv.setFont(ctx.fonts[0], t.size("body"))
        canv._frame_top = frame_top

    template = _DocTemplate(
        buf, pagesize=size, pageTemplates=[PageTemplate("page", [frame], onPage=on_page,
                                                        onPageEnd=lambda c, d: _crop_marks(c, ctx))],
        title=m.title, author=m.author, subject=m.subject, keywords=list(m.keywords), creator="reportgen",
        lang=m.language or "en-GB", invariant=1, initialFontName=ctx.fonts[0],
        initialFontSize=t.size("body"), displayDocTitle=1, **extra)
    template.toc_depth = ctx.toc_depth
    return template


def _crop_marks(canv: Canvas, ctx: _Context) -> None:
    """Draw crop marks in the bleed, on the trim lines, when the print profile asks for them."""
    if not (ctx.theme.print_enabled and ctx.theme.crop_marks):
        return
    b, (w, h) = ctx.bleed, canv._pagesize
    gap = min(1 * mm, b / 3)
    canv.saveState()
    canv.setStrokeColor(CMYKColor(1, 1, 1, 1) if ctx.theme.cmyk else Color(0, 0, 0))
    canv.setLineWidth(0.25)
    for x in (b, w - b):
        canv.line(x, 0, x, b - gap)
        canv.line(x, h - b + gap, x, h)
    for y in (b, h - b):
        canv.line(0, y, b - gap, y)
        canv.line(w - b + gap, y, w, y)
    canv.restoreState()


def _canvas_maker(footer: str, ctx: _Context) -> Callable[..., Canvas]:
    """Return a canvas class that draws the footer with "Page X of Y" once the page count is known."""

    class NumberedCanvas(Canvas):
        """Holds each page until the end, to draw "of Y" on it.

        A bookmark (a heading's outline entry, a contents link, a note's anchor) points at
        the page being drawn when it is made; while pages are held, that would be page 1 for
        all of them, so bookmarks are recorded with their page and made as it is put out.
        """

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []
            self._marks: list[tuple[tuple, dict]] = []

        def bookmarkPage(self, *args: object, **kwargs: object) -> None:  # noqa: N802 - reportlab's name
            self._marks.append((args, kwargs))

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__, _marks=self._marks))
            self._marks = []
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                _footer(self, footer, total, ctx)
                for args, kwargs in state["_marks"]:
                    Canvas.bookmarkPage(self, *args, **kwargs)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def _footer(canv: Canvas, footer: str, total: int, ctx: _Context) -> None:
    t, b = ctx.theme, ctx.bleed
    left, right = b + t.page["margin_left"] * mm, b + A4[0] - t.page["margin_right"] * mm
    y = b + t.page["margin_bottom"] * mm * 0.45
    canv.saveState()
    canv.setStrokeColor(ctx.colour("rule"))
    canv.setLineWidth(0.5)
    canv.line(left, y + 4 * mm, right, y + 4 * mm)
    canv.setFillColor(ctx.colour("muted_text"))
    canv.setFont(ctx.fonts[0], t.size("small"))
    canv.drawString(left, y, _INVALID_XML.sub("", footer))
    canv.drawRightString(right, y, f"Page {canv.getPageNumber()} of {total}")
    canv.restoreState()
