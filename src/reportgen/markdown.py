"""The Markdown reader: rendered template text → ``document.Document``.

The dialect is CommonMark with GFM pipe tables, footnotes, MyST-style ``:::{name}``
directives and one inline role, ``{fact}`id|printed text```; it is described for
template authors in ``docs/markdown-dialect.md``. Anything the model cannot hold
raises ``MarkdownError`` naming the source line; no text is ever dropped silently.

Public API:

- ``parse(text, source) -> Document``
- ``escape(text) -> str``: make any data string safe to insert into Markdown.
- ``MarkdownError``: ``str(err) == f"{source}:{line}: {message}"``.

markdown-it-py is imported here and nowhere else. The parser is built once per
process, on first use.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from .document import (
    Block,
    BulletList,
    Callout,
    Chart,
    Document,
    Emph,
    FactText,
    Figure,
    Heading,
    Inline,
    KeyFigure,
    KeyFigures,
    LineBreak,
    Link,
    Meta,
    NoteRef,
    OrderedList,
    PageBreak,
    Paragraph,
    ReferenceLine,
    Series,
    Strong,
    Table,
    TableOfContents,
    Text,
    TitleBlock,
    plain_text,
)
from .fmt import FORMATS

__all__ = ["MarkdownError", "escape", "parse"]

# --------------------------------------------------------------------------- public API


class MarkdownError(ValueError):
    """A problem in the Markdown source, located at a 1-based ``line`` of ``source``.

    ``line_text`` is that source line, stripped. ``str(err)`` is ``"source:line: message"``.
    """

    def __init__(self, source: str, line: int, message: str, line_text: str = "") -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message
        self.line_text = line_text

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.line, self.message, self.line_text))


def parse(text: str, source: str = "<markdown>") -> Document:
    """Return the Document that the Markdown ``text`` describes.

    Raise ``MarkdownError`` (naming ``source`` and the line) for anything outside
    the dialect. The result holds only literal text: nothing in a ``Text`` is markup.

    >>> parse("# Hello *world*").blocks
    (Heading(level=1, inlines=(Text(text='Hello '), Emph(children=(Text(text='world'),))), id='hello-world'),)
    """
    return _Reader(text, source).read()


_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_ESCAPES = {ord(c): "\\" + c for c in _PUNCTUATION} | {ord("\n"): " ", ord("\r"): " "}


def escape(text: str) -> str:
    r"""Return ``text`` ready to insert into Markdown: every ASCII punctuation character
    backslash-escaped, line breaks turned into spaces, surrounding whitespace stripped.

    Parsing the result gives back exactly that text, literally (no markup, no roles).

    >>> escape("Tom & Jerry <b>*1*</b>")
    'Tom \\& Jerry \\<b\\>\\*1\\*\\<\\/b\\>'
    """
    return text.replace("\r\n", "\n").translate(_ESCAPES).strip()


def _split_list(option: str) -> list[str]:
    """Split a ``;``-separated option on the semicolons that are not backslash-escaped."""
    return re.split(r"(?<!\\);", option)


# --------------------------------------------------------------------------- the parser, built once

_MD: MarkdownIt | None = None


def _markdown() -> MarkdownIt:
    """Return the process-wide parser (built on first use)."""
    global _MD
    if _MD is None:
        md = MarkdownIt("commonmark", {"html": False})
        md.enable("table")
        md.disable("entity")  # "&amp;" is literal text, like "<b>"
        md.use(footnote_plugin, inline=False, move_to_end=False, always_match_refs=True)
        md.use(colon_fence_plugin)
        md.use(myst_role_plugin)
        md.core.ruler.disable(["inline", "text_join"])  # the reader parses inline content itself, lazily
        _MD = md
    return _MD


# --------------------------------------------------------------------------- small helpers

_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")
_DIRECTIVE_INFO = re.compile(r"^\{([A-Za-z][\w-]*)\}\s*(.*)$")
_OPTION = re.compile(r"^\s*:([A-Za-z][\w-]*):(?:\s+(.*?))?\s*$")
_NUMERIC = re.compile(
    r"^[+\-−]?[£$€]?\d[\d,]*(\.\d+)?\s*(%|bn|m|k|million|billion|points?|pp|x|×)?$", re.IGNORECASE
)
_SPECIAL = re.compile(r"[\\`*_\[\]{}<\n\x00]")  # characters that can start inline markup
_PLAIN_FACT = re.compile(r"\{fact\}`([^`\n]+)`")
_FACT_ROLE = re.compile(r"\{fact\}(`+)(.+?)\1")
_NEUTRAL_CELLS = {"", "-", "–", "—", "n/a", "..", ":", "not available"}
_ALIGNMENTS = {"l": "left", "r": "right", "c": "center", "left": "left", "right": "right", "center": "center"}


def unescape(text: str) -> str:
    r"""Return ``text`` with Markdown backslash-escapes removed and ends stripped.

    >>> unescape(r"Tom \& Jerry \\ C:\dir")
    'Tom & Jerry \\ C:\\dir'
    """
    return _UNESCAPE.sub(r"\1", text).strip()


def slug(text: str) -> str:
    """Return a lower-case, hyphenated ASCII id for a heading ('section' if nothing is left).

    >>> slug("Jobs & growth, 2016–2019")
    'jobs-growth-2016-2019'
    """
    spaced = re.sub(r"[\W_]+", " ", text.lower())
    ascii_text = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "section"


def _merge_text(inlines: list[Inline]) -> tuple[Inline, ...]:
    """Return ``inlines`` with adjacent Text nodes joined and empty ones dropped."""
    out: list[Inline] = []
    for node in inlines:
        if isinstance(node, Text) and not node.text:
            continue
        if isinstance(node, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + node.text)
        else:
            out.append(node)
    return tuple(out)


def _looks_numeric(cell: str) -> bool | None:
    """Return True/False for a numeric/textual cell, None for an empty or 'n/a' cell."""
    cell = cell.strip()
    if cell.lower() in _NEUTRAL_CELLS:
        return None
    return bool(_NUMERIC.match(cell))


def _protect_fact_pipes(line: str) -> str:
    r"""Return a table row line with the ``|`` inside ``{fact}`` roles escaped, so it does not split cells.

    >>> _protect_fact_pipes("| a | {fact}`x|1%` |")
    '| a | {fact}`x\\|1%` |'
    """
    return _FACT_ROLE.sub(lambda m: "{fact}" + m[1] + re.sub(r"(?<!\\)\|", r"\\|", m[2]) + m[1], line)


def _count_cells(line: str) -> int:
    """Return how many cells a GFM table row line holds (pipes escaped with a backslash do not count)."""
    line = line.strip()
    line = line.removeprefix("|")
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return len(re.split(r"(?<!\\)\|", line))


@dataclass(frozen=True)
class _PendingNote(NoteRef):
    """A footnote reference whose definition may come later; resolved at the end."""

    label: str = ""
    line: int = 0


@dataclass
class _Directive:
    """One ``:::{name} argument`` block: options, body lines and where they start (0-based)."""

    name: str
    argument: str
    options: dict[str, str]
    body: list[str]
    line: int
    body_line: int


@dataclass(frozen=True)
class _Spec:
    """What a directive accepts."""

    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    top_only: bool = True


_SPECS: dict[str, _Spec] = {
    "meta": _Spec(("title", "subject", "author", "keywords", "language", "footer"), ("title",)),
    "title": _Spec(("subtitle", "kicker")),
    "toc": _Spec(("depth",)),
    "pagebreak": _Spec(),
    "keyfigures": _Spec(),
    "callout": _Spec(top_only=False),
    "table": _Spec(("source", "align", "widths"), top_only=False),
    "chart": _Spec(
        ("title", "caption", "alt", "source", "x-label", "y-label", "format", "highlight", "reference", "labels"),
        ("title", "alt"),
        top_only=False,
    ),
}

# --------------------------------------------------------------------------- the reader


@dataclass
class _Reader:
    """Turn one Markdown text into a Document. One reader per text; not reusable."""

    text: str
    source: str
    lines: list[str] = field(init=False)
    meta: Meta | None = field(default=None, init=False)
    title: TitleBlock | None = field(default=None, init=False)
    first_heading: str | None = field(default=None, init=False)
    ids: set[str] = field(default_factory=set, init=False)
    notes: dict[str, tuple[tuple[Inline, ...], int]] = field(default_factory=dict, init=False)
    refs: list[_PendingNote] = field(default_factory=list, init=False)
    env: dict[str, Any] = field(default_factory=dict, init=False)
    used: dict[str, int] = field(default_factory=dict, init=False)
    early: set[int] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.lines = _LINE_SPLIT.split(self.text)

    # ----------------------------------------------------------------- driver

    def read(self) -> Document:
        """Return the Document for the whole text."""
        tree = self.tree(self.text)
        self.read_notes_first(tree)
        blocks = self.blocks(tree, 0, nested=False)
        self.check_notes()
        doc = Document(meta=self.document_meta(), blocks=blocks)
        return self.resolve(doc) if self.refs else doc

    def read_notes_first(self, tree: SyntaxTreeNode) -> None:
        """Record the top-level footnote definitions before the text that refers to them."""
        for node in tree.children:
            if node.type == "footnote_reference":
                assert node.map is not None
                self.visit_footnote_reference(node, node.map[0], 0, nested=False)
                self.early.add(id(node))

    def tree(self, text: str) -> SyntaxTreeNode:
        """Return the block syntax tree of ``text``."""
        return SyntaxTreeNode(_markdown().parse(text, self.env))

    def error(self, line: int, message: str) -> MarkdownError:
        """Return an error at 0-based ``line`` of the text."""
        line_text = self.lines[line].strip() if 0 <= line < len(self.lines) else ""
        return MarkdownError(self.source, line + 1, message, line_text)

    def document_meta(self) -> Meta:
        """Return the :::{meta} block, or a Meta titled after the title block or first heading."""
        if self.meta is not None:
            return self.meta
        if self.title is not None:
            return Meta(title=self.title.title)
        return Meta(title=self.first_heading or "")

    # ----------------------------------------------------------------- blocks

    def blocks(self, tree: SyntaxTreeNode, offset: int, nested: bool) -> tuple[Block, ...]:
        """Return the blocks for the children of ``tree``; ``offset`` is its first line in the text."""
        out: list[Block] = []
        for node in tree.children:
            line = offset + (node.map[0] if node.map else 0)
            visit = getattr(self, f"visit_{node.type}", None)
            if visit is None:
                raise self.error(line, f"unsupported Markdown construct ({node.type.replace('_', ' ')})")
            out.extend(visit(node, line, offset, nested))
        return tuple(out)

    def visit_heading(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Return a Heading (levels 1–3, top level only) with a unique id."""
        level = int(node.tag[1])
        if nested:
            raise self.error(line, "headings are not allowed inside lists, quotes, callouts or footnotes")
        if level > 3:
            raise self.error(line, f"heading level {level} is not supported (use #, ## or ###)")
        inlines = self.inlines(node.children[0], line)
        text = plain_text(inlines)
        if self.first_heading is None:
            self.first_heading = text
        return [Heading(level, inlines, self.unique_id(slug(text)))]

    def unique_id(self, base: str) -> str:
        """Return ``base``, or ``base-2``, ``base-3``… whichever is unused; record it."""
        candidate, n = base, 1
        while candidate in self.ids:
            n += 1
            candidate = f"{base}-{n}"
        self.ids.add(candidate)
        return candidate

    def visit_paragraph(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Return a Paragraph."""
        return [Paragraph(self.inlines(node.children[0], line))]

    def visit_bullet_list(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Return a BulletList; each item holds blocks."""
        return [BulletList(self.items(node, offset))]

    def visit_ordered_list(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Return an OrderedList with its start number."""
        start = node.attrs.get("start", 1)
        return [OrderedList(self.items(node, offset), int(start))]

    def items(self, node: SyntaxTreeNode, offset: int) -> tuple[tuple[Block, ...], ...]:
        """Return the blocks of each list item."""
        return tuple(self.blocks(item, offset, nested=True) for item in node.children)

    def visit_blockquote(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Return a block quote as an untitled Callout."""
        return [Callout(self.blocks(node, offset, nested=True))]

    def visit_hr(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Return nothing: a thematic break carries no text."""
        return []

    def visit_code_block(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Raise: an indented code block is almost always a template indentation mistake."""
        raise self.error(line, "indented code blocks are not supported (is this line indented 4 spaces?)")

    def visit_fence(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Raise: code is not part of the document model."""
        raise self.error(line, "code blocks are not supported")

    def visit_table(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Raise: a table needs its :::{table} directive (caption, source, alignment)."""
        raise self.error(line, "a table must be inside a :::{table} directive")

    def visit_footnote_reference(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Record a footnote definition ``[^label]: text``; it yields no block here."""
        label = node.meta["label"]
        if id(node) in self.early:
            return []
        if label in self.notes:
            raise self.error(line, f"footnote [^{label}] is defined twice")
        blocks = self.blocks(node, offset, nested=True)
        if len(blocks) != 1 or not isinstance(blocks[0], Paragraph):
            raise self.error(line, f"footnote [^{label}] must be a single paragraph")
        self.notes[label] = (blocks[0].inlines, line)
        return []

    # ----------------------------------------------------------------- inlines

    def inlines(self, node: SyntaxTreeNode, line: int) -> tuple[Inline, ...]:
        """Return the inlines of an ``inline`` node whose text starts at 0-based ``line``."""
        return self.inline_content(node.content, line)

    def inline_content(self, content: str, line: int) -> tuple[Inline, ...]:
        """Return inline Markdown ``content`` (starting at 0-based ``line``) as inlines."""
        fast = self.plain_inlines(content, line)
        return fast if fast is not None else self.parsed_inlines(content, line)

    def parsed_inlines(self, content: str, line: int) -> tuple[Inline, ...]:
        """Return inline Markdown ``content`` as inlines, by the inline parser."""
        md = _markdown()
        tokens: list[Any] = []
        md.inline.parse(content, md, self.env, tokens)
        return _merge_text(self.inline_children(SyntaxTreeNode(tokens), [line]))

    def plain_inlines(self, content: str, line: int) -> tuple[Inline, ...] | None:
        """Return the inlines of text that is only plain characters and {fact} roles, else None.

        A shortcut past the inline parser for the common case; it gives exactly what the parser would.
        """
        out: list[Inline] = []
        pos = 0
        for match in _PLAIN_FACT.finditer(content):
            if _SPECIAL.search(content, pos, match.start()):
                return None
            out.append(Text(content[pos:match.start()]))
            out.append(self.fact_text("fact", match[1], line))
            pos = match.end()
        if _SPECIAL.search(content, pos):
            return None
        out.append(Text(content[pos:]))
        return _merge_text(out)

    def inline_children(self, node: SyntaxTreeNode, cursor: list[int]) -> list[Inline]:
        """Return the inlines for the children of ``node``; ``cursor[0]`` tracks the current line."""
        out: list[Inline] = []
        for child in node.children:
            visit = getattr(self, f"inline_{child.type}", None)
            if visit is None:
                raise self.error(cursor[0], f"unsupported Markdown construct ({child.type.replace('_', ' ')})")
            out.append(visit(child, cursor))
        return out

    def inline_text(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        return Text(node.content)

    def inline_text_special(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        return Text(node.content)

    def inline_code_inline(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        return Text(node.content)

    def inline_softbreak(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        cursor[0] += 1
        return Text(" ")

    def inline_hardbreak(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        cursor[0] += 1
        return LineBreak()

    def inline_strong(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        return Strong(_merge_text(self.inline_children(node, cursor)))

    def inline_em(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        return Emph(_merge_text(self.inline_children(node, cursor)))

    def inline_link(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        return Link(str(node.attrs["href"]), _merge_text(self.inline_children(node, cursor)))

    def inline_image(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        raise self.error(cursor[0], "images are not supported; use a chart directive")

    def inline_footnote_ref(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        """Return the NoteRef, or a placeholder if its definition comes later (nested)."""
        label = node.meta["label"]
        if label in self.notes:
            self.used.setdefault(label, cursor[0])
            return NoteRef(self.notes[label][0])
        ref = _PendingNote((), label, cursor[0])
        self.refs.append(ref)
        return ref

    def inline_myst_role(self, node: SyntaxTreeNode, cursor: list[int]) -> Inline:
        """Return a FactText for ``{fact}`id|printed text```; any other role is an error."""
        return self.fact_text(node.meta["name"], node.content, cursor[0])

    def fact_text(self, name: str, content: str, line: int) -> FactText:
        """Return the FactText of role ``{name}`content``` at 0-based ``line``."""
        if name != "fact":
            raise self.error(line, f"unknown role {{{name}}} (the only role is {{fact}})")
        fact_id, bar, printed = content.partition("|")
        if not bar:
            raise self.error(line, f"{{fact}}`{content}` needs the form {{fact}}`id|printed text`")
        if not fact_id.strip():
            raise self.error(line, f"{{fact}}`{content}` has an empty fact id")
        if not printed:
            raise self.error(line, f"{{fact}}`{content}` has no printed text")
        return FactText(fact_id.strip(), printed)

    def inline_markdown(self, text: str, line: int) -> tuple[Inline, ...]:
        """Return ``text`` (one line of inline Markdown, e.g. a caption) as inlines."""
        return self.inline_content(text.strip(), line)

    # ----------------------------------------------------------------- footnotes

    def check_notes(self) -> None:
        """Raise for a reference without a definition or a definition never referenced."""
        for ref in self.refs:
            if ref.label not in self.notes:
                raise self.error(ref.line, f"footnote [^{ref.label}] is not defined")
            self.used.setdefault(ref.label, ref.line)
        for label, (inlines, line) in self.notes.items():
            if label not in self.used:
                raise self.error(line, f"footnote [^{label}] is defined but never referenced")
            if any(isinstance(n, NoteRef) for n in inlines):
                raise self.error(line, f"footnote [^{label}] contains another footnote")

    def resolve(self, node: Any) -> Any:
        """Return ``node`` with every pending footnote replaced by its NoteRef."""
        if isinstance(node, tuple):
            return tuple(self.resolve(item) for item in node)
        if isinstance(node, _PendingNote):
            return NoteRef(self.notes[node.label][0])
        if is_dataclass(node) and not isinstance(node, type):
            changes = {f.name: self.resolve(getattr(node, f.name)) for f in fields(node)}
            return replace(node, **changes)
        return node

    # ----------------------------------------------------------------- directives

    def visit_colon_fence(self, node: SyntaxTreeNode, line: int, offset: int, nested: bool) -> list[Block]:
        """Return the blocks of one ``:::{name}`` directive."""
        directive = self.directive(node, line, offset)
        spec = _SPECS[directive.name]
        if nested and spec.top_only:
            raise self.error(line, f":::{{{directive.name}}} is only allowed at the top level of the document")
        build: Callable[[_Directive], list[Block]] = getattr(self, f"directive_{directive.name}")
        return build(directive)

    def directive(self, node: SyntaxTreeNode, line: int, offset: int) -> _Directive:
        """Return the directive a colon fence holds, its options checked against its spec."""
        content = node.content.removesuffix("\n").split("\n") if node.content else []
        assert node.map is not None
        match = _DIRECTIVE_INFO.match(node.info.strip())
        if not match:
            raise self.error(line, self.bad_fence_message(node))
        if node.map[1] - node.map[0] != len(content) + 2:
            raise self.error(line, self.unclosed_message(node))
        name, argument = match.groups()
        if name not in _SPECS:
            raise self.error(line, f"unknown directive {{{name}}} (known: {', '.join(sorted(_SPECS))})")
        options, used = self.options(name, content, line)
        return _Directive(name, argument.strip(), options, content[used:], line, line + 1 + used)

    @staticmethod
    def unclosed_message(node: SyntaxTreeNode) -> str:
        """Return the message for a colon fence that is never closed."""
        return (
            f"'{node.markup}{node.info.strip()}' is never closed (add a line '{node.markup}'; "
            "a directive holding another needs more colons than the one inside it)"
        )

    @staticmethod
    def bad_fence_message(node: SyntaxTreeNode) -> str:
        """Return the message for a colon fence that is not ``:::{name}``."""
        if not node.info.strip():
            return (
                f"'{node.markup}' opens nothing: a directive starts ':::{{name}}' "
                "(an outer directive needs more colons than the one inside it)"
            )
        return f"a directive is written ':::{{name}} argument', not '{node.markup}{node.info}'"

    def options(self, name: str, content: list[str], line: int) -> tuple[dict[str, str], int]:
        """Return the ``:key: value`` options at the top of a body and how many lines they take."""
        spec = _SPECS[name]
        options: dict[str, str] = {}
        used = 0
        for text in content:
            match = _OPTION.match(text)
            if not match:
                break
            key, value = match.group(1), match.group(2) or ""
            if key not in spec.options:
                known = ", ".join(spec.options) or "none"
                raise self.error(line, f":::{{{name}}} has no option '{key}' (options: {known})")
            if key in options:
                raise self.error(line, f":::{{{name}}} option '{key}' is given twice")
            options[key] = value
            used += 1
        for key in spec.required:
            if not options.get(key, "").strip():
                raise self.error(line, f":::{{{name}}} needs the option ':{key}: …'")
        return options, used

    def no_body(self, d: _Directive) -> None:
        """Raise if the directive has any non-blank body line."""
        for i, text in enumerate(d.body):
            if text.strip():
                raise self.error(d.body_line + i, f":::{{{d.name}}} takes no body")

    def no_argument(self, d: _Directive) -> None:
        """Raise if the directive was given an argument."""
        if d.argument:
            raise self.error(d.line, f":::{{{d.name}}} takes no argument (got '{d.argument}')")

    def body_tree(self, d: _Directive) -> SyntaxTreeNode:
        """Return the syntax tree of a directive's body."""
        return self.tree("\n".join(d.body))

    def table_body(self, d: _Directive) -> list[str]:
        """Return a table directive's body with the pipes inside {fact} roles escaped."""
        return [_protect_fact_pipes(text) if "{fact}" in text else text for text in d.body]

    def directive_meta(self, d: _Directive) -> list[Block]:
        """Record the document's metadata; yields no block."""
        self.no_argument(d)
        self.no_body(d)
        if self.meta is not None:
            raise self.error(d.line, "only one :::{meta} block is allowed")
        o = {key: unescape(value) for key, value in d.options.items()}
        keywords = tuple(k.strip() for k in o.get("keywords", "").split(",") if k.strip())
        self.meta = Meta(
            title=o["title"], subject=o.get("subject", ""), author=o.get("author", ""),
            keywords=keywords, language=o.get("language") or "en-GB", footer=o.get("footer", ""),
        )
        return []

    def directive_title(self, d: _Directive) -> list[Block]:
        """Return the TitleBlock (plain strings)."""
        self.no_body(d)
        if not d.argument:
            raise self.error(d.line, ":::{title} needs the title text after it")
        if self.title is not None:
            raise self.error(d.line, "only one :::{title} block is allowed")
        o = d.options
        self.title = TitleBlock(unescape(d.argument), unescape(o.get("subtitle", "")), unescape(o.get("kicker", "")))
        return [self.title]

    def directive_toc(self, d: _Directive) -> list[Block]:
        """Return a TableOfContents (depth 1–3, default 2)."""
        self.no_body(d)
        depth_text = d.options.get("depth", "2").strip()
        if depth_text not in ("1", "2", "3"):
            raise self.error(d.line, f":::{{toc}} depth must be 1, 2 or 3 (got '{depth_text}')")
        return [TableOfContents(unescape(d.argument) or "Contents", int(depth_text))]

    def directive_pagebreak(self, d: _Directive) -> list[Block]:
        """Return a PageBreak."""
        self.no_argument(d)
        self.no_body(d)
        return [PageBreak()]

    def directive_callout(self, d: _Directive) -> list[Block]:
        """Return a Callout: an optional inline title and a body of blocks."""
        blocks = self.blocks(self.body_tree(d), d.body_line, nested=True)
        if not blocks:
            raise self.error(d.line, ":::{callout} has no body")
        return [Callout(blocks, self.inline_markdown(d.argument, d.line))]

    def directive_keyfigures(self, d: _Directive) -> list[Block]:
        """Return KeyFigures: one tile per non-blank line ``value :: label :: comparison``."""
        self.no_argument(d)
        items = [
            self.key_figure(text, d.body_line + i) for i, text in enumerate(d.body) if text.strip()
        ]
        if not items:
            raise self.error(d.line, ":::{keyfigures} has no tiles (one line 'value :: label' each)")
        return [KeyFigures(tuple(items))]

    def key_figure(self, text: str, line: int) -> KeyFigure:
        """Return one tile from ``value :: label [:: comparison]``."""
        parts = [part.strip() for part in text.split("::")]
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise self.error(line, "a key figure is 'value :: label' or 'value :: label :: comparison'")
        value, label = self.inline_markdown(parts[0], line), self.inline_markdown(parts[1], line)
        comparison = self.inline_markdown(parts[2], line) if len(parts) == 3 else ()
        return KeyFigure(value, label, comparison)

    # ----------------------------------------------------------------- :::{table}

    def directive_table(self, d: _Directive) -> list[Block]:
        """Return a Table from exactly one GFM pipe table, with caption, source, alignment, widths."""
        d.body = self.table_body(d)
        tree = self.body_tree(d)
        if len(tree.children) != 1 or tree.children[0].type != "table":
            raise self.error(d.line, ":::{table} must hold exactly one pipe table and nothing else")
        table = tree.children[0]
        head, rows = self.table_rows(table, d)
        columns = head[0]
        return [Table(
            columns=columns,
            rows=rows,
            caption=self.inline_markdown(d.argument, d.line),
            source=self.inline_markdown(d.options.get("source", ""), d.line),
            alignments=self.alignments(d, table, rows, len(columns)),
            widths=self.widths(d, len(columns)),
        )]

    def table_rows(self, table: SyntaxTreeNode, d: _Directive) -> tuple[list[Any], tuple[Any, ...]]:
        """Return (header rows, body rows), each row a tuple of cells (inlines); check cell counts."""
        sections: dict[str, list[Any]] = {"thead": [], "tbody": []}
        width = len(table.children[0].children[0].children)
        for section in table.children:
            for tr in section.children:
                assert tr.map is not None
                line = d.body_line + tr.map[0]
                if _count_cells(d.body[tr.map[0]]) > width:
                    raise self.error(line, f"this row has more cells than the table's {width} columns")
                sections[section.type].append(tuple(self.inlines(cell.children[0], line) for cell in tr.children))
        return sections["thead"], tuple(sections["tbody"])

    def alignments(self, d: _Directive, table: SyntaxTreeNode, rows: tuple[Any, ...], n: int) -> tuple[str, ...]:
        """Return each column's alignment: the align option, else the ``|--:|`` marker, else guessed."""
        if "align" in d.options:
            names = [a.strip().lower() for a in d.options["align"].split(",")]
            if len(names) != n or any(a not in _ALIGNMENTS for a in names):
                got = d.options["align"]
                raise self.error(d.line, f":::{{table}} align needs {n} entries of l, r or c (got '{got}')")
            return tuple(_ALIGNMENTS[a] for a in names)
        header = table.children[0].children[0].children
        return tuple(self.column_alignment(header[i], rows, i) for i in range(n))

    @staticmethod
    def column_alignment(th: SyntaxTreeNode, rows: tuple[Any, ...], i: int) -> str:
        """Return a column's marker alignment, else left for the first or textual columns, right for numbers."""
        style = str(th.attrs.get("style", ""))
        if style.startswith("text-align:"):
            return style.removeprefix("text-align:")
        looks = [_looks_numeric(plain_text(row[i])) for row in rows]
        numeric = i > 0 and any(looks) and all(v is not False for v in looks)
        return "right" if numeric else "left"

    def widths(self, d: _Directive, n: int) -> tuple[float, ...]:
        """Return the relative column widths from the widths option, or ()."""
        if "widths" not in d.options:
            return ()
        try:
            widths = tuple(float(w) for w in d.options["widths"].split(","))
        except ValueError:
            widths = ()
        if len(widths) != n or not all(w > 0 and math.isfinite(w) for w in widths):
            raise self.error(d.line, f":::{{table}} widths needs {n} positive numbers (got '{d.options['widths']}')")
        return widths

    # ----------------------------------------------------------------- :::{chart}

    def directive_chart(self, d: _Directive) -> list[Block]:
        """Return a Figure holding a Chart whose data is the CSV body."""
        o = d.options
        kind = d.argument
        if kind not in ("bar", "barh", "line"):
            raise self.error(d.line, f":::{{chart}} kind must be bar, barh or line (got '{kind}')")
        categories, series = self.chart_data(d)
        chart = Chart(
            kind=kind, title=unescape(o["title"]), categories=categories, series=series,
            x_label=unescape(o.get("x-label", "")), y_label=unescape(o.get("y-label", "")),
            value_format=self.chart_format(d), highlight=self.highlight(d, categories),
            reference_lines=self.reference_lines(d), direct_labels=self.flag(d, "labels", True),
        )
        return [Figure(
            chart=chart,
            caption=self.inline_markdown(o.get("caption", ""), d.line),
            alt_text=unescape(o["alt"]),
            source=self.inline_markdown(o.get("source", ""), d.line),
        )]

    def chart_data(self, d: _Directive) -> tuple[tuple[str, ...], tuple[Series, ...]]:
        """Return (categories, series) from the CSV body: header, then 'category,value,…' rows."""
        rows = [(d.body_line + i, self.csv_row(text)) for i, text in enumerate(d.body) if text.strip()]
        if len(rows) < 2 or len(rows[0][1]) < 2:
            raise self.error(d.line, ":::{chart} needs a CSV header 'category,series…' and at least one data row")
        header = rows[0][1]
        categories: list[str] = []
        columns: list[list[float | None]] = [[] for _ in header[1:]]
        for line, cells in rows[1:]:
            if len(cells) != len(header):
                raise self.error(line, f"this chart row has {len(cells)} cells; the header has {len(header)}")
            categories.append(cells[0])
            for column, cell in zip(columns, cells[1:], strict=True):
                column.append(self.chart_value(cell, line))
        series = tuple(Series(name, tuple(values)) for name, values in zip(header[1:], columns, strict=True))
        return tuple(categories), series

    @staticmethod
    def csv_row(text: str) -> list[str]:
        """Return the stripped cells of one CSV line."""
        return [cell.strip() for cell in next(csv.reader([text]))]

    def chart_value(self, cell: str, line: int) -> float | None:
        """Return a chart cell as a float; empty is None; anything else is an error."""
        if not cell:
            return None
        try:
            value = float(cell.replace("−", "-"))
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise self.error(line, f"chart value '{cell}' is not a number")
        return value

    def chart_format(self, d: _Directive) -> str:
        """Return the chart's number format name (default 'number')."""
        name = d.options.get("format", "").strip() or "number"
        if name not in FORMATS:
            raise self.error(d.line, f"unknown format '{name}' (known: {', '.join(sorted(FORMATS))})")
        return name

    def highlight(self, d: _Directive, categories: tuple[str, ...]) -> tuple[str, ...]:
        """Return the highlighted categories; each must be one of the chart's categories."""
        names = tuple(unescape(n) for n in _split_list(d.options.get("highlight", "")) if n.strip())
        for name in names:
            if name not in categories:
                raise self.error(d.line, f":::{{chart}} highlight '{name}' is not a category of this chart")
        return names

    def reference_lines(self, d: _Directive) -> tuple[ReferenceLine, ...]:
        """Return the reference lines from ``value|label; value|label``."""
        lines = []
        for pair in (p for p in _split_list(d.options.get("reference", "")) if p.strip()):
            value, bar, label = pair.partition("|")
            try:
                number = float(value.strip().replace("−", "-"))
            except ValueError:
                number = math.nan
            if not bar or not math.isfinite(number):
                raise self.error(d.line, f":::{{chart}} reference '{pair.strip()}' is not 'value|label'")
            lines.append(ReferenceLine(number, unescape(label)))
        return tuple(lines)

    def flag(self, d: _Directive, key: str, default: bool) -> bool:
        """Return a true/false option."""
        value = d.options.get(key, "").strip().lower()
        if not value:
            return default
        if value not in ("true", "false"):
            raise self.error(d.line, f":::{{{d.name}}} {key} must be true or false (got '{value}')")
        return value == "true"
