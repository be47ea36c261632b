"""reportgen.toml → Config, every setting checked; an unknown key is an error."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_NAME = "reportgen.toml"


class ConfigError(ValueError):
    """A settings problem, one line naming the file and key."""


@dataclass(frozen=True)
class FactSettings:
    base_year: int = 2016
    comparator: str = "england"  # england | uk
    horizon_years: int = 10
    growth_pct: float = 0.0
    employment_year: int | str = "latest"
    pay_year: int | str = "latest"
    qualifications_year: int | str = "latest"
    business_year: int | str = "latest"
    housing_year: int | str = "latest"
    population_latest_year: int | str = "latest"


@dataclass(frozen=True)
class Config:
    root: Path
    group_name: str = "Key Cities Group"
    data_dir: Path = Path("data")
    members_file: Path = Path("data/members.csv")
    templates_dir: Path = Path("templates")
    output_dir: Path = Path("output")
    theme_file: Path = Path("templates/theme.toml")
    reference_docx: Path = Path("templates/reference.docx")
    formats: tuple[str, ...] = ("docx", "pdf")
    jobs: int = 0
    print_profile: bool = False
    allowed_years: tuple[int, ...] = ()
    facts: FactSettings = field(default_factory=FactSettings)
    path: Path | None = None


# section → key → (type, where it goes)
SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "project": {"name": str, "data": str, "members": str, "templates": str, "output": str},
    "facts": {"base_year": int, "comparator": str, "horizon_years": int, "growth_pct": (int, float),
              "employment_year": (int, str), "pay_year": (int, str), "qualifications_year": (int, str),
              "business_year": (int, str), "housing_year": (int, str), "population_latest_year": (int, str)},
    "build": {"formats": list, "jobs": int, "print": bool},
    "theme": {"file": str, "reference_docx": str},
    "check": {"allowed_years": list},
}


def load_config(project: Path) -> Config:
    """Return the Config of the project folder; raise ConfigError on any bad setting."""
    path = project / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"{path}: no {CONFIG_NAME} here (use --project DIR)")
    label = str(path)
    raw_bytes = path.read_bytes()
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        line = raw_bytes.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{label}:{line}: not valid UTF-8 (byte 0x{raw_bytes[exc.start]:02x}); "
                          "save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        from .errors import toml_message

        raise ConfigError(toml_message(label, exc)) from None
    _check_keys(raw, label)
    p, f, b, t, c = (raw.get(k, {}) for k in ("project", "facts", "build", "theme", "check"))
    settings = FactSettings(**{k: v for k, v in f.items()})
    _check_facts(settings, label)
    formats = tuple(b.get("formats", ["docx", "pdf"]))
    for fmt_name in formats:
        if fmt_name not in ("docx", "pdf"):
            raise ConfigError(f"{label}: build.formats: unknown format '{fmt_name}' (known: docx, pdf)")
    if not formats:
        raise ConfigError(f"{label}: build.formats: give at least one format")
    if b.get("jobs", 0) < 0:
        raise ConfigError(f"{label}: build.jobs: must be 0 (one per core) or more")
    years = tuple(c.get("allowed_years", []))
    if not all(isinstance(y, int) for y in years):
        raise ConfigError(f"{label}: check.allowed_years: must be a list of whole years")
    root = project.resolve()
    return Config(
        root=root,
        group_name=p.get("name", "Key Cities Group"),
        data_dir=root / p.get("data", "data"),
        members_file=root / p.get("members", "data/members.csv"),
        templates_dir=root / p.get("templates", "templates"),
        output_dir=root / p.get("output", "output"),
        theme_file=root / t.get("file", "templates/theme.toml"),
        reference_docx=root / t.get("reference_docx", "templates/reference.docx"),
        formats=formats,
        jobs=b.get("jobs", 0),
        print_profile=b.get("print", False),
        allowed_years=years,
        facts=settings,
        path=path,
    )


def _check_keys(raw: dict, label: str) -> None:
    for section, values in raw.items():
        if section not in SCHEMA:
            raise ConfigError(f"{label}: unknown section [{section}] (known: {', '.join(SCHEMA)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{label}: '{section}' must be a [section]")
        for key, value in values.items():
            if key not in SCHEMA[section]:
                raise ConfigError(f"{label}: unknown setting {section}.{key} "
                                  f"(known: {', '.join(SCHEMA[section])})")
            kind = SCHEMA[section][key]
            if isinstance(value, bool) and kind is not bool:
                raise ConfigError(f"{label}: {section}.{key}: {value!r} is not valid")
            if not isinstance(value, kind):
                raise ConfigError(f"{label}: {section}.{key}: {value!r} is not valid")


def _check_facts(s: FactSettings, label: str) -> None:
    if s.comparator not in ("england", "uk"):
        raise ConfigError(f"{label}: facts.comparator: '{s.comparator}' must be 'england' or 'uk'")
    if not 1998 <= s.base_year <= 2019:
        raise ConfigError(f"{label}: facts.base_year: {s.base_year} is outside the GVA data (1998–2019)")
    if not 1 <= s.horizon_years <= 50:
        raise ConfigError(f"{label}: facts.horizon_years: {s.horizon_years} must be 1 to 50")
    if not -20 <= s.growth_pct <= 20:
        raise ConfigError(f"{label}: facts.growth_pct: {s.growth_pct} must be between -20 and 20")
    for name in ("employment_year", "pay_year", "qualifications_year", "business_year", "housing_year",
                 "population_latest_year"):
        value = getattr(s, name)
        if isinstance(value, str) and value != "latest":
            raise ConfigError(f"{label}: facts.{name}: '{value}' must be a year or \"latest\"")
