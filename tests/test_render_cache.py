"""The render cache (build.RenderCache): a document's Markdown is reused only when nothing it was
made from changed, and a build that reuses it writes exactly what a build from scratch writes."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen import build as build_module
from reportgen.build import RENDERS, Options, RenderCache, Target, build
from reportgen.facts import Fact, Facts
from reportgen.templating import Renderer

from .conftest import copy_project, edit_csv

ALL = 21  # the paper and 20 factsheets


def digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.suffix in (".docx", ".pdf")}


def run_build(project: Path, **kw) -> build_module.Summary:
    return build(Options(project=project, jobs=2, **kw))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("render-cache") / "proj")
    run_build(project)
    return project


@pytest.fixture
def fresh(tmp_path: Path, built: Path) -> Path:
    dest = tmp_path / "proj"
    shutil.copytree(built, dest)
    return dest


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The documents Renderer.render is called for, in order (name as in the ledger)."""
    calls: list[str] = []
    real = Renderer.render

    def counting(self, template_name, **context):
        calls.append(f"factsheets/{context['m'].slug}" if "m" in context else "position-paper")
        return real(self, template_name, **context)

    monkeypatch.setattr(Renderer, "render", counting)
    return calls


def assert_same_as_a_build_from_scratch(project: Path, tmp_path: Path) -> None:
    """The outputs and the ledger equal those of a --force build into an empty folder."""
    scratch = tmp_path / "scratch"
    run_build(project, out=scratch, force=True)
    out = project / "output"
    assert digests(out) == digests(scratch)
    ledger = json.loads((out / "facts.json").read_text())["documents"]
    assert ledger == json.loads((scratch / "facts.json").read_text())["documents"]


def bump_hull_gva(project: Path, delta: float = 400) -> None:
    import pandas as pd

    gva = pd.read_csv(project / "data" / "gva.csv")
    idx = gva.index[(gva["la_code"] == "E06000010") & (gva["year"] == 2016)][0]
    edit_csv(project / "data" / "gva.csv", int(idx) + 2, "gva_gbp_m", str(float(gva.at[idx, "gva_gbp_m"]) + delta))


def test_correction_renders_only_the_documents_that_read_it(fresh: Path, tmp_path: Path, rendered):
    before = digests(fresh / "output")
    bump_hull_gva(fresh)
    summary = run_build(fresh)
    assert sorted(rendered) == ["factsheets/hull", "position-paper"]
    assert sorted(summary.written) == ["factsheets/hull.docx", "factsheets/hull.pdf",
                                       "position-paper.docx", "position-paper.pdf"]
    after = digests(fresh / "output")
    assert {k for k in after if after[k] != before[k]} == {"factsheets/hull.docx", "factsheets/hull.pdf",
                                                            "position-paper.docx", "position-paper.pdf"}
    assert "city.hull.gva_gbp" in summary.changes_text
    rendered.clear()
    assert_same_as_a_build_from_scratch(fresh, tmp_path)
    assert len(rendered) == ALL  # --force trusts no cache


def test_force_renders_everything_and_writes_the_same(fresh: Path, rendered):
    before = digests(fresh / "output")
    run_build(fresh, force=True)
    assert len(rendered) == ALL
    assert digests(fresh / "output") == before


def test_a_settings_change_renders_again(fresh: Path, tmp_path: Path, rendered):
    toml = fresh / "reportgen.toml"
    assert "horizon_years = 10" in toml.read_text()
    toml.write_text(toml.read_text().replace("horizon_years = 10", "horizon_years = 15"))
    run_build(fresh)
    assert len(rendered) == ALL  # the settings are in every template's context
    assert_same_as_a_build_from_scratch(fresh, tmp_path)


def test_a_code_change_renders_again(fresh: Path, rendered, monkeypatch):
    monkeypatch.setattr(build_module, "code_digest", lambda: "another version of reportgen")
    summary = run_build(fresh)
    assert len(rendered) == ALL
    assert len(summary.written) == 2 * ALL


