"""Tests for the Markdown reader: each construct → its Document fragment; each error → file:line: message."""

from __future__ import annotations

import doctest
import pickle
import time
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reportgen.document as model
from reportgen import markdown
from reportgen.document import (
    BulletList,
    Callout,
    Chart,
    Emph,
    FactText,
    Figure,
    Heading,
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
from reportgen.fmt import FORMATS
from reportgen.markdown import MarkdownError, escape, parse

ROOTS = Path(__file__).parent / "roots"


def T(s: str) -> tuple[Text]:
    return (Text(s),)


def P(*inlines: model.Inline) -> Paragraph:
    return Paragraph(tuple(inlines))


def blocks(text: str) -> tuple[model.Block, ...]:
    return parse(text, "t.md").blocks


# --------------------------------------------------------------------------- constructs

CONSTRUCTS = {
    "heading levels": ("# One\n\n## Two\n\n### Three", (
        Heading(1, T("One"), "one"), Heading(2, T("Two"), "two"), Heading(3, T("Three"), "three"))),
    "setext heading": ("Title\n=====", (Heading(1, T("Title"), "title"),)),
    "heading ids are unique": ("# Jobs\n\n## Jobs\n\n## Jobs", (
        Heading(1, T("Jobs"), "jobs"), Heading(2, T("Jobs"), "jobs-2"), Heading(2, T("Jobs"), "jobs-3"))),
    "heading id slug": ("## Jobs & growth, 2016–2019 in *Hull*", (
        Heading(2, (Text("Jobs & growth, 2016–2019 in "), Emph(T("Hull"))), "jobs-growth-2016-2019-in-hull"),)),
    "heading without ascii": ("# שלום", (Heading(1, T("שלום"), "section"),)),
    "paragraph": ("Plain text.", (P(Text("Plain text.")),)),
    "soft break is a space": ("one\ntwo", (P(Text("one two")),)),
    "hard break (spaces)": ("one  \ntwo", (P(Text("one"), LineBreak(), Text("two")),)),
    "hard break (backslash)": ("one\\\ntwo", (P(Text("one"), LineBreak(), Text("two")),)),
    "strong and emph": ("**a** *b* _c_ ***d***", (
        P(Strong(T("a")), Text(" "), Emph(T("b")), Text(" "), Emph(T("c")), Text(" "), Emph((Strong(T("d")),))),)),
    "link": ("[the *ONS*](https://www.ons.gov.uk/)", (
        P(Link("https://www.ons.gov.uk/", (Text("the "), Emph(T("ONS"))))),)),
    "autolink": ("<https://example.org>", (P(Link("https://example.org", T("https://example.org"))),)),
    "inline code is literal text": ("`**x** <b>`", (P(Text("**x** <b>")),)),
    "fact role": ("GVA {fact}`city.hull.gva|£6.1bn` in 2016", (
        P(Text("GVA "), FactText("city.hull.gva", "£6.1bn"), Text(" in 2016")),)),
    "fact with escaped pipe in a table": (
        ":::{table}\n| A |\n|---|\n| {fact}`f.id\\|1%` |\n:::",
        (Table(columns=(T("A"),), rows=(((FactText("f.id", "1%"),),),), alignments=("left",)),)),
    "fact text keeps later pipes": ("{fact}`a.b|x|y`", (P(FactText("a.b", "x|y")),)),
    "fact inside strong": ("**{fact}`a|1%`**", (P(Strong((FactText("a", "1%"),))),)),
    "footnote": ("Text[^1] more.\n\n[^1]: The *note*.", (
        P(Text("Text"), NoteRef((Text("The "), Emph(T("note")), Text("."))), Text(" more.")),)),
    "footnote defined first": ("[^n]: Note.\n\nA[^n]", (P(Text("A"), NoteRef(T("Note."))),)),
    "footnote used twice": ("A[^n] B[^n]\n\n[^n]: N", (
        P(Text("A"), NoteRef(T("N")), Text(" B"), NoteRef(T("N"))),)),
    "footnote defined later inside a callout": ("A[^n]\n\n:::{callout}\nB\n\n[^n]: Inside.\n:::", (
        P(Text("A"), NoteRef(T("Inside."))), Callout((P(Text("B")),)))),
    "link reference definitions": (
        "[the ONS][ons]\n\n:::{callout}\n[ONS][ons]\n:::\n\n[ons]: https://www.ons.gov.uk/", (
        P(Link("https://www.ons.gov.uk/", T("the ONS"))), Callout((P(Link("https://www.ons.gov.uk/", T("ONS"))),)))),
    "fact in a heading": ("## GVA of {fact}`g|£5bn`", (
        Heading(2, (Text("GVA of "), FactText("g", "£5bn")), "gva-of-5bn"),)),
    "bullet list": ("- a\n- b", (BulletList(((P(Text("a")),), (P(Text("b")),))),)),
    "loose bullet list": ("- a\n\n- b", (BulletList(((P(Text("a")),), (P(Text("b")),))),)),
    "nested lists": ("- a\n  1. x\n  2. y\n- b", (BulletList((
        (P(Text("a")), OrderedList(((P(Text("x")),), (P(Text("y")),)))),
        (P(Text("b")),),
    )),)),
    "ordered list start": ("3. three\n4. four", (OrderedList(((P(Text("three")),), (P(Text("four")),)), 3),)),
    "ordered list with paren": ("1) one", (OrderedList(((P(Text("one")),),)),)),
    "blockquote is an untitled callout": ("> quoted *text*", (Callout((P(Text("quoted "), Emph(T("text"))),)),)),
    "horizontal rule is ignored": ("a\n\n***\n\nb", (P(Text("a")), P(Text("b")))),
    "raw html block is text": ("<div>\nhi\n</div>", (P(Text("<div> hi </div>")),)),
    "raw html inline is text": ("a <b>bold</b> c", (P(Text("a <b>bold</b> c")),)),
    "entities are text": ("&amp; &copy; &#35;", (P(Text("&amp; &copy; &#35;")),)),
    "backslash escapes": (r"\*not emph\* \<b\> \& \[x\] \\ \a", (P(Text(r"*not emph* <b> & [x] \ \a")),)),
    "escaped role is text": (r"\{fact\}`a|b`", (P(Text("{fact}a|b")),)),
    "pagebreak": (":::{pagebreak}\n:::", (PageBreak(),)),
    "toc default": (":::{toc}\n:::", (TableOfContents("Contents", 2),)),
    "toc title and depth": (":::{toc} In this paper\n:depth: 3\n:::", (TableOfContents("In this paper", 3),)),
    "title block": (":::{title} Tom \\& Jerry\n:subtitle: A *plain* subtitle\n:kicker: Factsheet\n:::", (
        TitleBlock("Tom & Jerry", "A *plain* subtitle", "Factsheet"),)),
    "callout": ("::::{callout} How we *counted*\nA paragraph.\n\n- item\n::::", (
        Callout((P(Text("A paragraph.")), BulletList(((P(Text("item")),),))), (Text("How we "), Emph(T("counted")))),)),
    "callout without title": (":::{callout}\nBody.\n:::", (Callout((P(Text("Body.")),)),)),
    "keyfigures": (":::{keyfigures}\n{fact}`p|258,995` :: Population :: 0.4% of the UK\n\n**£6.1bn** :: GVA\n:::", (
        KeyFigures((
            KeyFigure((FactText("p", "258,995"),), T("Population"), T("0.4% of the UK")),
            KeyFigure((Strong(T("£6.1bn")),), T("GVA"), ()),
        )),)),
    "table": (
        ":::{table} Table 1: *Members*\n:source: Source: ONS\n"
        "| Member | Leave | GVA |\n|---|---|---|\n| Hull | 67.6% | £6.1bn |\n| Derby | n/a | £5.2bn |\n:::",
        (Table(
            columns=(T("Member"), T("Leave"), T("GVA")),
            rows=((T("Hull"), T("67.6%"), T("£6.1bn")), (T("Derby"), T("n/a"), T("£5.2bn"))),
            caption=(Text("Table 1: "), Emph(T("Members"))),
            source=T("Source: ONS"),
            alignments=("left", "right", "right"),
        ),)),
    "table: facts and escaped pipes in cells": (
        ":::{table}\n| A | B |\n|---|---|\n| x \\| y | {fact}`f.id|1,234` |\n:::",
        (Table(columns=(T("A"), T("B")), rows=((T("x | y"), (FactText("f.id", "1,234"),)),),
               alignments=("left", "right")),)),
    "table: textual column stays left": (
        ":::{table}\n| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | three |\n:::",
        (Table(columns=(T("A"), T("B")), rows=((T("1"), T("2")), (T("3"), T("three"))),
               alignments=("left", "left")),)),
    "table: markers beat the guess": (
        ":::{table}\n| A | B |\n|:-:|--:|\n| x | y |\n:::",
        (Table(columns=(T("A"), T("B")), rows=((T("x"), T("y")),), alignments=("center", "right")),)),
    "table: align and widths options": (
        ":::{table}\n:align: r, center\n:widths: 2, 1.5\n| A | B |\n|---|---|\n| x | y |\n:::",
        (Table(columns=(T("A"), T("B")), rows=((T("x"), T("y")),), alignments=("right", "center"),
               widths=(2.0, 1.5)),)),
    "table: short row padded": (
        ":::{table}\n| A | B |\n|---|---|\n| x |\n:::",
        (Table(columns=(T("A"), T("B")), rows=((T("x"), ()),), alignments=("left", "left")),)),
    "chart": (
        ":::{chart} bar\n:title: Employment rate, 2023\n:caption: Figure 3: *Employment*\n:alt: Column chart.\n"
        ":source: Source: ONS\n:x-label: Area\n:y-label: Rate (%)\n:format: pct\n:highlight: Hull; Key Cities\n"
        ":reference: 75.7|England; 70|Target\n:labels: false\n"
        "Area,2022,2023\nHull,69.5,70.1\nKey Cities,,72.4\n\"England, all\",75.1,-1.5e1\n:::",
        (Figure(
            chart=Chart(
                kind="bar", title="Employment rate, 2023", categories=("Hull", "Key Cities", "England, all"),
                series=(Series("2022", (69.5, None, 75.1)), Series("2023", (70.1, 72.4, -15.0))),
                x_label="Area", y_label="Rate (%)", value_format="pct", highlight=("Hull", "Key Cities"),
                reference_lines=(ReferenceLine(75.7, "England"), ReferenceLine(70.0, "Target")),
                direct_labels=False,
            ),
            caption=(Text("Figure 3: "), Emph(T("Employment"))),
            alt_text="Column chart.",
            source=T("Source: ONS"),
        ),)),
    "chart defaults": (
        ":::{chart} line\n:title: T\n:alt: A\nYear,Hull\n2019,1\n2020,2\n:::",
        (Figure(chart=Chart(kind="line", title="T", categories=("2019", "2020"),
                            series=(Series("Hull", (1.0, 2.0)),)), alt_text="A"),)),
    "nested directives": (
        "::::{callout} Note\n:::{table} Cap\n| A |\n|---|\n| x |\n:::\n::::",
        (Callout((Table(columns=(T("A"),), rows=((T("x"),),), caption=T("Cap"), alignments=("left",)),), T("Note")),)),
    "directive inside a list item": (
        "- item\n\n  :::{callout}\n  inside\n  :::",
        (BulletList(((P(Text("item")), Callout((P(Text("inside")),))),)),)),
    "directive inside a blockquote": (
        "> :::{callout} T\n> inside\n> :::",
        (Callout((Callout((P(Text("inside")),), T("T")),)),)),
}


@pytest.mark.parametrize("text, expected", CONSTRUCTS.values(), ids=CONSTRUCTS.keys())
def test_construct(text: str, expected: tuple[model.Block, ...]) -> None:
    assert blocks(text) == expected


def test_meta_directive() -> None:
    doc = parse(
        ":::{meta}\n:title: Tom \\& Jerry\n:subject: S\n:author: A\n:keywords: a, b ,, c\n"
        ":language: cy\n:footer: Key Cities · 2016\n:::\n\n# Heading"
    )
    assert doc.meta == Meta("Tom & Jerry", "S", "A", ("a", "b", "c"), "cy", "Key Cities · 2016")
    assert doc.blocks == (Heading(1, T("Heading"), "heading"),)


@pytest.mark.parametrize("text, title", [
    (":::{title} The title\n:::\n\n# First heading", "The title"),
    ("Intro.\n\n## First *heading*\n\n# Second", "First heading"),
    ("Just text.", ""),
])
def test_meta_title_fallback(text: str, title: str) -> None:
    assert parse(text).meta == Meta(title=title)


def test_meta_language_default() -> None:
    assert parse(":::{meta}\n:title: T\n:::").meta.language == "en-GB"


# --------------------------------------------------------------------------- errors

UNCLOSED = ("':::{}' is never closed (add a line ':::'; "
            "a directive holding another needs more colons than the one inside it)")
IN_BLOCK = "headings are not allowed inside lists, quotes, callouts or footnotes"
NO_ROLE = "unknown role {x} (the only role is {fact})"
ONE_TABLE = ":::{table} must hold exactly one pipe table and nothing else"

ERRORS = {
    "heading level 4": ("ok\n\n#### Four", 3, "heading level 4 is not supported (use #, ## or ###)"),
    "heading in a list": ("- # H", 1, IN_BLOCK),
    "heading in a quote": ("> ok\n>\n> ## H", 3, IN_BLOCK),
    "heading in a callout": (":::{callout}\n\n# H\n:::", 3, IN_BLOCK),
    "image": ("one\ntwo ![alt](x.png)", 2, "images are not supported; use a chart directive"),
    "image in a table cell": (":::{table}\n| A |\n|---|\n| ![a](b) |\n:::", 4,
                              "images are not supported; use a chart directive"),
    "unknown role": ("a\nb\nc {abbr}`x`", 3, "unknown role {abbr} (the only role is {fact})"),
    "fact without bar": ("{fact}`city.hull`", 1, "{fact}`city.hull` needs the form {fact}`id|printed text`"),
    "fact with empty id": ("x\n{fact}` |5%`", 2, "{fact}` |5%` has an empty fact id"),
    "fact with empty text": ("{fact}`a|`", 1, "{fact}`a|` has no printed text"),
    "undefined footnote": ("a\nb[^x]", 2, "footnote [^x] is not defined"),
    "unused footnote": ("a\n\n[^x]: never used", 3, "footnote [^x] is defined but never referenced"),
    "footnote defined twice": ("a[^x]\n\n[^x]: one\n\n[^x]: two", 5, "footnote [^x] is defined twice"),
    "footnote of two paragraphs": ("a[^x]\n\n[^x]: one\n\n    two", 3, "footnote [^x] must be a single paragraph"),
    "footnote inside a footnote": ("a[^x]\n\n[^x]: one[^y]\n\n[^y]: two", 3, "footnote [^x] contains another footnote"),
    "indented code": ("a\n\n    code", 3, "indented code blocks are not supported (is this line indented 4 spaces?)"),
    "fenced code": ("```\ncode\n```", 1, "code blocks are not supported"),
    "bare table": ("| A |\n|---|\n| x |", 1, "a table must be inside a :::{table} directive"),
    "unknown directive": ("a\n\n:::{note}\nx\n:::", 3,
                          "unknown directive {note} "
                          "(known: callout, chart, keyfigures, meta, pagebreak, table, title, toc)"),
    "fence without name": ("::: note\nx\n:::", 1, "a directive is written ':::{name} argument', not '::: note'"),
    "stray closing fence": ("a\n\n:::\nb", 3, "':::' opens nothing: a directive starts ':::{name}' "
                                              "(an outer directive needs more colons than the one inside it)"),
    "unclosed directive": ("a\n\n:::{callout}\nb", 3, UNCLOSED.format("{callout}")),
    "nested fence needs more colons": (":::{callout}\n:::{table}\n| A |\n|---|\n| x |\n:::\n:::", 2,
                                       UNCLOSED.format("{table}")),
    "unknown option": (":::{toc}\n:deep: 2\n:::", 1, ":::{toc} has no option 'deep' (options: depth)"),
    "option given twice": (":::{toc}\n:depth: 2\n:depth: 3\n:::", 1, ":::{toc} option 'depth' is given twice"),
    "pagebreak has no options": (":::{pagebreak}\n:x: 1\n:::", 1, ":::{pagebreak} has no option 'x' (options: none)"),
    "meta missing title": ("x\n:::{meta}\n:author: A\n:::", 2, ":::{meta} needs the option ':title: …'"),
    "meta twice": (":::{meta}\n:title: A\n:::\n:::{meta}\n:title: B\n:::", 4, "only one :::{meta} block is allowed"),
    "meta with body": (":::{meta}\n:title: A\n\nstray text\n:::", 4, ":::{meta} takes no body"),
    "meta nested": ("::::{callout}\n:::{meta}\n:title: A\n:::\n::::", 2,
                    ":::{meta} is only allowed at the top level of the document"),
    "title without text": (":::{title}\n:::", 1, ":::{title} needs the title text after it"),
    "title twice": (":::{title} A\n:::\n:::{title} B\n:::", 3, "only one :::{title} block is allowed"),
    "toc depth": (":::{toc}\n:depth: 4\n:::", 1, ":::{toc} depth must be 1, 2 or 3 (got '4')"),
    "toc in a list": ("- a\n\n  :::{toc}\n  :::", 3, ":::{toc} is only allowed at the top level of the document"),
    "pagebreak argument": (":::{pagebreak} now\n:::", 1, ":::{pagebreak} takes no argument (got 'now')"),
    "keyfigure with one part": (":::{keyfigures}\na :: b\n\njust a value\n:::", 4,
                                "a key figure is 'value :: label' or 'value :: label :: comparison'"),
    "keyfigure with four parts": (":::{keyfigures}\na :: b :: c :: d\n:::", 2,
                                  "a key figure is 'value :: label' or 'value :: label :: comparison'"),
    "keyfigure empty label": (":::{keyfigures}\na ::  :: c\n:::", 2,
                              "a key figure is 'value :: label' or 'value :: label :: comparison'"),
    "keyfigures empty": (":::{keyfigures}\n:::", 1, ":::{keyfigures} has no tiles (one line 'value :: label' each)"),
    "keyfigure bad role": (":::{keyfigures}\na :: b\n{x}`y` :: b\n:::", 3, NO_ROLE),
    "callout empty": ("\n:::{callout} T\n:::", 2, ":::{callout} has no body"),
    "callout bad title": (":::{callout} {x}`y`\nbody\n:::", 1, NO_ROLE),
    "table with no table": (":::{table}\njust text\n:::", 1, ONE_TABLE),
    "table with extra text": (":::{table}\n| A |\n|---|\n| x |\n\nmore\n:::", 1, ONE_TABLE),
    "table row too long": (":::{table}\n| A | B |\n|---|---|\n| x | y |\n| x | y | z |\n:::", 5,
                           "this row has more cells than the table's 2 columns"),
    "table align count": (":::{table}\n:align: l\n| A | B |\n|---|---|\n:::", 1,
                          ":::{table} align needs 2 entries of l, r or c (got 'l')"),
    "table align value": (":::{table}\n:align: l, middle\n| A | B |\n|---|---|\n:::", 1,
                          ":::{table} align needs 2 entries of l, r or c (got 'l, middle')"),
    "table widths count": (":::{table}\n:widths: 1\n| A | B |\n|---|---|\n:::", 1,
                           ":::{table} widths needs 2 positive numbers (got '1')"),
    "table widths negative": (":::{table}\n:widths: 1, -2\n| A | B |\n|---|---|\n:::", 1,
                              ":::{table} widths needs 2 positive numbers (got '1, -2')"),
    "table widths text": (":::{table}\n:widths: 1, wide\n| A | B |\n|---|---|\n:::", 1,
                          ":::{table} widths needs 2 positive numbers (got '1, wide')"),
    "chart kind": ("\n:::{chart} pie\n:title: T\n:alt: A\nx,y\na,1\n:::", 2,
                   ":::{chart} kind must be bar, barh or line (got 'pie')"),
    "chart missing title": (":::{chart} bar\n:alt: A\nx,y\na,1\n:::", 1, ":::{chart} needs the option ':title: …'"),
    "chart missing alt": (":::{chart} bar\n:title: T\nx,y\na,1\n:::", 1, ":::{chart} needs the option ':alt: …'"),
    "chart format": (":::{chart} bar\n:title: T\n:alt: A\n:format: pcnt\nx,y\na,1\n:::", 1,
                     f"unknown format 'pcnt' (known: {', '.join(sorted(FORMATS))})"),
    "chart non-number": (":::{chart} bar\n:title: T\n:alt: A\nx,y\na,1\n\nb,lots\n:::", 7,
                         "chart value 'lots' is not a number"),
    "chart nan": (":::{chart} bar\n:title: T\n:alt: A\nx,y\na,nan\n:::", 5, "chart value 'nan' is not a number"),
    "chart row width": (":::{chart} bar\n:title: T\n:alt: A\nx,y\na,1,2\n:::", 5,
                        "this chart row has 3 cells; the header has 2"),
    "chart no data": (":::{chart} bar\n:title: T\n:alt: A\nx,y\n:::", 1,
                      ":::{chart} needs a CSV header 'category,series…' and at least one data row"),
    "chart highlight": (":::{chart} bar\n:title: T\n:alt: A\n:highlight: Hul\nx,y\nHull,1\n:::", 1,
                        ":::{chart} highlight 'Hul' is not a category of this chart"),
    "chart reference": (":::{chart} bar\n:title: T\n:alt: A\n:reference: UK 51.9\nx,y\nHull,1\n:::", 1,
                        ":::{chart} reference 'UK 51.9' is not 'value|label'"),
    "chart error inside a callout": ("::::{callout}\nText\n\n:::{chart} bar\n:title: T\n:alt: A\nx,y\na,zz\n:::\n::::",
                                     8, "chart value 'zz' is not a number"),
    "chart option error inside a list": ("- item\n\n  :::{chart} pie\n  :title: T\n  :alt: A\n  x,y\n  a,1\n  :::", 3,
                                         ":::{chart} kind must be bar, barh or line (got 'pie')"),
    "role error on a later line of a paragraph": ("one\ntwo\nthree {fact}`nobar`", 3,
                                                  "{fact}`nobar` needs the form {fact}`id|printed text`"),
    "chart labels": (":::{chart} bar\n:title: T\n:alt: A\n:labels: yes\nx,y\nHull,1\n:::", 1,
                     ":::{chart} labels must be true or false (got 'yes')"),
    "chart caption role": (":::{chart} bar\n:title: T\n:alt: A\n:caption: {x}`y`\nx,y\nHull,1\n:::", 1,
                           NO_ROLE),
}


@pytest.mark.parametrize("text, line, message", ERRORS.values(), ids=ERRORS.keys())
def test_error(text: str, line: int, message: str) -> None:
    with pytest.raises(MarkdownError) as info:
        parse(text, "page.md")
    err = info.value
    assert str(err) == f"page.md:{line}: {message}"
    assert (err.source, err.line, err.message) == ("page.md", line, message)
    assert err.line_text == text.split("\n")[line - 1].strip()


def test_error_is_a_value_error_and_pickles() -> None:
    err = MarkdownError("a.md", 3, "bad", "the line")
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.source, copy.line, copy.message, copy.line_text, str(copy)) == (
        "a.md", 3, "bad", "the line", "a.md:3: bad")


