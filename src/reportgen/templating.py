"""The Jinja2 environment: sandboxed, StrictUndefined, every data string escaped.

Templates produce Markdown (see docs/markdown-dialect.md). They never format a
number by hand: ``fact("group.leave_pct")`` prints a fact in its default format,
``fact("group.leave_pct", "pct0")`` in a named one (reportgen.fmt.FORMATS); the
result is a ``{fact}`` role, so the ledger knows where every figure stands.

Every other value a template prints passes ``finalize``, which escapes it for
Markdown: a city called ``<b>Tom & Jerry</b>`` prints literally, never as markup,
and ``{{ 7*7 }}`` inside data is text (data is never rendered as a template).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .facts import Facts, UnknownFact

FACT_ID = re.compile(r"[A-Za-z0-9_.\-]+")


class TemplateError(ValueError):
    """A template problem: ``str()`` is ``file:line: message``."""


_ESCAPE = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def md_escape(text: str) -> str:
    """Return ``text`` with every Markdown-significant character backslash-escaped.

    >>> md_escape("<b>Tom & Jerry</b> *5*")
    '\\\\<b\\\\>Tom \\\\& Jerry\\\\<\\\\/b\\\\> \\\\*5\\\\*'
    """
    text = re.sub(r"[\r\n\t\v\f]+", " ", str(text))
    return _ESCAPE.sub(r"\\\1", text)


def _finalize(value: Any) -> Markup:
    """Escape every printed value for Markdown unless it is already Markup (facts, macros)."""
    if isinstance(value, Markup):
        return value
    if value is None:
        raise TemplateError("a template printed None")
    return Markup(md_escape(str(value)))


def first_upper(text: Any) -> Any:
    """Return the text with its first letter in upper case, the rest untouched.

    >>> first_upper("no figure for E06000028")
    'No figure for E06000028'
    """
    text = text if isinstance(text, str) else str(text)
    return text[:1].upper() + text[1:]


@dataclass
class Usage:
    """The facts one render asked for: ``printed`` id → printed texts (fact(), text()); ``read`` the
    ids value(), reason() and has() looked at, which print nothing (has() records an id that does not
    exist too: its answer would change if the fact appeared)."""

    printed: dict[str, list[str]] = field(default_factory=dict)
    read: set[str] = field(default_factory=set)

    @property
    def touched(self) -> set[str]:
        """Every fact id the render asked for: its output depends on no other fact (build.RenderCache)."""
        return set(self.printed) | self.read


class Renderer:
    """Renders templates against the facts; one per build, reused for every document."""

    def __init__(self, templates_dir: Path, facts: Facts, globals_: dict[str, Any] | None = None,
                 cache_dir: Path | None = None):
        self.templates_dir = templates_dir
        self.facts = facts
        bytecode = None
        if cache_dir is not None:  # compiled templates, keyed by a checksum of their source
            (cache_dir / "jinja").mkdir(parents=True, exist_ok=True)
            bytecode = jinja2.FileSystemBytecodeCache(str(cache_dir / "jinja"))
        self.env = SandboxedEnvironment(
            bytecode_cache=bytecode,
            loader=_Loader(str(templates_dir)),
            undefined=jinja2.StrictUndefined,
            # autoescape keeps macro output as Markup; finalize does the (Markdown) escaping
            autoescape=True,
            finalize=_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        del self.env.globals["lipsum"]  # random text: a render must be a function of its inputs
        self.env.globals.update(globals_ or {})
        self.env.globals.update(fact=self.fact, text=self.text, first_time=self.first_time, value=self.value, reason=self.reason, has=self.has,
                                chart_data=self.chart_data, plain=self.plain)
        self.env.filters["md"] = lambda v: Markup(md_escape(str(v)))
        self.env.filters["first_upper"] = first_upper
        self.usage = Usage()

    # -- helpers exposed to templates
    def fact(self, fact_id: str, style: str | None = None) -> Markup:
        """Return the fact as a ``{fact}`` role with its formatted text."""
        f = self._get(fact_id)
        try:
            text = f.text(style)
        except ValueError as exc:
            raise TemplateError(str(exc)) from None
        self.usage.printed.setdefault(fact_id, []).append(text)
        return Markup(f"{{fact}}`{fact_id}|{text}`")

    def text(self, fact_id: str, style: str | None = None) -> Markup:
        """Return the fact's formatted text alone, for places a role cannot go (chart labels, alt text)."""
        f = self._get(fact_id)
        try:
            shown = f.text(style)
        except ValueError as exc:
            raise TemplateError(str(exc)) from None
        self.usage.printed.setdefault(fact_id, []).append(shown)
        return Markup(shown)

    def first_time(self, key: str) -> bool:
        """Return True the first time ``key`` is seen in this render (for notes defined once)."""
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def value(self, fact_id: str) -> float | None:
        """Return the fact's raw value (None when not available), for conditions and sorting."""
        self.usage.read.add(fact_id)
        return self._get(fact_id).value

    def reason(self, fact_id: str) -> str:
        """Return why a fact is not available ('' when it is)."""
        self.usage.read.add(fact_id)
        return self._get(fact_id).reason

    def has(self, fact_id: str) -> bool:
        """Return True when the fact exists and has a value."""
        self.usage.read.add(fact_id)
        return fact_id in self.facts and self.facts[fact_id].value is not None

    def _get(self, fact_id: str):
        if not isinstance(fact_id, str) or not FACT_ID.fullmatch(fact_id):
            raise TemplateError(f"bad fact id {fact_id!r}")
        try:
            return self.facts[fact_id]
        except UnknownFact:
            raise TemplateError(f"unknown fact '{fact_id}'") from None

    @staticmethod
    def chart_data(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Markup:
        """Return CSV for a chart directive's body; None becomes an empty cell (a gap)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([_one_line(h) for h in header])
        for row in rows:
            writer.writerow(["" if v is None else (_one_line(v) if isinstance(v, str) else repr(float(v)))
                             for v in row])
        return Markup(out.getvalue().rstrip("\n"))

    @staticmethod
    def plain(value: Any) -> Markup:
        """Return a data string for a directive option: one line, backslashes doubled.

        The reader unescapes every option (``\\.`` → ``.``), so a name such as
        ``C:\\x\\..`` must reach it as ``C:\\\\x\\\\..`` to come out unchanged.
        """
        return Markup(_one_line(str(value)).replace("\\", "\\\\").replace(";", "\\;"))

    # -- rendering
    def render(self, template_name: str, **context: Any) -> tuple[str, Usage]:
        """Return (Markdown, usage) of one template; raise TemplateError naming file and line."""
        self.usage = Usage()
        self._seen: set[str] = set()
        # Jinja keeps an imported template's module (its top-level code run once, its macros) on the
        # template for the next render. Drop it, so each render runs that code again and records the
        # facts it reads: a render then depends on nothing an earlier render did (build.RenderCache).
        for loaded in (self.env.cache or {}).values():
            loaded._module = None
        try:
            template = self.env.get_template(template_name)
            text = template.render(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{self._label(exc.filename or template_name)}:{exc.lineno}: {exc.message}") from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"{self.templates_dir / exc.name}: template not found") from None
        except (jinja2.UndefinedError, jinja2.exceptions.SecurityError, TemplateError, TypeError,
                ValueError, ArithmeticError, LookupError, AttributeError, RecursionError) as exc:
            where = _template_frame(exc.__traceback__) or (template_name, 0)
            message = str(exc)
            if isinstance(exc, RecursionError):
                message = "a macro or include calls itself without end (maximum recursion depth exceeded)"
            if isinstance(exc, TemplateError) and re.match(r"^\S+:\d+: ", message):
                raise
            raise TemplateError(f"{self._label(where[0])}:{where[1]}: {message}") from None
        return text, self.usage

    def _label(self, filename: str) -> str:
        path = Path(filename)
        if not path.is_absolute():
            path = self.templates_dir / path
        try:
            return str(path.resolve().relative_to(self.templates_dir.resolve().parent))
        except ValueError:
            return str(path)

    def source_line(self, template_name: str, line_text: str) -> int | None:
        """Return the template line whose text is ``line_text``, if exactly one matches."""
        try:
            source = (self.templates_dir / template_name).read_text(encoding="utf-8")
        except OSError:
            return None
        wanted = line_text.strip()
        hits = [i for i, line in enumerate(source.splitlines(), 1) if line.strip() == wanted]
        return hits[0] if len(hits) == 1 else None


class _Loader(jinja2.FileSystemLoader):
    """A FileSystemLoader whose undecodable template is a TemplateError naming file and line."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            raw = exc.object if isinstance(exc.object, bytes) else b""
            line = raw.count(b"\n", 0, exc.start) + 1
            label = Path(self.searchpath[0]).name + "/" + template
            raise TemplateError(f"{label}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                                "save the file as UTF-8") from None


def _one_line(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]+", " ", str(text)).strip()


def _template_frame(tb: TracebackType | None) -> tuple[str, int] | None:
    """Return (template file, line) of the innermost template frame in a traceback."""
    found = None
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found
