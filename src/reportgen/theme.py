"""Theme: fonts, colours, sizes and page geometry, read from ``theme.toml``.

Both writers and the charts read the same Theme, so the DOCX, the PDF and the
charts match. Font files are resolved to absolute paths here; a font that does
not exist is a ``ThemeError`` naming the theme file and key.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


class ThemeError(ValueError):
    """A theme problem, with the file and key in the message."""


@dataclass(frozen=True)
class Fonts:
    family: str
    regular: str
    bold: str
    italic: str
    bold_italic: str


@dataclass(frozen=True)
class Theme:
    fonts: Fonts
    sizes: dict[str, float]
    colours: dict[str, str]
    palette: tuple[str, ...]
    two_series: tuple[str, ...]
    page: dict[str, float]
    print_enabled: bool = False
    bleed_mm: float = 3.0
    crop_marks: bool = True
    cmyk: bool = True
    digest: str = ""
    source: str = ""
    chart_engine: str = "native"  # "native": each writer draws the chart itself; "matplotlib": one drawing
    extra: dict[str, object] = field(default_factory=dict)

    def colour(self, name: str) -> str:
        return self.colours[name]

    def size(self, name: str) -> float:
        return self.sizes[name]

    def with_print(self, enabled: bool = True) -> Theme:
        """Return a copy with the print profile (bleed, crop marks, CMYK) switched on or off."""
        from dataclasses import replace

        return replace(self, print_enabled=enabled)


def dejavu_dir() -> Path:
    """Return the folder of the DejaVu TTF files that matplotlib ships."""
    import importlib.util  # find matplotlib (which ships the fonts) without importing it

    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise ThemeError("the DejaVu fonts come with matplotlib, which is not installed")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


def _font_path(spec: str, base: Path, where: str) -> str:
    if spec.startswith("dejavu:"):
        path = dejavu_dir() / spec.split(":", 1)[1]
    else:
        path = Path(spec)
        if not path.is_absolute():
            path = base / path
    if not path.is_file():
        raise ThemeError(f"{where}: font file '{spec}' does not exist")
    return str(path)


CHART_ENGINES = ("native", "matplotlib")

REQUIRED_SIZES = ["body", "small", "caption", "title", "subtitle", "heading1", "heading2", "heading3", "key_value", "key_label", "leading"]
REQUIRED_COLOURS = ["primary", "accent", "text", "muted_text", "rule", "band_text", "tile_background", "callout_background", "table_header_background", "table_header_text", "table_stripe", "highlight", "muted"]


def load_theme(path: str | os.PathLike[str]) -> Theme:
    """Return the Theme read from ``path``; raise ThemeError on any bad or missing value."""
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ThemeError(f"{path}: cannot read theme ({exc.strerror})") from None
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        line = raw_bytes.count(b"\n", 0, exc.start) + 1
        raise ThemeError(f"{path}:{line}: not valid UTF-8 (byte 0x{raw_bytes[exc.start]:02x}); "
                         "save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        from .errors import toml_message

        raise ThemeError(toml_message(str(path), exc)) from None
    known = {"fonts", "sizes", "colours", "page", "print", "charts"}
    for key in raw:
        if key not in known:
            raise ThemeError(f"{path}: unknown section [{key}]")
    fonts_raw = raw.get("fonts", {})
    try:
        fonts = Fonts(
            family=str(fonts_raw["family"]),
            **{
                k: _font_path(str(fonts_raw[k]), path.parent, f"{path}: fonts.{k}")
                for k in ("regular", "bold", "italic", "bold_italic")
            },
        )
    except KeyError as exc:
        raise ThemeError(f"{path}: missing fonts.{exc.args[0]}") from None
    sizes = _section(raw, "sizes", REQUIRED_SIZES, path, float)
    colours_raw = dict(raw.get("colours", {}))
    palette = tuple(colours_raw.pop("palette", ()))
    two = tuple(colours_raw.pop("two_series", palette[:1] + palette[3:4]))
    colours = _section({"colours": colours_raw}, "colours", REQUIRED_COLOURS, path, str)
    for name, value in list(colours.items()) + [(f"palette[{i}]", v) for i, v in enumerate(palette)]:
        if not HEX.match(str(value)):
            raise ThemeError(f"{path}: colours.{name}: '{value}' is not a #RRGGBB colour")
    if len(palette) < 2:
        raise ThemeError(f"{path}: colours.palette needs at least two colours")
    page = _section(raw, "page", ("margin_top", "margin_bottom", "margin_left", "margin_right"), path, float,
                    extra_ok=("size",))
    if str(raw.get("page", {}).get("size", "A4")).upper() != "A4":
        raise ThemeError(f"{path}: page.size: only A4 is supported")
    pr = raw.get("print", {})
    charts = raw.get("charts", {})
    for key in charts:
        if key != "engine":
            raise ThemeError(f"{path}: unknown setting charts.{key} (known: engine)")
    engine = str(charts.get("engine", "native"))
    if engine not in CHART_ENGINES:
        raise ThemeError(f"{path}: charts.engine: '{engine}' must be one of {', '.join(CHART_ENGINES)}")
    return Theme(
        chart_engine=engine,
        fonts=fonts,
        sizes=sizes,
        colours=colours,
        palette=palette,
        two_series=two,
        page=page,
        print_enabled=bool(pr.get("enabled", False)),
        bleed_mm=float(pr.get("bleed", 3)),
        crop_marks=bool(pr.get("crop_marks", True)),
        cmyk=bool(pr.get("cmyk", True)),
        digest=hashlib.sha256(raw_bytes).hexdigest(),
        source=str(path),
    )


def _section(raw, name, required, path, kind, extra_ok=()):
    section = raw.get(name, {})
    out = {}
    for key in required:
        if key not in section:
            raise ThemeError(f"{path}: missing {name}.{key}")
        try:
            out[key] = kind(section[key])
        except (TypeError, ValueError):
            raise ThemeError(f"{path}: {name}.{key}: '{section[key]}' is not valid") from None
    for key in section:
        if key not in required and key not in extra_ok:
            raise ThemeError(f"{path}: unknown setting {name}.{key}")
    return out


def default_theme() -> Theme:
    """Return the theme shipped in the project's templates/ (used by tests and samples)."""
    return load_theme(Path(__file__).resolve().parents[2] / "templates" / "theme.toml")
