"""Write templates/reference.docx: the Word styles every generated DOCX starts from.

Usage: ``python scripts/make_reference_docx.py [THEME_TOML] [OUT_DOCX]``
(defaults: templates/theme.toml → templates/reference.docx).

The file is python-docx's default template with its body emptied, unused parts
and table styles removed, and every style the DOCX writer uses (re)defined from
the theme: explicit fonts (w:rFonts ascii/hAnsi/cs/eastAsia, never a theme font),
sizes, colours, spacing, keep-with-next on headings, real Word numbering for
lists, an A4 page with the theme's margins and en-GB as the default language.
A user restyles every document by editing this file in Word.

Running the script twice gives byte-identical output (fixed zip timestamps,
fixed core properties, stable part order). This is a developer tool, so it may
import python-docx directly; the package itself imports it only in
``reportgen.writers.docx``.
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from reportgen.theme import Theme, load_theme  # noqa: E402

FIXED_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
KEEP_TABLE_STYLES = {"TableNormal", "TableGrid"}
BULLET_NUM_ID, NUMBER_NUM_ID = 1, 2
BULLET_ABSTRACT_ID, NUMBER_ABSTRACT_ID = 10, 11
BULLETS = ("•", "–", "◦")


# ----------------------------------------------------------------------------- units


def tw(pt: float) -> int:
    """Return points as twentieths of a point (twips)."""
    return round(pt * 20)


def hp(pt: float) -> int:
    """Return points as half-points (w:sz)."""
    return round(pt * 2)


def hexc(colour: str) -> str:
    """Return '#12436D' as '12436D'."""
    return colour.lstrip("#").upper()


def text_width_twips(theme: Theme) -> int:
    """Return the A4 text width between the theme margins, in twips."""
    mm = 210 - theme.page["margin_left"] - theme.page["margin_right"]
    return round(mm / 25.4 * 1440)


# ----------------------------------------------------------------------------- XML pieces


def rpr(theme: Theme, size: float | None = None, colour: str | None = None, bold: bool = False,
        italic: bool = False, extra: str = "", caps: bool = False, tracking: float = 0) -> str:
    """Return a w:rPr with explicit fonts on all four scripts plus the given properties.

    ``extra`` is appended after the size, so it may only hold later elements
    (w:u, w:vertAlign, w:lang) to keep the schema order Word insists on.
    """
    f = theme.fonts.family
    parts = [f'<w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:cs="{f}" w:eastAsia="{f}"/>']
    if bold:
        parts.append("<w:b/><w:bCs/>")
    if italic:
        parts.append("<w:i/><w:iCs/>")
    if caps:
        parts.append("<w:caps/>")
    if colour:
        parts.append(f'<w:color w:val="{hexc(colour)}"/>')
    if tracking:
        parts.append(f'<w:spacing w:val="{tw(tracking)}"/>')
    if size:
        parts.append(f'<w:sz w:val="{hp(size)}"/><w:szCs w:val="{hp(size)}"/>')
    parts.append(extra)
    return "<w:rPr>" + "".join(parts) + "</w:rPr>"


def spacing(before: float = 0, after: float = 0, size: float | None = None, leading: float = 1.0) -> str:
    """Return a w:spacing with before/after in points and an exact-ish line height."""
    line = f' w:line="{round(240 * leading)}" w:lineRule="auto"' if size else ' w:line="240" w:lineRule="auto"'
    return f'<w:spacing w:before="{tw(before)}" w:after="{tw(after)}"{line}/>'


def style_xml(kind: str, style_id: str, name: str, ppr: str = "", rpr_: str = "", based_on: str = "",
              next_: str = "", extra: str = "", custom: bool = False) -> str:
    """Return a complete w:style element as XML text."""
    attrs = f'w:type="{kind}" w:styleId="{style_id}"' + (' w:customStyle="1"' if custom else "")
    head = f'<w:name w:val="{name}"/>'
    if based_on:
        head += f'<w:basedOn w:val="{based_on}"/>'
    if next_:
        head += f'<w:next w:val="{next_}"/>'
    head += '<w:uiPriority w:val="1"/><w:qFormat/>'
    body = (f"<w:pPr>{ppr}</w:pPr>" if ppr else "") + rpr_ + extra
    return f"<w:style {nsdecls('w')} {attrs}>{head}{body}</w:style>"


def put_style(styles, xml: str) -> None:
    """Replace (or add) the style with the same styleId as ``xml``."""
    new = parse_xml(xml)
    sid = new.get(qn("w:styleId"))
    for old in styles.findall(qn("w:style")):
        if old.get(qn("w:styleId")) == sid:
            old.addprevious(new)
            styles.remove(old)
            return
    styles.append(new)


# ----------------------------------------------------------------------------- styles


def paragraph_styles(theme: Theme) -> list[str]:
    """Return the XML of every paragraph style the writer uses."""
    c, s, lead = theme.colours, theme.sizes, theme.sizes["leading"]
    width = text_width_twips(theme)
    body_sp = spacing(0, 6, s["body"], lead)
    heading_ppr = "<w:keepNext/><w:keepLines/>"
    list_ppr = spacing(0, 3, s["body"], lead)
    toc_tab = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{width}"/></w:tabs>'
    styles = [
        style_xml("paragraph", "Normal", "Normal", spacing(0, 0, s["body"], lead),
                  rpr(theme, s["body"], c["text"])),
        style_xml("paragraph", "BodyText", "Body Text", body_sp, rpr(theme), "Normal", "BodyText"),
        style_xml("paragraph", "Title", "Title", "<w:keepNext/>" + spacing(2, 4),
                  rpr(theme, s["title"], c["band_text"], bold=True), "Normal", "Subtitle"),
        style_xml("paragraph", "Subtitle", "Subtitle", spacing(0, 2),
                  rpr(theme, s["subtitle"], c["band_text"]), "Normal", "BodyText"),
        style_xml("paragraph", "Kicker", "Kicker", "<w:keepNext/>" + spacing(0, 4),
                  rpr(theme, s["small"], c["band_text"], bold=True, caps=True, tracking=1),
                  "Normal", "Title", custom=True),
        style_xml("paragraph", "Heading1", "heading 1",
                  heading_ppr + spacing(18, 6) + '<w:outlineLvl w:val="0"/>',
                  rpr(theme, s["heading1"], c["primary"], bold=True), "Normal", "BodyText"),
        style_xml("paragraph", "Heading2", "heading 2",
                  heading_ppr + spacing(12, 4) + '<w:outlineLvl w:val="1"/>',
                  rpr(theme, s["heading2"], c["primary"], bold=True), "Normal", "BodyText"),
        style_xml("paragraph", "Heading3", "heading 3",
                  heading_ppr + spacing(10, 3) + '<w:outlineLvl w:val="2"/>',
                  rpr(theme, s["heading3"], c["text"], bold=True), "Normal", "BodyText"),
        style_xml("paragraph", "Caption", "caption", "<w:keepNext/>" + spacing(10, 4),
                  rpr(theme, s["caption"], c["text"], bold=True), "Normal", "BodyText"),
        style_xml("paragraph", "Source", "Source", spacing(3, 10),
                  rpr(theme, s["small"], c["muted_text"]), "Normal", "BodyText", custom=True),
        style_xml("paragraph", "KeyFigure", "Key Figure", "<w:keepNext/>" + spacing(0, 2),
                  rpr(theme, s["key_value"], c["primary"], bold=True), "Normal", "KeyFigureLabel", custom=True),
        style_xml("paragraph", "KeyFigureLabel", "Key Figure Label", spacing(0, 1, s["key_label"], 1.2),
                  rpr(theme, s["key_label"], c["text"]), "Normal", "KeyFigureLabel", custom=True),
        style_xml("paragraph", "KeyFigureComparison", "Key Figure Comparison", spacing(0, 0),
                  rpr(theme, s["key_label"], c["muted_text"]), "KeyFigureLabel", "", custom=True),
        style_xml("paragraph", "Callout", "Callout", spacing(0, 4, s["body"], lead), rpr(theme),
                  "Normal", "Callout", custom=True),
        style_xml("paragraph", "CalloutHeading", "Callout Heading", "<w:keepNext/>" + spacing(0, 4),
                  rpr(theme, s["body"], c["primary"], bold=True), "Callout", "Callout", custom=True),
        style_xml("paragraph", "TableHeading", "Table Heading", "<w:keepNext/>" + spacing(0, 0),
                  rpr(theme, s["small"], c["table_header_text"], bold=True), "Normal", "", custom=True),
        style_xml("paragraph", "TableText", "Table Text", spacing(0, 0),
                  rpr(theme, s["small"] + 0.5), "Normal", "", custom=True),
        style_xml("paragraph", "TOCHeading", "TOC Heading",
                  heading_ppr + spacing(12, 6) + '<w:outlineLvl w:val="9"/>',
                  rpr(theme, s["heading2"], c["primary"], bold=True), "Normal", "TOC1"),
        style_xml("paragraph", "TOC1", "toc 1", toc_tab + spacing(4, 2), rpr(theme, s["body"], bold=True),
                  "Normal", "TOC2"),
        style_xml("paragraph", "TOC2", "toc 2", toc_tab + spacing(0, 2) + '<w:ind w:left="340"/>',
                  rpr(theme, s["body"]), "Normal", "TOC2"),
        style_xml("paragraph", "TOC3", "toc 3", toc_tab + spacing(0, 2) + '<w:ind w:left="680"/>',
                  rpr(theme, s["body"]), "Normal", "TOC3"),
        style_xml("paragraph", "Figure", "Figure", "<w:keepNext/>" + spacing(2, 0), rpr(theme),
                  "Normal", "Source", custom=True),
        style_xml("paragraph", "Spacer", "Spacer", '<w:spacing w:before="0" w:after="0" w:line="160" '
                  'w:lineRule="exact"/>', rpr(theme, 6), "Normal", "BodyText", custom=True),
        style_xml("paragraph", "Footer", "footer",
                  f'<w:pBdr><w:top w:val="single" w:sz="4" w:space="4" w:color="{hexc(c["rule"])}"/></w:pBdr>'
                  f'<w:tabs><w:tab w:val="right" w:pos="{width}"/></w:tabs>' + spacing(0, 0),
                  rpr(theme, s["small"], c["muted_text"]), "Normal"),
        style_xml("paragraph", "NoteText", "Note Text",
                  f'<w:numPr><w:numId w:val="{NUMBER_NUM_ID}"/></w:numPr>' + spacing(0, 3)
                  + '<w:ind w:left="357" w:hanging="357"/>',
                  rpr(theme, s["small"] + 0.5), "Normal", "NoteText", custom=True),
    ]
    for level in (1, 2, 3):
        suffix = "" if level == 1 else f" {level}"
        sid = "" if level == 1 else str(level)
        left = 357 * level
        styles += [
            style_xml("paragraph", f"ListBullet{sid}", f"List Bullet{suffix}",
                      f'<w:numPr><w:ilvl w:val="{level - 1}"/><w:numId w:val="{BULLET_NUM_ID}"/></w:numPr>'
                      + list_ppr + f'<w:ind w:left="{left}" w:hanging="357"/>', rpr(theme), "Normal"),
            style_xml("paragraph", f"ListNumber{sid}", f"List Number{suffix}",
                      f'<w:numPr><w:ilvl w:val="{level - 1}"/><w:numId w:val="{NUMBER_NUM_ID}"/></w:numPr>'
                      + list_ppr + f'<w:ind w:left="{left}" w:hanging="357"/>', rpr(theme), "Normal"),
            style_xml("paragraph", f"ListContinue{sid}", f"List Continue{suffix}",
                      list_ppr + f'<w:ind w:left="{left}"/>', rpr(theme), "Normal"),
        ]
    return styles


def character_styles(theme: Theme) -> list[str]:
    """Return the XML of the character styles: Hyperlink and Note Reference."""
    c = theme.colours
    return [
        style_xml("character", "Hyperlink", "Hyperlink", "",
                  rpr(theme, colour=c["primary"], extra='<w:u w:val="single"/>'), "DefaultParagraphFont"),
        style_xml("character", "NoteReference", "Note Reference", "",
                  rpr(theme, extra='<w:vertAlign w:val="superscript"/>'), "DefaultParagraphFont", custom=True),
    ]


def table_styles(theme: Theme) -> list[str]:
    """Return the XML of 'Key Cities Table' (data tables) and 'Panel Table' (band, tiles, callouts)."""
    c = theme.colours
    rule = hexc(c["rule"])
    primary = hexc(c["primary"])
    data = (
        '<w:tblPr><w:tblBorders>'
        f'<w:top w:val="single" w:sz="8" w:space="0" w:color="{primary}"/>'
        f'<w:bottom w:val="single" w:sz="8" w:space="0" w:color="{primary}"/>'
        f'<w:insideH w:val="single" w:sz="2" w:space="0" w:color="{rule}"/>'
        '</w:tblBorders><w:tblCellMar><w:top w:w="45" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
        '<w:bottom w:w="45" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        f'<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:color w:val="{hexc(c["table_header_text"])}"/></w:rPr>'
        f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{hexc(c["table_header_background"])}"/></w:tcPr>'
        '</w:tblStylePr>'
    )
    panel = (
        '<w:tblPr><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="0" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar></w:tblPr>'
    )
    return [
        style_xml("table", "KeyCitiesTable", "Key Cities Table", "", rpr(theme, theme.sizes["small"] + 0.5),
                  "TableNormal", extra=data, custom=True),
        style_xml("table", "PanelTable", "Panel Table", "", rpr(theme), "TableNormal", extra=panel, custom=True),
    ]


def doc_defaults(theme: Theme) -> str:
    """Return w:docDefaults: explicit fonts, body size and colour, en-GB language."""
    s = theme.sizes
    lang = '<w:lang w:val="en-GB" w:eastAsia="en-GB" w:bidi="ar-SA"/>'
    return (
        f"<w:docDefaults {nsdecls('w')}><w:rPrDefault>"
        + rpr(theme, s["body"], theme.colours["text"], extra=lang)
        + "</w:rPrDefault><w:pPrDefault><w:pPr>"
        + spacing(0, 0, s["body"], s["leading"])
        + "</w:pPr></w:pPrDefault></w:docDefaults>"
    )


def apply_styles(document, theme: Theme) -> None:
    """Prune unused table styles and define every style the writer uses."""
    styles = document.styles.element
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:type")) == "table" and style.get(qn("w:styleId")) not in KEEP_TABLE_STYLES:
            styles.remove(style)
    old_defaults = styles.find(qn("w:docDefaults"))
    old_defaults.addprevious(parse_xml(doc_defaults(theme)))
    styles.remove(old_defaults)
    for xml in paragraph_styles(theme) + character_styles(theme) + table_styles(theme):
        put_style(styles, xml)
    for style in styles.findall(qn("w:style")):
        _explicit_fonts(style, theme)


def _explicit_fonts(style, theme: Theme) -> None:
    """Give a paragraph or character style explicit fonts; replace theme font references anywhere."""
    if style.get(qn("w:type")) in ("paragraph", "character") and style.find(qn("w:rPr")) is None:
        style.append(_rpr_element(theme))
    rpr_el = style.find(qn("w:rPr"))
    if rpr_el is not None and rpr_el.find(qn("w:rFonts")) is None:
        rpr_el.insert(0, _rpr_element(theme)[0])
    for fonts in style.iter(qn("w:rFonts")):
        _drop_theme_fonts(fonts, theme)


def _rpr_element(theme: Theme):
    """Return a parsed w:rPr holding only the explicit theme fonts."""
    return parse_xml(rpr(theme).replace("<w:rPr>", f"<w:rPr {nsdecls('w')}>", 1))


def _drop_theme_fonts(fonts, theme: Theme) -> None:
    """Replace theme font references (which override explicit names) with the theme family."""
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), theme.fonts.family)


# ----------------------------------------------------------------------------- numbering


def numbering_xml(theme: Theme) -> str:
    """Return numbering.xml: one bullet and one decimal multi-level list, numIds 1 and 2."""
    f = theme.fonts.family
    fonts = f'<w:rPr><w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:cs="{f}" w:eastAsia="{f}"/></w:rPr>'

    def level(i: int, fmt: str, text: str) -> str:
        left = 357 * (i + 1)
        return (f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
                f'<w:pPr><w:ind w:left="{left}" w:hanging="357"/></w:pPr>'
                + (fonts.replace("</w:rPr>", f'<w:color w:val="{hexc(theme.colours["primary"])}"/></w:rPr>')
                   if fmt == "bullet" else fonts) + "</w:lvl>")

    bullets = "".join(level(i, "bullet", BULLETS[i % 3]) for i in range(9))
    numbers = "".join(level(i, ("decimal", "lowerLetter", "lowerRoman")[i % 3], f"%{i + 1}.") for i in range(9))
    return (
        f"<w:numbering {nsdecls('w')}>"
        f'<w:abstractNum w:abstractNumId="{BULLET_ABSTRACT_ID}"><w:nsid w:val="4B430001"/>'
        f'<w:multiLevelType w:val="hybridMultilevel"/>{bullets}</w:abstractNum>'
        f'<w:abstractNum w:abstractNumId="{NUMBER_ABSTRACT_ID}"><w:nsid w:val="4B430002"/>'
        f'<w:multiLevelType w:val="hybridMultilevel"/>{numbers}</w:abstractNum>'
        f'<w:num w:numId="{BULLET_NUM_ID}"><w:abstractNumId w:val="{BULLET_ABSTRACT_ID}"/></w:num>'
        f'<w:num w:numId="{NUMBER_NUM_ID}"><w:abstractNumId w:val="{NUMBER_ABSTRACT_ID}"/></w:num>'
        "</w:numbering>"
    )


def apply_numbering(document, theme: Theme) -> None:
    """Replace the template's numbering definitions with ours."""
    part = document.part.numbering_part
    new = parse_xml(numbering_xml(theme))
    root = part.element
    for child in list(root):
        root.remove(child)
    for child in list(new):
        root.append(child)


