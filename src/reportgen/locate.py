"""Where each fact stands in a parsed document: the heading above it and the sentence around it.

Apart from the ledger (ledger.py) so that the build process, which only reads and writes
the ledger, does not import the document model: the workers locate the facts as they parse.
"""

from __future__ import annotations

import re

from .document import (
    BulletList,
    Callout,
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
    Paragraph,
    Strong,
    Table,
    Text,
    plain_text,
)

# --------------------------------------------------------------------------- where facts stand


def locate_facts(doc: Document) -> list[dict[str, str]]:
    """Return every FactText of the document with the heading and sentence it stands in."""
    found: list[dict[str, str]] = []
    state = {"heading": "(opening)"}

    def blocks(items) -> None:
        for block in items:
            if isinstance(block, Heading):
                state["heading"] = plain_text(block.inlines)
                inlines(block.inlines, "heading")
            elif isinstance(block, Paragraph):
                inlines(block.inlines, None)
            elif isinstance(block, (BulletList, OrderedList)):
                for item in block.items:
                    blocks(item)
            elif isinstance(block, Callout):
                inlines(block.title, "callout title")
                blocks(block.blocks)
            elif isinstance(block, KeyFigures):
                for kf in block.items:
                    label = plain_text(kf.label)
                    for part in (kf.value, kf.label, kf.comparison):
                        inlines(part, f"key figure: {plain_text(kf.value)} {label} {plain_text(kf.comparison)}".strip())
            elif isinstance(block, Table):
                caption = plain_text(block.caption)
                headers = [plain_text(c) for c in block.columns]
                for row in block.rows:
                    for col, cell in enumerate(row):
                        head = headers[col] if col < len(headers) else ""
                        inlines(cell, f"table “{caption}”: {plain_text(row[0])}, {head}: {plain_text(cell)}")
                inlines(block.source, None)
            elif isinstance(block, Figure):
                inlines(block.caption, None)

    def inlines(items, context: str | None) -> None:
        text, spots = _flatten(items)
        for fact_id, shown, start in spots:
            sentence = context or _sentence(text, start)
            found.append({"id": fact_id, "text": shown, "where": state["heading"], "sentence": sentence})

    blocks(doc.blocks)
    return found


def _flatten(items) -> tuple[str, list[tuple[str, str, int]]]:
    """Return the plain text of inlines and (fact id, text, offset) of each fact in it."""
    parts: list[str] = []
    spots: list[tuple[str, str, int]] = []
    length = 0

    def walk(nodes) -> None:
        nonlocal length
        for node in nodes:
            if isinstance(node, FactText):
                spots.append((node.fact_id, node.text, length))
                parts.append(node.text)
                length += len(node.text)
            elif isinstance(node, Text):
                parts.append(node.text)
                length += len(node.text)
            elif isinstance(node, LineBreak):
                parts.append(" ")
                length += 1
            elif isinstance(node, (Strong, Emph, Link)):
                walk(node.children)
            elif isinstance(node, NoteRef):  # a fact inside a note is still located; its text stays apart
                parts.append(" [note: ")
                length += len(" [note: ")
                walk(node.children)
                parts.append("]")
                length += 1

    walk(items)
    return "".join(parts), spots


_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")


def _sentence(text: str, offset: int) -> str:
    """Return the sentence of ``text`` that contains ``offset``."""
    start = 0
    for match in _END.finditer(text):
        if match.start() >= offset:
            return text[start:match.start()].strip()
        start = match.end()
    return text[start:].strip()