def test_a_template_edit_renders_the_documents_that_use_it(fresh: Path, tmp_path: Path, rendered):
    t = fresh / "templates" / "factsheet.md.j2"
    assert "## Place" in t.read_text()
    t.write_text(t.read_text().replace("## Place", "## Place and home"))
    run_build(fresh)
    assert len(rendered) == ALL - 1 and "position-paper" not in rendered
    rendered.clear()
    macros = fresh / "templates" / "macros.md.j2"  # imported by both templates
    macros.write_text(macros.read_text() + "\n")
    run_build(fresh)
    assert len(rendered) == ALL
    assert_same_as_a_build_from_scratch(fresh, tmp_path)


def test_a_theme_change_reuses_the_markdown_and_writes_every_file(fresh: Path, tmp_path: Path, rendered):
    theme = fresh / "templates" / "theme.toml"
    assert 'primary = "#12436D"' in theme.read_text()
    theme.write_text(theme.read_text().replace('primary = "#12436D"', 'primary = "#7A1F5C"'))
    summary = run_build(fresh)
    assert rendered == []
    assert len(summary.written) == 2 * ALL
    assert_same_as_a_build_from_scratch(fresh, tmp_path)


@pytest.mark.parametrize("damage", [b"", b"not a pickle", pickle.dumps(["a", "list"]), "bad entries",
                                    "bad renders"])
def test_a_damaged_cache_file_renders_everything(fresh: Path, tmp_path: Path, rendered, damage):
    path = fresh / "output" / ".cache" / RENDERS
    if damage == "bad renders":
        stored = pickle.loads(path.read_bytes())
        stored["renders"], stored["references"] = ["not", "a", "dict"], None
        damage = pickle.dumps(stored)
    if damage == "bad entries":
        stored = pickle.loads(path.read_bytes())
        stored["renders"] = {name: (entry[0], None, None, None, None) for name, entry in stored["renders"].items()}
        stored["renders"]["position-paper"] = stored["renders"]["position-paper"][:1]
        damage = pickle.dumps(stored)
    path.write_bytes(damage)
    bump_hull_gva(fresh)
    run_build(fresh)
    assert len(rendered) == ALL
    assert_same_as_a_build_from_scratch(fresh, tmp_path)
    assert pickle.loads(path.read_bytes())["renders"].keys() == set(json.loads(
        (fresh / "output" / "facts.json").read_text())["documents"])


def test_a_build_of_one_city_keeps_the_others_entries(fresh: Path, rendered):
    bump_hull_gva(fresh)
    run_build(fresh, cities=["hull"])
    assert rendered == ["factsheets/hull"]
    rendered.clear()
    run_build(fresh)
    assert rendered == ["position-paper"]


# --------------------------------------------------------------------------- the parts


def fact(fact_id: str, value: float | None, **kw) -> Fact:
    return Fact(fact_id, value, "count", "a test fact", reason="" if value is not None else "none", **kw)


def test_every_helper_records_the_facts_it_touches(tmp_path: Path):
    (tmp_path / "t.md.j2").write_text(
        '{{ fact("a") }} {{ text("b") }} {{ value("c") }} {{ reason("d") }} {{ has("e") }} {{ has("absent") }}\n')
    facts = Facts()
    facts.extend(fact(i, 1.0) for i in "abcde")
    renderer = Renderer(tmp_path, facts)
    _, usage = renderer.render("t.md.j2")
    assert usage.touched == {"a", "b", "c", "d", "e", "absent"}
    assert set(usage.printed) == {"a", "b"}
    assert "lipsum" not in renderer.env.globals  # random text would make a render no function of its inputs