def test_default_source_name() -> None:
    with pytest.raises(MarkdownError, match=r"^<markdown>:1: "):
        parse("#### x")


def test_crlf_line_numbers() -> None:
    with pytest.raises(MarkdownError) as info:
        parse("a\r\n\r\n#### x\r\n", "w.md")
    assert (info.value.line, info.value.line_text) == (3, "#### x")


# --------------------------------------------------------------------------- hostile text

HOSTILE = ["<b>bold?</b>", "&amp;", "<para>", "]]>", "{{ 7*7 }}", "Tom & Jerry", "🙂 👍🏽", "שלום עולם",
           "عربي", '"quotes" ‘curly’', "<![CDATA[x]]>", "</w:t>", "a\\b", "{fact}`x|y`", "[^1]", "{% raw %}"]


@pytest.mark.parametrize("s", HOSTILE)
def test_hostile_text_survives_escaped(s: str) -> None:
    assert blocks(f"Before {escape(s)} after.") == (P(Text(f"Before {s} after.")),)


@pytest.mark.parametrize("s", ["<b>bold?</b>", "&amp;", "<para>", "]]>", "{{ 7*7 }}", "🙂", "שלום עולם", "عربي"])
def test_hostile_text_survives_raw(s: str) -> None:
    assert blocks(f"Before {s} after.") == (P(Text(f"Before {s} after.")),)


