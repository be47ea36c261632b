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


def load_project(root: Path) -> Project:
    """Return the loaded project; raise ConfigError/DataError on bad input."""
    config = load_config(root)
    dataset = load_dataset(config.data_dir, config.members_file, config.root)
    facts = compute_facts(dataset, config.facts)
    return Project(config, dataset, facts, members_of(dataset))
