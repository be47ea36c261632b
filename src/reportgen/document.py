"""The document model: the one structure every writer consumes.

A Document is a tuple of blocks; blocks hold inlines. Everything is a frozen
dataclass of plain Python values (str, int, float, tuples), so a Document is
hashable, comparable and printable as a text snapshot (see ``snapshot``).
Nothing format-specific (no reportlab or python-docx type) ever enters here.

Style names are semantic ("Body Text", "Caption", "Source", "Key Figure"):
reference.docx and the PDF stylesheet each define every name once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Union

# --------------------------------------------------------------------------- inlines


@dataclass(frozen=True)
class Text:
    """Literal text. Never interpreted as markup by any writer."""

    text: str


@dataclass(frozen=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Emph:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Link:
    url: str
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class NoteRef:
    """A footnote: the reference mark in the text, with the note's own inlines."""

    children: tuple[Inline, ...]


@dataclass(frozen=True)
class FactText:
    """A formatted figure that came from a Fact; the ledger knows where it stands."""

    fact_id: str
    text: str


@dataclass(frozen=True)
class LineBreak:
    pass


Inline = Union[Text, Strong, Emph, Link, NoteRef, FactText, LineBreak]

# --------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class ReferenceLine:
    """A horizontal (or, for horizontal bars, vertical) line such as 'UK 51.9%'."""

    value: float
    label: str


@dataclass(frozen=True)
class Chart:
    """A chart as data. ``kind`` is 'bar' (vertical), 'barh' (horizontal) or 'line'.

    ``value_format`` names a fmt formatter for direct labels and axis ticks:
    'pct', 'gbp', 'gbp_bn', 'gbp_m', 'number', 'ratio'. ``highlight`` lists
    categories drawn in the highlight colour (the rest in the muted colour).
    """

    kind: str
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    x_label: str = ""
    y_label: str = ""
    value_format: str = "number"
    highlight: tuple[str, ...] = ()
    reference_lines: tuple[ReferenceLine, ...] = ()
    direct_labels: bool = True


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class TitleBlock:
    """The document's opening: a coloured band with title and subtitle."""

    title: str
    subtitle: str = ""
    kicker: str = ""


@dataclass(frozen=True)
class Heading:
    level: int
    inlines: tuple[Inline, ...]
    id: str = ""


@dataclass(frozen=True)
class Paragraph:
    inlines: tuple[Inline, ...]
    style: str = "Body Text"


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True)
class OrderedList:
    items: tuple[tuple[Block, ...], ...]
    start: int = 1


@dataclass(frozen=True)
class Table:
    """``columns`` are the header cells; ``rows`` the body cells; each cell is inlines.

    ``alignments`` holds 'left', 'right' or 'center' per column; ``widths`` are
    relative column widths (any positive numbers) or () for equal widths.
    """

    columns: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    header_rows: int = 1
    caption: tuple[Inline, ...] = ()
    source: tuple[Inline, ...] = ()
    alignments: tuple[str, ...] = ()
    widths: tuple[float, ...] = ()


@dataclass(frozen=True)
class Figure:
    chart: Chart
    caption: tuple[Inline, ...] = ()
    alt_text: str = ""
    source: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class KeyFigure:
    value: tuple[Inline, ...]
    label: tuple[Inline, ...]
    comparison: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class KeyFigures:
    items: tuple[KeyFigure, ...]


@dataclass(frozen=True)
class Callout:
    blocks: tuple[Block, ...]
    title: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class TableOfContents:
    title: str = "Contents"
    depth: int = 2


Block = Union[
    TitleBlock,
    Heading,
    Paragraph,
    BulletList,
    OrderedList,
    Table,
    Figure,
    KeyFigures,
    Callout,
    PageBreak,
    TableOfContents,
]


@dataclass(frozen=True)
class Meta:
    title: str
    subject: str = ""
    author: str = ""
    keywords: tuple[str, ...] = ()
    language: str = "en-GB"
    footer: str = ""  # left part of the footer, e.g. "Key Cities Group · data: 2016"


@dataclass(frozen=True)
class Document:
    meta: Meta
    blocks: tuple[Block, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- helpers


def plain_text(inlines: tuple[Inline, ...], notes: list | None = None) -> str:
    """Return the inlines as plain text (line breaks as spaces).

    Notes are omitted, unless ``notes`` is a list: then each note reference prints its number,
    1, 2, … in reading order across calls sharing the list, an identical note sharing its number
    (as both writers print them).

    >>> plain_text((Text("GVA "), Strong((FactText("g", "£116.6bn"),))))
    'GVA £116.6bn'
    >>> plain_text((Text("a"), NoteRef((Text("n"),)), Text(" b"), NoteRef((Text("n"),))), [])
    'a1 b1'
    """
    out: list[str] = []
    for node in inlines:
        if isinstance(node, (Text, FactText)):
            out.append(node.text)
        elif isinstance(node, (Strong, Emph, Link)):
            out.append(plain_text(node.children, notes))
        elif isinstance(node, LineBreak):
            out.append(" ")
        elif isinstance(node, NoteRef) and notes is not None:
            if node.children not in notes:
                notes.append(node.children)
            out.append(str(notes.index(node.children) + 1))
    return "".join(out)


def iter_inlines(node: object):
    """Yield every inline under ``node`` (a Document, block, inline or tuple), depth first."""
    if isinstance(node, tuple):
        for item in node:
            yield from iter_inlines(item)
        return
    if isinstance(node, (Text, FactText, LineBreak)):
        yield node
        return
    if isinstance(node, (Strong, Emph, Link, NoteRef)):
        yield node
        yield from iter_inlines(node.children)
        return
    if is_dataclass(node) and not isinstance(node, type):
        for f in fields(node):
            yield from iter_inlines(getattr(node, f.name))


def snapshot(doc: Document) -> str:
    """Return an indented text rendering of the model, for golden tests and debugging."""
    lines: list[str] = []

    def walk(node: object, depth: int) -> None:
        pad = "  " * depth
        if isinstance(node, tuple):
            for item in node:
                walk(item, depth)
            return
        if not is_dataclass(node) or isinstance(node, type):
            lines.append(f"{pad}{node!r}")
            return
        simple = {}
        nested = []
        for f in fields(node):
            value = getattr(node, f.name)
            if isinstance(value, tuple) and any(is_dataclass(v) or isinstance(v, tuple) for v in value):
                nested.append((f.name, value))
            elif is_dataclass(value):
                nested.append((f.name, (value,)))
            else:
                simple[f.name] = value
        args = " ".join(f"{k}={v!r}" for k, v in simple.items() if v not in ((), "", None))
        lines.append(f"{pad}{type(node).__name__} {args}".rstrip())
        for name, value in nested:
            lines.append(f"{pad}  .{name}:")
            walk(value, depth + 2)

    walk(doc, 0)
    return "\n".join(lines) + "\n"
