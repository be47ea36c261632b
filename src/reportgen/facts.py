"""Facts: every number a document prints, with where it came from.

A Fact holds a value in base units (GBP, percent 0–100, count, ratio, rank,
year), what it means, the data year, the source rows and columns, and the
formula in words. A figure that does not exist is a Fact whose ``value`` is None
and whose ``reason`` says why; it prints as "not available".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from . import fmt


@dataclass(frozen=True)
class Source:
    file: str
    rows: str  # e.g. "la_code=E06000010, year=2016"
    column: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "rows": self.rows, "column": self.column}


@dataclass(frozen=True)
class Fact:
    id: str
    value: float | None
    unit: str  # GBP | percent | count | people | ratio | rank | year | points | text
    description: str
    year: int | None = None
    sources: tuple[Source, ...] = ()
    formula: str = ""
    reason: str = ""  # why the value is not available
    style: str = ""  # default number format (fmt.FORMATS); '' = by unit

    @property
    def available(self) -> bool:
        return self.value is not None

    def text(self, style: str | None = None) -> str:
        """Return the value formatted by ``style`` (default: the fact's own), or 'not available'."""
        return fmt.format_value(self.value, style or self.default_style)

    @property
    def default_style(self) -> str:
        return self.style or fmt.DEFAULT_FOR_UNIT.get(self.unit, "number")

    def as_dict(self) -> dict[str, object]:
        """Return the JSON shape of ``reportgen facts --json``."""
        out: dict[str, object] = {
            "id": self.id,
            "value": self.value,
            "unit": self.unit,
            "text": self.text(),
            "description": self.description,
            "year": self.year,
            "sources": [s.as_dict() for s in self.sources],
            "formula": self.formula,
        }
        if self.value is None:
            out["reason"] = self.reason
        return out


class UnknownFact(KeyError):
    """A template asked for a fact id that does not exist."""

    def __str__(self) -> str:
        return f"unknown fact '{self.args[0]}'"


@dataclass
class Facts:
    """The registry: every fact by id, in the order they were computed."""

    by_id: dict[str, Fact] = field(default_factory=dict)

    def add(self, fact: Fact) -> Fact:
        if fact.id in self.by_id:
            raise ValueError(f"fact '{fact.id}' computed twice")
        if fact.value is not None and fact.value != fact.value:  # NaN never escapes
            raise ValueError(f"fact '{fact.id}' is NaN; it must be None with a reason")
        if fact.value is None and not fact.reason:
            raise ValueError(f"fact '{fact.id}' is not available but has no reason")
        self.by_id[fact.id] = fact
        return fact

    def extend(self, facts: Iterable[Fact]) -> None:
        for f in facts:
            self.add(f)

    def __getitem__(self, fact_id: str) -> Fact:
        try:
            return self.by_id[fact_id]
        except KeyError:
            raise UnknownFact(fact_id) from None

    def __contains__(self, fact_id: object) -> bool:
        return fact_id in self.by_id

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.by_id.values())

    def __len__(self) -> int:
        return len(self.by_id)

    def with_prefix(self, prefix: str) -> list[Fact]:
        return [f for f in self if f.id.startswith(prefix)]
