"""Load a project: settings → validated data → facts. Shared by build, check and facts.

With a cache folder (a build's ``OUT/.cache``), the facts, the members and the chart series
are kept in a pickle keyed by the sha256 of every data file, the settings and reportgen's own
code: when none of those changed, no data file is read again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Config, load_config
from .facts import Facts
from .files import digest


@dataclass
class Project:
    config: Config
    facts: Facts
    members: list[Any]  # stats.Member
    series: dict[str, Any] = field(default_factory=dict)  # stats.chart_series
    dataset: Any = None  # data.Dataset; None when everything came from the cache


def load_project(root: Path, cache_dir: Path | None = None) -> Project:
    """Return the loaded project; raise ConfigError/DataError on bad input."""
    config = load_config(root)
    key = inputs_key(config) if cache_dir is not None else ""
    if cache_dir is not None:
        cached = _read(cache_dir / f"project.{key}.pickle")
        if cached is not None:
            return Project(config, *cached)
    from .data import load_dataset
    from .stats import chart_series, compute_facts, members_of

    dataset = load_dataset(config.data_dir, config.members_file, config.root, cache_dir)
    members = members_of(dataset)
    project = Project(config, compute_facts(dataset, config.facts), members, chart_series(dataset, members), dataset)
    if cache_dir is not None:
        _write(cache_dir, f"project.{key}.pickle", (project.facts, project.members, project.series))
    return project


def inputs_key(config: Config) -> str:
    """Return a digest of what the facts depend on: data files, settings and the code that computes them."""
    h = hashlib.sha256(repr(config.facts).encode())
    files = sorted(p for p in config.data_dir.glob("*.csv")) + [config.members_file]
    for path in files:
        h.update(str(path).encode())
        try:
            h.update(digest(path).encode())
        except OSError:
            h.update(b"missing")
    package = Path(__file__).parent
    for name in ("data.py", "stats.py", "facts.py", "fmt.py", "pipeline.py", "__init__.py"):
        h.update(name.encode())
        h.update(digest(package / name).encode())
    return h.hexdigest()[:32]


def _read(path: Path) -> tuple | None:
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # noqa: BLE001 - absent or damaged: computed again
        return None


def _write(cache_dir: Path, name: str, value: object) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("project.*.pickle"):
            old.unlink(missing_ok=True)
        tmp = cache_dir / f".{name}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_dir / name)
    except OSError:
        pass  # the cache is an optimisation only