def test_an_imported_templates_top_level_reads_are_recorded_in_every_render(tmp_path: Path):
    """Jinja runs an imported template's top-level code once per environment; every render must see it."""
    (tmp_path / "m.md.j2").write_text('{% set x = text("a") %}{% macro show() %}{{ x }}{% endmacro %}')
    (tmp_path / "t.md.j2").write_text('{% from "m.md.j2" import show %}{{ show() }}')
    facts = Facts()
    facts.add(fact("a", 1.0))
    renderer = Renderer(tmp_path, facts)
    for _ in range(2):
        assert renderer.render("t.md.j2")[1].touched == {"a"}


def test_a_fact_that_appears_renders_again(tmp_path: Path):
    """A template that asked has() for a missing fact is rendered again once the fact exists."""
    (tmp_path / "t.md.j2").write_text('{% if has("x.new") %}{{ fact("x.new") }}{% else %}none{% endif %}.')
    path, target = tmp_path / "cache" / RENDERS, Target("doc", "t.md.j2")

    def render(facts: Facts) -> tuple[str, RenderCache]:
        renderer = Renderer(tmp_path, facts)
        cache = RenderCache(path, facts, "code")
        digest = build_module.templates_digest(renderer, target.template, cache)
        text, _ = cache.render(renderer, target, digest, {"settings": (1, "a")})
        cache.save(keep_others=False)
        return text, cache

    text, cache = render(Facts())
    assert text == "none." and cache.rendered == 1
    text, cache = render(Facts())
    assert text == "none." and cache.reused == 1
    with_it = Facts()
    with_it.add(fact("x.new", 7.0))
    text, cache = render(with_it)
    assert text == "{fact}`x.new|7`." and cache.rendered == 1
    other = Facts()
    other.add(fact("x.new", 7.0, year=2016))  # the same value, another fact: rendered again
    assert render(other)[1].rendered == 1


def test_a_context_with_an_object_address_is_not_cached(tmp_path: Path):
    (tmp_path / "t.md.j2").write_text("x\n")
    renderer, cache = Renderer(tmp_path, Facts()), RenderCache(tmp_path / RENDERS, Facts(), "code")
    cache.render(renderer, Target("doc", "t.md.j2"), "d", {"thing": object()})
    assert cache.rendered == 1 and cache.new == {}


def test_the_context_digest_shows_all_of_it_and_is_the_same_in_every_process():
    import dataclasses

    from reportgen.config import FactSettings
    from reportgen.stats import Council, Member

    for cls in (Member, Council, FactSettings, Fact):  # a repr shows every field, and none can change
        assert cls.__dataclass_params__.frozen, cls
        assert all(f.repr for f in cls.__dataclass_fields__.values()), cls
    cache = RenderCache(Path("/nonexistent") / RENDERS, Facts(), "code")
    council = Council("E1", "One", None, "")
    member = Member("One", "one", "E1", "North", False, (council,))
    context = {"m": member, "members": [member], "rows": [("a", 1.5, None)], "settings": FactSettings()}
    key = cache._key("t", "d", context)
    for change in ({"m": dataclasses.replace(member, founder=True)},
                   {"members": [dataclasses.replace(member, councils=(dataclasses.replace(council, note="x"),))]},
                   {"rows": [("a", 1.5, 0.0)]}, {"rows": [("a", 1.5, None)], "extra": ()},
                   {"settings": FactSettings(horizon_years=11)}):
        assert cache._key("t", "d", {**context, **change}) != key, change
    assert cache._key("t", "d", dict(context)) == key
    assert cache._repr({"a": [1.5, ("x",), (), None]}) == repr({"a": [1.5, ("x",), (), None]})
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from reportgen.build import RenderCache, context_for, plan\n"
        "from reportgen.pipeline import load_project\n"
        "p = load_project(Path(sys.argv[1]))\n"
        "c = RenderCache(Path('/nonexistent/renders.pickle'), p.facts, 'code')\n"
        "print(json.dumps([c._key(t.template, 'templates', context_for(p, t)) for t in plan(p, p.config, None)]))\n")
    root = Path(__file__).resolve().parents[1]
    runs = [subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    keys = json.loads(runs[0])
    assert runs[0] == runs[1] and len(set(keys)) == ALL and None not in keys