# ----------------------------------------------------------------------------- page, parts, package


def apply_page(document, theme: Theme) -> None:
    """Empty the body and set an A4 page with the theme margins."""
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(theme.page["margin_top"]), Mm(theme.page["margin_bottom"])
    section.left_margin, section.right_margin = Mm(theme.page["margin_left"]), Mm(theme.page["margin_right"])
    section.header_distance, section.footer_distance = Mm(10), Mm(10)
    section.gutter = 0


def apply_settings(document) -> None:
    """Set en-GB as the theme font language and drop the revision-save ids."""
    settings = document.settings.element
    for el in list(settings):
        if el.tag in (qn("w:rsids"), qn("w:attachedTemplate")):
            settings.remove(el)
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-GB")


def drop_extra_parts(document) -> None:
    """Remove the thumbnail, customXml and stylesWithEffects parts python-docx's template carries."""
    package = document.part.package
    for rel in list(package.rels.values()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rel.rId)
    for rel in list(document.part.rels.values()):
        if rel.reltype.endswith(("/customXml", "/stylesWithEffects")):
            document.part.rels.pop(rel.rId)


def apply_core(document) -> None:
    """Set fixed, neutral core properties so the file is reproducible."""
    cp = document.core_properties
    cp.title, cp.subject, cp.author, cp.keywords = "reportgen reference", "", "reportgen", ""
    cp.comments, cp.last_modified_by, cp.language = "", "reportgen", "en-GB"
    cp.created = cp.modified = FIXED_TIME
    cp.revision = 1


def stable_zip(data: bytes) -> bytes:
    """Return the zip ``data`` rewritten with fixed timestamps and a stable entry order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n != "_rels/.rels", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()


def build_reference(theme: Theme) -> bytes:
    """Return the bytes of reference.docx for ``theme``."""
    document = docx.Document()
    drop_extra_parts(document)
    apply_page(document, theme)
    apply_styles(document, theme)
    apply_numbering(document, theme)
    apply_settings(document)
    apply_core(document)
    buf = io.BytesIO()
    document.save(buf)
    return stable_zip(buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    """Write the reference document; return the exit status."""
    args = sys.argv[1:] if argv is None else argv
    theme_path = Path(args[0]) if args else ROOT / "templates" / "theme.toml"
    out = Path(args[1]) if len(args) > 1 else ROOT / "templates" / "reference.docx"
    data = build_reference(load_theme(theme_path))
    out.write_bytes(data)
    print(f"wrote {out} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
