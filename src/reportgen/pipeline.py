"""Load a project: settings → validated data → facts. Shared by build, check and facts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import Config, load_config
from .data import Dataset, load_dataset
from .facts import Facts
from .stats import Member, compute_facts, members_of


@dataclass
class Project:
    config: Config
    dataset: Dataset
    facts: Facts
    members: list[Member]


def load_project(root: Path, cache_dir: Path | None = None) -> Project:
    """Return the loaded project; raise ConfigError/DataError on bad input.

    ``cache_dir`` (the build's ``OUT/.cache``) keeps validated data and facts keyed by the
    sha256 of their inputs, so unchanged inputs are not parsed or computed again.
    """
    config = load_config(root)
    dataset = load_dataset(config.data_dir, config.members_file, config.root, cache_dir)
    facts = _cached_facts(dataset, config, cache_dir)
    return Project(config, dataset, facts, members_of(dataset))


def _cached_facts(dataset: Dataset, config: Config, cache_dir: Path | None) -> Facts:
    import hashlib
    import os
    import pickle

    from . import __version__

    if cache_dir is None:
        return compute_facts(dataset, config.facts)
    key = hashlib.sha256(repr((sorted(dataset.digests.items()), sorted(dataset.paths.items()), config.facts,
                               __version__, _code_digest())).encode()).hexdigest()[:32]
    path = cache_dir / f"facts.{key}.pickle"
    if path.is_file():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - rebuilt below
            pass
    facts = compute_facts(dataset, config.facts)
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob("facts.*.pickle"):
        old.unlink(missing_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(facts, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return facts


def _code_digest() -> str:
    """Return a digest of the modules that compute facts, so editing them invalidates the cache."""
    import hashlib

    from . import data, facts, fmt, stats

    h = hashlib.sha256()
    for module in (data, facts, fmt, stats):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()
