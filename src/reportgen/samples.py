"""A sample Document with every node type, for writer tests and visual review.

Its text deliberately carries characters that break naive writers: markup-like
strings, ampersands, quotes, ``]]>``, emoji and right-to-left text.
"""

from __future__ import annotations

from .document import (
    BulletList,
    Callout,
    Chart,
    Document,
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
)

HOSTILE = 'Tom & Jerry <b>bold?</b> "quotes" ‘curly’ ]]> {{ 7*7 }} 🙂 שלום عربي'

MEMBERS = (
    "Blackpool", "Bournemouth", "Bradford", "Coventry", "Derby", "Doncaster", "Hull",
    "Kirklees", "Newport", "Norwich", "Plymouth", "Portsmouth", "Preston", "Salford",
    "Southampton", "Southend-on-Sea", "Sunderland", "Tees Valley", "Wakefield", "Wolverhampton",
)


def T(s: str) -> tuple[Text]:
    return (Text(s),)


def every_node_document(rows: int = 40) -> Document:
    """Return a Document that uses every block and inline type at least once.

    ``rows`` sets the length of the long table, so that it crosses a page.
    """
    bar = Chart(
        kind="barh",
        title="Most members voted Leave by more than the UK as a whole",
        categories=MEMBERS[:8],
        series=(Series("Leave share", (67.5, 54.9, 54.2, 55.6, 57.2, 69.0, 67.6, 54.7)),),
        x_label="Leave share of valid votes (%)",
        value_format="pct",
        highlight=("Hull",),
        reference_lines=(ReferenceLine(51.9, "UK 51.9%"),),
    )
    line = Chart(
        kind="line",
        title="GVA per filled job has grown more slowly than in England",
        categories=tuple(str(y) for y in range(2010, 2020)),
        series=(
            Series("Hull", (40100, 41000, 41900, 42500, 43100, 44000, 45200, 46100, None, 48000)),
            Series("England", (48000, 49200, 50100, 51000, 52500, 53900, 55100, 56600, 58000, 59400)),
        ),
        y_label="GVA per filled job (£, current prices)",
        value_format="gbp_k",
    )
    column = Chart(
        kind="bar",
        title="Employment rate, 2023",
        categories=("Hull", "Key Cities", "England"),
        series=(Series("Employment rate", (70.1, 72.4, 75.7)),),
        y_label="Employment rate, ages 16–64 (%)",
        value_format="pct",
        highlight=("Hull",),
    )
    table_rows = tuple(
        (T(MEMBERS[i % 20] + ("" if i < 20 else f" ({i})")), T(f"{50 + (i * 7) % 20}.{i % 10}%"),
         T(f"£{40000 + i * 517:,}"), T(f"{1 + i % 20}"))
        for i in range(rows)
    )
    return Document(
        meta=Meta(
            title="Sample: every node type",
            subject="Writer test document",
            author="Key Cities Group",
            keywords=("sample", "test"),
            footer="Key Cities Group · sample data",
        ),
        blocks=(
            TitleBlock("Sample: every node type", subtitle="A test of both writers", kicker="Factsheet"),
            KeyFigures((
                KeyFigure((FactText("city.hull.population", "258,995"),), T("Population, mid-2016"),
                          T("0.4% of the UK")),
                KeyFigure((FactText("city.hull.gva_gbp", "£6.1bn"),), T("GVA, 2016"), T("current prices")),
                KeyFigure((FactText("city.hull.productivity_vs_england_pct", "79.5"),),
                          T("GVA per job (England = 100)"), ()),
                KeyFigure((FactText("city.hull.leave_pct", "67.6%"),), T("Voted Leave"), T("UK: 51.9%")),
            )),
            TableOfContents("Contents", depth=2),
            Heading(1, T("Headings, paragraphs and inlines"), "headings"),
            Paragraph((
                Text("Plain text, "), Strong(T("strong")), Text(", "), Emph(T("emphasis")), Text(", "),
                Strong((Emph(T("both")),)), Text(", a "), Link("https://www.ons.gov.uk/", T("link to the ONS")),
                Text(", a figure "), FactText("group.leave_pct", "59.4%"), Text(" and a note"),
                NoteRef(T("A note: the Electoral Commission's counting areas, 2016.")),
                Text(". Hostile text: "), Text(HOSTILE), Text("."), LineBreak(), Text("After a line break."),
            )),
            Paragraph(T("Ligatures and dashes – en — em; £ € ½ × ≤ ≥ → ‘single’ “double”.")),
            Heading(2, T("Lists"), "lists"),
            BulletList((
                (Paragraph(T("First bullet, long enough to wrap onto a second line so that the hanging "
                             "indent of the list can be seen by a reader checking the page.")),),
                (Paragraph((Text("Second bullet with "), Strong(T("bold")),
                            NoteRef(T("Second note, with <angle> & ampersand.")))),),
                (Paragraph(T("Third bullet with a nested list")),
                 BulletList(((Paragraph(T("Nested one")),), (Paragraph(T("Nested two")),)))),
            )),
            OrderedList((
                (Paragraph(T("Raise productivity to the England average.")),),
                (Paragraph(T("Devolve skills budgets.")),),
                (Paragraph(T("Invest in transport between mid-sized cities.")),),
            )),
            Heading(2, T("A callout"), "callout"),
            Callout(
                (Paragraph(T("Callouts hold a few blocks: a short paragraph of emphasis or a method note.")),
                 BulletList(((Paragraph(T("With a list")),), (Paragraph(T("of two items")),)))),
                title=T("How we counted"),
            ),
            Heading(1, T("Charts"), "charts"),
            Figure(bar, caption=T("Figure 1: Leave share by member"),
                   alt_text="Horizontal bar chart of the Leave share in eight members; Hull highlighted.",
                   source=T("Source: Electoral Commission, EU referendum results 2016.")),
            Figure(line, caption=T("Figure 2: GVA per filled job, 2010–2019"),
                   alt_text="Line chart of GVA per filled job for Hull and England, 2010 to 2019.",
                   source=T("Source: ONS, Subregional productivity.")),
            Figure(column, caption=T("Figure 3: Employment rate"),
                   alt_text="Column chart of employment rates for Hull, the Key Cities and England.",
                   source=T("Source: ONS, Annual Population Survey.")),
            PageBreak(),
            Heading(1, T("A long table"), "table"),
            Heading(3, T("A third-level heading"), "level3"),
            Table(
                columns=(T("Member"), T("Leave"), T("GVA per job"), T("Rank")),
                rows=table_rows,
                caption=T("Table 1: Members (test data)"),
                source=T("Source: test data; not real figures."),
                alignments=("left", "right", "right", "right"),
                widths=(3, 1.2, 1.5, 0.8),
            ),
            Paragraph(T("The end.")),
        ),
    )