@pytest.mark.parametrize("s", HOSTILE)
def test_hostile_text_in_every_slot(s: str) -> None:
    e = escape(s)
    doc = parse(
        f":::{{meta}}\n:title: {e}\n:::\n:::{{title}} {e}\n:subtitle: {e}\n:::\n# {e}\n\n"
        f":::{{table}} {e}\n:source: {e}\n| {e} |\n|---|\n| {e} |\n:::\n\n"
        f":::{{keyfigures}}\n{e} :: {e} :: {e}\n:::\n\n- {e}\n"
    )
    assert doc.meta.title == s
    title, heading, table, figures, bullets = doc.blocks
    assert (title.title, title.subtitle) == (s, s)
    assert plain_text(heading.inlines) == s
    assert {plain_text(x) for x in (table.caption, table.source, table.columns[0], table.rows[0][0])} == {s}
    assert {plain_text(x) for x in (figures.items[0].value, figures.items[0].label, figures.items[0].comparison)} == {s}
    assert bullets == BulletList(((P(Text(s)),),))


def test_escape_examples() -> None:
    assert escape("a*b\nc") == "a\\*b c"
    assert escape("1. £5 – ok") == "1\\. £5 – ok"


# Characters CommonMark itself rewrites: NUL becomes U+FFFD (the writers drop control characters anyway).
_TEXT = st.one_of(
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=60),
    st.text(st.sampled_from(list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r0123456789aZ£é🙂ש")), max_size=40),
)


def _plain(s: str) -> str:
    """Return what ``escape(s)`` promises to read back as: newlines as spaces, ends stripped."""
    return s.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").strip()


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_escaped_text_round_trips(s: str) -> None:
    expected = _plain(s)
    assert blocks(escape(s)) == ((P(Text(expected)),) if expected else ())


@settings(max_examples=150, deadline=None)
@given(_TEXT)
def test_escaped_text_round_trips_mid_sentence_and_in_cells(s: str) -> None:
    expected = _plain(s)
    assert blocks(f"x {escape(s)} y") == (P(Text(f"x {expected} y")),)
    table = blocks(f":::{{table}}\n| x {escape(s)} y |\n|---|\n:::")[0]
    assert isinstance(table, Table) and plain_text(table.columns[0]) == f"x {expected} y"


_PIECES = st.sampled_from([
    "a", " ", "  ", "|", ".", "{", "}", "`", "\\", "*", "_", "[", "]", "<", ">", "!", "&amp;", "^", ":", "\t",
    "{fact}", "{fact}`", "{fact}`x|1%`", "{fact}`|1`", "{fact}`x`", "{fact}`x|`", "{abbr}`a`", "£5.6bn", "שלום", "🙂",
])


def _inlines_or_error(make, s: str) -> object:
    try:
        return make(s, 0)
    except MarkdownError as exc:
        return str(exc)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_plain_text_shortcut_matches_the_inline_parser(s: str) -> None:
    s = s.strip()
    reader = markdown._Reader("", "t.md")
    fast = _inlines_or_error(reader.plain_inlines, s)
    if fast is not None:
        assert fast == _inlines_or_error(reader.parsed_inlines, s)


# --------------------------------------------------------------------------- the sample root


def _node_types(node: object) -> set[type]:
    found: set[type] = set()
    if isinstance(node, tuple):
        for item in node:
            found |= _node_types(item)
    elif is_dataclass(node) and not isinstance(node, type):
        found.add(type(node))
        for f in fields(node):
            found |= _node_types(getattr(node, f.name))
    return found


def test_every_node_root_yields_every_node_type() -> None:
    doc = parse((ROOTS / "every-node.md").read_text(encoding="utf-8"), "every-node.md")
    every = {obj for obj in vars(model).values()
             if isinstance(obj, type) and is_dataclass(obj) and obj.__module__ == model.__name__}
    assert _node_types(doc) == every
    assert doc.meta.keywords == ("sample", "test")
    assert "Tom & Jerry <b>bold?</b>" in plain_text(doc.blocks[4].inlines)  # Paragraph after the first heading


DOC = Path(__file__).parent.parent / "docs" / "markdown-dialect.md"
DOC_EXAMPLES = [block.split("```", 1)[0] for block in DOC.read_text(encoding="utf-8").split("```markdown\n")[1:]]


@pytest.mark.parametrize("example", [e for e in DOC_EXAMPLES if not e.startswith(":::{name}")])
def test_dialect_reference_examples_parse(example: str) -> None:
    doc = parse(example, "docs/markdown-dialect.md")
    assert doc.blocks or doc.meta.title


def test_dialect_reference_has_examples() -> None:
    assert len(DOC_EXAMPLES) >= 15


def test_module_doctests() -> None:
    assert doctest.testmod(markdown).failed == 0


# --------------------------------------------------------------------------- speed


def test_parser_is_built_once() -> None:
    assert markdown._markdown() is markdown._markdown()


def test_twenty_factsheets_parse_quickly() -> None:
    text = (ROOTS / "every-node.md").read_text(encoding="utf-8")
    parse(text)  # build the parser
    start = time.perf_counter()
    for _ in range(20):
        parse(text)
    assert time.perf_counter() - start < 0.5  # measured ≈ 0.04 s; generous for slow CI
