"""Progress: a rich bar on a terminal, plain lines otherwise (CI logs)."""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """Context manager; ``advance(label)`` after each file is written."""

    def __init__(self, total: int, stream: Any = None, bar: bool | None = None):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self._rich: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.bar and self.total:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(TextColumn("[bold]Building"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), TextColumn("{task.description}"),
                                      console=Console(file=self.stream), transient=True)
            self._rich.__enter__()
            self._task = self._rich.add_task("", total=self.total)
        return self

    def advance(self, label: str) -> None:
        self.done += 1
        if self._rich is not None:
            self._rich.update(self._task, advance=1, description=label)
        else:
            print(f"[{self.done}/{self.total}] wrote {label}", file=self.stream, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._rich is not None:
            self._rich.__exit__(*exc)
